//! A network manager connection (`Microsoft.Network/networkManagerConnections`), the target
//! tenant's half of a cross-tenant link: its body and its create/read/update/delete, shared by
//! the subscription-scoped and the management-group-scoped resource (same properties and
//! behaviour, different parents). Each of those files keeps its schema, state and ID handling
//! and implements [`ConnectionScope`]; [`ManagerConnection`] is the resource both become.

use std::marker::PhantomData;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};

use super::arm_ops::ArmCall;
use super::attributes;
use super::connection_wait::connection_state;
use super::reconcile::{id_from_arm, json_str, text_from_arm, text_to_arm};
use crate::arm::ArmClient;
use crate::protocol::timeouts::Timeouts;
use crate::protocol::{Context, CreateFailure, Diagnostics, IdentitySchema, Resource, Schema};

/// What a connection body says, reconciled with the prior values.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionFields {
    pub network_manager_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: String,
}

pub fn to_arm_body(network_manager_id: Option<&str>, description: Option<&str>) -> Json {
    json!({
        "properties": {
            "networkManagerId": network_manager_id.unwrap_or_default(),
            "description": text_to_arm(description),
        }
    })
}

pub fn from_arm_body(
    body: &Json,
    prior_network_manager_id: Option<&str>,
    prior_description: Option<&str>,
) -> ConnectionFields {
    ConnectionFields {
        network_manager_id: json_str(body, "/properties/networkManagerId")
            .map(|arm| id_from_arm(arm, prior_network_manager_id))
            .or_else(|| prior_network_manager_id.map(str::to_string)),
        description: text_from_arm(json_str(body, "/properties/description"), prior_description),
        connection_state: connection_state(body).to_string(),
    }
}

/// What one scope's connection resource says for itself; the rest is [`ManagerConnection`].
/// Implemented by the resource's state type, whose fields are the schema's attributes.
pub trait ConnectionScope: Serialize + DeserializeOwned + Send + Sync + 'static {
    const TYPE_NAME: &'static str;

    fn schema() -> Schema;
    /// The connection's ARM ID: `id` when known, else built from the scope and `name`.
    fn arm_id(&self) -> Result<String, Diagnostics>;
    /// The state an import ID stands for (`id`, `name` and the scope); `read` completes it.
    fn from_import_id(id: &str) -> Result<Self, Diagnostics>;
    /// The attributes every connection has, whatever its scope.
    fn common(&mut self) -> CommonAttributes<'_>;
}

/// The attributes of a connection state that do not depend on its scope, borrowed so that
/// the shared CRUD can read and set them.
pub struct CommonAttributes<'s> {
    pub id: &'s mut Option<String>,
    pub network_manager_id: &'s mut Option<String>,
    pub description: &'s mut Option<String>,
    pub connection_state: &'s mut Option<String>,
    pub timeouts: &'s mut Option<Timeouts>,
}

/// The network manager connection resource of scope `S`.
pub struct ManagerConnection<S>(PhantomData<fn() -> S>);

impl<S> ManagerConnection<S> {
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<S> Default for ManagerConnection<S> {
    fn default() -> Self {
        Self::new()
    }
}

/// `state` with what the connection body `body` says.
pub fn apply_body<S: ConnectionScope>(body: &Json, mut state: S) -> S {
    let common = state.common();
    let fields = from_arm_body(
        body,
        common.network_manager_id.as_deref(),
        common.description.as_deref(),
    );
    *common.network_manager_id = fields.network_manager_id;
    *common.description = fields.description;
    *common.connection_state = Some(fields.connection_state);
    state
}

fn body_of<S: ConnectionScope>(state: &mut S) -> Json {
    let common = state.common();
    to_arm_body(
        common.network_manager_id.as_deref(),
        common.description.as_deref(),
    )
}

#[async_trait]
impl<S: ConnectionScope> Resource<ArmClient> for ManagerConnection<S> {
    type State = S;

    fn type_name(&self) -> &'static str {
        S::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        S::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(attributes::identity("connection"))
    }

    async fn create(
        &self,
        ctx: &Context<ArmClient>,
        mut planned: S,
    ) -> Result<S, CreateFailure<S>> {
        let id = planned.arm_id()?;
        let call = ArmCall::new(&ctx.client, S::TYPE_NAME, ctx.deadline);
        call.ensure_absent(&id).await?;
        let body = call.put(&id, &body_of(&mut planned)).await?;
        *planned.common().id = Some(id);
        Ok(apply_body(&body, planned))
    }

    async fn read(&self, ctx: &Context<ArmClient>, current: S) -> Result<Option<S>, Diagnostics> {
        let id = current.arm_id()?;
        let body = ArmCall::new(&ctx.client, S::TYPE_NAME, ctx.deadline)
            .get(&id)
            .await?;
        Ok(body.map(|b| apply_body(&b, current)))
    }

    async fn update(
        &self,
        ctx: &Context<ArmClient>,
        mut prior: S,
        mut planned: S,
    ) -> Result<S, Diagnostics> {
        if *prior.common().description == *planned.common().description {
            // Only `timeouts` changed (e.g. after an import): nothing to tell ARM.
            *prior.common().timeouts = planned.common().timeouts.take();
            return Ok(prior);
        }
        let id = planned.arm_id()?;
        let body = ArmCall::new(&ctx.client, S::TYPE_NAME, ctx.deadline)
            .put(&id, &body_of(&mut planned))
            .await?;
        Ok(apply_body(&body, planned))
    }

    async fn delete(&self, ctx: &Context<ArmClient>, current: S) -> Result<(), Diagnostics> {
        let id = current.arm_id()?;
        ArmCall::new(&ctx.client, S::TYPE_NAME, ctx.deadline)
            .delete(&id)
            .await
    }

    async fn import(&self, _ctx: &Context<ArmClient>, id: &str) -> Result<S, Diagnostics> {
        S::from_import_id(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NM: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm";

    #[test]
    fn round_trip_keeps_spelling_and_clears_description() {
        let body = to_arm_body(Some(NM), None);
        assert_eq!(body["properties"]["description"], "");
        let arm = json!({"properties": {"networkManagerId": NM.to_lowercase(), "description": "",
                                         "connectionState": "Connected"}});
        let fields = from_arm_body(&arm, Some(NM), None);
        assert_eq!(fields.network_manager_id.as_deref(), Some(NM));
        assert_eq!(fields.description, None);
        assert_eq!(fields.connection_state, "Connected");
    }

    #[test]
    fn import_reads_everything_from_arm() {
        let arm = json!({"properties": {"networkManagerId": NM, "description": "d"}});
        let fields = from_arm_body(&arm, None, None);
        assert_eq!(fields.network_manager_id.as_deref(), Some(NM));
        assert_eq!(fields.description.as_deref(), Some("d"));
        assert_eq!(fields.connection_state, "Pending");
    }
}
