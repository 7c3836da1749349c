//! Acceptance: the seed's whole cross-tenant flow — `examples/cross-tenant` as shipped — in
//! one `terraform apply` against the emulator, and a cross-tenant member without guest
//! rights failing with an explained `LinkedAuthorizationFailed`.

mod acc_common;
mod support;

use acc_common::*;
use serde_json::{Value as Json, json};
use support::{Emulator, TerraformDir};

/// The example's variables for the emulator's world (what `make demo` passes too).
fn example_vars(emu: &Emulator) -> Json {
    let admin = emu.principal("admin");
    let target_admin = emu.principal("target_admin");
    json!({
        "metadata_host": emu.ready.metadata_host,
        "central_tenant_id": emu.tenant("central").tenant_id,
        "central_subscription_id": subscription(emu, "central"),
        "central_client_id": admin.client_id,
        "central_client_secret": admin.client_secret,
        "resource_group_name": resource_group(emu, "central"),
        "central_virtual_network_ids": [vnet(emu, "central", 0), vnet(emu, "central", 1)],
        "target_tenant_id": emu.tenant("target").tenant_id,
        "target_subscription_id": subscription(emu, "target"),
        "target_client_id": target_admin.client_id,
        "target_client_secret": target_admin.client_secret,
        "target_virtual_network_ids": [vnet(emu, "target", 0), vnet(emu, "target", 1)],
        "name_prefix": "acc",
    })
}

#[test]
fn seed_flow_in_one_apply() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cross-tenant");
    for file in ["main.tf", "variables.tf", "outputs.tf"] {
        let text = std::fs::read_to_string(example.join(file)).expect("example file");
        tf.write(file, &text);
    }
    tf.write("terraform.tfvars.json", &example_vars(&emu).to_string());
    let central_tenant = emu.tenant("central").tenant_id.clone();
    let target_tenant = emu.tenant("target").tenant_id.clone();

    let mark = log_mark(&emu);
    let run = tf.apply();
    assert!(
        !run.output().contains("assertion failed"),
        "a check failed:\n{}",
        run.output()
    );

    // Both halves Connected, the manager manages the target subscription.
    let states = tf.output("connection_states");
    assert_eq!(states["target_subscription"], "Connected", "{states}");
    assert_eq!(
        states["central_scope_connections"]["acc-to-target"], "Connected",
        "{states}"
    );
    let scopes = tf.output("cross_tenant_scopes");
    assert_eq!(scopes[0]["tenant_id"], target_tenant.as_str(), "{scopes}");

    // Members from both tenants, each with its tenant.
    let members = tf.output("group_members");
    let members = members.as_array().expect("member list");
    assert_eq!(members.len(), 4, "{members:?}");
    for m in members {
        let from_target = m["name"].as_str().unwrap().starts_with("target-");
        let expected = if from_target {
            &target_tenant
        } else {
            &central_tenant
        };
        assert_eq!(m["tenant_id"], expected.as_str(), "{m}");
    }

    // The target tenant's token went exactly with the cross-tenant member PUTs.
    for r in requests_after(&emu, mark) {
        let path = r["path"].as_str().unwrap_or_default();
        if r["method"] != "PUT" || !path.contains("/staticMembers/") {
            continue;
        }
        let aux = r["auxiliary_tenant_ids"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let cross_tenant = path.contains("/staticMembers/target-");
        assert_eq!(
            aux.iter().any(|t| t == target_tenant.as_str()),
            cross_tenant,
            "auxiliary tenants of PUT {path}: {aux:?}"
        );
    }

    tf.assert_plan_empty();
    tf.destroy();
    assert_eq!(leftovers(&emu, "/acc-"), Vec::<String>::new());
}

/// The default world, except that `outsider` administers the central tenant like `admin`
/// and is a guest in the target tenant — but holds no role there.
fn world_with_rightless_guest() -> (Emulator, tempfile::TempDir) {
    let default = Emulator::start();
    let mut world = default.admin_get("world");
    drop(default);
    let admin = world["principals"]["admin"].clone();
    let central_roles: Vec<Json> = admin["role_assignments"]
        .as_array()
        .expect("role assignments")
        .iter()
        .filter(|r| r["role"] == "Owner")
        .cloned()
        .collect();
    assert!(
        !central_roles.is_empty(),
        "admin owns the central tenant: {admin}"
    );
    let outsider = &mut world["principals"]["outsider"];
    outsider["role_assignments"] = Json::Array(central_roles);
    outsider["guest_tenants"] = json!(["target"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("world.json");
    std::fs::write(&file, world.to_string()).expect("write world");
    let emu = Emulator::start_with(&["--world", file.to_str().expect("utf-8 path")]);
    (emu, dir)
}

#[test]
fn cross_tenant_member_without_guest_rights_is_explained() {
    if !support::acceptance_enabled() {
        return;
    }
    let (emu, _world_dir) = world_with_rightless_guest();
    let tf = TerraformDir::for_emulator(&emu);
    let target_tenant = emu.tenant("target").tenant_id.clone();
    let target_sub = subscription(&emu, "target");
    let config = format!(
        "{REQUIRED_PROVIDERS}{central}{target}
resource \"avnm_network_manager\" \"nm\" {{
  provider            = avnm.central
  name                = \"acc-outsider-nm\"
  resource_group_name = \"{rg}\"
  location            = \"westeurope\"
  scope_accesses      = [\"Connectivity\"]
  scope {{
    subscription_ids = [\"/subscriptions/{central_sub}\"]
  }}
}}

resource \"avnm_scope_connection\" \"sc\" {{
  provider           = avnm.central
  name               = \"acc-outsider-sc\"
  network_manager_id = avnm_network_manager.nm.id
  tenant_id          = \"{target_tenant}\"
  target_scope_id    = \"/subscriptions/{target_sub}\"
  wait_for_connected = true
}}

resource \"avnm_subscription_connection\" \"conn\" {{
  provider           = avnm.target
  name               = \"acc-outsider-conn\"
  subscription_id    = \"/subscriptions/{target_sub}\"
  network_manager_id = avnm_network_manager.nm.id
}}

resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"acc-outsider-group\"
  network_manager_id = avnm_network_manager.nm.id
}}

resource \"avnm_static_member\" \"foreign\" {{
  provider                  = avnm.central
  name                      = \"target-member\"
  network_group_id          = avnm_network_group.g.id
  target_virtual_network_id = \"{target_vnet}\"
  depends_on                = [avnm_scope_connection.sc, avnm_subscription_connection.conn]
}}
",
        central = emu.provider_block(Some("central"), "outsider", "central"),
        target = emu.provider_block(Some("target"), "target_admin", "target"),
        rg = resource_group(&emu, "central"),
        central_sub = subscription(&emu, "central"),
        target_vnet = vnet(&emu, "target", 0),
    );
    tf.write("main.tf", &config);
    let out = tf.apply_fails();
    assert!(out.contains("LinkedAuthorizationFailed"), "{out}");
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains(&target_tenant),
        "the explanation names the target tenant:\n{out}"
    );
    // The scope connection waited for the target side and is Connected.
    let sc = tf.resource_values("avnm_scope_connection.sc");
    assert_eq!(sc["connection_state"], "Connected");
    // No member was created; everything else is destroyed cleanly.
    assert!(leftovers(&emu, "/staticMembers/").is_empty());
    tf.destroy();
    assert_eq!(leftovers(&emu, "acc-outsider"), Vec::<String>::new());
}

/// The central half, a group, and a cross-tenant member; the target half is created only
/// after `delay_seconds` (a `terraform_data` sleeping), or never when `None`.
fn waiting_config(emu: &Emulator, delay_seconds: Option<u32>, member_timeout: &str) -> String {
    let target_sub = subscription(emu, "target");
    let partner = match delay_seconds {
        Some(seconds) => format!(
            "resource \"terraform_data\" \"delay\" {{
  provisioner \"local-exec\" {{
    command = \"sleep {seconds}\"
  }}
}}

resource \"avnm_subscription_connection\" \"conn\" {{
  provider           = avnm.target
  name               = \"acc-wait-conn\"
  subscription_id    = \"/subscriptions/{target_sub}\"
  network_manager_id = avnm_network_manager.nm.id
  depends_on         = [terraform_data.delay]
}}
"
        ),
        None => String::new(),
    };
    format!(
        "{providers}{manager}
resource \"avnm_scope_connection\" \"sc\" {{
  provider           = avnm.central
  name               = \"acc-wait-sc\"
  network_manager_id = avnm_network_manager.nm.id
  tenant_id          = \"{tenant}\"
  target_scope_id    = \"/subscriptions/{target_sub}\"
}}

resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"acc-wait-group\"
  network_manager_id = avnm_network_manager.nm.id
}}

resource \"avnm_static_member\" \"foreign\" {{
  provider                  = avnm.central
  name                      = \"target-member\"
  network_group_id          = avnm_network_group.g.id
  target_virtual_network_id = \"{vnet}\"
  depends_on                = [avnm_scope_connection.sc]
  timeouts {{
    create = \"{member_timeout}\"
  }}
}}
{partner}",
        providers = providers(
            emu,
            &[
                ("central", "admin", "central"),
                ("target", "target_admin", "target")
            ]
        ),
        manager = manager_block(emu, "acc-wait-nm"),
        tenant = emu.tenant("target").tenant_id,
        vnet = vnet(emu, "target", 0),
    )
}

#[test]
fn member_waits_for_the_target_tenant_half_or_names_it() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let target_tenant = emu.tenant("target").tenant_id.clone();

    // Nobody creates the target half: the member gives up within its timeout and says what
    // is missing, in which tenant.
    tf.write("main.tf", &waiting_config(&emu, None, "8s"));
    let out = tf.apply_fails();
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("Cross-tenant scope not connected"), "{out}");
    assert!(words.contains("avnm_subscription_connection"), "{out}");
    assert!(
        words.contains(&format!("In tenant {target_tenant}")),
        "{out}"
    );
    assert!(leftovers(&emu, "/staticMembers/").is_empty());

    // The target half arrives a few seconds later in the same apply: the member waits for
    // Connected, then is created with the target tenant's token.
    tf.write("main.tf", &waiting_config(&emu, Some(4), "2m"));
    let mark = log_mark(&emu);
    tf.apply();
    let member = tf.resource_values("avnm_static_member.foreign");
    assert_eq!(member["region"], "eastus2");
    assert!(
        count(&emu, mark, "GET", "/acc-wait-nm/scopeConnections") >= 2,
        "the member polled the scope connections while they were Pending"
    );
    tf.assert_plan_empty();
    tf.destroy();
    assert_eq!(leftovers(&emu, "acc-wait"), Vec::<String>::new());
}

#[test]
fn member_of_an_unconnected_tenant_says_what_is_missing() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let config = format!(
        "{providers}{manager}
resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"acc-lone-group\"
  network_manager_id = avnm_network_manager.nm.id
}}

resource \"avnm_static_member\" \"foreign\" {{
  provider                  = avnm.central
  name                      = \"target-member\"
  network_group_id          = avnm_network_group.g.id
  target_virtual_network_id = \"{vnet}\"
}}
",
        providers = providers(&emu, &[("central", "admin", "central")]),
        manager = manager_block(&emu, "acc-lone-nm"),
        vnet = vnet(&emu, "target", 0),
    );
    tf.write("main.tf", &config);
    let out = tf.apply_fails();
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("No scope of network manager"), "{out}");
    assert!(words.contains("create an avnm_scope_connection"), "{out}");
    tf.destroy();
    assert_eq!(leftovers(&emu, "acc-lone"), Vec::<String>::new());
}

#[test]
fn members_under_a_connected_management_group() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let target_tenant = emu.tenant("target").tenant_id.clone();
    let config = format!(
        "{providers}{manager}
resource \"avnm_scope_connection\" \"mg\" {{
  provider           = avnm.central
  name               = \"acc-mg-sc\"
  network_manager_id = avnm_network_manager.nm.id
  tenant_id          = \"{target_tenant}\"
  target_scope_id    = \"{mg}\"
}}

resource \"avnm_management_group_connection\" \"mg\" {{
  provider            = avnm.target
  name                = \"acc-mg-conn\"
  management_group_id = \"{mg}\"
  network_manager_id  = avnm_network_manager.nm.id
}}

resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"acc-mg-group\"
  network_manager_id = avnm_network_manager.nm.id
}}

resource \"avnm_static_member\" \"foreign\" {{
  provider                  = avnm.central
  name                      = \"target-member\"
  network_group_id          = avnm_network_group.g.id
  target_virtual_network_id = \"{vnet}\"
  depends_on                = [avnm_scope_connection.mg]
}}

data \"avnm_network_group_members\" \"all\" {{
  provider         = avnm.central
  network_group_id = avnm_network_group.g.id
  depends_on       = [avnm_static_member.foreign]
}}
",
        providers = providers(
            &emu,
            &[
                ("central", "admin", "central"),
                ("target", "target_admin", "target")
            ]
        ),
        manager = manager_block(&emu, "acc-mg-nm"),
        mg = emu.tenant("target").management_group_ids[0],
        vnet = vnet(&emu, "target", 0),
    );
    tf.write("main.tf", &config);
    let mark = log_mark(&emu);
    tf.apply();
    let put = requests_after(&emu, mark)
        .into_iter()
        .find(|r| {
            r["method"] == "PUT"
                && r["path"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("/staticMembers/")
        })
        .expect("the member's PUT");
    assert_eq!(
        put["auxiliary_tenant_ids"],
        serde_json::json!([target_tenant]),
        "{put}"
    );
    let members = tf.resource_values("data.avnm_network_group_members.all")["members"].clone();
    assert_eq!(members[0]["tenant_id"], target_tenant.as_str(), "{members}");
    tf.assert_plan_empty();
    tf.destroy();
    assert_eq!(leftovers(&emu, "acc-mg"), Vec::<String>::new());
}
