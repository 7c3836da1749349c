# A virtual network of another tenant: the provider sends that tenant's auxiliary token
# and, while the scope connection covering it is Pending, waits for it to become Connected.
resource "avnm_static_member" "target_spoke" {
  name                      = "target-spoke-1"
  network_group_id          = avnm_network_group.spokes.id
  target_virtual_network_id = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg-spokes/providers/Microsoft.Network/virtualNetworks/spoke-1"

  timeouts {
    create = "10m"
  }
}
