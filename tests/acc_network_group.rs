//! Acceptance: `avnm_network_group` (resource and data source) — apply, empty plan, import
//! both ways, description cleared in place, member type change replaces, deletion outside
//! Terraform repaired, destroy leaves nothing; create = existence check + PUT, read = 1 GET.

mod acc_common;
mod support;

use acc_common::*;
use support::{Emulator, TerraformDir};

fn config(emu: &Emulator, description: Option<&str>, member_type: Option<&str>) -> String {
    let line =
        |k: &str, v: Option<&str>| v.map(|v| format!("  {k} = \"{v}\"\n")).unwrap_or_default();
    format!(
        "{providers}{manager}
resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"acc-group\"
  network_manager_id = avnm_network_manager.nm.id
{description}{member_type}}}

data \"avnm_network_group\" \"read\" {{
  provider           = avnm.central
  name               = avnm_network_group.g.name
  network_manager_id = avnm_network_manager.nm.id
}}
",
        providers = providers(emu, &[("central", "admin", "central")]),
        manager = manager_block(emu, "acc-group-nm"),
        description = line("description", description),
        member_type = line("member_type", member_type),
    )
}

#[test]
fn network_group_lifecycle() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);

    tf.write("main.tf", &config(&emu, Some("spokes"), None));
    let mark = log_mark(&emu);
    tf.apply();
    assert_eq!(
        count(&emu, mark, "GET", "/networkGroups/acc-group"),
        2,
        "existence check + data source"
    );
    assert_eq!(count(&emu, mark, "PUT", "/networkGroups/acc-group"), 1);
    let group = tf.resource_values("avnm_network_group.g");
    assert_eq!(
        group["member_type"], "VirtualNetwork",
        "the default is read back"
    );
    assert_eq!(group["description"], "spokes");

    let mark = log_mark(&emu);
    tf.assert_plan_empty();
    // One GET for the resource's refresh, one for the data source.
    assert_eq!(count(&emu, mark, "GET", "/networkGroups/acc-group"), 2);

    assert_import_round_trip(&tf, "avnm_network_group.g");

    // In place: the description is cleared in Azure too.
    tf.write("main.tf", &config(&emu, None, None));
    assert_plan_says(&tf, "0 to add, 1 to change, 0 to destroy");
    tf.apply();
    assert_eq!(
        tf.resource_values("avnm_network_group.g")["id"],
        group["id"]
    );
    assert_eq!(
        tf.resource_values("data.avnm_network_group.read")["description"],
        ""
    );
    tf.assert_plan_empty();

    // Drift: deleted outside Terraform → created again.
    let id = group["id"].as_str().unwrap().to_string();
    assert!(matches!(
        arm_request(&emu, "DELETE", &id, None),
        200 | 202 | 204
    ));
    for _ in 0..100 {
        if leftovers(&emu, &id).is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_plan_says(&tf, "1 to add, 0 to change, 0 to destroy");
    tf.apply();
    tf.assert_plan_empty();

    // Replace: ARM cannot change a group's member type in place.
    tf.write("main.tf", &config(&emu, None, Some("Subnet")));
    let plan = assert_plan_says(&tf, "1 to add, 0 to change, 1 to destroy");
    assert!(plan.contains("forces replacement"), "{plan}");
    tf.apply();
    assert_eq!(
        tf.resource_values("data.avnm_network_group.read")["member_type"],
        "Subnet"
    );
    tf.assert_plan_empty();

    tf.destroy();
    assert_eq!(leftovers(&emu, "acc-group"), Vec::<String>::new());
}

#[test]
fn invalid_arguments_are_refused_at_plan_time_with_their_path() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    tf.write(
        "main.tf",
        &format!(
            "{}resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"g\"
  network_manager_id = \"/subscriptions/not-a-manager\"
  member_type        = \"Vnet\"
}}

resource \"avnm_network_manager\" \"no_scope\" {{
  provider            = avnm.central
  name                = \"nm\"
  resource_group_name = \"rg\"
  location            = \"westeurope\"
}}

resource \"avnm_network_manager\" \"bad_access\" {{
  provider            = avnm.central
  name                = \"nm\"
  resource_group_name = \"rg\"
  location            = \"westeurope\"
  scope_accesses      = [\"Routing\", \"Firewall\"]
  scope {{
    subscription_ids = [\"/subscriptions/00000000-0000-0000-0000-000000000001\"]
  }}
}}

resource \"avnm_scope_connection\" \"sc\" {{
  provider           = avnm.central
  name               = \"sc\"
  network_manager_id = \"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm\"
  tenant_id          = \"contoso.onmicrosoft.com\"
  target_scope_id    = \"/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/rg\"
}}
",
            providers(&emu, &[("central", "admin", "central")])
        ),
    );
    let run = tf.run(&["validate"]);
    assert!(!run.success());
    let out = run.output();
    assert!(out.contains("network_manager_id"), "{out}");
    assert!(
        out.contains("networkManagers"),
        "the error names the expected shape:\n{out}"
    );
    assert!(out.contains("member_type"), "{out}");
    assert!(out.contains("VirtualNetwork, Subnet"), "{out}");
    assert!(
        out.contains("scope"),
        "the manager's scope block is required:\n{out}"
    );
    assert!(out.contains("Firewall"), "{out}");
    assert!(out.contains("tenant_id"), "{out}");
    assert!(out.contains("must be a GUID"), "{out}");
    assert!(out.contains("target_scope_id"), "{out}");
    assert!(emu.inventory_ids().is_empty());
}
