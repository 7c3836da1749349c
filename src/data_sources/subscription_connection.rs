//! `avnm_subscription_connection` data source: the target tenant's network manager
//! connection at a subscription, with its current state.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::lookup::get_existing;
use crate::arm::ArmClient;
use crate::arm::id::{SubscriptionConnectionId, SubscriptionId};
use crate::protocol::{Attribute, Block, Context, DataSource, Diagnostics, Schema};
use crate::resources::arm_ops::{self, ArmCall};
use crate::resources::manager_connection::from_arm_body;
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

/// The computed attributes of a network manager connection (both scopes).
pub fn connection_attributes() -> Vec<Attribute> {
    vec![
        Attribute::computed("id", Type::String).description("The ARM resource ID."),
        Attribute::computed("network_manager_id", Type::String)
            .description("The network manager allowed to manage the scope."),
        Attribute::computed("description", Type::String)
            .description("The description (empty when none)."),
        Attribute::computed("connection_state", Type::String).description(
            "`Pending`, `Connected`, `Conflict`, `Revoked` or `Rejected`, as ARM reports it now.",
        ),
    ]
}

fn schema() -> Schema {
    let mut attributes = vec![
        Attribute::required("name", Type::String).description("The name of the connection."),
        Attribute::required("subscription_id", Type::String)
            .description("The subscription, such as `/subscriptions/<guid>`.")
            .validate(validators::subscription_id()),
    ];
    attributes.extend(connection_attributes());
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
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        let body = get_existing(&call, id.as_str(), "network manager connection").await?;
        let fields = from_arm_body(&body, None, None);
        Ok(SubscriptionConnectionDataState {
            id: Some(id.to_string()),
            network_manager_id: fields.network_manager_id,
            description: Some(fields.description.unwrap_or_default()),
            connection_state: Some(fields.connection_state),
            ..config
        })
    }
}
