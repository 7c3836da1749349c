//! `avnm_management_group_connection` data source: the target tenant's network manager
//! connection at a management group, with its current state.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::manager_connection;
use crate::arm::ArmClient;
use crate::arm::id::{ManagementGroupConnectionId, ManagementGroupId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops;
use crate::resources::validators;
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_management_group_connection";

pub struct ManagementGroupConnectionData;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManagementGroupConnectionDataState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub management_group_id: Option<String>,
    pub network_manager_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: Option<String>,
}

fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::required("name", Type::String).description("The name of the connection.")
            .validate(validators::arm_name()),
        Attribute::required("management_group_id", Type::String)
            .description("The management group, such as `/providers/Microsoft.Management/managementGroups/<name>`.")
            .validate(validators::management_group_id()),
    ];
    attributes.extend(manager_connection::computed_attributes());
    Schema {
        version: 0,
        block: Block {
            description: "Reads a network manager connection at management group scope and its current state.".into(),
            attributes,
            blocks: vec![],
            deprecated: false,
        },
    }
}

#[async_trait]
impl DataSource<ArmClient> for ManagementGroupConnectionData {
    type State = ManagementGroupConnectionDataState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        config: ManagementGroupConnectionDataState,
    ) -> Result<ManagementGroupConnectionDataState, Diagnostics> {
        let group = arm_ops::parse_attr(
            &config.management_group_id,
            "management_group_id",
            ManagementGroupId::parse,
        )?;
        let id = ManagementGroupConnectionId::new(
            group.management_group(),
            arm_ops::required(&config.name, "name")?,
        );
        let fields = manager_connection::read(ctx, TYPE_NAME, id.as_str()).await?;
        Ok(ManagementGroupConnectionDataState {
            id: Some(id.to_string()),
            network_manager_id: fields.network_manager_id,
            description: fields.description,
            connection_state: Some(fields.connection_state),
            ..config
        })
    }
}
