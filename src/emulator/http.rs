//! The emulator's own request and response values, independent of hyper so that handlers
//! are plain functions that unit tests can call, and the two error bodies it speaks:
//! ARM's `CloudError` and Entra ID's OAuth error.

use bytes::Bytes;
use serde_json::{Value, json};

use super::ids::{new_guid, parse_query};

/// One request, fully read.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: http::Method,
    pub path: String,
    pub query: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
    /// `https://HOST:PORT` as the client addressed us (for `Location` and `nextLink`).
    pub base_url: String,
}

impl Request {
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(&self.query)
    }

    /// The first value of a query parameter, name compared case-insensitively.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs()
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A response before it is turned into hyper's.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Response {
    pub fn json(status: u16, body: &Value) -> Response {
        Response {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        }
    }

    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// An ARM error: status plus the `CloudError` body.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Rarely set parts, boxed to keep `Result<_, ArmError>` small.
    extra: Option<Box<ErrorExtra>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct ErrorExtra {
    target: Option<String>,
    details: Vec<ArmError>,
    /// Extra headers (`WWW-Authenticate`, `Retry-After`).
    headers: Vec<(String, String)>,
}

impl ArmError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ArmError {
        ArmError {
            status,
            code: code.to_string(),
            message: message.into(),
            extra: None,
        }
    }

    fn extra_mut(&mut self) -> &mut ErrorExtra {
        self.extra.get_or_insert_with(Default::default)
    }

    pub fn with_target(mut self, target: impl Into<String>) -> ArmError {
        self.extra_mut().target = Some(target.into());
        self
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> ArmError {
        self.extra_mut()
            .headers
            .push((name.to_string(), value.into()));
        self
    }

    pub fn with_details(mut self, details: Vec<ArmError>) -> ArmError {
        self.extra_mut().details = details;
        self
    }

    pub fn target(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.target.as_deref())
    }

    pub fn details(&self) -> &[ArmError] {
        self.extra
            .as_ref()
            .map(|e| e.details.as_slice())
            .unwrap_or(&[])
    }

    fn body_json(&self) -> Value {
        let mut body = json!({"code": self.code, "message": self.message});
        if let Some(t) = self.target() {
            body["target"] = json!(t);
        }
        if !self.details().is_empty() {
            body["details"] = Value::Array(self.details().iter().map(|d| d.body_json()).collect());
        }
        body
    }

    pub fn into_response(self) -> Response {
        let mut r = Response::json(self.status, &json!({"error": self.body_json()}));
        if let Some(extra) = &self.extra {
            r.headers.extend(extra.headers.iter().cloned());
        }
        r.headers
            .push(("x-ms-failure-cause".into(), "gateway".into()));
        r
    }

    /// ARM's 404 for a missing resource; `type_path` is `Microsoft.Network/networkManagers/nm`.
    pub fn not_found(type_path: &str, resource_group: Option<&str>) -> ArmError {
        let message = match resource_group {
            Some(rg) => format!(
                "The Resource '{type_path}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
            None => format!(
                "The Resource '{type_path}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        };
        ArmError::new(404, "ResourceNotFound", message)
    }

    pub fn parent_not_found(parent_name: &str) -> ArmError {
        ArmError::new(
            404,
            "ParentResourceNotFound",
            format!(
                "Can not perform requested operation on nested resource. Parent resource '{parent_name}' not found."
            ),
        )
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> ArmError {
        ArmError::new(400, code, message)
    }
}

/// An Entra ID token endpoint error (`AADSTS…`).
#[derive(Debug, Clone, PartialEq)]
pub struct EntraError {
    pub status: u16,
    pub error: &'static str,
    pub code: u32,
    pub description: String,
}

impl EntraError {
    pub fn new(
        status: u16,
        error: &'static str,
        code: u32,
        description: impl Into<String>,
    ) -> Self {
        EntraError {
            status,
            error,
            code,
            description: description.into(),
        }
    }

    pub fn into_response(self) -> Response {
        let trace_id = new_guid();
        let correlation_id = new_guid();
        let timestamp = super::store::timestamp_now();
        let description = format!(
            "AADSTS{}: {} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}",
            self.code, self.description
        );
        Response::json(
            self.status,
            &json!({
                "error": self.error,
                "error_description": description,
                "error_codes": [self.code],
                "timestamp": timestamp,
                "trace_id": trace_id,
                "correlation_id": correlation_id,
                "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_error_shape() {
        let e = ArmError::bad_request("InvalidRequestFormat", "Cannot parse the request.")
            .with_details(vec![
                ArmError::bad_request("X", "y").with_target("properties.a"),
            ]);
        let r = e.into_response();
        assert_eq!(r.status, 400);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"]["code"], "InvalidRequestFormat");
        assert_eq!(v["error"]["details"][0]["target"], "properties.a");
    }

    #[test]
    fn entra_error_shape() {
        let r = EntraError::new(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
        )
        .into_response();
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["error"], "invalid_client");
        assert_eq!(v["error_codes"][0], 7000215);
        assert!(
            v["error_description"]
                .as_str()
                .unwrap()
                .starts_with("AADSTS7000215: ")
        );
    }
}
