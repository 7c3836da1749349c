//! Identifiers: deterministic GUIDs for the default world, and the parsing of ARM request
//! paths into a typed route.
//!
//! ARM compares resource IDs case-insensitively (segment names and values) but returns the
//! casing a resource was created with, so parsing keeps the original text and every
//! comparison goes through [`key`].

use aws_lc_rs::digest;

/// A GUID derived from `seed` (SHA-256, version-4 layout), so that a restart with the
/// default world hands out the same tenant, subscription and principal IDs.
pub fn stable_guid(seed: &str) -> String {
    let hash = digest::digest(&digest::SHA256, seed.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash.as_ref()[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// A fresh random GUID (etags, operation IDs, trace IDs).
pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The comparison key of an ARM ID: lower-case, without a trailing slash, with a leading one.
pub fn key(id: &str) -> String {
    let trimmed = id.trim().trim_end_matches('/');
    let mut key = String::with_capacity(trimmed.len() + 1);
    if !trimmed.starts_with('/') {
        key.push('/');
    }
    key.push_str(&trimmed.to_ascii_lowercase());
    key
}

/// Where an ARM resource lives above the resource provider segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Subscription {
        subscription: String,
    },
    ResourceGroup {
        subscription: String,
        resource_group: String,
    },
    ManagementGroup {
        management_group: String,
    },
}

/// An ARM request path below `/subscriptions/...` or `/providers/Microsoft.Management/...`:
/// the scope, the provider namespace and the alternating `type/name` pairs. The last pair
/// may lack a name (a collection, or an action such as `commit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmPath {
    pub scope: Scope,
    pub namespace: Option<String>,
    pub segments: Vec<(String, Option<String>)>,
}

impl ArmPath {
    /// Parses a URL path (already percent-decoded segment by segment). `None` when the path
    /// is not an ARM resource path at all.
    pub fn parse(path: &str) -> Option<ArmPath> {
        let parts: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect();
        let mut rest: &[String] = &parts;
        let scope = match rest {
            [s, sub, r, rg, tail @ ..] if eq(s, "subscriptions") && eq(r, "resourceGroups") => {
                rest = tail;
                Scope::ResourceGroup {
                    subscription: sub.clone(),
                    resource_group: rg.clone(),
                }
            }
            [s, sub, tail @ ..] if eq(s, "subscriptions") => {
                rest = tail;
                Scope::Subscription {
                    subscription: sub.clone(),
                }
            }
            [p, ns, m, mg, tail @ ..]
                if eq(p, "providers")
                    && eq(ns, "Microsoft.Management")
                    && eq(m, "managementGroups") =>
            {
                rest = tail;
                Scope::ManagementGroup {
                    management_group: mg.clone(),
                }
            }
            _ => return None,
        };
        let namespace = match rest {
            [] => None,
            [p, ns, tail @ ..] if eq(p, "providers") => {
                rest = tail;
                Some(ns.clone())
            }
            _ => return None,
        };
        let segments = rest
            .chunks(2)
            .map(|pair| (pair[0].clone(), pair.get(1).cloned()))
            .collect();
        Some(ArmPath {
            scope,
            namespace,
            segments,
        })
    }

    /// The resource-type chain in lower case, e.g. `["networkmanagers", "networkgroups"]`.
    pub fn type_chain(&self) -> Vec<String> {
        self.segments
            .iter()
            .map(|(t, _)| t.to_ascii_lowercase())
            .collect()
    }

    /// True when the last segment names a resource (not a collection or action).
    pub fn names_resource(&self) -> bool {
        self.segments.last().is_some_and(|(_, n)| n.is_some())
    }
}

/// ASCII case-insensitive equality, ARM's rule for names and IDs.
pub fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Decodes `%XX` escapes; invalid escapes are kept as written.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Parses a query string into decoded pairs (`+` means space, as in forms).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

/// True for names ARM accepts for these resources: 1–80 characters, letters, digits,
/// `_`, `.`, `-`, not ending with `.`.
pub fn valid_resource_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 80
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_guids_are_stable_and_distinct() {
        assert_eq!(stable_guid("a"), stable_guid("a"));
        assert_ne!(stable_guid("a"), stable_guid("b"));
        assert!(uuid::Uuid::parse_str(&stable_guid("a")).is_ok());
    }

    #[test]
    fn parses_resource_group_paths_case_insensitively() {
        let p = ArmPath::parse(
            "/SUBSCRIPTIONS/s1/resourcegroups/RG/providers/Microsoft.Network/networkManagers/NM/networkGroups",
        )
        .unwrap();
        assert_eq!(
            p.scope,
            Scope::ResourceGroup {
                subscription: "s1".into(),
                resource_group: "RG".into()
            }
        );
        assert_eq!(p.type_chain(), vec!["networkmanagers", "networkgroups"]);
        assert!(!p.names_resource());
        assert_eq!(p.segments[0].1.as_deref(), Some("NM"));
    }

    #[test]
    fn parses_management_group_paths() {
        let p = ArmPath::parse(
            "/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Network/networkManagerConnections/c1",
        )
        .unwrap();
        assert_eq!(
            p.scope,
            Scope::ManagementGroup {
                management_group: "mg1".into()
            }
        );
        assert!(p.names_resource());
    }

    #[test]
    fn rejects_non_arm_paths() {
        assert!(ArmPath::parse("/metadata/endpoints").is_none());
        assert!(ArmPath::parse("/subscriptions/s/foo/bar").is_none());
    }

    #[test]
    fn keys_ignore_case_and_slashes() {
        assert_eq!(key("subscriptions/A/"), key("/Subscriptions/a"));
    }

    #[test]
    fn query_round_trip() {
        let q = parse_query("a=1&%24top=5&x=a%2Fb+c");
        assert_eq!(q[1], ("$top".into(), "5".into()));
        assert_eq!(q[2].1, "a/b c");
        assert_eq!(percent_decode(&percent_encode("a/b c=?")), "a/b c=?");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn resource_names() {
        assert!(valid_resource_name("nm-1_a.b"));
        assert!(!valid_resource_name(""));
        assert!(!valid_resource_name("a/b"));
        assert!(!valid_resource_name("a."));
    }
}
