//! The emulator's Entra ID side over HTTPS: client-secret and client-assertion (OIDC)
//! grants, Entra's error shapes and AADSTS codes, the cloud-metadata document, and the
//! claims of issued tokens.

use base64::Engine;
use serde_json::Value;
use terraform_provider_avnm::emulator::harness::Emulator;

fn start() -> Emulator {
    Emulator::start(env!("CARGO_BIN_EXE_avnm-arm-emulator").as_ref(), &[]).unwrap()
}

async fn token_request(emu: &Emulator, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        body.append_pair(k, v);
    }
    let r = emu
        .client()
        .post(emu.url(&format!("/{tenant}/oauth2/v2.0/token")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.finish())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

const SCOPE: &str = "https://management.azure.com/.default";

#[tokio::test]
async fn client_secret_grant_issues_entra_shaped_tokens() {
    let emu = start();
    let admin = &emu.ready.principals["admin"];
    let central = &emu.ready.tenants["central"].tenant_id;
    let (status, body) = token_request(
        &emu,
        central,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &admin.client_id),
            ("client_secret", &admin.client_secret),
            ("scope", SCOPE),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() > 300);
    assert!(body["ext_expires_in"].is_i64());
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["tid"], central.as_str());
    assert_eq!(c["oid"], admin.object_id.as_str());
    assert_eq!(c["appid"], admin.client_id.as_str());
    assert_eq!(c["aud"], "https://management.azure.com/");
    assert!(c["exp"].as_i64().unwrap() > c["iat"].as_i64().unwrap());

    // A guest gets a token for the tenant it is a guest in.
    let target = &emu.ready.tenants["target"].tenant_id;
    let token = emu.token("admin", "target").await.unwrap();
    assert_eq!(claims(&token)["tid"], target.as_str());
}

#[tokio::test]
async fn token_errors_use_aadsts_codes() {
    let emu = start();
    let admin = &emu.ready.principals["admin"];
    let outsider = &emu.ready.principals["outsider"];
    let central = emu.ready.tenants["central"].tenant_id.clone();
    let target = emu.ready.tenants["target"].tenant_id.clone();
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, u16, &'a str, u64);
    let cases: Vec<Case> = vec![
        (
            central.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &admin.client_id),
                ("client_secret", "wrong"),
                ("scope", SCOPE),
            ],
            401,
            "invalid_client",
            7000215,
        ),
        (
            "11111111-1111-1111-1111-111111111111".into(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &admin.client_id),
                ("client_secret", &admin.client_secret),
                ("scope", SCOPE),
            ],
            400,
            "invalid_request",
            90002,
        ),
        (
            target.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &outsider.client_id),
                ("client_secret", &outsider.client_secret),
                ("scope", SCOPE),
            ],
            400,
            "unauthorized_client",
            700016,
        ),
        (
            central.clone(),
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", &admin.client_id),
                ("client_secret", &admin.client_secret),
                ("scope", "https://management.azure.com/user_impersonation"),
            ],
            400,
            "invalid_scope",
            1002012,
        ),
        (
            central.clone(),
            vec![
                ("grant_type", "password"),
                ("client_id", &admin.client_id),
                ("scope", SCOPE),
            ],
            400,
            "unsupported_grant_type",
            70003,
        ),
        (
            central.clone(),
            vec![("grant_type", "client_credentials"), ("scope", SCOPE)],
            400,
            "invalid_request",
            900144,
        ),
    ];
    for (tenant, form, status, error, code) in cases {
        let (got_status, body) = token_request(&emu, &tenant, &form).await;
        assert_eq!(
            (got_status, body["error"].as_str().unwrap()),
            (status, error),
            "{body}"
        );
        assert_eq!(body["error_codes"][0].as_u64(), Some(code));
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description.starts_with(&format!("AADSTS{code}: ")),
            "{description}"
        );
        assert!(
            body["trace_id"].is_string()
                && body["correlation_id"].is_string()
                && body["timestamp"].is_string()
        );
        assert!(
            !description.contains(&admin.client_secret),
            "the secret never appears in errors"
        );
    }
}

#[tokio::test]
async fn client_assertion_from_the_emulator_oidc_issuer() {
    let emu = start();
    let admin = &emu.ready.principals["admin"];
    let central = emu.ready.tenants["central"].tenant_id.clone();
    let mint = |subject: &str, audience: &str| {
        let url = emu.url(&format!(
            "/oidc/token?subject={subject}&audience={audience}"
        ));
        let client = emu.client();
        async move {
            let v: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            v["value"].as_str().unwrap().to_string()
        }
    };
    let assertion_grant = |assertion: String| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", admin.client_id.clone()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion", assertion),
            ("scope", SCOPE.to_string()),
        ]
    };
    let good = mint(&admin.federated_subjects[0], "api://AzureADTokenExchange").await;
    let form = assertion_grant(good);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = token_request(&emu, &central, &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["oid"],
        admin.object_id.as_str()
    );

    for (assertion, code) in [
        (
            mint(
                "system:serviceaccount:other:x",
                "api://AzureADTokenExchange",
            )
            .await,
            700213,
        ),
        (
            mint(&admin.federated_subjects[0], "api://other").await,
            700212,
        ),
        ("e30.e30.sig".to_string(), 700211),
        ("garbage".to_string(), 50027),
    ] {
        let form = assertion_grant(assertion);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = token_request(&emu, &central, &form).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error_codes"][0].as_u64(), Some(code), "{body}");
    }

    // A forged assertion (right claims, wrong signature) fails signature validation.
    let good = mint(&admin.federated_subjects[0], "api://AzureADTokenExchange").await;
    let (signed, _) = good.rsplit_once('.').unwrap();
    let form = assertion_grant(format!("{signed}.AAAA"));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, body) = token_request(&emu, &central, &form).await;
    assert_eq!(body["error_codes"][0].as_u64(), Some(700027), "{body}");
}

#[tokio::test]
async fn cloud_metadata_names_the_emulator() {
    let emu = start();
    let r = emu
        .client()
        .get(emu.url("/metadata/endpoints?api-version=2022-09-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let base = emu.ready.resource_manager_endpoint.clone();
    assert_eq!(v[0]["resourceManager"], base.as_str());
    assert_eq!(v[0]["authentication"]["loginEndpoint"], base.as_str());
    assert!(
        !v[0]["authentication"]["audiences"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(v[0]["suffixes"]["storage"].is_string());
    assert_eq!(
        emu.ready.metadata_host,
        base.trim_start_matches("https://").trim_end_matches('/')
    );

    // A token for the metadata's first audience (note the double slash azurerm sends) works.
    let admin = &emu.ready.principals["admin"];
    let central = &emu.ready.tenants["central"].tenant_id;
    let scope = format!(
        "{}/.default",
        v[0]["authentication"]["audiences"][0].as_str().unwrap()
    );
    let (status, body) = token_request(
        &emu,
        central,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &admin.client_id),
            ("client_secret", &admin.client_secret),
            ("scope", &scope),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap();
    let sub = &emu.ready.tenants["central"].subscription_ids[0];
    let r = emu
        .arm(
            reqwest::Method::GET,
            &format!("/subscriptions/{sub}/providers/Microsoft.Network/networkManagers"),
            Some(token),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{:?}", r.body);

    // A token for another audience is refused.
    let (_, body) = token_request(
        &emu,
        central,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &admin.client_id),
            ("client_secret", &admin.client_secret),
            ("scope", "https://vault.azure.net/.default"),
        ],
    )
    .await;
    let r = emu
        .arm(
            reqwest::Method::GET,
            &format!("/subscriptions/{sub}/providers/Microsoft.Network/networkManagers"),
            body["access_token"].as_str(),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (401, "InvalidAuthenticationToken"));
}

/// Self-signed client assertions (certificate credentials) over HTTPS: the token endpoint
/// URL is the audience, the registered certificate is found by thumbprint, and each refusal
/// carries Entra's code.
#[tokio::test]
async fn client_assertion_signed_with_a_registered_certificate() {
    use aws_lc_rs::{digest, rand::SystemRandom, rsa::KeyPair, signature};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;
    use terraform_provider_avnm::emulator::world::{CertificateCredential, World};

    let new_key = || {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["avnm-test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (
            KeyPair::from_pkcs8(&key.serialize_der()).unwrap(),
            cert.pem(),
            cert.der().to_vec(),
        )
    };
    let (key, pem, der) = new_key();
    let (other_key, _, other_der) = new_key();
    let mut world = World::default_world();
    let admin_client_id = world.principals["admin"].client_id.clone();
    world
        .principals
        .get_mut("admin")
        .unwrap()
        .certificate_credentials
        .push(CertificateCredential { certificate: pem });
    let dir = tempfile::tempdir().unwrap();
    let world_file = dir.path().join("world.json");
    std::fs::write(&world_file, serde_json::to_vec(&world).unwrap()).unwrap();
    let emu = Emulator::start(
        env!("CARGO_BIN_EXE_avnm-arm-emulator").as_ref(),
        &["--world", &world_file.display().to_string()],
    )
    .unwrap();
    let central = emu.ready.tenants["central"].tenant_id.clone();
    let endpoint = emu.url(&format!("/{central}/oauth2/v2.0/token"));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();

    let sign = |key: &KeyPair, cert_der: &[u8], aud: &str, exp: i64| {
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der);
        let header = json!({"alg": "RS256", "typ": "JWT", "x5t": URL_SAFE_NO_PAD.encode(sha1)});
        let claims = json!({"iss": admin_client_id, "sub": admin_client_id, "aud": aud,
            "jti": uuid::Uuid::new_v4().to_string(), "nbf": now - 5, "iat": now - 5, "exp": exp});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut sig = vec![0u8; key.public_modulus_len()];
        key.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut sig,
        )
        .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    };
    let grant = |assertion: String| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", admin_client_id.clone()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion", assertion),
            ("scope", SCOPE.to_string()),
        ]
    };

    let form = grant(sign(&key, &der, &endpoint, now + 600));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = token_request(&emu, &central, &form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["oid"],
        emu.ready.principals["admin"].object_id.as_str()
    );

    let target = &emu.ready.tenants["target"].tenant_id;
    for (assertion, code) in [
        // signed by another key, but naming the registered certificate
        (sign(&other_key, &der, &endpoint, now + 600), 700027),
        // a certificate that is not registered
        (sign(&other_key, &other_der, &endpoint, now + 600), 700027),
        // another tenant's token endpoint
        (
            sign(
                &key,
                &der,
                &emu.url(&format!("/{target}/oauth2/v2.0/token")),
                now + 600,
            ),
            700023,
        ),
        // expired
        (sign(&key, &der, &endpoint, now - 60), 700024),
    ] {
        let form = grant(assertion);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = token_request(&emu, &central, &form).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"], "invalid_client", "{body}");
        assert_eq!(body["error_codes"][0].as_u64(), Some(code), "{body}");
    }

    // A good assertion with another assertion type is refused before it is looked at.
    let mut form = grant(sign(&key, &der, &endpoint, now + 600));
    form[2].1 = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer".to_string();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = token_request(&emu, &central, &form).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_codes"][0].as_u64(), Some(90011), "{body}");
}
