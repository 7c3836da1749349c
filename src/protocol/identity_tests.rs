//! Resource identity (protocol 6.9) and ListResource (6.10) through the RPC dispatch, with a
//! small in-memory provider whose `test_gadget` declares an identity and can be listed.

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tonic::Request;

use super::erased::{ErasedDataSource, ErasedResource};
use super::resource::{
    Context, CreateFailure, ListResource, Listed, Provider, Resource, TerraformInfo,
};
use super::schema::{Attribute, Block, IdentitySchema, Schema, Validator};
use super::server::ProviderService;
use super::{Diagnostics, erase_listable_resource, erase_resource};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as ProviderRpc;
use crate::value::{Type, Value, msgpack};

/// The remote objects: gadget names.
struct Inventory {
    names: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct GadgetState {
    id: Option<String>,
    name: Option<String>,
    colour: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct GadgetListConfig {
    prefix: Option<String>,
}

/// A resource with an identity (`id`, which is also the import ID) that can be listed.
struct Gadget;

#[async_trait]
impl Resource<Inventory> for Gadget {
    type State = GadgetState;
    fn type_name(&self) -> &'static str {
        "test_gadget"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::computed("id", Type::String),
                    Attribute::required("name", Type::String).requires_replace(),
                    Attribute::optional_computed("colour", Type::String),
                ],
                ..Block::default()
            },
        }
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::single_id("id", "The gadget's ID."))
    }
    async fn create(
        &self,
        _ctx: &Context<Inventory>,
        planned: GadgetState,
    ) -> Result<GadgetState, CreateFailure<GadgetState>> {
        Ok(GadgetState {
            id: Some(format!("g/{}", planned.name.clone().unwrap_or_default())),
            colour: Some("red".into()),
            ..planned
        })
    }
    async fn read(
        &self,
        ctx: &Context<Inventory>,
        current: GadgetState,
    ) -> Result<Option<GadgetState>, Diagnostics> {
        let exists = ctx
            .client
            .names
            .iter()
            .any(|n| Some(n) == current.name.as_ref());
        Ok(exists.then_some(current))
    }
    async fn update(
        &self,
        _ctx: &Context<Inventory>,
        _prior: GadgetState,
        planned: GadgetState,
    ) -> Result<GadgetState, Diagnostics> {
        Ok(planned)
    }
    async fn delete(
        &self,
        _ctx: &Context<Inventory>,
        _current: GadgetState,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn import(
        &self,
        _ctx: &Context<Inventory>,
        id: &str,
    ) -> Result<GadgetState, Diagnostics> {
        Ok(GadgetState {
            id: Some(id.to_string()),
            name: id.strip_prefix("g/").map(str::to_string),
            colour: None,
        })
    }
}

#[async_trait]
impl ListResource<Inventory> for Gadget {
    type ListConfig = GadgetListConfig;
    fn list_config_schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::optional("prefix", Type::String).validate(
                    Validator::string("lower case", |s| {
                        if s.chars().all(|c| c.is_ascii_lowercase()) {
                            Ok(())
                        } else {
                            Err("must be lower case".into())
                        }
                    }),
                )],
                ..Block::default()
            },
        }
    }
    async fn list(
        &self,
        ctx: &Context<Inventory>,
        config: GadgetListConfig,
        _limit: usize,
    ) -> Result<Vec<Listed<GadgetState>>, Diagnostics> {
        let prefix = config.prefix.unwrap_or_default();
        Ok(ctx
            .client
            .names
            .iter()
            .filter(|n| n.starts_with(&prefix))
            .map(|n| Listed {
                display_name: n.to_uppercase(),
                state: GadgetState {
                    id: Some(format!("g/{n}")),
                    name: Some(n.clone()),
                    colour: Some("red".into()),
                },
            })
            .collect())
    }
}

/// A resource without identity, to show that nothing changes for it.
struct Plain;

#[async_trait]
impl Resource<Inventory> for Plain {
    type State = GadgetState;
    fn type_name(&self) -> &'static str {
        "test_plain"
    }
    fn schema(&self) -> Schema {
        Gadget.schema()
    }
    async fn create(
        &self,
        ctx: &Context<Inventory>,
        planned: GadgetState,
    ) -> Result<GadgetState, CreateFailure<GadgetState>> {
        Gadget.create(ctx, planned).await
    }
    async fn read(
        &self,
        ctx: &Context<Inventory>,
        current: GadgetState,
    ) -> Result<Option<GadgetState>, Diagnostics> {
        Gadget.read(ctx, current).await
    }
    async fn update(
        &self,
        ctx: &Context<Inventory>,
        prior: GadgetState,
        planned: GadgetState,
    ) -> Result<GadgetState, Diagnostics> {
        Gadget.update(ctx, prior, planned).await
    }
    async fn delete(
        &self,
        _ctx: &Context<Inventory>,
        _current: GadgetState,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn import(&self, ctx: &Context<Inventory>, id: &str) -> Result<GadgetState, Diagnostics> {
        Gadget.import(ctx, id).await
    }
}

struct GadgetProvider;

#[async_trait]
impl Provider for GadgetProvider {
    type Client = Inventory;
    fn type_name(&self) -> &'static str {
        "test"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block::default(),
        }
    }
    async fn configure(
        &self,
        _config: &Value,
        _terraform: &TerraformInfo,
    ) -> Result<Inventory, Diagnostics> {
        Ok(Inventory {
            names: ["apple", "apricot", "banana"].map(String::from).to_vec(),
        })
    }
    fn resources(&self) -> Vec<Arc<dyn ErasedResource<Inventory>>> {
        vec![erase_listable_resource(Gadget), erase_resource(Plain)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn ErasedDataSource<Inventory>>> {
        Vec::new()
    }
}

fn gadget_type() -> Type {
    Gadget.schema().block.value_type()
}

fn identity_type() -> Type {
    Type::object([("id", Type::String)])
}

fn config_type() -> Type {
    Gadget.list_config_schema().block.value_type()
}

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).expect("test value fits its type"),
        json: vec![],
    })
}

fn identity(id: &str) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: dynamic(&obj(vec![("id", Value::string(id))]), &identity_type()),
    })
}

/// The `id` of an identity the provider sent, `None` when it sent none.
fn identity_id(identity: Option<pb::ResourceIdentityData>) -> Option<String> {
    let data = identity?.identity_data?;
    let value = msgpack::decode(&data.msgpack, &identity_type()).expect("identity msgpack");
    value
        .get_attr("id")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn decode(value: Option<pb::DynamicValue>, ty: &Type) -> Value {
    msgpack::decode(&value.expect("a value").msgpack, ty).expect("valid msgpack")
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn gadget(id: Option<&str>, name: &str) -> Value {
    obj(vec![
        ("id", id.map(Value::string).unwrap_or(Value::Null)),
        ("name", Value::string(name)),
        ("colour", Value::string("red")),
    ])
}

async fn configured() -> ProviderService<GadgetProvider> {
    let service = ProviderService::new(GadgetProvider);
    let response = service
        .configure_provider(Request::new(pb::configure_provider::Request {
            terraform_version: "1.15.0".into(),
            config: dynamic(&obj(vec![]), &Type::object::<_, String>([])),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    service
}

async fn plan(
    service: &ProviderService<GadgetProvider>,
    type_name: &str,
    prior: &Value,
    proposed: &Value,
    prior_identity: Option<pb::ResourceIdentityData>,
) -> pb::plan_resource_change::Response {
    let ty = gadget_type();
    let response = service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: type_name.into(),
            prior_state: dynamic(prior, &ty),
            proposed_new_state: dynamic(proposed, &ty),
            config: dynamic(proposed, &ty),
            prior_private: vec![],
            provider_meta: None,
            client_capabilities: None,
            prior_identity,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    response
}

async fn apply(
    service: &ProviderService<GadgetProvider>,
    type_name: &str,
    prior: &Value,
    planned: &Value,
) -> pb::apply_resource_change::Response {
    let ty = gadget_type();
    let response = service
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: type_name.into(),
            prior_state: dynamic(prior, &ty),
            planned_state: dynamic(planned, &ty),
            config: dynamic(planned, &ty),
            planned_private: vec![],
            provider_meta: None,
            planned_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    response
}

async fn read(
    service: &ProviderService<GadgetProvider>,
    type_name: &str,
    current: &Value,
) -> pb::read_resource::Response {
    let response = service
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: type_name.into(),
            current_state: dynamic(current, &gadget_type()),
            private: vec![],
            provider_meta: None,
            client_capabilities: None,
            current_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    response
}

async fn list(
    service: &ProviderService<GadgetProvider>,
    type_name: &str,
    config: Option<&Value>,
    include_resource_object: bool,
    limit: i64,
) -> Vec<pb::list_resource::Event> {
    let stream = service
        .list_resource(Request::new(pb::list_resource::Request {
            type_name: type_name.into(),
            config: config.and_then(|c| dynamic(c, &config_type())),
            include_resource_object,
            limit,
        }))
        .await
        .unwrap()
        .into_inner();
    stream
        .map(|event| event.expect("an event, not a status"))
        .collect()
        .await
}

#[tokio::test]
async fn identity_schemas_are_served_for_resources_that_declare_one() {
    let service = ProviderService::new(GadgetProvider);
    let schemas = service
        .get_resource_identity_schemas(Request::new(pb::get_resource_identity_schemas::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        schemas.identity_schemas.keys().collect::<Vec<_>>(),
        ["test_gadget"]
    );
    let schema = &schemas.identity_schemas["test_gadget"];
    assert_eq!(schema.version, 0);
    assert_eq!(schema.identity_attributes.len(), 1);
    let id = &schema.identity_attributes[0];
    assert_eq!(id.name, "id");
    assert_eq!(id.r#type, b"\"string\"");
    assert!(id.required_for_import && !id.optional_for_import);
}

#[tokio::test]
async fn list_resources_appear_in_schema_and_metadata() {
    let service = ProviderService::new(GadgetProvider);
    let schema = service
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        schema.list_resource_schemas.keys().collect::<Vec<_>>(),
        ["test_gadget"]
    );
    let config = schema.list_resource_schemas["test_gadget"]
        .block
        .as_ref()
        .unwrap();
    assert_eq!(config.attributes[0].name, "prefix");
    let metadata = service
        .get_metadata(Request::new(pb::get_metadata::Request {}))
        .await
        .unwrap()
        .into_inner();
    let listed: Vec<&str> = metadata
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    assert_eq!(listed, ["test_gadget"]);
}

#[tokio::test]
async fn identity_follows_the_object_through_plan_apply_and_read() {
    let service = configured().await;
    let config = obj(vec![
        ("id", Value::Null),
        ("name", Value::string("apple")),
        ("colour", Value::Null),
    ]);
    // A create's identity is unknown until apply: none is planned.
    let planned = plan(&service, "test_gadget", &Value::Null, &config, None).await;
    assert_eq!(identity_id(planned.planned_identity), None);
    let planned_state = decode(planned.planned_state, &gadget_type());
    let created = apply(&service, "test_gadget", &Value::Null, &planned_state).await;
    assert_eq!(
        identity_id(created.new_identity).as_deref(),
        Some("g/apple")
    );

    let state = gadget(Some("g/apple"), "apple");
    let refreshed = read(&service, "test_gadget", &state).await;
    assert_eq!(
        identity_id(refreshed.new_identity).as_deref(),
        Some("g/apple")
    );
    let gone = read(&service, "test_gadget", &gadget(Some("g/pear"), "pear")).await;
    assert_eq!(
        identity_id(gone.new_identity),
        None,
        "no identity for a vanished object"
    );

    // An update plans the known identity; a destroy keeps the prior one.
    let update = plan(&service, "test_gadget", &state, &state, None).await;
    assert_eq!(
        identity_id(update.planned_identity).as_deref(),
        Some("g/apple")
    );
    let destroy = plan(
        &service,
        "test_gadget",
        &state,
        &Value::Null,
        identity("g/apple"),
    )
    .await;
    assert_eq!(
        identity_id(destroy.planned_identity).as_deref(),
        Some("g/apple")
    );
    let deleted = apply(&service, "test_gadget", &state, &Value::Null).await;
    assert_eq!(identity_id(deleted.new_identity), None);

    // A resource without identity never sends one.
    let plain = read(&service, "test_plain", &state).await;
    assert!(plain.new_identity.is_none());
    let plain = apply(&service, "test_plain", &Value::Null, &planned_state).await;
    assert!(plain.new_identity.is_none());
}

#[tokio::test]
async fn import_by_identity_imports_the_identity_id() {
    let service = configured().await;
    let import = |type_name: &str, id: &str, identity: Option<pb::ResourceIdentityData>| {
        service.import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: type_name.into(),
            id: id.into(),
            client_capabilities: None,
            identity,
        }))
    };
    let by_identity = import("test_gadget", "", identity("g/banana"))
        .await
        .unwrap()
        .into_inner();
    assert!(
        by_identity.diagnostics.is_empty(),
        "{:?}",
        by_identity.diagnostics
    );
    let imported = by_identity
        .imported_resources
        .into_iter()
        .next()
        .expect("one resource");
    let state = decode(imported.state, &gadget_type());
    assert_eq!(state.get_attr("name"), Some(&Value::string("banana")));
    assert_eq!(identity_id(imported.identity).as_deref(), Some("g/banana"));

    let by_id = import("test_gadget", "g/apple", None)
        .await
        .unwrap()
        .into_inner();
    let imported = by_id
        .imported_resources
        .into_iter()
        .next()
        .expect("one resource");
    assert_eq!(identity_id(imported.identity).as_deref(), Some("g/apple"));

    let plain = import("test_plain", "", identity("g/apple"))
        .await
        .unwrap()
        .into_inner();
    assert!(plain.imported_resources.is_empty());
    assert!(
        plain.diagnostics[0]
            .summary
            .contains("Import by identity not supported")
    );
}

#[tokio::test]
async fn list_streams_identities_and_states_on_request_up_to_the_limit() {
    let service = configured().await;
    let config = obj(vec![("prefix", Value::string("ap"))]);
    let events = list(&service, "test_gadget", Some(&config), true, 100).await;
    let names: Vec<&str> = events.iter().map(|e| e.display_name.as_str()).collect();
    assert_eq!(names, ["APPLE", "APRICOT"]);
    for event in &events {
        assert!(event.diagnostic.is_empty());
        let id = identity_id(event.identity.clone()).expect("identity");
        let state = decode(event.resource_object.clone(), &gadget_type());
        assert_eq!(state.get_attr("id"), Some(&Value::string(id)));
    }

    let without_state = list(&service, "test_gadget", Some(&config), false, 100).await;
    assert_eq!(without_state.len(), 2);
    assert!(without_state.iter().all(|e| e.resource_object.is_none()));

    // A `list` block without `config` lists everything; the limit cuts the stream.
    assert_eq!(
        list(&service, "test_gadget", None, false, 100).await.len(),
        3
    );
    assert_eq!(list(&service, "test_gadget", None, false, 2).await.len(), 2);

    let unknown = list(&service, "test_plain", None, false, 100).await;
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].identity.is_none());
    assert!(
        unknown[0].diagnostic[0]
            .summary
            .contains("Unknown list resource type")
    );
}

#[tokio::test]
async fn list_config_is_validated_against_its_schema() {
    let service = ProviderService::new(GadgetProvider);
    let validate = |config: Value| {
        service.validate_list_resource_config(Request::new(
            pb::validate_list_resource_config::Request {
                type_name: "test_gadget".into(),
                config: dynamic(&config, &config_type()),
                include_resource_object: None,
                limit: None,
            },
        ))
    };
    let good = validate(obj(vec![("prefix", Value::string("ap"))]))
        .await
        .unwrap()
        .into_inner();
    assert!(good.diagnostics.is_empty(), "{:?}", good.diagnostics);
    let bad = validate(obj(vec![("prefix", Value::string("AP"))]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bad.diagnostics.len(), 1);
    assert!(
        bad.diagnostics[0].detail.contains("lower case"),
        "{:?}",
        bad.diagnostics
    );
    assert!(
        bad.diagnostics[0].attribute.is_some(),
        "the attribute is named"
    );
}

#[tokio::test]
async fn identity_upgrade_returns_the_current_version_and_rejects_others() {
    let service = ProviderService::new(GadgetProvider);
    let upgrade = |version: i64| {
        service.upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: "test_gadget".into(),
            version,
            raw_identity: Some(pb::RawState {
                json: br#"{"id":"g/apple"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        }))
    };
    let current = upgrade(0).await.unwrap().into_inner();
    assert!(current.diagnostics.is_empty(), "{:?}", current.diagnostics);
    assert_eq!(
        identity_id(current.upgraded_identity).as_deref(),
        Some("g/apple")
    );
    let newer = upgrade(1).await.unwrap().into_inner();
    assert!(newer.upgraded_identity.is_none());
    assert!(newer.diagnostics[0].summary.contains("identity version"));
}
