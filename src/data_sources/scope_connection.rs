//! `avnm_scope_connection` data source: one scope connection of a network manager, with its
//! current `connection_state` (what a check block asserts Connected).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::lookup::get_existing;
use super::scope_connection_fields::{computed_attributes, from_arm_body};
use crate::arm::ArmClient;
use crate::arm::id::{NetworkManagerId, ScopeConnectionId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops;
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

fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::required("name", Type::String)
            .description("The name of the scope connection.")
            .validate(validators::arm_name()),
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
        let body = get_existing(ctx, TYPE_NAME, id.as_str(), "scope connection").await?;
        let fields = from_arm_body(&body);
        Ok(ScopeConnectionDataState {
            id: Some(id.to_string()),
            name: config.name,
            network_manager_id: config.network_manager_id,
            tenant_id: fields.tenant_id,
            target_scope_id: fields.target_scope_id,
            description: fields.description,
            connection_state: fields.connection_state,
        })
    }
}
