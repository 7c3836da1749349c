//! ARM's authentication: the bearer token (signature, lifetime, audience, tenant,
//! principal) and the auxiliary tokens of `x-ms-authorization-auxiliary`, with ARM's 401
//! codes and `WWW-Authenticate` header.

use super::app::{App, CallInfo};
use super::http::{ArmError, Request};
use super::jwt::{Claims, JwtError, now};
use super::world::Principal;

/// Audiences ARM accepts in access tokens (plus this server's own URLs).
const AUDIENCES: [&str; 2] = [
    "https://management.core.windows.net",
    "https://management.azure.com",
];

/// The authenticated caller.
pub(super) struct Caller {
    pub tenant: String,
    pub claims: Claims,
    pub principal: Principal,
    /// Valid auxiliary tokens, in header order.
    pub auxiliary: Vec<Claims>,
}

pub(super) fn www_authenticate(req: &Request, error: &str, description: &str) -> String {
    format!(
        "Bearer authorization_uri=\"{}/\", error=\"{error}\", error_description=\"{description}\"",
        req.base_url
    )
}

pub(super) fn authenticate(
    app: &App,
    req: &Request,
    info: &mut CallInfo,
) -> Result<Caller, ArmError> {
    let fail = |code: &str, message: &str, description: &str| {
        ArmError::new(401, code, message).with_header(
            "WWW-Authenticate",
            www_authenticate(req, "invalid_token", description),
        )
    };
    let header = req.header("authorization").ok_or_else(|| {
        fail(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
            "The authentication failed because of missing 'Authorization' header.",
        )
    })?;
    let token = bearer(header).ok_or_else(|| {
        fail(
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            "The authentication failed because of an invalid 'Authorization' header.",
        )
    })?;
    let claims = verify_access_token(app, token)
        .map_err(|message| fail(message.0, &message.1, "The access token is invalid."))?;
    // A well-signed token of a tenant or principal this world does not have.
    let unknown = || {
        fail(
            "InvalidAuthenticationToken",
            "The access token is invalid.",
            "The access token is invalid.",
        )
    };
    let tenant = app
        .world
        .tenant_by_id(&claims.tid)
        .cloned()
        .ok_or_else(unknown)?;
    let (name, principal) = app
        .world
        .principal_by_object_id(&claims.oid)
        .ok_or_else(unknown)?;
    info.tenant_id = Some(claims.tid.clone());
    info.principal = Some(name.clone());
    let mut auxiliary = Vec::new();
    if let Some(aux) = req.header("x-ms-authorization-auxiliary") {
        let tokens: Vec<&str> = aux
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if tokens.len() > 3 {
            return Err(ArmError::bad_request(
                "InvalidAuxiliaryTokens",
                format!(
                    "The 'x-ms-authorization-auxiliary' header carries {} tokens; at most 3 are allowed.",
                    tokens.len()
                ),
            ));
        }
        for t in tokens {
            let token = bearer(t).ok_or_else(|| {
                fail(
                    "InvalidAuthenticationToken",
                    "The 'x-ms-authorization-auxiliary' header is not in the expected format 'Bearer <token>[, Bearer <token>]'.",
                    "The auxiliary token is malformed.",
                )
            })?;
            let claims = verify_access_token(app, token).map_err(|(code, message)| {
                fail(
                    code,
                    &format!("Auxiliary token: {message}"),
                    "The auxiliary access token is invalid.",
                )
            })?;
            info.auxiliary_tenant_ids.push(claims.tid.clone());
            auxiliary.push(claims);
        }
    }
    Ok(Caller {
        tenant,
        claims,
        principal: principal.clone(),
        auxiliary,
    })
}

pub(super) fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

fn verify_access_token(app: &App, token: &str) -> Result<Claims, (&'static str, String)> {
    let claims = app.signer.verify(token, now()).map_err(|e| match e {
        JwtError::Expired(exp) => (
            "ExpiredAuthenticationToken",
            format!(
                "The access token expiry UTC time '{}' is earlier than current UTC time '{}'.",
                format_unix(exp),
                format_unix(now())
            ),
        ),
        _ => (
            "InvalidAuthenticationToken",
            "The access token is invalid.".to_string(),
        ),
    })?;
    let aud = claims.aud.trim_end_matches('/');
    let accepted = AUDIENCES.contains(&aud) || app.self_urls().iter().any(|u| u == aud);
    if !accepted {
        return Err((
            "InvalidAuthenticationToken",
            format!(
                "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.azure.com/'.",
                claims.aud
            ),
        ));
    }
    if claims.tid.is_empty() || claims.oid.is_empty() {
        return Err((
            "InvalidAuthenticationToken",
            "The access token is invalid.".to_string(),
        ));
    }
    Ok(claims)
}

fn format_unix(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
    }
}
