//! The RPC dispatch and the erased adapter, driven through the generated service trait with a
//! small in-memory provider: plan rules end to end, apply checks, timeouts, StopProvider,
//! partial creates, deferral on unknown provider configuration, state upgrade, import.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tonic::Request;

use super::erased::{ErasedDataSource, ErasedResource};
use super::resource::{Context, CreateFailure, DataSource, Provider, Resource, TerraformInfo};
use super::schema::{Attribute, Block, NestedBlock, NestingMode, Schema};
use super::server::ProviderService;
use super::timeouts::{Timeouts, timeouts_block};
use super::{Diagnostics, erase_data_source, erase_resource};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as ProviderRpc;
use crate::value::{Number, Type, Value, msgpack};

struct TestClient {
    region: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Label {
    key: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ThingState {
    id: Option<String>,
    name: Option<String>,
    size: Option<i64>,
    etag: Option<String>,
    tags: Option<Vec<String>>,
    label: Option<Vec<Label>>,
    timeouts: Option<Timeouts>,
}

/// Behaves according to its `name`: "slow" never finishes, "partial" fails half-way,
/// "drift" returns a size other than planned, "panic" panics.
struct Thing;

#[async_trait]
impl Resource<TestClient> for Thing {
    type State = ThingState;
    fn type_name(&self) -> &'static str {
        "test_thing"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 1,
            block: Block {
                attributes: vec![
                    Attribute::computed("id", Type::String),
                    Attribute::required("name", Type::String).requires_replace(),
                    Attribute::optional("size", Type::Number),
                    Attribute::computed("etag", Type::String).unknown_on_change(),
                    Attribute::optional("tags", Type::list(Type::String)),
                ],
                blocks: vec![
                    NestedBlock {
                        type_name: "label".into(),
                        nesting: NestingMode::List,
                        block: Block {
                            attributes: vec![Attribute::required("key", Type::String)],
                            ..Block::default()
                        },
                        min_items: 0,
                        max_items: 0,
                        requires_replace: false,
                    },
                    timeouts_block(),
                ],
                ..Block::default()
            },
        }
    }
    async fn create(
        &self,
        ctx: &Context<TestClient>,
        planned: ThingState,
    ) -> Result<ThingState, CreateFailure<ThingState>> {
        let name = planned.name.clone().unwrap_or_default();
        let created = ThingState {
            id: Some(format!("{}/{name}", ctx.client.region)),
            etag: Some("e1".into()),
            ..planned
        };
        match name.as_str() {
            "slow" => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(created)
            }
            "partial" => Err(CreateFailure {
                diagnostics: Diagnostics::error("half done", "the second step failed"),
                partial_state: Some(created),
            }),
            "drift" => Ok(ThingState {
                size: created.size.map(|s| s + 1),
                ..created
            }),
            "panic" => panic!("boom"),
            _ => Ok(created),
        }
    }
    async fn read(
        &self,
        _ctx: &Context<TestClient>,
        current: ThingState,
    ) -> Result<Option<ThingState>, Diagnostics> {
        Ok((current.name.as_deref() != Some("gone")).then_some(current))
    }
    async fn update(
        &self,
        _ctx: &Context<TestClient>,
        _prior: ThingState,
        planned: ThingState,
    ) -> Result<ThingState, Diagnostics> {
        Ok(ThingState {
            etag: Some("e2".into()),
            ..planned
        })
    }
    async fn delete(
        &self,
        _ctx: &Context<TestClient>,
        _current: ThingState,
    ) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn import(
        &self,
        _ctx: &Context<TestClient>,
        id: &str,
    ) -> Result<ThingState, Diagnostics> {
        Ok(ThingState {
            id: Some(id.to_string()),
            ..ThingState::default()
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RegionState {
    region: Option<String>,
}

struct Region;

#[async_trait]
impl DataSource<TestClient> for Region {
    type State = RegionState;
    fn type_name(&self) -> &'static str {
        "test_region"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::computed("region", Type::String)],
                ..Block::default()
            },
        }
    }
    async fn read(
        &self,
        ctx: &Context<TestClient>,
        _config: RegionState,
    ) -> Result<RegionState, Diagnostics> {
        Ok(RegionState {
            region: Some(ctx.client.region.clone()),
        })
    }
}

struct TestProvider;

#[async_trait]
impl Provider for TestProvider {
    type Client = TestClient;
    fn type_name(&self) -> &'static str {
        "test"
    }
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![Attribute::optional("region", Type::String)],
                ..Block::default()
            },
        }
    }
    async fn configure(
        &self,
        config: &Value,
        _terraform: &TerraformInfo,
    ) -> Result<TestClient, Diagnostics> {
        Ok(TestClient {
            region: config
                .get_attr("region")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string(),
        })
    }
    fn resources(&self) -> Vec<Arc<dyn ErasedResource<TestClient>>> {
        vec![erase_resource(Thing)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn ErasedDataSource<TestClient>>> {
        vec![erase_data_source(Region)]
    }
}

fn thing_type() -> Type {
    Thing.schema().block.value_type()
}

fn dynamic(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).expect("test value fits its type"),
        json: vec![],
    })
}

fn decode(value: Option<pb::DynamicValue>, ty: &Type) -> Value {
    msgpack::decode(&value.expect("a value").msgpack, ty).expect("valid msgpack")
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A `test_thing` config: `name`, `size`, optional `create` timeout.
fn thing_config(name: &str, size: i64, create_timeout: Option<&str>) -> Value {
    let timeouts = match create_timeout {
        Some(t) => obj(vec![
            ("create", Value::string(t)),
            ("read", Value::Null),
            ("update", Value::Null),
            ("delete", Value::Null),
        ]),
        None => Value::Null,
    };
    obj(vec![
        ("id", Value::Null),
        ("name", Value::string(name)),
        ("size", Value::Number(Number::from_i64(size))),
        ("etag", Value::Null),
        ("tags", Value::List(vec![])),
        ("label", Value::List(vec![])),
        ("timeouts", timeouts),
    ])
}

async fn configured(config: Value) -> ProviderService<TestProvider> {
    let service = ProviderService::new(TestProvider);
    let ty = TestProvider.schema().block.value_type();
    let response = service
        .configure_provider(Request::new(pb::configure_provider::Request {
            terraform_version: "1.15.0".into(),
            config: dynamic(&config, &ty),
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

async fn known_provider() -> ProviderService<TestProvider> {
    configured(obj(vec![("region", Value::string("westeurope"))])).await
}

/// The configuration behind a proposed state: computed-only attributes are never configured.
fn config_of(proposed: &Value) -> Value {
    let mut config = proposed.clone();
    if let Value::Object(m) = &mut config {
        m.insert("id".into(), Value::Null);
        m.insert("etag".into(), Value::Null);
    }
    config
}

async fn plan(
    service: &ProviderService<TestProvider>,
    prior: &Value,
    proposed: &Value,
    deferral_allowed: bool,
) -> pb::plan_resource_change::Response {
    let ty = thing_type();
    service
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dynamic(prior, &ty),
            proposed_new_state: dynamic(proposed, &ty),
            config: dynamic(&config_of(proposed), &ty),
            prior_private: b"private-bytes".to_vec(),
            provider_meta: None,
            client_capabilities: Some(pb::ClientCapabilities {
                deferral_allowed,
                write_only_attributes_allowed: false,
            }),
            prior_identity: None,
        }))
        .await
        .unwrap()
        .into_inner()
}

async fn apply(
    service: &ProviderService<TestProvider>,
    prior: &Value,
    planned: &Value,
) -> pb::apply_resource_change::Response {
    let ty = thing_type();
    service
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dynamic(prior, &ty),
            planned_state: dynamic(planned, &ty),
            config: dynamic(planned, &ty),
            planned_private: b"planned-private".to_vec(),
            provider_meta: None,
            planned_identity: None,
        }))
        .await
        .unwrap()
        .into_inner()
}

fn errors(diagnostics: &[pb::Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| format!("{} | {}", d.summary, d.detail))
        .collect()
}

/// Plans a create of `config` and returns the planned state.
async fn planned_create(service: &ProviderService<TestProvider>, config: &Value) -> Value {
    let response = plan(service, &Value::Null, config, false).await;
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    decode(response.planned_state, &thing_type())
}

#[tokio::test]
async fn create_plans_computed_unknown_and_applies_to_a_known_state() {
    let service = known_provider().await;
    let config = thing_config("a", 3, None);
    let response = plan(&service, &Value::Null, &config, false).await;
    assert_eq!(
        response.planned_private, b"private-bytes",
        "private state passes through"
    );
    assert!(response.requires_replace.is_empty());
    let planned = decode(response.planned_state, &thing_type());
    assert!(planned.get_attr("id").unwrap().is_unknown());
    assert!(planned.get_attr("etag").unwrap().is_unknown());
    assert_eq!(planned.get_attr("size"), config.get_attr("size"));

    let applied = apply(&service, &Value::Null, &planned).await;
    assert!(applied.diagnostics.is_empty(), "{:?}", applied.diagnostics);
    assert_eq!(applied.private, b"planned-private");
    let state = decode(applied.new_state, &thing_type());
    assert!(state.is_wholly_known());
    assert_eq!(state.get_attr("id"), Some(&Value::string("westeurope/a")));
    assert_eq!(
        state.get_attr("tags"),
        Some(&Value::List(vec![])),
        "empty list kept, not null"
    );
    assert_eq!(
        state.get_attr("label"),
        Some(&Value::List(vec![])),
        "list block never null"
    );

    // Updating `size` keeps the id, re-plans the etag, and does not replace.
    let mut proposed = state.clone();
    if let Value::Object(m) = &mut proposed {
        m.insert("size".into(), Value::Number(Number::from_i64(4)));
    }
    let update = plan(&service, &state, &proposed, false).await;
    assert!(update.requires_replace.is_empty());
    let planned = decode(update.planned_state, &thing_type());
    assert_eq!(planned.get_attr("id"), state.get_attr("id"));
    assert!(planned.get_attr("etag").unwrap().is_unknown());
    let updated = apply(&service, &state, &planned).await;
    assert!(updated.diagnostics.is_empty(), "{:?}", updated.diagnostics);
    let updated = decode(updated.new_state, &thing_type());
    assert_eq!(updated.get_attr("etag"), Some(&Value::string("e2")));

    // Renaming replaces.
    let mut renamed = state.clone();
    if let Value::Object(m) = &mut renamed {
        m.insert("name".into(), Value::string("b"));
    }
    let replace = plan(&service, &state, &renamed, false).await;
    assert_eq!(replace.requires_replace.len(), 1);

    // Destroy plans null and applies to null.
    let destroy = plan(&service, &state, &Value::Null, false).await;
    assert_eq!(decode(destroy.planned_state, &thing_type()), Value::Null);
    let deleted = apply(&service, &state, &Value::Null).await;
    assert!(deleted.diagnostics.is_empty());
    assert_eq!(decode(deleted.new_state, &thing_type()), Value::Null);
}

#[tokio::test]
async fn a_result_that_differs_from_the_plan_is_reported_as_a_provider_bug() {
    let service = known_provider().await;
    let planned = planned_create(&service, &thing_config("drift", 3, None)).await;
    let applied = apply(&service, &Value::Null, &planned).await;
    let errors = errors(&applied.diagnostics);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("differs from the plan"), "{errors:?}");
    assert!(errors[0].contains("size"), "{errors:?}");
    let path = applied.diagnostics[0]
        .attribute
        .as_ref()
        .expect("attribute path");
    assert_eq!(path.steps.len(), 1);
    // The state is still returned, so nothing that was created is lost.
    let state = decode(applied.new_state, &thing_type());
    assert_eq!(
        state.get_attr("id"),
        Some(&Value::string("westeurope/drift"))
    );
}

#[tokio::test]
async fn a_failed_create_returns_the_partial_state() {
    let service = known_provider().await;
    let planned = planned_create(&service, &thing_config("partial", 1, None)).await;
    let applied = apply(&service, &Value::Null, &planned).await;
    assert_eq!(
        errors(&applied.diagnostics),
        vec!["half done | the second step failed"]
    );
    let state = decode(applied.new_state, &thing_type());
    assert_eq!(
        state.get_attr("id"),
        Some(&Value::string("westeurope/partial"))
    );
}

#[tokio::test]
async fn operations_end_at_their_timeout() {
    let service = known_provider().await;
    let planned = planned_create(&service, &thing_config("slow", 1, Some("50ms"))).await;
    let applied = tokio::time::timeout(
        Duration::from_secs(10),
        apply(&service, &Value::Null, &planned),
    )
    .await
    .expect("the timeout block bounds the create");
    let errors = errors(&applied.diagnostics);
    assert!(
        errors[0].starts_with("Timed out: create of test_thing"),
        "{errors:?}"
    );
    assert_eq!(decode(applied.new_state, &thing_type()), Value::Null);
}

#[tokio::test]
async fn stop_provider_cancels_operations_in_flight() {
    let service = Arc::new(known_provider().await);
    let planned = planned_create(&service, &thing_config("slow", 1, None)).await;
    let running = {
        let service = service.clone();
        tokio::spawn(async move { apply(&service, &Value::Null, &planned).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    service
        .stop_provider(Request::new(pb::stop_provider::Request {}))
        .await
        .unwrap();
    let applied = tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("StopProvider ends the create")
        .unwrap();
    let errors = errors(&applied.diagnostics);
    assert!(
        errors[0].starts_with("Cancelled: create of test_thing"),
        "{errors:?}"
    );
    // Later operations run normally.
    let planned = planned_create(&service, &thing_config("after", 1, None)).await;
    assert!(
        apply(&service, &Value::Null, &planned)
            .await
            .diagnostics
            .is_empty()
    );
}

#[tokio::test]
async fn a_panicking_resource_becomes_a_diagnostic() {
    let service = known_provider().await;
    let planned = planned_create(&service, &thing_config("panic", 1, None)).await;
    let applied = apply(&service, &Value::Null, &planned).await;
    let errors = errors(&applied.diagnostics);
    assert!(
        errors[0].contains("crashed") && errors[0].contains("boom"),
        "{errors:?}"
    );
}

#[tokio::test]
async fn unknown_provider_configuration_defers_or_plans_without_the_client() {
    let service = configured(obj(vec![("region", Value::unknown())])).await;
    let config = thing_config("a", 1, None);

    let deferred = plan(&service, &Value::Null, &config, true).await;
    let reason = deferred.deferred.expect("deferred").reason;
    assert_eq!(reason, pb::deferred::Reason::ProviderConfigUnknown as i32);

    let planned_without_deferral = plan(&service, &Value::Null, &config, false).await;
    assert!(planned_without_deferral.deferred.is_none());
    assert!(planned_without_deferral.diagnostics.is_empty());
    let planned = decode(planned_without_deferral.planned_state, &thing_type());
    assert!(planned.get_attr("id").unwrap().is_unknown());

    let applied = apply(&service, &Value::Null, &planned).await;
    assert!(errors(&applied.diagnostics)[0].starts_with("Provider configuration is unknown"));

    let region_type = Region.schema().block.value_type();
    let read_data = |deferral_allowed| {
        service.read_data_source(Request::new(pb::read_data_source::Request {
            type_name: "test_region".into(),
            config: dynamic(&obj(vec![("region", Value::Null)]), &region_type),
            provider_meta: None,
            client_capabilities: Some(pb::ClientCapabilities {
                deferral_allowed,
                write_only_attributes_allowed: false,
            }),
        }))
    };
    let deferred = read_data(true).await.unwrap().into_inner();
    assert!(deferred.deferred.is_some() && deferred.diagnostics.is_empty());
    let refused = read_data(false).await.unwrap().into_inner();
    assert!(errors(&refused.diagnostics)[0].starts_with("Provider configuration is unknown"));

    // Refresh without a client leaves the state as it is.
    let state = obj(vec![
        ("id", Value::string("x")),
        ("name", Value::string("a")),
        ("size", Value::Null),
        ("etag", Value::string("e1")),
        ("tags", Value::Null),
        ("label", Value::List(vec![])),
        ("timeouts", Value::Null),
    ]);
    let read = service
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dynamic(&state, &thing_type()),
            private: b"p".to_vec(),
            provider_meta: None,
            client_capabilities: None,
            current_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty());
    assert_eq!(read.private, b"p");
    assert_eq!(decode(read.new_state, &thing_type()), state);
}

#[tokio::test]
async fn read_of_a_vanished_object_returns_null() {
    let service = known_provider().await;
    let state = obj(vec![
        ("id", Value::string("x")),
        ("name", Value::string("gone")),
        ("size", Value::Null),
        ("etag", Value::string("e1")),
        ("tags", Value::Null),
        ("label", Value::List(vec![])),
        ("timeouts", Value::Null),
    ]);
    let read = service
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dynamic(&state, &thing_type()),
            private: vec![],
            provider_meta: None,
            client_capabilities: None,
            current_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty());
    assert_eq!(decode(read.new_state, &thing_type()), Value::Null);
}

#[tokio::test]
async fn import_returns_exactly_one_resource() {
    let service = known_provider().await;
    let imported = service
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: "test_thing".into(),
            id: "westeurope/x".into(),
            client_capabilities: None,
            identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        imported.diagnostics
    );
    assert_eq!(imported.imported_resources.len(), 1);
    let resource = imported.imported_resources.into_iter().next().unwrap();
    assert_eq!(resource.type_name, "test_thing");
    let state = decode(resource.state, &thing_type());
    assert_eq!(state.get_attr("id"), Some(&Value::string("westeurope/x")));
    assert_eq!(state.get_attr("label"), Some(&Value::List(vec![])));
}

#[tokio::test]
async fn upgrade_tolerates_old_shapes_and_rejects_flatmap() {
    let service = known_provider().await;
    let upgrade = |version: i64, json: &[u8], flatmap: BTreeMap<String, String>| {
        service.upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version,
            raw_state: Some(pb::RawState {
                json: json.to_vec(),
                flatmap: flatmap.into_iter().collect(),
            }),
        }))
    };
    // Version 0 state without `label` and with an attribute that has since been removed.
    let old = upgrade(
        0,
        br#"{"id":"x","name":"a","size":12345678901234567890,"legacy":true}"#,
        BTreeMap::new(),
    )
    .await
    .unwrap()
    .into_inner();
    assert!(old.diagnostics.is_empty(), "{:?}", old.diagnostics);
    let state = decode(old.upgraded_state, &thing_type());
    assert_eq!(state.get_attr("id"), Some(&Value::string("x")));
    assert_eq!(
        state.get_attr("label"),
        Some(&Value::List(vec![])),
        "missing list block → empty"
    );
    assert_eq!(state.get_attr("etag"), Some(&Value::Null));
    let Some(Value::Number(size)) = state.get_attr("size") else {
        panic!("size")
    };
    assert_eq!(
        size.to_string(),
        "12345678901234567890",
        "numbers stay exact"
    );

    let flatmap = upgrade(
        0,
        b"",
        BTreeMap::from([("id".to_string(), "x".to_string())]),
    )
    .await
    .unwrap()
    .into_inner();
    assert!(errors(&flatmap.diagnostics)[0].contains("flatmap"));

    let garbage = upgrade(1, b"{not json", BTreeMap::new())
        .await
        .unwrap()
        .into_inner();
    assert!(errors(&garbage.diagnostics)[0].starts_with("Unreadable resource state"));
}

#[tokio::test]
async fn validation_runs_schema_validators_and_reports_paths() {
    let service = known_provider().await;
    let response = service
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "test_thing".into(),
            config: dynamic(&thing_config("a", 1, Some("soon")), &thing_type()),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    let errors = errors(&response.diagnostics);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("\"soon\" is not a duration"));
    let steps = &response.diagnostics[0].attribute.as_ref().unwrap().steps;
    assert_eq!(steps.len(), 2, "timeouts.create");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Whatever bytes arrive as values, every RPC answers (with diagnostics), never panics.
    #[test]
    fn arbitrary_bytes_never_crash_the_dispatch(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        json in proptest::prelude::any::<bool>(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let service = known_provider().await;
            let value = Some(if json {
                pb::DynamicValue { msgpack: vec![], json: bytes.clone() }
            } else {
                pb::DynamicValue { msgpack: bytes.clone(), json: vec![] }
            });
            let _ = service
                .validate_resource_config(Request::new(pb::validate_resource_config::Request {
                    type_name: "test_thing".into(),
                    config: value.clone(),
                    client_capabilities: None,
                }))
                .await
                .unwrap();
            let _ = service
                .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                    type_name: "test_thing".into(),
                    prior_state: value.clone(),
                    proposed_new_state: value.clone(),
                    config: value.clone(),
                    ..Default::default()
                }))
                .await
                .unwrap();
            let _ = service
                .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                    type_name: "test_thing".into(),
                    prior_state: value.clone(),
                    planned_state: value.clone(),
                    config: value.clone(),
                    ..Default::default()
                }))
                .await
                .unwrap();
            let _ = service
                .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
                    type_name: "test_thing".into(),
                    version: 1,
                    raw_state: Some(pb::RawState { json: bytes.clone(), flatmap: Default::default() }),
                }))
                .await
                .unwrap();
        });
    }
}

#[tokio::test]
async fn schema_lists_types_and_capabilities_and_nothing_unsupported() {
    let service = ProviderService::new(TestProvider);
    let schema = service
        .get_provider_schema(Request::new(pb::get_provider_schema::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    assert_eq!(
        schema.resource_schemas.keys().collect::<Vec<_>>(),
        ["test_thing"]
    );
    assert_eq!(schema.resource_schemas["test_thing"].version, 1);
    assert_eq!(
        schema.data_source_schemas.keys().collect::<Vec<_>>(),
        ["test_region"]
    );
    assert!(schema.functions.is_empty() && schema.ephemeral_resource_schemas.is_empty());
    assert!(schema.list_resource_schemas.is_empty() && schema.action_schemas.is_empty());
    assert!(schema.state_store_schemas.is_empty());
    let capabilities = schema.server_capabilities.unwrap();
    assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);
    assert!(!capabilities.move_resource_state);

    // RPCs the provider does not serve answer Unimplemented rather than failing otherwise.
    let functions = service
        .get_functions(Request::new(pb::get_functions::Request {}))
        .await;
    assert_eq!(functions.unwrap_err().code(), tonic::Code::Unimplemented);
}
