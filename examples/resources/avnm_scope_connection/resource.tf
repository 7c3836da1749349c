# In the central tenant: ask to manage a subscription of the target tenant.
resource "avnm_scope_connection" "target" {
  name               = "target-subscription"
  network_manager_id = avnm_network_manager.central.id
  tenant_id          = "22222222-2222-2222-2222-222222222222"
  target_scope_id    = "/subscriptions/00000000-0000-0000-0000-000000000002"
  description        = "Managed by the central network team"
  wait_for_connected = true
}
