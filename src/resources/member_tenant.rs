//! Which tenant a static member's virtual network lives in, told from the network manager's
//! scopes and scope connections, and whether the manager can reach it yet.
//!
//! ARM checks a cross-tenant member's PUT with an auxiliary token for the network's tenant
//! (`x-ms-authorization-auxiliary`), so the provider must know that tenant before the PUT.
//! A virtual network's subscription is covered by the manager's own scope (home tenant), by a
//! Connected cross-tenant scope (`crossTenantScopes`), or by a scope connection that is still
//! Pending — then the target tenant's side (a network manager connection) is missing yet, and
//! creation waits for it, so both tenants' halves and the members fit in one apply.

use serde_json::Value as Json;

use super::reconcile::{json_str, json_strings, same_arm_id};
use crate::arm::id::{ScopeId, SubscriptionId};

/// What covers a subscription from a network manager's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// In the manager's own scope: the home tenant; no auxiliary token.
    Home,
    /// Connected to the manager from these tenants (more than one only when several connected
    /// management groups might hold the subscription; ARM takes up to three auxiliary tokens).
    Foreign(Vec<String>),
    /// Covered by scope connections whose other half is missing yet (Pending).
    Pending(Vec<Unconnected>),
    /// Covered only by scope connections that cannot connect (Conflict, Revoked, Rejected).
    Blocked(Vec<Unconnected>),
    /// Nothing covers it: ARM will refuse the member; its answer says why.
    Uncovered,
}

/// A scope connection covering the subscription that is not Connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconnected {
    pub connection_name: String,
    pub tenant_id: String,
    pub scope_id: String,
    pub state: String,
}

impl Unconnected {
    /// The sentence telling the user which tenant-side object is missing.
    pub fn explain(&self, network_manager_id: &str) -> String {
        let resource = match ScopeId::parse(&self.scope_id) {
            Ok(ScopeId::ManagementGroup(_)) => "avnm_management_group_connection",
            _ => "avnm_subscription_connection",
        };
        format!(
            "scope connection {:?} to {} in tenant {} is {}: the target tenant's side is missing. \
             In tenant {} (a provider configured for it), create an {resource} for {} with \
             network_manager_id = \"{network_manager_id}\"",
            self.connection_name,
            self.scope_id,
            self.tenant_id,
            self.state,
            self.tenant_id,
            self.scope_id
        )
    }
}

/// Decides what covers `subscription` (an ID such as `/subscriptions/<guid>`), from the
/// manager's body and its scope connections (`.../scopeConnections` list values).
pub fn coverage(
    manager: &Json,
    connections: &[Json],
    home_tenant: &str,
    subscription: &SubscriptionId,
) -> Coverage {
    let sub = subscription.as_str();
    let own = json_strings(manager, "/properties/networkManagerScopes/subscriptions");
    if own.iter().any(|s| same_arm_id(s, sub)) {
        return Coverage::Home;
    }
    if let Some(scopes) = manager
        .pointer("/properties/networkManagerScopes/crossTenantScopes")
        .and_then(Json::as_array)
    {
        for scope in scopes {
            if json_strings(scope, "/subscriptions")
                .iter()
                .any(|s| same_arm_id(s, sub))
                && let Some(tenant) = json_str(scope, "/tenantId")
            {
                return Coverage::Foreign(vec![tenant.to_string()]);
            }
        }
    }

    let described: Vec<(Unconnected, bool)> = connections
        .iter()
        .filter_map(|c| {
            let scope_id = json_str(c, "/properties/resourceId")?;
            let tenant_id = json_str(c, "/properties/tenantId")?;
            let scope = ScopeId::parse(scope_id).ok()?;
            let covers_directly =
                matches!(&scope, ScopeId::Subscription(s) if same_arm_id(s.as_str(), sub));
            let may_cover = covers_directly
                || (scope.is_management_group() && !tenant_id.eq_ignore_ascii_case(home_tenant));
            may_cover.then(|| {
                (
                    Unconnected {
                        connection_name: json_str(c, "/name").unwrap_or_default().to_string(),
                        tenant_id: tenant_id.to_string(),
                        scope_id: scope.to_string(),
                        state: json_str(c, "/properties/connectionState")
                            .unwrap_or("Pending")
                            .to_string(),
                    },
                    covers_directly,
                )
            })
        })
        .collect();

    // A connection naming the subscription itself decides; management groups only may hold it.
    let direct: Vec<&Unconnected> = described
        .iter()
        .filter(|(_, d)| *d)
        .map(|(u, _)| u)
        .collect();
    let candidates: Vec<&Unconnected> = if direct.is_empty() {
        described.iter().map(|(u, _)| u).collect()
    } else {
        direct
    };
    if candidates.is_empty() {
        return Coverage::Uncovered;
    }
    let mut connected: Vec<String> = Vec::new();
    for c in candidates
        .iter()
        .filter(|c| c.state.eq_ignore_ascii_case("Connected"))
    {
        if !connected
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&c.tenant_id))
        {
            connected.push(c.tenant_id.clone());
        }
    }
    let pending: Vec<Unconnected> = candidates
        .iter()
        .filter(|c| c.state.eq_ignore_ascii_case("Pending"))
        .map(|c| (*c).clone())
        .collect();
    if !pending.is_empty() {
        return Coverage::Pending(pending);
    }
    if !connected.is_empty() {
        connected.truncate(3);
        return Coverage::Foreign(connected);
    }
    Coverage::Blocked(candidates.into_iter().cloned().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOME: &str = "11111111-1111-1111-1111-111111111111";
    const TARGET: &str = "22222222-2222-2222-2222-222222222222";
    const OWN_SUB: &str = "/subscriptions/aaaaaaaa-0000-0000-0000-000000000001";
    const FOREIGN_SUB: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001";

    fn manager(cross: Json) -> Json {
        json!({"properties": {"networkManagerScopes": {
            "subscriptions": [OWN_SUB], "crossTenantScopes": cross}}})
    }

    fn connection(name: &str, scope: &str, state: &str) -> Json {
        json!({"name": name, "properties": {"tenantId": TARGET, "resourceId": scope, "connectionState": state}})
    }

    fn sub(s: &str) -> SubscriptionId {
        SubscriptionId::parse(s).unwrap()
    }

    #[test]
    fn own_scope_is_home() {
        assert_eq!(
            coverage(&manager(json!([])), &[], HOME, &sub(OWN_SUB)),
            Coverage::Home
        );
    }

    #[test]
    fn connected_cross_tenant_scope_names_the_tenant() {
        let m =
            manager(json!([{"tenantId": TARGET, "subscriptions": [FOREIGN_SUB.to_uppercase()]}]));
        assert_eq!(
            coverage(&m, &[], HOME, &sub(FOREIGN_SUB)),
            Coverage::Foreign(vec![TARGET.into()])
        );
    }

    #[test]
    fn pending_subscription_connection_waits_and_explains() {
        // ARM's examples write the scope without the leading slash.
        let c = connection("sc", &FOREIGN_SUB[1..], "Pending");
        let Coverage::Pending(missing) =
            coverage(&manager(json!([])), &[c], HOME, &sub(FOREIGN_SUB))
        else {
            panic!("expected Pending");
        };
        let text = missing[0].explain("/nm");
        assert!(text.contains("avnm_subscription_connection"), "{text}");
        assert!(text.contains(TARGET), "{text}");
    }

    #[test]
    fn connected_subscription_connection_is_foreign_even_before_cross_tenant_scopes_list_it() {
        let c = connection("sc", FOREIGN_SUB, "Connected");
        assert_eq!(
            coverage(&manager(json!([])), &[c], HOME, &sub(FOREIGN_SUB)),
            Coverage::Foreign(vec![TARGET.into()])
        );
    }

    #[test]
    fn management_group_connections_may_cover_foreign_subscriptions() {
        let mg = "/providers/Microsoft.Management/managementGroups/target-mg";
        let pending = connection("mgc", mg, "Pending");
        let Coverage::Pending(missing) =
            coverage(&manager(json!([])), &[pending], HOME, &sub(FOREIGN_SUB))
        else {
            panic!("expected Pending");
        };
        assert!(
            missing[0]
                .explain("/nm")
                .contains("avnm_management_group_connection")
        );
        let connected = connection("mgc", mg, "Connected");
        assert_eq!(
            coverage(&manager(json!([])), &[connected], HOME, &sub(FOREIGN_SUB)),
            Coverage::Foreign(vec![TARGET.into()])
        );
    }

    #[test]
    fn revoked_connection_blocks_and_nothing_is_uncovered() {
        let c = connection("sc", FOREIGN_SUB, "Revoked");
        assert!(matches!(
            coverage(&manager(json!([])), &[c], HOME, &sub(FOREIGN_SUB)),
            Coverage::Blocked(_)
        ));
        assert_eq!(
            coverage(&manager(json!([])), &[], HOME, &sub(FOREIGN_SUB)),
            Coverage::Uncovered
        );
    }
}
