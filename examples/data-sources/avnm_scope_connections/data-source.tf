data "avnm_scope_connections" "all" {
  network_manager_id = data.avnm_network_manager.central.id
}

output "connection_states" {
  value = { for c in data.avnm_scope_connections.all.scope_connections : c.name => c.connection_state }
}
