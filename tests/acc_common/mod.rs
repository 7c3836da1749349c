//! Steps the resource acceptance tests share, on top of the lead's harness (`support`):
//! terraform-plugin-testing's import check, the emulator's request log, and the world's ids.
#![allow(dead_code)] // each test binary uses its own part

pub mod manager_connection;

use serde_json::Value as Json;

use crate::support::{Emulator, TerraformDir};

/// The bare GUID of the tenant's first subscription.
pub fn subscription(emu: &Emulator, tenant: &str) -> String {
    emu.tenant(tenant).subscription_ids[0].clone()
}

/// The name of the tenant's first resource group.
pub fn resource_group(emu: &Emulator, tenant: &str) -> String {
    let id = &emu.tenant(tenant).resource_group_ids[0];
    id.rsplit('/').next().unwrap_or_default().to_string()
}

/// The `n`th virtual network of `tenant` that lives in its first subscription.
pub fn vnet(emu: &Emulator, tenant: &str, n: usize) -> String {
    let sub = subscription(emu, tenant).to_ascii_lowercase();
    emu.tenant(tenant)
        .virtual_network_ids
        .iter()
        .filter(|id| id.to_ascii_lowercase().contains(&sub))
        .nth(n)
        .cloned()
        .expect("enough virtual networks in the world")
}

/// A configuration's values without `timeouts` (import cannot know them).
fn comparable(mut values: Json) -> Json {
    if let Some(m) = values.as_object_mut() {
        m.remove("timeouts");
    }
    values
}

/// terraform-plugin-testing's ImportStateVerify (ignoring `timeouts`), both ways: forgetting
/// `address` and importing it by an `import` block, then by `terraform import`, must give the
/// state apply produced, and the configuration must then converge to an empty plan.
pub fn assert_import_round_trip(tf: &TerraformDir, address: &str) {
    let applied = comparable(tf.resource_values(address));
    let id = applied["id"].as_str().expect("id in state").to_string();

    let rm = tf.run(&["state", "rm", address]);
    assert!(rm.success(), "state rm failed:\n{}", rm.output());
    tf.write(
        "import.tf",
        &format!("import {{\n  to = {address}\n  id = \"{id}\"\n}}\n"),
    );
    tf.apply();
    assert_eq!(
        comparable(tf.resource_values(address)),
        applied,
        "import block: state differs"
    );
    std::fs::remove_file(tf.path().join("import.tf")).expect("remove import.tf");

    let rm = tf.run(&["state", "rm", address]);
    assert!(rm.success(), "state rm failed:\n{}", rm.output());
    let import = tf.run(&["import", "-input=false", address, &id]);
    assert!(
        import.success(),
        "terraform import failed:\n{}",
        import.output()
    );
    assert_eq!(
        comparable(tf.resource_values(address)),
        applied,
        "terraform import: state differs"
    );
    // An import cannot know the configured `timeouts`; the next apply records them (without
    // calling ARM), and then the plan is empty.
    tf.apply();
    tf.assert_plan_empty();
}

/// The request log's current end, to count what later steps send.
pub fn log_mark(emu: &Emulator) -> u64 {
    requests(emu)
        .iter()
        .filter_map(|r| r["seq"].as_u64())
        .max()
        .unwrap_or(0)
}

/// Every ARM request (not token requests) after `mark`.
pub fn requests_after(emu: &Emulator, mark: u64) -> Vec<Json> {
    requests(emu)
        .into_iter()
        .filter(|r| r["seq"].as_u64().is_some_and(|s| s > mark))
        .filter(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            !path.contains("/oauth2/")
                && !path.starts_with("/metadata/")
                && !path.starts_with("/_emulator/")
        })
        .collect()
}

/// How many requests after `mark` had `method` and a path ending with `suffix` (case-insensitive).
pub fn count(emu: &Emulator, mark: u64, method: &str, suffix: &str) -> usize {
    requests_after(emu, mark)
        .iter()
        .filter(|r| r["method"] == method)
        .filter(|r| {
            r["path"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .ends_with(&suffix.to_ascii_lowercase())
        })
        .count()
}

fn requests(emu: &Emulator) -> Vec<Json> {
    let log = emu.admin_get("requests");
    log.get("value")
        .and_then(Json::as_array)
        .or_else(|| log.as_array())
        .cloned()
        .unwrap_or_default()
}

/// Changes or deletes an object behind Terraform's back, as a user in the portal would.
pub fn arm_request(emu: &Emulator, method: &str, id: &str, body: Option<Json>) -> u16 {
    arm_request_as(emu, "admin", method, id, body)
}

/// [`arm_request`] as another of the world's principals (e.g. `target_admin`).
pub fn arm_request_as(
    emu: &Emulator,
    principal: &str,
    method: &str,
    id: &str,
    body: Option<Json>,
) -> u16 {
    let p = emu.principal(principal);
    let tenant = emu.tenant(&p.home_tenant).tenant_id.clone();
    let base = emu
        .ready
        .resource_manager_endpoint
        .trim_end_matches('/')
        .to_string();
    crate::support::block_on(async {
        let http = emu.http();
        let token: Json = http
            .post(format!("{base}/{tenant}/oauth2/v2.0/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("grant_type", "client_credentials")
                    .append_pair("client_id", &p.client_id)
                    .append_pair("client_secret", &p.client_secret)
                    .append_pair("scope", "https://management.azure.com/.default")
                    .finish(),
            )
            .send()
            .await
            .expect("token endpoint answers")
            .json()
            .await
            .expect("token JSON");
        let token = token["access_token"]
            .as_str()
            .expect("access token")
            .to_string();
        let url = format!("{base}{id}?api-version=2026-03-01");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = http.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.expect("ARM answers").status().as_u16()
    })
}

/// Ids the emulator still holds that contain `needle` (case-insensitive).
pub fn leftovers(emu: &Emulator, needle: &str) -> Vec<String> {
    emu.inventory_ids()
        .into_iter()
        .filter(|id| {
            id.to_ascii_lowercase()
                .contains(&needle.to_ascii_lowercase())
        })
        .collect()
}

/// The `terraform` block every configuration needs to find this provider.
pub const REQUIRED_PROVIDERS: &str =
    "terraform {\n  required_providers {\n    avnm = { source = \"avnm/avnm\" }\n  }\n}\n";

/// A provider block for `principal` in `tenant` under `alias`, plus the `terraform` block.
pub fn providers(emu: &Emulator, aliases: &[(&str, &str, &str)]) -> String {
    let mut text = REQUIRED_PROVIDERS.to_string();
    for (alias, principal, tenant) in aliases {
        text.push_str(&emu.provider_block(Some(alias), principal, tenant));
    }
    text
}

/// A network manager `avnm_network_manager.nm` (central tenant, alias `central`) scoped to
/// the central tenant's first subscription.
pub fn manager_block(emu: &Emulator, name: &str) -> String {
    format!(
        "resource \"avnm_network_manager\" \"nm\" {{
  provider            = avnm.central
  name                = \"{name}\"
  resource_group_name = \"{rg}\"
  location            = \"westeurope\"
  scope_accesses      = [\"Connectivity\"]
  scope {{
    subscription_ids = [\"/subscriptions/{sub}\"]
  }}
}}
",
        rg = resource_group(emu, "central"),
        sub = subscription(emu, "central"),
    )
}

/// Asserts that `terraform plan` proposes exactly `summary` (e.g. "0 to add, 1 to change").
pub fn assert_plan_says(tf: &TerraformDir, summary: &str) -> String {
    let plan = tf.plan();
    assert!(
        plan.stdout.contains(summary),
        "expected {summary:?}:\n{}",
        plan.output()
    );
    plan.stdout
}
