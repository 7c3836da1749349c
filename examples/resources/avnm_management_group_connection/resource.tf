# In the target tenant (a provider configured for it): agree that the central manager
# manages a whole management group.
resource "avnm_management_group_connection" "central" {
  provider            = avnm.target
  name                = "central-network-manager"
  management_group_id = "/providers/Microsoft.Management/managementGroups/target-landing-zones"
  network_manager_id  = avnm_network_manager.central.id
}
