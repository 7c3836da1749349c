//! cty's JSON type syntax, both ways: `"string"`, `["list","string"]`,
//! `["object",{"a":"bool"},["a"]]`, `["tuple",["string","number"]]`, `"dynamic"`.
//!
//! Terraform uses it for `Schema.Attribute.type` and inside msgpack `dynamic` values.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use super::Type;

/// JSON that is not a cty type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TypeJsonError(String);

/// Parses type JSON bytes. serde_json limits nesting to 128 levels, which bounds recursion.
pub fn parse(bytes: &[u8]) -> Result<Type, TypeJsonError> {
    let json: Json = serde_json::from_slice(bytes).map_err(|e| TypeJsonError(e.to_string()))?;
    from_json(&json)
}

/// Interprets an already parsed JSON value as a type.
pub fn from_json(json: &Json) -> Result<Type, TypeJsonError> {
    let err = |msg: &str| Err(TypeJsonError(format!("{msg}, found {json}")));
    match json {
        Json::String(name) => match name.as_str() {
            "string" => Ok(Type::String),
            "number" => Ok(Type::Number),
            "bool" => Ok(Type::Bool),
            "dynamic" => Ok(Type::Dynamic),
            _ => err("unknown primitive type"),
        },
        Json::Array(parts) => {
            let Some(Json::String(kind)) = parts.first() else {
                return err("a type kind string is required as the first element");
            };
            match (kind.as_str(), &parts[1..]) {
                ("list", [element]) => Ok(Type::list(from_json(element)?)),
                ("set", [element]) => Ok(Type::set(from_json(element)?)),
                ("map", [element]) => Ok(Type::map(from_json(element)?)),
                ("tuple", [Json::Array(elements)]) => Ok(Type::Tuple(
                    elements.iter().map(from_json).collect::<Result<_, _>>()?,
                )),
                ("object", [Json::Object(attrs)]) => object(attrs, None),
                ("object", [Json::Object(attrs), Json::Array(optional)]) => {
                    object(attrs, Some(optional))
                }
                _ => err("a list, set, map, tuple or object type is required"),
            }
        }
        _ => err("a type name or [kind, argument] array is required"),
    }
}

fn object(
    attrs: &serde_json::Map<String, Json>,
    optional: Option<&Vec<Json>>,
) -> Result<Type, TypeJsonError> {
    let types = attrs
        .iter()
        .map(|(name, ty)| Ok((name.clone(), from_json(ty)?)))
        .collect::<Result<BTreeMap<_, _>, TypeJsonError>>()?;
    let mut optionals = BTreeSet::new();
    for name in optional.into_iter().flatten() {
        match name {
            Json::String(name) if types.contains_key(name) => {
                optionals.insert(name.clone());
            }
            _ => {
                return Err(TypeJsonError(format!(
                    "optional attribute {name} is not an attribute of the object"
                )));
            }
        }
    }
    Ok(Type::Object(types, optionals))
}

/// The JSON form of a type, as cty writes it (object attributes sorted by name, the optional
/// list only when non-empty).
pub fn to_json(ty: &Type) -> Json {
    match ty {
        Type::String => json!("string"),
        Type::Number => json!("number"),
        Type::Bool => json!("bool"),
        Type::Dynamic => json!("dynamic"),
        Type::List(e) => json!(["list", to_json(e)]),
        Type::Set(e) => json!(["set", to_json(e)]),
        Type::Map(e) => json!(["map", to_json(e)]),
        Type::Tuple(elements) => json!(["tuple", elements.iter().map(to_json).collect::<Vec<_>>()]),
        Type::Object(attrs, optional) => {
            let attrs: serde_json::Map<String, Json> =
                attrs.iter().map(|(k, t)| (k.clone(), to_json(t))).collect();
            if optional.is_empty() {
                json!(["object", attrs])
            } else {
                json!(["object", attrs, optional.iter().collect::<Vec<_>>()])
            }
        }
    }
}

/// The compact JSON bytes of a type, e.g. for `Schema.Attribute.type`.
pub fn to_bytes(ty: &Type) -> Vec<u8> {
    to_json(ty).to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> Type {
        let ty = parse(text.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(to_bytes(&ty)).unwrap(), text);
        ty
    }

    #[test]
    fn primitives_and_collections() {
        assert_eq!(round_trip(r#""string""#), Type::String);
        assert_eq!(round_trip(r#""dynamic""#), Type::Dynamic);
        assert_eq!(round_trip(r#"["list","string"]"#), Type::list(Type::String));
        assert_eq!(
            round_trip(r#"["map",["set","number"]]"#),
            Type::map(Type::set(Type::Number))
        );
        assert_eq!(
            round_trip(r#"["tuple",["string","bool"]]"#),
            Type::Tuple(vec![Type::String, Type::Bool])
        );
        assert_eq!(round_trip(r#"["tuple",[]]"#), Type::Tuple(vec![]));
    }

    #[test]
    fn objects_with_optional_attributes() {
        assert_eq!(
            round_trip(r#"["object",{"a":"bool","b":"string"}]"#),
            Type::object([("a", Type::Bool), ("b", Type::String)])
        );
        let ty = round_trip(r#"["object",{"a":"bool","b":"string"},["b"]]"#);
        let Type::Object(_, optional) = ty else {
            panic!("not an object")
        };
        assert!(optional.contains("b"));
        // An empty optional list is accepted and not written back.
        let ty = parse(br#"["object",{"a":"bool"},[]]"#).unwrap();
        assert_eq!(to_bytes(&ty), br#"["object",{"a":"bool"}]"#);
    }

    #[test]
    fn rejects_what_is_not_a_type() {
        for bad in [
            r#""str""#,
            "1",
            "null",
            r#"["list"]"#,
            r#"["list","string","x"]"#,
            r#"["tuple","string"]"#,
            r#"["object",["a"]]"#,
            r#"["object",{"a":"bool"},["b"]]"#,
            r#"["frob","string"]"#,
            "[]",
            "[",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            "{}\"string\"{}",
            "[\"list\",".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(parse(deep.as_bytes()).is_err());
    }
}
