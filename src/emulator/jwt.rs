//! Compact JWTs signed with HMAC-SHA256 (HS256). The emulator is both the issuer and the
//! only verifier of its access tokens and OIDC tokens, so a symmetric key is enough; the
//! claims are the ones ARM and Entra clients look at.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// The claims of an emulator-issued token. Access tokens fill `tid`/`oid`/`appid`; OIDC
/// (federated) tokens only need `iss`/`sub`/`aud`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tid: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub oid: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub appid: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub idtyp: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ver: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum JwtError {
    #[error("the token is not a compact JWT (three base64url parts)")]
    Malformed,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token's claims cannot be read")]
    BadClaims,
    #[error("the token expired at {0}")]
    Expired(i64),
    #[error("the token is not valid before {0}")]
    NotYetValid(i64),
}

/// Signs and verifies tokens with one key.
#[derive(Clone)]
pub struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

impl Signer {
    pub fn new(secret: &[u8]) -> Signer {
        Signer {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        }
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let input = format!("{header}.{payload}");
        let tag = hmac::sign(&self.key, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Verifies signature and lifetime at `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, JwtError> {
        let mut parts = token.trim().split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Malformed);
        };
        let sig = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
        hmac::verify(&self.key, format!("{h}.{p}").as_bytes(), &sig)
            .map_err(|_| JwtError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD.decode(p).map_err(|_| JwtError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| JwtError::BadClaims)?;
        if claims.exp <= now {
            return Err(JwtError::Expired(claims.exp));
        }
        if claims.nbf > now + 300 {
            return Err(JwtError::NotYetValid(claims.nbf));
        }
        Ok(claims)
    }
}

/// Reads the claims of a JWT without verifying it (to find which principal an assertion
/// claims to be before checking it).
pub fn peek_claims(token: &str) -> Option<Claims> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: "i".into(),
            sub: "s".into(),
            aud: "a".into(),
            iat: 0,
            nbf: 0,
            exp,
            tid: "t".into(),
            ..Claims::default()
        }
    }

    #[test]
    fn round_trip() {
        let s = Signer::new(b"k");
        let t = s.sign(&claims(100));
        assert_eq!(s.verify(&t, 50).unwrap(), claims(100));
        assert_eq!(peek_claims(&t).unwrap().tid, "t");
    }

    #[test]
    fn rejects_tampering_expiry_and_other_keys() {
        let s = Signer::new(b"k");
        let t = s.sign(&claims(100));
        assert_eq!(s.verify(&t, 100), Err(JwtError::Expired(100)));
        assert_eq!(
            Signer::new(b"other").verify(&t, 1),
            Err(JwtError::BadSignature)
        );
        let forged = format!(
            "{}.{}.{}",
            t.split('.').next().unwrap(),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(1000)).unwrap()),
            t.split('.').nth(2).unwrap()
        );
        assert_eq!(s.verify(&forged, 1), Err(JwtError::BadSignature));
        assert_eq!(s.verify("abc", 1), Err(JwtError::Malformed));
    }
}
