//! `avnm_network_manager` data source: an existing network manager, by name and resource
//! group in the provider's subscription.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::attributes;
use super::lookup::get_existing;
use crate::arm::ArmClient;
use crate::arm::id::NetworkManagerId;
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops;
use crate::resources::network_manager::{
    CrossTenantScope, cross_tenant_scope_type, cross_tenant_scopes_from_arm,
};
use crate::resources::reconcile::{json_str, json_strings};
use crate::resources::validators;
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_network_manager";

pub struct NetworkManagerData;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkManagerDataState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub resource_group_name: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub scope: Option<Vec<ScopeData>>,
    pub scope_accesses: Option<Vec<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub cross_tenant_scopes: Option<Vec<CrossTenantScope>>,
    pub resource_guid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeData {
    pub subscription_ids: Option<Vec<String>>,
    pub management_group_ids: Option<Vec<String>>,
}

fn schema() -> Schema {
    let scope_type = Type::object([
        ("subscription_ids", Type::list(Type::String)),
        ("management_group_ids", Type::list(Type::String)),
    ]);
    Schema {
        version: 0,
        block: Block {
            description: "Reads an existing Azure Virtual Network Manager.".into(),
            attributes: vec![
                Attribute::required("name", Type::String).description("The name of the network manager.")
            .validate(validators::arm_name()),
                Attribute::required("resource_group_name", Type::String)
                    .description("The resource group holding it (in the provider's subscription).")
                    .validate(validators::arm_name()),
                attributes::id(),
                Attribute::computed("location", Type::String).description("The Azure region."),
                attributes::description(),
                Attribute::computed("scope", Type::list(scope_type))
                    .description("The manager's own scope: `subscription_ids` and `management_group_ids`."),
                Attribute::computed("scope_accesses", Type::list(Type::String))
                    .description("The features the manager may configure."),
                Attribute::computed("tags", Type::map(Type::String)).description("The tags."),
                Attribute::computed("cross_tenant_scopes", Type::list(cross_tenant_scope_type()))
                    .description("Connected scopes of other tenants: `tenant_id`, `subscriptions`, `management_groups`."),
                Attribute::computed("resource_guid", Type::String).description("The GUID Azure assigned."),
            ],
            blocks: vec![],
            deprecated: false,
        },
    }
}

#[async_trait]
impl DataSource<ArmClient> for NetworkManagerData {
    type State = NetworkManagerDataState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        config: NetworkManagerDataState,
    ) -> Result<NetworkManagerDataState, Diagnostics> {
        let subscription = ctx.client.subscription_id().ok_or_else(|| {
            Diagnostics::error(
                "No subscription to look in",
                "set subscription_id in the provider configuration (or ARM_SUBSCRIPTION_ID)",
            )
        })?;
        let id = NetworkManagerId::new(
            subscription,
            arm_ops::required(&config.resource_group_name, "resource_group_name")?,
            arm_ops::required(&config.name, "name")?,
        );
        let body = get_existing(ctx, TYPE_NAME, id.as_str(), "network manager").await?;
        Ok(from_arm_body(&body, id.as_str(), config))
    }
}

fn from_arm_body(
    body: &serde_json::Value,
    id: &str,
    config: NetworkManagerDataState,
) -> NetworkManagerDataState {
    let tags = body
        .get("tags")
        .and_then(|t| t.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    NetworkManagerDataState {
        id: Some(id.to_string()),
        location: json_str(body, "/location").map(str::to_string),
        description: attributes::description_of(body),
        scope: Some(vec![ScopeData {
            subscription_ids: Some(json_strings(
                body,
                "/properties/networkManagerScopes/subscriptions",
            )),
            management_group_ids: Some(json_strings(
                body,
                "/properties/networkManagerScopes/managementGroups",
            )),
        }]),
        scope_accesses: Some(json_strings(
            body,
            "/properties/networkManagerScopeAccesses",
        )),
        tags: Some(tags),
        cross_tenant_scopes: Some(cross_tenant_scopes_from_arm(body)),
        resource_guid: json_str(body, "/properties/resourceGuid").map(str::to_string),
        ..config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn everything_arm_reports_is_exposed() {
        let body = json!({"location": "westeurope", "tags": {"a": "b"}, "properties": {
            "description": "d", "resourceGuid": "g", "networkManagerScopeAccesses": ["Connectivity"],
            "networkManagerScopes": {"subscriptions": ["/subscriptions/s"], "managementGroups": [],
                "crossTenantScopes": [{"tenantId": "t", "subscriptions": ["/subscriptions/x"]}]}}});
        let config = NetworkManagerDataState {
            name: Some("nm".into()),
            ..Default::default()
        };
        let s = from_arm_body(&body, "/id", config);
        assert_eq!(s.name.as_deref(), Some("nm"));
        assert_eq!(s.id.as_deref(), Some("/id"));
        assert_eq!(
            s.scope.unwrap()[0].subscription_ids,
            Some(vec!["/subscriptions/s".into()])
        );
        assert_eq!(
            s.cross_tenant_scopes.unwrap()[0].tenant_id.as_deref(),
            Some("t")
        );
        assert_eq!(s.tags.unwrap()["a"], "b");
        assert_eq!(s.description.as_deref(), Some("d"));
    }
}
