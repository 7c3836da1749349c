//! Client assertions for the assertion credential: an OIDC token given directly, read from a
//! file (re-read on every token request, as Kubernetes and CI rotate it), or requested from
//! GitHub Actions or Azure DevOps.

use std::fmt;
use std::path::PathBuf;

use async_trait::async_trait;
use azure_core::credentials::Secret;
use azure_core::error::{Error, ErrorKind};
use azure_core::http::ClientMethodOptions;
use azure_identity::ClientAssertion;
use url::Url;

/// The audience Entra ID expects in federated tokens.
pub const FEDERATED_AUDIENCE: &str = "api://AzureADTokenExchange";

/// Where an OIDC (federated) token comes from.
#[derive(Clone)]
pub enum AssertionSource {
    /// `oidc_token` / `ARM_OIDC_TOKEN`.
    Token(Secret),
    /// `oidc_token_file_path` / `ARM_OIDC_TOKEN_FILE_PATH` / `AZURE_FEDERATED_TOKEN_FILE`.
    File(PathBuf),
    /// GitHub Actions: `ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    GitHubActions {
        request_url: Url,
        request_token: Secret,
    },
    /// Azure DevOps: `SYSTEM_OIDCREQUESTURI` + `SYSTEM_ACCESSTOKEN` and the service connection.
    AzureDevOps {
        request_url: Url,
        request_token: Secret,
        service_connection_id: String,
    },
}

impl AssertionSource {
    pub fn describe(&self) -> String {
        match self {
            AssertionSource::Token(_) => "OIDC token".into(),
            AssertionSource::File(path) => format!("OIDC token file {}", path.display()),
            AssertionSource::GitHubActions { .. } => "GitHub Actions OIDC token".into(),
            AssertionSource::AzureDevOps { .. } => "Azure DevOps OIDC token".into(),
        }
    }
}

impl fmt::Debug for AssertionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// An assertion source plus the HTTP client to fetch remote tokens with.
#[derive(Clone)]
pub struct Assertion {
    pub source: AssertionSource,
    pub http: reqwest::Client,
}

impl fmt::Debug for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.source, f)
    }
}

fn credential_error(message: String) -> Error {
    Error::with_message(ErrorKind::Credential, message)
}

#[async_trait]
impl ClientAssertion for Assertion {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        match &self.source {
            AssertionSource::Token(token) => Ok(token.secret().to_string()),
            AssertionSource::File(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                    credential_error(format!(
                        "reading the OIDC token file {}: {e}",
                        path.display()
                    ))
                })?;
                let token = text.trim();
                if token.is_empty() {
                    return Err(credential_error(format!(
                        "the OIDC token file {} is empty",
                        path.display()
                    )));
                }
                Ok(token.to_string())
            }
            AssertionSource::GitHubActions {
                request_url,
                request_token,
            } => {
                let mut url = request_url.clone();
                url.query_pairs_mut()
                    .append_pair("audience", FEDERATED_AUDIENCE);
                let request = self.http.get(url).bearer_auth(request_token.secret());
                fetch_token(request, "value", "GitHub Actions").await
            }
            AssertionSource::AzureDevOps {
                request_url,
                request_token,
                service_connection_id,
            } => {
                let mut url = request_url.clone();
                url.query_pairs_mut()
                    .append_pair("api-version", "7.1")
                    .append_pair("serviceConnectionId", service_connection_id);
                let request = self
                    .http
                    .post(url)
                    .bearer_auth(request_token.secret())
                    .header(reqwest::header::CONTENT_LENGTH, "0");
                fetch_token(request, "oidcToken", "Azure DevOps").await
            }
        }
    }
}

async fn fetch_token(
    request: reqwest::RequestBuilder,
    field: &str,
    who: &str,
) -> azure_core::Result<String> {
    let response = request
        .send()
        .await
        .map_err(|e| credential_error(format!("requesting an OIDC token from {who}: {e}")))?;
    let status = response.status();
    if !status.is_success() {
        return Err(credential_error(format!(
            "{who} answered HTTP {status} to the OIDC token request"
        )));
    }
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| credential_error(format!("{who}'s OIDC token answer is not JSON: {e}")))?;
    body.get(field)
        .and_then(|v| v.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .ok_or_else(|| credential_error(format!("{who}'s OIDC token answer has no {field:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_assertions_are_reread_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "first\n").unwrap();
        let a = Assertion {
            source: AssertionSource::File(path.clone()),
            http: reqwest::Client::new(),
        };
        assert_eq!(a.secret(None).await.unwrap(), "first");
        std::fs::write(&path, "second").unwrap();
        assert_eq!(a.secret(None).await.unwrap(), "second");
        std::fs::write(&path, "  ").unwrap();
        assert!(a.secret(None).await.is_err());
        let missing = Assertion {
            source: AssertionSource::File(dir.path().join("nope")),
            http: reqwest::Client::new(),
        };
        assert!(
            missing
                .secret(None)
                .await
                .unwrap_err()
                .to_string()
                .contains("nope")
        );
    }

    #[test]
    fn debug_never_shows_tokens() {
        let a = AssertionSource::Token(Secret::new("super-secret-token".to_string()));
        assert!(!format!("{a:?}").contains("super-secret"));
        let g = AssertionSource::GitHubActions {
            request_url: Url::parse("https://gh.example/token?x=1").unwrap(),
            request_token: Secret::new("gh-secret".to_string()),
        };
        assert!(!format!("{g:?}").contains("gh-secret"));
    }
}
