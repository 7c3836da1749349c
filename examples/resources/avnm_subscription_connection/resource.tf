# In the target tenant (a provider configured for it): agree to be managed.
resource "avnm_subscription_connection" "central" {
  provider           = avnm.target
  name               = "central-network-manager"
  subscription_id    = "/subscriptions/00000000-0000-0000-0000-000000000002"
  network_manager_id = avnm_network_manager.central.id
  description        = "Managed from the central tenant"
}
