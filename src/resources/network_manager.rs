//! `avnm_network_manager`: an Azure Virtual Network Manager
//! (`Microsoft.Network/networkManagers`), the central tenant's administrative object.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::arm_ops::{self, ArmCall};
use super::attributes;
use super::listing;
use super::reconcile::{
    id_set_from_arm, json_str, json_strings, tags_from_arm, text_from_arm, text_to_arm,
};
use super::validators;
use crate::arm::ArmClient;
use crate::arm::id::{NetworkManagerId, ResourceGroupId};
use crate::protocol::timeouts::{Timeouts, timeouts_block};
use crate::protocol::{
    Attribute, Block, Context, CreateFailure, Diagnostics, IdentitySchema, ListResource, Listed,
    NestedBlock, NestingMode, Resource, Schema, Validator,
};
use crate::value::{AttributePath, Type, Value};

pub const TYPE_NAME: &str = "avnm_network_manager";

/// The scope accesses ARM accepts (`networkManagerScopeAccesses`).
pub const SCOPE_ACCESSES: &[&str] = &["Connectivity", "SecurityAdmin", "Routing", "SecurityUser"];

pub struct NetworkManager;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkManagerState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub resource_group_name: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub scope: Option<Scope>,
    pub scope_accesses: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub cross_tenant_scopes: Option<Vec<CrossTenantScope>>,
    pub resource_guid: Option<String>,
    pub timeouts: Option<Timeouts>,
}

/// The subscriptions and management groups the manager manages in its own tenant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    pub subscription_ids: Option<Vec<String>>,
    pub management_group_ids: Option<Vec<String>>,
}

/// A connected scope of another tenant (read-only `crossTenantScopes`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossTenantScope {
    pub tenant_id: Option<String>,
    pub subscriptions: Option<Vec<String>>,
    pub management_groups: Option<Vec<String>>,
}

/// The cty type of one `cross_tenant_scopes` element (shared with the data source).
pub fn cross_tenant_scope_type() -> Type {
    Type::object([
        ("tenant_id", Type::String),
        ("subscriptions", Type::list(Type::String)),
        ("management_groups", Type::list(Type::String)),
    ])
}

/// `crossTenantScopes` of a manager body.
pub fn cross_tenant_scopes_from_arm(body: &Json) -> Vec<CrossTenantScope> {
    body.pointer("/properties/networkManagerScopes/crossTenantScopes")
        .and_then(Json::as_array)
        .map(|scopes| {
            scopes
                .iter()
                .map(|s| CrossTenantScope {
                    tenant_id: json_str(s, "/tenantId").map(str::to_string),
                    subscriptions: Some(json_strings(s, "/subscriptions")),
                    management_groups: Some(json_strings(s, "/managementGroups")),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn schema() -> Schema {
    let scope = NestedBlock {
        type_name: "scope".into(),
        nesting: NestingMode::Single,
        block: Block {
            description: "The subscriptions and management groups of the manager's own tenant \
                          it manages. Scopes of other tenants are added by scope connections."
                .into(),
            attributes: vec![
                Attribute::optional("subscription_ids", Type::set(Type::String))
                    .description("Subscription IDs, such as `/subscriptions/<guid>`.")
                    .validate(validators::subscription_id()),
                Attribute::optional("management_group_ids", Type::set(Type::String))
                    .description(
                        "Management group IDs, such as \
                         `/providers/Microsoft.Management/managementGroups/<name>`.",
                    )
                    .validate(validators::management_group_id()),
            ],
            blocks: vec![],
            deprecated: false,
        },
        min_items: 1,
        max_items: 1,
        requires_replace: false,
    };
    Schema {
        version: 0,
        block: Block {
            description: "An Azure Virtual Network Manager.".into(),
            attributes: vec![
                attributes::id("network manager"),
                attributes::name("network manager").validate(validators::network_manager_name()),
                Attribute::required("resource_group_name", Type::String)
                    .description("The resource group holding the network manager. Changing it creates a new one.")
                    .requires_replace()
                    .validate(validators::arm_name()),
                Attribute::required("location", Type::String)
                    .description("The Azure region, such as `westeurope`. Changing it creates a new one.")
                    .requires_replace(),
                attributes::description(),
                Attribute::optional("scope_accesses", Type::set(Type::String))
                    .description("The features the manager may configure: `Connectivity`, `SecurityAdmin`, `Routing`, `SecurityUser`.")
                    .validate(Validator::one_of(SCOPE_ACCESSES)),
                Attribute::optional("tags", Type::map(Type::String))
                    .description("Tags to assign to the network manager."),
                Attribute::computed("cross_tenant_scopes", Type::list(cross_tenant_scope_type()))
                    .description("The scopes of other tenants connected to this manager (a scope connection here and a network manager connection there): `tenant_id`, `subscriptions`, `management_groups`.")
                    .unknown_on_change(),
                Attribute::computed("resource_guid", Type::String)
                    .description("The unique GUID Azure assigned to the network manager."),
            ],
            blocks: vec![scope, timeouts_block()],
            deprecated: false,
        },
    }
}

/// The PUT body: everything the resource sets (a PUT replaces the whole object).
fn to_arm_body(s: &NetworkManagerState) -> Json {
    let scope = s.scope.clone().unwrap_or_default();
    json!({
        "location": s.location.clone().unwrap_or_default(),
        "tags": s.tags.clone().unwrap_or_default(),
        "properties": {
            "description": text_to_arm(s.description.as_deref()),
            "networkManagerScopes": {
                "subscriptions": scope.subscription_ids.unwrap_or_default(),
                "managementGroups": scope.management_group_ids.unwrap_or_default(),
            },
            "networkManagerScopeAccesses": s.scope_accesses.clone().unwrap_or_default(),
        }
    })
}

/// What ARM is told: every configurable argument (not `timeouts`).
fn arguments(s: &NetworkManagerState) -> impl PartialEq + use<> {
    (
        s.location.clone(),
        s.description.clone(),
        s.scope.clone(),
        s.scope_accesses.clone(),
        s.tags.clone(),
    )
}

/// ARM normalises regions (`West Europe` → `westeurope`).
fn same_location(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace(' ', "").to_ascii_lowercase();
    norm(a) == norm(b)
}

/// The state for ARM's `body`, keeping the prior spelling of what ARM reports equivalently.
fn from_arm_body(body: &Json, prior: &NetworkManagerState) -> NetworkManagerState {
    let prior_scope = prior.scope.clone().unwrap_or_default();
    let location = match (json_str(body, "/location"), prior.location.as_deref()) {
        (Some(arm), Some(p)) if same_location(arm, p) => Some(p.to_string()),
        (arm, p) => arm.or(p).map(str::to_string),
    };
    NetworkManagerState {
        id: prior.id.clone(),
        name: prior.name.clone(),
        resource_group_name: prior.resource_group_name.clone(),
        location,
        description: text_from_arm(
            json_str(body, "/properties/description"),
            prior.description.as_deref(),
        ),
        scope: Some(Scope {
            subscription_ids: id_set_from_arm(
                json_strings(body, "/properties/networkManagerScopes/subscriptions"),
                prior_scope.subscription_ids.as_deref(),
            ),
            management_group_ids: id_set_from_arm(
                json_strings(body, "/properties/networkManagerScopes/managementGroups"),
                prior_scope.management_group_ids.as_deref(),
            ),
        }),
        scope_accesses: id_set_from_arm(
            json_strings(body, "/properties/networkManagerScopeAccesses"),
            prior.scope_accesses.as_deref(),
        ),
        tags: tags_from_arm(body, prior.tags.as_ref()),
        cross_tenant_scopes: Some(cross_tenant_scopes_from_arm(body)),
        resource_guid: json_str(body, "/properties/resourceGuid").map(str::to_string),
        timeouts: prior.timeouts.clone(),
    }
}

/// The manager's ID: from state once created, else from the configuration and the
/// provider's `subscription_id` (as azurerm places resource groups).
fn id_of(s: &NetworkManagerState, client: &ArmClient) -> Result<NetworkManagerId, Diagnostics> {
    if s.id.is_some() {
        return arm_ops::parse_attr(&s.id, "id", NetworkManagerId::parse);
    }
    let subscription = client.subscription_id().ok_or_else(|| {
        Diagnostics::error(
            "No subscription for the network manager",
            "set subscription_id in this provider's configuration (or ARM_SUBSCRIPTION_ID): \
             the network manager is created in that subscription's resource group",
        )
    })?;
    Ok(NetworkManagerId::new(
        subscription,
        arm_ops::required(&s.resource_group_name, "resource_group_name")?,
        arm_ops::required(&s.name, "name")?,
    ))
}

#[async_trait]
impl Resource<ArmClient> for NetworkManager {
    type State = NetworkManagerState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(attributes::identity("network manager"))
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let scope = config.get_attr("scope");
        let empty = |name: &str| {
            scope.and_then(|s| s.get_attr(name)).is_none_or(|v| {
                matches!(v, Value::Null) || matches!(v, Value::Set(items) if items.is_empty())
            })
        };
        if scope.is_some_and(|s| !s.is_null() && s.is_wholly_known())
            && empty("subscription_ids")
            && empty("management_group_ids")
        {
            return Diagnostics::attribute_error(
                AttributePath::attr("scope"),
                "Empty network manager scope",
                "set at least one of scope.subscription_ids or scope.management_group_ids",
            );
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &Context<ArmClient>,
        planned: NetworkManagerState,
    ) -> Result<NetworkManagerState, CreateFailure<NetworkManagerState>> {
        let id = id_of(&planned, &ctx.client)?;
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        call.ensure_absent(&id.to_string()).await?;
        let body = call.put(&id.to_string(), &to_arm_body(&planned)).await?;
        let prior = NetworkManagerState {
            id: Some(id.to_string()),
            ..planned
        };
        Ok(from_arm_body(&body, &prior))
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        current: NetworkManagerState,
    ) -> Result<Option<NetworkManagerState>, Diagnostics> {
        let id = id_of(&current, &ctx.client)?;
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        Ok(call
            .get(&id.to_string())
            .await?
            .map(|body| from_arm_body(&body, &current)))
    }

    async fn update(
        &self,
        ctx: &Context<ArmClient>,
        prior: NetworkManagerState,
        planned: NetworkManagerState,
    ) -> Result<NetworkManagerState, Diagnostics> {
        if arguments(&prior) == arguments(&planned) {
            // Only `timeouts` changed (e.g. after an import): nothing to tell ARM.
            return Ok(NetworkManagerState {
                timeouts: planned.timeouts,
                ..prior
            });
        }
        let id = id_of(&planned, &ctx.client)?;
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        let body = call.put(&id.to_string(), &to_arm_body(&planned)).await?;
        Ok(from_arm_body(&body, &planned))
    }

    async fn delete(
        &self,
        ctx: &Context<ArmClient>,
        current: NetworkManagerState,
    ) -> Result<(), Diagnostics> {
        let id = id_of(&current, &ctx.client)?;
        ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .delete_forced(&id.to_string())
            .await
    }

    async fn import(
        &self,
        _ctx: &Context<ArmClient>,
        id: &str,
    ) -> Result<NetworkManagerState, Diagnostics> {
        imported(id)
    }
}

/// What an import of `id` knows before the read: the ID and what it says.
fn imported(id: &str) -> Result<NetworkManagerState, Diagnostics> {
    let parsed = NetworkManagerId::parse(id).map_err(|e| arm_ops::import_error(id, e))?;
    Ok(NetworkManagerState {
        id: Some(id.to_string()),
        name: Some(parsed.name().to_string()),
        resource_group_name: Some(parsed.resource_group().to_string()),
        ..Default::default()
    })
}

/// The `config` block of `list "avnm_network_manager"`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NetworkManagerListConfig {
    pub resource_group_name: Option<String>,
    pub subscription_id: Option<String>,
}

/// `terraform query`: the network managers of one resource group.
#[async_trait]
impl ListResource<ArmClient> for NetworkManager {
    type ListConfig = NetworkManagerListConfig;

    fn list_config_schema(&self) -> Schema {
        listing::config_schema(
            "Lists the network managers of a resource group.",
            vec![
                Attribute::required("resource_group_name", Type::String)
                    .description("The resource group whose network managers to list."),
                Attribute::optional("subscription_id", Type::String)
                    .description("The subscription (a GUID) of the resource group. Defaults to the provider's `subscription_id`.")
                    .validate(validators::guid()),
            ],
        )
    }

    async fn list(
        &self,
        ctx: &Context<ArmClient>,
        config: NetworkManagerListConfig,
        _limit: usize,
    ) -> Result<Vec<Listed<NetworkManagerState>>, Diagnostics> {
        let subscription = config
            .subscription_id
            .as_deref()
            .or_else(|| ctx.client.subscription_id())
            .ok_or_else(|| {
                Diagnostics::attribute_error(
                    AttributePath::attr("subscription_id"),
                    "No subscription to list network managers in",
                    "set subscription_id in the list block's config, or in the provider configuration",
                )
            })?;
        let resource_group = arm_ops::required(&config.resource_group_name, "resource_group_name")?;
        let group = ResourceGroupId::new(subscription, resource_group);
        let items = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .list(&format!(
                "{}/providers/Microsoft.Network/networkManagers",
                group.as_str()
            ))
            .await?;
        listing::listed(TYPE_NAME, &items, imported, from_arm_body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";

    fn planned() -> NetworkManagerState {
        NetworkManagerState {
            name: Some("nm".into()),
            resource_group_name: Some("rg".into()),
            location: Some("West Europe".into()),
            scope: Some(Scope {
                subscription_ids: Some(vec![SUB.into()]),
                management_group_ids: None,
            }),
            scope_accesses: Some(vec!["Connectivity".into()]),
            ..Default::default()
        }
    }

    #[test]
    fn body_holds_scopes_accesses_and_cleared_fields() {
        let body = to_arm_body(&planned());
        assert_eq!(body["location"], "West Europe");
        assert_eq!(body["tags"], json!({}));
        assert_eq!(body["properties"]["description"], "");
        assert_eq!(
            body["properties"]["networkManagerScopes"]["subscriptions"],
            json!([SUB])
        );
        assert_eq!(
            body["properties"]["networkManagerScopes"]["managementGroups"],
            json!([])
        );
        assert_eq!(
            body["properties"]["networkManagerScopeAccesses"],
            json!(["Connectivity"])
        );
    }

    #[test]
    fn reading_back_an_unchanged_manager_equals_the_plan_plus_computed_values() {
        let arm = json!({
            "location": "westeurope",
            "tags": {},
            "properties": {
                "description": "",
                "networkManagerScopes": {
                    "subscriptions": [SUB.to_uppercase()],
                    "managementGroups": [],
                    "crossTenantScopes": [{"tenantId": "t", "subscriptions": ["/subscriptions/x"], "managementGroups": []}]
                },
                "networkManagerScopeAccesses": ["connectivity"],
                "resourceGuid": "g"
            }
        });
        let s = from_arm_body(&arm, &planned());
        let expected = NetworkManagerState {
            cross_tenant_scopes: Some(vec![CrossTenantScope {
                tenant_id: Some("t".into()),
                subscriptions: Some(vec!["/subscriptions/x".into()]),
                management_groups: Some(vec![]),
            }]),
            resource_guid: Some("g".into()),
            ..planned()
        };
        assert_eq!(s, expected);
    }

    #[test]
    fn changes_made_outside_terraform_are_reported() {
        let arm = json!({"location": "eastus", "tags": {"owner": "x"},
                         "properties": {"description": "edited", "networkManagerScopes": {"subscriptions": []}}});
        let s = from_arm_body(&arm, &planned());
        assert_eq!(s.location.as_deref(), Some("eastus"));
        assert_eq!(s.description.as_deref(), Some("edited"));
        assert_eq!(s.tags.unwrap()["owner"], "x");
        assert_eq!(s.scope.unwrap().subscription_ids, None);
        assert_eq!(s.scope_accesses, None);
    }

    #[test]
    fn an_empty_scope_is_refused_at_the_scope_block() {
        let config = Value::Object(
            [(
                "scope".to_string(),
                Value::Object(
                    [
                        ("subscription_ids".to_string(), Value::Null),
                        ("management_group_ids".to_string(), Value::Set(vec![])),
                    ]
                    .into(),
                ),
            )]
            .into(),
        );
        let d = NetworkManager.validate(&config);
        assert!(d.has_errors());
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("scope")));
    }
}
