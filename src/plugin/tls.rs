//! go-plugin's AutoMTLS, server side.
//!
//! Terraform generates a fresh client certificate per plugin start and passes it in
//! `PLUGIN_CLIENT_CERT`; the plugin generates a fresh server certificate and announces it in
//! the handshake line. Each side trusts exactly the other's certificate. Terraform's
//! certificate is ECDSA P-521/SHA-512 with the CA flag set, which rustls' stock client
//! verifier rejects (a CA used as an end entity), so the client certificate is pinned
//! byte-for-byte instead, and the handshake signature is checked with aws-lc-rs (which, unlike
//! ring, verifies P-521).

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme,
};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCertificate(String),
    #[error("cannot generate the server certificate: {0}")]
    ServerCertificate(#[from] rcgen::Error),
    #[error("cannot build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The plugin's own certificate and key, made fresh for each start.
pub struct ServerIdentity {
    pub certificate: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// A self-signed ECDSA P-256 certificate for `localhost` (the name Terraform's client
    /// checks), valid from a little in the past (clock skew) for a year.
    pub fn generate() -> Result<Self, TlsError> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::seconds(30);
        params.not_after = now + time::Duration::days(365);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let certificate = params.self_signed(&key)?;
        Ok(Self {
            certificate: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }
}

/// Parses Terraform's client certificate (the first PEM certificate in `pem`).
pub fn parse_client_certificate(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| TlsError::ClientCertificate(e.to_string()))
}

fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

/// The rustls server configuration: our identity, the pinned client certificate, TLS 1.2+
/// and ALPN `h2` (grpc-go insists on it).
pub fn server_config(
    identity: &ServerIdentity,
    client_certificate: CertificateDer<'static>,
) -> Result<ServerConfig, TlsError> {
    let provider = crypto_provider();
    let verifier = PinnedClientCertificate {
        pinned: client_certificate,
        provider: provider.clone(),
    };
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(
            vec![identity.certificate.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Accepts exactly one client certificate, compared byte for byte.
#[derive(Debug)]
struct PinnedClientCertificate {
    pinned: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for PinnedClientCertificate {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A client certificate made the way go-plugin makes Terraform's: ECDSA P-521/SHA-512,
    /// CA flag set, client and server auth.
    pub(crate) fn terraform_like_client_identity()
    -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).unwrap();
        (
            cert.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    /// Runs one TLS handshake over an in-memory pipe, the client presenting `client_identity`;
    /// returns whether data made it through.
    async fn handshake(
        server: ServerConfig,
        server_cert: CertificateDer<'static>,
        client_identity: (CertificateDer<'static>, PrivateKeyDer<'static>),
    ) -> bool {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(server_cert).unwrap();
        let mut client = rustls::ClientConfig::builder_with_provider(crypto_provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_client_auth_cert(vec![client_identity.0], client_identity.1)
            .unwrap();
        client.alpn_protocols = vec![b"h2".to_vec()];
        let (a, b) = tokio::io::duplex(64 * 1024);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let server_side = tokio::spawn(async move {
            let mut stream = acceptor
                .accept(a)
                .await
                .map_err(|e| eprintln!("server: {e}"))
                .ok()?;
            let mut buf = [0u8; 4];
            stream.read_exact(&mut buf).await.ok()?;
            stream.write_all(b"pong").await.ok()?;
            stream.flush().await.ok()?;
            Some(buf)
        });
        let name = ServerName::try_from("localhost").unwrap();
        match connector.connect(name, b).await {
            Ok(mut stream) => {
                let _ = stream.write_all(b"ping").await;
                let _ = stream.flush().await;
                let mut reply = [0u8; 4];
                let _ = stream.read_exact(&mut reply).await;
            }
            Err(e) => eprintln!("client: {e}"),
        }
        matches!(server_side.await, Ok(Some(buf)) if &buf == b"ping")
    }

    #[tokio::test]
    async fn accepts_the_pinned_terraform_certificate() {
        let identity = ServerIdentity::generate().unwrap();
        let client = terraform_like_client_identity();
        let config = server_config(&identity, client.0.clone()).unwrap();
        assert!(handshake(config, identity.certificate.clone(), client).await);
    }

    #[tokio::test]
    async fn refuses_any_other_client_certificate() {
        let identity = ServerIdentity::generate().unwrap();
        let pinned = terraform_like_client_identity();
        let intruder = terraform_like_client_identity();
        let config = server_config(&identity, pinned.0).unwrap();
        assert!(!handshake(config, identity.certificate.clone(), intruder).await);
    }

    #[test]
    fn parses_pem_and_rejects_garbage() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let parsed = parse_client_certificate(&cert.pem()).unwrap();
        assert_eq!(parsed.as_ref(), cert.der().as_ref());
        assert!(parse_client_certificate("not a certificate").is_err());
    }
}
