# The cross-tenant how-to of Azure Virtual Network Manager in one configuration and one apply:
#   central tenant: network manager, scope connection to a target-tenant subscription (Pending)
#   target tenant:  network manager connection back to the manager               (→ Connected)
#   central tenant: a network group with static members from both tenants
# and check blocks verifying the connection and the members.

terraform {
  required_version = ">= 1.5"
  required_providers {
    avnm = {
      source = "avnm/avnm"
    }
  }
}

provider "avnm" {
  alias           = "central"
  metadata_host   = var.metadata_host
  tenant_id       = var.central_tenant_id
  subscription_id = var.central_subscription_id
  client_id       = var.central_client_id
  client_secret   = var.central_client_secret
}

provider "avnm" {
  alias           = "target"
  metadata_host   = var.metadata_host
  tenant_id       = var.target_tenant_id
  subscription_id = var.target_subscription_id
  client_id       = var.target_client_id
  client_secret   = var.target_client_secret
}

locals {
  target_scope_id = "/subscriptions/${var.target_subscription_id}"
}

# --- central tenant ----------------------------------------------------------------------

resource "avnm_network_manager" "central" {
  provider            = avnm.central
  name                = "${var.name_prefix}-network-manager"
  resource_group_name = var.resource_group_name
  location            = var.location
  description         = "Manages virtual networks of the central and the target tenant"
  scope_accesses      = ["Connectivity"]

  scope {
    subscription_ids = ["/subscriptions/${var.central_subscription_id}"]
  }
}

# Step 1: ask to manage the target tenant's subscription. Pending until step 2 exists.
resource "avnm_scope_connection" "to_target" {
  provider           = avnm.central
  name               = "${var.name_prefix}-to-target"
  network_manager_id = avnm_network_manager.central.id
  tenant_id          = var.target_tenant_id
  target_scope_id    = local.target_scope_id
  description        = "Cross-tenant scope: target tenant subscription"
}

# --- target tenant -----------------------------------------------------------------------

# Step 2: the target tenant agrees. Both halves turn Connected.
resource "avnm_subscription_connection" "to_central" {
  provider           = avnm.target
  name               = "${var.name_prefix}-to-central"
  subscription_id    = local.target_scope_id
  network_manager_id = avnm_network_manager.central.id
  description        = "Lets the central tenant's network manager manage this subscription"
}

# --- members from both tenants -----------------------------------------------------------

resource "avnm_network_group" "spokes" {
  provider           = avnm.central
  name               = "${var.name_prefix}-spokes"
  network_manager_id = avnm_network_manager.central.id
  description        = "Spoke virtual networks of both tenants"
}

resource "avnm_static_member" "central" {
  provider                  = avnm.central
  for_each                  = toset(var.central_virtual_network_ids)
  name                      = "central-${basename(each.value)}"
  network_group_id          = avnm_network_group.spokes.id
  target_virtual_network_id = each.value
}

# Cross-tenant members: the provider sends the target tenant's auxiliary token, and waits
# (within the create timeout) while the scope connection is still Pending — the target
# tenant's half is created in parallel by the same apply. The dependency on the scope
# connection makes sure the central half exists before the members look for it.
resource "avnm_static_member" "target" {
  provider                  = avnm.central
  for_each                  = toset(var.target_virtual_network_ids)
  name                      = "target-${basename(each.value)}"
  network_group_id          = avnm_network_group.spokes.id
  target_virtual_network_id = each.value

  depends_on = [avnm_scope_connection.to_target]
}

# --- verification ------------------------------------------------------------------------

data "avnm_scope_connections" "central" {
  provider           = avnm.central
  network_manager_id = avnm_network_manager.central.id
  # Read only once both halves exist, so the check sees the connection the apply made.
  depends_on = [avnm_scope_connection.to_target, avnm_subscription_connection.to_central]
}

data "avnm_subscription_connection" "to_central" {
  provider        = avnm.target
  name            = avnm_subscription_connection.to_central.name
  subscription_id = avnm_subscription_connection.to_central.subscription_id
  depends_on      = [avnm_scope_connection.to_target]
}

data "avnm_network_manager" "central" {
  provider            = avnm.central
  name                = avnm_network_manager.central.name
  resource_group_name = avnm_network_manager.central.resource_group_name
  depends_on          = [avnm_scope_connection.to_target, avnm_subscription_connection.to_central]
}

data "avnm_network_group_members" "spokes" {
  provider         = avnm.central
  network_group_id = avnm_network_group.spokes.id
  depends_on       = [avnm_static_member.central, avnm_static_member.target]
}

check "cross_tenant_connected" {
  assert {
    condition = length(data.avnm_scope_connections.central.scope_connections) > 0 && alltrue([
      for c in data.avnm_scope_connections.central.scope_connections : c.connection_state == "Connected"
    ])
    error_message = "Not every scope connection is Connected: ${jsonencode({ for c in data.avnm_scope_connections.central.scope_connections : c.name => c.connection_state })}"
  }
}

check "members_from_both_tenants" {
  assert {
    condition = (
      toset([for m in data.avnm_network_group_members.spokes.members : lower(m.target_virtual_network_id)])
      == toset([for id in concat(var.central_virtual_network_ids, var.target_virtual_network_ids) : lower(id)])
    )
    error_message = "The network group's members differ from the configured virtual networks."
  }

  assert {
    condition = alltrue([
      for m in data.avnm_network_group_members.spokes.members :
      m.tenant_id == (contains([for id in var.target_virtual_network_ids : lower(id)], lower(m.target_virtual_network_id)) ? var.target_tenant_id : var.central_tenant_id)
    ])
    error_message = "A member's virtual network is not in the tenant it was configured from."
  }
}
