//! The provider itself: its configuration (azurerm's settings and `ARM_*` variables),
//! building the ARM client from it, and turning ARM errors into diagnostics.

pub mod config;
pub mod diagnostics;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::arm::auth::{AuthMethod, CredentialConfig, TenantTokens};
use crate::arm::retry::RetryPolicy;
use crate::arm::{ArmClient, ArmClientConfig, ArmError, transport};
use crate::protocol::{
    Diagnostics, ErasedDataSource, ErasedResource, Provider, Schema, TerraformInfo,
};
use crate::value::Value;
use config::{CloudChoice, CloudEndpoints, Environment, ProcessEnvironment};
use diagnostics::arm_error_diagnostics;

/// The `avnm` provider.
#[derive(Debug, Default, Clone, Copy)]
pub struct AvnmProvider;

#[async_trait]
impl Provider for AvnmProvider {
    type Client = ArmClient;

    fn type_name(&self) -> &'static str {
        "avnm"
    }

    fn schema(&self) -> Schema {
        config::provider_schema()
    }

    async fn configure(
        &self,
        config: &Value,
        terraform: &TerraformInfo,
    ) -> Result<ArmClient, Diagnostics> {
        configure_client(config, terraform, &ProcessEnvironment).await
    }

    fn resources(&self) -> Vec<Arc<dyn ErasedResource<ArmClient>>> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<Arc<dyn ErasedDataSource<ArmClient>>> {
        crate::data_sources::all()
    }
}

/// The User-Agent ARM sees: the provider's and Terraform's versions.
pub fn user_agent(terraform: &TerraformInfo) -> String {
    let tf = if terraform.terraform_version.is_empty() {
        "unknown"
    } else {
        &terraform.terraform_version
    };
    format!(
        "terraform-provider-avnm/{} Terraform/{tf}",
        env!("CARGO_PKG_VERSION")
    )
}

/// Builds the ARM client from the provider block and `env`: settings, cloud, credential,
/// a first token (so a configuration that cannot authenticate fails here, with the reason).
pub async fn configure_client(
    config: &Value,
    terraform: &TerraformInfo,
    env: &dyn Environment,
) -> Result<ArmClient, Diagnostics> {
    let settings = config::resolve_settings(config, env)?;
    let chosen = config::choose_credential(&settings)?;
    let ca_file = env
        .var("SSL_CERT_FILE")
        .filter(|v| !v.trim().is_empty())
        .map(std::path::PathBuf::from);
    let user_agent = user_agent(terraform);
    let setup = |e: ArmError| arm_error_diagnostics("configuring the provider", &e);

    let http = transport::build_http_client(ca_file.as_deref()).map_err(setup)?;
    let cloud = match settings.cloud() {
        CloudChoice::Named(c) => c,
        CloudChoice::MetadataHost(host) => load_cloud_metadata(&http, &host, &user_agent)
            .await
            .map_err(setup)?,
    };
    transport::check_endpoint(&cloud.resource_manager, "resource manager endpoint")
        .map_err(setup)?;

    let method = chosen.credential.method();
    tracing::info!(
        method = method.name(),
        tenant_id = chosen.tenant_id.as_deref().unwrap_or("(CLI default)"),
        client_id = chosen.credential.client_id().unwrap_or("-"),
        cloud = %cloud.name,
        skipped = ?chosen.skipped.iter().map(|(m, _)| m.name()).collect::<Vec<_>>(),
        "authenticating with {method}"
    );
    let tokens = TenantTokens::new(CredentialConfig {
        tenant_id: chosen.tenant_id.clone(),
        credential: chosen.credential,
        authority_host: cloud.authority_host.clone(),
        audience: cloud.audience.clone(),
        http: http.clone(),
    })
    .await
    .map_err(|e| arm_error_diagnostics("configuring the provider", &e))?;

    // As azurerm does: with the Azure CLI and no subscription_id, use the CLI's default one.
    let subscription_id = match (&settings.subscription_id, method) {
        (None, AuthMethod::AzureCli) => cli_default_subscription().await,
        (configured, _) => configured.clone(),
    };

    ArmClient::new(ArmClientConfig {
        endpoint: cloud.resource_manager.clone(),
        http,
        tokens: Arc::new(tokens),
        subscription_id,
        auxiliary_tenants: settings.auxiliary_tenant_ids.clone(),
        user_agent,
        retry: RetryPolicy::default(),
    })
    .map_err(setup)
}

/// The Azure CLI's default subscription (`az account show`), `None` when it cannot tell.
async fn cli_default_subscription() -> Option<String> {
    let run = tokio::process::Command::new("az")
        .args(["account", "show", "--output", "json"])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(Duration::from_secs(30), run).await {
        Ok(Ok(output)) if output.status.success() => output,
        other => {
            tracing::debug!(outcome = ?other.map(|r| r.map(|o| o.status)), "az account show gave no default subscription");
            return None;
        }
    };
    let account: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let id = account.get("id")?.as_str()?.to_string();
    tracing::info!(subscription_id = %id, "using the Azure CLI's default subscription");
    Some(id)
}

/// How long loading the cloud's endpoints from `metadata_host` may take.
const METADATA_TIMEOUT: Duration = Duration::from_secs(60);

/// Fetches `https://HOST/metadata/endpoints?api-version=2022-09-01`.
pub async fn load_cloud_metadata(
    http: &reqwest::Client,
    host: &str,
    user_agent: &str,
) -> Result<CloudEndpoints, ArmError> {
    let host = host
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/');
    let url = format!("https://{host}/metadata/endpoints?api-version=2022-09-01");
    let fail = |message: String| {
        ArmError::Configuration(format!(
            "loading the cloud's endpoints from metadata_host {host} ({url}): {message}"
        ))
    };
    // The timeout covers the body too: a server can send headers and then stall.
    let exchange = async {
        let response = http
            .get(&url)
            .header(reqwest::header::USER_AGENT, user_agent)
            .send()
            .await
            .map_err(|e| {
                fail(transport::with_causes(
                    e.to_string(),
                    std::error::Error::source(&e),
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}")));
        }
        response
            .json::<serde_json::Value>()
            .await
            .map_err(|e| fail(format!("not JSON: {e}")))
    };
    let body = tokio::time::timeout(METADATA_TIMEOUT, exchange)
        .await
        .map_err(|_| fail(format!("timed out after {}s", METADATA_TIMEOUT.as_secs())))??;
    let cloud = CloudEndpoints::from_metadata(host, &body).map_err(fail)?;
    tracing::debug!(resource_manager = %cloud.resource_manager, login = %cloud.authority_host, "loaded cloud endpoints from metadata_host");
    Ok(cloud)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_provider_and_terraform() {
        let ua = user_agent(&TerraformInfo {
            terraform_version: "1.15.2".into(),
        });
        assert_eq!(
            ua,
            format!(
                "terraform-provider-avnm/{} Terraform/1.15.2",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(user_agent(&TerraformInfo::default()).ends_with("Terraform/unknown"));
    }

    #[test]
    fn provider_names_and_schema() {
        let p = AvnmProvider;
        assert_eq!(p.type_name(), "avnm");
        let schema = p.schema();
        for sensitive in [
            "client_secret",
            "client_certificate",
            "client_certificate_password",
            "oidc_token",
            "oidc_request_token",
        ] {
            assert!(
                schema
                    .block
                    .attribute(sensitive)
                    .is_some_and(|a| a.sensitive),
                "{sensitive} must be sensitive"
            );
        }
        assert!(
            schema
                .block
                .attributes
                .iter()
                .all(|a| !a.description.is_empty())
        );
    }
}
