//! go-plugin's own gRPC services, beside the provider service: the controller (Shutdown),
//! stdio forwarding and the broker. Terraform connects to all of them at start-up.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use tokio::sync::watch;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::plugin::grpc_broker_server::GrpcBroker;
use crate::proto::plugin::grpc_controller_server::GrpcController;
use crate::proto::plugin::grpc_stdio_server::GrpcStdio;
use crate::proto::plugin::{ConnInfo, Empty, StdioData};

/// The process-wide "shut down now" flag: set by `GRPCController.Shutdown` or SIGTERM,
/// watched by the server and by every long-lived stream (which must end for a graceful stop).
#[derive(Debug, Clone)]
pub struct Shutdown {
    tx: std::sync::Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    pub fn new() -> Self {
        Self {
            tx: std::sync::Arc::new(watch::channel(false).0),
        }
    }
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }
    /// Resolves once shutdown has been triggered (at once if it already was).
    pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.tx.subscribe();
        async move {
            let _ = rx.wait_for(|down| *down).await;
        }
    }
    /// A stream that yields nothing and ends at shutdown.
    fn idle_until_shutdown<T: Send + 'static>(&self) -> BoxStream<T> {
        let ended: Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>> =
            Box::pin(futures::stream::once(self.wait()).filter_map(|()| async { None }));
        ended
    }
}

/// `plugin.GRPCController`: Terraform's way to end the plugin process.
pub struct Controller {
    pub shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("GRPCController.Shutdown received; stopping");
        self.shutdown.trigger();
        Ok(Response::new(Empty {}))
    }
}

/// `plugin.GRPCStdio`: the provider writes nothing to stdout/stderr that Terraform must
/// mirror (logs go to stderr, which go-plugin reads directly), so the stream stays open and
/// empty until shutdown.
pub struct Stdio {
    pub shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<StdioData>>, Status> {
        Ok(Response::new(self.shutdown.idle_until_shutdown()))
    }
}

/// `plugin.GRPCBroker`: providers never open extra connections through the broker; the
/// stream is accepted (so go-plugin's client is content) and ends at shutdown or when
/// Terraform closes it.
pub struct Broker {
    pub shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<BoxStream<ConnInfo>>, Status> {
        let mut incoming = request.into_inner();
        let shutdown = self.shutdown.wait();
        tokio::spawn(async move {
            tokio::pin!(shutdown);
            loop {
                tokio::select! {
                    _ = &mut shutdown => break,
                    next = incoming.next() => match next {
                        Some(Ok(info)) => tracing::debug!(
                            service_id = info.service_id,
                            "ignoring a broker connection request (providers use none)"
                        ),
                        _ => break,
                    },
                }
            }
        });
        Ok(Response::new(self.shutdown.idle_until_shutdown()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn controller_shutdown_ends_idle_streams() {
        let shutdown = Shutdown::new();
        let stdio = Stdio {
            shutdown: shutdown.clone(),
        };
        let mut stream = stdio
            .stream_stdio(Request::new(()))
            .await
            .unwrap()
            .into_inner();
        let pending = tokio::time::timeout(Duration::from_millis(50), stream.next()).await;
        assert!(
            pending.is_err(),
            "the stream stays open while the plugin runs"
        );
        let controller = Controller {
            shutdown: shutdown.clone(),
        };
        controller.shutdown(Request::new(Empty {})).await.unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(1), stream.next()).await;
        assert!(matches!(ended, Ok(None)), "the stream ends at shutdown");
        tokio::time::timeout(Duration::from_secs(1), shutdown.wait())
            .await
            .expect("waiting after the fact returns at once");
    }
}
