//! The real Terraform CLI loads the built provider, with AutoMTLS (Terraform's default) and
//! with `TF_DISABLE_PLUGIN_TLS=1`, and shows the provider's diagnostics at the right place.

mod support;

use support::TerraformDir;

const REQUIRED_PROVIDERS: &str =
    "terraform {\n  required_providers {\n    avnm = { source = \"avnm/avnm\" }\n  }\n}\n";

/// A network manager configuration; `timeout` and `access` choose valid or invalid values.
fn network_manager(timeout: &str, access: &str) -> String {
    format!(
        "{REQUIRED_PROVIDERS}provider \"avnm\" {{}}

resource \"avnm_network_manager\" \"test\" {{
  name                = \"nm\"
  resource_group_name = \"rg\"
  location            = \"westeurope\"
  scope_accesses      = [\"{access}\"]
  scope {{
    subscription_ids = [\"/subscriptions/00000000-0000-0000-0000-000000000001\"]
  }}
  timeouts {{
    create = \"{timeout}\"
  }}
}}
"
    )
}

fn loads_provider(tls_disabled: bool) {
    let mut tf = TerraformDir::new();
    if tls_disabled {
        tf.set_env("TF_DISABLE_PLUGIN_TLS", "1");
    }
    tf.write("main.tf", &network_manager("45m", "Connectivity"));

    let validate = tf.run(&["validate"]);
    assert!(
        validate.success(),
        "terraform validate failed:\n{}",
        validate.output()
    );
    assert!(
        validate.stdout.contains("The configuration is valid"),
        "{}",
        validate.output()
    );

    let schema = tf.run(&["providers", "schema", "-json"]);
    assert!(
        schema.success(),
        "terraform providers schema failed:\n{}",
        schema.output()
    );
    let json: serde_json::Value = serde_json::from_str(&schema.stdout).expect("schema JSON");
    let provider = &json["provider_schemas"]["registry.terraform.io/avnm/avnm"];
    let resources = provider["resource_schemas"]
        .as_object()
        .expect("resource schemas");
    assert!(
        resources.contains_key("avnm_network_manager"),
        "{resources:?}"
    );
    assert!(
        resources.keys().all(|k| k.starts_with("avnm_")),
        "every type is prefixed avnm_"
    );
    assert!(
        provider["data_source_schemas"]
            .as_object()
            .is_some_and(|d| !d.is_empty())
    );
    let timeouts = &resources["avnm_network_manager"]["block"]["block_types"]["timeouts"];
    assert_eq!(timeouts["nesting_mode"], "single", "{timeouts}");
}

#[test]
fn terraform_loads_the_provider_with_automtls() {
    if !support::acceptance_enabled() {
        return;
    }
    loads_provider(false);
}

#[test]
fn terraform_loads_the_provider_without_tls() {
    if !support::acceptance_enabled() {
        return;
    }
    loads_provider(true);
}

#[test]
fn terraform_shows_validation_errors_at_the_attribute() {
    if !support::acceptance_enabled() {
        return;
    }
    let tf = TerraformDir::new();
    tf.write("main.tf", &network_manager("soon", "Everything"));
    let validate = tf.run(&["validate"]);
    assert!(
        !validate.success(),
        "validate must fail:\n{}",
        validate.output()
    );
    let output = validate.output();
    // Both problems are reported, each pointing at its own attribute in main.tf.
    assert!(output.contains("\"soon\" is not a duration"), "{output}");
    assert!(output.contains("must be one of"), "{output}");
    assert!(
        output.contains("create = \"soon\""),
        "the timeout's source line is shown:\n{output}"
    );
    assert!(
        output.contains("scope_accesses      = [\"Everything\"]"),
        "the scope_accesses source line is shown:\n{output}"
    );
}

/// A provider block whose `tenant_id` comes from a resource not yet created: Terraform
/// configures the provider with an unknown value at plan time. The provider must plan
/// without its client (computed values unknown), and apply once Terraform re-configures it
/// with the known value.
#[test]
fn provider_configuration_unknown_until_apply() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = support::Emulator::start();
    let tf = TerraformDir::for_emulator(&emu);
    let tenant_id = emu.tenant("central").tenant_id.clone();
    let provider = emu
        .provider_block(None, "admin", "central")
        .replace(&format!("\"{tenant_id}\""), "terraform_data.tenant.output");
    assert!(
        provider.contains("terraform_data.tenant.output"),
        "{provider}"
    );
    let subscription = &emu.tenant("central").subscription_ids[0];
    let resource_group = emu.tenant("central").resource_group_ids[0]
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    tf.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}{provider}
resource \"terraform_data\" \"tenant\" {{
  input = \"{tenant_id}\"
}}

resource \"avnm_network_manager\" \"test\" {{
  name                = \"deferred-nm\"
  resource_group_name = \"{resource_group}\"
  location            = \"westeurope\"
  scope_accesses      = [\"Connectivity\"]
  scope {{
    subscription_ids = [\"/subscriptions/{subscription}\"]
  }}
}}
"
        ),
    );
    let plan = tf.run(&["plan", "-input=false"]);
    assert!(
        plan.success(),
        "plan with an unknown provider configuration:\n{}",
        plan.output()
    );
    assert!(
        plan.stdout.contains("(known after apply)"),
        "{}",
        plan.output()
    );
    assert!(plan.stdout.contains("2 to add"), "{}", plan.output());

    tf.apply();
    let state = tf.resource_values("avnm_network_manager.test");
    assert!(
        state["id"]
            .as_str()
            .is_some_and(|id| id.ends_with("/networkManagers/deferred-nm")),
        "{state}"
    );
    tf.destroy();
}
