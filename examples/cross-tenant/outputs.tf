output "network_manager_id" {
  description = "ID of the central network manager."
  value       = avnm_network_manager.central.id
}

output "connection_states" {
  description = "Both halves of the cross-tenant link, as ARM reports them now."
  value = {
    central_scope_connections = { for c in data.avnm_scope_connections.central.scope_connections : c.name => c.connection_state }
    target_subscription       = data.avnm_subscription_connection.to_central.connection_state
  }
}

output "cross_tenant_scopes" {
  description = "The target-tenant scopes the network manager now manages."
  value       = data.avnm_network_manager.central.cross_tenant_scopes
}

output "group_members" {
  description = "Every static member of the network group, with its virtual network's tenant."
  value = [for m in data.avnm_network_group_members.spokes.members : {
    name      = m.name
    tenant_id = m.tenant_id
    region    = m.region
    network   = m.target_virtual_network_id
  }]
}
