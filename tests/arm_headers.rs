//! What the ARM client puts on the wire, seen by a scripted loopback server (plain http is
//! allowed to loopback): bearer and auxiliary tokens, the correlation ID per operation, the
//! client request ID per request (kept across retries), the User-Agent, and the refusal to
//! send tokens to another host named by a poll or next link.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, Secret};
use terraform_provider_avnm::arm::auth::TokenSource;
use terraform_provider_avnm::arm::retry::RetryPolicy;
use terraform_provider_avnm::arm::{ArmClient, ArmClientConfig, ArmError, RequestOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Tokens `token-<tenant>` for any tenant.
#[derive(Debug)]
struct FakeTokens;

#[async_trait]
impl TokenSource for FakeTokens {
    fn home_tenant(&self) -> &str {
        "home"
    }
    fn method(&self) -> &str {
        "fake"
    }
    async fn token(&self, tenant_id: &str) -> Result<AccessToken, ArmError> {
        Ok(AccessToken::new(
            Secret::new(format!("token-{tenant_id}")),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        ))
    }
}

#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback server answering with the responses `script` writes for its base URL, in
/// order (raw HTTP/1.1 text after "HTTP/1.1 "), recording each request.
async fn scripted_server(
    script: impl FnOnce(&str) -> Vec<String>,
) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let responses = script(&base);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let responses = Arc::new(Mutex::new(VecDeque::from(responses)));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let record = record.clone();
            let responses = responses.clone();
            tokio::spawn(async move {
                loop {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let head_end = loop {
                        let n = match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut lines = head.split("\r\n");
                    let request_line = lines.next().unwrap_or_default().to_string();
                    let headers: Vec<(String, String)> = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .collect();
                    let length: usize = headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    let mut body = buf[head_end + 4..].to_vec();
                    while body.len() < length {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        body.extend_from_slice(&chunk[..n]);
                    }
                    record.lock().unwrap().push(Seen {
                        request_line,
                        headers,
                    });
                    let response = responses.lock().unwrap().pop_front().unwrap_or_else(|| {
                        "500 Internal Server Error\r\ncontent-length: 0\r\n\r\n".into()
                    });
                    if socket
                        .write_all(format!("HTTP/1.1 {response}").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (base, seen)
}

fn json_response(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "{status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

fn client(base: &str, provider_wide: &[&str]) -> ArmClient {
    ArmClient::new(ArmClientConfig {
        endpoint: url::Url::parse(&format!("{base}/")).unwrap(),
        http: reqwest::Client::new(),
        tokens: Arc::new(FakeTokens),
        subscription_id: None,
        auxiliary_tenants: provider_wide.iter().map(|s| s.to_string()).collect(),
        user_agent: "terraform-provider-avnm/0.1.0 Terraform/1.15.0".into(),
        retry: RetryPolicy {
            max_retries: 3,
            initial_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
        },
    })
    .unwrap()
}

const ID: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm";

#[tokio::test]
async fn headers_tokens_and_ids() {
    let (base, seen) = scripted_server(|_| {
        vec![
            json_response(
                "429 Too Many Requests",
                "retry-after: 0\r\n",
                r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
            ),
            json_response("201 Created", "", r#"{"id":"x","name":"nm"}"#),
            json_response("200 OK", "", r#"{"id":"x","name":"nm"}"#),
            json_response("200 OK", "", r#"{"id":"x","name":"nm"}"#),
        ]
    })
    .await;
    let client = client(&base, &["wide", "HOME"]);
    let op = client.for_operation();
    let opts = RequestOptions::default().with_auxiliary_tenants(["extra", "wide"]);
    op.put(
        ID,
        "2026-03-01",
        &serde_json::json!({"properties": {}}),
        &opts,
    )
    .await
    .expect("put");
    op.get(ID, "2026-03-01", &RequestOptions::default())
        .await
        .expect("get");
    client
        .for_operation()
        .get(ID, "2026-03-01", &RequestOptions::default())
        .await
        .expect("get");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    let (put1, put2, get1, get2) = (&seen[0], &seen[1], &seen[2], &seen[3]);
    assert!(
        put1.request_line
            .starts_with(&format!("PUT {ID}?api-version=2026-03-01 ")),
        "{}",
        put1.request_line
    );
    assert_eq!(put1.header("authorization"), Some("Bearer token-home"));
    assert_eq!(
        put1.header("x-ms-authorization-auxiliary"),
        Some("Bearer token-wide, Bearer token-extra"),
        "provider-wide then per-request, deduplicated, without the home tenant"
    );
    assert_eq!(
        get1.header("x-ms-authorization-auxiliary"),
        None,
        "reads carry only per-request tenants"
    );
    assert_eq!(
        put1.header("user-agent"),
        Some("terraform-provider-avnm/0.1.0 Terraform/1.15.0")
    );
    assert_eq!(put1.header("content-type"), Some("application/json"));
    // one client request ID per request, kept across the retry
    assert_eq!(
        put1.header("x-ms-client-request-id"),
        put2.header("x-ms-client-request-id")
    );
    assert_ne!(
        put2.header("x-ms-client-request-id"),
        get1.header("x-ms-client-request-id")
    );
    // one correlation ID per operation
    let correlation = put1.header("x-ms-correlation-request-id").unwrap();
    assert_eq!(correlation, op.correlation_id());
    assert_eq!(
        get1.header("x-ms-correlation-request-id"),
        Some(correlation)
    );
    assert_ne!(
        get2.header("x-ms-correlation-request-id"),
        Some(correlation)
    );
    assert_ne!(client.correlation_id(), op.correlation_id());
}

#[tokio::test]
async fn tokens_are_never_sent_to_another_origin() {
    let (base, seen) = scripted_server(|_| {
        vec![json_response(
            "201 Created",
            "azure-asyncoperation: http://127.0.0.2:9/operations/1\r\nretry-after: 0\r\n",
            r#"{"id":"x"}"#,
        )]
    })
    .await;
    let err = client(&base, &[])
        .put(
            ID,
            "2026-03-01",
            &serde_json::json!({}),
            &RequestOptions::default(),
        )
        .await
        .expect_err("the poll URL is on another origin");
    assert!(
        err.to_string()
            .contains("not the resource manager endpoint"),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn polls_until_succeeded_then_reads_and_reports_failed_operations() {
    let (base, seen) = scripted_server(|base| {
        let op = format!("{base}/operations/1?api-version=2026-03-01");
        vec![
            json_response(
                "201 Created",
                &format!("azure-asyncoperation: {op}\r\nretry-after: 0\r\n"),
                r#"{"id":"x"}"#,
            ),
            json_response("200 OK", "retry-after: 0\r\n", r#"{"status":"InProgress"}"#),
            json_response("200 OK", "", r#"{"status":"Succeeded"}"#),
            json_response(
                "200 OK",
                "",
                r#"{"id":"x","properties":{"provisioningState":"Succeeded"}}"#,
            ),
            json_response(
                "202 Accepted",
                &format!("azure-asyncoperation: {op}\r\nretry-after: 0\r\n"),
                "",
            ),
            json_response(
                "200 OK",
                "",
                r#"{"status":"Failed","error":{"code":"CannotDelete","message":"in use"}}"#,
            ),
            json_response(
                "202 Accepted",
                &format!("location: {base}/results/2\r\nretry-after: 0\r\n"),
                "",
            ),
            json_response("202 Accepted", "retry-after: 0\r\n", ""),
            "204 No Content\r\ncontent-length: 0\r\n\r\n".to_string(),
        ]
    })
    .await;
    let client = client(&base, &[]);
    let done = client
        .put(
            ID,
            "2026-03-01",
            &serde_json::json!({}),
            &RequestOptions::default(),
        )
        .await
        .expect("put");
    assert_eq!(
        done["properties"]["provisioningState"], "Succeeded",
        "the final GET's body"
    );
    let err = client
        .delete(ID, "2026-03-01", &[], &RequestOptions::default())
        .await
        .expect_err("failed operation");
    assert_eq!(err.code(), Some("CannotDelete"), "{err}");
    client
        .delete(
            ID,
            "2026-03-01",
            &[("force", "true")],
            &RequestOptions::default(),
        )
        .await
        .expect("location poll");
    let seen = seen.lock().unwrap().clone();
    let lines: Vec<String> = seen
        .iter()
        .map(|s| {
            s.request_line
                .split(' ')
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(lines[1].starts_with("GET /operations/1"), "{lines:?}");
    assert!(lines[3].starts_with(&format!("GET {ID}")), "{lines:?}");
    assert!(lines[6].contains("force=true"), "{lines:?}");
    assert!(
        lines[7].starts_with("GET /results/2") && lines[8].starts_with("GET /results/2"),
        "{lines:?}"
    );
    assert!(
        seen.iter()
            .all(|s| s.header("authorization") == Some("Bearer token-home"))
    );
}

/// Counts invalidations.
#[derive(Debug, Default)]
struct CountingTokens {
    invalidated: std::sync::atomic::AtomicU32,
}

#[async_trait]
impl TokenSource for CountingTokens {
    fn home_tenant(&self) -> &str {
        "home"
    }
    fn method(&self) -> &str {
        "fake"
    }
    async fn token(&self, tenant_id: &str) -> Result<AccessToken, ArmError> {
        FakeTokens.token(tenant_id).await
    }
    fn invalidate(&self, _tenant_id: &str) {
        self.invalidated
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_refused_token_is_renewed_once() {
    let unauthorized = || {
        json_response(
            "401 Unauthorized",
            "",
            r#"{"error":{"code":"ExpiredAuthenticationToken","message":"expired"}}"#,
        )
    };
    let (base, seen) = scripted_server(|_| {
        vec![
            unauthorized(),
            json_response("200 OK", "", r#"{"id":"x"}"#),
            unauthorized(),
            unauthorized(),
        ]
    })
    .await;
    let tokens = Arc::new(CountingTokens::default());
    let client = ArmClient::new(ArmClientConfig {
        endpoint: url::Url::parse(&format!("{base}/")).unwrap(),
        http: reqwest::Client::new(),
        tokens: tokens.clone(),
        subscription_id: None,
        auxiliary_tenants: vec![],
        user_agent: "ua".into(),
        retry: RetryPolicy::default(),
    })
    .unwrap();
    assert!(
        client
            .get(ID, "v", &RequestOptions::default())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        tokens.invalidated.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    let err = client
        .get(ID, "v", &RequestOptions::default())
        .await
        .expect_err("refused twice");
    assert_eq!(err.code(), Some("ExpiredAuthenticationToken"));
    assert_eq!(
        seen.lock().unwrap().len(),
        4,
        "one resend per request, no more"
    );
}

/// A `Retry-After` too large to add to the clock (a broken or hostile server) ends the
/// operation at its deadline; it must not overflow the clock and panic the provider.
#[tokio::test]
async fn a_huge_poll_hint_ends_at_the_deadline_without_panicking() {
    let (base, _seen) = scripted_server(|base| {
        let op = format!("{base}/operations/1?api-version=2026-03-01");
        vec![json_response(
            "202 Accepted",
            &format!(
                "azure-asyncoperation: {op}\r\nretry-after: {}\r\n",
                u64::MAX
            ),
            "",
        )]
    })
    .await;
    let client = client(&base, &[]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let err = client
        .delete(ID, "2026-03-01", &[], &RequestOptions::until(deadline))
        .await
        .expect_err("the hinted wait is past the deadline");
    assert!(matches!(err, ArmError::Timeout { .. }), "{err:?}");
}
