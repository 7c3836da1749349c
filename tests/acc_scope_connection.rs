//! Acceptance: `avnm_scope_connection` with the `avnm_scope_connection(s)` data sources —
//! Pending after create, empty plan, import both ways, description cleared in place, the
//! Pending → Connected change never a diff, new target scope replaces, `wait_for_connected`
//! running out taints (not orphans) the connection and names the missing half, destroy.

mod acc_common;
mod support;

use acc_common::*;
use support::{Emulator, TerraformDir};

struct Step<'a> {
    target_sub: &'a str,
    description: Option<&'a str>,
    partner: bool,
    wait: bool,
}

fn config(emu: &Emulator, s: &Step) -> String {
    let description = s
        .description
        .map(|d| format!("  description        = \"{d}\"\n"))
        .unwrap_or_default();
    let wait = if s.wait {
        "  wait_for_connected = true\n  timeouts {\n    create = \"6s\"\n  }\n"
    } else {
        ""
    };
    let partner = if s.partner {
        format!(
            "resource \"avnm_subscription_connection\" \"partner\" {{
  provider           = avnm.target
  name               = \"acc-sc-partner\"
  subscription_id    = \"/subscriptions/{}\"
  network_manager_id = avnm_network_manager.nm.id
}}
",
            s.target_sub
        )
    } else {
        String::new()
    };
    format!(
        "{providers}{manager}
resource \"avnm_scope_connection\" \"sc\" {{
  provider           = avnm.central
  name               = \"acc-sc\"
  network_manager_id = avnm_network_manager.nm.id
  tenant_id          = \"{tenant}\"
  target_scope_id    = \"/subscriptions/{sub}\"
{description}{wait}}}

data \"avnm_scope_connection\" \"one\" {{
  provider           = avnm.central
  name               = avnm_scope_connection.sc.name
  network_manager_id = avnm_network_manager.nm.id
}}

data \"avnm_scope_connections\" \"all\" {{
  provider           = avnm.central
  network_manager_id = avnm_network_manager.nm.id
  depends_on         = [avnm_scope_connection.sc]
}}
{partner}",
        providers = providers(
            emu,
            &[
                ("central", "admin", "central"),
                ("target", "target_admin", "target")
            ]
        ),
        manager = manager_block(emu, "acc-sc-nm"),
        tenant = emu.tenant("target").tenant_id,
        sub = s.target_sub,
    )
}

#[test]
fn scope_connection_lifecycle() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let subs = emu.tenant("target").subscription_ids.clone();
    let mut step = Step {
        target_sub: &subs[0],
        description: Some("to target"),
        partner: false,
        wait: false,
    };

    tf.write("main.tf", &config(&emu, &step));
    let mark = log_mark(&emu);
    tf.apply();
    assert_eq!(count(&emu, mark, "PUT", "/scopeConnections/acc-sc"), 1);
    let sc = tf.resource_values("avnm_scope_connection.sc");
    assert_eq!(sc["connection_state"], "Pending", "only one half exists");
    assert_eq!(sc["target_scope_id"], format!("/subscriptions/{}", subs[0]));
    tf.assert_plan_empty();

    assert_import_round_trip(&tf, "avnm_scope_connection.sc");

    // In place: clearing the description.
    step.description = None;
    tf.write("main.tf", &config(&emu, &step));
    assert_plan_says(&tf, "0 to add, 1 to change, 0 to destroy");
    tf.apply();
    assert_eq!(
        tf.resource_values("avnm_scope_connection.sc")["id"],
        sc["id"]
    );
    assert_eq!(
        tf.resource_values("data.avnm_scope_connection.one")["description"],
        ""
    );

    // The other tenant's half turns it Connected: refreshed, but never a diff.
    step.partner = true;
    tf.write("main.tf", &config(&emu, &step));
    tf.apply();
    let plan = tf.plan();
    assert_eq!(
        plan.code,
        0,
        "a new connection state is not a change:\n{}",
        plan.output()
    );
    // Recording the refreshed state changes nothing in Azure.
    tf.apply();
    let all = tf.resource_values("data.avnm_scope_connections.all");
    assert_eq!(
        all["scope_connections"][0]["connection_state"], "Connected",
        "{all}"
    );
    assert_eq!(
        tf.resource_values("avnm_scope_connection.sc")["connection_state"],
        "Connected"
    );

    // Replace: another target scope is another connection. With nobody on the other side,
    // wait_for_connected runs out: the error names the missing half and the connection is
    // kept in state as tainted, so the next apply replaces rather than orphans it.
    step.partner = false;
    step.target_sub = &subs[1];
    step.wait = true;
    tf.write("main.tf", &config(&emu, &step));
    let plan = assert_plan_says(&tf, "to destroy");
    assert!(plan.contains("forces replacement"), "{plan}");
    let out = tf.apply_fails();
    let words = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("avnm_subscription_connection"), "{out}");
    assert!(words.contains(&emu.tenant("target").tenant_id), "{out}");
    assert!(words.contains("still Pending"), "{out}");
    let plan = tf.plan();
    assert!(
        plan.stdout.contains("is tainted, so must be replaced"),
        "{}",
        plan.output()
    );

    tf.destroy();
    assert_eq!(leftovers(&emu, "acc-sc"), Vec::<String>::new());
}
