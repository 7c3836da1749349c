//! Acceptance: `avnm_subscription_connection` and its data source (target tenant) — Pending
//! alone, empty plan, import both ways, description cleared in place, deletion outside
//! Terraform repaired, a new name replaces, destroy leaves nothing.

mod acc_common;
mod support;

use acc_common::*;
use support::{Emulator, TerraformDir};

fn config(emu: &Emulator, name: &str, description: Option<&str>) -> String {
    let description = description
        .map(|d| format!("  description        = \"{d}\"\n"))
        .unwrap_or_default();
    format!(
        "{providers}{manager}
resource \"avnm_subscription_connection\" \"c\" {{
  provider           = avnm.target
  name               = \"{name}\"
  subscription_id    = \"/subscriptions/{sub}\"
  network_manager_id = avnm_network_manager.nm.id
{description}}}

data \"avnm_subscription_connection\" \"read\" {{
  provider        = avnm.target
  name            = avnm_subscription_connection.c.name
  subscription_id = avnm_subscription_connection.c.subscription_id
}}
",
        providers = providers(
            emu,
            &[
                ("central", "admin", "central"),
                ("target", "target_admin", "target")
            ]
        ),
        manager = manager_block(emu, "acc-subconn-nm"),
        sub = subscription(emu, "target"),
    )
}

#[test]
fn subscription_connection_lifecycle() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);

    tf.write(
        "main.tf",
        &config(&emu, "acc-subconn", Some("from central")),
    );
    let mark = log_mark(&emu);
    tf.apply();
    assert_eq!(
        count(&emu, mark, "PUT", "/networkManagerConnections/acc-subconn"),
        1
    );
    let c = tf.resource_values("avnm_subscription_connection.c");
    assert_eq!(
        c["connection_state"], "Pending",
        "the central half is missing"
    );
    let data = tf.resource_values("data.avnm_subscription_connection.read");
    assert_eq!(
        data["network_manager_id"],
        tf.resource_values("avnm_network_manager.nm")["id"]
    );
    assert_eq!(data["description"], "from central");
    tf.assert_plan_empty();

    assert_import_round_trip(&tf, "avnm_subscription_connection.c");

    tf.write("main.tf", &config(&emu, "acc-subconn", None));
    assert_plan_says(&tf, "0 to add, 1 to change, 0 to destroy");
    tf.apply();
    assert_eq!(
        tf.resource_values("avnm_subscription_connection.c")["id"],
        c["id"]
    );
    assert_eq!(
        tf.resource_values("data.avnm_subscription_connection.read")["description"],
        ""
    );
    tf.assert_plan_empty();

    // Drift: deleted in the target tenant's portal → created again.
    let id = c["id"].as_str().unwrap().to_string();
    assert!(matches!(
        arm_request_as(&emu, "target_admin", "DELETE", &id, None),
        200 | 204
    ));
    assert_plan_says(&tf, "1 to add, 0 to change, 0 to destroy");
    tf.apply();
    tf.assert_plan_empty();

    tf.write("main.tf", &config(&emu, "acc-subconn-2", None));
    let plan = assert_plan_says(&tf, "1 to add, 0 to change, 1 to destroy");
    assert!(plan.contains("forces replacement"), "{plan}");
    tf.apply();
    tf.assert_plan_empty();

    tf.destroy();
    assert_eq!(leftovers(&emu, "acc-subconn"), Vec::<String>::new());
}
