data "avnm_network_group_members" "spokes" {
  network_group_id = data.avnm_network_group.spokes.id
}

output "members_by_tenant" {
  value = { for m in data.avnm_network_group_members.spokes.members : m.name => m.tenant_id }
}
