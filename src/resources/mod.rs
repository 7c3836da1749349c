//! The managed resource types, one file per Terraform type, plus the few helpers several of
//! them share (each helper module has one job).

use std::sync::Arc;

use crate::arm::ArmClient;
use crate::protocol::{ErasedResource, erase_listable_resource, erase_resource};

pub mod arm_ops;
pub mod attributes;
pub mod connection_wait;
pub mod listing;
pub mod manager_connection;
pub mod member_tenant;
pub mod reconcile;
pub mod validators;

pub mod management_group_connection;
pub mod network_group;
pub mod network_manager;
pub mod scope_connection;
pub mod static_member;
pub mod subscription_connection;

/// Every resource type the provider serves; those `terraform query` can list are
/// registered with `erase_listable_resource`.
pub fn all() -> Vec<Arc<dyn ErasedResource<ArmClient>>> {
    vec![
        erase_listable_resource(network_manager::NetworkManager),
        erase_listable_resource(network_group::NetworkGroup),
        erase_listable_resource(static_member::StaticMember::default()),
        erase_listable_resource(scope_connection::ScopeConnection),
        erase_resource(subscription_connection::SubscriptionConnection::new()),
        erase_resource(management_group_connection::ManagementGroupConnection::new()),
    ]
}
