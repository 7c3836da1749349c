//! `avnm_management_group_connection` data source: the target tenant's network manager
//! connection at a management group, with its current state.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::lookup::get_existing;
use super::subscription_connection::connection_attributes;
use crate::arm::ArmClient;
use crate::arm::id::{ManagementGroupConnectionId, ManagementGroupId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops::{self, ArmCall};
use crate::resources::manager_connection::from_arm_body;
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
        Attribute::required("name", Type::String).description("The name of the connection."),
        Attribute::required("management_group_id", Type::String)
            .description("The management group, such as `/providers/Microsoft.Management/managementGroups/<name>`.")
            .validate(validators::management_group_id()),
    ];
    attributes.extend(connection_attributes());
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
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        let body = get_existing(&call, id.as_str(), "network manager connection").await?;
        let fields = from_arm_body(&body, None, None);
        Ok(ManagementGroupConnectionDataState {
            id: Some(id.to_string()),
            network_manager_id: fields.network_manager_id,
            description: Some(fields.description.unwrap_or_default()),
            connection_state: Some(fields.connection_state),
            ..config
        })
    }
}
