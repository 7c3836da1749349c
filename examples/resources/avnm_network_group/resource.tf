resource "avnm_network_group" "spokes" {
  name               = "spokes"
  network_manager_id = avnm_network_manager.central.id
  description        = "Spoke virtual networks of both tenants"
  member_type        = "VirtualNetwork"
}
