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

/// An ARM resource name (or resource group name): one segment of the request path. Characters
/// that would end the segment or start a query are refused at plan time, so a name can never
/// send a request to another URL.
pub fn arm_name() -> Validator {
    Validator::string("an ARM resource name", |s| {
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.trim() != s {
            return Err("must not start or end with white space".into());
        }
        match s
            .chars()
            .find(|c| matches!(c, '/' | '\\' | '?' | '#' | '%' | '&') || c.is_control())
        {
            Some(c) => Err(format!(
                "must not contain {c:?}: it is one segment of an ARM resource ID"
            )),
            None => Ok(()),
        }
    })
}

/// A network manager's name, as the ARM contract constrains it: 1–64 letters, digits, `_`, `.`
/// and `-`, starting with a letter or digit and ending with a letter, digit or `_`.
pub fn network_manager_name() -> Validator {
    Validator::string("a network manager name", |s| {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
        let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        let last_ok = s
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if (1..=64).contains(&s.len()) && s.chars().all(allowed) && first_ok && last_ok {
            Ok(())
        } else {
            Err("must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit and ending with a letter, digit or '_'".into())
        }
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
    fn names_are_one_path_segment() {
        for good in ["spokes", "acc-nm_1", "a.b"] {
            assert!(check(&arm_name(), good).is_ok(), "{good}");
        }
        for bad in [
            "",
            " x",
            "g/staticMembers/x",
            "a?b",
            "a#b",
            "a%2Fb",
            "a\\b",
            "a\nb",
        ] {
            assert!(check(&arm_name(), bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn network_manager_names_follow_the_arm_pattern() {
        for good in ["nm", "central-nm", "a", "nm_", &"n".repeat(64)] {
            assert!(check(&network_manager_name(), good).is_ok(), "{good}");
        }
        for bad in ["", "-nm", "nm-", "nm.", "n m", &"n".repeat(65)] {
            assert!(check(&network_manager_name(), bad).is_err(), "{bad:?}");
        }
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
