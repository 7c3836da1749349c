data "avnm_network_group" "spokes" {
  name               = "spokes"
  network_manager_id = data.avnm_network_manager.central.id
}
