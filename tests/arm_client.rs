//! The ARM client against the emulator: retries under injected 429/503 with Retry-After,
//! long-running deletes, paging, auxiliary tokens sent exactly where needed (and the
//! cross-tenant diagnostic when they are missing), and debug/trace logs free of secrets.

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value as Json, json};
use support::{Emulator, block_on};
use terraform_provider_avnm::arm::{ArmClient, NETWORK_API_VERSION, RequestOptions};
use terraform_provider_avnm::protocol::TerraformInfo;
use terraform_provider_avnm::provider::config::provider_schema;
use terraform_provider_avnm::provider::configure_client;
use terraform_provider_avnm::provider::diagnostics::arm_error_diagnostic;
use terraform_provider_avnm::value::Value;

/// A log sink for one test: a thread-local subscriber at TRACE writing into a buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs `f` on this thread with every log event (TRACE and up) captured.
fn with_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    (out, captured.text())
}

fn env(emu: &Emulator, principal: &str, tenant: &str) -> HashMap<String, String> {
    let t = emu.tenant(tenant);
    let p = emu.principal(principal);
    HashMap::from([
        (
            "ARM_METADATA_HOSTNAME".to_string(),
            emu.ready.metadata_host.clone(),
        ),
        (
            "SSL_CERT_FILE".to_string(),
            emu.ready.ca_cert_file.display().to_string(),
        ),
        ("ARM_TENANT_ID".to_string(), t.tenant_id.clone()),
        (
            "ARM_SUBSCRIPTION_ID".to_string(),
            t.subscription_ids[0].clone(),
        ),
        ("ARM_CLIENT_ID".to_string(), p.client_id.clone()),
        ("ARM_CLIENT_SECRET".to_string(), p.client_secret.clone()),
        ("ARM_USE_CLI".to_string(), "false".to_string()),
    ])
}

async fn client(env: &HashMap<String, String>) -> ArmClient {
    let config = Value::Object(
        provider_schema()
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect(),
    );
    let tf = TerraformInfo {
        terraform_version: "1.15.0".into(),
    };
    configure_client(&config, &tf, env)
        .await
        .expect("configure")
}

async fn admin(emu: &Emulator, path: &str, method: reqwest::Method, body: Option<&str>) -> Json {
    let url = format!("{}_emulator/{path}", emu.ready.resource_manager_endpoint);
    let mut req = emu.http().request(method, url);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.expect("emulator answers");
    let text = resp.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or(Json::Null)
}

async fn requests(emu: &Emulator) -> Vec<Json> {
    admin(emu, "requests", reqwest::Method::GET, None)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn clear_requests(emu: &Emulator) {
    admin(emu, "requests", reqwest::Method::DELETE, None).await;
}

fn manager_id(emu: &Emulator, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Network/networkManagers/{name}",
        emu.tenant("central").resource_group_ids[0]
    )
}

async fn create_manager(client: &ArmClient, emu: &Emulator, name: &str) -> String {
    let id = manager_id(emu, name);
    let body = json!({
        "location": "westeurope",
        "properties": {
            "description": "test",
            "networkManagerScopes": {"subscriptions": [format!("/subscriptions/{}", emu.tenant("central").subscription_ids[0])], "managementGroups": []},
            "networkManagerScopeAccesses": ["Connectivity"]
        }
    });
    let created = client
        .put(&id, NETWORK_API_VERSION, &body, &RequestOptions::default())
        .await
        .expect("PUT network manager");
    assert_eq!(created["name"], name);
    id
}

fn with_path<'a>(log: &'a [Json], method: &str, fragment: &str) -> Vec<&'a Json> {
    log.iter()
        .filter(|r| {
            r["method"] == method
                && r["path"].as_str().is_some_and(|p| {
                    p.to_ascii_lowercase()
                        .contains(&fragment.to_ascii_lowercase())
                })
        })
        .collect()
}

#[test]
fn retries_throttled_and_failing_requests_and_logs_the_retries() {
    let emu = Emulator::start();
    let ((), logs) = with_logs(|| {
        block_on(async {
            let client = client(&env(&emu, "admin", "central")).await;
            admin(&emu, "faults", reqwest::Method::POST, Some(r#"{"seed": 1, "rules": [{"method": "PUT", "path": "networkManagers/nm-retry$", "status": 429, "retry_after": 1, "count": 2}, {"method": "GET", "path": "networkManagers/nm-retry$", "status": 503, "retry_after": 1, "count": 1}]}"#)).await;
            let id = create_manager(&client, &emu, "nm-retry").await;
            let got = client
                .get(&id, NETWORK_API_VERSION, &RequestOptions::default())
                .await
                .expect("GET after 503");
            assert!(got.is_some());
            let log = requests(&emu).await;
            let puts: Vec<u64> = with_path(&log, "PUT", "nm-retry")
                .iter()
                .map(|r| r["status"].as_u64().unwrap())
                .collect();
            assert_eq!(
                puts,
                vec![429, 429, 201],
                "two throttled PUTs, then the create"
            );
            let gets: Vec<u64> = with_path(&log, "GET", "nm-retry")
                .iter()
                .map(|r| r["status"].as_u64().unwrap())
                .collect();
            assert_eq!(gets, vec![503, 200]);
        })
    });
    assert_eq!(logs.matches("retrying ARM request").count(), 3, "{logs}");
    assert!(
        logs.contains("HTTP 429") && logs.contains("HTTP 503"),
        "{logs}"
    );
}

#[test]
fn gives_up_at_the_deadline_with_the_last_answer() {
    let emu = Emulator::start();
    block_on(async {
        let client = client(&env(&emu, "admin", "central")).await;
        admin(&emu, "faults", reqwest::Method::POST, Some(r#"{"rules": [{"method": "GET", "path": "virtualNetworks", "status": 429, "retry_after": 2}]}"#)).await;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
        let started = std::time::Instant::now();
        let err = client
            .get(
                &emu.tenant("central").virtual_network_ids[0],
                NETWORK_API_VERSION,
                &RequestOptions::until(deadline),
            )
            .await
            .expect_err("always throttled");
        assert_eq!(err.status(), Some(429), "{err}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(4),
            "bounded by the deadline"
        );
    });
}

#[test]
fn long_running_delete_polls_until_done() {
    let emu = Emulator::start();
    block_on(async {
        let client = client(&env(&emu, "admin", "central")).await;
        let id = create_manager(&client, &emu, "nm-lro").await;
        clear_requests(&emu).await;
        client
            .delete(
                &id,
                NETWORK_API_VERSION,
                &[("force", "true")],
                &RequestOptions::default(),
            )
            .await
            .expect("delete");
        let log = requests(&emu).await;
        let deletes = with_path(&log, "DELETE", "nm-lro");
        assert_eq!(deletes.len(), 1);
        assert_eq!(
            deletes[0]["status"], 202,
            "the emulator runs manager deletes asynchronously"
        );
        assert!(
            deletes[0]["query"]
                .as_str()
                .unwrap_or_default()
                .contains("force=true")
        );
        let polls: Vec<&Json> = log.iter().filter(|r| r["method"] == "GET").collect();
        assert!(
            !polls.is_empty(),
            "the client polled the operation: {log:#?}"
        );
        assert!(
            client
                .get(&id, NETWORK_API_VERSION, &RequestOptions::default())
                .await
                .unwrap()
                .is_none(),
            "gone after the delete"
        );
        // Deleting what is gone is not an error.
        client
            .delete(&id, NETWORK_API_VERSION, &[], &RequestOptions::default())
            .await
            .expect("delete again");
    });
}

#[test]
fn lists_follow_next_link() {
    let emu = Emulator::start();
    block_on(async {
        let client = client(&env(&emu, "admin", "central")).await;
        let nm = create_manager(&client, &emu, "nm-pages").await;
        for i in 0..5 {
            let body = json!({"properties": {"description": "g", "memberType": "VirtualNetwork"}});
            client
                .put(
                    &format!("{nm}/networkGroups/g{i}"),
                    NETWORK_API_VERSION,
                    &body,
                    &RequestOptions::default(),
                )
                .await
                .expect("PUT group");
        }
        clear_requests(&emu).await;
        let items = client
            .list(
                &format!("{nm}/networkGroups?$top=2"),
                NETWORK_API_VERSION,
                &RequestOptions::default(),
            )
            .await
            .expect("list");
        let mut names: Vec<&str> = items.iter().filter_map(|i| i["name"].as_str()).collect();
        names.sort();
        assert_eq!(names, vec!["g0", "g1", "g2", "g3", "g4"]);
        let log = requests(&emu).await;
        assert_eq!(
            with_path(&log, "GET", "networkGroups").len(),
            3,
            "three pages of at most two"
        );
    });
}

#[test]
fn auxiliary_tokens_are_sent_exactly_where_needed() {
    let emu = Emulator::start();
    block_on(async {
        let central = client(&env(&emu, "admin", "central")).await;
        let target_admin = client(&env(&emu, "target_admin", "target")).await;
        let target_tenant = emu.tenant("target").tenant_id.clone();
        let vnet = emu.tenant("target").virtual_network_ids[0].clone();
        let vnet_sub = vnet.split('/').nth(2).unwrap().to_string();

        // Connect the target subscription to a central manager, both sides.
        let nm = create_manager(&central, &emu, "nm-x").await;
        let sc = json!({"properties": {"tenantId": target_tenant, "resourceId": format!("/subscriptions/{vnet_sub}"), "description": "x"}});
        central
            .put(
                &format!("{nm}/scopeConnections/to-target"),
                NETWORK_API_VERSION,
                &sc,
                &RequestOptions::default(),
            )
            .await
            .expect("scope connection");
        let conn = json!({"properties": {"networkManagerId": nm, "description": "x"}});
        target_admin
            .put(&format!("/subscriptions/{vnet_sub}/providers/Microsoft.Network/networkManagerConnections/from-central"), NETWORK_API_VERSION, &conn, &RequestOptions::default())
            .await
            .expect("network manager connection");
        let group = format!("{nm}/networkGroups/g");
        central
            .put(
                &group,
                NETWORK_API_VERSION,
                &json!({"properties": {"memberType": "VirtualNetwork"}}),
                &RequestOptions::default(),
            )
            .await
            .expect("group");
        clear_requests(&emu).await;

        // Without the target tenant's token ARM refuses, and the diagnostic says what to do.
        let member = json!({"properties": {"resourceId": vnet}});
        let err = central
            .put(
                &format!("{group}/staticMembers/m1"),
                NETWORK_API_VERSION,
                &member,
                &RequestOptions::default(),
            )
            .await
            .expect_err("no auxiliary token");
        assert_eq!(err.code(), Some("LinkedAuthorizationFailed"), "{err}");
        let d = arm_error_diagnostic("creating static member m1", &err);
        assert!(
            d.detail.contains("auxiliary_tenant_ids")
                && d.detail.contains("No auxiliary token was sent"),
            "{}",
            d.detail
        );

        // With it (per request), the member is created; reads carry no auxiliary token.
        let opts = RequestOptions::default().with_auxiliary_tenants([target_tenant.clone()]);
        central
            .put(
                &format!("{group}/staticMembers/m1"),
                NETWORK_API_VERSION,
                &member,
                &opts,
            )
            .await
            .expect("static member");
        central
            .get(
                &format!("{group}/staticMembers/m1"),
                NETWORK_API_VERSION,
                &RequestOptions::default(),
            )
            .await
            .unwrap()
            .expect("member exists");
        let log = requests(&emu).await;
        let puts = with_path(&log, "PUT", "staticMembers/m1");
        assert_eq!(puts.len(), 2);
        assert_eq!(puts[0]["auxiliary_tenant_ids"], json!([]));
        assert_eq!(puts[1]["auxiliary_tenant_ids"], json!([target_tenant]));
        assert_eq!(puts[1]["status"], 201);
        for get in with_path(&log, "GET", "staticMembers") {
            assert_eq!(
                get["auxiliary_tenant_ids"],
                json!([]),
                "reads carry no auxiliary token"
            );
        }

        // Provider-wide auxiliary_tenant_ids: on every write, never on reads, never the home tenant.
        let mut wide_env = env(&emu, "admin", "central");
        wide_env.insert(
            "ARM_AUXILIARY_TENANT_IDS".into(),
            format!("{target_tenant};{}", emu.tenant("central").tenant_id),
        );
        let wide = client(&wide_env).await;
        clear_requests(&emu).await;
        wide.put(
            &format!("{group}/staticMembers/m2"),
            NETWORK_API_VERSION,
            &member,
            &RequestOptions::default(),
        )
        .await
        .expect("static member via provider-wide auxiliary tenants");
        wide.get(
            &format!("{group}/staticMembers/m2"),
            NETWORK_API_VERSION,
            &RequestOptions::default(),
        )
        .await
        .unwrap()
        .expect("exists");
        wide.delete(
            &format!("{group}/staticMembers/m2"),
            NETWORK_API_VERSION,
            &[],
            &RequestOptions::default(),
        )
        .await
        .expect("delete");
        let log = requests(&emu).await;
        assert_eq!(
            with_path(&log, "PUT", "staticMembers/m2")[0]["auxiliary_tenant_ids"],
            json!([target_tenant])
        );
        assert_eq!(
            with_path(&log, "DELETE", "staticMembers/m2")[0]["auxiliary_tenant_ids"],
            json!([target_tenant])
        );
        assert_eq!(
            with_path(&log, "GET", "staticMembers/m2")[0]["auxiliary_tenant_ids"],
            json!([])
        );
    });
}

#[test]
fn trace_logs_contain_no_secret_and_no_token() {
    let emu = Emulator::start();
    let secret = emu.principal("admin").client_secret.clone();
    let ((), logs) = with_logs(|| {
        block_on(async {
            let mut e = env(&emu, "admin", "central");
            e.insert(
                "ARM_AUXILIARY_TENANT_IDS".into(),
                emu.tenant("target").tenant_id.clone(),
            );
            let client = client(&e).await;
            let id = create_manager(&client, &emu, "nm-logs").await;
            client
                .get(&id, NETWORK_API_VERSION, &RequestOptions::default())
                .await
                .unwrap();
            // and a failed authentication, whose error is logged by whoever reports it
            let mut bad = env(&emu, "admin", "central");
            bad.insert("ARM_CLIENT_SECRET".into(), "wrong-secret-value".into());
            let config = Value::Object(
                provider_schema()
                    .block
                    .attributes
                    .iter()
                    .map(|a| (a.name.clone(), Value::Null))
                    .collect(),
            );
            let diags = configure_client(&config, &TerraformInfo::default(), &bad)
                .await
                .expect_err("wrong secret");
            tracing::error!("{diags:?}");
        })
    });
    assert!(
        logs.contains("ARM request done"),
        "debug logs were captured: {logs}"
    );
    assert!(
        !logs.contains(&secret),
        "the client secret leaked into the logs"
    );
    assert!(
        !logs.contains("wrong-secret-value"),
        "a wrong secret leaked into the logs"
    );
    assert!(!logs.contains("eyJ"), "a JWT (token) leaked into the logs");
    assert!(
        !logs.to_ascii_lowercase().contains("bearer ey"),
        "a bearer token leaked into the logs"
    );
}

#[test]
fn converges_with_thirty_percent_of_requests_throttled() {
    let emu = Emulator::start();
    let ((), logs) = with_logs(|| {
        block_on(async {
            let client = client(&env(&emu, "admin", "central")).await;
            admin(&emu, "faults", reqwest::Method::POST, Some(r#"{"seed": 7, "rules": [{"path": "^/subscriptions/", "rate": 0.3, "status": 429, "retry_after": 1}]}"#)).await;
            let nm = create_manager(&client, &emu, "nm-busy").await;
            for i in 0..4 {
                let body = json!({"properties": {"memberType": "VirtualNetwork"}});
                client
                    .put(
                        &format!("{nm}/networkGroups/g{i}"),
                        NETWORK_API_VERSION,
                        &body,
                        &RequestOptions::default(),
                    )
                    .await
                    .expect("PUT group");
            }
            let groups = client
                .list(
                    &format!("{nm}/networkGroups"),
                    NETWORK_API_VERSION,
                    &RequestOptions::default(),
                )
                .await
                .expect("list");
            assert_eq!(groups.len(), 4);
            client
                .delete(
                    &nm,
                    NETWORK_API_VERSION,
                    &[("force", "true")],
                    &RequestOptions::default(),
                )
                .await
                .expect("delete");
            let log = requests(&emu).await;
            let throttled = log.iter().filter(|r| r["status"] == 429).count();
            assert!(throttled > 0, "the fault rule fired");
            // every throttled answer was retried, and each retry is in the debug log
            tracing::info!(throttled, "throttled answers");
        })
    });
    let throttled: usize = logs
        .lines()
        .find_map(|l| {
            l.split("throttled=")
                .nth(1)
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .expect("the count was logged");
    assert_eq!(
        logs.matches("retrying ARM request").count(),
        throttled,
        "one logged retry per 429"
    );
}

#[test]
fn a_slow_answer_ends_at_the_deadline() {
    let emu = Emulator::start();
    block_on(async {
        let client = client(&env(&emu, "admin", "central")).await;
        admin(
            &emu,
            "faults",
            reqwest::Method::POST,
            Some(
                r#"{"rules": [{"method": "GET", "path": "virtualNetworks", "latency_ms": 5000}]}"#,
            ),
        )
        .await;
        let started = std::time::Instant::now();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(800);
        let err = client
            .get(
                &emu.tenant("central").virtual_network_ids[0],
                NETWORK_API_VERSION,
                &RequestOptions::until(deadline),
            )
            .await
            .expect_err("slower than the deadline");
        assert!(
            matches!(err, terraform_provider_avnm::arm::ArmError::Timeout { .. }),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(3));
        let d = arm_error_diagnostic("reading", &err);
        assert!(d.detail.contains("timeouts"), "{}", d.detail);
    });
}

#[test]
fn dropped_connections_are_retried() {
    let emu = Emulator::start();
    let ((), logs) = with_logs(|| {
        block_on(async {
            let client = client(&env(&emu, "admin", "central")).await;
            admin(
                &emu,
                "faults",
                reqwest::Method::POST,
                Some(r#"{"rules": [{"method": "GET", "path": "virtualNetworks", "drop": true, "count": 2}]}"#),
            )
            .await;
            let got = client
                .get(
                    &emu.tenant("central").virtual_network_ids[0],
                    NETWORK_API_VERSION,
                    &RequestOptions::default(),
                )
                .await
                .expect("GET after two dropped connections");
            assert!(got.is_some());
        })
    });
    let retries: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("retrying ARM request"))
        .collect();
    assert_eq!(retries.len(), 2, "{logs}");
    assert!(
        retries.iter().all(|l| !l.contains("HTTP ")),
        "retried for the connection, not a status: {retries:?}"
    );
}
