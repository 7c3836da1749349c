//! The emulator's shared state and the top of request handling: fault injection, routing
//! to the token endpoint / ARM / the operator API, the request log, and persistence.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::faults::{FaultInjector, Outcome, error_code};
use super::http::{ArmError, Request, Response};
use super::jwt::Signer;
use super::store::Store;
use super::world::{World, WorldIndex};
use super::{admin, arm, entra};

/// How long the long-running deletes take: the operation URL answers 202 `polls` times,
/// or until `max_ms` have passed, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct LroSettings {
    pub polls: u32,
    pub max_ms: i64,
}

impl Default for LroSettings {
    fn default() -> Self {
        LroSettings {
            polls: 1,
            max_ms: 5_000,
        }
    }
}

/// One line of `GET /_emulator/requests`. Never holds a token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RequestRecord {
    pub seq: u64,
    pub time: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    /// Tenant ID of the bearer token (ARM) or of the token request (token endpoint).
    pub tenant_id: Option<String>,
    /// World name of the calling principal.
    pub principal: Option<String>,
    /// Tenant IDs of the valid `x-ms-authorization-auxiliary` tokens, in header order.
    pub auxiliary_tenant_ids: Vec<String>,
    pub duration_ms: f64,
    /// `"status"`, `"drop"` when a fault was injected.
    pub fault: Option<String>,
    /// `x-ms-correlation-request-id` as sent (or generated), echoed in the response.
    pub correlation_id: String,
    /// `x-ms-client-request-id` as sent.
    pub client_request_id: Option<String>,
    pub user_agent: Option<String>,
}

/// What a handler learned about the caller, for the request log.
#[derive(Debug, Default, Clone)]
pub struct CallInfo {
    pub tenant_id: Option<String>,
    pub principal: Option<String>,
    pub auxiliary_tenant_ids: Vec<String>,
}

/// How many request records are kept (oldest dropped first).
pub const LOG_CAPACITY: usize = 100_000;

/// The request log.
#[derive(Debug, Default)]
pub struct RequestLog {
    pub records: VecDeque<RequestRecord>,
    pub next_seq: u64,
}

/// What the state file holds.
#[derive(Debug, Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    world: World,
    store: Store,
    /// Base64 of the token-signing key, so tokens survive a restart.
    signing_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("state file {path} is not an emulator state file: {message}")]
    Parse { path: String, message: String },
    #[error("cannot write state file {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// The emulator.
pub struct App {
    pub world: WorldIndex,
    pub signer: Signer,
    signing_key: Vec<u8>,
    /// Readers (GETs) share it; changes take it alone.
    store: RwLock<Store>,
    log: Mutex<RequestLog>,
    faults: Mutex<FaultInjector>,
    state_file: Option<PathBuf>,
    pub lro: LroSettings,
    /// `https://127.0.0.1:PORT`, `https://localhost:PORT` once bound (issuer checks).
    self_urls: OnceLock<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn read_lock<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write_lock<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl App {
    /// Builds the emulator from a world, or from the state file when it exists.
    pub fn new(
        world: World,
        state_file: Option<PathBuf>,
        faults: FaultInjector,
        lro: LroSettings,
    ) -> Result<App, StateError> {
        let (world, store, signing_key) = match &state_file {
            Some(path) if path.exists() => load_snapshot(path)?,
            _ => {
                let mut key = vec![0u8; 32];
                aws_lc_rs::rand::fill(&mut key).map_err(|_| StateError::Parse {
                    path: String::new(),
                    message: "no randomness for the signing key".into(),
                })?;
                (world, Store::default(), key)
            }
        };
        let app = App {
            world: WorldIndex::new(world),
            signer: Signer::new(&signing_key),
            signing_key,
            store: RwLock::new(store),
            log: Mutex::new(RequestLog::default()),
            faults: Mutex::new(faults),
            state_file,
            lro,
            self_urls: OnceLock::new(),
        };
        app.persist(&read_lock(&app.store))?;
        Ok(app)
    }

    pub fn set_port(&self, port: u16) {
        let _ = self.self_urls.set(vec![
            format!("https://127.0.0.1:{port}"),
            format!("https://localhost:{port}"),
            format!("https://[::1]:{port}"),
        ]);
    }

    pub fn self_urls(&self) -> &[String] {
        self.self_urls.get().map(Vec::as_slice).unwrap_or(&[])
    }

    /// Reads the store. Long-running operations whose time is up complete first (and that
    /// change is persisted like any other).
    pub fn read<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        {
            let store = read_lock(&self.store);
            if !super::arm::operations_due(&store) {
                return f(&store);
            }
        }
        let mut store = write_lock(&self.store);
        if super::arm::settle_operations(&mut store) {
            store.recompute_connections(&self.world);
            if let Err(e) = self.persist(&store) {
                eprintln!("avnm-arm-emulator: {e}");
            }
        }
        f(&store)
    }

    /// Changes the store: runs `f`, recomputes connection states and writes the state file.
    /// When `f` fails nothing changes; when writing fails the change is rolled back.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, ArmError>,
    ) -> Result<R, ArmError> {
        self.mutate_then(f, |_, r| r)
    }

    /// Like [`App::mutate`], then renders with `then` under the same lock (so the response
    /// shows the recomputed connection states).
    ///
    /// `f` must finish its checks before its first change (every handler does: errors are
    /// returned before anything is inserted or removed), so an `Err` leaves the store as it
    /// was without a copy. With a state file, a copy is kept to roll back a failed write.
    pub fn mutate_then<R, T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<R, ArmError>,
        then: impl FnOnce(&Store, R) -> T,
    ) -> Result<T, ArmError> {
        let mut store = write_lock(&self.store);
        super::arm::settle_operations(&mut store);
        let before = self.state_file.as_ref().map(|_| store.clone());
        let result = f(&mut store)?;
        store.recompute_connections(&self.world);
        if let Err(e) = self.persist(&store) {
            if let Some(before) = before {
                *store = before;
            }
            return Err(ArmError::new(500, "InternalServerError", e.to_string()));
        }
        Ok(then(&store, result))
    }

    fn persist(&self, store: &Store) -> Result<(), StateError> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let snapshot = Snapshot {
            version: 1,
            world: self.world.world.clone(),
            store: store.clone(),
            signing_key: STANDARD.encode(&self.signing_key),
        };
        let text = serde_json::to_vec_pretty(&snapshot).unwrap_or_default();
        write_atomically(path, &text).map_err(|source| StateError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    pub fn reset(&self) -> Result<(), ArmError> {
        self.mutate(|store| {
            *store = Store::default();
            Ok(())
        })?;
        *lock(&self.log) = RequestLog::default();
        *lock(&self.faults) = FaultInjector::default();
        Ok(())
    }

    pub fn set_faults(&self, faults: FaultInjector) {
        *lock(&self.faults) = faults;
    }

    pub fn fault_spec(&self) -> serde_json::Value {
        serde_json::to_value(lock(&self.faults).spec()).unwrap_or_default()
    }

    pub fn requests(&self, since: u64) -> Vec<RequestRecord> {
        lock(&self.log)
            .records
            .iter()
            .filter(|r| r.seq > since)
            .cloned()
            .collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.log).records.clear();
    }

    /// Handles one request; `None` means "drop the connection" (an injected fault).
    pub async fn process(&self, req: Request) -> Option<Response> {
        let started = Instant::now();
        let is_arm = is_arm_path(&req.path);
        let decision = if is_arm {
            lock(&self.faults).decide(req.method.as_str(), &req.path)
        } else {
            Default::default()
        };
        if decision.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(decision.latency_ms)).await;
        }
        let mut info = CallInfo::default();
        let (response, fault) = match decision.outcome {
            Outcome::Drop => (None, Some("drop")),
            Outcome::Status {
                status,
                retry_after,
            } => {
                let mut e = ArmError::new(
                    status,
                    error_code(status),
                    format!(
                        "The request failed with status {status} (fault injected by the emulator)."
                    ),
                );
                if let Some(s) = retry_after {
                    e = e.with_header("Retry-After", s.to_string());
                }
                (Some(e.into_response()), Some("status"))
            }
            Outcome::Proceed => (Some(self.dispatch(&req, &mut info)), None),
        };
        let correlation_id = req
            .header("x-ms-correlation-request-id")
            .map(str::to_string)
            .unwrap_or_else(super::ids::new_guid);
        let response = response.map(|r| {
            let r = r.with_header("x-ms-correlation-request-id", correlation_id.clone());
            match req.header("x-ms-client-request-id") {
                Some(id) => r.with_header("x-ms-client-request-id", id),
                None => r,
            }
        });
        let status = response.as_ref().map(|r| r.status).unwrap_or(0);
        self.record(&req, status, info, started, fault, correlation_id);
        response
    }

    fn dispatch(&self, req: &Request, info: &mut CallInfo) -> Response {
        let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
        let method = req.method.as_str();
        match (method, segments.as_slice()) {
            ("GET", ["metadata", "endpoints"]) => entra::metadata(req),
            ("POST", [tenant, "oauth2", "v2.0", "token"]) => entra::token(self, req, tenant, info),
            ("GET", [tenant, "v2.0", ".well-known", "openid-configuration"]) => {
                entra::openid_configuration(req, tenant)
            }
            ("GET" | "POST", ["oidc", "token"]) => entra::oidc_token(self, req),
            (_, ["_emulator", rest @ ..]) => admin::handle(self, req, rest),
            _ if is_arm_path(&req.path) => arm::handle(self, req, info),
            _ => ArmError::new(
                404,
                "NotFound",
                format!(
                    "The requested path '{}' does not exist on this emulator.",
                    req.path
                ),
            )
            .into_response(),
        }
    }

    fn record(
        &self,
        req: &Request,
        status: u16,
        info: CallInfo,
        started: Instant,
        fault: Option<&str>,
        correlation_id: String,
    ) {
        let mut log = lock(&self.log);
        log.next_seq += 1;
        let seq = log.next_seq;
        if log.records.len() >= LOG_CAPACITY {
            log.records.pop_front();
        }
        log.records.push_back(RequestRecord {
            seq,
            time: super::store::timestamp_now(),
            method: req.method.to_string(),
            path: req.path.clone(),
            query: req.query.clone(),
            status,
            tenant_id: info.tenant_id,
            principal: info.principal,
            auxiliary_tenant_ids: info.auxiliary_tenant_ids,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
            fault: fault.map(str::to_string),
            correlation_id,
            client_request_id: req.header("x-ms-client-request-id").map(str::to_string),
            user_agent: req.header("user-agent").map(str::to_string),
        });
    }

    /// The ready-file document for a bound port and CA file.
    pub fn ready_info(&self, port: u16, ca_cert_file: &Path) -> ReadyInfo {
        let w = &self.world.world;
        let tenants = w
            .tenants
            .iter()
            .map(|(name, t)| {
                let mut info = TenantInfo {
                    tenant_id: t.tenant_id.clone(),
                    ..TenantInfo::default()
                };
                for s in &t.subscriptions {
                    info.subscription_ids.push(s.subscription_id.clone());
                    for rg in &s.resource_groups {
                        info.resource_group_ids.push(format!(
                            "/subscriptions/{}/resourceGroups/{}",
                            s.subscription_id, rg.name
                        ));
                    }
                }
                for mg in &t.management_groups {
                    info.management_group_ids.push(format!(
                        "/providers/Microsoft.Management/managementGroups/{}",
                        mg.name
                    ));
                }
                for s in &t.subscriptions {
                    for rg in &s.resource_groups {
                        for n in self.world.networks_in(&s.subscription_id, &rg.name) {
                            info.virtual_network_ids.push(n.id.clone());
                            for sn in &n.network.subnets {
                                info.subnet_ids.push(n.subnet_id(sn));
                            }
                        }
                    }
                }
                (name.clone(), info)
            })
            .collect();
        let principals = w
            .principals
            .iter()
            .map(|(name, p)| {
                (
                    name.clone(),
                    PrincipalInfo {
                        client_id: p.client_id.clone(),
                        client_secret: p.client_secret.clone(),
                        object_id: p.object_id.clone(),
                        home_tenant: p.home_tenant.clone(),
                        federated_subjects: p
                            .federated_credentials
                            .iter()
                            .filter(|f| f.issuer.is_none())
                            .map(|f| f.subject.clone())
                            .collect(),
                    },
                )
            })
            .collect();
        ReadyInfo {
            metadata_host: format!("127.0.0.1:{port}"),
            resource_manager_endpoint: format!("https://127.0.0.1:{port}/"),
            ca_cert_file: ca_cert_file.display().to_string(),
            oidc_issuer: format!("https://127.0.0.1:{port}/oidc"),
            tenants,
            principals,
        }
    }
}

/// True for paths that ARM serves (and that faults apply to).
fn is_arm_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.starts_with("/subscriptions/") || lower.starts_with("/providers/")
}

/// The ready file (also printed as one stdout line). Other tests deserialize it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ReadyInfo {
    pub metadata_host: String,
    pub resource_manager_endpoint: String,
    pub ca_cert_file: String,
    /// Issuer of the tokens `/oidc/token` mints (for client assertions).
    pub oidc_issuer: String,
    pub tenants: std::collections::BTreeMap<String, TenantInfo>,
    pub principals: std::collections::BTreeMap<String, PrincipalInfo>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TenantInfo {
    pub tenant_id: String,
    pub subscription_ids: Vec<String>,
    pub management_group_ids: Vec<String>,
    pub resource_group_ids: Vec<String>,
    pub virtual_network_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PrincipalInfo {
    pub client_id: String,
    pub client_secret: String,
    pub object_id: String,
    pub home_tenant: String,
    /// Subjects of federated credentials trusting the emulator's own OIDC issuer.
    pub federated_subjects: Vec<String>,
}

fn load_snapshot(path: &Path) -> Result<(World, Store, Vec<u8>), StateError> {
    let name = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| StateError::Read {
        path: name.clone(),
        source,
    })?;
    let snapshot: Snapshot = serde_json::from_slice(&text).map_err(|e| StateError::Parse {
        path: name.clone(),
        message: e.to_string(),
    })?;
    snapshot.world.check().map_err(|e| StateError::Parse {
        path: name.clone(),
        message: e.to_string(),
    })?;
    let key = STANDARD
        .decode(&snapshot.signing_key)
        .map_err(|e| StateError::Parse {
            path: name,
            message: format!("signing_key: {e}"),
        })?;
    Ok((snapshot.world, snapshot.store, key))
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so readers
/// never see a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `{"error": ...}` for a JSON operator API error.
pub fn operator_error(status: u16, message: impl Into<String>) -> Response {
    Response::json(
        status,
        &json!({"error": {"code": "BadRequest", "message": message.into()}}),
    )
}
