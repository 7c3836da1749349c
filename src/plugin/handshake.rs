//! The go-plugin handshake: what Terraform tells the plugin through its environment, and the
//! line the plugin answers with on stdout.

use std::path::{Path, PathBuf};

use base64::Engine;

/// Terraform's magic cookie: a plugin started by anything else refuses to run.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's core protocol version (the first field of the handshake line).
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol this provider speaks.
pub const APP_PROTOCOL_VERSION: u32 = 6;

/// What go-plugin prints when a plugin is run by hand.
pub const NOT_A_COMMAND: &str = "This binary is a plugin. These are not meant to be executed directly.\n\
Please execute the program that consumes these plugins, which will\n\
load any plugins automatically";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("{NOT_A_COMMAND}")]
    NotStartedByTerraform,
    #[error(
        "Terraform offered plugin protocol versions {offered:?}, but this provider speaks only \
         protocol {APP_PROTOCOL_VERSION} (Terraform 1.0 or later)"
    )]
    NoCommonProtocol { offered: String },
}

/// The handshake-relevant environment Terraform sets for a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginEnv {
    /// Terraform's client certificate (PEM): present means AutoMTLS.
    pub client_certificate: Option<String>,
    /// Where to create the socket directory (`PLUGIN_UNIX_SOCKET_DIR`), else the system temp dir.
    pub socket_dir: Option<PathBuf>,
}

impl PluginEnv {
    /// Reads the environment through `var`, so tests need not touch the process environment.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, HandshakeError> {
        if var(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(HandshakeError::NotStartedByTerraform);
        }
        if let Some(offered) = var("PLUGIN_PROTOCOL_VERSIONS").filter(|v| !v.trim().is_empty()) {
            let speaks_ours = offered
                .split(',')
                .any(|v| v.trim().parse::<u32>() == Ok(APP_PROTOCOL_VERSION));
            if !speaks_ours {
                return Err(HandshakeError::NoCommonProtocol { offered });
            }
        }
        Ok(Self {
            client_certificate: var("PLUGIN_CLIENT_CERT").filter(|c| !c.trim().is_empty()),
            socket_dir: var("PLUGIN_UNIX_SOCKET_DIR")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
        })
    }

    pub fn from_process() -> Result<Self, HandshakeError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}

/// The line Terraform waits for: `1|6|unix|/path/to/socket|grpc|CERT`, where CERT is the
/// server certificate's DER in standard base64 without padding (empty without TLS).
pub fn handshake_line(socket: &Path, server_certificate_der: Option<&[u8]>) -> String {
    let certificate = server_certificate_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|unix|{}|grpc|{certificate}\n",
        socket.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn refuses_to_start_without_the_magic_cookie() {
        assert_eq!(
            PluginEnv::from_lookup(env(&[])),
            Err(HandshakeError::NotStartedByTerraform)
        );
        assert_eq!(
            PluginEnv::from_lookup(env(&[(MAGIC_COOKIE_KEY, "wrong")])),
            Err(HandshakeError::NotStartedByTerraform)
        );
        assert!(
            HandshakeError::NotStartedByTerraform
                .to_string()
                .starts_with("This binary is a plugin.")
        );
    }

    #[test]
    fn picks_protocol_six_from_the_offered_versions() {
        for offered in ["5,6", "6", "6,5", " 5, 6 ", ""] {
            let parsed = PluginEnv::from_lookup(env(&[
                (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
                ("PLUGIN_PROTOCOL_VERSIONS", offered),
            ]));
            assert!(parsed.is_ok(), "{offered:?} should be accepted");
        }
        let refused = PluginEnv::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        ]));
        assert!(matches!(
            refused,
            Err(HandshakeError::NoCommonProtocol { .. })
        ));
    }

    #[test]
    fn reads_client_certificate_and_socket_dir() {
        let parsed = PluginEnv::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_CLIENT_CERT", "-----BEGIN CERTIFICATE-----"),
            ("PLUGIN_UNIX_SOCKET_DIR", "/run/plugins"),
        ]))
        .unwrap();
        assert_eq!(
            parsed.client_certificate.as_deref(),
            Some("-----BEGIN CERTIFICATE-----")
        );
        assert_eq!(parsed.socket_dir, Some(PathBuf::from("/run/plugins")));
        let plain = PluginEnv::from_lookup(env(&[(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)])).unwrap();
        assert_eq!(plain.client_certificate, None);
        assert_eq!(plain.socket_dir, None);
    }

    #[test]
    fn formats_the_handshake_line() {
        let line = handshake_line(
            Path::new("/tmp/plugin123/plugin.sock"),
            Some(&[0xfb, 0xff, 0x01]),
        );
        assert_eq!(line, "1|6|unix|/tmp/plugin123/plugin.sock|grpc|+/8B\n");
        let line = handshake_line(Path::new("/tmp/p.sock"), Some(&[1]));
        assert_eq!(line, "1|6|unix|/tmp/p.sock|grpc|AQ\n", "no padding");
        let plaintext = handshake_line(Path::new("/tmp/p.sock"), None);
        assert_eq!(plaintext, "1|6|unix|/tmp/p.sock|grpc|\n");
    }
}
