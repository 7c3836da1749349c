//! The value-level (type-erased) form of resources and data sources: what the RPC dispatch
//! calls. `adapter` turns a typed `Resource` / `DataSource` into one.

use std::sync::Arc;

use async_trait::async_trait;

use super::diagnostics::Diagnostics;
use super::resource::CreateFailure;
use super::schema::Schema;
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

/// A data source type, at the level of cty values. Made with `erase_data_source`.
#[async_trait]
pub trait ErasedDataSource<C>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> &Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn read(&self, call: &Call<C>, config: &Value) -> Result<Value, Diagnostics>;
}
