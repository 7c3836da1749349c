//! Errors of the ARM client, typed so that the provider layer can explain them
//! (`provider::diagnostics`). None of them ever carries a secret or a token.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// ARM's error body (`CloudError`): `{"error": {code, message, target, details}}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CloudErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub details: Vec<CloudErrorBody>,
}

#[derive(Deserialize)]
struct CloudErrorEnvelope {
    error: CloudErrorBody,
}

impl CloudErrorBody {
    /// Reads `{"error": {...}}` (or a bare `{code, message}`) from a response body.
    pub fn from_bytes(body: &[u8]) -> Option<CloudErrorBody> {
        if let Ok(envelope) = serde_json::from_slice::<CloudErrorEnvelope>(body) {
            return Some(envelope.error);
        }
        serde_json::from_slice::<CloudErrorBody>(body)
            .ok()
            .filter(|b| !b.code.is_empty())
    }

    /// Reads the `error` member of an already parsed JSON value.
    pub fn from_value(value: &serde_json::Value) -> Option<CloudErrorBody> {
        let inner = value.get("error").unwrap_or(value);
        serde_json::from_value::<CloudErrorBody>(inner.clone())
            .ok()
            .filter(|b| !b.code.is_empty())
    }
}

/// An error answer from ARM, with what is needed to explain it and to ask Azure support.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudError {
    pub status: u16,
    pub method: String,
    /// The request path (no query string).
    pub path: String,
    pub body: CloudErrorBody,
    pub request_id: Option<String>,
    pub correlation_id: Option<String>,
    /// The tenant the main token was issued for.
    pub tenant_id: String,
    /// Tenants whose auxiliary tokens were sent with the request.
    pub auxiliary_tenants: Vec<String>,
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: HTTP {} {}: {}",
            self.method, self.path, self.status, self.body.code, self.body.message
        )?;
        if let Some(target) = &self.body.target {
            write!(f, " (target: {target})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// A failure to get a token from Entra ID (or the CLI, or a managed identity endpoint).
#[derive(Debug, Clone, PartialEq)]
pub struct AuthError {
    /// The authentication method, e.g. "client secret".
    pub method: String,
    pub tenant_id: String,
    pub client_id: Option<String>,
    /// Entra ID's error code (`AADSTS7000215`) when the answer carried one.
    pub aadsts: Option<String>,
    /// What went wrong, never containing a secret.
    pub message: String,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "authenticating with {} for tenant {}",
            self.method, self.tenant_id
        )?;
        if let Some(client) = &self.client_id {
            write!(f, " as client {client}")?;
        }
        write!(f, " failed")?;
        if let Some(code) = &self.aadsts {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum ArmError {
    /// ARM answered with an error status and (usually) a `CloudError` body.
    #[error("{0}")]
    Cloud(Box<CloudError>),
    #[error("{0}")]
    Authentication(Box<AuthError>),
    /// The request could not be sent or its answer not received (after retries).
    #[error("{method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
    },
    /// The operation's deadline passed while waiting for ARM.
    #[error("timed out after {waited:?} waiting for {what}")]
    Timeout { what: String, waited: Duration },
    /// ARM's answer was not what its contract says.
    #[error("unexpected response to {method} {url} (HTTP {status}): {message}")]
    InvalidResponse {
        method: String,
        url: String,
        status: u16,
        message: String,
    },
    /// A long-running operation ended in `Failed` or `Canceled`.
    #[error("long-running operation {status} for {path}: {}", .error.as_ref().map(|e| format!("{}: {}", e.code, e.message)).unwrap_or_else(|| "no error details".to_string()))]
    OperationFailed {
        path: String,
        status: String,
        error: Option<Box<CloudErrorBody>>,
        correlation_id: Option<String>,
    },
    /// The client was configured in a way that cannot work (e.g. a plain-http endpoint).
    #[error("{0}")]
    Configuration(String),
}

impl ArmError {
    /// The HTTP status of an ARM error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ArmError::Cloud(c) => Some(c.status),
            ArmError::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// ARM's error code (`ResourceNotFound`, `LinkedAuthorizationFailed`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            ArmError::Cloud(c) => Some(c.body.code.as_str()),
            ArmError::OperationFailed { error: Some(e), .. } => Some(e.code.as_str()),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 409 Conflict or 412 Precondition Failed (etag mismatch).
    pub fn is_conflict(&self) -> bool {
        matches!(self.status(), Some(409) | Some(412))
    }

    pub fn cloud(&self) -> Option<&CloudError> {
        match self {
            ArmError::Cloud(c) => Some(c),
            _ => None,
        }
    }
}

impl From<AuthError> for ArmError {
    fn from(e: AuthError) -> Self {
        ArmError::Authentication(Box::new(e))
    }
}

impl From<CloudError> for ArmError {
    fn from(e: CloudError) -> Self {
        ArmError::Cloud(Box::new(e))
    }
}

/// Finds an Entra ID error code (`AADSTS` followed by digits) in a message.
pub fn find_aadsts_code(message: &str) -> Option<String> {
    let start = message.find("AADSTS")?;
    let digits: String = message[start + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty()).then(|| format!("AADSTS{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cloud_error_bodies() {
        let body = br#"{"error":{"code":"LinkedAuthorizationFailed","message":"The client has permission ...","target":"resourceId","details":[{"code":"Inner","message":"m"}]}}"#;
        let e = CloudErrorBody::from_bytes(body).unwrap();
        assert_eq!(e.code, "LinkedAuthorizationFailed");
        assert_eq!(e.target.as_deref(), Some("resourceId"));
        assert_eq!(e.details[0].code, "Inner");
        let bare = CloudErrorBody::from_bytes(br#"{"code":"X","message":"y"}"#).unwrap();
        assert_eq!(bare.code, "X");
        assert!(CloudErrorBody::from_bytes(b"<html>").is_none());
        assert!(CloudErrorBody::from_bytes(b"{}").is_none());
    }

    #[test]
    fn aadsts_codes_are_found() {
        assert_eq!(
            find_aadsts_code("AADSTS7000215: Invalid client secret provided.").as_deref(),
            Some("AADSTS7000215")
        );
        assert_eq!(
            find_aadsts_code("x AADSTS90002 y").as_deref(),
            Some("AADSTS90002")
        );
        assert_eq!(find_aadsts_code("AADSTS"), None);
        assert_eq!(find_aadsts_code("nothing"), None);
    }

    #[test]
    fn display_includes_code_and_request_id() {
        let e = ArmError::from(CloudError {
            status: 403,
            method: "PUT".into(),
            path: "/subscriptions/s".into(),
            body: CloudErrorBody {
                code: "AuthorizationFailed".into(),
                message: "no".into(),
                target: None,
                details: vec![],
            },
            request_id: Some("rid".into()),
            correlation_id: None,
            tenant_id: "t".into(),
            auxiliary_tenants: vec![],
        });
        let text = e.to_string();
        assert!(
            text.contains("AuthorizationFailed") && text.contains("rid") && text.contains("403")
        );
        assert_eq!(e.code(), Some("AuthorizationFailed"));
        assert!(!e.is_not_found());
    }
}
