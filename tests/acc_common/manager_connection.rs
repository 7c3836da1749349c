//! The acceptance scenario of the target tenant's network manager connection, the same at
//! subscription and at management group scope: Pending alone, its data source, empty plan,
//! import both ways, description cleared in place, deletion outside Terraform repaired, a new
//! name replaces, destroy leaves nothing.

use super::*;
use crate::support::{Emulator, TerraformDir};

/// One scope's connection: its Terraform type, the attribute naming the scope, the scope
/// connected, and the prefix of the names the scenario creates.
pub struct ConnectionAtScope<'a> {
    pub type_name: &'a str,
    pub scope_attribute: &'a str,
    pub scope_id: String,
    pub prefix: &'a str,
}

impl ConnectionAtScope<'_> {
    /// The manager (central tenant), the connection `c` (target tenant) and the data
    /// source `read` of it.
    fn config(&self, emu: &Emulator, name: &str, description: Option<&str>) -> String {
        let description = description
            .map(|d| format!("  description        = \"{d}\"\n"))
            .unwrap_or_default();
        format!(
            "{providers}{manager}
resource \"{ty}\" \"c\" {{
  provider           = avnm.target
  name               = \"{name}\"
  {scope_attr} = \"{scope_id}\"
  network_manager_id = avnm_network_manager.nm.id
{description}}}

data \"{ty}\" \"read\" {{
  provider        = avnm.target
  name            = {ty}.c.name
  {scope_attr} = {ty}.c.{scope_attr}
}}
",
            providers = providers(
                emu,
                &[
                    ("central", "admin", "central"),
                    ("target", "target_admin", "target")
                ]
            ),
            manager = manager_block(emu, &format!("{}-nm", self.prefix)),
            ty = self.type_name,
            scope_attr = self.scope_attribute,
            scope_id = self.scope_id,
        )
    }
}

/// Runs the whole scenario for `connection`.
pub fn assert_connection_lifecycle(emu: &Emulator, connection: &ConnectionAtScope) {
    let tf = TerraformDir::for_emulator(emu);
    let prefix = connection.prefix;
    let resource = format!("{}.c", connection.type_name);
    let data_source = format!("data.{}.read", connection.type_name);

    tf.write(
        "main.tf",
        &connection.config(emu, prefix, Some("from central")),
    );
    let mark = log_mark(emu);
    tf.apply();
    assert_eq!(
        count(
            emu,
            mark,
            "PUT",
            &format!("/networkManagerConnections/{prefix}")
        ),
        1
    );
    let c = tf.resource_values(&resource);
    assert_eq!(
        c["connection_state"], "Pending",
        "the central half is missing"
    );
    let data = tf.resource_values(&data_source);
    assert_eq!(
        data["network_manager_id"],
        tf.resource_values("avnm_network_manager.nm")["id"]
    );
    assert_eq!(data["description"], "from central");
    tf.assert_plan_empty();

    assert_import_round_trip(&tf, &resource);

    tf.write("main.tf", &connection.config(emu, prefix, None));
    assert_plan_says(&tf, "0 to add, 1 to change, 0 to destroy");
    tf.apply();
    assert_eq!(tf.resource_values(&resource)["id"], c["id"]);
    assert_eq!(tf.resource_values(&data_source)["description"], "");
    tf.assert_plan_empty();

    // Drift: deleted in the target tenant's portal → created again.
    let id = c["id"].as_str().unwrap().to_string();
    assert!(matches!(
        arm_request_as(emu, "target_admin", "DELETE", &id, None),
        200 | 204
    ));
    assert_plan_says(&tf, "1 to add, 0 to change, 0 to destroy");
    tf.apply();
    tf.assert_plan_empty();

    tf.write(
        "main.tf",
        &connection.config(emu, &format!("{prefix}-2"), None),
    );
    let plan = assert_plan_says(&tf, "1 to add, 0 to change, 1 to destroy");
    assert!(plan.contains("forces replacement"), "{plan}");
    tf.apply();
    tf.assert_plan_empty();

    tf.destroy();
    assert_eq!(leftovers(emu, prefix), Vec::<String>::new());
}
