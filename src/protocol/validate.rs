//! Runs the schema's attribute validators over a configuration, with precise paths.
//!
//! Terraform itself checks required/optional/computed and block counts against the schema we
//! return; what it cannot know are the value rules (ID shapes, enums, durations). Validators
//! see only known, non-null values: an unknown is checked again when it becomes known.

use super::diagnostics::{Diagnostic, Diagnostics};
use super::schema::{Block, NestingMode};
use crate::value::{AttributePath, Value};

pub fn validate_block(block: &Block, value: &Value, path: &AttributePath) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let Value::Object(attrs) = value else {
        return diagnostics;
    };
    for attribute in &block.attributes {
        let Some(v) = attrs.get(&attribute.name) else {
            continue;
        };
        if v.is_null() || !v.is_wholly_known() {
            continue;
        }
        let at = path.join_attr(&attribute.name);
        for validator in &attribute.validators {
            if let Err(message) = (validator.check)(v) {
                diagnostics.push(
                    Diagnostic::error("Invalid attribute value", format!("{at}: {message}"))
                        .at(at.clone()),
                );
            }
        }
    }
    for nested in &block.blocks {
        let Some(v) = attrs.get(&nested.type_name) else {
            continue;
        };
        let at = path.join_attr(&nested.type_name);
        match (nested.nesting, v) {
            (NestingMode::List, Value::List(items)) => {
                for (i, item) in items.iter().enumerate() {
                    diagnostics.extend(validate_block(
                        &nested.block,
                        item,
                        &at.join_index(i as i64),
                    ));
                }
            }
            // Set elements have no path step of their own; the block's path is the closest.
            (NestingMode::Set, Value::Set(items)) => {
                for item in items {
                    diagnostics.extend(validate_block(&nested.block, item, &at));
                }
            }
            (NestingMode::Map, Value::Map(items)) => {
                for (k, item) in items {
                    diagnostics.extend(validate_block(&nested.block, item, &at.join_key(k)));
                }
            }
            (_, Value::Object(_)) => diagnostics.extend(validate_block(&nested.block, v, &at)),
            _ => {}
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{Attribute, NestedBlock, Validator};
    use crate::value::Type;

    fn block() -> Block {
        Block {
            attributes: vec![
                Attribute::optional("access", Type::String)
                    .validate(Validator::one_of(&["Allow", "Deny"])),
            ],
            blocks: vec![NestedBlock {
                type_name: "rule".into(),
                nesting: NestingMode::List,
                block: Block {
                    attributes: vec![
                        Attribute::optional("access", Type::String)
                            .validate(Validator::one_of(&["Allow", "Deny"])),
                    ],
                    ..Block::default()
                },
                min_items: 0,
                max_items: 0,
                requires_replace: false,
            }],
            ..Block::default()
        }
    }

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    #[test]
    fn reports_invalid_values_with_their_paths() {
        let config = obj(vec![
            ("access", Value::string("Maybe")),
            (
                "rule",
                Value::List(vec![
                    obj(vec![("access", Value::string("Allow"))]),
                    obj(vec![("access", Value::string("Never"))]),
                ]),
            ),
        ]);
        let diagnostics = validate_block(&block(), &config, &AttributePath::root());
        let paths: Vec<_> = diagnostics
            .iter()
            .map(|d| d.attribute.clone().unwrap())
            .collect();
        assert_eq!(
            paths,
            vec![
                AttributePath::attr("access"),
                AttributePath::attr("rule")
                    .join_index(1)
                    .join_attr("access")
            ]
        );
        assert!(
            diagnostics
                .iter()
                .all(|d| d.detail.contains("must be one of: Allow, Deny"))
        );
    }

    #[test]
    fn skips_unknown_and_null_values() {
        let config = obj(vec![
            ("access", Value::unknown()),
            (
                "rule",
                Value::List(vec![obj(vec![("access", Value::Null)])]),
            ),
        ]);
        assert!(validate_block(&block(), &config, &AttributePath::root()).is_empty());
    }
}
