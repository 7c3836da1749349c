//! Long-running operations: ARM answers 201/202 with `Azure-AsyncOperation` (a status
//! resource: `{"status": "InProgress" | "Succeeded" | "Failed" | "Canceled", "error": ...}`)
//! or `Location` (202 while running, 200/204 when done). azure_core has no ARM poller; this
//! is a small one. It waits as `Retry-After` says, and never past the operation's deadline.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value as Json;
use tokio::time::Instant;
use url::Url;

use super::client::{ArmClient, RequestOptions};
use super::error::{ArmError, CloudErrorBody};
use super::retry;

/// Where to ask how a long-running operation is going.
#[derive(Debug, Clone, PartialEq)]
pub enum PollTarget {
    AsyncOperation(Url),
    Location(Url),
}

impl PollTarget {
    /// `Azure-AsyncOperation` is preferred, as ARM's guidelines say; relative URLs are
    /// resolved against `base`.
    pub fn from_headers(headers: &HeaderMap, base: &Url) -> Option<PollTarget> {
        let url = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| base.join(v.trim()).ok())
        };
        url("azure-asyncoperation")
            .map(PollTarget::AsyncOperation)
            .or_else(|| url("location").map(PollTarget::Location))
    }

    pub fn url(&self) -> &Url {
        match self {
            PollTarget::AsyncOperation(u) | PollTarget::Location(u) => u,
        }
    }
}

/// The state of an operation as its status resource tells it.
#[derive(Debug, Clone, PartialEq)]
pub enum OperationStatus {
    InProgress,
    Succeeded,
    /// `Failed` or `Canceled` (the status text as ARM wrote it), with ARM's error if any.
    Failed(String, Option<CloudErrorBody>),
}

/// Reads an `Azure-AsyncOperation` status body. Unknown statuses (`Accepted`, `Running`,
/// `Deleting`, ...) count as in progress, as ARM's guidelines say of non-terminal states.
pub fn async_operation_status(body: &Json) -> Option<OperationStatus> {
    let status = body.get("status")?.as_str()?;
    Some(match status.to_ascii_lowercase().as_str() {
        "succeeded" => OperationStatus::Succeeded,
        "failed" | "canceled" | "cancelled" => OperationStatus::Failed(
            status.to_string(),
            body.get("error").and_then(CloudErrorBody::from_value),
        ),
        _ => OperationStatus::InProgress,
    })
}

/// Default wait between polls when ARM gives no `Retry-After`.
const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// Polls until the operation is done and returns the final body of a `Location` poll (if any).
/// `first_wait` is the `Retry-After` of the answer that started the operation.
pub(crate) async fn wait_for_completion(
    client: &ArmClient,
    target: PollTarget,
    resource_path: &str,
    first_wait: Option<Duration>,
    opts: &RequestOptions,
    deadline: Instant,
) -> Result<Option<Json>, ArmError> {
    let started = Instant::now();
    let mut wait = first_wait.unwrap_or(DEFAULT_POLL_INTERVAL);
    let mut polls = 0u32;
    loop {
        // Compared as durations: a server's hint can be too large to add to the clock.
        if wait >= deadline.saturating_duration_since(Instant::now()) {
            return Err(ArmError::Timeout {
                what: format!(
                    "the long-running operation on {resource_path} to finish ({polls} polls)"
                ),
                waited: started.elapsed(),
            });
        }
        tokio::time::sleep(wait).await;
        polls += 1;
        let response = client
            .send_url(
                reqwest::Method::GET,
                target.url().clone(),
                None,
                &[],
                opts,
                deadline,
            )
            .await?;
        let hint = retry::retry_after(&response.headers);
        tracing::debug!(
            path = resource_path,
            poll = polls,
            status = response.status,
            "polled long-running operation"
        );
        match &target {
            PollTarget::AsyncOperation(_) => {
                if !(200..300).contains(&response.status) {
                    return Err(client.error_from(
                        &reqwest::Method::GET,
                        resource_path,
                        &response,
                        &[],
                    ));
                }
                let body = response.json().ok_or_else(|| ArmError::InvalidResponse {
                    method: "GET".into(),
                    url: target.url().path().to_string(),
                    status: response.status,
                    message: "the operation status is not JSON".into(),
                })?;
                match async_operation_status(&body) {
                    Some(OperationStatus::Succeeded) => return Ok(None),
                    Some(OperationStatus::Failed(status, error)) => {
                        return Err(ArmError::OperationFailed {
                            path: resource_path.to_string(),
                            status,
                            error: error.map(Box::new),
                            correlation_id: Some(client.correlation_id().to_string()),
                        });
                    }
                    Some(OperationStatus::InProgress) => {}
                    None => {
                        return Err(ArmError::InvalidResponse {
                            method: "GET".into(),
                            url: target.url().path().to_string(),
                            status: response.status,
                            message: "the operation status has no \"status\"".into(),
                        });
                    }
                }
            }
            PollTarget::Location(_) => match response.status {
                202 => {}
                200..=299 => return Ok(response.json()),
                _ => {
                    return Err(client.error_from(
                        &reqwest::Method::GET,
                        resource_path,
                        &response,
                        &[],
                    ));
                }
            },
        }
        wait = hint.unwrap_or(DEFAULT_POLL_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    #[test]
    fn prefers_async_operation_and_resolves_relative_urls() {
        let base = Url::parse("https://arm.example/subscriptions/s/x").unwrap();
        let mut h = HeaderMap::new();
        assert_eq!(PollTarget::from_headers(&h, &base), None);
        h.insert(
            "location",
            HeaderValue::from_static("/operationResults/1?api-version=v"),
        );
        assert_eq!(
            PollTarget::from_headers(&h, &base),
            Some(PollTarget::Location(
                Url::parse("https://arm.example/operationResults/1?api-version=v").unwrap()
            ))
        );
        h.insert(
            "azure-asyncoperation",
            HeaderValue::from_static("https://arm.example/ops/2"),
        );
        assert_eq!(
            PollTarget::from_headers(&h, &base),
            Some(PollTarget::AsyncOperation(
                Url::parse("https://arm.example/ops/2").unwrap()
            ))
        );
    }

    #[test]
    fn reads_operation_statuses() {
        assert_eq!(
            async_operation_status(&json!({"status": "InProgress"})),
            Some(OperationStatus::InProgress)
        );
        assert_eq!(
            async_operation_status(&json!({"status": "Deleting"})),
            Some(OperationStatus::InProgress)
        );
        assert_eq!(
            async_operation_status(&json!({"status": "succeeded"})),
            Some(OperationStatus::Succeeded)
        );
        match async_operation_status(
            &json!({"status": "Failed", "error": {"code": "Boom", "message": "m"}}),
        ) {
            Some(OperationStatus::Failed(s, Some(e))) => {
                assert_eq!(s, "Failed");
                assert_eq!(e.code, "Boom");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            async_operation_status(&json!({"status": "Canceled"})),
            Some(OperationStatus::Failed(_, None))
        ));
        assert_eq!(async_operation_status(&json!({})), None);
    }
}
