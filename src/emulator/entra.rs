//! The Entra ID side: the v2.0 token endpoint (client credentials with a client secret or a
//! client assertion), the cloud-metadata document, OpenID discovery, and a small OIDC
//! issuer (`/oidc/token`) that mints federated tokens for workload-identity tests.

use serde_json::json;

use super::app::{App, CallInfo};
use super::certificate::{self, Expected};
use super::http::{EntraError, Request, Response};
use super::ids::parse_query;
use super::jwt::{Claims, JwtError, now, peek_claims};
use super::world::default_audience;

/// Lifetime of issued access tokens.
pub const TOKEN_LIFETIME_SECS: i64 = 3600;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// `GET /metadata/endpoints?api-version=2022-09-01`: Azure's cloud-metadata format, naming
/// this server as resource manager and login endpoint.
pub fn metadata(req: &Request) -> Response {
    let base = format!("{}/", req.base_url);
    Response::json(
        200,
        &json!([{
            "name": "AzureEmulator",
            "portal": base,
            "resourceManager": base,
            "authentication": {
                "loginEndpoint": base,
                "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                "tenant": "common",
                "identityProvider": "AAD"
            },
            "media": "https://rest.media.azure.net",
            "graphAudience": "https://graph.windows.net/",
            "graph": "https://graph.windows.net/",
            "microsoftGraphResourceId": "https://graph.microsoft.com/",
            "batch": "https://batch.core.windows.net/",
            "sqlManagement": "https://management.core.windows.net:8443/",
            "vmImageAliasDoc": "https://raw.githubusercontent.com/Azure/azure-rest-api-specs/main/arm-compute/quickstart-templates/aliases.json",
            "activeDirectoryDataLake": "https://datalake.azure.net/",
            "gallery": "https://gallery.azure.com/",
            "suffixes": {
                "storage": "core.windows.net",
                "keyVaultDns": "vault.azure.net",
                "sqlServerHostname": "database.windows.net",
                "acrLoginServer": "azurecr.io",
                "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
                "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
                "mhsmDns": "managedhsm.azure.net"
            }
        }]),
    )
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub fn openid_configuration(req: &Request, tenant: &str) -> Response {
    let base = &req.base_url;
    Response::json(
        200,
        &json!({
            "issuer": format!("{base}/{tenant}/v2.0"),
            "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
            "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "grant_types_supported": ["client_credentials"],
            "tenant_region_scope": "EU",
        }),
    )
}

/// `GET|POST /oidc/token?subject=S&audience=A`: mints an OIDC token from the emulator's own
/// issuer, like a CI system's OIDC endpoint (answers `{"value": …}` as GitHub Actions does,
/// and `oidcToken` as Azure DevOps does). Without `subject` the first federated subject of
/// principal `admin` is used.
pub fn oidc_token(app: &App, req: &Request) -> Response {
    let mut pairs = req.query_pairs();
    if req.method == http::Method::POST {
        pairs.extend(parse_query(&String::from_utf8_lossy(&req.body)));
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let subject = get("subject").or_else(|| {
        app.world
            .world
            .principals
            .get("admin")
            .and_then(|p| p.federated_credentials.first())
            .map(|f| f.subject.clone())
    });
    let Some(subject) = subject else {
        return super::app::operator_error(400, "query parameter 'subject' is required");
    };
    let issued = now();
    let claims = Claims {
        iss: format!("{}/oidc", req.base_url),
        sub: subject,
        aud: get("audience").unwrap_or_else(default_audience),
        iat: issued,
        nbf: issued,
        exp: issued + TOKEN_LIFETIME_SECS,
        ..Claims::default()
    };
    let token = app.signer.sign(&claims);
    Response::json(
        200,
        &json!({"value": token, "oidcToken": token, "count": 1}),
    )
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub fn token(app: &App, req: &Request, tenant: &str, info: &mut CallInfo) -> Response {
    match issue(app, req, tenant, info) {
        Ok(body) => Response::json(200, &body),
        Err(e) => e.into_response(),
    }
}

fn issue(
    app: &App,
    req: &Request,
    tenant_segment: &str,
    info: &mut CallInfo,
) -> Result<serde_json::Value, EntraError> {
    let form = parse_query(&String::from_utf8_lossy(&req.body));
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(tenant) = app.world.tenant_by_id(tenant_segment).cloned() else {
        return Err(EntraError::new(
            400,
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant_segment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        ));
    };
    let tenant_id = app.world.tenant_id(&tenant).to_string();
    info.tenant_id = Some(tenant_id.clone());
    let missing = |name: &str| {
        EntraError::new(
            400,
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let grant_type = get("grant_type").ok_or_else(|| missing("grant_type"))?;
    if grant_type != "client_credentials" {
        return Err(EntraError::new(
            400,
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    let client_id = get("client_id").ok_or_else(|| missing("client_id"))?;
    let scope = get("scope").ok_or_else(|| missing("scope"))?;
    let resource = scope
        .split_whitespace()
        .find_map(|s| s.strip_suffix("/.default"))
        .ok_or_else(|| {
            EntraError::new(
                400,
                "invalid_scope",
                1002012,
                format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            )
        })?;
    let not_found = || {
        EntraError::new(
            400,
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        )
    };
    let (name, principal) = app
        .world
        .principal_by_client_id(client_id)
        .ok_or_else(not_found)?;
    if principal.home_tenant != tenant && !principal.guest_tenants.contains(&tenant) {
        return Err(not_found());
    }
    info.principal = Some(name.clone());
    if let Some(secret) = get("client_secret") {
        if !constant_time_eq(secret.as_bytes(), principal.client_secret.as_bytes()) {
            return Err(EntraError::new(
                401,
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                ),
            ));
        }
    } else if let Some(assertion) = get("client_assertion") {
        if get("client_assertion_type") != Some(JWT_BEARER) {
            return Err(EntraError::new(
                400,
                "invalid_request",
                90011,
                format!("Unexpected client assertion type. It must be '{JWT_BEARER}'."),
            ));
        }
        let claims = peek_claims(assertion).ok_or_else(|| {
            EntraError::new(
                401,
                "invalid_client",
                50027,
                "JWT token is invalid or malformed.",
            )
        })?;
        if claims.iss.eq_ignore_ascii_case(&principal.client_id) {
            let audiences = token_endpoints(app, req, tenant_segment, &tenant_id);
            check_certificate_assertion(principal, assertion, &audiences)?;
        } else {
            check_federated_assertion(app, principal, assertion, &claims)?;
        }
    } else {
        return Err(EntraError::new(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    }
    let issued = now();
    let claims = Claims {
        iss: format!("https://sts.windows.net/{tenant_id}/"),
        sub: principal.object_id.clone(),
        aud: format!("{}/", resource.trim_end_matches('/')),
        iat: issued,
        nbf: issued,
        exp: issued + TOKEN_LIFETIME_SECS,
        tid: tenant_id,
        oid: principal.object_id.clone(),
        appid: principal.client_id.clone(),
        idtyp: "app".into(),
        ver: "1.0".into(),
    };
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
        "ext_expires_in": TOKEN_LIFETIME_SECS,
        "access_token": app.signer.sign(&claims),
    }))
}

/// The URLs a certificate assertion's `aud` may name: this tenant's v2.0 and v1 token
/// endpoints, by tenant ID or by the segment the client used, at any address of the emulator.
fn token_endpoints(app: &App, req: &Request, tenant_segment: &str, tenant_id: &str) -> Vec<String> {
    let mut bases = vec![req.base_url.clone()];
    bases.extend(app.self_urls().iter().cloned());
    let mut tenants = vec![tenant_id.to_string()];
    if !tenant_segment.eq_ignore_ascii_case(tenant_id) {
        tenants.push(tenant_segment.to_string());
    }
    let mut audiences = Vec::new();
    for base in &bases {
        for tenant in &tenants {
            for path in ["oauth2/v2.0/token", "oauth2/token"] {
                audiences.push(format!("{}/{tenant}/{path}", base.trim_end_matches('/')));
            }
        }
    }
    audiences
}

/// A self-issued assertion (`iss` = the client ID) is a certificate credential: it must be
/// signed by the private key of a certificate registered for the principal (see
/// [`super::certificate`]).
fn check_certificate_assertion(
    principal: &super::world::Principal,
    assertion: &str,
    audiences: &[String],
) -> Result<(), EntraError> {
    // The world was checked when loaded, so every registered certificate parses.
    let registered: Vec<_> = principal
        .certificate_credentials
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let expected = Expected {
        client_id: &principal.client_id,
        audiences,
        now: now(),
    };
    certificate::verify(assertion, &registered, &expected).map_err(|refusal| {
        EntraError::new(401, "invalid_client", refusal.code(), refusal.to_string())
    })
}

/// A federated assertion is accepted when it is a JWT from an issuer the principal trusts
/// (the emulator's own `/oidc` issuer unless the world names another, in which case the
/// signature cannot be checked and only iss/sub/aud/exp are), with matching subject and
/// audience.
fn check_federated_assertion(
    app: &App,
    principal: &super::world::Principal,
    assertion: &str,
    claims: &Claims,
) -> Result<(), EntraError> {
    let invalid =
        |code: u32, message: String| EntraError::new(401, "invalid_client", code, message);
    let own_issuer = app
        .self_urls()
        .iter()
        .any(|u| format!("{u}/oidc") == claims.iss);
    let trusted: Vec<_> = principal
        .federated_credentials
        .iter()
        .filter(|f| match &f.issuer {
            None => own_issuer,
            Some(i) => *i == claims.iss,
        })
        .collect();
    if trusted.is_empty() {
        return Err(invalid(
            700211,
            format!(
                "No matching federated identity record found for presented assertion issuer '{}'.",
                claims.iss
            ),
        ));
    }
    if own_issuer {
        match app.signer.verify(assertion, now()) {
            Ok(_) => {}
            Err(JwtError::Expired(_)) | Err(JwtError::NotYetValid(_)) => {
                return Err(invalid(
                    700024,
                    "Client assertion is not within its valid time range.".into(),
                ));
            }
            Err(_) => {
                return Err(invalid(
                    700027,
                    "Client assertion failed signature validation.".into(),
                ));
            }
        }
    } else if claims.exp <= now() {
        return Err(invalid(
            700024,
            "Client assertion is not within its valid time range.".into(),
        ));
    }
    let with_subject: Vec<_> = trusted.iter().filter(|f| f.subject == claims.sub).collect();
    if with_subject.is_empty() {
        return Err(invalid(
            700213,
            format!(
                "No matching federated identity record found for presented assertion subject '{}'.",
                claims.sub
            ),
        ));
    }
    if !with_subject.iter().any(|f| f.audience == claims.aud) {
        return Err(invalid(
            700212,
            format!(
                "No matching federated identity record found for presented assertion audience '{}'.",
                claims.aud
            ),
        ));
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
