//! `avnm_scope_connections` data source: every scope connection of a network manager with
//! its state — one read for a check that all cross-tenant links are Connected.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::scope_connection_fields::{ScopeConnectionFields, computed_attributes, from_arm_body};
use crate::arm::ArmClient;
use crate::arm::id::NetworkManagerId;
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops::{self, ArmCall};
use crate::resources::validators;
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_scope_connections";

pub struct ScopeConnectionsData;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeConnectionsDataState {
    pub id: Option<String>,
    pub network_manager_id: Option<String>,
    pub scope_connections: Option<Vec<ScopeConnectionFields>>,
}

fn schema() -> Schema {
    let mut item: Vec<(String, Type)> = computed_attributes()
        .into_iter()
        .map(|a| (a.name, a.ty))
        .collect();
    item.push(("name".into(), Type::String));
    Schema {
        version: 0,
        block: Block {
            description: "Lists every scope connection of a network manager with its current state.".into(),
            attributes: vec![
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of the network manager.")
                    .validate(validators::network_manager_id()),
                Attribute::computed("id", Type::String)
                    .description("The ID of the scope connection collection."),
                Attribute::computed("scope_connections", Type::list(Type::object(item))).description(
                    "The scope connections, ordered by name: `id`, `name`, `tenant_id`, `target_scope_id`, `description`, `connection_state`.",
                ),
            ],
            blocks: vec![],
            deprecated: false,
        },
    }
}

#[async_trait]
impl DataSource<ArmClient> for ScopeConnectionsData {
    type State = ScopeConnectionsDataState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        config: ScopeConnectionsDataState,
    ) -> Result<ScopeConnectionsDataState, Diagnostics> {
        let manager = arm_ops::parse_attr(
            &config.network_manager_id,
            "network_manager_id",
            NetworkManagerId::parse,
        )?;
        let collection = format!("{}/scopeConnections", manager.as_str());
        let bodies = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .list(&collection)
            .await?;
        let mut items: Vec<ScopeConnectionFields> = bodies.iter().map(from_arm_body).collect();
        items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ScopeConnectionsDataState {
            id: Some(collection),
            scope_connections: Some(items),
            ..config
        })
    }
}
