//! Turns a typed [`Resource`] / [`DataSource`] into its erased form.
//!
//! The adapter is where the protocol's common duties happen once: converting values to the
//! resource's state struct and back, bounding each operation by its timeout and by
//! StopProvider, and building the [`Context`] the resource sees.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};
use tokio::time::Instant;

use super::diagnostics::Diagnostics;
use super::erased::{Call, ErasedDataSource, ErasedLister, ErasedResource, ListedValue};
use super::resource::{
    Context, CreateFailure, DataSource, DefaultTimeouts, ListResource, Resource,
};
use super::schema::{Block, IdentitySchema, NestingMode, Schema};
use super::stop::Stopped;
use super::timeouts::parse_duration;
use super::validate::validate_block;
use crate::value::{AttributePath, Type, Value, typed};

/// Registers a typed resource with the provider: `vec![erase_resource(NetworkManager)]`.
pub fn erase_resource<C, R>(resource: R) -> Arc<dyn ErasedResource<C>>
where
    C: Send + Sync + 'static,
    R: Resource<C>,
{
    Arc::new(ErasedResourceAdapter::new(Arc::new(resource), None))
}

/// Registers a typed resource that `terraform query` can also list.
pub fn erase_listable_resource<C, R>(resource: R) -> Arc<dyn ErasedResource<C>>
where
    C: Send + Sync + 'static,
    R: ListResource<C>,
{
    let resource = Arc::new(resource);
    let config_schema = resource.list_config_schema();
    let lister = ListerAdapter {
        resource: resource.clone(),
        config_type: config_schema.block.value_type(),
        config_schema,
        schema: resource.schema(),
        value_type: resource.schema().block.value_type(),
    };
    Arc::new(ErasedResourceAdapter::new(resource, Some(Box::new(lister))))
}

/// Registers a typed data source with the provider.
pub fn erase_data_source<C, D>(data_source: D) -> Arc<dyn ErasedDataSource<C>>
where
    C: Send + Sync + 'static,
    D: DataSource<C>,
{
    let schema = data_source.schema();
    let value_type = schema.block.value_type();
    Arc::new(ErasedDataSourceAdapter {
        data_source,
        schema,
        value_type,
    })
}

struct ErasedResourceAdapter<C, R> {
    resource: Arc<R>,
    schema: Schema,
    value_type: Type,
    identity_schema: Option<IdentitySchema>,
    lister: Option<Box<dyn ErasedLister<C>>>,
}

impl<C: Send + Sync + 'static, R: Resource<C>> ErasedResourceAdapter<C, R> {
    fn new(resource: Arc<R>, lister: Option<Box<dyn ErasedLister<C>>>) -> Self {
        let schema = resource.schema();
        let value_type = schema.block.value_type();
        let identity_schema = resource.identity_schema();
        Self {
            resource,
            schema,
            value_type,
            identity_schema,
            lister,
        }
    }
}

/// The list side of a [`ListResource`], sharing the resource with its CRUD side.
struct ListerAdapter<R> {
    resource: Arc<R>,
    config_schema: Schema,
    config_type: Type,
    schema: Schema,
    value_type: Type,
}

struct ErasedDataSourceAdapter<D> {
    data_source: D,
    schema: Schema,
    value_type: Type,
}

#[derive(Debug, Clone, Copy)]
enum Operation {
    Create,
    Read,
    Update,
    Delete,
    Import,
    List,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Read => "read",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Import => "import",
            Operation::List => "list",
        }
    }
    fn default_limit(self, defaults: &DefaultTimeouts) -> Duration {
        match self {
            Operation::Create => defaults.create,
            Operation::Read | Operation::Import | Operation::List => defaults.read,
            Operation::Update => defaults.update,
            Operation::Delete => defaults.delete,
        }
    }
    /// The `timeouts` block attribute that bounds this operation.
    fn timeouts_key(self) -> &'static str {
        match self {
            Operation::Import | Operation::List => "read",
            other => other.name(),
        }
    }
}

/// The time limit of `op`: the `timeouts` block's value in `value` when set and valid
/// (the schema validator has reported invalid ones already), else the default.
fn time_limit(op: Operation, value: &Value, defaults: &DefaultTimeouts) -> Duration {
    value
        .get_attr("timeouts")
        .and_then(|t| t.get_attr(op.timeouts_key()))
        .and_then(Value::as_str)
        .and_then(|text| parse_duration(text).ok())
        .unwrap_or_else(|| op.default_limit(defaults))
        .min(LONGEST_LIMIT)
}

/// Absurd configured durations ("99999999h") are clamped so deadlines stay representable.
const LONGEST_LIMIT: Duration = Duration::from_secs(366 * 24 * 3600);

/// Runs `work` until it finishes, its time limit passes, or Terraform stops the provider.
async fn bounded<T, E: From<Diagnostics>>(
    type_name: &str,
    op: Operation,
    limit: Duration,
    stopped: &Stopped,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let mut stopped = stopped.clone();
    tokio::select! {
        result = work => result,
        _ = tokio::time::sleep(limit) => Err(Diagnostics::error(
            format!("Timed out: {} of {type_name}", op.name()),
            format!(
                "The {} operation did not finish within {}. Raise the limit with a `timeouts` block \
                 (for example `{} = \"1h\"`) if the remote API needs longer.",
                op.name(),
                describe(limit),
                op.timeouts_key(),
            ),
        ).into()),
        _ = stopped.wait() => Err(Diagnostics::error(
            format!("Cancelled: {} of {type_name}", op.name()),
            "Terraform asked the provider to stop (interrupt), so the operation was abandoned. \
             The remote object may be in an intermediate state; run `terraform plan` to see it.",
        ).into()),
    }
}

fn describe(limit: Duration) -> String {
    let secs = limit.as_secs();
    if secs >= 60 && secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{:.3}s", limit.as_secs_f64())
    }
}

fn context<C>(call: &Call<C>, limit: Duration) -> Context<C> {
    Context {
        client: call.client.clone(),
        deadline: Instant::now() + limit,
    }
}

fn to_state<S: DeserializeOwned>(type_name: &str, value: &Value) -> Result<S, Diagnostics> {
    typed::to_state::<S>(value).map_err(|e| {
        Diagnostics::error(
            format!("Provider bug: cannot read the {type_name} value"),
            format!("The value does not fit the resource's state structure: {e}. Please report this to the provider's developers."),
        )
    })
}

/// Converts a state struct back to a value of the schema's type, normalises nested blocks, and
/// keeps the `timeouts` block from `source` (it is configuration, not remote state).
fn from_state<S: Serialize>(
    type_name: &str,
    state: &S,
    schema: &Schema,
    value_type: &Type,
    source: &Value,
) -> Result<Value, Diagnostics> {
    let mut value = typed::from_state(state, value_type).map_err(|e| {
        Diagnostics::error(
            format!("Provider bug: cannot encode the {type_name} state"),
            format!("The resource returned a state that does not fit its schema: {e}. Please report this to the provider's developers."),
        )
    })?;
    normalise_blocks(&schema.block, &mut value);
    if schema
        .block
        .blocks
        .iter()
        .any(|b| b.type_name == "timeouts")
        && let (Value::Object(out), Some(timeouts)) = (&mut value, source.get_attr("timeouts"))
    {
        out.insert("timeouts".to_string(), timeouts.clone());
    }
    Ok(value)
}

/// Terraform never has null for LIST/SET/MAP nested blocks (absent = empty) nor for GROUP
/// blocks; a state struct's `None` for them becomes the empty form.
pub fn normalise_blocks(block: &Block, value: &mut Value) {
    let Value::Object(attrs) = value else {
        return;
    };
    for nested in &block.blocks {
        let Some(v) = attrs.get_mut(&nested.type_name) else {
            continue;
        };
        if v.is_null() {
            *v = match nested.nesting {
                NestingMode::List => Value::List(Vec::new()),
                NestingMode::Set => Value::Set(Vec::new()),
                NestingMode::Map => Value::Map(Default::default()),
                NestingMode::Group => Value::Object(
                    (nested.block.attributes.iter().map(|a| &a.name))
                        .chain(nested.block.blocks.iter().map(|b| &b.type_name))
                        .map(|name| (name.clone(), Value::Null))
                        .collect(),
                ),
                NestingMode::Single => Value::Null,
            };
        }
        match v {
            Value::Object(_) => normalise_blocks(&nested.block, v),
            Value::List(items) | Value::Set(items) => items
                .iter_mut()
                .for_each(|i| normalise_blocks(&nested.block, i)),
            Value::Map(items) => items
                .values_mut()
                .for_each(|i| normalise_blocks(&nested.block, i)),
            _ => {}
        }
    }
}

#[async_trait]
impl<C, R> ErasedResource<C> for ErasedResourceAdapter<C, R>
where
    C: Send + Sync + 'static,
    R: Resource<C>,
{
    fn type_name(&self) -> &'static str {
        self.resource.type_name()
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn identity_schema(&self) -> Option<&IdentitySchema> {
        self.identity_schema.as_ref()
    }

    fn lister(&self) -> Option<&dyn ErasedLister<C>> {
        self.lister.as_deref()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = validate_block(&self.schema.block, config, &AttributePath::root());
        diagnostics.extend(self.resource.validate(config));
        diagnostics
    }

    async fn create(&self, call: &Call<C>, planned: &Value) -> Result<Value, CreateFailure<Value>> {
        let name = self.type_name();
        let op = Operation::Create;
        let limit = time_limit(op, planned, &self.resource.default_timeouts());
        let state = to_state(name, planned)?;
        let ctx = context(call, limit);
        let encode = |s: &R::State| from_state(name, s, &self.schema, &self.value_type, planned);
        match bounded(
            name,
            op,
            limit,
            &call.stopped,
            self.resource.create(&ctx, state),
        )
        .await
        {
            Ok(created) => Ok(encode(&created)?),
            Err(CreateFailure {
                mut diagnostics,
                partial_state,
            }) => {
                let partial_state = match partial_state.as_ref().map(encode).transpose() {
                    Ok(partial) => partial,
                    Err(encoding) => {
                        diagnostics.extend(encoding);
                        None
                    }
                };
                Err(CreateFailure {
                    diagnostics,
                    partial_state,
                })
            }
        }
    }

    async fn read(&self, call: &Call<C>, current: &Value) -> Result<Option<Value>, Diagnostics> {
        let name = self.type_name();
        let op = Operation::Read;
        let limit = time_limit(op, current, &self.resource.default_timeouts());
        let state = to_state(name, current)?;
        let ctx = context(call, limit);
        let read = bounded(
            name,
            op,
            limit,
            &call.stopped,
            self.resource.read(&ctx, state),
        )
        .await?;
        read.map(|s| from_state(name, &s, &self.schema, &self.value_type, current))
            .transpose()
    }

    async fn update(
        &self,
        call: &Call<C>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, Diagnostics> {
        let name = self.type_name();
        let op = Operation::Update;
        let limit = time_limit(op, planned, &self.resource.default_timeouts());
        let prior_state = to_state(name, prior)?;
        let planned_state = to_state(name, planned)?;
        let ctx = context(call, limit);
        let work = self.resource.update(&ctx, prior_state, planned_state);
        let updated = bounded(name, op, limit, &call.stopped, work).await?;
        from_state(name, &updated, &self.schema, &self.value_type, planned)
    }

    async fn delete(&self, call: &Call<C>, current: &Value) -> Result<(), Diagnostics> {
        let name = self.type_name();
        let op = Operation::Delete;
        let limit = time_limit(op, current, &self.resource.default_timeouts());
        let state = to_state(name, current)?;
        let ctx = context(call, limit);
        bounded(
            name,
            op,
            limit,
            &call.stopped,
            self.resource.delete(&ctx, state),
        )
        .await
    }

    async fn import(&self, call: &Call<C>, id: &str) -> Result<Value, Diagnostics> {
        let name = self.type_name();
        let op = Operation::Import;
        let limit = op.default_limit(&self.resource.default_timeouts());
        let ctx = context(call, limit);
        let imported = bounded(
            name,
            op,
            limit,
            &call.stopped,
            self.resource.import(&ctx, id),
        )
        .await?;
        from_state(
            name,
            &imported,
            &self.schema,
            &self.value_type,
            &Value::Null,
        )
    }
}

#[async_trait]
impl<C, R> ErasedLister<C> for ListerAdapter<R>
where
    C: Send + Sync + 'static,
    R: ListResource<C>,
{
    fn config_schema(&self) -> &Schema {
        &self.config_schema
    }

    fn validate_config(&self, config: &Value) -> Diagnostics {
        let mut diagnostics =
            validate_block(&self.config_schema.block, config, &AttributePath::root());
        diagnostics.extend(self.resource.validate_list_config(config));
        diagnostics
    }

    async fn list(
        &self,
        call: &Call<C>,
        config: &Value,
        limit: usize,
    ) -> Result<Vec<ListedValue>, Diagnostics> {
        let name = self.resource.type_name();
        let op = Operation::List;
        let limit_time = op.default_limit(&self.resource.default_timeouts());
        // A `list` block without a `config` block sends null: every attribute unset.
        let config = if config.is_null() {
            all_null(&self.config_type)
        } else {
            config.clone()
        };
        let config_state = to_state(name, &config)?;
        let ctx = context(call, limit_time);
        let work = self.resource.list(&ctx, config_state, limit);
        let listed = bounded(name, op, limit_time, &call.stopped, work).await?;
        listed
            .into_iter()
            .take(limit)
            .map(|item| {
                let state = from_state(
                    name,
                    &item.state,
                    &self.schema,
                    &self.value_type,
                    &Value::Null,
                )?;
                Ok(ListedValue {
                    display_name: item.display_name,
                    state,
                })
            })
            .collect()
    }
}

/// An object of `ty` whose attributes are all null.
fn all_null(ty: &Type) -> Value {
    match ty {
        Type::Object(attrs, _) => Value::Object(
            attrs
                .keys()
                .map(|name| (name.clone(), Value::Null))
                .collect(),
        ),
        _ => Value::Null,
    }
}

#[async_trait]
impl<C, D> ErasedDataSource<C> for ErasedDataSourceAdapter<D>
where
    C: Send + Sync + 'static,
    D: DataSource<C>,
{
    fn type_name(&self) -> &'static str {
        self.data_source.type_name()
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = validate_block(&self.schema.block, config, &AttributePath::root());
        diagnostics.extend(self.data_source.validate(config));
        diagnostics
    }

    async fn read(&self, call: &Call<C>, config: &Value) -> Result<Value, Diagnostics> {
        let name = self.type_name();
        let op = Operation::Read;
        let limit = self.data_source.read_timeout();
        let state = to_state(name, config)?;
        let ctx = context(call, limit);
        let read = bounded(
            name,
            op,
            limit,
            &call.stopped,
            self.data_source.read(&ctx, state),
        )
        .await?;
        from_state(name, &read, &self.schema, &self.value_type, config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{Attribute, NestedBlock};

    fn nested(name: &str, nesting: NestingMode, block: Block) -> NestedBlock {
        NestedBlock {
            type_name: name.into(),
            nesting,
            block,
            min_items: 0,
            max_items: 0,
            requires_replace: false,
        }
    }

    #[test]
    fn null_nested_blocks_become_their_empty_forms() {
        let inner = Block {
            attributes: vec![Attribute::optional("key", Type::String)],
            blocks: vec![nested("deep", NestingMode::List, Block::default())],
            ..Block::default()
        };
        let block = Block {
            blocks: vec![
                nested("list", NestingMode::List, inner.clone()),
                nested("set", NestingMode::Set, inner.clone()),
                nested("map", NestingMode::Map, inner.clone()),
                nested("group", NestingMode::Group, inner.clone()),
                nested("single", NestingMode::Single, inner.clone()),
            ],
            ..Block::default()
        };
        let mut value = Value::Object(
            ["list", "set", "map", "group", "single"]
                .into_iter()
                .map(|n| (n.to_string(), Value::Null))
                .collect(),
        );
        normalise_blocks(&block, &mut value);
        assert_eq!(value.get_attr("list"), Some(&Value::List(vec![])));
        assert_eq!(value.get_attr("set"), Some(&Value::Set(vec![])));
        assert_eq!(value.get_attr("map"), Some(&Value::Map(Default::default())));
        assert_eq!(
            value.get_attr("single"),
            Some(&Value::Null),
            "a single block may be absent"
        );
        let group = value.get_attr("group").expect("group");
        assert_eq!(group.get_attr("key"), Some(&Value::Null));
        assert_eq!(
            group.get_attr("deep"),
            Some(&Value::List(vec![])),
            "normalised inside too"
        );
    }

    #[test]
    fn time_limits_come_from_the_timeouts_block_or_the_defaults() {
        let defaults = DefaultTimeouts::default();
        let with = |create: Value| {
            Value::Object(
                [(
                    "timeouts".to_string(),
                    Value::Object([("create".to_string(), create)].into()),
                )]
                .into(),
            )
        };
        assert_eq!(
            time_limit(Operation::Create, &with(Value::string("90s")), &defaults),
            Duration::from_secs(90)
        );
        assert_eq!(
            time_limit(Operation::Create, &with(Value::Null), &defaults),
            defaults.create
        );
        assert_eq!(
            time_limit(Operation::Delete, &with(Value::string("90s")), &defaults),
            defaults.delete
        );
        assert_eq!(
            time_limit(Operation::Import, &Value::Null, &defaults),
            defaults.read
        );
    }
}
