//! Managed identity through a custom endpoint (`msi_endpoint` / `ARM_MSI_ENDPOINT`), which
//! azure_identity's `ManagedIdentityCredential` cannot be pointed at. The endpoint speaks the
//! IMDS protocol: `GET endpoint?api-version=2018-02-01&resource=...` with `Metadata: true`.

use std::fmt;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::{Error, ErrorKind};
use serde::Deserialize;
use time::OffsetDateTime;
use url::Url;

pub struct MsiEndpointCredential {
    endpoint: Url,
    client_id: Option<String>,
    http: reqwest::Client,
}

impl fmt::Debug for MsiEndpointCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsiEndpointCredential")
            .field("endpoint", &self.endpoint.as_str())
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl MsiEndpointCredential {
    pub fn new(endpoint: Url, client_id: Option<String>, http: reqwest::Client) -> Self {
        Self {
            endpoint,
            client_id,
            http,
        }
    }
}

#[derive(Deserialize)]
struct MsiToken {
    access_token: Secret,
    /// Seconds since the epoch, as a string or a number depending on the endpoint.
    expires_on: serde_json::Value,
}

fn error(message: String) -> Error {
    Error::with_message(ErrorKind::Credential, message)
}

#[async_trait]
impl TokenCredential for MsiEndpointCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let scope = scopes.first().ok_or_else(|| error("no scope".into()))?;
        let resource = scope.strip_suffix("/.default").unwrap_or(scope);
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("api-version", "2018-02-01")
            .append_pair("resource", resource);
        if let Some(id) = &self.client_id {
            url.query_pairs_mut().append_pair("client_id", id);
        }
        let response = self
            .http
            .get(url)
            .header("Metadata", "true")
            .send()
            .await
            .map_err(|e| {
                error(format!(
                    "requesting a token from the managed identity endpoint {}: {e}",
                    self.endpoint
                ))
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(error(format!(
                "the managed identity endpoint {} answered HTTP {status}",
                self.endpoint
            )));
        }
        let token: MsiToken = response.json().await.map_err(|e| {
            error(format!(
                "the managed identity endpoint's answer is not a token: {e}"
            ))
        })?;
        let expires_on = match &token.expires_on {
            serde_json::Value::String(s) => s.parse::<i64>().ok(),
            serde_json::Value::Number(n) => n.as_i64(),
            _ => None,
        }
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .ok_or_else(|| {
            error("the managed identity endpoint's token has no valid expires_on".into())
        })?;
        Ok(AccessToken::new(token.access_token, expires_on))
    }
}
