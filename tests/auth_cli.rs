//! Azure CLI authentication through a fake `az` on PATH that prints tokens obtained from
//! the emulator (as `az account get-access-token -o json` does). Alone in its test binary
//! because it changes the process's PATH, which the CLI credential reads.

mod support;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

use support::{Emulator, block_on};
use terraform_provider_avnm::arm::{NETWORK_API_VERSION, RequestOptions};
use terraform_provider_avnm::protocol::TerraformInfo;
use terraform_provider_avnm::provider::config::provider_schema;
use terraform_provider_avnm::provider::configure_client;
use terraform_provider_avnm::value::Value;

async fn token_for(emu: &Emulator, principal: &str, tenant: &str) -> String {
    let p = emu.principal(principal);
    let url = format!(
        "{}{}/oauth2/v2.0/token",
        emu.ready.resource_manager_endpoint,
        emu.tenant(tenant).tenant_id
    );
    let body: serde_json::Value = emu
        .http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("client_id", &p.client_id)
                .append_pair("client_secret", &p.client_secret)
                .append_pair("scope", "https://management.core.windows.net/.default")
                .finish(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().expect("a token").to_string()
}

#[test]
fn azure_cli_default_tenant_and_auxiliary_tenant() {
    let emu = Emulator::start();
    block_on(async {
        let central = emu.tenant("central").tenant_id.clone();
        let target = emu.tenant("target").tenant_id.clone();
        let central_token = token_for(&emu, "admin", "central").await;
        let target_token = token_for(&emu, "admin", "target").await;

        let bin = emu.dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let calls = emu.dir.path().join("az-calls");
        let expires = 4_102_444_800u64; // 2100-01-01
        let script = format!(
            "#!/bin/sh\necho \"$*\" >> '{calls}'\ncase \"$*\" in\n  'account show'*) printf '{{\"id\": \"{subscription}\", \"tenantId\": \"{central}\"}}\\n'; exit 0 ;;\n  *'--tenant {target}'*) tok='{target_token}' ;;\n  *) tok='{central_token}' ;;\nesac\nprintf '{{\"accessToken\": \"%s\", \"expires_on\": {expires}, \"tokenType\": \"Bearer\"}}\\n' \"$tok\"\n",
            calls = calls.display(),
            subscription = emu.tenant("central").subscription_ids[0],
        );
        let az = bin.join("az");
        std::fs::write(&az, script).unwrap();
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        // SAFETY: this test binary has this one test; nothing else reads the environment concurrently.
        unsafe { std::env::set_var("PATH", path) };

        let env: HashMap<String, String> = HashMap::from([
            (
                "ARM_METADATA_HOSTNAME".to_string(),
                emu.ready.metadata_host.clone(),
            ),
            (
                "SSL_CERT_FILE".to_string(),
                emu.ready.ca_cert_file.display().to_string(),
            ),
        ]);
        let config = Value::Object(
            provider_schema()
                .block
                .attributes
                .iter()
                .map(|a| (a.name.clone(), Value::Null))
                .collect(),
        );
        let tf = TerraformInfo {
            terraform_version: "1.15.0".into(),
        };
        let client = configure_client(&config, &tf, &env)
            .await
            .expect("configure with the Azure CLI");
        assert_eq!(client.auth_method(), "Azure CLI");
        assert_eq!(
            client.tenant_id(),
            central,
            "the tenant comes from the CLI's token"
        );

        // A read with an auxiliary tenant makes the CLI fetch a token for that tenant.
        let vnet = &emu.tenant("central").virtual_network_ids[0];
        let opts = RequestOptions::default().with_auxiliary_tenants([target.clone()]);
        let got = client
            .get(vnet, NETWORK_API_VERSION, &opts)
            .await
            .expect("GET");
        assert!(got.is_some());

        let calls = std::fs::read_to_string(&calls).unwrap();
        assert!(
            calls.lines().all(
                |l| l.starts_with("account get-access-token -o json --scope ")
                    || l.starts_with("account show")
            ),
            "{calls}"
        );
        assert_eq!(
            calls
                .lines()
                .filter(|l| l.contains("get-access-token") && !l.contains("--tenant"))
                .count(),
            1,
            "the home tenant's token is fetched once and cached: {calls}"
        );
        assert!(
            calls
                .lines()
                .any(|l| l.contains(&format!("--tenant {target}"))),
            "{calls}"
        );
        let log: serde_json::Value = emu
            .http()
            .get(format!(
                "{}_emulator/requests",
                emu.ready.resource_manager_endpoint
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let get = log
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.contains("virtualNetworks"))
            })
            .expect("the GET was logged");
        assert_eq!(get["principal"], "admin");
        assert_eq!(get["auxiliary_tenant_ids"], serde_json::json!([target]));
    });
}
