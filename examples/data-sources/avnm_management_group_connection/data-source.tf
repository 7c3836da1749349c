data "avnm_management_group_connection" "central" {
  provider            = avnm.target
  name                = "central-network-manager"
  management_group_id = "/providers/Microsoft.Management/managementGroups/target-landing-zones"
}
