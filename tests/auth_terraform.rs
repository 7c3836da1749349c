//! Acceptance (real Terraform, `TF_ACC=1`): authentication and the ARM client as a user sees
//! them — environment-variable-only configuration, `TF_LOG=TRACE` output free of secrets and
//! tokens, a client certificate (`.pfx` file and password) registered with the emulator, and the shipped cross-tenant example converging while 30% of ARM requests are
//! throttled, with the retries visible in the debug log.

mod support;

use serde_json::json;
use support::{Emulator, TerraformDir};

const REQUIRED_PROVIDERS: &str =
    "terraform {\n  required_providers {\n    avnm = { source = \"avnm/avnm\" }\n  }\n}\n";

fn in_subscription(ids: &[String], subscription: &str) -> Vec<String> {
    let prefix = format!("/subscriptions/{subscription}/").to_ascii_lowercase();
    ids.iter()
        .filter(|i| i.to_ascii_lowercase().starts_with(&prefix))
        .take(2)
        .cloned()
        .collect()
}

/// terraform.tfvars.json for examples/cross-tenant against `emu`.
fn example_vars(emu: &Emulator) -> serde_json::Value {
    let (central, target) = (emu.tenant("central"), emu.tenant("target"));
    let (admin, target_admin) = (emu.principal("admin"), emu.principal("target_admin"));
    let central_sub = &central.subscription_ids[0];
    let target_sub = &target.subscription_ids[0];
    let rg = central
        .resource_group_ids
        .iter()
        .find(|rg| {
            rg.to_ascii_lowercase()
                .starts_with(&format!("/subscriptions/{central_sub}/").to_ascii_lowercase())
        })
        .expect("a resource group in the central subscription");
    json!({
        "metadata_host": emu.ready.metadata_host,
        "central_tenant_id": central.tenant_id,
        "central_subscription_id": central_sub,
        "central_client_id": admin.client_id,
        "central_client_secret": admin.client_secret,
        "resource_group_name": rg.trim_end_matches('/').rsplit('/').next(),
        "central_virtual_network_ids": in_subscription(&central.virtual_network_ids, central_sub),
        "target_tenant_id": target.tenant_id,
        "target_subscription_id": target_sub,
        "target_client_id": target_admin.client_id,
        "target_client_secret": target_admin.client_secret,
        "target_virtual_network_ids": in_subscription(&target.virtual_network_ids, target_sub),
    })
}

#[test]
fn environment_only_configuration_and_trace_logs_without_secrets() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let central = emu.tenant("central");
    let admin = emu.principal("admin");
    let mut tf = TerraformDir::for_emulator(&emu);
    tf.set_env("ARM_METADATA_HOSTNAME", &emu.ready.metadata_host)
        .set_env("ARM_TENANT_ID", &central.tenant_id)
        .set_env("ARM_SUBSCRIPTION_ID", &central.subscription_ids[0])
        .set_env("ARM_CLIENT_ID", &admin.client_id)
        .set_env("ARM_CLIENT_SECRET", &admin.client_secret)
        .set_env("ARM_AUXILIARY_TENANT_IDS", &emu.tenant("target").tenant_id)
        .set_env("ARM_USE_CLI", "false")
        .set_env("TF_LOG", "TRACE");
    let rg = central.resource_group_ids[0]
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    tf.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}provider \"avnm\" {{}}\n\nresource \"avnm_network_manager\" \"env\" {{\n  name                = \"env-only\"\n  resource_group_name = \"{rg}\"\n  location            = \"westeurope\"\n  scope_accesses      = [\"Connectivity\"]\n  scope {{\n    subscription_ids = [\"/subscriptions/{sub}\"]\n  }}\n}}\n",
            sub = central.subscription_ids[0],
        ),
    );
    let apply = tf.apply();
    let destroy = tf.destroy();
    let logs = format!("{}\n{}", apply.output(), destroy.output());
    assert!(
        logs.contains("authenticating with client secret"),
        "the method used is logged at INFO"
    );
    assert!(
        logs.contains("ARM request done"),
        "provider debug logs reached Terraform's log"
    );
    assert!(
        !logs.contains(&admin.client_secret),
        "the client secret leaked into TF_LOG=TRACE output"
    );
    assert!(
        !logs.contains("eyJ"),
        "a token (JWT) leaked into TF_LOG=TRACE output"
    );
}

#[test]
fn cross_tenant_example_converges_with_thirty_percent_throttled() {
    if !support::acceptance_enabled() {
        return;
    }
    let faults = r#"{"seed": 11, "rules": [{"path": "^/(subscriptions|providers)/", "rate": 0.3, "status": 429, "retry_after": 1}]}"#;
    let emu = Emulator::start_with(&["--faults", faults]);
    let mut tf = TerraformDir::for_emulator(&emu);
    tf.set_env("TF_LOG_PROVIDER", "DEBUG");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cross-tenant");
    for file in ["main.tf", "variables.tf", "outputs.tf"] {
        tf.write(
            file,
            &std::fs::read_to_string(example.join(file)).expect("example file"),
        );
    }
    tf.write("terraform.tfvars.json", &example_vars(&emu).to_string());
    let apply = tf.apply();
    // Converged: nothing left to change in the infrastructure. (Outputs computed from data
    // sources read while the apply was still under way may refresh; they change nothing.)
    let plan = tf.plan();
    assert!(
        plan.code == 0 || (plan.code == 2 && !plan.output().contains("Plan:")),
        "resources still need changes after the apply:\n{}",
        plan.output()
    );
    let destroy = tf.destroy();

    let log = emu.admin_get("requests");
    let throttled = log
        .as_array()
        .map(|r| r.iter().filter(|r| r["status"] == 429).count())
        .unwrap_or(0);
    assert!(throttled > 0, "the fault rule fired");
    let retries = format!("{}{}", apply.output(), destroy.output())
        .matches("retrying ARM request")
        .count();
    assert!(retries > 0, "the retries are visible in the debug log");
    eprintln!(
        "cross-tenant example under 30% throttling: {throttled} throttled answers, {retries} retries logged (apply + destroy)"
    );
}

#[test]
fn provider_page_example_is_valid_terraform() {
    if !support::acceptance_enabled() {
        return;
    }
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/index.md"))
        .expect("docs/index.md");
    let example = page
        .split("```terraform")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("an example in docs/index.md");
    let tf = TerraformDir::new();
    tf.write("main.tf", example);
    tf.write(
        "variables.tf",
        "variable \"central_tenant_id\" {}\nvariable \"central_subscription_id\" {}\nvariable \"target_tenant_id\" {}\nvariable \"target_subscription_id\" {}\n",
    );
    let fmt = tf.run(&["fmt", "-check", "main.tf"]);
    assert!(
        fmt.success(),
        "the example is not `terraform fmt` clean:\n{}",
        fmt.output()
    );
    let validate = tf.run(&["validate"]);
    assert!(
        validate.success(),
        "the example does not validate:\n{}",
        validate.output()
    );
}

/// A `.pfx` with a fresh RSA key and self-signed certificate, and the certificate as PEM.
fn pkcs12_and_certificate(password: &str) -> (Vec<u8>, String) {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["avnm-terraform".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let chain = PrivateKeyChain::new(
        vec![7u8, 7, 7],
        PrivateKey::from_der(&key.serialize_der()).unwrap(),
        [Certificate::from_der(cert.der()).unwrap()],
    );
    let mut store = KeyStore::new();
    store.add_entry("avnm", KeyStoreEntry::PrivateKeyChain(chain));
    (store.writer(password).write().unwrap(), cert.pem())
}

#[test]
fn client_certificate_file_and_password_apply_and_destroy() {
    use terraform_provider_avnm::emulator::world::{CertificateCredential, World};
    if !support::acceptance_enabled() {
        return;
    }
    let password = "pfx-Password-93";
    let (pfx, pem) = pkcs12_and_certificate(password);
    let mut world = World::default_world();
    world
        .principals
        .get_mut("admin")
        .expect("admin")
        .certificate_credentials
        .push(CertificateCredential { certificate: pem });
    let files = tempfile::tempdir().unwrap();
    let world_file = files.path().join("world.json");
    std::fs::write(&world_file, serde_json::to_vec(&world).unwrap()).unwrap();
    let pfx_file = files.path().join("admin.pfx");
    std::fs::write(&pfx_file, &pfx).unwrap();
    let emu = Emulator::start_with(&["--world", &world_file.display().to_string()]);

    let central = emu.tenant("central");
    let rg = central.resource_group_ids[0]
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let mut tf = TerraformDir::for_emulator(&emu);
    tf.set_env("TF_LOG", "TRACE");
    tf.write(
        "main.tf",
        &format!(
            "{REQUIRED_PROVIDERS}provider \"avnm\" {{\n  metadata_host               = \"{host}\"\n  tenant_id                   = \"{tid}\"\n  subscription_id             = \"{sub}\"\n  client_id                   = \"{cid}\"\n  client_certificate_path     = \"{pfx}\"\n  client_certificate_password = \"{password}\"\n  use_cli                     = false\n}}\n\nresource \"avnm_network_manager\" \"cert\" {{\n  name                = \"cert-auth\"\n  resource_group_name = \"{rg}\"\n  location            = \"westeurope\"\n  scope_accesses      = [\"Connectivity\"]\n  scope {{\n    subscription_ids = [\"/subscriptions/{sub}\"]\n  }}\n}}\n",
            host = emu.ready.metadata_host,
            tid = central.tenant_id,
            sub = central.subscription_ids[0],
            cid = emu.principal("admin").client_id,
            pfx = pfx_file.display(),
        ),
    );
    let apply = tf.apply();
    let created = emu
        .admin_get("requests")
        .as_array()
        .and_then(|log| {
            log.iter()
                .find(|r| {
                    r["method"] == "PUT"
                        && r["path"]
                            .as_str()
                            .is_some_and(|p| p.contains("networkManagers/cert-auth"))
                })
                .cloned()
        })
        .expect("the network manager was created");
    assert_eq!(created["principal"], "admin", "{created}");
    let destroy = tf.destroy();
    let logs = format!("{}\n{}", apply.output(), destroy.output());
    assert!(
        logs.contains("authenticating with client certificate"),
        "the method used is logged"
    );
    assert!(
        !logs.contains(password),
        "the certificate password leaked into TF_LOG=TRACE output"
    );
    assert!(
        !logs.contains("eyJ"),
        "a token or client assertion (JWT) leaked into TF_LOG=TRACE output"
    );
}
