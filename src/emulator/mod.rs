//! `avnm-arm-emulator`: a local Azure Resource Manager and Entra ID token endpoint with two
//! tenants, for the AVNM resource types — so that the provider, its tests, the demo and
//! users' own modules run offline. See docs/emulator.md for the contract.
//!
//! Layout: [`world`] (what exists before any call), [`store`] (what the API created and the
//! cross-tenant state machine), [`arm`] (ARM routes, paging, LROs), [`auth`] (bearer and auxiliary tokens), [`membership`] (static member rules), [`entra`] (tokens,
//! metadata, OIDC), [`validate`] (bodies against the official swagger), [`faults`],
//! [`admin`] (`/_emulator/`), [`app`] (shared state, log, persistence), [`server`] and
//! [`tls`] (HTTPS), [`harness`] (start one from tests).

pub mod admin;
pub mod app;
pub mod arm;
pub mod auth;
pub mod certificate;
pub mod entra;
pub mod faults;
pub mod harness;
pub mod http;
pub mod ids;
pub mod jwt;
pub mod membership;
pub mod server;
pub mod store;
pub mod tls;
pub mod validate;
pub mod world;

use std::path::PathBuf;
use std::sync::Arc;

pub use app::{PrincipalInfo, ReadyInfo, TenantInfo};

/// Command-line options.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub listen: String,
    pub world_file: Option<PathBuf>,
    pub state_file: Option<PathBuf>,
    pub ready_file: Option<PathBuf>,
    pub faults: Option<String>,
    pub lro_polls: u32,
    pub lro_max_ms: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: "127.0.0.1:0".to_string(),
            world_file: None,
            state_file: None,
            ready_file: None,
            faults: None,
            lro_polls: app::LroSettings::default().polls,
            lro_max_ms: app::LroSettings::default().max_ms,
        }
    }
}

pub const USAGE: &str = "usage: avnm-arm-emulator [--listen ADDR] [--world FILE] [--state-file FILE] \
[--ready-file FILE] [--faults SPEC|@FILE] [--lro-polls N] [--lro-max-ms MS]";

/// Why the emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}\n{USAGE}")]
    Usage(String),
    #[error(transparent)]
    World(#[from] world::WorldError),
    #[error(transparent)]
    State(#[from] app::StateError),
    #[error(transparent)]
    Faults(#[from] faults::FaultError),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StartError {
    let context = context.into();
    move |source| StartError::Io { context, source }
}

/// Parses the command line (without the program name). No clap: seven flags do not need it.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Options, StartError> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (flag.clone(), None),
        };
        if name == "--help" || name == "-h" {
            return Err(StartError::Usage("help requested".into()));
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| StartError::Usage(format!("{name} needs a value")))
        };
        match name.as_str() {
            "--listen" => options.listen = value()?,
            "--world" => options.world_file = Some(value()?.into()),
            "--state-file" => options.state_file = Some(value()?.into()),
            "--ready-file" => options.ready_file = Some(value()?.into()),
            "--faults" => options.faults = Some(value()?),
            "--lro-polls" => {
                let v = value()?;
                options.lro_polls = v.parse().map_err(|_| {
                    StartError::Usage(format!("--lro-polls: {v:?} is not a number"))
                })?;
            }
            "--lro-max-ms" => {
                let v = value()?;
                options.lro_max_ms = v.parse().map_err(|_| {
                    StartError::Usage(format!("--lro-max-ms: {v:?} is not a number"))
                })?;
            }
            other => return Err(StartError::Usage(format!("unknown argument {other:?}"))),
        }
    }
    Ok(options)
}

/// Starts the emulator and serves until the process is stopped.
pub async fn run(options: Options) -> Result<(), StartError> {
    let world = match &options.world_file {
        Some(path) => world::World::load(&path.display().to_string())?,
        None => world::World::default_world(),
    };
    let faults = match &options.faults {
        Some(spec) => {
            let text = match spec.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(io(format!("cannot read fault spec {path}")))?,
                None => spec.clone(),
            };
            faults::FaultInjector::new(faults::FaultSpec::parse(&text)?)?
        }
        None => faults::FaultInjector::default(),
    };
    let app = Arc::new(app::App::new(
        world,
        options.state_file.clone(),
        faults,
        app::LroSettings {
            polls: options.lro_polls,
            max_ms: options.lro_max_ms,
        },
    )?);
    let identity = tls::generate()?;
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(io(format!("cannot listen on {}", options.listen)))?;
    let port = listener
        .local_addr()
        .map_err(io("cannot read the bound address"))?
        .port();
    app.set_port(port);

    let dir = match &options.ready_file {
        Some(ready) => ready
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
        None => std::env::temp_dir().join(format!("avnm-arm-emulator-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let dir =
        std::fs::canonicalize(&dir).map_err(io(format!("cannot resolve {}", dir.display())))?;
    let ca_file = dir.join("ca.pem");
    app::write_atomically(&ca_file, identity.ca_pem.as_bytes())
        .map_err(io(format!("cannot write {}", ca_file.display())))?;
    let ready = app.ready_info(port, &ca_file);
    let line = serde_json::to_string(&ready).unwrap_or_default();
    if let Some(path) = &options.ready_file {
        app::write_atomically(path, line.as_bytes())
            .map_err(io(format!("cannot write {}", path.display())))?;
    }
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    let server = server::serve(app, listener, identity.server_config);
    tokio::select! {
        r = server => r.map_err(io("the listener failed")),
        _ = shutdown_signal() => Ok(()),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_all_flags() {
        let o = parse_args(args(&[
            "--listen",
            "127.0.0.1:9",
            "--world=w.json",
            "--state-file",
            "s.json",
            "--ready-file",
            "r.json",
            "--faults",
            "put:429:1",
            "--lro-polls",
            "3",
        ]))
        .unwrap();
        assert_eq!(o.listen, "127.0.0.1:9");
        assert_eq!(o.world_file, Some(PathBuf::from("w.json")));
        assert_eq!(o.lro_polls, 3);
        assert_eq!(o.faults.as_deref(), Some("put:429:1"));
    }

    #[test]
    fn rejects_unknown_and_incomplete_flags() {
        assert!(matches!(
            parse_args(args(&["--bogus"])),
            Err(StartError::Usage(_))
        ));
        assert!(matches!(
            parse_args(args(&["--listen"])),
            Err(StartError::Usage(_))
        ));
        assert!(matches!(
            parse_args(args(&["--lro-polls", "x"])),
            Err(StartError::Usage(_))
        ));
        assert_eq!(parse_args(Vec::new()).unwrap(), Options::default());
    }
}
