//! Azure Resource Manager: typed IDs, authentication per tenant, and the HTTP client
//! (retries, long-running operations, paging, auxiliary tokens). Nothing here knows about
//! Terraform; `provider::diagnostics` turns these errors into diagnostics.

pub mod auth;
pub mod client;
pub mod error;
pub mod id;
pub mod poller;
pub mod retry;
pub mod transport;

pub use client::{ArmClient, ArmClientConfig, NETWORK_API_VERSION, RequestOptions};
pub use error::{ArmError, AuthError, CloudError, CloudErrorBody};
pub use id::{
    ArmId, IdError, ManagementGroupConnectionId, ManagementGroupId, NetworkGroupId,
    NetworkManagerId, ResourceGroupId, ScopeConnectionId, ScopeId, StaticMemberId, SubnetId,
    SubscriptionConnectionId, SubscriptionId, VirtualNetworkId,
};
