//! The Terraform side of the provider: tfplugin6 RPC dispatch, the schema model, the plan
//! rules, and the traits resources implement. Nothing here knows about Azure.

pub mod diagnostics;
pub mod resource;
pub mod schema;
pub mod timeouts;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use resource::{
    Context, CreateFailure, DataSource, DefaultTimeouts, Provider, Resource, TerraformInfo,
};
pub use schema::{Attribute, AttributeMode, Block, NestedBlock, NestingMode, Schema, Validator};

// Placeholders until the dispatch work lands: the erased (Value-level) forms of the traits.
pub trait ErasedResource<C>: Send + Sync {}
pub trait ErasedDataSource<C>: Send + Sync {}
