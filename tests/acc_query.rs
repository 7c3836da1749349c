//! Acceptance: `terraform query` (list blocks in `.tfquery.hcl` files) and resource identity.
//! A manager, a group and two static members are applied; a `list` block finds exactly those
//! members, `-generate-config-out` writes configuration and import blocks that import with an
//! empty plan afterwards, and an `import` block by identity imports a member.

mod acc_common;
mod support;

use acc_common::*;
use serde_json::Value as Json;
use support::{Emulator, TerraformDir};

fn config(emu: &Emulator) -> String {
    format!(
        "{providers}{manager}
resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"acc-query-group\"
  network_manager_id = avnm_network_manager.nm.id
}}

resource \"avnm_static_member\" \"a\" {{
  provider                  = avnm.central
  name                      = \"acc-query-a\"
  network_group_id          = avnm_network_group.g.id
  target_virtual_network_id = \"{first}\"
}}

resource \"avnm_static_member\" \"b\" {{
  provider                  = avnm.central
  name                      = \"acc-query-b\"
  network_group_id          = avnm_network_group.g.id
  target_virtual_network_id = \"{second}\"
}}
",
        providers = providers(emu, &[("central", "admin", "central")]),
        manager = manager_block(emu, "acc-query-nm"),
        first = vnet(emu, "central", 0),
        second = vnet(emu, "central", 1),
    )
}

/// A `.tfquery.hcl` listing the members of `group_id`, with their state.
fn members_query(group_id: &str) -> String {
    format!(
        "list \"avnm_static_member\" \"members\" {{
  provider         = avnm.central
  include_resource = true
  config {{
    network_group_id = \"{group_id}\"
  }}
}}
"
    )
}

/// A `.tfquery.hcl` listing the first member of `group_id` only (`limit`), the manager's
/// groups and its scope connections, and the resource group's managers (without state).
fn other_queries(group_id: &str, manager_id: &str, resource_group: &str) -> String {
    format!(
        "list \"avnm_static_member\" \"first\" {{
  provider = avnm.central
  limit    = 1
  config {{
    network_group_id = \"{group_id}\"
  }}
}}

list \"avnm_network_group\" \"groups\" {{
  provider = avnm.central
  config {{
    network_manager_id = \"{manager_id}\"
  }}
}}

list \"avnm_scope_connection\" \"connections\" {{
  provider = avnm.central
  config {{
    network_manager_id = \"{manager_id}\"
  }}
}}

list \"avnm_network_manager\" \"managers\" {{
  provider = avnm.central
  config {{
    resource_group_name = \"{resource_group}\"
  }}
}}
"
    )
}

/// The JSON lines of `terraform query -json`.
fn json_lines(stdout: &str) -> Vec<Json> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Json>(l).ok())
        .collect()
}

/// The `list_resource_found` events of list block `address`.
fn found<'a>(lines: &'a [Json], address: &str) -> Vec<&'a Json> {
    lines
        .iter()
        .filter(|l| l["type"] == "list_resource_found")
        .map(|l| &l["list_resource_found"])
        .filter(|f| f["address"] == address)
        .collect()
}

/// The `total` of list block `address`'s `list_complete` event.
fn total(lines: &[Json], address: &str) -> Option<u64> {
    lines
        .iter()
        .filter(|l| l["type"] == "list_complete")
        .map(|l| &l["list_complete"])
        .find(|c| c["address"] == address)
        .and_then(|c| c["total"].as_u64())
}

/// A state's values without `timeouts` (neither a listing nor an import knows them).
fn without_timeouts(mut values: Json) -> Json {
    if let Some(m) = values.as_object_mut() {
        m.remove("timeouts");
    }
    values
}

#[test]
fn query_lists_members_and_identity_imports() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    tf.write("main.tf", &config(&emu));
    tf.apply();
    let id_of = |address: &str| {
        tf.resource_values(address)["id"]
            .as_str()
            .expect("id in state")
            .to_string()
    };
    let manager_id = id_of("avnm_network_manager.nm");
    let group_id = id_of("avnm_network_group.g");
    let members = ["avnm_static_member.a", "avnm_static_member.b"].map(|a| tf.resource_values(a));

    // Apply recorded each resource's identity: its ARM ID.
    let state = tf.state();
    let recorded = state["values"]["root_module"]["resources"]
        .as_array()
        .expect("resources in state");
    for resource in recorded {
        assert_eq!(
            resource["identity"]["id"], resource["values"]["id"],
            "identity of {}",
            resource["address"]
        );
    }

    // `terraform query` finds exactly the two members, with their state.
    tf.write("members.tfquery.hcl", &members_query(&group_id));
    tf.write(
        "others.tfquery.hcl",
        &other_queries(&group_id, &manager_id, &resource_group(&emu, "central")),
    );
    let query = tf.run(&["query", "-json"]);
    assert!(
        query.success(),
        "terraform query failed:\n{}",
        query.output()
    );
    let lines = json_lines(&query.stdout);
    let listed = found(&lines, "list.avnm_static_member.members");
    let mut names: Vec<&str> = listed
        .iter()
        .filter_map(|f| f["display_name"].as_str())
        .collect();
    names.sort();
    assert_eq!(names, ["acc-query-a", "acc-query-b"], "{}", query.stdout);
    for member in &members {
        let hit = listed
            .iter()
            .find(|f| f["identity"]["id"] == member["id"])
            .unwrap_or_else(|| panic!("{} not listed:\n{}", member["id"], query.stdout));
        assert_eq!(
            without_timeouts(hit["resource_object"].clone()),
            without_timeouts(member.clone()),
            "the listed state is the applied state"
        );
    }
    assert_eq!(total(&lines, "list.avnm_static_member.members"), Some(2));
    assert_eq!(
        total(&lines, "list.avnm_static_member.first"),
        Some(1),
        "limit = 1"
    );
    let groups = found(&lines, "list.avnm_network_group.groups");
    assert_eq!(groups.len(), 1, "{}", query.stdout);
    assert_eq!(groups[0]["identity"]["id"], group_id.as_str());
    assert!(
        groups[0].get("resource_object").is_none_or(Json::is_null),
        "no state unless include_resource: {}",
        groups[0]
    );
    assert_eq!(
        total(&lines, "list.avnm_scope_connection.connections"),
        Some(0)
    );
    let managers = found(&lines, "list.avnm_network_manager.managers");
    assert_eq!(managers.len(), 1, "{}", query.stdout);
    assert_eq!(managers[0]["identity"]["id"], manager_id.as_str());
    assert_eq!(managers[0]["display_name"], "acc-query-nm");

    // A list config the schema rejects is an error with the attribute named.
    tf.write("members.tfquery.hcl", &members_query("not-an-id"));
    let bad = tf.run(&["query"]);
    assert!(!bad.success(), "an invalid network_group_id was accepted");
    assert!(
        bad.output().contains("network_group_id"),
        "{}",
        bad.output()
    );

    // `-generate-config-out` in a configuration that manages nothing yet: the generated
    // resource and import blocks import both members, after which nothing changes.
    let fresh = TerraformDir::for_emulator(&emu);
    fresh.write(
        "main.tf",
        &providers(&emu, &[("central", "admin", "central")]),
    );
    fresh.write("members.tfquery.hcl", &members_query(&group_id));
    let generate = fresh.run(&["query", "-generate-config-out=generated.tf"]);
    assert!(
        generate.success(),
        "query -generate-config-out failed:\n{}",
        generate.output()
    );
    let generated =
        std::fs::read_to_string(fresh.path().join("generated.tf")).expect("generated.tf written");
    assert_eq!(
        generated.matches("identity = {").count(),
        2,
        "one import block by identity per member:\n{generated}"
    );
    assert_plan_says(&fresh, "2 to import, 0 to add, 0 to change, 0 to destroy");
    fresh.apply();
    fresh.assert_plan_empty();

    // An `import` block by identity imports a member as its ID would.
    let by_identity = TerraformDir::for_emulator(&emu);
    let member_a = &members[0];
    by_identity.write(
        "main.tf",
        &format!(
            "{providers}
resource \"avnm_static_member\" \"a\" {{
  provider                  = avnm.central
  name                      = \"acc-query-a\"
  network_group_id          = \"{group_id}\"
  target_virtual_network_id = {target}
}}

import {{
  provider = avnm.central
  to       = avnm_static_member.a
  identity = {{
    id = {id}
  }}
}}
",
            providers = providers(&emu, &[("central", "admin", "central")]),
            target = member_a["target_virtual_network_id"],
            id = member_a["id"],
        ),
    );
    assert_plan_says(
        &by_identity,
        "1 to import, 0 to add, 0 to change, 0 to destroy",
    );
    by_identity.apply();
    assert_eq!(
        without_timeouts(by_identity.resource_values("avnm_static_member.a")),
        without_timeouts(member_a.clone()),
        "import by identity: state differs"
    );
    by_identity.assert_plan_empty();
}
