//! The plugin's listener: a unix socket in a fresh private directory, optionally wrapped in
//! AutoMTLS, feeding the gRPC server.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tonic::transport::server::Connected;

/// One accepted connection, plain or TLS.
pub enum PluginConn {
    Plain(UnixStream),
    Tls(Box<TlsStream<UnixStream>>),
}

impl Connected for PluginConn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for PluginConn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginConn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            PluginConn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for PluginConn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            PluginConn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            PluginConn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginConn::Plain(s) => Pin::new(s).poll_flush(cx),
            PluginConn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            PluginConn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            PluginConn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            PluginConn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            PluginConn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        match self {
            PluginConn::Plain(s) => s.is_write_vectored(),
            PluginConn::Tls(s) => s.is_write_vectored(),
        }
    }
}

/// The socket and the private directory that holds it; the directory (and socket) are
/// removed when this is dropped.
pub struct SocketDir {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl SocketDir {
    /// Creates a fresh directory under `parent` (or the system temp dir) and binds
    /// `plugin.sock` inside it.
    pub fn bind(parent: Option<&Path>) -> io::Result<(Self, UnixListener)> {
        let parent = parent
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        let dir = tempfile::Builder::new()
            .prefix("plugin")
            .tempdir_in(parent)?;
        let path = dir.path().join("plugin.sock");
        let listener = UnixListener::bind(&path)?;
        Ok((Self { dir, path }, listener))
    }
    pub fn socket_path(&self) -> &Path {
        &self.path
    }
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Accepts connections for as long as the returned receiver lives; TLS handshakes run
/// concurrently so a stalled or refused client does not block the next one.
pub fn accept_connections(
    listener: UnixListener,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> mpsc::Receiver<io::Result<PluginConn>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("accepting a connection failed: {e}");
                    continue;
                }
            };
            if tx.is_closed() {
                return;
            }
            match &tls {
                None => {
                    if tx.send(Ok(PluginConn::Plain(stream))).await.is_err() {
                        return;
                    }
                }
                Some(config) => {
                    let acceptor = TlsAcceptor::from(config.clone());
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        match acceptor.accept(stream).await {
                            Ok(tls) => {
                                let _ = tx.send(Ok(PluginConn::Tls(Box::new(tls)))).await;
                            }
                            // A wrong client certificate ends here: the connection is refused.
                            Err(e) => {
                                tracing::warn!("refused a connection: TLS handshake failed: {e}")
                            }
                        }
                    });
                }
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_lives_in_a_fresh_directory_removed_on_drop() {
        let parent = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir_path = runtime.block_on(async {
            let (socket, _listener) = SocketDir::bind(Some(parent.path())).unwrap();
            assert!(socket.socket_path().starts_with(parent.path()));
            assert!(socket.socket_path().exists());
            socket.dir().to_path_buf()
        });
        assert!(!dir_path.exists(), "the socket directory is removed");
    }
}
