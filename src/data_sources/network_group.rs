//! `avnm_network_group` data source: an existing network group of a network manager.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::attributes;
use super::lookup::get_existing;
use crate::arm::ArmClient;
use crate::arm::id::{NetworkGroupId, NetworkManagerId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops;
use crate::resources::network_group::DEFAULT_MEMBER_TYPE;
use crate::resources::reconcile::json_str;
use crate::resources::validators;
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_network_group";

pub struct NetworkGroupData;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkGroupDataState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub network_manager_id: Option<String>,
    pub description: Option<String>,
    pub member_type: Option<String>,
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "Reads an existing network group.".into(),
            attributes: vec![
                Attribute::required("name", Type::String)
                    .description("The name of the network group.")
                    .validate(validators::arm_name()),
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of its network manager.")
                    .validate(validators::network_manager_id()),
                attributes::id(),
                attributes::description(),
                Attribute::computed("member_type", Type::String)
                    .description("The kind of members: `VirtualNetwork` or `Subnet`."),
            ],
            blocks: vec![],
            deprecated: false,
        },
    }
}

#[async_trait]
impl DataSource<ArmClient> for NetworkGroupData {
    type State = NetworkGroupDataState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        config: NetworkGroupDataState,
    ) -> Result<NetworkGroupDataState, Diagnostics> {
        let manager = arm_ops::parse_attr(
            &config.network_manager_id,
            "network_manager_id",
            NetworkManagerId::parse,
        )?;
        let id = NetworkGroupId::new(&manager, arm_ops::required(&config.name, "name")?);
        let body = get_existing(ctx, TYPE_NAME, id.as_str(), "network group").await?;
        Ok(NetworkGroupDataState {
            id: Some(id.to_string()),
            description: attributes::description_of(&body),
            member_type: Some(
                json_str(&body, "/properties/memberType")
                    .unwrap_or(DEFAULT_MEMBER_TYPE)
                    .to_string(),
            ),
            ..config
        })
    }
}
