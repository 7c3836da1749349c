//! Certificate credentials, checked the way Entra ID checks them. A principal registers public
//! certificates (PEM, or base64 DER as Microsoft Graph's `keyCredentials.key` holds them); a
//! client proves it holds the private key with a self-signed client assertion: a JWT whose
//! header names the certificate by thumbprint (`x5t` = base64url SHA-1, or `x5t#S256` =
//! base64url SHA-256), signed RS256 or PS256, with `iss` = `sub` = the client ID, `aud` = the
//! token endpoint, a lifetime covering now, and a `jti`.
//!
//! The signature is checked before any claim, so a refusal never confirms claims of an
//! assertion nobody proved they signed.

use aws_lc_rs::{digest, signature};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Clock skew tolerated on `nbf`, as Entra ID does.
const CLOCK_SKEW_SECS: i64 = 300;

/// Why a registered certificate was refused when the world was loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("not a PEM certificate or base64 DER: {0}")]
    Encoding(String),
    #[error("not an X.509 certificate: {0}")]
    X509(String),
    #[error("the certificate's key is not RSA (Entra ID client assertions are RS256/PS256)")]
    NotRsa,
}

/// A registered certificate, reduced to what assertion checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredCertificate {
    sha1: Vec<u8>,
    sha256: Vec<u8>,
    /// PKCS#1 `RSAPublicKey` DER, the form aws-lc-rs verifies with.
    rsa_public_key: Vec<u8>,
    not_before: i64,
    not_after: i64,
}

impl RegisteredCertificate {
    /// Reads a PEM `CERTIFICATE` block, or a bare base64 DER certificate.
    pub fn parse(text: &str) -> Result<RegisteredCertificate, CertificateError> {
        let der = if text.trim_start().starts_with("-----BEGIN") {
            let (_, pem) = x509_parser::pem::parse_x509_pem(text.trim().as_bytes())
                .map_err(|e| CertificateError::Encoding(e.to_string()))?;
            if pem.label != "CERTIFICATE" {
                return Err(CertificateError::Encoding(format!(
                    "the PEM block is {:?}, not CERTIFICATE",
                    pem.label
                )));
            }
            pem.contents
        } else {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            STANDARD
                .decode(compact)
                .map_err(|e| CertificateError::Encoding(e.to_string()))?
        };
        Self::from_der(&der)
    }

    pub fn from_der(der: &[u8]) -> Result<RegisteredCertificate, CertificateError> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| CertificateError::X509(e.to_string()))?;
        let spki = cert.public_key();
        if !matches!(spki.parsed(), Ok(PublicKey::RSA(_))) {
            return Err(CertificateError::NotRsa);
        }
        Ok(RegisteredCertificate {
            sha1: digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der)
                .as_ref()
                .to_vec(),
            sha256: digest::digest(&digest::SHA256, der).as_ref().to_vec(),
            rsa_public_key: spki.subject_public_key.data.to_vec(),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    /// The SHA-1 thumbprint in hex, as the Azure portal shows it.
    pub fn thumbprint(&self) -> String {
        hex(&self.sha1)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// What the assertion must say.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    pub client_id: &'a str,
    /// Token endpoint URLs that count as this tenant's (compared case-insensitively, trailing
    /// `/` ignored).
    pub audiences: &'a [String],
    /// Seconds since the epoch.
    pub now: i64,
}

/// Why a certificate assertion was refused, with Entra ID's code for each reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("JWT token is invalid or malformed. {0}")]
    Malformed(&'static str),
    #[error(
        "Invalid JWT token. '{0}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256,PS256'."
    )]
    UnsupportedAlgorithm(String),
    #[error(
        "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]"
    )]
    KeyNotFound {
        thumbprint: String,
        client_id: String,
    },
    #[error(
        "Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '{thumbprint}'.]"
    )]
    KeyExpired { thumbprint: String },
    #[error(
        "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{thumbprint}'.]"
    )]
    BadSignature { thumbprint: String },
    #[error("Client assertion application identifier doesn't match 'client_id' parameter.")]
    ClientMismatch,
    #[error(
        "Client assertion audience claim does not match Realm issuer. The audience was '{0}'; it must be the token endpoint."
    )]
    WrongAudience(String),
    #[error(
        "Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, expiry time of assertion {exp}."
    )]
    OutsideLifetime { now: i64, nbf: i64, exp: i64 },
}

impl Refusal {
    /// The AADSTS number Entra ID answers with.
    pub fn code(&self) -> u32 {
        match self {
            Refusal::Malformed(_) => 50027,
            Refusal::UnsupportedAlgorithm(_) => 5002738,
            Refusal::KeyNotFound { .. }
            | Refusal::KeyExpired { .. }
            | Refusal::BadSignature { .. } => 700027,
            Refusal::ClientMismatch => 700021,
            Refusal::WrongAudience(_) => 700023,
            Refusal::OutsideLifetime { .. } => 700024,
        }
    }
}

#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    x5t: Option<String>,
    #[serde(rename = "x5t#S256")]
    x5t_s256: Option<String>,
}

#[derive(Deserialize)]
struct AssertionClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<String>,
    exp: Option<i64>,
    nbf: Option<i64>,
    jti: Option<String>,
}

fn decode<T: serde::de::DeserializeOwned>(part: &str, what: &'static str) -> Result<T, Refusal> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Refusal::Malformed(what))?;
    serde_json::from_slice(&bytes).map_err(|_| Refusal::Malformed(what))
}

/// Checks a certificate client assertion against the principal's registered certificates.
pub fn verify(
    assertion: &str,
    registered: &[RegisteredCertificate],
    expected: &Expected<'_>,
) -> Result<(), Refusal> {
    let mut parts = assertion.trim().split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed("A JWT has three base64url parts."));
    };
    let header: Header = decode(h, "The JWT header is not base64url JSON.")?;
    let algorithm: &'static dyn signature::VerificationAlgorithm = match header.alg.as_deref() {
        Some("RS256") => &signature::RSA_PKCS1_2048_8192_SHA256,
        Some("PS256") => &signature::RSA_PSS_2048_8192_SHA256,
        other => {
            return Err(Refusal::UnsupportedAlgorithm(
                other.unwrap_or("none").to_string(),
            ));
        }
    };
    let thumb = |t: &Option<String>| t.as_deref().and_then(|t| URL_SAFE_NO_PAD.decode(t).ok());
    let (sha256, sha1) = (thumb(&header.x5t_s256), thumb(&header.x5t));
    let presented = sha1
        .as_deref()
        .or(sha256.as_deref())
        .map(hex)
        .unwrap_or_else(|| "null".to_string());
    let certificate = registered
        .iter()
        .find(|c| match (&sha256, &sha1) {
            (Some(s256), _) => *s256 == c.sha256,
            (None, Some(s1)) => *s1 == c.sha1,
            (None, None) => false,
        })
        .ok_or_else(|| Refusal::KeyNotFound {
            thumbprint: presented.clone(),
            client_id: expected.client_id.to_string(),
        })?;
    if expected.now < certificate.not_before || expected.now > certificate.not_after {
        return Err(Refusal::KeyExpired {
            thumbprint: certificate.thumbprint(),
        });
    }
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| Refusal::Malformed("The JWT signature is not base64url."))?;
    signature::UnparsedPublicKey::new(algorithm, &certificate.rsa_public_key)
        .verify(format!("{h}.{p}").as_bytes(), &sig)
        .map_err(|_| Refusal::BadSignature {
            thumbprint: certificate.thumbprint(),
        })?;
    let claims: AssertionClaims = decode(p, "The JWT claims are not base64url JSON.")?;
    let is_client = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case(expected.client_id))
    };
    if !is_client(&claims.iss) || !is_client(&claims.sub) {
        return Err(Refusal::ClientMismatch);
    }
    let aud = claims.aud.unwrap_or_default();
    let normal = |u: &str| u.trim_end_matches('/').to_ascii_lowercase();
    if !expected.audiences.iter().any(|a| normal(a) == normal(&aud)) {
        return Err(Refusal::WrongAudience(aud));
    }
    let exp = claims
        .exp
        .ok_or(Refusal::Malformed("The 'exp' claim is required."))?;
    let nbf = claims.nbf.unwrap_or(i64::MIN);
    if exp <= expected.now || nbf > expected.now + CLOCK_SKEW_SECS {
        return Err(Refusal::OutsideLifetime {
            now: expected.now,
            nbf: claims.nbf.unwrap_or(0),
            exp,
        });
    }
    if claims.jti.as_deref().is_none_or(str::is_empty) {
        return Err(Refusal::Malformed("The 'jti' claim is required."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::rsa::KeyPair;
    use serde_json::{Value, json};

    const CLIENT: &str = "11111111-aaaa-bbbb-cccc-000000000001";
    const ENDPOINT: &str = "https://127.0.0.1:8443/tenant-1/oauth2/v2.0/token";
    const NOW: i64 = 1_800_000_000;

    /// A fresh RSA key and its self-signed certificate (PEM).
    fn key_and_certificate() -> (KeyPair, String, Vec<u8>) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["avnm-test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let signing = KeyPair::from_pkcs8(&key.serialize_der()).unwrap();
        (signing, cert.pem(), cert.der().to_vec())
    }

    fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    fn good_claims() -> Value {
        json!({"iss": CLIENT, "sub": CLIENT, "aud": ENDPOINT, "jti": "j-1",
               "nbf": NOW - 10, "iat": NOW - 10, "exp": NOW + 600})
    }

    fn header_for(der: &[u8]) -> Value {
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der);
        json!({"alg": "RS256", "typ": "JWT", "x5t": URL_SAFE_NO_PAD.encode(sha1)})
    }

    fn sign(key: &KeyPair, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header), b64(claims));
        let padding: &dyn signature::RsaEncoding = if header["alg"] == "PS256" {
            &signature::RSA_PSS_SHA256
        } else {
            &signature::RSA_PKCS1_SHA256
        };
        let mut sig = vec![0u8; key.public_modulus_len()];
        key.sign(padding, &SystemRandom::new(), input.as_bytes(), &mut sig)
            .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    fn check(assertion: &str, registered: &[RegisteredCertificate]) -> Result<(), Refusal> {
        let audiences = [ENDPOINT.to_string()];
        verify(
            assertion,
            registered,
            &Expected {
                client_id: CLIENT,
                audiences: &audiences,
                now: NOW,
            },
        )
    }

    #[test]
    fn a_well_formed_assertion_is_accepted_by_sha1_sha256_rs256_and_ps256() {
        let (key, pem, der) = key_and_certificate();
        let registered = [RegisteredCertificate::parse(&pem).unwrap()];
        assert_eq!(
            check(&sign(&key, &header_for(&der), &good_claims()), &registered),
            Ok(())
        );

        let sha256 = digest::digest(&digest::SHA256, &der);
        let header = json!({"alg": "PS256", "x5t#S256": URL_SAFE_NO_PAD.encode(sha256)});
        assert_eq!(
            check(&sign(&key, &header, &good_claims()), &registered),
            Ok(())
        );

        // base64 DER registers the same certificate as PEM.
        assert_eq!(
            RegisteredCertificate::parse(&STANDARD.encode(&der)).unwrap(),
            registered[0]
        );
    }

    #[test]
    fn a_different_key_with_the_registered_thumbprint_fails_signature_validation() {
        let (_, pem, der) = key_and_certificate();
        let (other_key, _, _) = key_and_certificate();
        let registered = [RegisteredCertificate::parse(&pem).unwrap()];
        let refusal = check(
            &sign(&other_key, &header_for(&der), &good_claims()),
            &registered,
        )
        .unwrap_err();
        assert!(matches!(refusal, Refusal::BadSignature { .. }), "{refusal}");
        assert_eq!(refusal.code(), 700027);

        // Claims changed after signing fail the same way.
        let (key, pem, der) = key_and_certificate();
        let registered = [RegisteredCertificate::parse(&pem).unwrap()];
        let jwt = sign(&key, &header_for(&der), &good_claims());
        let (head, rest) = jwt.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let mut forged = good_claims();
        forged["sub"] = json!("someone-else");
        let tampered = format!("{head}.{}.{sig}", b64(&forged));
        assert!(matches!(
            check(&tampered, &registered),
            Err(Refusal::BadSignature { .. })
        ));
    }

    #[test]
    fn an_unknown_thumbprint_is_key_not_found_naming_it() {
        let (key, pem, _) = key_and_certificate();
        let (_, _, other_der) = key_and_certificate();
        let registered = [RegisteredCertificate::parse(&pem).unwrap()];
        let refusal = check(
            &sign(&key, &header_for(&other_der), &good_claims()),
            &registered,
        )
        .unwrap_err();
        let expected = hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &other_der).as_ref());
        assert_eq!(
            refusal,
            Refusal::KeyNotFound {
                thumbprint: expected,
                client_id: CLIENT.into()
            }
        );
        assert_eq!(refusal.code(), 700027);
        assert!(refusal.to_string().contains("The key was not found"));

        // No thumbprint at all, or no certificates registered: the same refusal.
        let no_thumb = sign(&key, &json!({"alg": "RS256"}), &good_claims());
        assert_eq!(check(&no_thumb, &registered).unwrap_err().code(), 700027);
        let (key, _, der) = key_and_certificate();
        assert_eq!(
            check(&sign(&key, &header_for(&der), &good_claims()), &[])
                .unwrap_err()
                .code(),
            700027
        );
    }

    #[test]
    fn expired_and_not_yet_valid_assertions_are_outside_their_lifetime() {
        let (key, pem, der) = key_and_certificate();
        let registered = [RegisteredCertificate::parse(&pem).unwrap()];
        let mut expired = good_claims();
        expired["exp"] = json!(NOW - 1);
        let refusal = check(&sign(&key, &header_for(&der), &expired), &registered).unwrap_err();
        assert_eq!(refusal.code(), 700024, "{refusal}");

        let mut early = good_claims();
        early["nbf"] = json!(NOW + CLOCK_SKEW_SECS + 60);
        let refusal = check(&sign(&key, &header_for(&der), &early), &registered).unwrap_err();
        assert_eq!(refusal.code(), 700024, "{refusal}");

        // Within the skew is fine.
        let mut skewed = good_claims();
        skewed["nbf"] = json!(NOW + 60);
        assert_eq!(
            check(&sign(&key, &header_for(&der), &skewed), &registered),
            Ok(())
        );
    }

    #[test]
    fn audience_issuer_subject_and_jti_are_checked() {
        let (key, pem, der) = key_and_certificate();
        let registered = [RegisteredCertificate::parse(&pem).unwrap()];
        let header = header_for(&der);
        let with = |name: &str, value: Value| {
            let mut c = good_claims();
            c[name] = value;
            check(&sign(&key, &header, &c), &registered)
        };
        let refusal = with(
            "aud",
            json!("https://login.microsoftonline.com/x/oauth2/v2.0/token"),
        )
        .unwrap_err();
        assert!(matches!(refusal, Refusal::WrongAudience(_)));
        assert_eq!(refusal.code(), 700023);
        // Trailing slash and case do not matter.
        assert_eq!(
            with("aud", json!(format!("{}/", ENDPOINT.to_uppercase()))),
            Ok(())
        );
        assert_eq!(
            with("iss", json!("other-app")),
            Err(Refusal::ClientMismatch)
        );
        assert_eq!(with("sub", json!("other-app")).unwrap_err().code(), 700021);
        assert_eq!(with("jti", json!("")).unwrap_err().code(), 50027);
        let mut no_jti = good_claims();
        no_jti.as_object_mut().unwrap().remove("jti");
        assert_eq!(
            check(&sign(&key, &header, &no_jti), &registered)
                .unwrap_err()
                .code(),
            50027
        );
    }

    #[test]
    fn unsupported_algorithms_and_malformed_tokens_are_refused() {
        let (_, pem, der) = key_and_certificate();
        let registered = [RegisteredCertificate::parse(&pem).unwrap()];
        let mut header = header_for(&der);
        header["alg"] = json!("none");
        let unsigned = format!("{}.{}.", b64(&header), b64(&good_claims()));
        assert_eq!(
            check(&unsigned, &registered),
            Err(Refusal::UnsupportedAlgorithm("none".into()))
        );
        assert_eq!(check(&unsigned, &registered).unwrap_err().code(), 5002738);
        assert_eq!(check("a.b", &registered).unwrap_err().code(), 50027);
        assert_eq!(check("!!.!!.!!", &registered).unwrap_err().code(), 50027);
    }

    #[test]
    fn registration_refuses_bad_input_clearly() {
        assert!(matches!(
            RegisteredCertificate::parse("not base64 at all!"),
            Err(CertificateError::Encoding(_))
        ));
        assert!(matches!(
            RegisteredCertificate::parse(&STANDARD.encode(b"not a certificate")),
            Err(CertificateError::X509(_))
        ));
        let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let ec_cert = rcgen::CertificateParams::new(vec!["ec".into()])
            .unwrap()
            .self_signed(&ec)
            .unwrap();
        assert_eq!(
            RegisteredCertificate::parse(&ec_cert.pem()),
            Err(CertificateError::NotRsa)
        );
        let key_pem = ec.serialize_pem();
        assert!(matches!(
            RegisteredCertificate::parse(&key_pem),
            Err(CertificateError::Encoding(_))
        ));
    }
}
