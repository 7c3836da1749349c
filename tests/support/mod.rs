//! The acceptance-test harness: the real Terraform CLI, this crate's freshly built provider
//! (through a `dev_overrides` CLI config) and a private `avnm-arm-emulator` per test.
//!
//! Modelled on terraform-plugin-testing: tests run only when `TF_ACC` is set (`make testacc`
//! and `make test` set it), `TF_ACC_TERRAFORM_PATH` overrides the Terraform binary, and each
//! test gets its own working directory, so tests run in parallel without sharing state.
#![allow(dead_code)] // each test binary uses its own part of the harness

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// True when acceptance tests should run. Tests return early (and say so) otherwise.
pub fn acceptance_enabled() -> bool {
    let enabled = std::env::var_os("TF_ACC").is_some_and(|v| !v.is_empty() && v != "0");
    if !enabled {
        eprintln!("acceptance test skipped: set TF_ACC=1 (make testacc does) to run it");
    }
    enabled
}

/// The Terraform CLI to test with: `TF_ACC_TERRAFORM_PATH`, else the one `make tools` installs.
pub fn terraform_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TF_ACC_TERRAFORM_PATH") {
        return PathBuf::from(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/terraform");
    assert!(
        p.exists(),
        "no Terraform at {}: run `make tools` (or set TF_ACC_TERRAFORM_PATH)",
        p.display()
    );
    p
}

/// The provider binary under test (built by cargo for this test run).
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-avnm"))
}

/// What the emulator's ready file says (the contract in docs/emulator.md).
#[derive(Debug, Clone, Deserialize)]
pub struct Ready {
    pub metadata_host: String,
    pub resource_manager_endpoint: String,
    pub ca_cert_file: PathBuf,
    pub tenants: BTreeMap<String, TenantInfo>,
    pub principals: BTreeMap<String, Principal>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TenantInfo {
    pub tenant_id: String,
    pub subscription_ids: Vec<String>,
    pub management_group_ids: Vec<String>,
    pub resource_group_ids: Vec<String>,
    pub virtual_network_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Principal {
    pub client_id: String,
    pub client_secret: String,
    pub home_tenant: String,
}

/// A running `avnm-arm-emulator`, stopped when dropped.
pub struct Emulator {
    child: Child,
    pub ready: Ready,
    pub dir: tempfile::TempDir,
}

impl Emulator {
    pub fn start() -> Emulator {
        Self::start_with(&[])
    }

    /// Starts the emulator with extra arguments (e.g. `["--faults", "put:429:1"]`).
    pub fn start_with(args: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().expect("temp dir");
        let ready_file = dir.path().join("ready.json");
        let child = Command::new(env!("CARGO_BIN_EXE_avnm-arm-emulator"))
            .arg("--ready-file")
            .arg(&ready_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start avnm-arm-emulator");
        let started = Instant::now();
        let ready = loop {
            if let Ok(text) = std::fs::read_to_string(&ready_file) {
                break serde_json::from_str::<Ready>(&text)
                    .expect("ready file matches the contract");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "emulator not ready after 60 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Emulator { child, ready, dir }
    }

    pub fn tenant(&self, name: &str) -> &TenantInfo {
        &self.ready.tenants[name]
    }

    pub fn principal(&self, name: &str) -> &Principal {
        &self.ready.principals[name]
    }

    /// An HCL `provider "avnm"` block for `principal` signed in to `tenant`
    /// (`central` or `target`), with `alias` when given.
    pub fn provider_block(&self, alias: Option<&str>, principal: &str, tenant: &str) -> String {
        let p = self.principal(principal);
        let t = self.tenant(tenant);
        let alias = alias
            .map(|a| format!("  alias           = \"{a}\"\n"))
            .unwrap_or_default();
        format!(
            "provider \"avnm\" {{\n{alias}  metadata_host   = \"{host}\"\n  tenant_id       = \"{tid}\"\n  subscription_id = \"{sub}\"\n  client_id       = \"{cid}\"\n  client_secret   = \"{secret}\"\n  use_cli         = false\n}}\n",
            host = self.ready.metadata_host,
            tid = t.tenant_id,
            sub = t.subscription_ids[0],
            cid = p.client_id,
            secret = p.client_secret,
        )
    }

    /// The emulator's admin API (`/_emulator/...`), e.g. `admin_get("inventory")`.
    pub fn admin_get(&self, what: &str) -> serde_json::Value {
        let url = format!("{}_emulator/{what}", self.ready.resource_manager_endpoint);
        block_on(async {
            let resp = self
                .http()
                .get(&url)
                .send()
                .await
                .expect("emulator answers");
            resp.json::<serde_json::Value>()
                .await
                .expect("JSON from the emulator")
        })
    }

    /// An HTTPS client that trusts the emulator's CA.
    pub fn http(&self) -> reqwest::Client {
        let pem = std::fs::read(&self.ready.ca_cert_file).expect("CA file");
        let ca = reqwest::Certificate::from_pem(&pem).expect("CA PEM");
        reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()
            .expect("reqwest client")
    }

    /// The ids of everything created through the API that the emulator still holds.
    pub fn inventory_ids(&self) -> Vec<String> {
        let inv = self.admin_get("inventory");
        let items = inv
            .get("value")
            .and_then(|v| v.as_array())
            .cloned()
            .or_else(|| inv.as_array().cloned());
        items
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.get("id").and_then(|v| v.as_str()).map(str::to_string))
            .collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a future to completion on a small runtime (the tests themselves are synchronous,
/// like Terraform runs).
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// The result of one Terraform command.
#[derive(Debug)]
pub struct TfRun {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TfRun {
    pub fn success(&self) -> bool {
        self.code == 0
    }
    /// Everything Terraform printed, for matching diagnostics.
    pub fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A Terraform working directory wired to the provider under test.
pub struct TerraformDir {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl TerraformDir {
    pub fn new() -> TerraformDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let provider_dir = provider_binary()
            .parent()
            .expect("binary dir")
            .to_path_buf();
        let cli_config = dir.path().join("terraform.tfrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"avnm/avnm\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                provider_dir.display()
            ),
        )
        .expect("write CLI config");
        let workdir = dir.path().join("work");
        std::fs::create_dir(&workdir).expect("work dir");
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".to_string(),
                cli_config.display().to_string(),
            ),
            ("TF_IN_AUTOMATION".to_string(), "1".to_string()),
            ("CHECKPOINT_DISABLE".to_string(), "1".to_string()),
            ("TF_INPUT".to_string(), "0".to_string()),
        ];
        TerraformDir { dir, env }
    }

    /// A directory whose provider trusts `emulator`'s certificate authority.
    pub fn for_emulator(emulator: &Emulator) -> TerraformDir {
        let mut tf = Self::new();
        tf.set_env(
            "SSL_CERT_FILE",
            &emulator.ready.ca_cert_file.display().to_string(),
        );
        tf
    }

    pub fn set_env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The directory Terraform runs in (holds the configuration and the state).
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn write(&self, name: &str, contents: &str) -> &Self {
        std::fs::write(self.path().join(name), contents).expect("write configuration");
        self
    }

    /// Runs `terraform ARGS` (with `-no-color` appended where Terraform accepts it).
    pub fn run(&self, args: &[&str]) -> TfRun {
        let mut cmd = Command::new(terraform_path());
        cmd.current_dir(self.path()).args(args).stdin(Stdio::null());
        if args.first().is_some_and(|a| *a != "version" && *a != "fmt") {
            cmd.arg("-no-color");
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("run terraform");
        TfRun {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// `terraform apply`, which must succeed.
    pub fn apply(&self) -> TfRun {
        let run = self.run(&["apply", "-auto-approve", "-input=false"]);
        assert!(run.success(), "terraform apply failed:\n{}", run.output());
        run
    }

    /// `terraform apply` that is expected to fail; returns its output.
    pub fn apply_fails(&self) -> String {
        let run = self.run(&["apply", "-auto-approve", "-input=false"]);
        assert!(
            !run.success(),
            "terraform apply unexpectedly succeeded:\n{}",
            run.output()
        );
        run.output()
    }

    /// `terraform destroy`, which must succeed.
    pub fn destroy(&self) -> TfRun {
        let run = self.run(&["destroy", "-auto-approve", "-input=false"]);
        assert!(run.success(), "terraform destroy failed:\n{}", run.output());
        run
    }

    /// Asserts that `terraform plan` proposes no changes (exit code 0 with -detailed-exitcode).
    pub fn assert_plan_empty(&self) {
        let run = self.run(&["plan", "-detailed-exitcode", "-input=false"]);
        assert_eq!(run.code, 0, "expected an empty plan:\n{}", run.output());
    }

    /// Runs `terraform plan -detailed-exitcode` and returns it (2 = changes pending).
    pub fn plan(&self) -> TfRun {
        self.run(&["plan", "-detailed-exitcode", "-input=false"])
    }

    /// `terraform show -json` of the current state.
    pub fn state(&self) -> serde_json::Value {
        let run = self.run(&["show", "-json"]);
        assert!(run.success(), "terraform show failed:\n{}", run.output());
        serde_json::from_str(&run.stdout).expect("show -json prints JSON")
    }

    /// The `values` of the resource at `address` (e.g. `avnm_network_group.main`) in state.
    pub fn resource_values(&self, address: &str) -> serde_json::Value {
        find_resource(&self.state(), address)
            .unwrap_or_else(|| panic!("{address} is not in the state"))
    }

    /// The value of root output `name`.
    pub fn output(&self, name: &str) -> serde_json::Value {
        let run = self.run(&["output", "-json", name]);
        assert!(run.success(), "terraform output failed:\n{}", run.output());
        serde_json::from_str(&run.stdout).expect("output -json prints JSON")
    }

    /// Removes the state file, as if the configuration were new (for import tests).
    pub fn forget_state(&self) {
        for f in ["terraform.tfstate", "terraform.tfstate.backup"] {
            let _ = std::fs::remove_file(self.path().join(f));
        }
    }
}

/// Finds a resource's `values` by address in `terraform show -json` output (root module).
pub fn find_resource(state: &serde_json::Value, address: &str) -> Option<serde_json::Value> {
    state
        .pointer("/values/root_module/resources")?
        .as_array()?
        .iter()
        .find(|r| r.get("address").and_then(|a| a.as_str()) == Some(address))
        .and_then(|r| r.get("values").cloned())
}
