//! `avnm_subscription_connection`: the target tenant's half of a cross-tenant link at
//! subscription scope (`/subscriptions/{s}/providers/Microsoft.Network/networkManagerConnections`):
//! the subscription's tenant agrees to be managed by the central network manager.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::arm_ops::{self, ArmCall};
use super::manager_connection::{from_arm_body, to_arm_body};
use super::scope_connection::connection_state_attribute;
use super::validators;
use crate::arm::ArmClient;
use crate::arm::id::{SubscriptionConnectionId, SubscriptionId};
use crate::protocol::timeouts::{Timeouts, timeouts_block};
use crate::protocol::{Attribute, Block, Context, CreateFailure, Diagnostics, Resource, Schema};
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_subscription_connection";

pub struct SubscriptionConnection;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubscriptionConnectionState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub subscription_id: Option<String>,
    pub network_manager_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: Option<String>,
    pub timeouts: Option<Timeouts>,
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "A network manager connection at subscription scope: created in the target tenant, it lets a network manager of another tenant manage this subscription (together with that manager's scope connection).".into(),
            attributes: vec![
                Attribute::computed("id", Type::String)
                    .description("The ARM resource ID of the connection."),
                Attribute::required("name", Type::String)
                    .description("The name of the connection. Changing it creates a new one.")
                    .requires_replace(),
                Attribute::required("subscription_id", Type::String)
                    .description("The subscription to connect, such as `/subscriptions/<guid>`. Changing it creates a new connection.")
                    .requires_replace()
                    .validate(validators::subscription_id()),
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of the network manager (usually in another tenant) allowed to manage the subscription. Changing it creates a new connection.")
                    .requires_replace()
                    .validate(validators::network_manager_id()),
                Attribute::optional("description", Type::String)
                    .description("A description. Removing it clears the description in Azure."),
                connection_state_attribute(),
            ],
            blocks: vec![timeouts_block()],
            deprecated: false,
        },
    }
}

fn apply_body(
    body: &serde_json::Value,
    prior: &SubscriptionConnectionState,
) -> SubscriptionConnectionState {
    let fields = from_arm_body(
        body,
        prior.network_manager_id.as_deref(),
        prior.description.as_deref(),
    );
    SubscriptionConnectionState {
        network_manager_id: fields.network_manager_id,
        description: fields.description,
        connection_state: Some(fields.connection_state),
        ..prior.clone()
    }
}

fn id_of(s: &SubscriptionConnectionState) -> Result<SubscriptionConnectionId, Diagnostics> {
    if s.id.is_some() {
        return arm_ops::parse_attr(&s.id, "id", SubscriptionConnectionId::parse);
    }
    let subscription =
        arm_ops::parse_attr(&s.subscription_id, "subscription_id", SubscriptionId::parse)?;
    Ok(SubscriptionConnectionId::new(
        subscription.subscription_id(),
        arm_ops::required(&s.name, "name")?,
    ))
}

#[async_trait]
impl Resource<ArmClient> for SubscriptionConnection {
    type State = SubscriptionConnectionState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn create(
        &self,
        ctx: &Context<ArmClient>,
        planned: SubscriptionConnectionState,
    ) -> Result<SubscriptionConnectionState, CreateFailure<SubscriptionConnectionState>> {
        let id = id_of(&planned)?;
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        call.ensure_absent(id.as_str()).await?;
        let body = to_arm_body(
            planned.network_manager_id.as_deref(),
            planned.description.as_deref(),
        );
        let body = call.put(id.as_str(), &body).await?;
        Ok(apply_body(
            &body,
            &SubscriptionConnectionState {
                id: Some(id.to_string()),
                ..planned
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        current: SubscriptionConnectionState,
    ) -> Result<Option<SubscriptionConnectionState>, Diagnostics> {
        let id = id_of(&current)?;
        let body = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .get(id.as_str())
            .await?;
        Ok(body.map(|b| apply_body(&b, &current)))
    }

    async fn update(
        &self,
        ctx: &Context<ArmClient>,
        prior: SubscriptionConnectionState,
        planned: SubscriptionConnectionState,
    ) -> Result<SubscriptionConnectionState, Diagnostics> {
        if prior.description == planned.description {
            // Only `timeouts` changed (e.g. after an import): nothing to tell ARM.
            return Ok(SubscriptionConnectionState {
                timeouts: planned.timeouts,
                ..prior
            });
        }
        let id = id_of(&planned)?;
        let body = to_arm_body(
            planned.network_manager_id.as_deref(),
            planned.description.as_deref(),
        );
        let body = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .put(id.as_str(), &body)
            .await?;
        Ok(apply_body(&body, &planned))
    }

    async fn delete(
        &self,
        ctx: &Context<ArmClient>,
        current: SubscriptionConnectionState,
    ) -> Result<(), Diagnostics> {
        let id = id_of(&current)?;
        ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .delete(id.as_str())
            .await
    }

    async fn import(
        &self,
        _ctx: &Context<ArmClient>,
        id: &str,
    ) -> Result<SubscriptionConnectionState, Diagnostics> {
        let parsed =
            SubscriptionConnectionId::parse(id).map_err(|e| arm_ops::import_error(id, e))?;
        Ok(SubscriptionConnectionState {
            id: Some(id.to_string()),
            name: Some(parsed.name().to_string()),
            subscription_id: Some(parsed.parent().to_string()),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_is_built_under_the_subscription() {
        let s = SubscriptionConnectionState {
            name: Some("conn".into()),
            subscription_id: Some("/subscriptions/00000000-0000-0000-0000-000000000002".into()),
            ..Default::default()
        };
        assert_eq!(
            id_of(&s).unwrap().as_str(),
            "/subscriptions/00000000-0000-0000-0000-000000000002/providers/Microsoft.Network/networkManagerConnections/conn"
        );
    }

    #[test]
    fn body_state_round_trip() {
        let prior = SubscriptionConnectionState {
            id: Some("/x".into()),
            ..Default::default()
        };
        let body = serde_json::json!({"properties": {"networkManagerId": "/nm", "description": "d", "connectionState": "Pending"}});
        let s = apply_body(&body, &prior);
        assert_eq!(s.id.as_deref(), Some("/x"));
        assert_eq!(s.network_manager_id.as_deref(), Some("/nm"));
        assert_eq!(s.connection_state.as_deref(), Some("Pending"));
    }
}
