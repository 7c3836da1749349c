resource "avnm_network_manager" "central" {
  name                = "nm-central"
  resource_group_name = "rg-network"
  location            = "westeurope"
  description         = "Connectivity for the central and the managed tenants"
  scope_accesses      = ["Connectivity", "SecurityAdmin"]

  scope {
    subscription_ids = ["/subscriptions/00000000-0000-0000-0000-000000000001"]
  }

  tags = {
    owner = "network-team"
  }
}
