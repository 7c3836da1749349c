//! Authentication methods against the ARM emulator's Entra ID endpoint: client secret
//! (environment variables only), wrong secret, client certificate (registered and not),
//! OIDC token / token file / GitHub Actions / Azure DevOps requests, and AKS workload
//! identity. Each test configures the provider
//! exactly as Terraform would (`configure_client`) with a fake environment map.

mod support;

use std::collections::HashMap;

use support::{Emulator, block_on};
use terraform_provider_avnm::arm::{NETWORK_API_VERSION, RequestOptions};
use terraform_provider_avnm::protocol::TerraformInfo;
use terraform_provider_avnm::provider::config::provider_schema;
use terraform_provider_avnm::provider::configure_client;
use terraform_provider_avnm::value::Value;

fn empty_config() -> Value {
    Value::Object(
        provider_schema()
            .block
            .attributes
            .iter()
            .map(|a| (a.name.clone(), Value::Null))
            .collect(),
    )
}

fn tf() -> TerraformInfo {
    TerraformInfo {
        terraform_version: "1.15.0".into(),
    }
}

/// The variables every test needs: the emulator's cloud and CA, no CLI.
fn base_env(emu: &Emulator, tenant: &str) -> HashMap<String, String> {
    let t = emu.tenant(tenant);
    HashMap::from([
        (
            "ARM_METADATA_HOSTNAME".to_string(),
            emu.ready.metadata_host.clone(),
        ),
        (
            "SSL_CERT_FILE".to_string(),
            emu.ready.ca_cert_file.display().to_string(),
        ),
        ("ARM_TENANT_ID".to_string(), t.tenant_id.clone()),
        (
            "ARM_SUBSCRIPTION_ID".to_string(),
            t.subscription_ids[0].clone(),
        ),
        ("ARM_USE_CLI".to_string(), "false".to_string()),
    ])
}

fn secret_env(emu: &Emulator, principal: &str, tenant: &str) -> HashMap<String, String> {
    let mut env = base_env(emu, tenant);
    let p = emu.principal(principal);
    env.insert("ARM_CLIENT_ID".into(), p.client_id.clone());
    env.insert("ARM_CLIENT_SECRET".into(), p.client_secret.clone());
    env
}

/// Proves the client works: reads a virtual network of the tenant, and returns who the
/// emulator says made the request.
async fn read_a_network(
    client: &terraform_provider_avnm::arm::ArmClient,
    emu: &Emulator,
    tenant: &str,
) -> String {
    let vnet = &emu.tenant(tenant).virtual_network_ids[0];
    let got = client
        .get(vnet, NETWORK_API_VERSION, &RequestOptions::default())
        .await
        .expect("GET virtual network")
        .expect("the network exists");
    assert_eq!(
        got["id"].as_str().map(str::to_ascii_lowercase),
        Some(vnet.to_ascii_lowercase())
    );
    last_principal(emu).await
}

async fn last_principal(emu: &Emulator) -> String {
    let url = format!("{}_emulator/requests", emu.ready.resource_manager_endpoint);
    let log: serde_json::Value = emu
        .http()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let arm = log
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.contains("virtualNetworks"))
        })
        .cloned()
        .expect("the emulator logged the GET");
    arm["principal"].as_str().unwrap_or_default().to_string()
}

/// An OIDC token minted by the emulator's own issuer (as a CI system would), for `admin`.
async fn oidc_token(emu: &Emulator) -> String {
    let url = format!(
        "{}oidc/token?audience=api://AzureADTokenExchange",
        emu.ready.resource_manager_endpoint
    );
    let body: serde_json::Value = emu
        .http()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["value"].as_str().expect("an OIDC token").to_string()
}

#[test]
fn client_secret_from_environment_variables_only() {
    let emu = Emulator::start();
    block_on(async {
        let env = secret_env(&emu, "admin", "central");
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("configure");
        assert_eq!(client.tenant_id(), emu.tenant("central").tenant_id);
        assert_eq!(client.auth_method(), "client secret");
        assert_eq!(
            client.subscription_id(),
            Some(emu.tenant("central").subscription_ids[0].as_str())
        );
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");
    });
}

#[test]
fn wrong_secret_is_explained_without_the_secret() {
    let emu = Emulator::start();
    block_on(async {
        let mut env = secret_env(&emu, "admin", "central");
        env.insert("ARM_CLIENT_SECRET".into(), "not-the-secret-42".into());
        let diags = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect_err("must fail");
        let d = &diags.0[0];
        let text = format!("{} {}", d.summary, d.detail);
        assert!(text.contains("AADSTS7000215"), "{text}");
        assert!(text.contains(&emu.tenant("central").tenant_id), "{text}");
        assert!(text.contains(&emu.principal("admin").client_id), "{text}");
        assert!(text.contains("ARM_CLIENT_SECRET"), "{text}");
        assert!(!text.contains("not-the-secret-42"), "{text}");
    });
}

#[test]
fn unknown_tenant_names_the_tenant() {
    let emu = Emulator::start();
    block_on(async {
        let mut env = secret_env(&emu, "admin", "central");
        env.insert(
            "ARM_TENANT_ID".into(),
            "11111111-2222-3333-4444-555555555555".into(),
        );
        let diags = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect_err("must fail");
        let text = format!("{} {}", diags.0[0].summary, diags.0[0].detail);
        assert!(
            text.contains("11111111-2222-3333-4444-555555555555"),
            "{text}"
        );
        assert!(text.contains("AADSTS90002"), "{text}");
    });
}

#[test]
fn oidc_token_and_token_file() {
    let emu = Emulator::start();
    block_on(async {
        let token = oidc_token(&emu).await;
        let mut env = base_env(&emu, "central");
        env.insert(
            "ARM_CLIENT_ID".into(),
            emu.principal("admin").client_id.clone(),
        );
        env.insert("ARM_USE_OIDC".into(), "true".into());
        env.insert("ARM_OIDC_TOKEN".into(), token.clone());
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("configure with oidc_token");
        assert_eq!(client.auth_method(), "OIDC");
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");

        let file = emu.dir.path().join("oidc-token");
        std::fs::write(&file, format!("{token}\n")).unwrap();
        env.remove("ARM_OIDC_TOKEN");
        env.insert(
            "ARM_OIDC_TOKEN_FILE_PATH".into(),
            file.display().to_string(),
        );
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("configure with a token file");
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");

        // A token the app does not trust is refused with Entra's code.
        std::fs::write(&file, "not.a.jwt").unwrap();
        let diags = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect_err("bad assertion");
        assert!(diags.0[0].detail.contains("AADSTS"), "{:?}", diags);
    });
}

#[test]
fn oidc_from_github_actions_and_azure_devops_requests() {
    let emu = Emulator::start();
    block_on(async {
        let request_url = format!("{}oidc/token", emu.ready.resource_manager_endpoint);
        let mut env = base_env(&emu, "central");
        env.insert(
            "ARM_CLIENT_ID".into(),
            emu.principal("admin").client_id.clone(),
        );
        env.insert("ARM_USE_OIDC".into(), "true".into());
        env.insert(
            "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
            format!("{request_url}?runner=1"),
        );
        env.insert(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
            "gh-request-token".into(),
        );
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("GitHub Actions OIDC");
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");

        env.remove("ACTIONS_ID_TOKEN_REQUEST_URL");
        env.remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        env.insert("SYSTEM_OIDCREQUESTURI".into(), request_url);
        env.insert("SYSTEM_ACCESSTOKEN".into(), "ado-token".into());
        env.insert("ARM_OIDC_AZURE_SERVICE_CONNECTION_ID".into(), "sc-1".into());
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("Azure DevOps OIDC");
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");
    });
}

#[test]
fn aks_workload_identity_token_file() {
    let emu = Emulator::start();
    block_on(async {
        let file = emu.dir.path().join("federated-token");
        std::fs::write(&file, oidc_token(&emu).await).unwrap();
        let mut env = base_env(&emu, "central");
        env.remove("ARM_TENANT_ID");
        env.insert("ARM_USE_AKS_WORKLOAD_IDENTITY".into(), "true".into());
        env.insert(
            "AZURE_CLIENT_ID".into(),
            emu.principal("admin").client_id.clone(),
        );
        env.insert(
            "AZURE_TENANT_ID".into(),
            emu.tenant("central").tenant_id.clone(),
        );
        env.insert(
            "AZURE_FEDERATED_TOKEN_FILE".into(),
            file.display().to_string(),
        );
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("workload identity");
        assert_eq!(client.auth_method(), "AKS workload identity");
        assert_eq!(client.tenant_id(), emu.tenant("central").tenant_id);
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");
    });
}

#[test]
fn block_values_win_and_an_unreachable_metadata_host_is_explained() {
    let emu = Emulator::start();
    block_on(async {
        let mut env = secret_env(&emu, "admin", "central");
        env.insert("ARM_CLIENT_SECRET".into(), "wrong-in-env".into());
        let mut config = empty_config();
        if let Value::Object(m) = &mut config {
            m.insert(
                "client_secret".into(),
                Value::string(emu.principal("admin").client_secret.clone()),
            );
        }
        configure_client(&config, &tf(), &env)
            .await
            .expect("the block's secret wins");

        // A metadata host that cannot be reached is named in the diagnostic.
        let mut env = secret_env(&emu, "admin", "central");
        env.insert("ARM_METADATA_HOSTNAME".into(), "metadata.invalid".into());
        let diags = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect_err("no such host");
        assert!(diags.0[0].detail.contains("metadata_host"), "{:?}", diags);
    });
}

/// A client certificate as a user holds it: a PKCS#12 archive (fresh RSA key and
/// self-signed certificate), and the public certificate (PEM) to register with Entra ID.
struct ClientCertificate {
    pkcs12: Vec<u8>,
    certificate_pem: String,
}

fn client_certificate(password: &str) -> ClientCertificate {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["avnm-test".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let chain = PrivateKeyChain::new(
        vec![9u8, 9, 9],
        PrivateKey::from_der(&key.serialize_der()).unwrap(),
        [Certificate::from_der(cert.der()).unwrap()],
    );
    let mut store = KeyStore::new();
    store.add_entry("avnm", KeyStoreEntry::PrivateKeyChain(chain));
    ClientCertificate {
        pkcs12: store.writer(password).write().unwrap(),
        certificate_pem: cert.pem(),
    }
}

/// An emulator whose `admin` has `certificate` registered: the default world plus the
/// certificate, loaded with `--world` (docs/emulator.md, "Certificate credentials").
fn emulator_trusting(certificate: &ClientCertificate) -> (Emulator, tempfile::TempDir) {
    use terraform_provider_avnm::emulator::world::{CertificateCredential, World};
    let mut world = World::default_world();
    world
        .principals
        .get_mut("admin")
        .expect("the default world has admin")
        .certificate_credentials
        .push(CertificateCredential {
            certificate: certificate.certificate_pem.clone(),
        });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("world.json");
    std::fs::write(&path, serde_json::to_vec(&world).unwrap()).unwrap();
    let emu = Emulator::start_with(&["--world", &path.display().to_string()]);
    (emu, dir)
}

fn certificate_env(
    emu: &Emulator,
    certificate: &ClientCertificate,
    password: &str,
) -> HashMap<String, String> {
    use base64::Engine;
    let mut env = base_env(emu, "central");
    env.insert(
        "ARM_CLIENT_ID".into(),
        emu.principal("admin").client_id.clone(),
    );
    env.insert(
        "ARM_CLIENT_CERTIFICATE".into(),
        base64::engine::general_purpose::STANDARD.encode(&certificate.pkcs12),
    );
    env.insert("ARM_CLIENT_CERTIFICATE_PASSWORD".into(), password.into());
    env
}

/// The provider signs a client assertion with the registered certificate's key; the
/// emulator verifies it (thumbprint, RS256 signature, iss/sub/aud/exp/jti) and issues a token
/// the ARM call is made with — from the base64 setting and from a `.pfx` file.
#[test]
fn client_certificate_gets_a_token_and_calls_arm() {
    let certificate = client_certificate("cert-password-1");
    let (emu, _world) = emulator_trusting(&certificate);
    block_on(async {
        let mut env = certificate_env(&emu, &certificate, "cert-password-1");
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("the registered certificate signs in");
        assert_eq!(client.auth_method(), "client certificate");
        assert_eq!(client.tenant_id(), emu.tenant("central").tenant_id);
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");

        let pfx = emu.dir.path().join("admin.pfx");
        std::fs::write(&pfx, &certificate.pkcs12).unwrap();
        env.remove("ARM_CLIENT_CERTIFICATE");
        env.insert(
            "ARM_CLIENT_CERTIFICATE_PATH".into(),
            pfx.display().to_string(),
        );
        let client = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect("the .pfx file signs in");
        assert_eq!(read_a_network(&client, &emu, "central").await, "admin");
    });
}

/// A certificate Entra ID does not know is refused with AADSTS700027 ("the key was not
/// found"), explained with tenant and client, and the certificate password never shows.
#[test]
fn an_unregistered_certificate_is_refused_without_the_password() {
    let registered = client_certificate("registered-pw");
    let other = client_certificate("cert-password-2");
    let (emu, _world) = emulator_trusting(&registered);
    block_on(async {
        let env = certificate_env(&emu, &other, "cert-password-2");
        let diags = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect_err("the certificate is not registered");
        let text = format!("{} {}", diags.0[0].summary, diags.0[0].detail);
        assert!(text.contains("client certificate"), "{text}");
        assert!(text.contains("AADSTS700027"), "{text}");
        assert!(text.contains("The key was not found"), "{text}");
        assert!(text.contains(&emu.tenant("central").tenant_id), "{text}");
        assert!(text.contains(&emu.principal("admin").client_id), "{text}");
        assert!(!text.contains("cert-password-2"), "{text}");
        assert!(!text.contains("registered-pw"), "{text}");
    });
}

/// The default world registers no certificates, so any certificate is unknown there.
#[test]
fn the_default_world_registers_no_certificates() {
    let certificate = client_certificate("pw-3");
    let emu = Emulator::start();
    block_on(async {
        let env = certificate_env(&emu, &certificate, "pw-3");
        let diags = configure_client(&empty_config(), &tf(), &env)
            .await
            .expect_err("no certificate registered");
        let text = format!("{} {}", diags.0[0].summary, diags.0[0].detail);
        assert!(text.contains("AADSTS700027"), "{text}");
        assert!(!text.contains("pw-3"), "{text}");
    });
}
