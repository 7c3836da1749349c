//! Acceptance: `avnm_static_member` and the `avnm_network_group_members` data source — apply,
//! empty plan, import both ways, a new target replaces the member, deletion outside Terraform
//! repaired, destroy leaves nothing; a same-tenant member costs an existence check and a PUT.

mod acc_common;
mod support;

use acc_common::*;
use support::{Emulator, TerraformDir};

fn config(emu: &Emulator, target: &str) -> String {
    format!(
        "{providers}{manager}
resource \"avnm_network_group\" \"g\" {{
  provider           = avnm.central
  name               = \"acc-member-group\"
  network_manager_id = avnm_network_manager.nm.id
}}

resource \"avnm_static_member\" \"m\" {{
  provider                  = avnm.central
  name                      = \"acc-member\"
  network_group_id          = avnm_network_group.g.id
  target_virtual_network_id = \"{target}\"
  timeouts {{
    create = \"2m\"
  }}
}}

data \"avnm_network_group_members\" \"all\" {{
  provider         = avnm.central
  network_group_id = avnm_network_group.g.id
  depends_on       = [avnm_static_member.m]
}}
",
        providers = providers(emu, &[("central", "admin", "central")]),
        manager = manager_block(emu, "acc-member-nm"),
    )
}

#[test]
fn static_member_lifecycle() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let first = vnet(&emu, "central", 0);
    let second = vnet(&emu, "central", 1);

    tf.write("main.tf", &config(&emu, &first));
    let mark = log_mark(&emu);
    tf.apply();
    assert_eq!(
        count(&emu, mark, "GET", "/staticMembers/acc-member"),
        1,
        "existence check"
    );
    assert_eq!(count(&emu, mark, "PUT", "/staticMembers/acc-member"), 1);
    // Only the manager's own existence check reads it: a member in the manager's own
    // subscription needs no tenant lookup (neither the resource nor the data source).
    assert_eq!(
        count(&emu, mark, "GET", "/networkManagers/acc-member-nm"),
        1
    );
    let member = tf.resource_values("avnm_static_member.m");
    assert_eq!(member["target_virtual_network_id"], first.as_str());
    assert_eq!(member["region"], "westeurope");
    let members = tf.resource_values("data.avnm_network_group_members.all")["members"].clone();
    assert_eq!(members.as_array().map(Vec::len), Some(1), "{members}");
    assert_eq!(
        members[0]["tenant_id"],
        emu.tenant("central").tenant_id.as_str()
    );
    assert_eq!(members[0]["target_virtual_network_id"], first.as_str());

    let mark = log_mark(&emu);
    tf.assert_plan_empty();
    assert_eq!(
        count(&emu, mark, "GET", "/staticMembers/acc-member"),
        1,
        "read: one GET"
    );

    assert_import_round_trip(&tf, "avnm_static_member.m");

    // Drift: removed outside Terraform → added again.
    let id = member["id"].as_str().unwrap().to_string();
    assert!(matches!(arm_request(&emu, "DELETE", &id, None), 200 | 204));
    assert_plan_says(&tf, "1 to add, 0 to change, 0 to destroy");
    tf.apply();
    tf.assert_plan_empty();

    // Replace: another virtual network is another member.
    tf.write("main.tf", &config(&emu, &second));
    let plan = assert_plan_says(&tf, "1 to add, 0 to change, 1 to destroy");
    assert!(plan.contains("forces replacement"), "{plan}");
    tf.apply();
    let members = tf.resource_values("data.avnm_network_group_members.all")["members"].clone();
    assert_eq!(members[0]["target_virtual_network_id"], second.as_str());
    tf.assert_plan_empty();

    let mark = log_mark(&emu);
    tf.destroy();
    assert_eq!(
        count(&emu, mark, "DELETE", "/staticMembers/acc-member"),
        1,
        "delete: one DELETE"
    );
    assert_eq!(
        count(&emu, mark, "GET", "/staticMembers/acc-member"),
        1,
        "only the refresh reads it"
    );
    assert_eq!(leftovers(&emu, "acc-member"), Vec::<String>::new());
}
