//! The value-level (type-erased) form of resources and data sources: what the RPC dispatch
//! calls. `adapter` turns a typed `Resource` / `DataSource` into one.

use std::sync::Arc;

use async_trait::async_trait;

use super::diagnostics::Diagnostics;
use super::resource::CreateFailure;
use super::schema::{IdentitySchema, Schema};
use super::stop::Stopped;
use crate::value::Value;

/// What an erased operation needs besides values: the configured client and the stop signal.
pub struct Call<C> {
    pub client: Arc<C>,
    pub stopped: Stopped,
}

/// A managed resource type, at the level of cty values. Made with `erase_resource`.
#[async_trait]
pub trait ErasedResource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    fn identity_schema(&self) -> Option<&IdentitySchema> {
        None
    }
    /// The resource's `terraform query` side, when it can be listed.
    fn lister(&self) -> Option<&dyn ErasedLister<C>> {
        None
    }
    /// Schema validators (on known, non-null values) and the resource's own checks.
    fn validate(&self, config: &Value) -> Diagnostics;
    /// On failure, the state of whatever was created anyway, if anything.
    async fn create(&self, call: &Call<C>, planned: &Value) -> Result<Value, CreateFailure<Value>>;
    /// `Ok(None)`: the remote object is gone.
    async fn read(&self, call: &Call<C>, current: &Value) -> Result<Option<Value>, Diagnostics>;
    async fn update(
        &self,
        call: &Call<C>,
        prior: &Value,
        planned: &Value,
    ) -> Result<Value, Diagnostics>;
    async fn delete(&self, call: &Call<C>, current: &Value) -> Result<(), Diagnostics>;
    async fn import(&self, call: &Call<C>, id: &str) -> Result<Value, Diagnostics>;
}

/// One listed object at the level of cty values: its display name and full state.
pub struct ListedValue {
    pub display_name: String,
    pub state: Value,
}

/// A resource type's list side, at the level of cty values. Made with
/// `erase_listable_resource`; the identity comes from the resource's identity schema.
#[async_trait]
pub trait ErasedLister<C>: Send + Sync {
    /// The schema of the `list` block's `config` block.
    fn config_schema(&self) -> &Schema;
    fn validate_config(&self, config: &Value) -> Diagnostics;
    async fn list(
        &self,
        call: &Call<C>,
        config: &Value,
        limit: usize,
    ) -> Result<Vec<ListedValue>, Diagnostics>;
}

/// A data source type, at the level of cty values. Made with `erase_data_source`.
#[async_trait]
pub trait ErasedDataSource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, call: &Call<C>, config: &Value) -> Result<Value, Diagnostics>;
}
