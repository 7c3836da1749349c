//! Load benchmark for `avnm-arm-emulator`: N concurrent clients (default 200), each with its
//! own HTTPS connection, for D seconds (default 10; the figure is
//! `cargo bench --bench emulator_load -- --duration 30`), on loopback.
//!
//! Two phases, each printing requests/s, p50/p99/max latency and errors:
//! 1. baseline — `GET /metadata/endpoints` (TLS + HTTP + routing only: the floor);
//! 2. ARM mix — authenticated GETs of a manager, a group list page, a world network, and
//!    PUTs of static members (1 in 10), as a Terraform refresh/apply would send them.
//!
//! Every non-2xx answer and every transport error counts as an error (no faults are
//! injected here, so the expected count is 0). Flags: `--duration SECS`, `--clients N`
//! (or `AVNM_BENCH_DURATION` / `AVNM_BENCH_CLIENTS`); other arguments (cargo's `--bench`)
//! are ignored.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use terraform_provider_avnm::emulator::harness::{Emulator, client_for};

struct Settings {
    duration: Duration,
    clients: usize,
}

fn settings() -> Settings {
    let mut duration = std::env::var("AVNM_BENCH_DURATION")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10u64);
    let mut clients = std::env::var("AVNM_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200usize);
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        match pair[0].as_str() {
            "--duration" => duration = pair[1].parse().unwrap_or(duration),
            "--clients" => clients = pair[1].parse().unwrap_or(clients),
            _ => {}
        }
    }
    Settings {
        duration: Duration::from_secs(duration.max(1)),
        clients: clients.max(1),
    }
}

/// One phase's outcome.
struct Figures {
    requests: usize,
    errors: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Figures {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i.min(self.latencies.len() - 1)]
    }

    fn print(&self, name: &str) {
        println!(
            "{name:<28} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms  requests {:>8}  errors {}",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            self.percentile(0.50).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
            self.latencies
                .last()
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1000.0,
            self.requests,
            self.errors
        );
    }
}

/// What one client sends for request number `i`.
#[derive(Clone)]
struct Workload {
    base: String,
    token: String,
    manager: String,
    group: String,
    network: String,
    member_network: String,
    baseline: bool,
}

impl Workload {
    fn request(&self, client: &reqwest::Client, id: usize, i: usize) -> reqwest::RequestBuilder {
        if self.baseline {
            return client.get(format!(
                "{}/metadata/endpoints?api-version=2022-09-01",
                self.base
            ));
        }
        let v = "api-version=2026-03-01";
        let (method, path, body) = match i % 10 {
            0 => (
                Method::PUT,
                format!("{}/staticMembers/m-{id}-{}?{v}", self.group, i % 4),
                Some(json!({"properties": {"resourceId": self.member_network}})),
            ),
            1 | 2 => (
                Method::GET,
                format!("{}/networkGroups?{v}&$top=5", self.manager),
                None,
            ),
            3 => (Method::GET, format!("{}?{v}", self.network), None),
            _ => (Method::GET, format!("{}?{v}", self.manager), None),
        };
        let mut r = client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        r
    }
}

async fn run_phase(emu: &Emulator, workload: Workload, settings: &Settings) -> Figures {
    let deadline = Instant::now() + settings.duration;
    let started = Instant::now();
    let workload = Arc::new(workload);
    let mut tasks = Vec::new();
    for id in 0..settings.clients {
        let client = client_for(&emu.ready).expect("client");
        let workload = workload.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut i = 0usize;
            while Instant::now() < deadline {
                let t = Instant::now();
                let ok = match workload.request(&client, id, i).send().await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        let _ = r.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                latencies.push(t.elapsed());
                if !ok {
                    errors += 1;
                }
                i += 1;
            }
            (latencies, errors)
        }));
    }
    let mut figures = Figures {
        requests: 0,
        errors: 0,
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        if let Ok((latencies, errors)) = t.await {
            figures.requests += latencies.len();
            figures.errors += errors;
            figures.latencies.extend(latencies);
        }
    }
    figures.elapsed = started.elapsed();
    figures.latencies.sort();
    figures
}

#[tokio::main]
async fn main() {
    let settings = settings();
    let emu = Emulator::start(env!("CARGO_BIN_EXE_avnm-arm-emulator").as_ref(), &[])
        .expect("emulator starts");
    let token = emu.token("admin", "central").await.expect("token");
    let central = &emu.ready.tenants["central"];
    let sub = &central.subscription_ids[0];
    let manager = format!(
        "/subscriptions/{sub}/resourceGroups/rg-central-1/providers/Microsoft.Network/networkManagers/bench"
    );
    let setup = [
        (
            manager.clone(),
            json!({"location": "westeurope", "properties": {"networkManagerScopes": {"subscriptions": [format!("/subscriptions/{sub}")]}}}),
        ),
        (
            format!("{manager}/networkGroups/g"),
            json!({"properties": {}}),
        ),
    ];
    for (path, body) in &setup {
        let r = emu
            .arm(Method::PUT, path, Some(&token), &[], Some(body))
            .await
            .expect("setup");
        assert!(
            r.status == 201 || r.status == 200,
            "setup failed: {:?}",
            r.body
        );
    }
    let workload = Workload {
        base: emu.url(""),
        token,
        group: format!("{manager}/networkGroups/g"),
        manager,
        network: central.virtual_network_ids[1].clone(),
        member_network: central.virtual_network_ids[0].clone(),
        baseline: true,
    };
    println!(
        "emulator load: {} clients, {} s per phase, loopback HTTPS",
        settings.clients,
        settings.duration.as_secs()
    );
    let baseline = run_phase(&emu, workload.clone(), &settings).await;
    baseline.print("baseline GET /metadata");
    let arm = run_phase(
        &emu,
        Workload {
            baseline: false,
            ..workload
        },
        &settings,
    )
    .await;
    arm.print("ARM mix (90% GET, 10% PUT)");
    if baseline.errors + arm.errors > 0 {
        println!("ERRORS: {} requests failed", baseline.errors + arm.errors);
        std::process::exit(1);
    }
}
