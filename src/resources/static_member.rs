//! `avnm_static_member`: a virtual network (or subnet) added to a network group by hand
//! (`Microsoft.Network/networkManagers/networkGroups/staticMembers`) — the only way to add
//! networks of another tenant.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tokio::time::Instant;

use super::arm_ops::{self, ArmCall};
use super::attributes;
use super::listing;
use super::member_tenant::{Coverage, coverage};
use super::reconcile::{id_from_arm, json_str};
use super::validators;
use crate::arm::ArmClient;
use crate::arm::id::{
    NetworkGroupId, NetworkManagerId, StaticMemberId, SubnetId, SubscriptionId, VirtualNetworkId,
};
use crate::protocol::timeouts::{Timeouts, timeouts_block};
use crate::protocol::{
    Attribute, Block, Context, CreateFailure, Diagnostics, IdentitySchema, ListResource, Listed,
    Resource, Schema,
};
use crate::value::{AttributePath, Type};

pub const TYPE_NAME: &str = "avnm_static_member";

/// How often a member waiting for its scope connection looks again.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Time kept back from the deadline for the existence check and the PUT after the wait.
const RESERVE_FOR_PUT: Duration = Duration::from_secs(5);

/// The resource, with what it learned about which tenant covers which subscription: an apply
/// adding hundreds of members asks the manager once, not once per member.
#[derive(Default)]
pub struct StaticMember {
    /// `(manager ID, subscription ID)` lower-cased → auxiliary tenants. Only settled answers
    /// (own scope, Connected) are kept; Pending ones are asked again.
    known_coverage: Mutex<HashMap<(String, String), Vec<String>>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaticMemberState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub network_group_id: Option<String>,
    pub target_virtual_network_id: Option<String>,
    pub region: Option<String>,
    pub timeouts: Option<Timeouts>,
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "A static member of a network group: a virtual network (or, for groups whose member_type is Subnet, a subnet) of this or a connected tenant.".into(),
            attributes: vec![
                attributes::id("static member"),
                attributes::name("static member"),
                Attribute::required("network_group_id", Type::String)
                    .description("The ID of the network group. Changing it creates a new member.")
                    .requires_replace()
                    .validate(validators::network_group_id()),
                Attribute::required("target_virtual_network_id", Type::String)
                    .description("The ID of the virtual network to add (a subnet ID when the group's member_type is Subnet), in this tenant or in a tenant connected to the manager. Changing it creates a new member.")
                    .requires_replace()
                    .validate(validators::virtual_network_or_subnet_id()),
                Attribute::computed("region", Type::String)
                    .description("The region of the member's virtual network."),
            ],
            blocks: vec![timeouts_block()],
            deprecated: false,
        },
    }
}

fn to_arm_body(s: &StaticMemberState) -> Json {
    json!({"properties": {"resourceId": s.target_virtual_network_id.clone().unwrap_or_default()}})
}

fn from_arm_body(body: &Json, prior: &StaticMemberState) -> StaticMemberState {
    StaticMemberState {
        id: prior.id.clone(),
        name: prior.name.clone(),
        network_group_id: prior.network_group_id.clone(),
        target_virtual_network_id: json_str(body, "/properties/resourceId")
            .map(|arm| id_from_arm(arm, prior.target_virtual_network_id.as_deref()))
            .or_else(|| prior.target_virtual_network_id.clone()),
        region: json_str(body, "/properties/region").map(str::to_string),
        timeouts: prior.timeouts.clone(),
    }
}

fn id_of(s: &StaticMemberState) -> Result<StaticMemberId, Diagnostics> {
    if s.id.is_some() {
        return arm_ops::parse_attr(&s.id, "id", StaticMemberId::parse);
    }
    let group = arm_ops::parse_attr(
        &s.network_group_id,
        "network_group_id",
        NetworkGroupId::parse,
    )?;
    Ok(StaticMemberId::new(
        &group,
        arm_ops::required(&s.name, "name")?,
    ))
}

/// The subscription holding the member's virtual network (or subnet).
pub fn target_subscription(target: &str) -> Option<SubscriptionId> {
    VirtualNetworkId::parse(target)
        .map(|v| SubscriptionId::new(v.subscription_id()))
        .or_else(|_| SubnetId::parse(target).map(|s| SubscriptionId::new(s.subscription_id())))
        .ok()
}

impl StaticMember {
    /// The tenants whose auxiliary tokens the member's PUT needs, waiting (until shortly
    /// before `deadline`) while the covering scope connection is Pending. `None`: nothing
    /// the manager knows covers the subscription (ARM will judge).
    async fn auxiliary_tenants(
        &self,
        call: &ArmCall,
        manager: &NetworkManagerId,
        subscription: &SubscriptionId,
        deadline: Instant,
    ) -> Result<Option<Vec<String>>, Diagnostics> {
        // The manager's own subscription is in its own tenant: no lookup needed.
        if subscription
            .subscription_id()
            .eq_ignore_ascii_case(manager.subscription_id())
        {
            return Ok(Some(Vec::new()));
        }
        let key = (
            manager.as_str().to_ascii_lowercase(),
            subscription.as_str().to_ascii_lowercase(),
        );
        if let Some(known) = self.cached(&key) {
            return Ok(Some(known));
        }
        let home = call.client().tenant_id().to_string();
        loop {
            let body = call.get(manager.as_str()).await?.ok_or_else(|| {
                Diagnostics::attribute_error(
                    AttributePath::attr("network_group_id"),
                    "Network manager not found",
                    format!("the network group's manager {manager} does not exist"),
                )
            })?;
            let mut found = coverage(&body, &[], &home, subscription);
            if matches!(found, Coverage::Uncovered) {
                let connections = call
                    .list(&format!("{}/scopeConnections", manager.as_str()))
                    .await?;
                found = coverage(&body, &connections, &home, subscription);
            }
            match found {
                Coverage::Home => return Ok(Some(self.remember(key, Vec::new()))),
                Coverage::Foreign(tenants) => return Ok(Some(self.remember(key, tenants))),
                // ARM judges (a management group of the manager's own scope may hold it).
                Coverage::Uncovered => return Ok(None),
                Coverage::Blocked(unconnected) => {
                    return Err(not_connected(
                        manager,
                        subscription,
                        &unconnected,
                        "cannot connect",
                    ));
                }
                Coverage::Pending(unconnected) => {
                    if Instant::now() + POLL_INTERVAL + RESERVE_FOR_PUT >= deadline {
                        return Err(not_connected(
                            manager,
                            subscription,
                            &unconnected,
                            "did not become Connected before the create timeout",
                        ));
                    }
                    tracing::debug!(%subscription, "waiting for the covering scope connection to become Connected");
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
            }
        }
    }

    fn cached(&self, key: &(String, String)) -> Option<Vec<String>> {
        self.known_coverage.lock().ok()?.get(key).cloned()
    }

    fn remember(&self, key: (String, String), tenants: Vec<String>) -> Vec<String> {
        if let Ok(mut known) = self.known_coverage.lock() {
            known.insert(key, tenants.clone());
        }
        tenants
    }
}

/// Added to ARM's refusal of a member no scope of the manager was known to cover.
fn uncovered_hint(manager: &NetworkManagerId, subscription: &SubscriptionId) -> String {
    format!(
        "\n\nNo scope of network manager {manager} covers subscription {subscription}: it is \
         neither in the manager's own scope nor named by one of its scope connections. If the \
         virtual network is in another tenant, create an avnm_scope_connection to that \
         subscription (or its management group) and give this member a depends_on on it."
    )
}

fn not_connected(
    manager: &NetworkManagerId,
    subscription: &SubscriptionId,
    unconnected: &[super::member_tenant::Unconnected],
    what: &str,
) -> Diagnostics {
    let reasons: Vec<String> = unconnected
        .iter()
        .map(|u| u.explain(manager.as_str()))
        .collect();
    Diagnostics::attribute_error(
        AttributePath::attr("target_virtual_network_id"),
        "Cross-tenant scope not connected",
        format!(
            "the virtual network's subscription {subscription} is in another tenant, and the scope \
             connection covering it {what}: {}",
            reasons.join("; ")
        ),
    )
}

#[async_trait]
impl Resource<ArmClient> for StaticMember {
    type State = StaticMemberState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(attributes::identity("static member"))
    }

    async fn create(
        &self,
        ctx: &Context<ArmClient>,
        planned: StaticMemberState,
    ) -> Result<StaticMemberState, CreateFailure<StaticMemberState>> {
        let id = id_of(&planned)?;
        let target = arm_ops::required(
            &planned.target_virtual_network_id,
            "target_virtual_network_id",
        )?;
        let subscription = target_subscription(target).ok_or_else(|| {
            Diagnostics::attribute_error(
                AttributePath::attr("target_virtual_network_id"),
                "Invalid target_virtual_network_id",
                format!("{target:?} is neither a virtual network ID nor a subnet ID"),
            )
        })?;
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        let tenants = self
            .auxiliary_tenants(&call, &id.network_manager(), &subscription, ctx.deadline)
            .await?;
        call.ensure_absent(id.as_str()).await?;
        let body = call
            .with_auxiliary_tenants(tenants.as_deref().unwrap_or_default())
            .put(id.as_str(), &to_arm_body(&planned))
            .await
            .map_err(|mut diagnostics| {
                if tenants.is_none() {
                    for d in &mut diagnostics.0 {
                        d.detail
                            .push_str(&uncovered_hint(&id.network_manager(), &subscription));
                    }
                }
                diagnostics
            })?;
        Ok(from_arm_body(
            &body,
            &StaticMemberState {
                id: Some(id.to_string()),
                ..planned
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        current: StaticMemberState,
    ) -> Result<Option<StaticMemberState>, Diagnostics> {
        let id = id_of(&current)?;
        let body = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .get(id.as_str())
            .await?;
        Ok(body.map(|b| from_arm_body(&b, &current)))
    }

    /// Every argument replaces the member; only `timeouts` changes in place.
    async fn update(
        &self,
        _ctx: &Context<ArmClient>,
        prior: StaticMemberState,
        planned: StaticMemberState,
    ) -> Result<StaticMemberState, Diagnostics> {
        Ok(StaticMemberState {
            timeouts: planned.timeouts,
            ..prior
        })
    }

    async fn delete(
        &self,
        ctx: &Context<ArmClient>,
        current: StaticMemberState,
    ) -> Result<(), Diagnostics> {
        let id = id_of(&current)?;
        ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .delete(id.as_str())
            .await
    }

    async fn import(
        &self,
        _ctx: &Context<ArmClient>,
        id: &str,
    ) -> Result<StaticMemberState, Diagnostics> {
        imported(id)
    }
}

/// What an import of `id` knows before the read: the ID and what it says.
fn imported(id: &str) -> Result<StaticMemberState, Diagnostics> {
    let parsed = StaticMemberId::parse(id).map_err(|e| arm_ops::import_error(id, e))?;
    Ok(StaticMemberState {
        id: Some(id.to_string()),
        name: Some(parsed.name().to_string()),
        network_group_id: Some(parsed.parent().to_string()),
        ..Default::default()
    })
}

/// The `config` block of `list "avnm_static_member"`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StaticMemberListConfig {
    pub network_group_id: Option<String>,
}

/// `terraform query`: the static members of one network group.
#[async_trait]
impl ListResource<ArmClient> for StaticMember {
    type ListConfig = StaticMemberListConfig;

    fn list_config_schema(&self) -> Schema {
        listing::config_schema(
            "Lists the static members of a network group.",
            vec![
                Attribute::required("network_group_id", Type::String)
                    .description("The ID of the network group whose members to list.")
                    .validate(validators::network_group_id()),
            ],
        )
    }

    async fn list(
        &self,
        ctx: &Context<ArmClient>,
        config: StaticMemberListConfig,
        _limit: usize,
    ) -> Result<Vec<Listed<StaticMemberState>>, Diagnostics> {
        let group = arm_ops::parse_attr(
            &config.network_group_id,
            "network_group_id",
            NetworkGroupId::parse,
        )?;
        let items = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .list(&format!("{}/staticMembers", group.as_str()))
            .await?;
        listing::listed(TYPE_NAME, &items, imported, from_arm_body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VNET: &str = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet1";

    #[test]
    fn body_names_the_target_and_state_keeps_its_spelling() {
        let planned = StaticMemberState {
            target_virtual_network_id: Some(VNET.into()),
            ..Default::default()
        };
        assert_eq!(
            to_arm_body(&planned),
            json!({"properties": {"resourceId": VNET}})
        );
        let body =
            json!({"properties": {"resourceId": VNET.to_uppercase(), "region": "westeurope"}});
        let s = from_arm_body(&body, &planned);
        assert_eq!(s.target_virtual_network_id.as_deref(), Some(VNET));
        assert_eq!(s.region.as_deref(), Some("westeurope"));
    }

    #[test]
    fn member_changed_outside_terraform_shows_the_new_target() {
        let planned = StaticMemberState {
            target_virtual_network_id: Some(VNET.into()),
            ..Default::default()
        };
        let other = VNET.replace("vnet1", "vnet2");
        let s = from_arm_body(&json!({"properties": {"resourceId": other}}), &planned);
        assert_eq!(s.target_virtual_network_id.as_deref(), Some(other.as_str()));
    }

    #[test]
    fn uncovered_hint_says_what_to_create() {
        let manager = StaticMemberId::parse(
            "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/networkGroups/g/staticMembers/m",
        )
        .unwrap()
        .network_manager();
        let hint = uncovered_hint(&manager, &target_subscription(VNET).unwrap());
        assert!(hint.contains("avnm_scope_connection"), "{hint}");
        assert!(
            hint.contains("00000000-0000-0000-0000-000000000002"),
            "{hint}"
        );
    }

    #[test]
    fn target_subscription_comes_from_networks_and_subnets() {
        let sub = target_subscription(VNET).unwrap();
        assert_eq!(
            sub.subscription_id(),
            "00000000-0000-0000-0000-000000000002"
        );
        assert!(target_subscription(&format!("{VNET}/subnets/default")).is_some());
        assert!(target_subscription("/subscriptions/x").is_none());
    }
}
