//! `avnm_subscription_connection`: the target tenant's half of a cross-tenant link at
//! subscription scope (`/subscriptions/{s}/providers/Microsoft.Network/networkManagerConnections`):
//! the subscription's tenant agrees to be managed by the central network manager.

use serde::{Deserialize, Serialize};

use super::arm_ops;
use super::attributes;
use super::manager_connection::{CommonAttributes, ConnectionScope, ManagerConnection};
use super::validators;
use crate::arm::id::{SubscriptionConnectionId, SubscriptionId};
use crate::protocol::timeouts::{Timeouts, timeouts_block};
use crate::protocol::{Attribute, Block, Diagnostics, Schema};
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_subscription_connection";

/// The resource: the shared network manager connection CRUD at this scope.
pub type SubscriptionConnection = ManagerConnection<SubscriptionConnectionState>;

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
                attributes::id("connection"),
                attributes::name("connection"),
                Attribute::required("subscription_id", Type::String)
                    .description("The subscription to connect, such as `/subscriptions/<guid>`. Changing it creates a new connection.")
                    .requires_replace()
                    .validate(validators::subscription_id()),
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of the network manager (usually in another tenant) allowed to manage the subscription. Changing it creates a new connection.")
                    .requires_replace()
                    .validate(validators::network_manager_id()),
                attributes::description(),
                attributes::connection_state(),
            ],
            blocks: vec![timeouts_block()],
            deprecated: false,
        },
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

impl ConnectionScope for SubscriptionConnectionState {
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema() -> Schema {
        schema()
    }

    fn arm_id(&self) -> Result<String, Diagnostics> {
        id_of(self).map(|id| id.to_string())
    }

    fn from_import_id(id: &str) -> Result<Self, Diagnostics> {
        let parsed =
            SubscriptionConnectionId::parse(id).map_err(|e| arm_ops::import_error(id, e))?;
        Ok(Self {
            id: Some(id.to_string()),
            name: Some(parsed.name().to_string()),
            subscription_id: Some(parsed.parent().to_string()),
            ..Default::default()
        })
    }

    fn common(&mut self) -> CommonAttributes<'_> {
        CommonAttributes {
            id: &mut self.id,
            network_manager_id: &mut self.network_manager_id,
            description: &mut self.description,
            connection_state: &mut self.connection_state,
            timeouts: &mut self.timeouts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::manager_connection::apply_body;

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
        let s = apply_body(&body, prior);
        assert_eq!(s.id.as_deref(), Some("/x"));
        assert_eq!(s.network_manager_id.as_deref(), Some("/nm"));
        assert_eq!(s.connection_state.as_deref(), Some("Pending"));
    }
}
