# Inputs of the cross-tenant example. `make demo` fills them from the emulator's ready file
# (scripts/demo_vars.py writes terraform.tfvars.json); against Azure, set them yourself.

variable "metadata_host" {
  description = "Host serving ARM's cloud metadata (the emulator's host:port). Null for public Azure."
  type        = string
  default     = null
}

# --- central (managing) tenant -------------------------------------------------------------

variable "central_tenant_id" {
  description = "Tenant ID of the central tenant, where the network manager lives."
  type        = string
}

variable "central_subscription_id" {
  description = "Subscription GUID (not the /subscriptions/ ID) of the central tenant holding the network manager."
  type        = string
}

variable "central_client_id" {
  description = "Client ID of the central administrator (a service principal). Null to use the Azure CLI or ARM_* variables."
  type        = string
  default     = null
}

variable "central_client_secret" {
  description = "Client secret of the central administrator."
  type        = string
  default     = null
  sensitive   = true
}

variable "resource_group_name" {
  description = "Existing resource group in the central subscription for the network manager."
  type        = string
}

variable "location" {
  description = "Region of the network manager."
  type        = string
  default     = "westeurope"
}

variable "central_virtual_network_ids" {
  description = "IDs of central-tenant virtual networks to add as static members."
  type        = list(string)
  default     = []
}

# --- target (managed) tenant ---------------------------------------------------------------

variable "target_tenant_id" {
  description = "Tenant ID of the target tenant, whose subscription the manager is to manage."
  type        = string
}

variable "target_subscription_id" {
  description = "Subscription GUID (not the /subscriptions/ ID) of the target tenant to connect."
  type        = string
}

variable "target_client_id" {
  description = "Client ID of the target tenant's administrator, who creates the tenant-side connection. Null to use the Azure CLI or ARM_* variables."
  type        = string
  default     = null
}

variable "target_client_secret" {
  description = "Client secret of the target tenant's administrator."
  type        = string
  default     = null
  sensitive   = true
}

variable "target_virtual_network_ids" {
  description = "IDs of target-tenant virtual networks (in target_subscription_id) to add as static members. The central administrator needs rights on them (e.g. Network Contributor as a guest)."
  type        = list(string)
  default     = []
}

variable "name_prefix" {
  description = "Prefix of every object this example creates."
  type        = string
  default     = "demo"
}
