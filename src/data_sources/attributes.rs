//! The computed attributes that mean the same thing in every data source that has them, with
//! how their value is read from an ARM body where that is shared too.

use serde_json::Value as Json;

use crate::protocol::Attribute;
use crate::resources::reconcile::json_str;
use crate::value::Type;

/// `id`: the ARM resource ID of the object read.
pub fn id() -> Attribute {
    Attribute::computed("id", Type::String).description("The ARM resource ID.")
}

/// `description`: never null, so that a check can compare it with `""`; see [`description_of`].
pub fn description() -> Attribute {
    Attribute::computed("description", Type::String)
        .description("The description (empty when none).")
}

/// The `description` value of an ARM body: `""` when ARM has none.
pub fn description_of(body: &Json) -> Option<String> {
    Some(
        json_str(body, "/properties/description")
            .unwrap_or_default()
            .to_string(),
    )
}

/// `connection_state` of a connection (either tenant's half), as ARM reports it at read time.
pub fn connection_state() -> Attribute {
    Attribute::computed("connection_state", Type::String).description(
        "`Pending`, `Connected`, `Conflict`, `Revoked` or `Rejected`, as ARM reports it now.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_description_reads_as_empty() {
        assert_eq!(
            description_of(&json!({"properties": {}})).as_deref(),
            Some("")
        );
        assert_eq!(
            description_of(&json!({"properties": {"description": "d"}})).as_deref(),
            Some("d")
        );
    }
}
