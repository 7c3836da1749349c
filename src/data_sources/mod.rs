//! The data sources, one file per Terraform type: what the seed's "verify" steps read, so
//! they can be Terraform `check` blocks.

use std::sync::Arc;

use crate::arm::ArmClient;
use crate::protocol::{ErasedDataSource, erase_data_source};

pub mod attributes;
pub mod lookup;
pub mod manager_connection;
pub mod scope_connection_fields;

pub mod management_group_connection;
pub mod network_group;
pub mod network_group_members;
pub mod network_manager;
pub mod scope_connection;
pub mod scope_connections;
pub mod subscription_connection;

/// Every data source type the provider serves.
pub fn all() -> Vec<Arc<dyn ErasedDataSource<ArmClient>>> {
    vec![
        erase_data_source(network_manager::NetworkManagerData),
        erase_data_source(network_group::NetworkGroupData),
        erase_data_source(scope_connection::ScopeConnectionData),
        erase_data_source(scope_connections::ScopeConnectionsData),
        erase_data_source(subscription_connection::SubscriptionConnectionData),
        erase_data_source(management_group_connection::ManagementGroupConnectionData),
        erase_data_source(network_group_members::NetworkGroupMembersData),
    ]
}
