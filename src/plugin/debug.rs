//! `--debug`: the provider runs on its own (under a debugger, say) and Terraform attaches to
//! it through `TF_REATTACH_PROVIDERS` instead of starting it.

use std::path::Path;

use serde_json::json;

/// The `TF_REATTACH_PROVIDERS` value for a provider listening on `socket`.
pub fn reattach_json(address: &str, pid: u32, socket: &Path) -> String {
    json!({
        address: {
            "Protocol": "grpc",
            "ProtocolVersion": super::handshake::APP_PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": "unix", "String": socket.display().to_string() },
        }
    })
    .to_string()
}

/// What `--debug` prints for the developer, as terraform-plugin-go does.
pub fn instructions(address: &str, pid: u32, socket: &Path) -> String {
    let reattach = reattach_json(address, pid, socket);
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\
         \n\
         \tTF_REATTACH_PROVIDERS='{reattach}'\n\
         \n\
         Stop the provider with Ctrl-C.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_json_has_terraforms_shape() {
        let text = reattach_json(
            "registry.terraform.io/avnm/avnm",
            42,
            Path::new("/tmp/p/plugin.sock"),
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        let entry = &parsed["registry.terraform.io/avnm/avnm"];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 42);
        assert_eq!(entry["Test"], true);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/p/plugin.sock");
        let shown = instructions(
            "registry.terraform.io/avnm/avnm",
            42,
            Path::new("/tmp/p/plugin.sock"),
        );
        assert!(shown.contains(&format!("TF_REATTACH_PROVIDERS='{text}'")));
    }
}
