//! Tokens for ARM, per tenant.
//!
//! The client asks a [`TokenSource`] for a token for the provider's own (home) tenant on every
//! request and for each auxiliary tenant on cross-tenant writes. [`TenantTokens`] is the real
//! source: one `azure_identity` credential per tenant, built lazily from one [`Credential`]
//! description, with tokens cached per tenant and refreshed before they expire.

mod assertion;
mod cache;
mod certificate;
mod credential;
mod msi;

pub use assertion::{AssertionSource, FEDERATED_AUDIENCE};
pub use cache::TokenCache;
#[cfg(test)]
pub(crate) use certificate::tests::test_pkcs12;
pub use certificate::{CertificateError, CertificateSigner};
pub use credential::{
    AuthMethod, Credential, CredentialConfig, TenantTokens, scope_for, token_tenant,
};

use std::fmt;

use async_trait::async_trait;
use azure_core::credentials::AccessToken;

use super::error::ArmError;

/// Where the ARM client gets its bearer tokens.
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// The tenant the provider authenticates in.
    fn home_tenant(&self) -> &str;
    /// The authentication method, for messages ("client secret", "Azure CLI", ...).
    fn method(&self) -> &str;
    /// A valid token for ARM in `tenant_id` (the home tenant or an auxiliary one).
    async fn token(&self, tenant_id: &str) -> Result<AccessToken, ArmError>;
    /// Forgets any cached token for `tenant_id` (ARM refused it: expired or revoked early).
    fn invalidate(&self, _tenant_id: &str) {}
}
