//! `avnm_scope_connection`: the central tenant's half of a cross-tenant link
//! (`Microsoft.Network/networkManagers/scopeConnections`): the manager asks to manage a
//! subscription or management group of another tenant. Pending until that tenant creates
//! its half (`avnm_subscription_connection` / `avnm_management_group_connection`).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::arm_ops::{self, ArmCall};
use super::attributes;
use super::connection_wait::{connection_state, wait_until_connected};
use super::listing;
use super::member_tenant::Unconnected;
use super::reconcile::{id_from_arm, json_str, text_from_arm, text_to_arm};
use super::validators;
use crate::arm::ArmClient;
use crate::arm::id::{NetworkManagerId, ScopeConnectionId};
use crate::protocol::timeouts::{Timeouts, timeouts_block};
use crate::protocol::{
    Attribute, Block, Context, CreateFailure, Diagnostics, IdentitySchema, ListResource, Listed,
    Resource, Schema,
};
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_scope_connection";

pub struct ScopeConnection;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeConnectionState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub network_manager_id: Option<String>,
    pub tenant_id: Option<String>,
    pub target_scope_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: Option<String>,
    pub wait_for_connected: Option<bool>,
    pub timeouts: Option<Timeouts>,
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "A scope connection: the central tenant's request to manage a subscription or management group of another tenant. It becomes Connected when that tenant creates a network manager connection back to the manager.".into(),
            attributes: vec![
                attributes::id("scope connection"),
                attributes::name("scope connection"),
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of the network manager. Changing it creates a new connection.")
                    .requires_replace()
                    .validate(validators::network_manager_id()),
                Attribute::required("tenant_id", Type::String)
                    .description("The ID of the tenant the target scope belongs to. Changing it creates a new connection.")
                    .requires_replace()
                    .validate(validators::guid()),
                Attribute::required("target_scope_id", Type::String)
                    .description("The subscription (`/subscriptions/<guid>`) or management group (`/providers/Microsoft.Management/managementGroups/<name>`) to manage. Changing it creates a new connection.")
                    .requires_replace()
                    .validate(validators::subscription_or_management_group_id()),
                attributes::description(),
                attributes::connection_state(),
                Attribute::optional("wait_for_connected", Type::Bool)
                    .description("When true, create and update wait (within their timeouts) until the connection is Connected, so that resources depending on it see a connected scope. Default false."),
            ],
            blocks: vec![timeouts_block()],
            deprecated: false,
        },
    }
}

fn to_arm_body(s: &ScopeConnectionState) -> Json {
    json!({
        "properties": {
            "tenantId": s.tenant_id.clone().unwrap_or_default(),
            "resourceId": s.target_scope_id.clone().unwrap_or_default(),
            "description": text_to_arm(s.description.as_deref()),
        }
    })
}

fn from_arm_body(body: &Json, prior: &ScopeConnectionState) -> ScopeConnectionState {
    let prior_or = |pointer: &str, prior: &Option<String>| {
        json_str(body, pointer)
            .map(|arm| id_from_arm(arm, prior.as_deref()))
            .or_else(|| prior.clone())
    };
    ScopeConnectionState {
        id: prior.id.clone(),
        name: prior.name.clone(),
        network_manager_id: prior.network_manager_id.clone(),
        tenant_id: prior_or("/properties/tenantId", &prior.tenant_id),
        target_scope_id: prior_or("/properties/resourceId", &prior.target_scope_id),
        description: text_from_arm(
            json_str(body, "/properties/description"),
            prior.description.as_deref(),
        ),
        connection_state: Some(connection_state(body).to_string()),
        wait_for_connected: prior.wait_for_connected,
        timeouts: prior.timeouts.clone(),
    }
}

fn id_of(s: &ScopeConnectionState) -> Result<ScopeConnectionId, Diagnostics> {
    if s.id.is_some() {
        return arm_ops::parse_attr(&s.id, "id", ScopeConnectionId::parse);
    }
    let manager = arm_ops::parse_attr(
        &s.network_manager_id,
        "network_manager_id",
        NetworkManagerId::parse,
    )?;
    Ok(ScopeConnectionId::new(
        &manager,
        arm_ops::required(&s.name, "name")?,
    ))
}

/// Waits for Connected when asked to; the error explains which half is missing.
async fn settle(
    ctx: &Context<ArmClient>,
    call: &ArmCall,
    id: &ScopeConnectionId,
    body: Json,
    state: &ScopeConnectionState,
) -> Result<Json, (Json, Diagnostics)> {
    if state.wait_for_connected != Some(true) {
        return Ok(body);
    }
    wait_until_connected(call, id.as_str(), body, ctx.deadline)
        .await
        .map_err(|(body, why)| {
            let unconnected = Unconnected {
                connection_name: id.name().to_string(),
                tenant_id: state.tenant_id.clone().unwrap_or_default(),
                scope_id: state.target_scope_id.clone().unwrap_or_default(),
                state: connection_state(&body).to_string(),
            };
            let diagnostics = Diagnostics::error(
                "Scope connection not Connected",
                format!(
                    "wait_for_connected is set and {}. The {}",
                    why.describe(),
                    unconnected.explain(id.parent().as_str())
                ),
            );
            (body, diagnostics)
        })
}

#[async_trait]
impl Resource<ArmClient> for ScopeConnection {
    type State = ScopeConnectionState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(attributes::identity("scope connection"))
    }

    async fn create(
        &self,
        ctx: &Context<ArmClient>,
        planned: ScopeConnectionState,
    ) -> Result<ScopeConnectionState, CreateFailure<ScopeConnectionState>> {
        let id = id_of(&planned)?;
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        call.ensure_absent(id.as_str()).await?;
        let body = call.put(id.as_str(), &to_arm_body(&planned)).await?;
        let prior = ScopeConnectionState {
            id: Some(id.to_string()),
            ..planned
        };
        match settle(ctx, &call, &id, body, &prior).await {
            Ok(body) => Ok(from_arm_body(&body, &prior)),
            // The connection exists: hand it to Terraform (tainted) rather than orphan it.
            Err((body, diagnostics)) => Err(CreateFailure {
                diagnostics,
                partial_state: Some(from_arm_body(&body, &prior)),
            }),
        }
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        current: ScopeConnectionState,
    ) -> Result<Option<ScopeConnectionState>, Diagnostics> {
        let id = id_of(&current)?;
        let body = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .get(id.as_str())
            .await?;
        Ok(body.map(|b| from_arm_body(&b, &current)))
    }

    async fn update(
        &self,
        ctx: &Context<ArmClient>,
        prior: ScopeConnectionState,
        planned: ScopeConnectionState,
    ) -> Result<ScopeConnectionState, Diagnostics> {
        if (&prior.description, prior.wait_for_connected)
            == (&planned.description, planned.wait_for_connected)
        {
            // Only `timeouts` changed (e.g. after an import): nothing to tell ARM.
            return Ok(ScopeConnectionState {
                timeouts: planned.timeouts,
                ..prior
            });
        }
        let id = id_of(&planned)?;
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        let body = call.put(id.as_str(), &to_arm_body(&planned)).await?;
        let body = settle(ctx, &call, &id, body, &planned)
            .await
            .map_err(|(_, d)| d)?;
        Ok(from_arm_body(&body, &planned))
    }

    async fn delete(
        &self,
        ctx: &Context<ArmClient>,
        current: ScopeConnectionState,
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
    ) -> Result<ScopeConnectionState, Diagnostics> {
        imported(id)
    }
}

/// What an import of `id` knows before the read: the ID and what it says.
fn imported(id: &str) -> Result<ScopeConnectionState, Diagnostics> {
    let parsed = ScopeConnectionId::parse(id).map_err(|e| arm_ops::import_error(id, e))?;
    Ok(ScopeConnectionState {
        id: Some(id.to_string()),
        name: Some(parsed.name().to_string()),
        network_manager_id: Some(parsed.parent().to_string()),
        ..Default::default()
    })
}

/// The `config` block of `list "avnm_scope_connection"`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScopeConnectionListConfig {
    pub network_manager_id: Option<String>,
}

/// `terraform query`: the scope connections of one network manager.
#[async_trait]
impl ListResource<ArmClient> for ScopeConnection {
    type ListConfig = ScopeConnectionListConfig;

    fn list_config_schema(&self) -> Schema {
        listing::config_schema(
            "Lists the scope connections of a network manager.",
            vec![
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of the network manager whose scope connections to list.")
                    .validate(validators::network_manager_id()),
            ],
        )
    }

    async fn list(
        &self,
        ctx: &Context<ArmClient>,
        config: ScopeConnectionListConfig,
        _limit: usize,
    ) -> Result<Vec<Listed<ScopeConnectionState>>, Diagnostics> {
        let manager = arm_ops::parse_attr(
            &config.network_manager_id,
            "network_manager_id",
            NetworkManagerId::parse,
        )?;
        let items = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .list(&format!("{}/scopeConnections", manager.as_str()))
            .await?;
        listing::listed(TYPE_NAME, &items, imported, from_arm_body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000002";
    const TENANT: &str = "22222222-2222-2222-2222-222222222222";

    fn planned() -> ScopeConnectionState {
        ScopeConnectionState {
            tenant_id: Some(TENANT.into()),
            target_scope_id: Some(SUB.into()),
            ..Default::default()
        }
    }

    #[test]
    fn body_names_tenant_scope_and_clears_description() {
        assert_eq!(
            to_arm_body(&planned()),
            json!({"properties": {"tenantId": TENANT, "resourceId": SUB, "description": ""}})
        );
    }

    #[test]
    fn arm_spelling_of_the_scope_keeps_the_configured_one() {
        // ARM's examples answer `subscriptions/<guid>` without the leading slash.
        let body = json!({"properties": {"tenantId": TENANT.to_uppercase(), "resourceId": &SUB[1..],
                                          "description": "", "connectionState": "Pending"}});
        let s = from_arm_body(&body, &planned());
        assert_eq!(s.target_scope_id.as_deref(), Some(SUB));
        assert_eq!(s.tenant_id.as_deref(), Some(TENANT));
        assert_eq!(s.description, None);
        assert_eq!(s.connection_state.as_deref(), Some("Pending"));
    }

    #[test]
    fn connection_state_is_read_and_never_configured() {
        let attribute = attributes::connection_state();
        assert!(attribute.is_computed());
        assert_eq!(
            attribute.mode,
            crate::protocol::schema::AttributeMode::Computed
        );
        let body = json!({"properties": {"connectionState": "Connected"}});
        assert_eq!(
            from_arm_body(&body, &planned()).connection_state.as_deref(),
            Some("Connected")
        );
    }
}
