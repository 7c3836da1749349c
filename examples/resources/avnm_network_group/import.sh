terraform import avnm_network_group.spokes /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-network/providers/Microsoft.Network/networkManagers/nm-central/networkGroups/spokes
