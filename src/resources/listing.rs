//! What the listable resources share for `terraform query`: the `list` block's `config`
//! schema (one parent ID) and turning ARM list items into listed states.
//!
//! A listed state is built exactly as an import of the item's `id` followed by a read would
//! build it, so `terraform query -generate-config-out` writes what a later import and plan
//! agree with.

use serde_json::Value as Json;

use super::reconcile::json_str;
use crate::protocol::{Attribute, Block, Diagnostics, Listed, Schema};

/// The `config` block of a `list` block: the attributes that select what to list.
pub fn config_schema(description: &str, attributes: Vec<Attribute>) -> Schema {
    Schema {
        version: 0,
        block: Block {
            description: description.to_string(),
            attributes,
            blocks: Vec::new(),
            deprecated: false,
        },
    }
}

/// The listed states of ARM list `items`: `imported` turns an item's `id` into the state an
/// import gives, `read` completes it from the item's body as a read would.
pub fn listed<S>(
    type_name: &str,
    items: &[Json],
    imported: impl Fn(&str) -> Result<S, Diagnostics>,
    read: impl Fn(&Json, &S) -> S,
) -> Result<Vec<Listed<S>>, Diagnostics> {
    items
        .iter()
        .map(|item| {
            let id = json_str(item, "/id").ok_or_else(|| {
                Diagnostics::error(
                    format!("Unexpected ARM answer listing {type_name}"),
                    "ARM listed an object without an `id`.",
                )
            })?;
            let display_name = json_str(item, "/name")
                .or_else(|| id.rsplit('/').next())
                .unwrap_or(id)
                .to_string();
            let state = read(item, &imported(id)?);
            Ok(Listed {
                display_name,
                state,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq)]
    struct S {
        id: String,
        description: Option<String>,
    }

    #[test]
    fn items_become_imported_then_read_states() {
        let items = [
            json!({"id": "/x/a", "name": "a", "properties": {"description": "first"}}),
            json!({"id": "/x/b", "properties": {}}),
        ];
        let listed = listed(
            "t",
            &items,
            |id| {
                Ok(S {
                    id: id.to_string(),
                    description: None,
                })
            },
            |item, s| S {
                id: s.id.clone(),
                description: json_str(item, "/properties/description").map(str::to_string),
            },
        )
        .unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].display_name, "a");
        assert_eq!(
            listed[0].state,
            S {
                id: "/x/a".into(),
                description: Some("first".into())
            }
        );
        assert_eq!(
            listed[1].display_name, "b",
            "name falls back to the ID's last segment"
        );
    }

    #[test]
    fn an_item_without_id_is_an_error_and_import_errors_pass_through() {
        let no_id = listed("t", &[json!({"name": "a"})], |_| Ok(()), |_, _| ());
        assert!(no_id.is_err());
        let bad = listed(
            "t",
            &[json!({"id": "/x/a"})],
            |_| Err::<(), _>(Diagnostics::error("bad id", "")),
            |_, _| (),
        );
        assert_eq!(bad.unwrap_err().0[0].summary, "bad id");
    }
}
