//! The plugin process: go-plugin handshake, AutoMTLS, the unix socket, go-plugin's own
//! services, logging, and serving the provider's gRPC service until Terraform shuts it down.

pub mod client;
pub mod debug;
pub mod handshake;
pub mod logging;
pub mod services;
pub mod tls;
pub mod transport;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio_stream::wrappers::ReceiverStream;
use tonic::service::Routes;

use crate::proto::plugin::grpc_broker_server::GrpcBrokerServer;
use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::protocol::{Provider, ProviderService};
use handshake::PluginEnv;
use services::{Broker, Controller, Shutdown, Stdio};

/// Terraform sends whole schemas and states in one message; go-plugin and the Go SDKs allow
/// 256 MiB, and so does this provider.
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// The provider's registry address, used in the reattach JSON of `--debug`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/avnm/avnm";

/// How long a graceful shutdown may take before the process exits anyway (Terraform kills
/// plugins about two seconds after asking them to stop).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

#[derive(Debug, thiserror::Error)]
enum ServeError {
    #[error("cannot create the plugin socket: {0}")]
    Socket(std::io::Error),
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
    #[error("cannot write the handshake line: {0}")]
    Handshake(std::io::Error),
    #[error("the gRPC server failed: {0}")]
    Grpc(#[from] tonic::transport::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// How the process was asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Started by Terraform: handshake on stdout, TLS when Terraform asks for it.
    Plugin(PluginEnv),
    /// Started by a developer with `--debug`: plaintext, reattach instructions on stdout.
    Debug,
}

/// Runs the provider as a Terraform plugin until Terraform shuts it down; the process's
/// exit code. `main` is `ExitCode` from this.
pub fn serve<P: Provider>(provider: P) -> ExitCode {
    let debug = std::env::args()
        .skip(1)
        .any(|a| a == "--debug" || a == "-debug");
    let mode = if debug {
        Mode::Debug
    } else {
        match PluginEnv::from_process() {
            Ok(env) => Mode::Plugin(env),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    };
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(provider, mode));
    // Work still running after shutdown (a resource call that ignores cancellation) must not
    // keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("terraform-provider-avnm: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run<P: Provider>(provider: P, mode: Mode) -> Result<(), ServeError> {
    let socket_parent = match &mode {
        Mode::Plugin(env) => env.socket_dir.clone(),
        Mode::Debug => None,
    };
    let (socket, listener) =
        transport::SocketDir::bind(socket_parent.as_deref()).map_err(ServeError::Socket)?;

    let client_certificate = match &mode {
        Mode::Plugin(PluginEnv {
            client_certificate: Some(pem),
            ..
        }) => Some(tls::parse_client_certificate(pem)?),
        _ => None,
    };
    let (tls_config, server_certificate) = match client_certificate {
        Some(client_certificate) => {
            let identity = tls::ServerIdentity::generate()?;
            let config = tls::server_config(&identity, client_certificate)?;
            (Some(Arc::new(config)), Some(identity.certificate))
        }
        None => (None, None),
    };

    let shutdown = Shutdown::new();
    let routes = routes(provider, &shutdown).await;
    let incoming = ReceiverStream::new(transport::accept_connections(listener, tls_config));
    watch_signals(&shutdown, matches!(mode, Mode::Debug));

    let announcement = match &mode {
        Mode::Plugin(_) => {
            handshake::handshake_line(socket.socket_path(), server_certificate.as_deref())
        }
        Mode::Debug => {
            debug::instructions(PROVIDER_ADDRESS, std::process::id(), socket.socket_path())
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(announcement.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(ServeError::Handshake)?;
    drop(stdout);
    tracing::debug!(socket = %socket.socket_path().display(), tls = server_certificate.is_some(), "plugin serving");

    let server = tonic::transport::Server::builder()
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown.wait());
    tokio::pin!(server);
    tokio::select! {
        served = &mut server => served?,
        () = async {
            shutdown.wait().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => tracing::warn!("graceful shutdown took too long; exiting"),
    }
    drop(socket);
    Ok(())
}

async fn routes<P: Provider>(provider: P, shutdown: &Shutdown) -> Routes {
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let provider = ProviderServer::new(ProviderService::new(provider))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    Routes::new(provider)
        .add_service(health)
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }))
}

/// SIGINT reaches the whole process group when the user presses Ctrl-C; Terraform handles it
/// and sends StopProvider, so the plugin ignores it (except in `--debug`, where the developer
/// stops the provider with Ctrl-C). SIGTERM shuts down gracefully.
fn watch_signals(shutdown: &Shutdown, debug: bool) {
    use tokio::signal::unix::{SignalKind, signal};
    if let Ok(mut interrupts) = signal(SignalKind::interrupt()) {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            while interrupts.recv().await.is_some() {
                if debug {
                    shutdown.trigger();
                } else {
                    tracing::debug!("ignoring SIGINT; Terraform sends StopProvider instead");
                }
            }
        });
    }
    if let Ok(mut terminations) = signal(SignalKind::terminate()) {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            if terminations.recv().await.is_some() {
                shutdown.trigger();
            }
        });
    }
}
