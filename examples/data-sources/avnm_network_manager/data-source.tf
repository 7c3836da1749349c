data "avnm_network_manager" "central" {
  name                = "nm-central"
  resource_group_name = "rg-network"
}

output "connected_tenants" {
  value = data.avnm_network_manager.central.cross_tenant_scopes[*].tenant_id
}
