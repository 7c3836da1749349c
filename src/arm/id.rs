//! Typed Azure Resource Manager IDs.
//!
//! ARM IDs are `/key/value` pairs (`/subscriptions/{s}/resourceGroups/{rg}/providers/...`).
//! ARM compares them case-insensitively but keeps the casing they were created with, and
//! Terraform shows a diff for any change of text, so the parser keeps the input's casing,
//! matches keys case-insensitively, and compares IDs case-insensitively. One parser serves
//! validation, import and the client, so every error names the shape that was expected.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Why a string is not the ID that was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid {kind} ID: {reason}; expected {shape}")]
pub struct IdError {
    pub input: String,
    /// What was expected, e.g. "network manager".
    pub kind: &'static str,
    /// The expected shape, e.g. `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}`.
    pub shape: &'static str,
    pub reason: String,
}

/// A parsed ARM resource ID of any shape: its `key/value` segment pairs, casing preserved.
#[derive(Debug, Clone)]
pub struct ArmId {
    /// Normalised text: one leading slash, no trailing slash, input casing.
    text: String,
    segments: Vec<(String, String)>,
}

/// The shape of any ARM ID, for error messages.
const ANY_SHAPE: &str = "/{key}/{value}[/{key}/{value}...]";

impl ArmId {
    /// Parses any ARM ID. A missing leading slash and trailing slashes are tolerated (ARM's own
    /// examples write `subscriptions/<guid>`); empty segments and odd segment counts are not.
    pub fn parse(input: &str) -> Result<ArmId, IdError> {
        Self::parse_as(input, "resource", ANY_SHAPE)
    }

    fn parse_as(input: &str, kind: &'static str, shape: &'static str) -> Result<ArmId, IdError> {
        let error = |reason: &str| IdError {
            input: input.to_string(),
            kind,
            shape,
            reason: reason.to_string(),
        };
        let trimmed = input.trim();
        if trimmed != input {
            return Err(error("it has leading or trailing whitespace"));
        }
        let body = input
            .strip_prefix('/')
            .unwrap_or(input)
            .trim_end_matches('/');
        if body.is_empty() {
            return Err(error("it is empty"));
        }
        if body.contains('?') || body.contains('#') {
            return Err(error("an ID cannot contain '?' or '#'"));
        }
        let parts: Vec<&str> = body.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(error("it contains an empty segment ('//')"));
        }
        if !parts.len().is_multiple_of(2) {
            return Err(error(&format!(
                "segment {:?} has no value after it",
                parts[parts.len() - 1]
            )));
        }
        let segments = parts
            .chunks(2)
            .map(|kv| (kv[0].to_string(), kv[1].to_string()))
            .collect();
        Ok(ArmId {
            text: format!("/{body}"),
            segments,
        })
    }

    /// The `key/value` pairs in order, casing preserved.
    pub fn segments(&self) -> &[(String, String)] {
        &self.segments
    }

    /// The value of the first segment whose key matches `key` case-insensitively.
    pub fn value_of(&self, key: &str) -> Option<&str> {
        self.segments
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The last segment's value: the resource's name.
    pub fn name(&self) -> &str {
        self.segments.last().map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// The ID with the last `key/value` pair removed, `None` at the top.
    pub fn parent(&self) -> Option<ArmId> {
        if self.segments.len() < 2 {
            return None;
        }
        let segments = self.segments[..self.segments.len() - 1].to_vec();
        Some(Self::from_segments(segments))
    }

    fn from_segments(segments: Vec<(String, String)>) -> ArmId {
        let mut text = String::new();
        for (k, v) in &segments {
            text.push('/');
            text.push_str(k);
            text.push('/');
            text.push_str(v);
        }
        ArmId { text, segments }
    }

    /// The ID text: a leading slash, no trailing slash, the input's casing.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Checks this ID against `shape`: the same keys in order, fixed values matching; the
    /// error says where it differs.
    fn match_shape(&self, shape: &[Seg]) -> Result<(), String> {
        if self.segments.len() != shape.len() {
            return Err(format!(
                "it has {} key/value pairs where {} are expected",
                self.segments.len(),
                shape.len()
            ));
        }
        for ((key, value), seg) in self.segments.iter().zip(shape) {
            let (want_key, want_value) = match seg {
                Seg::Named(k) => (*k, None),
                Seg::Fixed(k, v) => (*k, Some(*v)),
            };
            if !key.eq_ignore_ascii_case(want_key) {
                return Err(format!("found {key:?} where {want_key:?} is expected"));
            }
            if let Some(want) = want_value
                && !value.eq_ignore_ascii_case(want)
            {
                return Err(format!(
                    "found {key}/{value} where {key}/{want} is expected"
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Display for ArmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for ArmId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ArmId::parse(s)
    }
}

/// ARM compares IDs case-insensitively.
impl PartialEq for ArmId {
    fn eq(&self, other: &Self) -> bool {
        self.text.eq_ignore_ascii_case(&other.text)
    }
}
impl Eq for ArmId {}
impl Hash for ArmId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.to_ascii_lowercase().hash(state)
    }
}

/// One expected segment of a typed ID's shape.
#[derive(Debug, Clone, Copy)]
enum Seg {
    /// `key/{anything}`
    Named(&'static str),
    /// `key/value`, value matched case-insensitively.
    Fixed(&'static str, &'static str),
}

use Seg::{Fixed, Named};

const NETWORK: Seg = Fixed("providers", "Microsoft.Network");

/// Defines a typed ID: a struct over an `ArmId` of one shape, with parse, Display, FromStr,
/// case-insensitive equality and serde as a string.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $shape:literal, [$($seg:expr),+ $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(ArmId);

        impl $name {
            /// The expected shape, for messages and docs.
            pub const SHAPE: &'static str = $shape;
            /// What this ID identifies, for messages.
            pub const KIND: &'static str = $kind;
            const SEGMENTS: &'static [Seg] = &[$($seg),+];

            /// Parses `input`; the error names the expected shape.
            pub fn parse(input: &str) -> Result<Self, IdError> {
                let id = ArmId::parse_as(input, $kind, $shape)?;
                id.match_shape(Self::SEGMENTS).map_err(|reason| IdError {
                    input: input.to_string(),
                    kind: $kind,
                    shape: $shape,
                    reason,
                })?;
                Ok(Self(id))
            }

            fn from_values(values: &[&str]) -> Self {
                let segments = Self::SEGMENTS
                    .iter()
                    .zip(values)
                    .map(|(seg, value)| match seg {
                        Named(k) => (k.to_string(), value.to_string()),
                        Fixed(k, v) => (k.to_string(), v.to_string()),
                    })
                    .collect();
                Self(ArmId::from_segments(segments))
            }

            fn value(&self, index: usize) -> &str {
                &self.0.segments[index].1
            }

            /// The untyped ID.
            pub fn as_arm_id(&self) -> &ArmId {
                &self.0
            }

            /// The ID text (leading slash, input casing).
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The last segment's value.
            pub fn name(&self) -> &str {
                self.0.name()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

typed_id!(
    /// `/subscriptions/{subscriptionId}`
    SubscriptionId,
    "subscription",
    "/subscriptions/{subscriptionId}",
    [Named("subscriptions")]
);

impl SubscriptionId {
    /// `subscription_id` is the bare GUID.
    pub fn new(subscription_id: &str) -> Self {
        Self::from_values(&[subscription_id])
    }
    /// The bare subscription GUID.
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
}

typed_id!(
    /// `/providers/Microsoft.Management/managementGroups/{managementGroupId}`
    ManagementGroupId,
    "management group",
    "/providers/Microsoft.Management/managementGroups/{managementGroupId}",
    [
        Fixed("providers", "Microsoft.Management"),
        Named("managementGroups")
    ]
);

impl ManagementGroupId {
    pub fn new(management_group: &str) -> Self {
        Self::from_values(&["", management_group])
    }
    /// The management group's name (its ID within the tenant).
    pub fn management_group(&self) -> &str {
        self.value(1)
    }
}

typed_id!(
    /// `/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}`
    ResourceGroupId,
    "resource group",
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}",
    [Named("subscriptions"), Named("resourceGroups")]
);

impl ResourceGroupId {
    pub fn new(subscription_id: &str, resource_group: &str) -> Self {
        Self::from_values(&[subscription_id, resource_group])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn resource_group(&self) -> &str {
        self.value(1)
    }
    pub fn parent(&self) -> SubscriptionId {
        SubscriptionId::new(self.subscription_id())
    }
}

typed_id!(
    /// A network manager.
    NetworkManagerId,
    "network manager",
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkManagers/{networkManagerName}",
    [
        Named("subscriptions"),
        Named("resourceGroups"),
        NETWORK,
        Named("networkManagers")
    ]
);

impl NetworkManagerId {
    pub fn new(subscription_id: &str, resource_group: &str, name: &str) -> Self {
        Self::from_values(&[subscription_id, resource_group, "", name])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn resource_group(&self) -> &str {
        self.value(1)
    }
    pub fn parent(&self) -> ResourceGroupId {
        ResourceGroupId::new(self.value(0), self.value(1))
    }
}

typed_id!(
    /// A network group of a network manager.
    NetworkGroupId,
    "network group",
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkManagers/{networkManagerName}/networkGroups/{networkGroupName}",
    [
        Named("subscriptions"),
        Named("resourceGroups"),
        NETWORK,
        Named("networkManagers"),
        Named("networkGroups")
    ]
);

impl NetworkGroupId {
    pub fn new(manager: &NetworkManagerId, name: &str) -> Self {
        Self::from_values(&[
            manager.value(0),
            manager.value(1),
            "",
            manager.value(3),
            name,
        ])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn resource_group(&self) -> &str {
        self.value(1)
    }
    pub fn network_manager_name(&self) -> &str {
        self.value(3)
    }
    pub fn parent(&self) -> NetworkManagerId {
        NetworkManagerId::new(self.value(0), self.value(1), self.value(3))
    }
}

typed_id!(
    /// A static member of a network group.
    StaticMemberId,
    "static member",
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkManagers/{networkManagerName}/networkGroups/{networkGroupName}/staticMembers/{staticMemberName}",
    [
        Named("subscriptions"),
        Named("resourceGroups"),
        NETWORK,
        Named("networkManagers"),
        Named("networkGroups"),
        Named("staticMembers")
    ]
);

impl StaticMemberId {
    pub fn new(group: &NetworkGroupId, name: &str) -> Self {
        Self::from_values(&[
            group.value(0),
            group.value(1),
            "",
            group.value(3),
            group.value(4),
            name,
        ])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn resource_group(&self) -> &str {
        self.value(1)
    }
    pub fn network_manager_name(&self) -> &str {
        self.value(3)
    }
    pub fn network_group_name(&self) -> &str {
        self.value(4)
    }
    pub fn parent(&self) -> NetworkGroupId {
        let manager = NetworkManagerId::new(self.value(0), self.value(1), self.value(3));
        NetworkGroupId::new(&manager, self.value(4))
    }
    pub fn network_manager(&self) -> NetworkManagerId {
        self.parent().parent()
    }
}

typed_id!(
    /// A scope connection of a network manager (central tenant side of a cross-tenant link).
    ScopeConnectionId,
    "scope connection",
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/networkManagers/{networkManagerName}/scopeConnections/{scopeConnectionName}",
    [
        Named("subscriptions"),
        Named("resourceGroups"),
        NETWORK,
        Named("networkManagers"),
        Named("scopeConnections")
    ]
);

impl ScopeConnectionId {
    pub fn new(manager: &NetworkManagerId, name: &str) -> Self {
        Self::from_values(&[
            manager.value(0),
            manager.value(1),
            "",
            manager.value(3),
            name,
        ])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn resource_group(&self) -> &str {
        self.value(1)
    }
    pub fn network_manager_name(&self) -> &str {
        self.value(3)
    }
    pub fn parent(&self) -> NetworkManagerId {
        NetworkManagerId::new(self.value(0), self.value(1), self.value(3))
    }
}

typed_id!(
    /// A network manager connection at subscription scope (target tenant side).
    SubscriptionConnectionId,
    "subscription network manager connection",
    "/subscriptions/{subscriptionId}/providers/Microsoft.Network/networkManagerConnections/{connectionName}",
    [
        Named("subscriptions"),
        NETWORK,
        Named("networkManagerConnections")
    ]
);

impl SubscriptionConnectionId {
    pub fn new(subscription_id: &str, name: &str) -> Self {
        Self::from_values(&[subscription_id, "", name])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn parent(&self) -> SubscriptionId {
        SubscriptionId::new(self.value(0))
    }
}

typed_id!(
    /// A network manager connection at management group scope (target tenant side).
    ManagementGroupConnectionId,
    "management group network manager connection",
    "/providers/Microsoft.Management/managementGroups/{managementGroupId}/providers/Microsoft.Network/networkManagerConnections/{connectionName}",
    [
        Fixed("providers", "Microsoft.Management"),
        Named("managementGroups"),
        NETWORK,
        Named("networkManagerConnections")
    ]
);

impl ManagementGroupConnectionId {
    pub fn new(management_group: &str, name: &str) -> Self {
        Self::from_values(&["", management_group, "", name])
    }
    pub fn management_group(&self) -> &str {
        self.value(1)
    }
    pub fn parent(&self) -> ManagementGroupId {
        ManagementGroupId::new(self.value(1))
    }
}

typed_id!(
    /// A virtual network.
    VirtualNetworkId,
    "virtual network",
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}",
    [
        Named("subscriptions"),
        Named("resourceGroups"),
        NETWORK,
        Named("virtualNetworks")
    ]
);

impl VirtualNetworkId {
    pub fn new(subscription_id: &str, resource_group: &str, name: &str) -> Self {
        Self::from_values(&[subscription_id, resource_group, "", name])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn resource_group(&self) -> &str {
        self.value(1)
    }
    pub fn parent(&self) -> ResourceGroupId {
        ResourceGroupId::new(self.value(0), self.value(1))
    }
}

typed_id!(
    /// A subnet of a virtual network.
    SubnetId,
    "subnet",
    "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
    [
        Named("subscriptions"),
        Named("resourceGroups"),
        NETWORK,
        Named("virtualNetworks"),
        Named("subnets")
    ]
);

impl SubnetId {
    pub fn new(network: &VirtualNetworkId, name: &str) -> Self {
        Self::from_values(&[
            network.value(0),
            network.value(1),
            "",
            network.value(3),
            name,
        ])
    }
    pub fn subscription_id(&self) -> &str {
        self.value(0)
    }
    pub fn resource_group(&self) -> &str {
        self.value(1)
    }
    pub fn virtual_network_name(&self) -> &str {
        self.value(3)
    }
    pub fn parent(&self) -> VirtualNetworkId {
        VirtualNetworkId::new(self.value(0), self.value(1), self.value(3))
    }
}

/// The scope a scope connection or network manager scope names: a subscription or a
/// management group. (`target_scope_id`, `resourceId` of a scope connection.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ScopeId {
    Subscription(SubscriptionId),
    ManagementGroup(ManagementGroupId),
}

impl ScopeId {
    pub const SHAPE: &'static str = "/subscriptions/{subscriptionId} or /providers/Microsoft.Management/managementGroups/{managementGroupId}";

    /// Parses a subscription or management group ID (a leading slash is optional, as in
    /// ARM's own examples).
    pub fn parse(input: &str) -> Result<ScopeId, IdError> {
        if let Ok(s) = SubscriptionId::parse(input) {
            return Ok(ScopeId::Subscription(s));
        }
        if let Ok(m) = ManagementGroupId::parse(input) {
            return Ok(ScopeId::ManagementGroup(m));
        }
        let reason = match ArmId::parse(input) {
            Err(e) => e.reason,
            Ok(id) => format!(
                "it identifies {:?}, neither a subscription nor a management group",
                id.segments()
                    .last()
                    .map(|(k, _)| k.as_str())
                    .unwrap_or_default()
            ),
        };
        Err(IdError {
            input: input.to_string(),
            kind: "subscription or management group",
            shape: Self::SHAPE,
            reason,
        })
    }

    pub fn is_subscription(&self) -> bool {
        matches!(self, ScopeId::Subscription(_))
    }

    pub fn is_management_group(&self) -> bool {
        matches!(self, ScopeId::ManagementGroup(_))
    }

    pub fn as_str(&self) -> &str {
        match self {
            ScopeId::Subscription(s) => s.as_str(),
            ScopeId::ManagementGroup(m) => m.as_str(),
        }
    }
}

impl fmt::Display for ScopeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ScopeId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ScopeId::parse(s)
    }
}

/// True when `s` is a GUID in the 8-4-4-4-12 hex form (tenant and subscription IDs).
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-0000-0000-0000-000000000001";
    const NM: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-Central/providers/Microsoft.Network/networkManagers/nm1";

    #[test]
    fn generic_id_keeps_casing_and_tolerates_slashes() {
        let id = ArmId::parse("subscriptions/ABC/resourceGroups/Rg/").unwrap();
        assert_eq!(id.to_string(), "/subscriptions/ABC/resourceGroups/Rg");
        assert_eq!(id.value_of("RESOURCEGROUPS"), Some("Rg"));
        assert_eq!(id.name(), "Rg");
        assert_eq!(id.parent().unwrap().to_string(), "/subscriptions/ABC");
        assert!(id.parent().unwrap().parent().is_none());
    }

    #[test]
    fn generic_id_rejects_bad_input() {
        for bad in [
            "",
            "/",
            "/subscriptions",
            "/subscriptions//rg/x",
            " /subscriptions/a",
            "/a/b?c=d",
        ] {
            let err = ArmId::parse(bad).unwrap_err();
            assert!(err.to_string().contains("expected"), "{bad}: {err}");
        }
    }

    #[test]
    fn equality_is_case_insensitive_and_display_keeps_input() {
        let a = NetworkManagerId::parse(NM).unwrap();
        let b = NetworkManagerId::parse(&NM.to_uppercase()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), NM);
        assert_eq!(b.to_string(), NM.to_uppercase());
        let hash = |x: &NetworkManagerId| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&a), hash(&b));
    }

    #[test]
    fn network_manager_id_shape() {
        let id = NetworkManagerId::parse(&format!("{NM}/")).unwrap();
        assert_eq!(id.subscription_id(), SUB);
        assert_eq!(id.resource_group(), "rg-Central");
        assert_eq!(id.name(), "nm1");
        assert_eq!(
            id.parent().to_string(),
            format!("/subscriptions/{SUB}/resourceGroups/rg-Central")
        );
        assert_eq!(NetworkManagerId::new(SUB, "rg-Central", "nm1"), id);
        assert_eq!(
            NetworkManagerId::new(SUB, "rg-Central", "nm1").to_string(),
            NM
        );
        let lower = NM
            .replace("Microsoft.Network", "microsoft.network")
            .replace("resourceGroups", "resourcegroups");
        let id = NetworkManagerId::parse(&lower).unwrap();
        assert_eq!(id.to_string(), lower, "casing of the input is kept");
    }

    #[test]
    fn wrong_shape_names_the_expected_shape() {
        let err = NetworkManagerId::parse(&format!("{NM}/networkGroups/g")).unwrap_err();
        assert!(err.to_string().contains(NetworkManagerId::SHAPE), "{err}");
        assert!(err.to_string().contains("network manager"), "{err}");
        let err = NetworkManagerId::parse(&NM.replace("Microsoft.Network", "Microsoft.Compute"))
            .unwrap_err();
        assert!(err.reason.contains("Microsoft.Compute"), "{err}");
        let err =
            NetworkManagerId::parse(&NM.replace("networkManagers", "virtualNetworks")).unwrap_err();
        assert!(err.reason.contains("virtualNetworks"), "{err}");
    }

    #[test]
    fn child_ids_and_parents() {
        let nm = NetworkManagerId::parse(NM).unwrap();
        let ng = NetworkGroupId::new(&nm, "ng1");
        assert_eq!(ng.to_string(), format!("{NM}/networkGroups/ng1"));
        assert_eq!(
            NetworkGroupId::parse(ng.as_str())
                .unwrap()
                .network_manager_name(),
            "nm1"
        );
        assert_eq!(ng.parent(), nm);
        let sm = StaticMemberId::new(&ng, "m1");
        assert_eq!(
            sm.to_string(),
            format!("{NM}/networkGroups/ng1/staticMembers/m1")
        );
        let parsed = StaticMemberId::parse(sm.as_str()).unwrap();
        assert_eq!(parsed.network_group_name(), "ng1");
        assert_eq!(parsed.parent(), ng);
        assert_eq!(parsed.network_manager(), nm);
        let sc = ScopeConnectionId::new(&nm, "sc1");
        assert_eq!(ScopeConnectionId::parse(sc.as_str()).unwrap().parent(), nm);
        assert!(StaticMemberId::parse(ng.as_str()).is_err());
        assert!(NetworkGroupId::parse(sc.as_str()).is_err());
    }

    #[test]
    fn connection_ids() {
        let s = SubscriptionConnectionId::parse(&format!(
            "/subscriptions/{SUB}/providers/Microsoft.Network/networkManagerConnections/c1"
        ))
        .unwrap();
        assert_eq!(s.subscription_id(), SUB);
        assert_eq!(s.name(), "c1");
        assert_eq!(s.parent(), SubscriptionId::new(SUB));
        assert_eq!(SubscriptionConnectionId::new(SUB, "c1"), s);
        let text = "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Network/networkManagerConnections/c2";
        let m = ManagementGroupConnectionId::parse(text).unwrap();
        assert_eq!(m.management_group(), "mg1");
        assert_eq!(
            m.parent().to_string(),
            "/providers/Microsoft.Management/managementGroups/mg1"
        );
        assert_eq!(
            ManagementGroupConnectionId::new("mg1", "c2").to_string(),
            text
        );
        assert!(SubscriptionConnectionId::parse(text).is_err());
        assert!(ManagementGroupConnectionId::parse(s.as_str()).is_err());
    }

    #[test]
    fn network_and_subnet_ids() {
        let v = VirtualNetworkId::new(SUB, "rg", "vnet1");
        let s = SubnetId::new(&v, "default");
        let parsed = SubnetId::parse(&s.to_string()).unwrap();
        assert_eq!(parsed.virtual_network_name(), "vnet1");
        assert_eq!(parsed.parent(), v);
        assert_eq!(v.parent(), ResourceGroupId::new(SUB, "rg"));
        assert_eq!(
            ResourceGroupId::new(SUB, "rg").parent(),
            SubscriptionId::new(SUB)
        );
        assert!(VirtualNetworkId::parse(s.as_str()).is_err());
    }

    #[test]
    fn scope_ids_tell_subscriptions_from_management_groups() {
        let s = ScopeId::parse(&format!("subscriptions/{SUB}")).unwrap();
        assert!(s.is_subscription());
        assert_eq!(s.to_string(), format!("/subscriptions/{SUB}"));
        let m = ScopeId::parse("/providers/microsoft.management/managementGroups/MG/").unwrap();
        assert!(m.is_management_group());
        assert_eq!(
            m.to_string(),
            "/providers/microsoft.management/managementGroups/MG"
        );
        let err = ScopeId::parse(NM).unwrap_err();
        assert!(err.to_string().contains("networkManagers"), "{err}");
        assert!(err.to_string().contains("management group"), "{err}");
        assert!(ScopeId::parse("").is_err());
    }

    #[test]
    fn serde_round_trip_validates() {
        let id: NetworkManagerId = serde_json::from_str(&format!("{NM:?}")).unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("{NM:?}"));
        assert!(serde_json::from_str::<NetworkManagerId>("\"/subscriptions/x\"").is_err());
    }

    #[test]
    fn guids() {
        assert!(is_guid(SUB));
        assert!(!is_guid("not-a-guid"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000g"));
    }
}
