//! Conversions between the protocol's protobuf messages and our model: schemas, diagnostics,
//! attribute paths and `DynamicValue`s. Every decoding failure becomes a diagnostic that says
//! what was wrong.

use crate::proto::tfplugin6 as pb;
use crate::value::{AttributePath, PathStep, Type, Value, json, msgpack, type_json};

use super::diagnostics::{Diagnostic, Diagnostics, Severity};
use super::schema::{
    Attribute, AttributeMode, Block, IdentitySchema, NestedBlock, NestingMode, Schema,
};

pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block, schema.version)),
    }
}

pub fn identity_schema_to_proto(schema: &IdentitySchema) -> pb::ResourceIdentitySchema {
    pb::ResourceIdentitySchema {
        version: schema.version,
        identity_attributes: schema
            .attributes
            .iter()
            .map(|a| pb::resource_identity_schema::IdentityAttribute {
                name: a.name.clone(),
                r#type: type_json::to_bytes(&a.ty),
                required_for_import: a.required_for_import,
                optional_for_import: !a.required_for_import,
                description: a.description.clone(),
            })
            .collect(),
    }
}

/// Encodes an identity value of type `ty` (see [`IdentitySchema::value_type`]).
pub fn encode_identity(value: &Value, ty: &Type) -> Result<pb::ResourceIdentityData, Diagnostics> {
    Ok(pb::ResourceIdentityData {
        identity_data: Some(encode_dynamic(value, ty, "resource identity")?),
    })
}

/// Decodes an identity Terraform sent; absent (no identity stored yet) is null.
pub fn decode_identity(
    identity: Option<&pb::ResourceIdentityData>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    decode_dynamic(identity.and_then(|i| i.identity_data.as_ref()), ty, what)
}

fn block_to_proto(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block.blocks.iter().map(nested_block_to_proto).collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Plain as i32,
        deprecated: block.deprecated,
        deprecation_message: String::new(),
    }
}

fn attribute_to_proto(attribute: &Attribute) -> pb::schema::Attribute {
    let (required, optional, computed) = match attribute.mode {
        AttributeMode::Required => (true, false, false),
        AttributeMode::Optional => (false, true, false),
        AttributeMode::Computed => (false, false, true),
        AttributeMode::OptionalComputed => (false, true, true),
    };
    pb::schema::Attribute {
        name: attribute.name.clone(),
        r#type: type_json::to_bytes(&attribute.ty),
        nested_type: None,
        description: attribute.description.clone(),
        required,
        optional,
        computed,
        sensitive: attribute.sensitive,
        description_kind: pb::StringKind::Plain as i32,
        deprecated: attribute.deprecated,
        write_only: false,
        deprecation_message: String::new(),
    }
}

fn nested_block_to_proto(nested: &NestedBlock) -> pb::schema::NestedBlock {
    use pb::schema::nested_block::NestingMode as Pb;
    let nesting = match nested.nesting {
        NestingMode::Single => Pb::Single,
        NestingMode::Group => Pb::Group,
        NestingMode::List => Pb::List,
        NestingMode::Set => Pb::Set,
        NestingMode::Map => Pb::Map,
    };
    pb::schema::NestedBlock {
        type_name: nested.type_name.clone(),
        block: Some(block_to_proto(&nested.block, 0)),
        nesting: nesting as i32,
        min_items: nested.min_items,
        max_items: nested.max_items,
    }
}

pub fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::{Step, step::Selector};
    pb::AttributePath {
        steps: path
            .steps()
            .iter()
            .map(|step| Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::ElementKeyString(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::ElementKeyInt(index) => Selector::ElementKeyInt(*index),
                }),
            })
            .collect(),
    }
}

pub fn diagnostics_to_proto(diagnostics: &Diagnostics) -> Vec<pb::Diagnostic> {
    diagnostics.iter().map(diagnostic_to_proto).collect()
}

fn diagnostic_to_proto(diagnostic: &Diagnostic) -> pb::Diagnostic {
    let severity = match diagnostic.severity {
        Severity::Error => pb::diagnostic::Severity::Error,
        Severity::Warning => pb::diagnostic::Severity::Warning,
    };
    pb::Diagnostic {
        severity: severity as i32,
        summary: diagnostic.summary.clone(),
        detail: diagnostic.detail.clone(),
        // Terraform rejects a diagnostic whose path is empty, so the root has none.
        attribute: diagnostic
            .attribute
            .as_ref()
            .filter(|p| !p.is_root())
            .map(path_to_proto),
    }
}

/// Decodes a `DynamicValue` Terraform sent as `what` (e.g. "configuration") of type `ty`.
/// An absent message is null (Terraform omits, for example, the prior state on create).
pub fn decode_dynamic(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let (decoded, format) = if !value.msgpack.is_empty() {
        (msgpack::decode(&value.msgpack, ty), "msgpack")
    } else if !value.json.is_empty() {
        (json::decode(&value.json, ty), "JSON")
    } else {
        return Err(Diagnostics::error(
            format!("Malformed {what}"),
            format!(
                "Terraform sent the {what} as a DynamicValue with neither msgpack nor JSON content."
            ),
        ));
    };
    decoded.map_err(|e| {
        Diagnostics::error(
            format!("Malformed {what}"),
            format!(
                "The {what} Terraform sent is not a valid {format} value of the schema's type: {e}. \
                 This usually means Terraform and the provider disagree about the schema; \
                 run `terraform init -upgrade` or report the issue."
            ),
        )
    })
}

/// Encodes a value we send back to Terraform. A failure is a provider bug (the value does not
/// fit our own schema).
pub fn encode_dynamic(
    value: &Value,
    ty: &Type,
    what: &str,
) -> Result<pb::DynamicValue, Diagnostics> {
    msgpack::encode(value, ty)
        .map(|bytes| pb::DynamicValue {
            msgpack: bytes,
            json: Vec::new(),
        })
        .map_err(|e| {
            Diagnostics::error(
                format!("Provider bug: cannot encode the {what}"),
                format!("The {what} does not fit the provider's own schema: {e}. Please report this to the provider's developers."),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{Attribute, NestedBlock};

    #[test]
    fn schema_carries_modes_types_and_nesting() {
        let schema = Schema {
            version: 2,
            block: Block {
                attributes: vec![
                    Attribute::required("name", Type::String),
                    Attribute::optional_computed("tags", Type::map(Type::String)).sensitive(),
                ],
                blocks: vec![NestedBlock {
                    type_name: "scope".into(),
                    nesting: NestingMode::Set,
                    block: Block::default(),
                    min_items: 1,
                    max_items: 0,
                    requires_replace: false,
                }],
                ..Block::default()
            },
        };
        let proto = schema_to_proto(&schema);
        assert_eq!(proto.version, 2);
        let block = proto.block.unwrap();
        assert_eq!(block.version, 2);
        let name = &block.attributes[0];
        assert!(name.required && !name.optional && !name.computed);
        assert_eq!(name.r#type, b"\"string\"");
        let tags = &block.attributes[1];
        assert!(!tags.required && tags.optional && tags.computed && tags.sensitive);
        assert_eq!(tags.r#type, b"[\"map\",\"string\"]");
        let scope = &block.block_types[0];
        assert_eq!(
            scope.nesting,
            pb::schema::nested_block::NestingMode::Set as i32
        );
        assert_eq!(scope.min_items, 1);
    }

    #[test]
    fn diagnostics_carry_paths_except_the_root() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(
            Diagnostic::error("bad", "worse")
                .at(AttributePath::attr("rule").join_index(2).join_key("k")),
        );
        diagnostics.push(Diagnostic::warning("meh", "").at(AttributePath::root()));
        let proto = diagnostics_to_proto(&diagnostics);
        assert_eq!(proto[0].severity, pb::diagnostic::Severity::Error as i32);
        assert_eq!(proto[0].attribute.as_ref().unwrap().steps.len(), 3);
        assert_eq!(proto[1].severity, pb::diagnostic::Severity::Warning as i32);
        assert!(proto[1].attribute.is_none());
    }

    #[test]
    fn malformed_dynamic_values_become_diagnostics() {
        let ty = Type::object([("name", Type::String)]);
        let garbage = pb::DynamicValue {
            msgpack: vec![0x81, 0xa4, b'n'],
            json: vec![],
        };
        let err = decode_dynamic(Some(&garbage), &ty, "configuration").unwrap_err();
        assert_eq!(err.0[0].summary, "Malformed configuration");
        assert!(err.0[0].detail.contains("msgpack"), "{}", err.0[0].detail);
        let empty = pb::DynamicValue::default();
        assert!(decode_dynamic(Some(&empty), &ty, "configuration").is_err());
        assert_eq!(
            decode_dynamic(None, &ty, "prior state").unwrap(),
            Value::Null
        );
    }

    #[test]
    fn values_round_trip_through_dynamic_values() {
        let ty = Type::object([("name", Type::String)]);
        let value = Value::Object([("name".to_string(), Value::string("x"))].into());
        let encoded = encode_dynamic(&value, &ty, "state").unwrap();
        assert_eq!(decode_dynamic(Some(&encoded), &ty, "state").unwrap(), value);
    }
}
