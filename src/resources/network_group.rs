//! `avnm_network_group`: a network group of a network manager
//! (`Microsoft.Network/networkManagers/networkGroups`), the set static members join.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::arm_ops::{self, ArmCall};
use super::attributes;
use super::listing;
use super::reconcile::{id_from_arm, json_str, text_from_arm, text_to_arm};
use super::validators;
use crate::arm::ArmClient;
use crate::arm::id::{NetworkGroupId, NetworkManagerId};
use crate::protocol::timeouts::{Timeouts, timeouts_block};
use crate::protocol::{
    Attribute, Block, Context, CreateFailure, Diagnostics, IdentitySchema, ListResource, Listed,
    Resource, Schema, Validator,
};
use crate::value::Type;

pub const TYPE_NAME: &str = "avnm_network_group";

/// ARM's `memberType` values; a group holds one kind of member.
pub const MEMBER_TYPES: &[&str] = &["VirtualNetwork", "Subnet"];
pub const DEFAULT_MEMBER_TYPE: &str = "VirtualNetwork";

pub struct NetworkGroup;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkGroupState {
    pub id: Option<String>,
    pub name: Option<String>,
    pub network_manager_id: Option<String>,
    pub description: Option<String>,
    pub member_type: Option<String>,
    pub timeouts: Option<Timeouts>,
}

fn schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: "A network group of an Azure Virtual Network Manager: the virtual networks (or subnets) a configuration applies to.".into(),
            attributes: vec![
                attributes::id("network group"),
                attributes::name("network group"),
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of the network manager the group belongs to. Changing it creates a new one.")
                    .requires_replace()
                    .validate(validators::network_manager_id()),
                attributes::description(),
                Attribute::optional_computed("member_type", Type::String)
                    .description("The kind of members: `VirtualNetwork` (the default) or `Subnet`. Changing it creates a new group.")
                    .requires_replace()
                    .validate(Validator::one_of(MEMBER_TYPES)),
            ],
            blocks: vec![timeouts_block()],
            deprecated: false,
        },
    }
}

fn to_arm_body(s: &NetworkGroupState) -> Json {
    json!({
        "properties": {
            "description": text_to_arm(s.description.as_deref()),
            "memberType": s.member_type.as_deref().unwrap_or(DEFAULT_MEMBER_TYPE),
        }
    })
}

fn from_arm_body(body: &Json, prior: &NetworkGroupState) -> NetworkGroupState {
    let member_type = json_str(body, "/properties/memberType").unwrap_or(DEFAULT_MEMBER_TYPE);
    NetworkGroupState {
        id: prior.id.clone(),
        name: prior.name.clone(),
        network_manager_id: prior.network_manager_id.clone(),
        description: text_from_arm(
            json_str(body, "/properties/description"),
            prior.description.as_deref(),
        ),
        member_type: Some(id_from_arm(member_type, prior.member_type.as_deref())),
        timeouts: prior.timeouts.clone(),
    }
}

fn id_of(s: &NetworkGroupState) -> Result<NetworkGroupId, Diagnostics> {
    if s.id.is_some() {
        return arm_ops::parse_attr(&s.id, "id", NetworkGroupId::parse);
    }
    let manager = arm_ops::parse_attr(
        &s.network_manager_id,
        "network_manager_id",
        NetworkManagerId::parse,
    )?;
    Ok(NetworkGroupId::new(
        &manager,
        arm_ops::required(&s.name, "name")?,
    ))
}

#[async_trait]
impl Resource<ArmClient> for NetworkGroup {
    type State = NetworkGroupState;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(attributes::identity("network group"))
    }

    async fn create(
        &self,
        ctx: &Context<ArmClient>,
        planned: NetworkGroupState,
    ) -> Result<NetworkGroupState, CreateFailure<NetworkGroupState>> {
        let id = id_of(&planned)?.to_string();
        let call = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline);
        call.ensure_absent(&id).await?;
        let body = call.put(&id, &to_arm_body(&planned)).await?;
        Ok(from_arm_body(
            &body,
            &NetworkGroupState {
                id: Some(id),
                ..planned
            },
        ))
    }

    async fn read(
        &self,
        ctx: &Context<ArmClient>,
        current: NetworkGroupState,
    ) -> Result<Option<NetworkGroupState>, Diagnostics> {
        let id = id_of(&current)?.to_string();
        let body = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .get(&id)
            .await?;
        Ok(body.map(|b| from_arm_body(&b, &current)))
    }

    async fn update(
        &self,
        ctx: &Context<ArmClient>,
        prior: NetworkGroupState,
        planned: NetworkGroupState,
    ) -> Result<NetworkGroupState, Diagnostics> {
        if (&prior.description, &prior.member_type) == (&planned.description, &planned.member_type)
        {
            // Only `timeouts` changed (e.g. after an import): nothing to tell ARM.
            return Ok(NetworkGroupState {
                timeouts: planned.timeouts,
                ..prior
            });
        }
        let id = id_of(&planned)?.to_string();
        let body = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .put(&id, &to_arm_body(&planned))
            .await?;
        Ok(from_arm_body(&body, &planned))
    }

    async fn delete(
        &self,
        ctx: &Context<ArmClient>,
        current: NetworkGroupState,
    ) -> Result<(), Diagnostics> {
        let id = id_of(&current)?.to_string();
        ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .delete_forced(&id)
            .await
    }

    async fn import(
        &self,
        _ctx: &Context<ArmClient>,
        id: &str,
    ) -> Result<NetworkGroupState, Diagnostics> {
        imported(id)
    }
}

/// What an import of `id` knows before the read: the ID and what it says.
fn imported(id: &str) -> Result<NetworkGroupState, Diagnostics> {
    let parsed = NetworkGroupId::parse(id).map_err(|e| arm_ops::import_error(id, e))?;
    Ok(NetworkGroupState {
        id: Some(id.to_string()),
        name: Some(parsed.name().to_string()),
        network_manager_id: Some(parsed.parent().to_string()),
        ..Default::default()
    })
}

/// The `config` block of `list "avnm_network_group"`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NetworkGroupListConfig {
    pub network_manager_id: Option<String>,
}

/// `terraform query`: the network groups of one network manager.
#[async_trait]
impl ListResource<ArmClient> for NetworkGroup {
    type ListConfig = NetworkGroupListConfig;

    fn list_config_schema(&self) -> Schema {
        listing::config_schema(
            "Lists the network groups of a network manager.",
            vec![
                Attribute::required("network_manager_id", Type::String)
                    .description("The ID of the network manager whose network groups to list.")
                    .validate(validators::network_manager_id()),
            ],
        )
    }

    async fn list(
        &self,
        ctx: &Context<ArmClient>,
        config: NetworkGroupListConfig,
        _limit: usize,
    ) -> Result<Vec<Listed<NetworkGroupState>>, Diagnostics> {
        let manager = arm_ops::parse_attr(
            &config.network_manager_id,
            "network_manager_id",
            NetworkManagerId::parse,
        )?;
        let items = ArmCall::new(&ctx.client, TYPE_NAME, ctx.deadline)
            .list(&format!("{}/networkGroups", manager.as_str()))
            .await?;
        listing::listed(TYPE_NAME, &items, imported, from_arm_body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_carries_description_and_member_type() {
        let s = NetworkGroupState {
            member_type: Some("Subnet".into()),
            description: Some("d".into()),
            ..Default::default()
        };
        assert_eq!(
            to_arm_body(&s),
            json!({"properties": {"description": "d", "memberType": "Subnet"}})
        );
        let cleared = to_arm_body(&NetworkGroupState::default());
        assert_eq!(cleared["properties"]["description"], "");
        assert_eq!(cleared["properties"]["memberType"], "VirtualNetwork");
    }

    #[test]
    fn reading_back_keeps_null_description_and_defaults_member_type() {
        let prior = NetworkGroupState {
            id: Some("/x".into()),
            ..Default::default()
        };
        let s = from_arm_body(&json!({"properties": {"description": ""}}), &prior);
        assert_eq!(s.description, None);
        assert_eq!(s.member_type.as_deref(), Some("VirtualNetwork"));
        assert_eq!(s.id.as_deref(), Some("/x"));
        let changed = from_arm_body(
            &json!({"properties": {"description": "outside", "memberType": "subnet"}}),
            &NetworkGroupState {
                member_type: Some("Subnet".into()),
                ..prior
            },
        );
        assert_eq!(changed.description.as_deref(), Some("outside"));
        assert_eq!(changed.member_type.as_deref(), Some("Subnet"));
    }
}
