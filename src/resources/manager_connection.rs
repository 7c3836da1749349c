//! The body of a network manager connection (`Microsoft.Network/networkManagerConnections`),
//! the target tenant's half of a cross-tenant link, shared by its subscription-scoped and
//! management-group-scoped resources (same properties, different parents).

use serde_json::{Value as Json, json};

use super::connection_wait::connection_state;
use super::reconcile::{id_from_arm, json_str, text_from_arm, text_to_arm};

/// What a connection body says, reconciled with the prior values.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionFields {
    pub network_manager_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: String,
}

pub fn to_arm_body(network_manager_id: Option<&str>, description: Option<&str>) -> Json {
    json!({
        "properties": {
            "networkManagerId": network_manager_id.unwrap_or_default(),
            "description": text_to_arm(description),
        }
    })
}

pub fn from_arm_body(
    body: &Json,
    prior_network_manager_id: Option<&str>,
    prior_description: Option<&str>,
) -> ConnectionFields {
    ConnectionFields {
        network_manager_id: json_str(body, "/properties/networkManagerId")
            .map(|arm| id_from_arm(arm, prior_network_manager_id))
            .or_else(|| prior_network_manager_id.map(str::to_string)),
        description: text_from_arm(json_str(body, "/properties/description"), prior_description),
        connection_state: connection_state(body).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NM: &str = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm";

    #[test]
    fn round_trip_keeps_spelling_and_clears_description() {
        let body = to_arm_body(Some(NM), None);
        assert_eq!(body["properties"]["description"], "");
        let arm = json!({"properties": {"networkManagerId": NM.to_lowercase(), "description": "",
                                         "connectionState": "Connected"}});
        let fields = from_arm_body(&arm, Some(NM), None);
        assert_eq!(fields.network_manager_id.as_deref(), Some(NM));
        assert_eq!(fields.description, None);
        assert_eq!(fields.connection_state, "Connected");
    }

    #[test]
    fn import_reads_everything_from_arm() {
        let arm = json!({"properties": {"networkManagerId": NM, "description": "d"}});
        let fields = from_arm_body(&arm, None, None);
        assert_eq!(fields.network_manager_id.as_deref(), Some(NM));
        assert_eq!(fields.description.as_deref(), Some("d"));
        assert_eq!(fields.connection_state, "Pending");
    }
}
