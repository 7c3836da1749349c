//! Client certificate authentication without OpenSSL: the PKCS#12 file is read by a pure-Rust
//! parser, and the client assertion (a JWT Entra ID accepts in place of a secret) is signed
//! here with aws-lc-rs — RS256, with the certificate's SHA-1 thumbprint in `x5t` (and SHA-256
//! in `x5t#S256`) so Entra ID finds the registered certificate.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::{digest, rand::SystemRandom, rsa::KeyPair, signature};
use azure_core::error::{Error, ErrorKind};
use azure_core::http::ClientMethodOptions;
use azure_identity::ClientAssertion;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use serde_json::json;
use time::OffsetDateTime;

/// How long an assertion is valid (Entra ID accepts up to 10 minutes of clock skew and lifetime).
const ASSERTION_LIFETIME_SECS: i64 = 10 * 60;

/// Why a certificate cannot be used. Never contains key material or the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("the client certificate is not valid base64: {0}")]
    Base64(String),
    #[error(
        "the client certificate cannot be opened (wrong client_certificate_password, or not a PKCS#12 file): {0}"
    )]
    Pkcs12(String),
    #[error("the client certificate file holds no private key with its certificate")]
    NoKeyChain,
    #[error("the client certificate's key is not an RSA key Entra ID accepts: {0}")]
    NotRsa(String),
}

/// The certificate's key and thumbprints. `Debug` shows only the thumbprint.
pub struct CertificateSigner {
    key: KeyPair,
    /// base64url SHA-1 of the certificate's DER.
    x5t: String,
    /// base64url SHA-256 of the certificate's DER.
    x5t_s256: String,
    /// Hex SHA-1 thumbprint, as the Azure portal shows it.
    thumbprint: String,
}

impl fmt::Debug for CertificateSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateSigner")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl CertificateSigner {
    /// Reads a base64-encoded PKCS#12 (`client_certificate` / `ARM_CLIENT_CERTIFICATE`).
    pub fn from_base64_pkcs12(text: &str, password: &str) -> Result<Self, CertificateError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let der = STANDARD
            .decode(compact)
            .map_err(|e| CertificateError::Base64(e.to_string()))?;
        Self::from_pkcs12(&der, password)
    }

    /// Reads a PKCS#12 archive (`.pfx`/`.p12`) holding an RSA key and its certificate.
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Self, CertificateError> {
        let store = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Strict)
            .map_err(|e| CertificateError::Pkcs12(e.to_string()))?;
        let (_, chain) = store
            .private_key_chain()
            .ok_or(CertificateError::NoKeyChain)?;
        let cert = chain.certs().first().ok_or(CertificateError::NoKeyChain)?;
        let key = KeyPair::from_pkcs8(chain.key().as_der())
            .map_err(|e| CertificateError::NotRsa(e.to_string()))?;
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert.as_der());
        let sha256 = digest::digest(&digest::SHA256, cert.as_der());
        Ok(Self {
            key,
            x5t: URL_SAFE_NO_PAD.encode(sha1.as_ref()),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            thumbprint: sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect(),
        })
    }

    /// The certificate's SHA-1 thumbprint in hex (as the Azure portal shows it).
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A client assertion for `client_id` at the token endpoint `audience`, valid from `now`.
    pub fn client_assertion(
        &self,
        client_id: &str,
        audience: &str,
        now: OffsetDateTime,
    ) -> Result<String, String> {
        let header =
            json!({"alg": "RS256", "typ": "JWT", "x5t": self.x5t, "x5t#S256": self.x5t_s256});
        let issued = now.unix_timestamp();
        let claims = json!({
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": issued,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| "signing the client assertion failed".to_string())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    #[cfg(test)]
    fn public_key_der(&self) -> Vec<u8> {
        use aws_lc_rs::signature::KeyPair as _;
        self.key.public_key().as_ref().to_vec()
    }
}

/// The assertion source handed to `ClientAssertionCredential`: a fresh JWT per token request.
#[derive(Debug)]
pub struct CertificateAssertion {
    pub signer: Arc<CertificateSigner>,
    /// The tenant's token endpoint.
    pub audience: String,
    pub client_id: String,
}

#[async_trait]
impl ClientAssertion for CertificateAssertion {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        self.signer
            .client_assertion(&self.client_id, &self.audience, OffsetDateTime::now_utc())
            .map_err(|m| Error::with_message(ErrorKind::Credential, m))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use p12_keystore::{Certificate, PrivateKey, PrivateKeyChain};

    /// A PKCS#12 archive with a fresh RSA key and self-signed certificate.
    pub(crate) fn test_pkcs12(password: &str) -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["avnm-test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let chain = PrivateKeyChain::new(
            vec![1u8, 2, 3, 4],
            PrivateKey::from_der(&key.serialize_der()).unwrap(),
            [Certificate::from_der(cert.der()).unwrap()],
        );
        let mut store = KeyStore::new();
        store.add_entry("avnm", p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
        store.writer(password).write().unwrap()
    }

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn signs_a_verifiable_assertion_with_thumbprints() {
        let p12 = test_pkcs12("pw");
        let signer = CertificateSigner::from_pkcs12(&p12, "pw").unwrap();
        let now = OffsetDateTime::now_utc();
        let jwt = signer
            .client_assertion("client-1", "https://login.example/t/oauth2/v2.0/token", now)
            .unwrap();
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode(parts[0]);
        assert_eq!(header["alg"], "RS256");
        assert_eq!(
            header["x5t"]
                .as_str()
                .map(|t| URL_SAFE_NO_PAD.decode(t).unwrap().len()),
            Some(20)
        );
        assert_eq!(
            header["x5t#S256"]
                .as_str()
                .map(|t| URL_SAFE_NO_PAD.decode(t).unwrap().len()),
            Some(32)
        );
        let claims = decode(parts[1]);
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap(),
            ASSERTION_LIFETIME_SECS
        );
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            signer.public_key_der(),
        );
        let signed = format!("{}.{}", parts[0], parts[1]);
        public
            .verify(
                signed.as_bytes(),
                &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
            )
            .expect("the signature verifies");
        // a different assertion each time (jti)
        assert_ne!(
            jwt,
            signer
                .client_assertion("client-1", "a", now)
                .unwrap()
                .as_str()
        );
        assert!(!format!("{signer:?}").contains("BEGIN"));
        assert_eq!(signer.thumbprint().len(), 40);
    }

    #[test]
    fn base64_form_and_bad_input() {
        let p12 = test_pkcs12("");
        let b64 = STANDARD.encode(&p12);
        let wrapped: String = b64
            .as_bytes()
            .chunks(64)
            .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
            .collect();
        assert!(CertificateSigner::from_base64_pkcs12(&wrapped, "").is_ok());
        assert!(matches!(
            CertificateSigner::from_base64_pkcs12("!!!", ""),
            Err(CertificateError::Base64(_))
        ));
        let wrong = CertificateSigner::from_pkcs12(&test_pkcs12("right"), "wrong").unwrap_err();
        assert!(matches!(wrong, CertificateError::Pkcs12(_)), "{wrong}");
        assert!(!wrong.to_string().contains("right"));
        assert!(CertificateSigner::from_pkcs12(b"not a pfx", "").is_err());
    }
}
