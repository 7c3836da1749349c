//! The emulator's operator side over HTTPS: fault injection (at start and at runtime),
//! restart with `--state-file`, reset, the request log, a user world file, and the ready
//! file written atomically.

use reqwest::Method;
use serde_json::{Value, json};
use terraform_provider_avnm::emulator::harness::Emulator;

fn binary() -> &'static std::path::Path {
    env!("CARGO_BIN_EXE_avnm-arm-emulator").as_ref()
}

fn manager_path(emu: &Emulator, name: &str) -> String {
    let sub = &emu.ready.tenants["central"].subscription_ids[0];
    format!(
        "/subscriptions/{sub}/resourceGroups/rg-central-1/providers/Microsoft.Network/networkManagers/{name}"
    )
}

fn manager_body(emu: &Emulator) -> Value {
    let sub = &emu.ready.tenants["central"].subscription_ids[0];
    json!({"location": "westeurope", "properties": {"networkManagerScopes": {"subscriptions": [format!("/subscriptions/{sub}")]}}})
}

async fn post(emu: &Emulator, path: &str, body: &str) -> (u16, Value) {
    let r = emu
        .client()
        .post(emu.url(path))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn faults_from_the_command_line_and_at_runtime() {
    let emu = Emulator::start(binary(), &["--faults", "put:429:2"]).unwrap();
    let token = emu.token("admin", "central").await.unwrap();
    let path = manager_path(&emu, "nm");
    let body = manager_body(&emu);
    for _ in 0..2 {
        let r = emu
            .arm(Method::PUT, &path, Some(&token), &[], Some(&body))
            .await
            .unwrap();
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("1"));
        assert_eq!(r.code(), "TooManyRequests");
    }
    let r = emu
        .arm(Method::PUT, &path, Some(&token), &[], Some(&body))
        .await
        .unwrap();
    assert_eq!(r.status, 201, "the rule fired its two times");

    // Runtime: 503 on every GET of networkGroups only, with a seed.
    let (status, _) = post(
        &emu,
        "/_emulator/faults",
        r#"{"seed": 7, "rules": [{"method": "GET", "path": "networkGroups", "status": 503, "retry_after": 2}]}"#,
    )
    .await;
    assert_eq!(status, 200);
    let r = emu
        .arm(
            Method::GET,
            &format!("{path}/networkGroups"),
            Some(&token),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.header("retry-after")), (503, Some("2")));
    assert_eq!(
        emu.arm(Method::GET, &path, Some(&token), &[], None)
            .await
            .unwrap()
            .status,
        200
    );

    // A dropped connection is an error at the client, not a response.
    post(
        &emu,
        "/_emulator/faults",
        r#"{"rules": [{"path": "networkManagers/nm$", "drop": true}]}"#,
    )
    .await;
    let dropped = emu.arm(Method::GET, &path, Some(&token), &[], None).await;
    assert!(dropped.is_err(), "{dropped:?}");

    // Latency is added, the request still succeeds.
    post(
        &emu,
        "/_emulator/faults",
        r#"{"rules": [{"latency_ms": 300}]}"#,
    )
    .await;
    let started = std::time::Instant::now();
    assert_eq!(
        emu.arm(Method::GET, &path, Some(&token), &[], None)
            .await
            .unwrap()
            .status,
        200
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    // Bad specs are refused; {"rules": []} clears.
    let (status, body) = post(&emu, "/_emulator/faults", r#"{"rules": [{"status": 200}]}"#).await;
    assert_eq!(status, 400, "{body}");
    post(&emu, "/_emulator/faults", r#"{"rules": []}"#).await;
    assert_eq!(
        emu.arm(Method::GET, &path, Some(&token), &[], None)
            .await
            .unwrap()
            .status,
        200
    );

    // Injected faults are visible in the request log.
    let log: Vec<Value> = emu
        .client()
        .get(emu.url("/_emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let faults: Vec<(&str, u64)> = log
        .iter()
        .filter_map(|r| Some((r["fault"].as_str()?, r["status"].as_u64()?)))
        .collect();
    assert_eq!(
        faults,
        vec![
            ("status", 429),
            ("status", 429),
            ("status", 503),
            ("drop", 0)
        ]
    );
}

#[tokio::test]
async fn rate_based_faults_hit_about_their_share() {
    let emu = Emulator::start(
        binary(),
        &[
            "--faults",
            r#"{"seed": 3, "rules": [{"rate": 0.3, "status": 429, "retry_after": 1}]}"#,
        ],
    )
    .unwrap();
    let token = emu.token("admin", "central").await.unwrap();
    let path = manager_path(&emu, "nm");
    let mut throttled = 0;
    for _ in 0..200 {
        if emu
            .arm(Method::GET, &path, Some(&token), &[], None)
            .await
            .unwrap()
            .status
            == 429
        {
            throttled += 1;
        }
    }
    assert!(
        (30..=90).contains(&throttled),
        "{throttled} of 200 throttled at rate 0.3"
    );
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.display().to_string();
    let (token, path, created) = {
        let emu = Emulator::start_in(binary(), dir.path(), &["--state-file", &state_arg]).unwrap();
        let token = emu.token("admin", "central").await.unwrap();
        let path = manager_path(&emu, "persisted");
        let r = emu
            .arm(
                Method::PUT,
                &path,
                Some(&token),
                &[],
                Some(&manager_body(&emu)),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 201);
        let group = format!("{path}/networkGroups/g");
        assert_eq!(
            emu.arm(
                Method::PUT,
                &group,
                Some(&token),
                &[],
                Some(&json!({"properties": {}}))
            )
            .await
            .unwrap()
            .status,
            201
        );
        (token, path, r.body)
    };
    assert!(state.exists());
    let emu = Emulator::start_in(binary(), dir.path(), &["--state-file", &state_arg]).unwrap();
    // The token from before the restart is still valid (the signing key is persisted).
    let r = emu
        .arm(Method::GET, &path, Some(&token), &[], None)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["etag"], created["etag"]);
    assert_eq!(
        r.body["properties"]["resourceGuid"],
        created["properties"]["resourceGuid"]
    );
    let groups = emu
        .arm(
            Method::GET,
            &format!("{path}/networkGroups"),
            Some(&token),
            &[],
            None,
        )
        .await
        .unwrap();
    assert_eq!(groups.body["value"].as_array().unwrap().len(), 1);

    // Reset forgets everything, and that too is persisted.
    let (status, _) = post(&emu, "/_emulator/reset", "").await;
    assert_eq!(status, 204);
    let inventory: Value = emu
        .client()
        .get(emu.url("/_emulator/inventory"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inventory, json!([]));
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(saved["store"]["resources"], json!({}));

    // A corrupt state file stops the emulator with a clear error instead of losing it.
    std::fs::write(&state, "{broken").unwrap();
    drop(emu);
    let err = Emulator::start_in(binary(), dir.path(), &["--state-file", &state_arg])
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("not an emulator state file"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "{broken");
}

#[tokio::test]
async fn a_user_world_replaces_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let world = json!({
        "tenants": {
            "hub": {"tenant_id": "11111111-0000-0000-0000-000000000001", "subscriptions": [
                {"subscription_id": "22222222-0000-0000-0000-000000000001", "resource_groups": [
                    {"name": "rg-hub", "location": "swedencentral", "virtual_networks": [
                        {"name": "hub-vnet", "location": "swedencentral", "address_prefix": "10.9.0.0/16",
                         "subnets": [{"name": "s1", "address_prefix": "10.9.0.0/24"}]}]}]}],
             "management_groups": []}
        },
        "principals": {"ops": {"client_id": "33333333-0000-0000-0000-000000000001", "client_secret": "s3cret",
            "object_id": "44444444-0000-0000-0000-000000000001", "home_tenant": "hub",
            "role_assignments": [{"scope": "/subscriptions/22222222-0000-0000-0000-000000000001", "role": "Reader"}]}}
    });
    let file = dir.path().join("world.json");
    std::fs::write(&file, world.to_string()).unwrap();
    let emu = Emulator::start_in(
        binary(),
        dir.path(),
        &["--world", &file.display().to_string()],
    )
    .unwrap();
    assert_eq!(emu.ready.tenants["hub"].virtual_network_ids.len(), 1);
    let token = emu.token("ops", "hub").await.unwrap();
    let vnet = emu.ready.tenants["hub"].virtual_network_ids[0].clone();
    let r = emu
        .arm(Method::GET, &vnet, Some(&token), &[], None)
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.body["location"].as_str()),
        (200, Some("swedencentral"))
    );
    // Reader may read but not write.
    let path = "/subscriptions/22222222-0000-0000-0000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/networkManagers/nm";
    let r = emu
        .arm(
            Method::PUT,
            path,
            Some(&token),
            &[],
            Some(&json!({"location": "swedencentral", "properties": {"networkManagerScopes": {}}})),
        )
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (403, "AuthorizationFailed"));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"tenants": {}, "principals": {"p": {"client_id": "c", "client_secret": "s", "object_id": "o", "home_tenant": "nowhere"}}}"#).unwrap();
    let err = Emulator::start_in(
        binary(),
        dir.path(),
        &["--world", &bad.display().to_string()],
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("nowhere"), "{err}");
}

#[tokio::test]
async fn ready_file_matches_the_stdout_line() {
    let emu = Emulator::start(binary(), &[]).unwrap();
    let file: Value =
        serde_json::from_slice(&std::fs::read(emu.dir.join("ready.json")).unwrap()).unwrap();
    assert_eq!(file, serde_json::to_value(&emu.ready).unwrap());
    assert!(std::path::Path::new(&emu.ready.ca_cert_file).is_absolute());
    for name in ["central", "target"] {
        let t = &emu.ready.tenants[name];
        assert!(t.subscription_ids.len() >= 2);
        assert_eq!(t.management_group_ids.len(), 1);
        assert_eq!(t.resource_group_ids.len(), t.subscription_ids.len());
        assert_eq!(t.subnet_ids.len(), t.virtual_network_ids.len());
    }
    for (name, home) in [
        ("admin", "central"),
        ("target_admin", "target"),
        ("outsider", "central"),
    ] {
        assert_eq!(emu.ready.principals[name].home_tenant, home);
    }
    // The same world every time: IDs are derived, not random.
    let again = Emulator::start(binary(), &[]).unwrap();
    assert_eq!(again.ready.tenants, emu.ready.tenants);
    assert_eq!(again.ready.principals, emu.ready.principals);
}

#[tokio::test]
async fn correlation_ids_are_echoed_and_logged() {
    let emu = Emulator::start(binary(), &[]).unwrap();
    let token = emu.token("admin", "central").await.unwrap();
    let path = manager_path(&emu, "nm");
    let r = emu
        .client()
        .get(emu.url(&format!("{path}?api-version=2026-03-01")))
        .bearer_auth(&token)
        .header("x-ms-correlation-request-id", "corr-1")
        .header("x-ms-client-request-id", "client-1")
        .header("User-Agent", "test-agent/1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-ms-correlation-request-id"], "corr-1");
    assert_eq!(r.headers()["x-ms-client-request-id"], "client-1");
    assert!(r.headers().contains_key("x-ms-request-id"));
    let log: Vec<Value> = emu
        .client()
        .get(emu.url("/_emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let get = log
        .iter()
        .find(|r| r["method"] == "GET" && r["status"] == 404)
        .unwrap();
    assert_eq!(get["correlation_id"], "corr-1");
    assert_eq!(get["client_request_id"], "client-1");
    assert_eq!(get["user_agent"], "test-agent/1");
    assert_eq!(get["principal"], "admin");
    assert_eq!(
        get["tenant_id"],
        json!(emu.ready.tenants["central"].tenant_id)
    );
    assert!(get["duration_ms"].as_f64().unwrap() >= 0.0);
    // `since` returns only newer records.
    let last = log.last().unwrap()["seq"].as_u64().unwrap();
    let newer: Vec<Value> = emu
        .client()
        .get(emu.url(&format!("/_emulator/requests?since={last}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(newer.iter().all(|r| r["seq"].as_u64().unwrap() > last));
}

#[tokio::test]
async fn operator_endpoints() {
    let emu = Emulator::start(binary(), &[]).unwrap();
    let client = emu.client();
    let world: Value = client
        .get(emu.url("/_emulator/world"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        world["tenants"]["central"]["tenant_id"],
        json!(emu.ready.tenants["central"].tenant_id)
    );
    post(&emu, "/_emulator/faults", "get:503:1").await;
    let spec: Value = client
        .get(emu.url("/_emulator/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["rules"][0]["status"], 503);
    assert_eq!(spec["rules"][0]["method"], "GET");

    emu.token("admin", "central").await.unwrap();
    let log: Vec<Value> = client
        .get(emu.url("/_emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|r| r["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
    );
    let cleared = client
        .delete(emu.url("/_emulator/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    let log: Vec<Value> = client
        .get(emu.url("/_emulator/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        log.iter().all(|r| r["path"] == "/_emulator/requests"),
        "{log:?}"
    );

    let unknown = client.get(emu.url("/_emulator/nope")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let elsewhere = client.get(emu.url("/nowhere")).send().await.unwrap();
    assert_eq!(elsewhere.status(), 404);
}
