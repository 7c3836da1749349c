//! A scope connection as the two scope connection data sources report it
//! (`avnm_scope_connection` reads one, `avnm_scope_connections` lists them): its computed
//! attributes and how an ARM body fills them.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::attributes;
use crate::arm::id::ScopeId;
use crate::protocol::Attribute;
use crate::resources::connection_wait::connection_state;
use crate::resources::reconcile::json_str;
use crate::value::Type;

/// One scope connection, in the attribute names both data sources use (also the element of
/// `avnm_scope_connections.scope_connections`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeConnectionFields {
    pub id: Option<String>,
    pub name: Option<String>,
    pub tenant_id: Option<String>,
    pub target_scope_id: Option<String>,
    pub description: Option<String>,
    pub connection_state: Option<String>,
}

/// What a scope connection body says. The scope is written with its leading `/` whatever
/// ARM's spelling.
pub fn from_arm_body(body: &Json) -> ScopeConnectionFields {
    let scope = json_str(body, "/properties/resourceId").map(|s| {
        ScopeId::parse(s)
            .map(|id| id.to_string())
            .unwrap_or_else(|_| s.to_string())
    });
    ScopeConnectionFields {
        id: json_str(body, "/id").map(str::to_string),
        name: json_str(body, "/name").map(str::to_string),
        tenant_id: json_str(body, "/properties/tenantId").map(str::to_string),
        target_scope_id: scope,
        description: attributes::description_of(body),
        connection_state: Some(connection_state(body).to_string()),
    }
}

/// The attributes of a scope connection as computed values (`name` and the manager aside).
pub fn computed_attributes() -> Vec<Attribute> {
    vec![
        attributes::id(),
        Attribute::computed("tenant_id", Type::String)
            .description("The tenant of the target scope."),
        Attribute::computed("target_scope_id", Type::String)
            .description("The subscription or management group ID the connection asks to manage."),
        attributes::description(),
        attributes::connection_state(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scope_gets_its_leading_slash() {
        let body = json!({"id": "/x", "name": "sc", "properties": {
            "tenantId": "t", "resourceId": "subscriptions/00000000-0000-0000-0000-000000000002",
            "connectionState": "Connected"}});
        let s = from_arm_body(&body);
        assert_eq!(
            s.target_scope_id.as_deref(),
            Some("/subscriptions/00000000-0000-0000-0000-000000000002")
        );
        assert_eq!(s.connection_state.as_deref(), Some("Connected"));
        assert_eq!(s.name.as_deref(), Some("sc"));
    }
}
