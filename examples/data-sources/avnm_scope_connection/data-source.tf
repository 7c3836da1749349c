data "avnm_scope_connection" "target" {
  name               = "target-subscription"
  network_manager_id = data.avnm_network_manager.central.id
}

check "target_connected" {
  assert {
    condition     = data.avnm_scope_connection.target.connection_state == "Connected"
    error_message = "The target tenant has not connected yet (state: ${data.avnm_scope_connection.target.connection_state})."
  }
}
