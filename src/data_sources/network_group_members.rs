//! `avnm_network_group_members` data source: every static member of a network group, with
//! the tenant its virtual network lives in — the seed's "verify the members" step.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::arm::ArmClient;
use crate::arm::id::{NetworkGroupId, NetworkManagerId, SubscriptionId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops::{self, ArmCall};
use crate::resources::member_tenant::{Coverage, coverage};
use crate::resources::reconcile::json_str;
use crate::resources::static_member::target_subscription;
use crate::resources::validators;
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_network_group_members";

pub struct NetworkGroupMembersData;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkGroupMembersDataState {
    pub id: Option<String>,
    pub network_group_id: Option<String>,
    pub members: Option<Vec<Member>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: Option<String>,
    pub name: Option<String>,
    pub target_virtual_network_id: Option<String>,
    pub region: Option<String>,
    pub tenant_id: Option<String>,
}

fn schema() -> Schema {
    let member = Type::object([
        ("id", Type::String),
        ("name", Type::String),
        ("target_virtual_network_id", Type::String),
        ("region", Type::String),
        ("tenant_id", Type::String),
    ]);
    Schema {
        version: 0,
        block: Block {
            description: "Lists every static member of a network group, with the tenant of each member's virtual network.".into(),
            attributes: vec![
                Attribute::required("network_group_id", Type::String)
                    .description("The ID of the network group.")
                    .validate(validators::network_group_id()),
                Attribute::computed("id", Type::String)
                    .description("The ID of the static member collection."),
                Attribute::computed("members", Type::list(member)).description(
                    "The static members, ordered by name: `id`, `name`, `target_virtual_network_id`, `region`, and `tenant_id` (the tenant of the virtual network, told from the manager's scopes and scope connections; null when they do not say).",
                ),
            ],
            blocks: vec![],
            deprecated: false,
        },
    }
}

/// What the members' tenants are told from: the manager's ID (its own subscription is its
/// own tenant) and, when a member lies elsewhere, its body and scope connections.
struct Scopes<'a> {
    manager_id: &'a NetworkManagerId,
    manager: &'a Json,
    connections: &'a [Json],
    home_tenant: &'a str,
}

impl Scopes<'_> {
    fn tenant_of(&self, subscription: &SubscriptionId) -> Option<String> {
        if subscription
            .subscription_id()
            .eq_ignore_ascii_case(self.manager_id.subscription_id())
        {
            return Some(self.home_tenant.to_string());
        }
        match coverage(
            self.manager,
            self.connections,
            self.home_tenant,
            subscription,
        ) {
            Coverage::Home => Some(self.home_tenant.to_string()),
            Coverage::Foreign(tenants) if tenants.len() == 1 => tenants.into_iter().next(),
            _ => None,
        }
    }
}

/// Whether some member lies outside the manager's own subscription (then telling its
/// tenant needs the manager's scopes and scope connections).
fn needs_scopes(bodies: &[Json], manager_id: &NetworkManagerId) -> bool {
    bodies.iter().any(|b| {
        json_str(b, "/properties/resourceId")
            .and_then(target_subscription)
            .is_some_and(|s| {
                !s.subscription_id()
                    .eq_ignore_ascii_case(manager_id.subscription_id())
            })
    })
}

/// The members of `bodies`, each with its tenant as the manager's scopes tell it.
fn members_from_arm(bodies: &[Json], scopes: &Scopes) -> Vec<Member> {
    let mut members: Vec<Member> = bodies
        .iter()
        .map(|b| {
            let target = json_str(b, "/properties/resourceId").map(str::to_string);
            let tenant_id = target
                .as_deref()
                .and_then(target_subscription)
                .and_then(|sub| scopes.tenant_of(&sub));
            Member {
                id: json_str(b, "/id").map(str::to_string),
                name: json_str(b, "/name").map(str::to_string),
                target_virtual_network_id: target,
                region: json_str(b, "/properties/region").map(str::to_string),
                tenant_id,
            }
        })
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    members
}

#[async_trait]
impl DataSource<ArmClient> for NetworkGroupMembersData {
    type State = NetworkGroupMembersDataState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        config: NetworkGroupMembersDataState,
    ) -> Result<NetworkGroupMembersDataState, Diagnostics> {
        let group = arm_ops::parse_attr(
            &config.network_group_id,
            "network_group_id",
            NetworkGroupId::parse,
        )?;
        let manager_id = group.parent();
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        let collection = format!("{}/staticMembers", group.as_str());
        let bodies = call.list(&collection).await?;
        let (manager, connections) = if needs_scopes(&bodies, &manager_id) {
            let manager = call.get(manager_id.as_str()).await?.unwrap_or(Json::Null);
            let connections = call
                .list(&format!("{}/scopeConnections", manager_id.as_str()))
                .await?;
            (manager, connections)
        } else {
            (Json::Null, Vec::new())
        };
        let scopes = Scopes {
            manager_id: &manager_id,
            manager: &manager,
            connections: &connections,
            home_tenant: ctx.client.tenant_id(),
        };
        Ok(NetworkGroupMembersDataState {
            id: Some(collection),
            members: Some(members_from_arm(&bodies, &scopes)),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOME: &str = "11111111-1111-1111-1111-111111111111";
    const TARGET: &str = "22222222-2222-2222-2222-222222222222";

    fn vnet(sub: &str, name: &str) -> String {
        format!(
            "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{name}"
        )
    }

    #[test]
    fn members_carry_their_tenant_and_come_sorted() {
        let own = "aaaaaaaa-0000-0000-0000-000000000001";
        let foreign = "bbbbbbbb-0000-0000-0000-000000000001";
        let manager = json!({"properties": {"networkManagerScopes": {
            "subscriptions": [format!("/subscriptions/{own}")],
            "crossTenantScopes": [{"tenantId": TARGET, "subscriptions": [format!("/subscriptions/{foreign}")]}]}}});
        let bodies = vec![
            json!({"id": "/m/b", "name": "b", "properties": {"resourceId": vnet(foreign, "v2"), "region": "eastus"}}),
            json!({"id": "/m/a", "name": "a", "properties": {"resourceId": vnet(own, "v1"), "region": "westeurope"}}),
        ];
        let manager_id = NetworkManagerId::new("cccccccc-0000-0000-0000-000000000001", "rg", "nm");
        let scopes = Scopes {
            manager_id: &manager_id,
            manager: &manager,
            connections: &[],
            home_tenant: HOME,
        };
        assert!(needs_scopes(&bodies, &manager_id));
        let members = members_from_arm(&bodies, &scopes);
        assert_eq!(members[0].name.as_deref(), Some("a"));
        assert_eq!(members[0].tenant_id.as_deref(), Some(HOME));
        assert_eq!(members[1].tenant_id.as_deref(), Some(TARGET));
        assert_eq!(members[1].region.as_deref(), Some("eastus"));
    }

    #[test]
    fn members_in_the_managers_subscription_need_no_lookup() {
        let sub = "cccccccc-0000-0000-0000-000000000001";
        let manager_id = NetworkManagerId::new(sub, "rg", "nm");
        let bodies = vec![json!({"name": "a", "properties": {"resourceId": vnet(sub, "v")}})];
        assert!(!needs_scopes(&bodies, &manager_id));
        let scopes = Scopes {
            manager_id: &manager_id,
            manager: &Json::Null,
            connections: &[],
            home_tenant: HOME,
        };
        assert_eq!(
            members_from_arm(&bodies, &scopes)[0].tenant_id.as_deref(),
            Some(HOME)
        );
    }
}
