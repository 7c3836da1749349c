//! `avnm_subscription_connection` data source: the target tenant's network manager
//! connection at a subscription, with its current state.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::manager_connection;
use crate::arm::ArmClient;
use crate::arm::id::{SubscriptionConnectionId, SubscriptionId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops;
use crate::resources::validators;
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_subscription_connection";

pub struct SubscriptionConnectionData;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionConnectionDataState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub subscription_id: Option<String>,
    pub network_manager_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: Option<String>,
}

fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::required("name", Type::String)
            .description("The name of the connection.")
            .validate(validators::arm_name()),
        Attribute::required("subscription_id", Type::String)
            .description("The subscription, such as `/subscriptions/<guid>`.")
            .validate(validators::subscription_id()),
    ];
    attributes.extend(manager_connection::computed_attributes());
    Schema {
        version: 0,
        block: Block {
            description:
                "Reads a network manager connection at subscription scope and its current state."
                    .into(),
            attributes,
            blocks: vec![],
            deprecated: false,
        },
    }
}

#[async_trait]
impl DataSource<ArmClient> for SubscriptionConnectionData {
    type State = SubscriptionConnectionDataState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        config: SubscriptionConnectionDataState,
    ) -> Result<SubscriptionConnectionDataState, Diagnostics> {
        let subscription = arm_ops::parse_attr(
            &config.subscription_id,
            "subscription_id",
            SubscriptionId::parse,
        )?;
        let id = SubscriptionConnectionId::new(
            subscription.subscription_id(),
            arm_ops::required(&config.name, "name")?,
        );
        let fields = manager_connection::read(ctx, TYPE_NAME, id.as_str()).await?;
        Ok(SubscriptionConnectionDataState {
            id: Some(id.to_string()),
            network_manager_id: fields.network_manager_id,
            description: fields.description,
            connection_state: Some(fields.connection_state),
            ..config
        })
    }
}
