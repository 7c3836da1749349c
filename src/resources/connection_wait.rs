//! Waiting for a cross-tenant connection to turn Connected, bounded by the operation's
//! deadline. ARM connects both halves as soon as the other tenant's half exists, so waiting
//! lets one apply create both halves (in parallel) and whatever needs them connected.

use std::time::Duration;

use serde_json::Value as Json;
use tokio::time::Instant;

use super::arm_ops::ArmCall;
use super::reconcile::json_str;

/// How often the connection is read again while waiting.
pub const POLL_INTERVAL: Duration = Duration::from_secs(2);

pub const CONNECTED: &str = "Connected";

/// Why the wait ended without a connection.
#[derive(Debug, Clone, PartialEq)]
pub enum NotConnected {
    /// The deadline came first; the last state seen.
    TimedOut { state: String },
    /// A state that will not turn Connected by waiting (Conflict, Revoked, Rejected).
    Settled { state: String },
    /// The connection disappeared while waiting.
    Gone,
}

/// The `connectionState` of a connection body (`Pending` when ARM has not said yet).
pub fn connection_state(body: &Json) -> &str {
    json_str(body, "/properties/connectionState").unwrap_or("Pending")
}

/// Reads `id` every `POLL_INTERVAL` until it is Connected; returns the last body read and,
/// when it did not connect, why. `body` is what the caller already has (the PUT's answer).
pub async fn wait_until_connected(
    call: &ArmCall,
    id: &str,
    mut body: Json,
    deadline: Instant,
) -> Result<Json, (Json, NotConnected)> {
    loop {
        let state = connection_state(&body);
        if state.eq_ignore_ascii_case(CONNECTED) {
            return Ok(body);
        }
        if !state.eq_ignore_ascii_case("Pending") {
            let state = state.to_string();
            return Err((body, NotConnected::Settled { state }));
        }
        // Stop one poll early, so that the caller reports the wait instead of the protocol
        // layer's bare timeout.
        if Instant::now() + POLL_INTERVAL * 2 >= deadline {
            let state = state.to_string();
            return Err((body, NotConnected::TimedOut { state }));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
        match call.get(id).await {
            Ok(Some(next)) => body = next,
            Ok(None) => return Err((body, NotConnected::Gone)),
            // A failed read while waiting: keep waiting; ARM errors that persist end in a timeout.
            Err(_) => {}
        }
    }
}

impl NotConnected {
    pub fn describe(&self) -> String {
        match self {
            NotConnected::TimedOut { state } => {
                format!("it was still {state} when the timeout ran out")
            }
            NotConnected::Settled { state } => {
                format!("it is {state}, which waiting cannot change")
            }
            NotConnected::Gone => "it was deleted while waiting".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn state_defaults_to_pending() {
        assert_eq!(connection_state(&json!({})), "Pending");
        assert_eq!(
            connection_state(&json!({"properties": {"connectionState": "Connected"}})),
            "Connected"
        );
    }

    #[test]
    fn descriptions_say_what_happened() {
        assert!(
            NotConnected::TimedOut {
                state: "Pending".into()
            }
            .describe()
            .contains("Pending")
        );
        assert!(
            NotConnected::Settled {
                state: "Conflict".into()
            }
            .describe()
            .contains("Conflict")
        );
    }
}
