//! The provider's credential, and [`TenantTokens`]: one `azure_identity` credential per
//! tenant built from it, tokens cached per tenant.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{AccessToken, Secret, TokenCredential};
use azure_core::http::{ClientOptions, Transport};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertionCredential,
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use url::Url;

use super::TokenSource;
use super::assertion::{Assertion, AssertionSource};
use super::cache::TokenCache;
use super::certificate::{CertificateAssertion, CertificateSigner};
use crate::arm::error::{ArmError, AuthError, find_aadsts_code};
use crate::arm::transport;

/// The authentication methods, in the order azurerm tries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    ClientCertificate,
    ClientSecret,
    Oidc,
    AksWorkloadIdentity,
    ManagedIdentity,
    AzureCli,
}

impl AuthMethod {
    pub fn name(&self) -> &'static str {
        match self {
            AuthMethod::ClientCertificate => "client certificate",
            AuthMethod::ClientSecret => "client secret",
            AuthMethod::Oidc => "OIDC",
            AuthMethod::AksWorkloadIdentity => "AKS workload identity",
            AuthMethod::ManagedIdentity => "managed identity",
            AuthMethod::AzureCli => "Azure CLI",
        }
    }
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the provider authenticates with. `Debug` never shows a secret.
#[derive(Clone)]
pub enum Credential {
    ClientSecret {
        client_id: String,
        secret: Secret,
    },
    /// A client assertion JWT signed with the certificate's key (see `certificate`).
    ClientCertificate {
        client_id: String,
        signer: Arc<CertificateSigner>,
    },
    Oidc {
        client_id: String,
        source: AssertionSource,
    },
    AksWorkloadIdentity {
        client_id: String,
        token_file: PathBuf,
    },
    ManagedIdentity {
        client_id: Option<String>,
        endpoint: Option<Url>,
    },
    AzureCli,
}

impl Credential {
    pub fn method(&self) -> AuthMethod {
        match self {
            Credential::ClientSecret { .. } => AuthMethod::ClientSecret,
            Credential::ClientCertificate { .. } => AuthMethod::ClientCertificate,
            Credential::Oidc { .. } => AuthMethod::Oidc,
            Credential::AksWorkloadIdentity { .. } => AuthMethod::AksWorkloadIdentity,
            Credential::ManagedIdentity { .. } => AuthMethod::ManagedIdentity,
            Credential::AzureCli => AuthMethod::AzureCli,
        }
    }

    pub fn client_id(&self) -> Option<&str> {
        match self {
            Credential::ClientSecret { client_id, .. }
            | Credential::ClientCertificate { client_id, .. }
            | Credential::Oidc { client_id, .. }
            | Credential::AksWorkloadIdentity { client_id, .. } => Some(client_id),
            Credential::ManagedIdentity { client_id, .. } => client_id.as_deref(),
            Credential::AzureCli => None,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credential");
        d.field("method", &self.method().name());
        if let Some(c) = self.client_id() {
            d.field("client_id", &c);
        }
        if let Credential::Oidc { source, .. } = self {
            d.field("source", source);
        }
        d.finish_non_exhaustive()
    }
}

/// Everything needed to get tokens.
#[derive(Clone)]
pub struct CredentialConfig {
    /// The home tenant. `None` for the Azure CLI (its default tenant) or a managed identity
    /// (its own tenant): it is then learnt from the first token.
    pub tenant_id: Option<String>,
    pub credential: Credential,
    /// Entra ID's login endpoint, e.g. `https://login.microsoftonline.com/`.
    pub authority_host: Url,
    /// The ARM token audience, e.g. `https://management.core.windows.net/`.
    pub audience: String,
    pub http: reqwest::Client,
}

/// Tokens for any tenant from one credential description.
pub struct TenantTokens {
    home_tenant: String,
    config: CredentialConfig,
    scope: String,
    credentials: Mutex<HashMap<String, Arc<dyn TokenCredential>>>,
    cache: TokenCache,
}

impl fmt::Debug for TenantTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantTokens")
            .field("home_tenant", &self.home_tenant)
            .field("credential", &self.config.credential)
            .finish_non_exhaustive()
    }
}

impl TenantTokens {
    /// Builds the source and gets a first token for the home tenant, so that a
    /// configuration that cannot authenticate fails when the provider is configured.
    pub async fn new(config: CredentialConfig) -> Result<TenantTokens, ArmError> {
        transport::check_endpoint(&config.authority_host, "login endpoint (authority host)")?;
        let scope = scope_for(&config.audience);
        let mut tokens = TenantTokens {
            home_tenant: config.tenant_id.clone().unwrap_or_default(),
            config,
            scope,
            credentials: Mutex::new(HashMap::new()),
            cache: TokenCache::new(),
        };
        if tokens.config.tenant_id.is_none() {
            // The CLI or a managed identity without a tenant: read it from a first token.
            let credential = tokens.build(None)?;
            let token = tokens
                .get_from(&*credential, "(the credential's default tenant)")
                .await?;
            let tenant = token_tenant(token.token.secret()).ok_or_else(|| {
                ArmError::Configuration(
                    "the first token names no tenant (tid); set tenant_id (ARM_TENANT_ID)".into(),
                )
            })?;
            tokens.home_tenant = tenant.clone();
            tokens
                .cache
                .get_or_fetch(&tenant, || async { Ok::<_, ArmError>(token) })
                .await?;
            tracing::info!(tenant_id = %tokens.home_tenant, "using the credential's default tenant");
        }
        let home = tokens.home_tenant.clone();
        tokens.token(&home).await?;
        Ok(tokens)
    }

    fn client_options(&self) -> ClientOptions {
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = self
            .config
            .authority_host
            .as_str()
            .trim_end_matches('/')
            .to_string();
        ClientOptions {
            transport: Some(Transport::new(Arc::new(self.config.http.clone()))),
            cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))),
            ..ClientOptions::default()
        }
    }

    /// Builds the credential for `tenant` (`None`: the CLI's default tenant).
    fn build(&self, tenant: Option<&str>) -> Result<Arc<dyn TokenCredential>, ArmError> {
        let tenant_text = tenant.unwrap_or_default().to_string();
        let error = |e: azure_core::Error| self.auth_error(&tenant_text, &e.to_string());
        let credential: Arc<dyn TokenCredential> = match &self.config.credential {
            Credential::ClientSecret { client_id, secret } => ClientSecretCredential::new(
                &tenant_text,
                client_id.clone(),
                secret.clone(),
                Some(ClientSecretCredentialOptions {
                    client_options: self.client_options(),
                }),
            )
            .map_err(error)?,
            Credential::ClientCertificate { client_id, signer } => ClientAssertionCredential::new(
                tenant_text.clone(),
                client_id.clone(),
                CertificateAssertion {
                    signer: signer.clone(),
                    audience: format!(
                        "{}/{tenant_text}/oauth2/v2.0/token",
                        self.config.authority_host.as_str().trim_end_matches('/')
                    ),
                    client_id: client_id.clone(),
                },
                Some(ClientAssertionCredentialOptions {
                    client_options: self.client_options(),
                }),
            )
            .map_err(error)?,
            Credential::Oidc { client_id, source } => ClientAssertionCredential::new(
                tenant_text.clone(),
                client_id.clone(),
                Assertion {
                    source: source.clone(),
                    http: self.config.http.clone(),
                },
                Some(ClientAssertionCredentialOptions {
                    client_options: self.client_options(),
                }),
            )
            .map_err(error)?,
            Credential::AksWorkloadIdentity {
                client_id,
                token_file,
            } => WorkloadIdentityCredential::new(Some(WorkloadIdentityCredentialOptions {
                credential_options: ClientAssertionCredentialOptions {
                    client_options: self.client_options(),
                },
                client_id: Some(client_id.clone()),
                tenant_id: Some(tenant_text.clone()),
                token_file_path: Some(token_file.clone()),
            }))
            .map_err(error)?,
            Credential::ManagedIdentity {
                client_id,
                endpoint,
            } => match endpoint {
                Some(endpoint) => Arc::new(super::msi::MsiEndpointCredential::new(
                    endpoint.clone(),
                    client_id.clone(),
                    self.config.http.clone(),
                )),
                None => ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                    user_assigned_id: client_id.clone().map(UserAssignedId::ClientId),
                    client_options: self.client_options(),
                }))
                .map_err(error)?,
            },
            Credential::AzureCli => AzureCliCredential::new(Some(AzureCliCredentialOptions {
                tenant_id: tenant.map(str::to_string),
                ..AzureCliCredentialOptions::default()
            }))
            .map_err(error)?,
        };
        Ok(credential)
    }

    fn credential_for(&self, tenant: &str) -> Result<Arc<dyn TokenCredential>, ArmError> {
        let key = tenant.to_ascii_lowercase();
        let mut credentials = self.credentials.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = credentials.get(&key) {
            return Ok(c.clone());
        }
        let is_home = tenant.eq_ignore_ascii_case(&self.home_tenant);
        let cli_default = matches!(self.config.credential, Credential::AzureCli)
            && is_home
            && self.config.tenant_id.is_none();
        let credential = self.build(if cli_default { None } else { Some(tenant) })?;
        credentials.insert(key, credential.clone());
        Ok(credential)
    }

    async fn get_from(
        &self,
        credential: &dyn TokenCredential,
        tenant: &str,
    ) -> Result<AccessToken, ArmError> {
        credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(|e| self.auth_error(tenant, &e.to_string()))
    }

    fn auth_error(&self, tenant: &str, message: &str) -> ArmError {
        let credential = &self.config.credential;
        // Keep only the first paragraph (azure_identity appends a troubleshooting link) and
        // drop azure_identity's "<Type> authentication failed." prefix: the method is named.
        let message = message
            .split("\nTo troubleshoot")
            .next()
            .unwrap_or(message)
            .trim();
        let message = message
            .split_once("authentication failed. ")
            .map_or(message, |(_, rest)| rest);
        ArmError::from(AuthError {
            method: credential.method().name().to_string(),
            tenant_id: tenant.to_string(),
            client_id: credential.client_id().map(str::to_string),
            aadsts: find_aadsts_code(message),
            message: message.to_string(),
        })
    }
}

#[async_trait]
impl TokenSource for TenantTokens {
    fn home_tenant(&self) -> &str {
        &self.home_tenant
    }

    fn method(&self) -> &str {
        self.config.credential.method().name()
    }

    fn invalidate(&self, tenant_id: &str) {
        self.cache.invalidate(tenant_id);
    }

    async fn token(&self, tenant_id: &str) -> Result<AccessToken, ArmError> {
        let is_home = tenant_id.eq_ignore_ascii_case(&self.home_tenant);
        if !is_home && matches!(self.config.credential, Credential::ManagedIdentity { .. }) {
            return Err(ArmError::from(AuthError {
                method: AuthMethod::ManagedIdentity.name().into(),
                tenant_id: tenant_id.to_string(),
                client_id: self.config.credential.client_id().map(str::to_string),
                aadsts: None,
                message: format!(
                    "a managed identity exists only in its own tenant ({}) and cannot get tokens \
                     for tenant {tenant_id}, which this request needs as an auxiliary tenant. Use \
                     a multi-tenant app registration (client secret, client certificate or OIDC) \
                     consented in both tenants, or the Azure CLI signed in as a guest-enabled \
                     user, for cross-tenant resources",
                    self.home_tenant
                ),
            }));
        }
        self.cache
            .get_or_fetch(tenant_id, || async {
                let credential = self.credential_for(tenant_id)?;
                let token = self.get_from(&*credential, tenant_id).await?;
                tracing::debug!(tenant_id, expires_on = %token.expires_on, "obtained an ARM token");
                Ok(token)
            })
            .await
    }
}

/// `https://management.core.windows.net/` → `https://management.core.windows.net/.default`
pub fn scope_for(audience: &str) -> String {
    format!("{}/.default", audience.trim_end_matches('/'))
}

/// The `tid` claim of a JWT, read without verifying (only to learn the CLI's tenant).
pub fn token_tenant(jwt: &str) -> Option<String> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("tid")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        assert_eq!(
            scope_for("https://management.core.windows.net/"),
            "https://management.core.windows.net/.default"
        );
        assert_eq!(
            scope_for("https://arm.example"),
            "https://arm.example/.default"
        );
    }

    #[test]
    fn reads_tenant_from_jwt() {
        use base64::Engine;
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let jwt = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(r#"{"tid":"t-1","oid":"o"}"#)
        );
        assert_eq!(token_tenant(&jwt).as_deref(), Some("t-1"));
        assert_eq!(token_tenant("garbage"), None);
        assert_eq!(token_tenant("a.!!!.c"), None);
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = Credential::ClientSecret {
            client_id: "cid".into(),
            secret: Secret::new("s3cr3t".to_string()),
        };
        let text = format!("{c:?}");
        assert!(text.contains("cid") && text.contains("client secret"));
        assert!(!text.contains("s3cr3t"));
    }

    /// A one-route managed identity endpoint on loopback that counts its requests.
    async fn fake_msi_endpoint() -> (Url, std::sync::Arc<std::sync::atomic::AtomicU32>) {
        use std::sync::atomic::{AtomicU32, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!(
            "http://{}/msi/token",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let hits = std::sync::Arc::new(AtomicU32::new(0));
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = vec![0u8; 8192];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                let ok = request.contains("metadata: true") && request.contains("resource=https");
                counter.fetch_add(1, Ordering::SeqCst);
                let expires = time::OffsetDateTime::now_utc().unix_timestamp() + 3600;
                let body = format!(
                    r#"{{"access_token":"msi-token","expires_on":"{expires}","token_type":"Bearer"}}"#
                );
                let status = if ok { "200 OK" } else { "400 Bad Request" };
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        (url, hits)
    }

    #[tokio::test]
    async fn managed_identity_tokens_are_cached_and_never_cross_tenants() {
        use std::sync::atomic::Ordering;
        let (endpoint, hits) = fake_msi_endpoint().await;
        let tokens = TenantTokens::new(CredentialConfig {
            tenant_id: Some("home-tenant".into()),
            credential: Credential::ManagedIdentity {
                client_id: Some("mi-client".into()),
                endpoint: Some(endpoint),
            },
            authority_host: Url::parse("https://login.invalid/").unwrap(),
            audience: "https://management.core.windows.net/".into(),
            http: reqwest::Client::new(),
        })
        .await
        .expect("a first token from the endpoint");
        assert_eq!(
            tokens.token("HOME-TENANT").await.unwrap().token.secret(),
            "msi-token"
        );
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "the second request was served from the cache"
        );
        let err = tokens.token("other-tenant").await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("managed identity") && text.contains("other-tenant"),
            "{text}"
        );
        assert!(text.contains("multi-tenant app registration"), "{text}");
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "no request was made for the other tenant"
        );
    }
}
