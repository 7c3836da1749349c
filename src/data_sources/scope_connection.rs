//! `avnm_scope_connection` data source: one scope connection of a network manager, with its
//! current `connection_state` (what a check block asserts Connected).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::lookup::get_existing;
use crate::arm::ArmClient;
use crate::arm::id::{NetworkManagerId, ScopeConnectionId, ScopeId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops::{self, ArmCall};
use crate::resources::connection_wait::connection_state;
use crate::resources::reconcile::json_str;
use crate::resources::validators;
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_scope_connection";

pub struct ScopeConnectionData;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeConnectionDataState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub network_manager_id: Option<String>,
    pub tenant_id: Option<String>,
    pub target_scope_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: Option<String>,
}

/// What a scope connection body says, in the attribute names of both scope connection data
/// sources. The scope is written with its leading `/` whatever ARM's spelling.
pub fn from_arm_body(body: &Json) -> ScopeConnectionDataState {
    let scope = json_str(body, "/properties/resourceId").map(|s| {
        ScopeId::parse(s)
            .map(|id| id.to_string())
            .unwrap_or_else(|_| s.to_string())
    });
    ScopeConnectionDataState {
        id: json_str(body, "/id").map(str::to_string),
        name: json_str(body, "/name").map(str::to_string),
        network_manager_id: None,
        tenant_id: json_str(body, "/properties/tenantId").map(str::to_string),
        target_scope_id: scope,
        description: Some(
            json_str(body, "/properties/description")
                .unwrap_or_default()
                .to_string(),
        ),
        connection_state: Some(connection_state(body).to_string()),
    }
}

/// The attributes of a scope connection as computed values (`name` and the manager aside).
pub fn computed_attributes() -> Vec<Attribute> {
    vec![
        Attribute::computed("id", Type::String).description("The ARM resource ID."),
        Attribute::computed("tenant_id", Type::String)
            .description("The tenant of the target scope."),
        Attribute::computed("target_scope_id", Type::String)
            .description("The subscription or management group ID the connection asks to manage."),
        Attribute::computed("description", Type::String)
            .description("The description (empty when none)."),
        Attribute::computed("connection_state", Type::String).description(
            "`Pending`, `Connected`, `Conflict`, `Revoked` or `Rejected`, as ARM reports it now.",
        ),
    ]
}

fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::required("name", Type::String).description("The name of the scope connection."),
        Attribute::required("network_manager_id", Type::String)
            .description("The ID of the network manager.")
            .validate(validators::network_manager_id()),
    ];
    attributes.extend(computed_attributes());
    Schema {
        version: 0,
        block: Block {
            description:
                "Reads a scope connection of a network manager and its current connection state."
                    .into(),
            attributes,
            blocks: vec![],
            deprecated: false,
        },
    }
}

#[async_trait]
impl DataSource<ArmClient> for ScopeConnectionData {
    type State = ScopeConnectionDataState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        config: ScopeConnectionDataState,
    ) -> Result<ScopeConnectionDataState, Diagnostics> {
        let manager = arm_ops::parse_attr(
            &config.network_manager_id,
            "network_manager_id",
            NetworkManagerId::parse,
        )?;
        let id = ScopeConnectionId::new(&manager, arm_ops::required(&config.name, "name")?);
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        let body = get_existing(&call, id.as_str(), "scope connection").await?;
        Ok(ScopeConnectionDataState {
            id: Some(id.to_string()),
            name: config.name,
            network_manager_id: config.network_manager_id,
            ..from_arm_body(&body)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scope_gets_its_leading_slash() {
        let body = json!({"id": "/x", "name": "sc", "properties": {
            "tenantId": "t", "resourceId": "subscriptions/00000000-0000-0000-0000-000000000002",
            "connectionState": "Connected"}});
        let s = from_arm_body(&body);
        assert_eq!(
            s.target_scope_id.as_deref(),
            Some("/subscriptions/00000000-0000-0000-0000-000000000002")
        );
        assert_eq!(s.connection_state.as_deref(), Some("Connected"));
        assert_eq!(s.name.as_deref(), Some("sc"));
    }
}
