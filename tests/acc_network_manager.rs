//! Acceptance: `avnm_network_manager` (resource and data source) with the real Terraform CLI
//! against the emulator — apply, empty second plan, import both ways, in-place update
//! (clearing the description), drift repaired, replacement, destroy, nothing left behind,
//! and the ARM request budget (create = existence check + PUT, read = one GET).

mod acc_common;
mod support;

use acc_common::*;
use support::{Emulator, TerraformDir};

struct Manager<'a> {
    name: &'a str,
    description: Option<&'a str>,
    tags: &'a str,
    accesses: &'a str,
    with_data_source: bool,
}

fn config(emu: &Emulator, m: &Manager) -> String {
    let description = m
        .description
        .map(|d| format!("  description = \"{d}\"\n"))
        .unwrap_or_default();
    let data = if m.with_data_source {
        "data \"avnm_network_manager\" \"read\" {\n  name                = avnm_network_manager.test.name\n  resource_group_name = avnm_network_manager.test.resource_group_name\n}\n"
    } else {
        ""
    };
    format!(
        "{REQUIRED_PROVIDERS}{provider}
resource \"avnm_network_manager\" \"test\" {{
  name                = \"{name}\"
  resource_group_name = \"{rg}\"
  location            = \"westeurope\"
{description}  scope_accesses      = {accesses}
  tags                = {tags}
  scope {{
    subscription_ids = [\"/subscriptions/{sub}\"]
  }}
}}
{data}",
        provider = emu.provider_block(None, "admin", "central"),
        name = m.name,
        rg = resource_group(emu, "central"),
        sub = subscription(emu, "central"),
        accesses = m.accesses,
        tags = m.tags,
    )
}

#[test]
fn network_manager_lifecycle() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let mut m = Manager {
        name: "acc-nm",
        description: Some("first"),
        tags: "{ env = \"test\" }",
        accesses: "[\"Connectivity\"]",
        with_data_source: false,
    };

    // Create: an existence check and a PUT, nothing more.
    tf.write("main.tf", &config(&emu, &m));
    let mark = log_mark(&emu);
    tf.apply();
    assert_eq!(
        count(&emu, mark, "GET", "/networkManagers/acc-nm"),
        1,
        "create: existence check"
    );
    assert_eq!(
        count(&emu, mark, "PUT", "/networkManagers/acc-nm"),
        1,
        "create: one PUT"
    );
    let state = tf.resource_values("avnm_network_manager.test");
    assert_eq!(state["description"], "first");
    assert!(
        state["resource_guid"]
            .as_str()
            .is_some_and(|g| !g.is_empty())
    );
    assert_eq!(state["cross_tenant_scopes"], serde_json::json!([]));

    // Second plan is empty; its refresh reads the manager once.
    let mark = log_mark(&emu);
    tf.assert_plan_empty();
    assert_eq!(
        count(&emu, mark, "GET", "/networkManagers/acc-nm"),
        1,
        "read: one GET"
    );

    assert_import_round_trip(&tf, "avnm_network_manager.test");

    // In place: the description is cleared (null in config → cleared in Azure), tags and
    // scope accesses change; the data source sees the result.
    m.description = None;
    m.tags = "{ env = \"prod\", owner = \"net\" }";
    m.accesses = "[\"Connectivity\", \"SecurityAdmin\"]";
    m.with_data_source = true;
    tf.write("main.tf", &config(&emu, &m));
    let plan = tf.plan();
    assert!(
        plan.stdout.contains("0 to add, 1 to change, 0 to destroy"),
        "{}",
        plan.output()
    );
    let id_before = state["id"].clone();
    tf.apply();
    let state = tf.resource_values("avnm_network_manager.test");
    assert_eq!(state["id"], id_before, "updated in place");
    assert_eq!(state["description"], serde_json::Value::Null);
    assert_eq!(state["tags"]["owner"], "net");
    let data = tf.resource_values("data.avnm_network_manager.read");
    assert_eq!(
        data["description"], "",
        "Azure holds the cleared description"
    );
    assert_eq!(data["tags"]["env"], "prod");
    assert_eq!(data["scope_accesses"].as_array().map(Vec::len), Some(2));
    tf.assert_plan_empty();

    // Drift: a description written in the portal is detected and removed again.
    let id = state["id"].as_str().unwrap().to_string();
    let mut body = serde_json::json!({
        "location": "westeurope",
        "properties": {
            "description": "edited in the portal",
            "networkManagerScopes": {"subscriptions": [format!("/subscriptions/{}", subscription(&emu, "central"))]},
            "networkManagerScopeAccesses": ["Connectivity", "SecurityAdmin"]
        }
    });
    body["tags"] = state["tags"].clone();
    assert_eq!(arm_request(&emu, "PUT", &id, Some(body)), 200);
    let plan = tf.plan();
    assert_eq!(
        plan.code,
        2,
        "drift must show as a change:\n{}",
        plan.output()
    );
    assert!(
        plan.stdout.contains("edited in the portal"),
        "{}",
        plan.output()
    );
    tf.apply();
    tf.assert_plan_empty();

    // Drift: deleted outside Terraform → planned for creation, and created again.
    assert!(matches!(
        arm_request(&emu, "DELETE", &id, None),
        200 | 202 | 204
    ));
    wait_gone(&emu, &id);
    let plan = tf.plan();
    assert!(
        plan.stdout.contains("1 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.output()
    );
    tf.apply();
    tf.assert_plan_empty();

    // Replace: a new name is a new manager.
    m.name = "acc-nm-renamed";
    tf.write("main.tf", &config(&emu, &m));
    let plan = tf.plan();
    assert!(
        plan.stdout.contains("must be replaced"),
        "{}",
        plan.output()
    );
    assert!(
        plan.stdout.contains("1 to add, 0 to change, 1 to destroy"),
        "{}",
        plan.output()
    );
    tf.apply();
    assert!(leftovers(&emu, "/networkManagers/acc-nm/").is_empty());
    tf.assert_plan_empty();

    let mark = log_mark(&emu);
    tf.destroy();
    // One DELETE (force=true); the long-running operation is polled at its own URL.
    assert_eq!(
        count(&emu, mark, "DELETE", "/networkManagers/acc-nm-renamed"),
        1
    );
    assert_eq!(
        leftovers(&emu, "/networkManagers/acc-nm"),
        Vec::<String>::new()
    );
}

#[test]
fn network_manager_refuses_to_adopt_an_existing_one() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let m = Manager {
        name: "acc-nm-existing",
        description: None,
        tags: "{}",
        accesses: "[\"Connectivity\"]",
        with_data_source: false,
    };
    let id = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Network/networkManagers/{}",
        subscription(&emu, "central"),
        resource_group(&emu, "central"),
        m.name
    );
    let body = serde_json::json!({"location": "westeurope", "properties": {
        "networkManagerScopes": {"subscriptions": [format!("/subscriptions/{}", subscription(&emu, "central"))]},
        "networkManagerScopeAccesses": ["Connectivity"]}});
    assert!(matches!(
        arm_request(&emu, "PUT", &id, Some(body)),
        200 | 201
    ));

    tf.write("main.tf", &config(&emu, &m));
    let out = tf.apply_fails();
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("already exists"), "{out}");
    assert!(
        words.contains("needs to be imported into the State"),
        "{out}"
    );
    // Nothing was adopted: the state is empty and the object is untouched.
    assert!(
        tf.state()
            .pointer("/values/root_module/resources")
            .is_none()
    );
    assert_eq!(leftovers(&emu, &id).len(), 1);

    // An import ID of the wrong shape is refused with the shape that was expected.
    let wrong = tf.run(&[
        "import",
        "-input=false",
        "avnm_network_manager.test",
        "/subscriptions/nope",
    ]);
    assert!(!wrong.success());
    let words = wrong
        .output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("providers/Microsoft.Network/networkManagers/{networkManagerName}"),
        "{words}"
    );

    // Import is the way in; then destroy removes it.
    tf.write(
        "import.tf",
        &format!("import {{\n  to = avnm_network_manager.test\n  id = \"{id}\"\n}}\n"),
    );
    tf.apply();
    tf.assert_plan_empty();
    tf.destroy();
    assert!(leftovers(&emu, &id).is_empty());
}

/// Waits for a long-running delete made outside Terraform to finish.
fn wait_gone(emu: &Emulator, id: &str) {
    for _ in 0..100 {
        if leftovers(emu, id).is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{id} still exists after its delete");
}
