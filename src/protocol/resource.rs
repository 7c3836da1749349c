//! The traits a provider, its resources and its data sources implement.
//!
//! They are typed: a resource names a serde `State` struct, and the protocol layer converts
//! Terraform's values to and from it (unknown → `None`), applies the plan rules from the
//! schema, enforces timeouts and cancellation, and turns errors into diagnostics. A resource
//! file therefore holds only its schema and what its CRUD means for the remote API.
//!
//! `C` is the provider's configured client (for this provider, the ARM client): the protocol
//! layer passes it through without knowing what it is.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Serialize, de::DeserializeOwned};
use tokio::time::Instant;

use super::diagnostics::Diagnostics;
use super::schema::{IdentitySchema, Schema};
use crate::value::Value;

/// What every CRUD call gets besides its state.
pub struct Context<C> {
    pub client: Arc<C>,
    /// When the operation's timeout (from the `timeouts` block or the default) runs out.
    /// The protocol layer aborts the call then; loops that wait use it to say what they waited for.
    pub deadline: Instant,
}

impl<C> Context<C> {
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// The default timeouts of a resource's operations, overridable by its `timeouts` block.
#[derive(Debug, Clone, Copy)]
pub struct DefaultTimeouts {
    pub create: Duration,
    pub read: Duration,
    pub update: Duration,
    pub delete: Duration,
}

impl Default for DefaultTimeouts {
    fn default() -> Self {
        Self {
            create: Duration::from_secs(30 * 60),
            read: Duration::from_secs(5 * 60),
            update: Duration::from_secs(30 * 60),
            delete: Duration::from_secs(30 * 60),
        }
    }
}

/// A create that failed part-way: the diagnostics, and the state of what was created anyway
/// (Terraform saves it as tainted, so nothing is orphaned).
#[derive(Debug)]
pub struct CreateFailure<S> {
    pub diagnostics: Diagnostics,
    pub partial_state: Option<S>,
}

impl<S> From<Diagnostics> for CreateFailure<S> {
    fn from(diagnostics: Diagnostics) -> Self {
        Self {
            diagnostics,
            partial_state: None,
        }
    }
}

/// A managed resource type.
#[async_trait]
pub trait Resource<C: Send + Sync + 'static>: Send + Sync + 'static {
    /// The state (and config, and plan) as a serde struct whose fields are the schema's
    /// attributes and blocks. Unknown and null values both arrive as `None`.
    type State: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The Terraform type name, e.g. `avnm_network_manager`.
    fn type_name(&self) -> &'static str;
    /// Includes the `timeouts` block when the resource has one (see `protocol::timeouts`).
    fn schema(&self) -> Schema;
    fn default_timeouts(&self) -> DefaultTimeouts {
        DefaultTimeouts::default()
    }
    /// The resource identity (protocol 6.9), whose attributes mirror same-named state
    /// attributes; `None` declares none. A resource that can be listed must have one.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }
    /// Checks that involve more than one attribute; single attributes use schema validators.
    /// `config` may contain unknowns.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &Context<C>,
        planned: Self::State,
    ) -> Result<Self::State, CreateFailure<Self::State>>;
    /// `Ok(None)`: the remote object is gone; Terraform removes it from state.
    async fn read(
        &self,
        ctx: &Context<C>,
        current: Self::State,
    ) -> Result<Option<Self::State>, Diagnostics>;
    async fn update(
        &self,
        ctx: &Context<C>,
        prior: Self::State,
        planned: Self::State,
    ) -> Result<Self::State, Diagnostics>;
    async fn delete(&self, ctx: &Context<C>, current: Self::State) -> Result<(), Diagnostics>;
    /// Turns an import ID into a state that `read` completes (usually just `id` plus what the ID
    /// itself says). Errors name the expected ID shape.
    async fn import(&self, ctx: &Context<C>, id: &str) -> Result<Self::State, Diagnostics>;
}

/// One remote object found by [`ListResource::list`].
#[derive(Debug, Clone)]
pub struct Listed<S> {
    /// What `terraform query` shows for it (usually the name).
    pub display_name: String,
    /// Its full state, as `read` would return it: Terraform gets it when the `list` block
    /// asks for `include_resource`, and the identity is derived from it.
    pub state: S,
}

/// A resource type that `terraform query` can list (protocol 6.10, a `list` block in a
/// `.tfquery.hcl` file). The list type has the resource's type name and identity.
#[async_trait]
pub trait ListResource<C: Send + Sync + 'static>: Resource<C> {
    /// The `config` block of the `list` block, as a serde struct (like `State`).
    type ListConfig: DeserializeOwned + Send + Sync + 'static;

    /// The schema of the `config` block.
    fn list_config_schema(&self) -> Schema;
    /// Checks across attributes of the `config` block; `config` may contain unknowns.
    fn validate_list_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// The remote objects the config selects, at most `limit` of them (more are dropped).
    async fn list(
        &self,
        ctx: &Context<C>,
        config: Self::ListConfig,
        limit: usize,
    ) -> Result<Vec<Listed<Self::State>>, Diagnostics>;
}

/// A data source type.
#[async_trait]
pub trait DataSource<C: Send + Sync + 'static>: Send + Sync + 'static {
    type State: Serialize + DeserializeOwned + Send + Sync + 'static;

    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn read_timeout(&self) -> Duration {
        Duration::from_secs(5 * 60)
    }
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Gets the config, returns the whole state (computed attributes filled in).
    async fn read(&self, ctx: &Context<C>, config: Self::State)
    -> Result<Self::State, Diagnostics>;
}

/// Facts about the Terraform that is calling, passed to `Provider::configure`.
#[derive(Debug, Clone, Default)]
pub struct TerraformInfo {
    pub terraform_version: String,
}

/// The provider itself: its configuration schema and what configuring produces.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// What `configure` builds and every resource call receives.
    type Client: Send + Sync + 'static;

    /// The provider's local name, e.g. `avnm` (type names start with it).
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
    /// Called with a config that is wholly known (the protocol layer defers otherwise).
    async fn configure(
        &self,
        config: &Value,
        terraform: &TerraformInfo,
    ) -> Result<Self::Client, Diagnostics>;
    fn resources(&self) -> Vec<Arc<dyn super::ErasedResource<Self::Client>>>;
    fn data_sources(&self) -> Vec<Arc<dyn super::ErasedDataSource<Self::Client>>>;
}
