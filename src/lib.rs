//! terraform-provider-avnm: a Terraform provider (plugin protocol 6) for Azure Virtual
//! Network Manager across Entra ID tenants, and the offline ARM emulator it is tested against.
//!
//! The layers, each knowing only the ones below it (see docs/ARCHITECTURE.md):
//! `plugin` (process, handshake, TLS, gRPC) → `protocol` (RPC dispatch, schema, plan rules)
//! → `resources` / `data_sources` (one file per Terraform type) → `arm` (ARM client, auth, IDs)
//! and `value` (cty values and their wire codecs). `emulator` stands beside them.

pub mod arm;
pub mod data_sources;
pub mod emulator;
pub mod plugin;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod value;

/// Generated protobuf and gRPC code for the wire protocols.
pub mod proto {
    /// Terraform plugin protocol 6.10 (`proto/tfplugin6.proto`, from Terraform v1.15.9).
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    /// go-plugin's controller, stdio and broker services.
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}
