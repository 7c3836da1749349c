//! The provider block: its schema and how a configuration plus the environment become
//! settings, a cloud and a credential.
//!
//! Names and variables are azurerm's, so existing configurations and CI setups carry over:
//! a value in the block wins over its `ARM_*` variable; `*_file_path` variants are read when
//! the value itself is not given. The authentication method is chosen in azurerm's order:
//! client certificate, client secret, OIDC (token, token file, GitHub Actions, Azure DevOps,
//! AKS workload identity), managed identity, Azure CLI.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use azure_core::credentials::Secret;
use url::Url;

use crate::arm::auth::{AssertionSource, AuthMethod, CertificateSigner, Credential};
use crate::protocol::{Attribute, Block, Diagnostic, Diagnostics, Schema, Validator};
use crate::value::{AttributePath, Type, Value};

pub use crate::arm::client::MAX_AUXILIARY_TENANTS;

/// Where environment variables come from: the process, or a map in tests (so tests never
/// mutate the process environment).
pub trait Environment: Send + Sync {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Environment for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Environment for HashMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|s| s.to_string())
    }
}

/// Non-empty value of the first variable of `names` that is set.
fn env_var(env: &dyn Environment, names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| env.var(n))
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
}

fn env_bool(env: &dyn Environment, name: &str) -> Result<Option<bool>, Diagnostic> {
    match env_var(env, &[name]) {
        None => Ok(None),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "t" | "yes" => Ok(Some(true)),
            "0" | "false" | "f" | "no" => Ok(Some(false)),
            _ => Err(Diagnostic::error(
                format!("Invalid {name}"),
                format!("{name} must be true or false, not {v:?}."),
            )),
        },
    }
}

/// The provider's configuration schema.
pub fn provider_schema() -> Schema {
    let s = |name: &str, env: &str, what: &str| {
        Attribute::optional(name, Type::String)
            .description(&format!("{what} Environment variable: `{env}`."))
    };
    let b = |name: &str, env: &str, what: &str| {
        Attribute::optional(name, Type::Bool)
            .description(&format!("{what} Environment variable: `{env}`."))
    };
    Schema {
        version: 0,
        block: Block {
            description: "Azure Virtual Network Manager across Entra ID tenants. Settings and environment variables are those of the azurerm provider.".into(),
            attributes: vec![
                s("subscription_id", "ARM_SUBSCRIPTION_ID", "The subscription used where a resource does not name one."),
                s("tenant_id", "ARM_TENANT_ID", "The Entra ID tenant to authenticate in (the home tenant of this provider configuration)."),
                s("client_id", "ARM_CLIENT_ID", "The client (application) ID of the service principal or user-assigned managed identity."),
                s("client_id_file_path", "ARM_CLIENT_ID_FILE_PATH", "A file containing the client ID."),
                s("client_secret", "ARM_CLIENT_SECRET", "A client secret of the service principal.").sensitive(),
                s("client_secret_file_path", "ARM_CLIENT_SECRET_FILE_PATH", "A file containing the client secret."),
                s("client_certificate", "ARM_CLIENT_CERTIFICATE", "A base64-encoded PKCS#12 (.pfx) client certificate with its private key.").sensitive(),
                s("client_certificate_path", "ARM_CLIENT_CERTIFICATE_PATH", "The path of a PKCS#12 (.pfx) client certificate with its private key."),
                s("client_certificate_password", "ARM_CLIENT_CERTIFICATE_PASSWORD", "The password of the client certificate.").sensitive(),
                b("use_oidc", "ARM_USE_OIDC", "Authenticate with an OIDC (federated) token."),
                s("oidc_token", "ARM_OIDC_TOKEN", "An OIDC token to exchange for Entra ID tokens.").sensitive(),
                s("oidc_token_file_path", "ARM_OIDC_TOKEN_FILE_PATH", "A file containing an OIDC token (re-read on every token request)."),
                s("oidc_request_url", "ARM_OIDC_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_URL or SYSTEM_OIDCREQUESTURI", "The URL to request an OIDC token from (GitHub Actions or Azure DevOps)."),
                s("oidc_request_token", "ARM_OIDC_REQUEST_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN or SYSTEM_ACCESSTOKEN", "The bearer token for the OIDC token request.").sensitive(),
                s("ado_pipeline_service_connection_id", "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID or ARM_OIDC_AZURE_SERVICE_CONNECTION_ID", "The Azure DevOps service connection to request OIDC tokens for."),
                b("use_aks_workload_identity", "ARM_USE_AKS_WORKLOAD_IDENTITY", "Authenticate with AKS workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE)."),
                b("use_msi", "ARM_USE_MSI", "Authenticate with a managed identity."),
                s("msi_endpoint", "ARM_MSI_ENDPOINT", "A custom managed identity endpoint."),
                b("use_cli", "ARM_USE_CLI", "Authenticate with the Azure CLI's signed-in account. Defaults to true."),
                Attribute::optional("environment", Type::String)
                    .description("The cloud: public, usgovernment or china. Defaults to public. Environment variable: `ARM_ENVIRONMENT`.")
                    .validate(Validator::one_of(&["public", "usgovernment", "china"])),
                s("metadata_host", "ARM_METADATA_HOSTNAME", "A host serving the cloud's endpoints at /metadata/endpoints; wins over `environment`."),
                Attribute::optional("auxiliary_tenant_ids", Type::list(Type::String))
                    .description("Up to 3 other tenants whose tokens are sent with every write (x-ms-authorization-auxiliary). Environment variable: `ARM_AUXILIARY_TENANT_IDS` (separated by `;`).")
                    .validate(Validator::new("at most 3 tenants", |v| match v {
                        Value::List(items) if items.len() > MAX_AUXILIARY_TENANTS => Err(format!(
                            "at most {MAX_AUXILIARY_TENANTS} auxiliary tenants are allowed (ARM's limit), {} given",
                            items.len()
                        )),
                        _ => Ok(()),
                    })),
            ],
            blocks: vec![],
            deprecated: false,
        },
    }
}

/// The cloud to talk to: named, or loaded from a metadata host.
#[derive(Debug, Clone, PartialEq)]
pub enum CloudChoice {
    Named(CloudEndpoints),
    MetadataHost(String),
}

/// The endpoints of one cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudEndpoints {
    pub name: String,
    pub resource_manager: Url,
    pub authority_host: Url,
    /// ARM's token audience.
    pub audience: String,
}

impl CloudEndpoints {
    pub fn named(environment: &str) -> Option<CloudEndpoints> {
        let (name, arm, login, audience) = match environment.to_ascii_lowercase().as_str() {
            "public" => (
                "public",
                "https://management.azure.com/",
                "https://login.microsoftonline.com/",
                "https://management.core.windows.net/",
            ),
            "usgovernment" => (
                "usgovernment",
                "https://management.usgovcloudapi.net/",
                "https://login.microsoftonline.us/",
                "https://management.core.usgovcloudapi.net/",
            ),
            "china" => (
                "china",
                "https://management.chinacloudapi.cn/",
                "https://login.chinacloudapi.cn/",
                "https://management.core.chinacloudapi.cn/",
            ),
            _ => return None,
        };
        Some(CloudEndpoints {
            name: name.into(),
            resource_manager: Url::parse(arm).ok()?,
            authority_host: Url::parse(login).ok()?,
            audience: audience.into(),
        })
    }

    /// Reads Azure's cloud metadata (`/metadata/endpoints?api-version=2022-09-01`): one cloud
    /// object, or an array of them of which the one served by `host` is chosen.
    pub fn from_metadata(host: &str, body: &serde_json::Value) -> Result<CloudEndpoints, String> {
        let clouds: Vec<&serde_json::Value> = match body {
            serde_json::Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let host_only = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let arm_host = |c: &serde_json::Value| {
            c.get("resourceManager")
                .and_then(|v| v.as_str())
                .and_then(|u| Url::parse(u).ok())
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        };
        let cloud = clouds
            .iter()
            .find(|c| arm_host(c).as_deref() == Some(host_only.as_str()))
            .or_else(|| clouds.first())
            .ok_or_else(|| "the metadata lists no cloud".to_string())?;
        let text = |ptr: &str| {
            cloud
                .pointer(ptr)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let resource_manager =
            text("/resourceManager").ok_or("the metadata has no resourceManager")?;
        let login = text("/authentication/loginEndpoint")
            .ok_or("the metadata has no authentication.loginEndpoint")?;
        let audience = text("/authentication/audiences/0")
            .ok_or("the metadata has no authentication.audiences")?;
        Ok(CloudEndpoints {
            name: text("/name").unwrap_or_else(|| host.to_string()),
            resource_manager: Url::parse(&resource_manager)
                .map_err(|e| format!("resourceManager {resource_manager:?}: {e}"))?,
            authority_host: Url::parse(&login)
                .map_err(|e| format!("loginEndpoint {login:?}: {e}"))?,
            audience,
        })
    }
}

/// The provider's settings after merging the block with the environment. `Debug` redacts
/// every secret.
#[derive(Clone, Default)]
pub struct ProviderSettings {
    pub subscription_id: Option<String>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub client_certificate: Option<Secret>,
    pub client_certificate_path: Option<PathBuf>,
    pub client_certificate_password: Option<Secret>,
    pub use_oidc: bool,
    pub oidc_token: Option<Secret>,
    pub oidc_token_file_path: Option<PathBuf>,
    pub oidc_request_url: Option<String>,
    pub oidc_request_token: Option<Secret>,
    pub ado_service_connection_id: Option<String>,
    pub use_aks_workload_identity: bool,
    pub federated_token_file: Option<PathBuf>,
    pub use_msi: bool,
    pub msi_endpoint: Option<String>,
    pub use_cli: bool,
    pub environment: Option<String>,
    pub metadata_host: Option<String>,
    pub auxiliary_tenant_ids: Vec<String>,
}

impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |s: &Option<Secret>| if s.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("ProviderSettings")
            .field("subscription_id", &self.subscription_id)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &set(&self.client_secret))
            .field("client_certificate", &set(&self.client_certificate))
            .field("client_certificate_path", &self.client_certificate_path)
            .field(
                "client_certificate_password",
                &set(&self.client_certificate_password),
            )
            .field("use_oidc", &self.use_oidc)
            .field("oidc_token", &set(&self.oidc_token))
            .field("oidc_token_file_path", &self.oidc_token_file_path)
            .field("oidc_request_url", &self.oidc_request_url)
            .field("oidc_request_token", &set(&self.oidc_request_token))
            .field("ado_service_connection_id", &self.ado_service_connection_id)
            .field("use_aks_workload_identity", &self.use_aks_workload_identity)
            .field("federated_token_file", &self.federated_token_file)
            .field("use_msi", &self.use_msi)
            .field("msi_endpoint", &self.msi_endpoint)
            .field("use_cli", &self.use_cli)
            .field("environment", &self.environment)
            .field("metadata_host", &self.metadata_host)
            .field("auxiliary_tenant_ids", &self.auxiliary_tenant_ids)
            .finish()
    }
}

/// Reads the block (`config`, an object value) and the environment into settings.
pub fn resolve_settings(
    config: &Value,
    env: &dyn Environment,
) -> Result<ProviderSettings, Diagnostics> {
    let mut diags = Diagnostics::new();
    let attr_str = |name: &str| {
        config
            .get_attr(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let attr_bool = |name: &str| config.get_attr(name).and_then(Value::as_bool);
    let string = |name: &str, vars: &[&str]| attr_str(name).or_else(|| env_var(env, vars));
    let boolean =
        |name: &str, var: &str, default: bool, diags: &mut Diagnostics| match attr_bool(name) {
            Some(b) => b,
            None => env_bool(env, var)
                .unwrap_or_else(|d| {
                    diags.push(d);
                    None
                })
                .unwrap_or(default),
        };
    // A value, or the contents of the file a `*_file_path` setting names.
    let from_file = |value: Option<String>,
                     path_attr: &str,
                     path_var: &str,
                     what: &str,
                     diags: &mut Diagnostics| {
        if value.is_some() {
            return value;
        }
        let path = string(path_attr, &[path_var])?;
        match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
            Ok(_) => {
                diags.push(
                    Diagnostic::error(
                        format!("Empty {what} file"),
                        format!("{path} ({path_attr} / {path_var}) is empty."),
                    )
                    .at(AttributePath::attr(path_attr)),
                );
                None
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        format!("Cannot read the {what} file"),
                        format!("{path} ({path_attr} / {path_var}): {e}."),
                    )
                    .at(AttributePath::attr(path_attr)),
                );
                None
            }
        }
    };

    let use_aks_workload_identity = boolean(
        "use_aks_workload_identity",
        "ARM_USE_AKS_WORKLOAD_IDENTITY",
        false,
        &mut diags,
    );
    let mut client_id = string("client_id", &["ARM_CLIENT_ID"]);
    client_id = from_file(
        client_id,
        "client_id_file_path",
        "ARM_CLIENT_ID_FILE_PATH",
        "client ID",
        &mut diags,
    );
    let mut tenant_id = string("tenant_id", &["ARM_TENANT_ID"]);
    let mut federated_token_file = None;
    if use_aks_workload_identity {
        client_id = client_id.or_else(|| env_var(env, &["AZURE_CLIENT_ID"]));
        tenant_id = tenant_id.or_else(|| env_var(env, &["AZURE_TENANT_ID"]));
        federated_token_file = env_var(env, &["AZURE_FEDERATED_TOKEN_FILE"]).map(PathBuf::from);
    }
    let client_secret = from_file(
        string("client_secret", &["ARM_CLIENT_SECRET"]),
        "client_secret_file_path",
        "ARM_CLIENT_SECRET_FILE_PATH",
        "client secret",
        &mut diags,
    );

    let auxiliary_tenant_ids: Vec<String> = match config.get_attr("auxiliary_tenant_ids") {
        Some(Value::List(items)) if !items.is_empty() => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => env_var(env, &["ARM_AUXILIARY_TENANT_IDS"])
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    };
    if auxiliary_tenant_ids.len() > MAX_AUXILIARY_TENANTS {
        diags.push(
            Diagnostic::error(
                "Too many auxiliary tenants",
                format!(
                    "ARM accepts at most {MAX_AUXILIARY_TENANTS} auxiliary tenants; {} are configured ({}).",
                    auxiliary_tenant_ids.len(),
                    auxiliary_tenant_ids.join(", ")
                ),
            )
            .at(AttributePath::attr("auxiliary_tenant_ids")),
        );
    }

    let environment = string("environment", &["ARM_ENVIRONMENT"]);
    if let Some(e) = &environment
        && CloudEndpoints::named(e).is_none()
    {
        diags.push(Diagnostic::error("Unknown environment", format!("environment (ARM_ENVIRONMENT) is {e:?}; it must be public, usgovernment or china, or use metadata_host for another cloud.")).at(AttributePath::attr("environment")));
    }

    let settings = ProviderSettings {
        subscription_id: string("subscription_id", &["ARM_SUBSCRIPTION_ID"]),
        tenant_id,
        client_id,
        client_secret: client_secret.map(Secret::new),
        client_certificate: string("client_certificate", &["ARM_CLIENT_CERTIFICATE"])
            .map(Secret::new),
        client_certificate_path: string(
            "client_certificate_path",
            &["ARM_CLIENT_CERTIFICATE_PATH"],
        )
        .map(PathBuf::from),
        client_certificate_password: string(
            "client_certificate_password",
            &["ARM_CLIENT_CERTIFICATE_PASSWORD"],
        )
        .map(Secret::new),
        use_oidc: boolean("use_oidc", "ARM_USE_OIDC", false, &mut diags),
        oidc_token: string("oidc_token", &["ARM_OIDC_TOKEN"]).map(Secret::new),
        oidc_token_file_path: string("oidc_token_file_path", &["ARM_OIDC_TOKEN_FILE_PATH"])
            .map(PathBuf::from),
        oidc_request_url: string(
            "oidc_request_url",
            &[
                "ARM_OIDC_REQUEST_URL",
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                "SYSTEM_OIDCREQUESTURI",
            ],
        ),
        oidc_request_token: string(
            "oidc_request_token",
            &[
                "ARM_OIDC_REQUEST_TOKEN",
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "SYSTEM_ACCESSTOKEN",
            ],
        )
        .map(Secret::new),
        ado_service_connection_id: string(
            "ado_pipeline_service_connection_id",
            &[
                "ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID",
                "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID",
            ],
        ),
        use_aks_workload_identity,
        federated_token_file,
        use_msi: boolean("use_msi", "ARM_USE_MSI", false, &mut diags),
        msi_endpoint: string("msi_endpoint", &["ARM_MSI_ENDPOINT"]),
        use_cli: boolean("use_cli", "ARM_USE_CLI", true, &mut diags),
        environment,
        metadata_host: string("metadata_host", &["ARM_METADATA_HOSTNAME"]),
        auxiliary_tenant_ids,
    };
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(settings)
    }
}

impl ProviderSettings {
    /// The cloud: `metadata_host` wins over `environment`, which defaults to public.
    pub fn cloud(&self) -> CloudChoice {
        match &self.metadata_host {
            Some(host) => CloudChoice::MetadataHost(host.clone()),
            None => CloudChoice::Named(
                CloudEndpoints::named(self.environment.as_deref().unwrap_or("public"))
                    .or_else(|| CloudEndpoints::named("public"))
                    .expect("the public cloud's endpoints are valid URLs"),
            ),
        }
    }
}

/// Reads the PKCS#12 certificate from `client_certificate` (base64) or
/// `client_certificate_path`. Errors name the setting, never its contents.
fn load_certificate(s: &ProviderSettings) -> Result<CertificateSigner, Diagnostics> {
    let password = s
        .client_certificate_password
        .as_ref()
        .map(|p| p.secret().to_string())
        .unwrap_or_default();
    let (setting, result) = match (&s.client_certificate, &s.client_certificate_path) {
        (Some(b64), _) => (
            "client_certificate (ARM_CLIENT_CERTIFICATE)".to_string(),
            CertificateSigner::from_base64_pkcs12(b64.secret(), &password)
                .map_err(|e| e.to_string()),
        ),
        (None, Some(path)) => (
            format!(
                "client_certificate_path {} (ARM_CLIENT_CERTIFICATE_PATH)",
                path.display()
            ),
            std::fs::read(path)
                .map_err(|e| format!("reading the file: {e}"))
                .and_then(|der| {
                    CertificateSigner::from_pkcs12(&der, &password).map_err(|e| e.to_string())
                }),
        ),
        (None, None) => {
            return Err(Diagnostics::error(
                "No client certificate",
                "Set client_certificate or client_certificate_path (ARM_CLIENT_CERTIFICATE, ARM_CLIENT_CERTIFICATE_PATH).",
            ));
        }
    };
    result.map_err(|why| {
        Diagnostics::error(
            "Cannot use the client certificate",
            format!("{setting}: {why}."),
        )
    })
}

/// The chosen credential, its home tenant (if known), and why earlier methods were skipped.
#[derive(Debug)]
pub struct ChosenCredential {
    pub credential: Credential,
    pub tenant_id: Option<String>,
    pub skipped: Vec<(AuthMethod, String)>,
}

/// Chooses the authentication method in azurerm's order. A method applies when its
/// credential material is configured; if it applies but something it needs is missing that
/// is an error (not a silent fall-through to the next). When none applies, the error says
/// why each was skipped.
pub fn choose_credential(s: &ProviderSettings) -> Result<ChosenCredential, Diagnostics> {
    let mut skipped: Vec<(AuthMethod, String)> = Vec::new();
    let needs = |method: AuthMethod, what: &[(&str, bool)]| -> Result<(), Diagnostics> {
        let missing: Vec<&str> = what
            .iter()
            .filter(|(_, present)| !present)
            .map(|(n, _)| *n)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics::error(
                format!("Incomplete {method} configuration"),
                format!(
                    "Authenticating with a {method} also needs {}.",
                    missing.join(" and ")
                ),
            ))
        }
    };
    let client_id = s.client_id.clone();
    let tenant = s.tenant_id.clone();
    let ids = [
        ("client_id (ARM_CLIENT_ID)", client_id.is_some()),
        ("tenant_id (ARM_TENANT_ID)", tenant.is_some()),
    ];

    // 1. Client certificate.
    if s.client_certificate.is_some() || s.client_certificate_path.is_some() {
        needs(AuthMethod::ClientCertificate, &ids)?;
        let signer = load_certificate(s)?;
        tracing::debug!(
            thumbprint = signer.thumbprint(),
            "loaded the client certificate"
        );
        return Ok(ChosenCredential {
            credential: Credential::ClientCertificate {
                client_id: client_id.unwrap_or_default(),
                signer: std::sync::Arc::new(signer),
            },
            tenant_id: tenant,
            skipped,
        });
    }
    skipped.push((AuthMethod::ClientCertificate, "neither client_certificate nor client_certificate_path (ARM_CLIENT_CERTIFICATE, ARM_CLIENT_CERTIFICATE_PATH) is set".into()));

    // 2. Client secret.
    if let Some(secret) = &s.client_secret {
        needs(AuthMethod::ClientSecret, &ids)?;
        return Ok(ChosenCredential {
            credential: Credential::ClientSecret {
                client_id: client_id.unwrap_or_default(),
                secret: secret.clone(),
            },
            tenant_id: tenant,
            skipped,
        });
    }
    skipped.push((
        AuthMethod::ClientSecret,
        "client_secret (ARM_CLIENT_SECRET, ARM_CLIENT_SECRET_FILE_PATH) is not set".into(),
    ));

    // 3. OIDC, including AKS workload identity.
    if s.use_aks_workload_identity {
        let file = s
            .oidc_token_file_path
            .clone()
            .or_else(|| s.federated_token_file.clone());
        needs(
            AuthMethod::AksWorkloadIdentity,
            &[
                ("client_id (AZURE_CLIENT_ID)", client_id.is_some()),
                ("tenant_id (AZURE_TENANT_ID)", tenant.is_some()),
                ("a token file (AZURE_FEDERATED_TOKEN_FILE)", file.is_some()),
            ],
        )?;
        return Ok(ChosenCredential {
            credential: Credential::AksWorkloadIdentity {
                client_id: client_id.unwrap_or_default(),
                token_file: file.unwrap_or_default(),
            },
            tenant_id: tenant,
            skipped,
        });
    }
    if s.use_oidc {
        let source = if let Some(token) = &s.oidc_token {
            Some(AssertionSource::Token(token.clone()))
        } else if let Some(path) = &s.oidc_token_file_path {
            Some(AssertionSource::File(path.clone()))
        } else if let (Some(url), Some(token)) = (&s.oidc_request_url, &s.oidc_request_token) {
            let request_url = Url::parse(url).map_err(|e| {
                Diagnostics::error(
                    "Invalid oidc_request_url",
                    format!("{url:?} is not a URL: {e}."),
                )
            })?;
            // The request token is a bearer secret: never send it in clear over a network.
            crate::arm::transport::check_endpoint(&request_url, "OIDC request URL")
                .map_err(|e| Diagnostics::error("Invalid oidc_request_url", format!("{e}.")))?;
            Some(match &s.ado_service_connection_id {
                Some(id) => AssertionSource::AzureDevOps {
                    request_url,
                    request_token: token.clone(),
                    service_connection_id: id.clone(),
                },
                None => AssertionSource::GitHubActions {
                    request_url,
                    request_token: token.clone(),
                },
            })
        } else {
            None
        };
        let Some(source) = source else {
            return Err(Diagnostics::error(
                "use_oidc is set but no OIDC token is available",
                "Set oidc_token (ARM_OIDC_TOKEN) or oidc_token_file_path (ARM_OIDC_TOKEN_FILE_PATH), or run in \
                 GitHub Actions with `id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN) or in an Azure DevOps \
                 pipeline with a service connection (SYSTEM_OIDCREQUESTURI, ARM_OIDC_AZURE_SERVICE_CONNECTION_ID).",
            ));
        };
        needs(AuthMethod::Oidc, &ids)?;
        return Ok(ChosenCredential {
            credential: Credential::Oidc {
                client_id: client_id.unwrap_or_default(),
                source,
            },
            tenant_id: tenant,
            skipped,
        });
    }
    skipped.push((AuthMethod::Oidc, "use_oidc (ARM_USE_OIDC) and use_aks_workload_identity (ARM_USE_AKS_WORKLOAD_IDENTITY) are not true".into()));

    // 4. Managed identity.
    if s.use_msi {
        let endpoint = match &s.msi_endpoint {
            Some(e) => Some(Url::parse(e).map_err(|err| {
                Diagnostics::error(
                    "Invalid msi_endpoint",
                    format!("{e:?} is not a URL: {err}."),
                )
            })?),
            None => None,
        };
        if !s.auxiliary_tenant_ids.is_empty() {
            return Err(Diagnostics::error(
                "Managed identity cannot authenticate in other tenants",
                format!(
                    "auxiliary_tenant_ids lists {}, but a managed identity exists only in its own tenant and \
                     cannot get tokens for another. Use a multi-tenant app registration (client secret, \
                     certificate or OIDC) consented in every tenant, or the Azure CLI, for cross-tenant work.",
                    s.auxiliary_tenant_ids.join(", ")
                ),
            ));
        }
        return Ok(ChosenCredential {
            credential: Credential::ManagedIdentity {
                client_id,
                endpoint,
            },
            tenant_id: tenant,
            skipped,
        });
    }
    skipped.push((
        AuthMethod::ManagedIdentity,
        "use_msi (ARM_USE_MSI) is not true".into(),
    ));

    // 5. Azure CLI.
    if s.use_cli {
        return Ok(ChosenCredential {
            credential: Credential::AzureCli,
            tenant_id: tenant,
            skipped,
        });
    }
    skipped.push((
        AuthMethod::AzureCli,
        "use_cli (ARM_USE_CLI) is false".into(),
    ));

    let reasons: Vec<String> = skipped
        .iter()
        .map(|(m, why)| format!("- {m}: {why}"))
        .collect();
    Err(Diagnostics::error(
        "No authentication method is configured",
        format!(
            "The provider tried each method in azurerm's order and none applies:\n{}\n\nConfigure one, e.g. \
             client_id, tenant_id and client_secret (ARM_CLIENT_ID, ARM_TENANT_ID, ARM_CLIENT_SECRET).",
            reasons.join("\n")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&'static str, &'static str)]) -> HashMap<&'static str, &'static str> {
        pairs.iter().copied().collect()
    }

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut m: BTreeMap<String, Value> = provider_schema()
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn settings(c: &Value, e: &HashMap<&str, &str>) -> ProviderSettings {
        resolve_settings(c, e).unwrap()
    }

    #[test]
    fn block_wins_over_environment() {
        let e = env(&[
            ("ARM_TENANT_ID", "env-tenant"),
            ("ARM_CLIENT_ID", "env-client"),
            ("ARM_SUBSCRIPTION_ID", "sub"),
        ]);
        let s = settings(&config(&[("tenant_id", Value::string("cfg-tenant"))]), &e);
        assert_eq!(s.tenant_id.as_deref(), Some("cfg-tenant"));
        assert_eq!(s.client_id.as_deref(), Some("env-client"));
        assert_eq!(s.subscription_id.as_deref(), Some("sub"));
        assert!(s.use_cli, "use_cli defaults to true");
    }

    #[test]
    fn client_secret_from_env_is_chosen_and_redacted() {
        let e = env(&[
            ("ARM_TENANT_ID", "t"),
            ("ARM_CLIENT_ID", "c"),
            ("ARM_CLIENT_SECRET", "hunter2"),
            ("ARM_CLIENT_CERTIFICATE_PASSWORD", "pfx-pass"),
        ]);
        let s = settings(&config(&[]), &e);
        let text = format!("{s:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("pfx-pass"),
            "{text}"
        );
        assert!(
            text.contains(r#"client_certificate_password: "<set>""#),
            "{text}"
        );
        let chosen = choose_credential(&s).unwrap();
        assert_eq!(chosen.credential.method(), AuthMethod::ClientSecret);
        assert_eq!(chosen.tenant_id.as_deref(), Some("t"));
        assert!(!format!("{chosen:?}").contains("hunter2"));
    }

    #[test]
    fn file_path_variants_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        let client = dir.path().join("client");
        std::fs::write(&secret, "from-file\n").unwrap();
        std::fs::write(&client, "client-from-file").unwrap();
        let c = config(&[
            (
                "client_secret_file_path",
                Value::string(secret.to_str().unwrap()),
            ),
            (
                "client_id_file_path",
                Value::string(client.to_str().unwrap()),
            ),
        ]);
        let s = settings(&c, &env(&[]));
        assert_eq!(s.client_secret.as_ref().unwrap().secret(), "from-file");
        assert_eq!(s.client_id.as_deref(), Some("client-from-file"));
        let bad = config(&[(
            "client_secret_file_path",
            Value::string(dir.path().join("nope").to_str().unwrap()),
        )]);
        let err = resolve_settings(&bad, &env(&[])).unwrap_err();
        assert!(err.0[0].summary.contains("Cannot read"));
    }

    #[test]
    fn a_method_that_applies_but_is_incomplete_is_an_error() {
        let s = settings(&config(&[("client_secret", Value::string("x"))]), &env(&[]));
        let err = choose_credential(&s).unwrap_err();
        assert!(
            err.0[0].detail.contains("client_id") && err.0[0].detail.contains("tenant_id"),
            "{:?}",
            err
        );
    }

    #[test]
    fn oidc_sources_in_order() {
        let base = [
            ("ARM_TENANT_ID", "t"),
            ("ARM_CLIENT_ID", "c"),
            ("ARM_USE_OIDC", "true"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = base.to_vec();
            pairs.extend_from_slice(extra);
            let s = settings(&config(&[]), &env(&pairs));
            choose_credential(&s)
        };
        let source = |r: Result<ChosenCredential, Diagnostics>| match r.unwrap().credential {
            Credential::Oidc { source, .. } => source.describe(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            source(with(&[
                ("ARM_OIDC_TOKEN", "jwt"),
                ("ARM_OIDC_TOKEN_FILE_PATH", "/f")
            ])),
            "OIDC token"
        );
        assert!(source(with(&[("ARM_OIDC_TOKEN_FILE_PATH", "/f")])).contains("/f"));
        assert_eq!(
            source(with(&[
                ("ACTIONS_ID_TOKEN_REQUEST_URL", "https://gh/x?a=b"),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "r")
            ])),
            "GitHub Actions OIDC token"
        );
        assert_eq!(
            source(with(&[
                ("SYSTEM_OIDCREQUESTURI", "https://dev.azure.com/x"),
                ("SYSTEM_ACCESSTOKEN", "r"),
                ("ARM_OIDC_AZURE_SERVICE_CONNECTION_ID", "sc")
            ])),
            "Azure DevOps OIDC token"
        );
        let err = with(&[]).unwrap_err();
        assert!(err.0[0].summary.contains("no OIDC token"));
        let err = with(&[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", "http://gh.example/x"),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "r"),
        ])
        .unwrap_err();
        assert!(err.0[0].detail.contains("unencrypted"), "{err:?}");
        // client secret comes before OIDC in azurerm's order
        let chosen = with(&[("ARM_CLIENT_SECRET", "s"), ("ARM_OIDC_TOKEN", "jwt")]).unwrap();
        assert_eq!(chosen.credential.method(), AuthMethod::ClientSecret);
        assert_eq!(chosen.skipped.len(), 1);
    }

    #[test]
    fn aks_workload_identity_uses_azure_variables() {
        let e = env(&[
            ("ARM_USE_AKS_WORKLOAD_IDENTITY", "true"),
            ("AZURE_CLIENT_ID", "wc"),
            ("AZURE_TENANT_ID", "wt"),
            ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token"),
        ]);
        let chosen = choose_credential(&settings(&config(&[]), &e)).unwrap();
        match chosen.credential {
            Credential::AksWorkloadIdentity {
                client_id,
                token_file,
            } => {
                assert_eq!(client_id, "wc");
                assert_eq!(token_file, PathBuf::from("/var/run/token"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(chosen.tenant_id.as_deref(), Some("wt"));
    }

    #[test]
    fn msi_refuses_auxiliary_tenants() {
        let e = env(&[("ARM_USE_MSI", "true"), ("ARM_AUXILIARY_TENANT_IDS", "a;b")]);
        let s = settings(&config(&[]), &e);
        assert_eq!(s.auxiliary_tenant_ids, vec!["a", "b"]);
        let err = choose_credential(&s).unwrap_err();
        assert!(err.0[0].summary.contains("Managed identity"));
        assert!(err.0[0].detail.contains("client secret"));
        let s = settings(&config(&[]), &env(&[("ARM_USE_MSI", "1")]));
        assert_eq!(
            choose_credential(&s).unwrap().credential.method(),
            AuthMethod::ManagedIdentity
        );
    }

    #[test]
    fn cli_is_the_default_and_nothing_explains_every_skip() {
        let s = settings(&config(&[]), &env(&[]));
        assert_eq!(
            choose_credential(&s).unwrap().credential.method(),
            AuthMethod::AzureCli
        );
        let s = settings(
            &config(&[("use_cli", Value::Bool(false))]),
            &env(&[("ARM_USE_CLI", "true")]),
        );
        let err = choose_credential(&s).unwrap_err();
        let detail = &err.0[0].detail;
        for m in [
            "client certificate",
            "client secret",
            "OIDC",
            "managed identity",
            "Azure CLI",
        ] {
            assert!(detail.contains(m), "{m} missing from {detail}");
        }
    }

    #[test]
    fn auxiliary_tenants_and_environment_are_validated() {
        let e = env(&[("ARM_AUXILIARY_TENANT_IDS", "a;b;c;d")]);
        assert!(resolve_settings(&config(&[]), &e).is_err());
        let c = config(&[(
            "auxiliary_tenant_ids",
            Value::List(vec![Value::string("x")]),
        )]);
        assert_eq!(
            settings(&c, &e).auxiliary_tenant_ids,
            vec!["x"],
            "the block wins"
        );
        assert!(resolve_settings(&config(&[]), &env(&[("ARM_ENVIRONMENT", "mars")])).is_err());
        assert!(resolve_settings(&config(&[]), &env(&[("ARM_USE_MSI", "maybe")])).is_err());
    }

    #[test]
    fn client_certificate_comes_first_and_bad_ones_are_explained() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cert.pfx");
        std::fs::write(&path, crate::arm::auth::test_pkcs12("pfx-password")).unwrap();
        let path_text: &'static str = Box::leak(path.display().to_string().into_boxed_str());
        let e = env(&[
            ("ARM_TENANT_ID", "t"),
            ("ARM_CLIENT_ID", "c"),
            ("ARM_CLIENT_SECRET", "s"),
            ("ARM_CLIENT_CERTIFICATE_PATH", path_text),
            ("ARM_CLIENT_CERTIFICATE_PASSWORD", "pfx-password"),
        ]);
        let chosen = choose_credential(&settings(&config(&[]), &e)).unwrap();
        assert_eq!(chosen.credential.method(), AuthMethod::ClientCertificate);
        assert!(chosen.skipped.is_empty());
        let mut wrong = e.clone();
        wrong.insert("ARM_CLIENT_CERTIFICATE_PASSWORD", "nope");
        let err = choose_credential(&settings(&config(&[]), &wrong)).unwrap_err();
        let text = format!("{} {}", err.0[0].summary, err.0[0].detail);
        assert!(
            text.contains("client_certificate_path") && text.contains("password"),
            "{text}"
        );
        assert!(
            !text.contains("nope") && !text.contains("pfx-password"),
            "{text}"
        );
    }

    #[test]
    fn clouds() {
        let s = settings(&config(&[]), &env(&[("ARM_ENVIRONMENT", "usgovernment")]));
        match s.cloud() {
            CloudChoice::Named(c) => assert_eq!(
                c.resource_manager.as_str(),
                "https://management.usgovcloudapi.net/"
            ),
            other => panic!("{other:?}"),
        }
        let s = settings(
            &config(&[]),
            &env(&[
                ("ARM_ENVIRONMENT", "china"),
                ("ARM_METADATA_HOSTNAME", "127.0.0.1:9"),
            ]),
        );
        assert_eq!(
            s.cloud(),
            CloudChoice::MetadataHost("127.0.0.1:9".into()),
            "metadata_host wins"
        );
        let s = settings(&config(&[]), &env(&[]));
        match s.cloud() {
            CloudChoice::Named(c) => assert_eq!(c.name, "public"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_cloud_metadata() {
        let one = serde_json::json!({
            "name": "Emulator",
            "resourceManager": "https://127.0.0.1:8443/",
            "authentication": {"loginEndpoint": "https://127.0.0.1:8443/", "audiences": ["https://management.core.windows.net/"]}
        });
        let c = CloudEndpoints::from_metadata("127.0.0.1:8443", &one).unwrap();
        assert_eq!(c.resource_manager.as_str(), "https://127.0.0.1:8443/");
        assert_eq!(c.audience, "https://management.core.windows.net/");
        let many = serde_json::json!([
            {"name": "AzureCloud", "resourceManager": "https://management.azure.com/", "authentication": {"loginEndpoint": "https://login.microsoftonline.com/", "audiences": ["a"]}},
            {"name": "Other", "resourceManager": "https://arm.example/", "authentication": {"loginEndpoint": "https://login.example/", "audiences": ["b"]}}
        ]);
        assert_eq!(
            CloudEndpoints::from_metadata("arm.example", &many)
                .unwrap()
                .name,
            "Other"
        );
        assert!(CloudEndpoints::from_metadata("x", &serde_json::json!({"name": "x"})).is_err());
    }
}

#[cfg(test)]
mod docs_tests {
    use super::*;

    /// docs/index.md documents every provider argument and every environment variable the
    /// schema names.
    #[test]
    fn provider_page_documents_every_argument_and_variable() {
        let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/index.md"))
            .expect("docs/index.md");
        assert!(
            page.starts_with("---\n") && page.contains("page_title:"),
            "Registry front matter"
        );
        assert!(page.contains("```terraform"), "an example");
        for attribute in provider_schema().block.attributes {
            assert!(
                page.contains(&format!("- `{}` - ", attribute.name)),
                "{} is not documented",
                attribute.name
            );
            for word in attribute
                .description
                .split(|c: char| !(c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
            {
                if word.len() > 4
                    && (word.starts_with("ARM_")
                        || word.starts_with("AZURE_")
                        || word.starts_with("ACTIONS_")
                        || word.starts_with("SYSTEM_"))
                {
                    assert!(
                        page.contains(word),
                        "{word} (of {}) is not documented",
                        attribute.name
                    );
                }
            }
        }
    }
}
