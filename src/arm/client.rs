//! The ARM client: authenticated, retried, correlated requests; long-running operations;
//! paging.
//!
//! One `ArmClient` is built when the provider is configured and cloned into every operation.
//! `for_operation()` gives each Terraform operation its own `x-ms-correlation-request-id`, so
//! all the requests of one apply step can be found together in ARM's logs; each request gets
//! its own `x-ms-client-request-id`. Every wait (retries, polls) ends at the operation's
//! deadline, and dropping the future cancels the request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value as Json;
use tokio::time::Instant;
use url::Url;

use super::auth::TokenSource;
use super::error::{ArmError, CloudError, CloudErrorBody};
use super::poller::{self, PollTarget};
use super::retry::{self, Attempt, Decision, RetryPolicy};
use super::transport;

/// The Microsoft.Network API version the provider speaks.
pub const NETWORK_API_VERSION: &str = "2026-03-01";

/// ARM accepts at most this many auxiliary tokens on one request.
pub const MAX_AUXILIARY_TENANTS: usize = 3;

/// The deadline of a request whose caller named none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Pages followed at most by `list` (a guard against a server that loops).
const MAX_PAGES: usize = 10_000;

/// Per-request options.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Tenants whose tokens are sent in `x-ms-authorization-auxiliary` with this request
    /// (besides the provider-wide `auxiliary_tenant_ids` on writes). The home tenant and
    /// duplicates are dropped; more than 3 in all is an error, as ARM allows no more.
    pub auxiliary_tenants: Vec<String>,
    /// When to give up (retries and polls included). Default: 30 minutes from the call.
    pub deadline: Option<Instant>,
    /// `If-Match` for optimistic concurrency (an etag).
    pub if_match: Option<String>,
}

impl RequestOptions {
    /// Options that end at `deadline` (pass `ctx.deadline`).
    pub fn until(deadline: Instant) -> Self {
        Self {
            deadline: Some(deadline),
            ..Self::default()
        }
    }

    /// Adds tenants whose auxiliary tokens this request needs.
    pub fn with_auxiliary_tenants<I, S>(mut self, tenants: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.auxiliary_tenants
            .extend(tenants.into_iter().map(Into::into));
        self
    }

    pub fn with_if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    fn deadline(&self) -> Instant {
        self.deadline
            .unwrap_or_else(|| Instant::now() + DEFAULT_TIMEOUT)
    }
}

/// What `ArmClient::new` needs.
pub struct ArmClientConfig {
    /// The resource manager endpoint, e.g. `https://management.azure.com/`.
    pub endpoint: Url,
    /// The shared HTTP client (`transport::build_http_client`).
    pub http: reqwest::Client,
    pub tokens: Arc<dyn TokenSource>,
    /// The provider's `subscription_id`, if configured.
    pub subscription_id: Option<String>,
    /// The provider's `auxiliary_tenant_ids`, sent on every write.
    pub auxiliary_tenants: Vec<String>,
    /// e.g. `terraform-provider-avnm/0.1.0 Terraform/1.15.0`
    pub user_agent: String,
    pub retry: RetryPolicy,
}

struct Shared {
    endpoint: Url,
    http: reqwest::Client,
    tokens: Arc<dyn TokenSource>,
    subscription_id: Option<String>,
    auxiliary_tenants: Vec<String>,
    user_agent: HeaderValue,
    retry: RetryPolicy,
}

/// An authenticated ARM client. Cheap to clone; clones share connections and tokens.
#[derive(Clone)]
pub struct ArmClient {
    shared: Arc<Shared>,
    correlation_id: Arc<str>,
}

impl fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.shared.endpoint.as_str())
            .field("tenant_id", &self.tenant_id())
            .field("auth", &self.shared.tokens.method())
            .field("correlation_id", &self.correlation_id)
            .finish_non_exhaustive()
    }
}

/// A response as the client saw it (after retries).
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl RawResponse {
    /// The body as JSON, `None` when empty or not JSON.
    pub fn json(&self) -> Option<Json> {
        if self.body.is_empty() {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }
}

impl ArmClient {
    pub fn new(config: ArmClientConfig) -> Result<ArmClient, ArmError> {
        transport::check_endpoint(&config.endpoint, "resource manager endpoint")?;
        let user_agent = HeaderValue::from_str(&config.user_agent).map_err(|_| {
            ArmError::Configuration(format!("invalid User-Agent {:?}", config.user_agent))
        })?;
        let home = config.tokens.home_tenant().to_string();
        let auxiliary_tenants =
            select_auxiliary_tenants(&home, &config.auxiliary_tenants, &[], true)
                .map_err(ArmError::Configuration)?;
        Ok(ArmClient {
            shared: Arc::new(Shared {
                endpoint: config.endpoint,
                http: config.http,
                tokens: config.tokens,
                subscription_id: config.subscription_id,
                auxiliary_tenants,
                user_agent,
                retry: config.retry,
            }),
            correlation_id: new_id().into(),
        })
    }

    /// A client for one Terraform operation: same connections and tokens, a new
    /// `x-ms-correlation-request-id`.
    pub fn for_operation(&self) -> ArmClient {
        ArmClient {
            shared: self.shared.clone(),
            correlation_id: new_id().into(),
        }
    }

    /// The tenant the provider authenticates in.
    pub fn tenant_id(&self) -> &str {
        self.shared.tokens.home_tenant()
    }

    /// The provider's `subscription_id`, when configured.
    pub fn subscription_id(&self) -> Option<&str> {
        self.shared.subscription_id.as_deref()
    }

    /// The provider-wide auxiliary tenants (sent on every write).
    pub fn auxiliary_tenants(&self) -> &[String] {
        &self.shared.auxiliary_tenants
    }

    /// How the provider authenticates ("client secret", "Azure CLI", ...).
    pub fn auth_method(&self) -> &str {
        self.shared.tokens.method()
    }

    pub fn endpoint(&self) -> &Url {
        &self.shared.endpoint
    }

    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    /// GETs a resource; `Ok(None)` when ARM answers 404.
    pub async fn get(
        &self,
        id: &str,
        api_version: &str,
        opts: &RequestOptions,
    ) -> Result<Option<Json>, ArmError> {
        let url = self.url(id, api_version, &[])?;
        let aux = self.aux_for(false, opts)?;
        let response = self
            .send_url(Method::GET, url, None, &aux, opts, opts.deadline())
            .await?;
        match response.status {
            404 => Ok(None),
            200..=299 => Ok(Some(self.json_body(&Method::GET, id, &response)?)),
            _ => Err(self.error_from(&Method::GET, id, &response, &aux)),
        }
    }

    /// PUTs a resource and returns it as ARM has it once any long-running part is done.
    pub async fn put(
        &self,
        id: &str,
        api_version: &str,
        body: &Json,
        opts: &RequestOptions,
    ) -> Result<Json, ArmError> {
        self.write(Method::PUT, id, api_version, body, opts).await
    }

    /// PATCHes a resource (e.g. tags) and returns it as ARM has it afterwards.
    pub async fn patch(
        &self,
        id: &str,
        api_version: &str,
        body: &Json,
        opts: &RequestOptions,
    ) -> Result<Json, ArmError> {
        self.write(Method::PATCH, id, api_version, body, opts).await
    }

    /// POSTs an action (`path` is the action's full path, e.g. `.../networkManagers/nm/commit`)
    /// and returns its result body, if any, after any long-running part is done.
    pub async fn post(
        &self,
        path: &str,
        api_version: &str,
        body: Option<&Json>,
        opts: &RequestOptions,
    ) -> Result<Option<Json>, ArmError> {
        let url = self.url(path, api_version, &[])?;
        let bytes = body.map(|b| Bytes::from(b.to_string()));
        let deadline = opts.deadline();
        let aux = self.aux_for(true, opts)?;
        let response = self
            .send_url(Method::POST, url.clone(), bytes, &aux, opts, deadline)
            .await?;
        match response.status {
            200 | 204 => Ok(response.json()),
            201 | 202 => match PollTarget::from_headers(&response.headers, &url) {
                Some(target) => {
                    let wait = retry::retry_after(&response.headers);
                    poller::wait_for_completion(self, target, path, wait, opts, deadline).await
                }
                None => Ok(response.json()),
            },
            _ => Err(self.error_from(&Method::POST, path, &response, &aux)),
        }
    }

    /// DELETEs a resource and waits until ARM says it is gone. `query` carries extras such as
    /// `force=true`. A resource that is already gone (404) is not an error.
    pub async fn delete(
        &self,
        id: &str,
        api_version: &str,
        query: &[(&str, &str)],
        opts: &RequestOptions,
    ) -> Result<(), ArmError> {
        let url = self.url(id, api_version, query)?;
        let deadline = opts.deadline();
        let aux = self.aux_for(true, opts)?;
        let response = self
            .send_url(Method::DELETE, url.clone(), None, &aux, opts, deadline)
            .await?;
        match response.status {
            200 | 204 | 404 => Ok(()),
            201 | 202 => match PollTarget::from_headers(&response.headers, &url) {
                Some(target) => {
                    let wait = retry::retry_after(&response.headers);
                    poller::wait_for_completion(self, target, id, wait, opts, deadline)
                        .await
                        .map(|_| ())
                }
                None => Ok(()),
            },
            _ => Err(self.error_from(&Method::DELETE, id, &response, &aux)),
        }
    }

    /// GETs every item of a collection, following `nextLink`. `collection_path` may carry its
    /// own query (e.g. `$top=20`).
    pub async fn list(
        &self,
        collection_path: &str,
        api_version: &str,
        opts: &RequestOptions,
    ) -> Result<Vec<Json>, ArmError> {
        let mut url = self.url(collection_path, api_version, &[])?;
        let mut items = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let aux = self.aux_for(false, opts)?;
        let deadline = opts.deadline();
        for page in 0..MAX_PAGES {
            let response = self
                .send_url(Method::GET, url.clone(), None, &aux, opts, deadline)
                .await?;
            if !(200..300).contains(&response.status) {
                return Err(self.error_from(&Method::GET, collection_path, &response, &aux));
            }
            let mut body = self.json_body(&Method::GET, collection_path, &response)?;
            match body.get_mut("value").map(Json::take) {
                Some(Json::Array(values)) => items.extend(values),
                None | Some(Json::Null) => {}
                Some(_) => {
                    return Err(self.invalid(
                        &Method::GET,
                        collection_path,
                        &response,
                        "\"value\" is not an array",
                    ));
                }
            }
            let next = match body.get("nextLink").and_then(Json::as_str) {
                Some(next) if !next.is_empty() => next,
                _ => {
                    tracing::debug!(
                        path = collection_path,
                        pages = page + 1,
                        items = items.len(),
                        "listed collection"
                    );
                    return Ok(items);
                }
            };
            let next_url = url.join(next).map_err(|e| {
                self.invalid(
                    &Method::GET,
                    collection_path,
                    &response,
                    &format!("bad nextLink: {e}"),
                )
            })?;
            if !seen.insert(next_url.to_string()) {
                return Err(self.invalid(
                    &Method::GET,
                    collection_path,
                    &response,
                    "nextLink repeats an earlier page",
                ));
            }
            url = next_url;
        }
        Err(ArmError::InvalidResponse {
            method: "GET".into(),
            url: collection_path.into(),
            status: 200,
            message: format!("more than {MAX_PAGES} pages"),
        })
    }

    async fn write(
        &self,
        method: Method,
        id: &str,
        api_version: &str,
        body: &Json,
        opts: &RequestOptions,
    ) -> Result<Json, ArmError> {
        let url = self.url(id, api_version, &[])?;
        let deadline = opts.deadline();
        let aux = self.aux_for(true, opts)?;
        let bytes = Bytes::from(body.to_string());
        let response = self
            .send_url(
                method.clone(),
                url.clone(),
                Some(bytes),
                &aux,
                opts,
                deadline,
            )
            .await?;
        if !(200..300).contains(&response.status) {
            return Err(self.error_from(&method, id, &response, &aux));
        }
        if matches!(response.status, 201 | 202)
            && let Some(target) = PollTarget::from_headers(&response.headers, &url)
        {
            let wait = retry::retry_after(&response.headers);
            let location_body =
                poller::wait_for_completion(self, target, id, wait, opts, deadline).await?;
            if let Some(body) = location_body.filter(|b| b.get("id").is_some()) {
                return Ok(body);
            }
            return self.get_after_write(id, api_version, opts).await;
        }
        match response.json() {
            Some(body) => Ok(body),
            None => self.get_after_write(id, api_version, opts).await,
        }
    }

    async fn get_after_write(
        &self,
        id: &str,
        api_version: &str,
        opts: &RequestOptions,
    ) -> Result<Json, ArmError> {
        self.get(id, api_version, opts)
            .await?
            .ok_or_else(|| ArmError::InvalidResponse {
                method: "GET".into(),
                url: id.into(),
                status: 404,
                message: "the resource was not found right after it was written".into(),
            })
    }

    fn aux_for(&self, is_write: bool, opts: &RequestOptions) -> Result<Vec<String>, ArmError> {
        select_auxiliary_tenants(
            self.tenant_id(),
            &self.shared.auxiliary_tenants,
            &opts.auxiliary_tenants,
            is_write,
        )
        .map_err(ArmError::Configuration)
    }

    /// Sends one logical request, retrying as the policy says until `deadline`. Tokens are
    /// fetched per attempt (the cache makes that cheap) so a long retry never sends a stale one.
    pub(crate) async fn send_url(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        aux: &[String],
        opts: &RequestOptions,
        deadline: Instant,
    ) -> Result<RawResponse, ArmError> {
        if !transport::same_origin(&url, &self.shared.endpoint) {
            return Err(ArmError::InvalidResponse {
                method: method.to_string(),
                url: url.path().to_string(),
                status: 0,
                message: format!(
                    "ARM pointed the client at {}, which is not the resource manager endpoint {}; \
                     tokens are only sent to the configured endpoint",
                    url.origin().ascii_serialization(),
                    self.shared.endpoint.origin().ascii_serialization()
                ),
            });
        }
        let client_request_id = new_id();
        let started = Instant::now();
        let path = url.path().to_string();
        let mut retries = 0u32;
        let mut refreshed_tokens = false;
        loop {
            let attempt = self
                .attempt(
                    &method,
                    &url,
                    body.clone(),
                    aux,
                    opts,
                    &client_request_id,
                    (started, deadline),
                )
                .await;
            let (outcome, result) = match attempt {
                Ok(response) => (
                    Attempt::Status(response.status, retry::retry_after(&response.headers)),
                    Ok(response),
                ),
                Err(AttemptError::Connection(message)) => (
                    Attempt::ConnectionError,
                    Err(ArmError::Transport {
                        method: method.to_string(),
                        url: path.clone(),
                        message,
                    }),
                ),
                Err(AttemptError::Fatal(e)) => return Err(e),
            };
            // ARM refused a token we thought valid (revoked, or clocks disagree): fetch fresh
            // tokens and resend, once.
            if !refreshed_tokens && matches!(outcome, Attempt::Status(401, _)) {
                refreshed_tokens = true;
                let tokens = &self.shared.tokens;
                tokens.invalidate(tokens.home_tenant());
                aux.iter().for_each(|t| tokens.invalidate(t));
                tracing::debug!(method = %method, path = %path, "ARM answered 401; resending with fresh tokens");
                continue;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self
                .shared
                .retry
                .decide(retries, outcome, remaining, retry::jitter())
            {
                Decision::Stop | Decision::GiveUp => {
                    if let Ok(r) = &result {
                        tracing::debug!(
                            method = %method,
                            path = %path,
                            status = r.status,
                            retries,
                            elapsed_ms = started.elapsed().as_millis() as u64,
                            correlation_id = %self.correlation_id,
                            client_request_id = %client_request_id,
                            "ARM request done"
                        );
                    }
                    if retries > 0 {
                        tracing::debug!(method = %method, path = %path, retries, "ARM request retried {retries} times");
                    }
                    return result;
                }
                Decision::RetryAfter(wait) => {
                    retries += 1;
                    let reason = match outcome {
                        Attempt::Status(s, _) => format!("HTTP {s}"),
                        Attempt::ConnectionError => match &result {
                            Err(e) => e.to_string(),
                            Ok(_) => "connection error".into(),
                        },
                    };
                    tracing::debug!(
                        method = %method,
                        path = %path,
                        retry = retries,
                        max_retries = self.shared.retry.max_retries,
                        wait_ms = wait.as_millis() as u64,
                        reason = %reason,
                        correlation_id = %self.correlation_id,
                        "retrying ARM request"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<Bytes>,
        aux: &[String],
        opts: &RequestOptions,
        client_request_id: &str,
        (started, deadline): (Instant, Instant),
    ) -> Result<RawResponse, AttemptError> {
        let timeout = |what: &str| {
            AttemptError::Fatal(ArmError::Timeout {
                what: format!("{what} {method} {}", url.path()),
                waited: started.elapsed(),
            })
        };
        let tokens = &self.shared.tokens;
        let headers = tokio::time::timeout_at(deadline, async {
            let token = tokens.token(tokens.home_tenant()).await?;
            let mut headers = HeaderMap::new();
            headers.insert(
                reqwest::header::AUTHORIZATION,
                secret_header(&format!("Bearer {}", token.token.secret()))?,
            );
            if !aux.is_empty() {
                let mut values = Vec::with_capacity(aux.len());
                for tenant in aux {
                    let token = tokens.token(tenant).await?;
                    values.push(format!("Bearer {}", token.token.secret()));
                }
                headers.insert(
                    "x-ms-authorization-auxiliary",
                    secret_header(&values.join(", "))?,
                );
            }
            Ok::<_, ArmError>(headers)
        })
        .await
        .map_err(|_| timeout("getting a token for"))?
        .map_err(AttemptError::Fatal)?;

        let mut request = self
            .shared
            .http
            .request(method.clone(), url.clone())
            .headers(headers)
            .header(reqwest::header::USER_AGENT, self.shared.user_agent.clone())
            .header("x-ms-correlation-request-id", &*self.correlation_id)
            .header("x-ms-client-request-id", client_request_id)
            .header("x-ms-return-client-request-id", "true")
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(etag) = &opts.if_match {
            request = request.header(reqwest::header::IF_MATCH, etag);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        } else if *method == Method::POST || *method == Method::PUT {
            request = request.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let exchange = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>(RawResponse {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout_at(deadline, exchange).await {
            Err(_) => Err(timeout("ARM to answer")),
            Ok(Ok(response)) => Ok(response),
            Ok(Err(e)) => Err(AttemptError::Connection(describe_reqwest_error(&e))),
        }
    }

    /// Builds `endpoint + path` with `api-version` and `query`.
    fn url(&self, path: &str, api_version: &str, query: &[(&str, &str)]) -> Result<Url, ArmError> {
        let (path_part, query_part) = path.split_once('?').unwrap_or((path, ""));
        if !path_part.starts_with('/') {
            return Err(ArmError::Configuration(format!(
                "ARM path {path:?} must start with '/'"
            )));
        }
        let mut url = self.shared.endpoint.clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}{path_part}"));
        url.set_query(None);
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in url::form_urlencoded::parse(query_part.as_bytes()) {
                if k != "api-version" {
                    pairs.append_pair(&k, &v);
                }
            }
            pairs.append_pair("api-version", api_version);
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        Ok(url)
    }

    fn json_body(
        &self,
        method: &Method,
        path: &str,
        response: &RawResponse,
    ) -> Result<Json, ArmError> {
        response
            .json()
            .ok_or_else(|| self.invalid(method, path, response, "the body is not JSON"))
    }

    fn invalid(
        &self,
        method: &Method,
        path: &str,
        response: &RawResponse,
        message: &str,
    ) -> ArmError {
        ArmError::InvalidResponse {
            method: method.to_string(),
            url: path.to_string(),
            status: response.status,
            message: message.to_string(),
        }
    }

    /// Turns an error answer into an `ArmError::Cloud`.
    pub(crate) fn error_from(
        &self,
        method: &Method,
        path: &str,
        response: &RawResponse,
        aux: &[String],
    ) -> ArmError {
        let header = |name: &str| {
            response
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let body = CloudErrorBody::from_bytes(&response.body).unwrap_or_else(|| CloudErrorBody {
            code: reqwest::StatusCode::from_u16(response.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("UnknownError")
                .replace(' ', ""),
            message: String::from_utf8_lossy(&response.body[..response.body.len().min(500)])
                .into_owned(),
            target: None,
            details: Vec::new(),
        });
        ArmError::from(CloudError {
            status: response.status,
            method: method.to_string(),
            path: path.split('?').next().unwrap_or(path).to_string(),
            body,
            request_id: header("x-ms-request-id"),
            correlation_id: header("x-ms-correlation-request-id")
                .or_else(|| Some(self.correlation_id.to_string())),
            tenant_id: self.tenant_id().to_string(),
            auxiliary_tenants: aux.to_vec(),
        })
    }
}

enum AttemptError {
    /// Retryable: the connection failed.
    Connection(String),
    /// Not retryable (token failure, deadline).
    Fatal(ArmError),
}

fn secret_header(value: &str) -> Result<HeaderValue, ArmError> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        ArmError::Configuration("a token contains characters not allowed in a header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

/// What went wrong with a request, with the underlying causes (reqwest's own message names
/// the URL, query included, so it is replaced by the kind of failure).
fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read"
    } else {
        "the request failed"
    };
    transport::with_causes(kind.to_string(), std::error::Error::source(e))
}

/// The auxiliary tenants of one request: the provider-wide ones on writes, plus the
/// request's own; without the home tenant; deduplicated case-insensitively; at most 3.
pub fn select_auxiliary_tenants(
    home: &str,
    provider_wide: &[String],
    per_request: &[String],
    is_write: bool,
) -> Result<Vec<String>, String> {
    let mut selected: Vec<String> = Vec::new();
    let wide: &[String] = if is_write { provider_wide } else { &[] };
    for tenant in wide.iter().chain(per_request) {
        let tenant = tenant.trim();
        if tenant.is_empty()
            || tenant.eq_ignore_ascii_case(home)
            || selected.iter().any(|t| t.eq_ignore_ascii_case(tenant))
        {
            continue;
        }
        selected.push(tenant.to_string());
    }
    if selected.len() > MAX_AUXILIARY_TENANTS {
        return Err(format!(
            "this request needs tokens for {} other tenants ({}), but ARM accepts at most \
             {MAX_AUXILIARY_TENANTS} auxiliary tokens per request; reduce auxiliary_tenant_ids",
            selected.len(),
            selected.join(", ")
        ));
    }
    Ok(selected)
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn auxiliary_tenants_on_writes_only_deduplicated_without_home() {
        let wide = s(&["t2", "HOME", "t3"]);
        assert_eq!(
            select_auxiliary_tenants("home", &wide, &[], false).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            select_auxiliary_tenants("home", &wide, &[], true).unwrap(),
            s(&["t2", "t3"])
        );
        assert_eq!(
            select_auxiliary_tenants("home", &wide, &s(&["T2", "t4"]), true).unwrap(),
            s(&["t2", "t3", "t4"])
        );
        assert_eq!(
            select_auxiliary_tenants("home", &wide, &s(&["t9"]), false).unwrap(),
            s(&["t9"])
        );
        let err = select_auxiliary_tenants("home", &wide, &s(&["t4", "t5"]), true).unwrap_err();
        assert!(err.contains("at most 3"), "{err}");
    }

    #[test]
    fn request_options_builders() {
        let deadline = Instant::now() + Duration::from_secs(5);
        let o = RequestOptions::until(deadline)
            .with_auxiliary_tenants(["a"])
            .with_if_match("e");
        assert_eq!(o.deadline, Some(deadline));
        assert_eq!(o.auxiliary_tenants, s(&["a"]));
        assert_eq!(o.if_match.as_deref(), Some("e"));
        assert!(RequestOptions::default().deadline() > Instant::now() + Duration::from_secs(60));
    }

    #[test]
    fn client_is_shareable_across_tasks() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<ArmClient>();
        shareable::<RequestOptions>();
    }
}
