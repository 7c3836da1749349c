//! Start-up figures of the provider binary, each beside a baseline measured in the same run:
//!
//! - process start → handshake line (AutoMTLS on, as Terraform starts it), against spawning
//!   `/bin/true` (the cost of any process start on this machine);
//! - process start → first GetProviderSchema answer over mTLS;
//! - peak RSS (VmHWM) after serving the schema;
//! - binary size;
//! - `terraform validate` wall time with the provider, against Terraform's built-in
//!   `terraform_data` (no plugin at all) as the floor — when a Terraform CLI is available
//!   (`TF_ACC_TERRAFORM_PATH` or `.tools/bin/terraform` from `make tools`).
//!
//! Run with `cargo bench --bench startup` (release profile); `BENCH_RUNS` sets the sample
//! count (default 30). Figures are medians unless said otherwise.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use terraform_provider_avnm::plugin::client::{
    ClientIdentity, client_tls, connect, parse_handshake_line,
};
use terraform_provider_avnm::proto::tfplugin6 as pb;
use terraform_provider_avnm::proto::tfplugin6::provider_client::ProviderClient;

const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-avnm");

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(30);
    let identity = ClientIdentity::generate().expect("client certificate");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let spawn_floor = median((0..runs).map(|_| time_true()).collect());
    let plaintext = median((0..runs).map(|_| time_plaintext_handshake()).collect());
    let mut handshake = Vec::new();
    let mut schema = Vec::new();
    let mut peak_rss_kib = Vec::new();
    for _ in 0..runs {
        let sample = runtime.block_on(start_and_get_schema(&identity));
        handshake.push(sample.handshake);
        schema.push(sample.schema);
        peak_rss_kib.push(sample.peak_rss_kib);
    }
    let size = std::fs::metadata(PROVIDER).map(|m| m.len()).unwrap_or(0);

    println!("terraform-provider-avnm start-up ({runs} runs, binary {PROVIDER})");
    println!(
        "  start → handshake line (AutoMTLS)  {:>9}   baseline: spawn /bin/true {:>9}",
        ms(median(handshake)),
        ms(spawn_floor)
    );
    println!("  start → handshake line (no TLS)    {:>9}", ms(plaintext));
    println!(
        "  start → GetProviderSchema (mTLS)   {:>9}",
        ms(median(schema))
    );
    peak_rss_kib.sort_unstable();
    println!(
        "  peak RSS after schema              {:>6.1} MiB (max {:.1} MiB)",
        peak_rss_kib[peak_rss_kib.len() / 2] as f64 / 1024.0,
        peak_rss_kib.last().copied().unwrap_or(0) as f64 / 1024.0
    );
    println!(
        "  binary size                        {:>6.1} MiB ({size} bytes)",
        size as f64 / (1024.0 * 1024.0)
    );

    match terraform() {
        Some(terraform) => {
            let tf_runs = runs.min(10);
            let (floor, ours) = validate_times(&terraform, tf_runs);
            println!(
                "  terraform validate ({tf_runs} runs)      {:>9}   baseline: terraform_data only {:>9}",
                ms(ours),
                ms(floor)
            );
        }
        None => println!(
            "  terraform validate                 skipped: no Terraform (run `make tools` or set TF_ACC_TERRAFORM_PATH)"
        ),
    }
}

struct Sample {
    handshake: Duration,
    schema: Duration,
    peak_rss_kib: u64,
}

/// Starts the provider as Terraform does, waits for the handshake line, asks for the schema
/// over mTLS, reads the peak RSS, then stops it.
async fn start_and_get_schema(identity: &ClientIdentity) -> Sample {
    let started = Instant::now();
    let mut child = Command::new(PROVIDER)
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &identity.pem)
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("handshake line");
    let handshake = started.elapsed();
    let announced = parse_handshake_line(&line).expect("valid handshake line");
    let server = announced.server_certificate.clone().expect("AutoMTLS");
    let tls = client_tls(&server, identity).expect("client TLS");
    let channel = connect(&announced, Some(tls)).await.expect("connect");
    let response = ProviderClient::new(channel)
        .max_decoding_message_size(256 << 20)
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema");
    let schema = started.elapsed();
    assert!(!response.into_inner().resource_schemas.is_empty());
    let peak_rss_kib = peak_rss_kib(&child).unwrap_or(0);
    stop(&mut child);
    Sample {
        handshake,
        schema,
        peak_rss_kib,
    }
}

/// Start → handshake line with `TF_DISABLE_PLUGIN_TLS` (no certificate to make).
fn time_plaintext_handshake() -> Duration {
    let started = Instant::now();
    let mut child = Command::new(PROVIDER)
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("handshake line");
    let elapsed = started.elapsed();
    stop(&mut child);
    elapsed
}

fn peak_rss_kib(child: &Child) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn time_true() -> Duration {
    let started = Instant::now();
    let _ = Command::new("/bin/true").status();
    started.elapsed()
}

fn terraform() -> Option<PathBuf> {
    std::env::var_os("TF_ACC_TERRAFORM_PATH")
        .map(PathBuf::from)
        .or_else(|| Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools/bin/terraform")))
        .filter(|p| p.exists())
}

/// Median wall time of `terraform validate` for a `terraform_data`-only configuration and
/// for one using this provider (via `dev_overrides`).
fn validate_times(terraform: &Path, runs: usize) -> (Duration, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let provider_dir = Path::new(PROVIDER).parent().expect("binary dir");
    let cli_config = dir.path().join("terraform.tfrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"avnm/avnm\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir.display()
        ),
    )
    .expect("CLI config");
    let floor_dir = dir.path().join("floor");
    let ours_dir = dir.path().join("avnm");
    std::fs::create_dir_all(&floor_dir).expect("dir");
    std::fs::create_dir_all(&ours_dir).expect("dir");
    std::fs::write(
        floor_dir.join("main.tf"),
        "resource \"terraform_data\" \"x\" {\n  input = \"a\"\n}\n",
    )
    .expect("config");
    std::fs::write(
        ours_dir.join("main.tf"),
        "terraform {\n  required_providers {\n    avnm = { source = \"avnm/avnm\" }\n  }\n}\n\
         provider \"avnm\" {}\n\
         resource \"avnm_network_manager\" \"x\" {\n  name = \"nm\"\n  resource_group_name = \"rg\"\n  location = \"westeurope\"\n  scope_accesses = [\"Connectivity\"]\n  scope {\n    subscription_ids = [\"/subscriptions/00000000-0000-0000-0000-000000000001\"]\n  }\n}\n",
    )
    .expect("config");
    let time = |workdir: &Path| -> Duration {
        let started = Instant::now();
        let status = Command::new(terraform)
            .arg("validate")
            .arg("-no-color")
            .current_dir(workdir)
            .env("TF_CLI_CONFIG_FILE", &cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run terraform");
        let elapsed = started.elapsed();
        assert!(
            status.success(),
            "terraform validate failed in {}",
            workdir.display()
        );
        elapsed
    };
    // Interleaved so that machine load affects both alike.
    let mut floor = Vec::new();
    let mut ours = Vec::new();
    for _ in 0..runs {
        floor.push(time(&floor_dir));
        ours.push(time(&ours_dir));
    }
    (median(floor), median(ours))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
