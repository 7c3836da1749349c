//! The Terraform side of the provider: tfplugin6 RPC dispatch, the schema model, the plan
//! rules, and the traits resources implement. Nothing here knows about Azure.

pub mod adapter;
pub mod diagnostics;
pub mod erased;
#[cfg(test)]
mod identity_tests;
pub mod plan;
pub mod resource;
pub mod schema;
pub mod server;
#[cfg(test)]
mod server_tests;
pub mod stop;
pub mod timeouts;
pub mod validate;
pub mod wire;

pub use adapter::{erase_data_source, erase_listable_resource, erase_resource};
pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use erased::{Call, ErasedDataSource, ErasedLister, ErasedResource, ListedValue};
pub use resource::{
    Context, CreateFailure, DataSource, DefaultTimeouts, ListResource, Listed, Provider, Resource,
    TerraformInfo,
};
pub use schema::{
    Attribute, AttributeMode, Block, IdentityAttribute, IdentitySchema, NestedBlock, NestingMode,
    Schema, Validator,
};
pub use server::ProviderService;
