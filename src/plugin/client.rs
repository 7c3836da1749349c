//! The Terraform side of the plugin connection, as go-plugin's client does it: a P-521
//! CA-flagged client certificate, the handshake line parsed, and a gRPC channel over the
//! unix socket with mutual TLS. Used by the integration tests and the start-up benchmark to
//! speak to the built binary exactly as Terraform would.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("malformed handshake line {line:?}: {reason}")]
    Handshake { line: String, reason: &'static str },
    #[error("cannot make the client certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    #[error("cannot connect: {0}")]
    Connect(#[from] tonic::transport::Error),
}

/// A client identity made as go-plugin makes Terraform's: ECDSA P-521/SHA-512, CA flag set,
/// client and server auth.
pub struct ClientIdentity {
    pub certificate: CertificateDer<'static>,
    /// What Terraform puts in `PLUGIN_CLIENT_CERT`.
    pub pem: String,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ClientIdentity {
    pub fn generate() -> Result<Self, ClientError> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512)?;
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key)?;
        Ok(Self {
            certificate: cert.der().clone(),
            pem: cert.pem(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }
}

/// What a plugin announced in its handshake line.
#[derive(Debug, Clone, PartialEq)]
pub struct Announced {
    pub core_protocol: u32,
    pub app_protocol: u32,
    pub socket: PathBuf,
    /// The server certificate, when the plugin serves TLS.
    pub server_certificate: Option<CertificateDer<'static>>,
}

/// Parses `1|6|unix|/path|grpc|CERT` as go-plugin's client does.
pub fn parse_handshake_line(line: &str) -> Result<Announced, ClientError> {
    let bad = |reason| ClientError::Handshake {
        line: line.to_string(),
        reason,
    };
    let fields: Vec<&str> = line.trim_end_matches(['\r', '\n']).split('|').collect();
    let [core, app, network, address, protocol, rest @ ..] = fields.as_slice() else {
        return Err(bad("fewer than five fields"));
    };
    if *network != "unix" {
        return Err(bad("network is not unix"));
    }
    if *protocol != "grpc" {
        return Err(bad("protocol is not grpc"));
    }
    let server_certificate = match rest {
        [] | [""] => None,
        [cert] => Some(CertificateDer::from(
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(cert)
                .map_err(|_| bad("certificate is not base64 without padding"))?,
        )),
        _ => return Err(bad("more than six fields")),
    };
    Ok(Announced {
        core_protocol: core
            .parse()
            .map_err(|_| bad("core protocol is not a number"))?,
        app_protocol: app
            .parse()
            .map_err(|_| bad("app protocol is not a number"))?,
        socket: PathBuf::from(address),
        server_certificate,
    })
}

/// A rustls client configuration trusting exactly `server` and presenting `identity`.
pub fn client_tls(
    server: &CertificateDer<'static>,
    identity: &ClientIdentity,
) -> Result<Arc<rustls::ClientConfig>, ClientError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(server.clone())?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![identity.certificate.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Opens a gRPC channel to the announced socket: mTLS with `tls`, plaintext without.
pub async fn connect(
    announced: &Announced,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Channel, ClientError> {
    Ok(Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(10))
        .connect_with_connector(Connector {
            socket: announced.socket.clone(),
            tls,
        })
        .await?)
}

#[derive(Clone)]
struct Connector {
    socket: PathBuf,
    tls: Option<Arc<rustls::ClientConfig>>,
}

trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send> IoStream for T {}
type Io = TokioIo<Pin<Box<dyn IoStream>>>;

impl tonic::codegen::Service<Uri> for Connector {
    type Response = Io;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<Io, std::io::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let stream = UnixStream::connect(&this.socket).await?;
            let io: Pin<Box<dyn IoStream>> = match this.tls {
                None => Box::pin(stream),
                Some(config) => {
                    let name = ServerName::try_from("localhost")
                        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
                    Box::pin(
                        tokio_rustls::TlsConnector::from(config)
                            .connect(name, stream)
                            .await?,
                    )
                }
            };
            Ok(TokioIo::new(io))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::handshake::handshake_line;
    use std::path::Path;

    #[test]
    fn parses_what_the_server_announces() {
        let der = [0x30, 0x82, 0x01, 0xff];
        let line = handshake_line(Path::new("/tmp/pluginX/plugin.sock"), Some(&der));
        let announced = parse_handshake_line(&line).unwrap();
        assert_eq!(announced.core_protocol, 1);
        assert_eq!(announced.app_protocol, 6);
        assert_eq!(announced.socket, PathBuf::from("/tmp/pluginX/plugin.sock"));
        assert_eq!(announced.server_certificate.unwrap().as_ref(), &der);
        let plain = parse_handshake_line("1|6|unix|/s|grpc|\n").unwrap();
        assert_eq!(plain.server_certificate, None);
        for bad in [
            "",
            "1|6|tcp|127.0.0.1:1|grpc|",
            "1|6|unix|/s|netrpc|",
            "x|6|unix|/s|grpc|",
            "1|6|unix|/s|grpc|!!",
        ] {
            assert!(parse_handshake_line(bad).is_err(), "{bad:?}");
        }
    }
}
