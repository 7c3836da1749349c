//! Plan-time validators shared by the resources and data sources: ARM IDs through the typed
//! parsers (so validation, import and the client agree on what an ID is), and GUIDs.

use crate::arm::id::{
    ManagementGroupId, NetworkGroupId, NetworkManagerId, ScopeId, SubnetId, SubscriptionId,
    VirtualNetworkId, is_guid,
};
use crate::protocol::Validator;

/// A tenant ID: a GUID in its 8-4-4-4-12 form, as Entra ID writes it.
pub fn guid() -> Validator {
    Validator::string("a GUID such as 00000000-0000-0000-0000-000000000000", |s| {
        is_guid(s)
            .then_some(())
            .ok_or_else(|| "must be a GUID such as 00000000-0000-0000-0000-000000000000".into())
    })
}

pub fn network_manager_id() -> Validator {
    Validator::string("a network manager ID", |s| {
        NetworkManagerId::parse(s)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

pub fn network_group_id() -> Validator {
    Validator::string("a network group ID", |s| {
        NetworkGroupId::parse(s)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

pub fn subscription_id() -> Validator {
    Validator::string("a subscription ID such as /subscriptions/<guid>", |s| {
        SubscriptionId::parse(s)
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

pub fn management_group_id() -> Validator {
    Validator::string(
        "a management group ID such as /providers/Microsoft.Management/managementGroups/<name>",
        |s| {
            ManagementGroupId::parse(s)
                .map(|_| ())
                .map_err(|e| e.to_string())
        },
    )
}

/// The target of a scope connection: a subscription or a management group.
pub fn subscription_or_management_group_id() -> Validator {
    Validator::string("a subscription or management group ID", |s| {
        ScopeId::parse(s).map(|_| ()).map_err(|e| e.to_string())
    })
}

/// The target of a static member: a virtual network, or a subnet for Subnet-type groups.
pub fn virtual_network_or_subnet_id() -> Validator {
    Validator::string("a virtual network or subnet ID", |s| {
        if VirtualNetworkId::parse(s).is_ok() || SubnetId::parse(s).is_ok() {
            Ok(())
        } else {
            Err("must be a virtual network ID (/subscriptions/<guid>/resourceGroups/<rg>/providers/\
                 Microsoft.Network/virtualNetworks/<name>) or a subnet ID (the same followed by \
                 /subnets/<name>)"
                .into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn check(v: &Validator, s: &str) -> Result<(), String> {
        (v.check)(&Value::string(s))
    }

    #[test]
    fn guids_must_be_hyphenated() {
        assert!(check(&guid(), "72f988bf-86f1-41af-91ab-2d7cd011db47").is_ok());
        assert!(check(&guid(), "72f988bf86f141af91ab2d7cd011db47").is_err());
        assert!(check(&guid(), "tenant").is_err());
    }

    #[test]
    fn arm_ids_are_checked_by_their_parsers() {
        let nm = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm";
        assert!(check(&network_manager_id(), nm).is_ok());
        assert!(check(&network_manager_id(), "/subscriptions/x/resourceGroups/rg").is_err());
        assert!(check(&network_group_id(), &format!("{nm}/networkGroups/g")).is_ok());
        assert!(check(&network_group_id(), nm).is_err());
    }

    #[test]
    fn scope_targets_are_subscriptions_or_management_groups() {
        let v = subscription_or_management_group_id();
        assert!(check(&v, "/subscriptions/00000000-0000-0000-0000-000000000001").is_ok());
        assert!(check(&v, "/providers/Microsoft.Management/managementGroups/mg1").is_ok());
        assert!(check(&v, "/subscriptions/x/resourceGroups/rg").is_err());
    }

    #[test]
    fn members_are_networks_or_subnets() {
        let vnet = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v";
        let v = virtual_network_or_subnet_id();
        assert!(check(&v, vnet).is_ok());
        assert!(check(&v, &format!("{vnet}/subnets/s")).is_ok());
        assert!(check(&v, "/subscriptions/00000000-0000-0000-0000-000000000001").is_err());
    }
}
