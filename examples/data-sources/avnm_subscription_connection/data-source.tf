data "avnm_subscription_connection" "central" {
  provider        = avnm.target
  name            = "central-network-manager"
  subscription_id = "/subscriptions/00000000-0000-0000-0000-000000000002"
}
