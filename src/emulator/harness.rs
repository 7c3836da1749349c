//! Starting an emulator process from tests (ours and the provider's): spawn the binary with
//! a ready file in a directory, wait for the ready line, and get a client that trusts the
//! emulator's CA. The process is killed when the handle drops.
//!
//! ```no_run
//! # async fn demo() {
//! use terraform_provider_avnm::emulator::harness::Emulator;
//! // In an integration test: env!("CARGO_BIN_EXE_avnm-arm-emulator").
//! let binary = std::path::Path::new("target/debug/avnm-arm-emulator");
//! let emu = Emulator::start(binary, &[]).unwrap();
//! let token = emu.token("admin", "central").await.unwrap();
//! # }
//! ```

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::app::ReadyInfo;

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: String,
        source: std::io::Error,
    },
    #[error("the emulator did not print its ready line within {0:?} (stderr: {1})")]
    NotReady(Duration, String),
    #[error("the ready line is not the documented JSON: {0}")]
    BadReady(String),
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("unknown principal {0:?} or tenant {1:?}")]
    Unknown(String, String),
    #[error("token request failed with status {0}: {1}")]
    Token(u16, String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// A running emulator.
pub struct Emulator {
    child: Child,
    pub ready: ReadyInfo,
    pub dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
    client: reqwest::Client,
}

impl Emulator {
    /// Starts the binary with `args` in a fresh temporary directory (removed on drop).
    pub fn start(binary: &Path, args: &[&str]) -> Result<Emulator, HarnessError> {
        let temp = tempfile::tempdir()?;
        let dir = temp.path().to_path_buf();
        let mut emu = Emulator::start_in(binary, &dir, args)?;
        emu._temp = Some(temp);
        Ok(emu)
    }

    /// Starts the binary with `args`, writing the ready file and CA into `dir` (kept).
    pub fn start_in(binary: &Path, dir: &Path, args: &[&str]) -> Result<Emulator, HarnessError> {
        let ready_file = dir.join("ready.json");
        let mut child = Command::new(binary)
            .arg("--ready-file")
            .arg(&ready_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| HarnessError::Spawn {
                binary: binary.display().to_string(),
                source,
            })?;
        let stdout = child.stdout.take();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            if let Some(out) = stdout {
                let mut reader = BufReader::new(out);
                let _ = reader.read_line(&mut line);
                let _ = tx.send(line);
                // Keep draining so the child never blocks on a full pipe.
                let mut sink = String::new();
                while reader.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                    sink.clear();
                }
            }
        });
        let timeout = Duration::from_secs(60);
        let line = match rx.recv_timeout(timeout) {
            Ok(line) if !line.trim().is_empty() => line,
            _ => {
                let _ = child.kill();
                let mut stderr = String::new();
                if let Some(mut err) = child.stderr.take() {
                    use std::io::Read;
                    let _ = err.read_to_string(&mut stderr);
                }
                let _ = child.wait();
                return Err(HarnessError::NotReady(timeout, stderr));
            }
        };
        let ready: ReadyInfo = match serde_json::from_str(line.trim()) {
            Ok(r) => r,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(HarnessError::BadReady(e.to_string()));
            }
        };
        let client = client_for(&ready)?;
        Ok(Emulator {
            child,
            ready,
            dir: dir.to_path_buf(),
            _temp: None,
            client,
        })
    }

    /// A client trusting the emulator's CA (and only it).
    pub fn client(&self) -> reqwest::Client {
        self.client.clone()
    }

    /// `https://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.ready.resource_manager_endpoint.trim_end_matches('/'),
            path
        )
    }

    /// An ARM access token for `principal` in `tenant` (world names), by client secret.
    pub async fn token(&self, principal: &str, tenant: &str) -> Result<String, HarnessError> {
        let p = self
            .ready
            .principals
            .get(principal)
            .ok_or_else(|| HarnessError::Unknown(principal.into(), tenant.into()))?;
        let t = self
            .ready
            .tenants
            .get(tenant)
            .ok_or_else(|| HarnessError::Unknown(principal.into(), tenant.into()))?;
        let response = self
            .client
            .post(self.url(&format!("/{}/oauth2/v2.0/token", t.tenant_id)))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("grant_type", "client_credentials")
                    .append_pair("client_id", &p.client_id)
                    .append_pair("client_secret", &p.client_secret)
                    .append_pair("scope", "https://management.azure.com/.default")
                    .finish(),
            )
            .send()
            .await?;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await?;
        match body.get("access_token").and_then(|t| t.as_str()) {
            Some(token) if status == 200 => Ok(token.to_string()),
            _ => Err(HarnessError::Token(
                status,
                body["error_description"].as_str().unwrap_or("").to_string(),
            )),
        }
    }

    /// One ARM call: `path` may carry a query; `api-version=2026-03-01` is appended when it
    /// has none. `auxiliary` tokens go into `x-ms-authorization-auxiliary`.
    pub async fn arm(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        auxiliary: &[&str],
        body: Option<&serde_json::Value>,
    ) -> Result<ArmResponse, HarnessError> {
        let url = if path.contains("api-version=") {
            self.url(path)
        } else if path.contains('?') {
            self.url(&format!("{path}&api-version=2026-03-01"))
        } else {
            self.url(&format!("{path}?api-version=2026-03-01"))
        };
        let mut request = self.client.request(method, url);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if !auxiliary.is_empty() {
            let value: Vec<String> = auxiliary.iter().map(|t| format!("Bearer {t}")).collect();
            request = request.header("x-ms-authorization-auxiliary", value.join(", "));
        }
        if let Some(b) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(serde_json::to_vec(b).unwrap_or_default());
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })
        };
        Ok(ArmResponse {
            status,
            headers,
            body,
        })
    }

    /// Stops the process (also done on drop).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A response, read whole (`body` is `Null` when empty).
#[derive(Debug, Clone)]
pub struct ArmResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: serde_json::Value,
}

impl ArmResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `error.code` of a CloudError body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// A reqwest client that trusts the CA named in the ready info.
pub fn client_for(ready: &ReadyInfo) -> Result<reqwest::Client, HarnessError> {
    let pem = std::fs::read(&ready.ca_cert_file)?;
    let ca = reqwest::Certificate::from_pem(&pem)?;
    Ok(reqwest::Client::builder()
        .tls_certs_only([ca])
        .timeout(Duration::from_secs(60))
        .build()?)
}
