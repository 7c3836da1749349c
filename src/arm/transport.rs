//! The one HTTP client the provider uses, for ARM and for Entra ID alike.
//!
//! rustls on aws-lc-rs (no OpenSSL), trusting the platform's roots plus the certificates in
//! `SSL_CERT_FILE` (how the tests and the emulator's users add the emulator's CA). Plain
//! `http://` is refused except to loopback, so a token is never sent in clear over a network.

use std::path::Path;
use std::time::Duration;

use url::Url;

use super::error::ArmError;

/// A connection that sends nothing for this long is dead. Without it a stalled login,
/// metadata or OIDC endpoint would hang `terraform plan` for good (only ARM requests carry a
/// deadline of their own); for ARM a stall becomes a connection error, which is retried.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Builds the shared client. `extra_roots_pem` is the path of a PEM bundle to trust besides
/// the platform store (the value of `SSL_CERT_FILE`, when set).
pub fn build_http_client(extra_roots_pem: Option<&Path>) -> Result<reqwest::Client, ArmError> {
    build_http_client_with(extra_roots_pem, READ_TIMEOUT)
}

fn build_http_client_with(
    extra_roots_pem: Option<&Path>,
    read_timeout: Duration,
) -> Result<reqwest::Client, ArmError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .read_timeout(read_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = extra_roots_pem {
        let pem = std::fs::read(path).map_err(|e| {
            ArmError::Configuration(format!(
                "reading the CA certificates in {} (SSL_CERT_FILE): {e}",
                path.display()
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            ArmError::Configuration(format!(
                "the CA certificates in {} (SSL_CERT_FILE) are not valid PEM: {e}",
                path.display()
            ))
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| ArmError::Configuration(format!("building the HTTP client: {e}")))
}

/// Accepts `https://` anywhere and `http://` only to a loopback host.
pub fn check_endpoint(url: &Url, what: &str) -> Result<(), ArmError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(ArmError::Configuration(format!(
            "the {what} {url} uses plain http://, which would send tokens unencrypted; \
             use https:// (http:// is accepted only for loopback addresses)"
        ))),
        other => Err(ArmError::Configuration(format!(
            "the {what} {url} has the unsupported scheme {other:?}; use https://"
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// True when `url` is on the same scheme, host and port as `base`: tokens are only ever
/// sent there (poll URLs and `nextLink`s come from the server and are checked).
pub fn same_origin(url: &Url, base: &Url) -> bool {
    url.scheme() == base.scheme()
        && url.host_str().map(str::to_ascii_lowercase)
            == base.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == base.port_or_known_default()
}

/// `text` followed by each cause in `source`'s chain, `: `-separated (reqwest's and hyper's
/// top-level messages alone rarely say what went wrong).
pub(crate) fn with_causes(mut text: String, source: Option<&dyn std::error::Error>) -> String {
    let mut source = source;
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn http_only_to_loopback() {
        assert!(check_endpoint(&u("https://management.azure.com/"), "endpoint").is_ok());
        assert!(check_endpoint(&u("http://127.0.0.1:8080/"), "endpoint").is_ok());
        assert!(check_endpoint(&u("http://[::1]:8080/"), "endpoint").is_ok());
        assert!(check_endpoint(&u("http://localhost/"), "endpoint").is_ok());
        let err = check_endpoint(
            &u("http://management.azure.com/"),
            "resource manager endpoint",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unencrypted"), "{err}");
        assert!(check_endpoint(&u("ftp://x/"), "endpoint").is_err());
    }

    #[test]
    fn origins() {
        let base = u("https://management.azure.com/");
        assert!(same_origin(
            &u("https://Management.Azure.com:443/x?y"),
            &base
        ));
        assert!(!same_origin(&u("https://evil.example/x"), &base));
        assert!(!same_origin(&u("http://management.azure.com/x"), &base));
        assert!(!same_origin(
            &u("https://management.azure.com:8443/x"),
            &base
        ));
    }

    #[tokio::test]
    async fn a_server_that_stalls_is_given_up_on() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            // Reads the request, then never answers (holding the connection open).
            if let Ok((mut socket, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                std::future::pending::<()>().await;
            }
        });
        let client = build_http_client_with(None, Duration::from_millis(200)).unwrap();
        let outcome = tokio::time::timeout(Duration::from_secs(10), client.get(&url).send()).await;
        let err = outcome
            .expect("the read timeout ends the request")
            .expect_err("nothing was answered");
        assert!(err.is_timeout(), "{err}");
    }

    #[test]
    fn bad_ca_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = build_http_client(Some(&missing)).unwrap_err();
        assert!(err.to_string().contains("SSL_CERT_FILE"), "{err}");
        assert!(build_http_client(None).is_ok());
    }
}
