//! The built provider binary, started the way Terraform starts it (magic cookie, protocol
//! versions, a P-521 CA-flagged client certificate for AutoMTLS), spoken to over its unix
//! socket with the generated tfplugin6 client.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use terraform_provider_avnm::plugin::client::{
    Announced, ClientIdentity, client_tls, connect, parse_handshake_line,
};
use terraform_provider_avnm::proto::plugin::Empty;
use terraform_provider_avnm::proto::plugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_avnm::proto::tfplugin6 as pb;
use terraform_provider_avnm::proto::tfplugin6::provider_client::ProviderClient;

const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The running plugin and what its handshake line announced.
struct Plugin {
    child: Child,
    line: String,
    announced: Announced,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_plugin(client_pem: Option<&str>) -> Plugin {
    let mut command = Command::new(env!("CARGO_BIN_EXE_terraform-provider-avnm"));
    command
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(pem) = client_pem {
        command.env("PLUGIN_CLIENT_CERT", pem);
    }
    let mut child = command.spawn().expect("start the provider");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("handshake line");
    assert!(
        line.ends_with('\n'),
        "the handshake line is newline-terminated: {line:?}"
    );
    let announced = parse_handshake_line(&line).expect("a valid handshake line");
    Plugin {
        child,
        line,
        announced,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn error_summaries(diagnostics: &[pb::Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

#[test]
fn refuses_to_run_without_terraform() {
    let output = Command::new(env!("CARGO_BIN_EXE_terraform-provider-avnm"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("This binary is a plugin"), "{stderr}");
}

#[test]
fn serves_the_protocol_over_mutual_tls() {
    let identity = ClientIdentity::generate().unwrap();
    let plugin = start_plugin(Some(&identity.pem));
    assert!(plugin.line.starts_with("1|6|unix|"), "{}", plugin.line);
    let socket = &plugin.announced.socket;
    assert!(socket.exists(), "socket {} exists", socket.display());
    let server_certificate = plugin
        .announced
        .server_certificate
        .clone()
        .expect("a server certificate under AutoMTLS");

    runtime().block_on(async {
        let tls = client_tls(&server_certificate, &identity).unwrap();
        let channel = connect(&plugin.announced, Some(tls))
            .await
            .expect("mTLS connection");
        let mut client = ProviderClient::new(channel).max_decoding_message_size(256 << 20);

        let schema = client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .expect("GetProviderSchema")
            .into_inner();
        assert!(error_summaries(&schema.diagnostics).is_empty());
        let capabilities = schema.server_capabilities.expect("capabilities");
        assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);
        assert!(
            schema.provider.and_then(|p| p.block).is_some(),
            "provider schema"
        );
        let (type_name, resource_schema) = schema
            .resource_schemas
            .iter()
            .next()
            .expect("at least one resource type");
        assert!(type_name.starts_with("avnm_"), "{type_name}");
        assert!(!schema.data_source_schemas.is_empty());

        // A DynamicValue that is not msgpack of the resource's type.
        let malformed = client
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: type_name.clone(),
                config: Some(pb::DynamicValue {
                    msgpack: vec![0x92, 0xc3],
                    json: vec![],
                }),
                client_capabilities: None,
            })
            .await
            .expect("ValidateResourceConfig answers")
            .into_inner();
        let errors = error_summaries(&malformed.diagnostics);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("Malformed configuration"),
            "{errors:?}"
        );

        let unknown = client
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: "avnm_no_such_thing".into(),
                config: Some(pb::DynamicValue {
                    msgpack: vec![0xc0],
                    json: vec![],
                }),
                client_capabilities: None,
            })
            .await
            .expect("ValidateResourceConfig answers")
            .into_inner();
        let errors = error_summaries(&unknown.diagnostics);
        assert!(
            errors[0].contains("Unknown resource type: avnm_no_such_thing"),
            "{errors:?}"
        );
        assert!(
            errors[0].contains(type_name.as_str()),
            "lists the known types: {errors:?}"
        );

        let newer = client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: type_name.clone(),
                version: resource_schema.version + 1,
                raw_state: Some(pb::RawState {
                    json: b"{}".to_vec(),
                    flatmap: Default::default(),
                }),
            })
            .await
            .expect("UpgradeResourceState answers")
            .into_inner();
        let errors = error_summaries(&newer.diagnostics);
        assert!(errors[0].contains("newer provider"), "{errors:?}");
        assert!(newer.upgraded_state.is_none());

        // Missing attributes in raw state are tolerated (Terraform drops removed ones).
        let upgraded = client
            .upgrade_resource_state(pb::upgrade_resource_state::Request {
                type_name: type_name.clone(),
                version: resource_schema.version,
                raw_state: Some(pb::RawState {
                    json: br#"{"id":"x","no_longer_in_schema":1}"#.to_vec(),
                    flatmap: Default::default(),
                }),
            })
            .await
            .expect("UpgradeResourceState answers")
            .into_inner();
        assert!(
            error_summaries(&upgraded.diagnostics).is_empty(),
            "{:?}",
            upgraded.diagnostics
        );
        assert!(
            !upgraded
                .upgraded_state
                .expect("upgraded state")
                .msgpack
                .is_empty()
        );

        let stopped = client
            .stop_provider(pb::stop_provider::Request {})
            .await
            .expect("StopProvider")
            .into_inner();
        assert_eq!(stopped.error, "");
        // The process keeps serving after StopProvider.
        client
            .get_metadata(pb::get_metadata::Request {})
            .await
            .expect("still serving after StopProvider");
    });
}

#[test]
fn refuses_a_client_certificate_terraform_did_not_pass() {
    let identity = ClientIdentity::generate().unwrap();
    let intruder = ClientIdentity::generate().unwrap();
    let plugin = start_plugin(Some(&identity.pem));
    let server_certificate = plugin.announced.server_certificate.clone().unwrap();
    runtime().block_on(async {
        let outcome = async {
            let tls = client_tls(&server_certificate, &intruder)?;
            let channel = connect(&plugin.announced, Some(tls)).await?;
            ProviderClient::new(channel)
                .get_provider_schema(pb::get_provider_schema::Request {})
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error>)
        }
        .await;
        assert!(
            outcome.is_err(),
            "a foreign client certificate must be refused"
        );
    });
}

#[test]
fn serves_plaintext_ignores_sigint_and_shuts_down_on_request() {
    let mut plugin = start_plugin(None);
    assert!(
        plugin.line.ends_with("|grpc|\n"),
        "no certificate without AutoMTLS: {}",
        plugin.line
    );
    assert_eq!(plugin.announced.server_certificate, None);
    let socket_dir = plugin.announced.socket.parent().unwrap().to_path_buf();
    runtime().block_on(async {
        let channel = connect(&plugin.announced, None)
            .await
            .expect("plaintext connection");
        let metadata = ProviderClient::new(channel.clone())
            .get_metadata(pb::get_metadata::Request {})
            .await
            .expect("GetMetadata")
            .into_inner();
        assert!(!metadata.resources.is_empty());
        // Ctrl-C reaches the whole process group; Terraform answers it with StopProvider,
        // so the plugin itself must survive SIGINT.
        let pid = plugin.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        tokio::time::sleep(Duration::from_millis(200)).await;
        ProviderClient::new(channel.clone())
            .get_metadata(pb::get_metadata::Request {})
            .await
            .expect("still serving after SIGINT");
        GrpcControllerClient::new(channel)
            .shutdown(Empty {})
            .await
            .expect("Shutdown");
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = plugin.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the plugin exits after Shutdown");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    assert!(
        !socket_dir.exists(),
        "the socket directory is removed on exit"
    );
}

/// `--debug`: no magic cookie needed, plaintext, reattach JSON for the developer; Ctrl-C
/// stops it.
#[test]
fn debug_mode_prints_reattach_instructions_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_terraform-provider-avnm"))
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the provider in debug mode");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let reattach = loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "no reattach line");
        if let Some(json) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break json.trim_end_matches('\'').to_string();
        }
    };
    let parsed: serde_json::Value = serde_json::from_str(&reattach).expect("reattach JSON");
    let entry = &parsed["registry.terraform.io/avnm/avnm"];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], child.id());
    let socket = entry["Addr"]["String"]
        .as_str()
        .expect("socket path")
        .to_string();
    let announced = parse_handshake_line(&format!("1|6|unix|{socket}|grpc|")).unwrap();
    runtime().block_on(async {
        let channel = connect(&announced, None)
            .await
            .expect("plaintext in debug mode");
        ProviderClient::new(channel)
            .get_metadata(pb::get_metadata::Request {})
            .await
            .expect("GetMetadata");
    });
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "Ctrl-C stops a debug-mode provider"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
