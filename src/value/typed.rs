//! The bridge between cty values and the serde state structs resources are written with.
//!
//! `to_state` reads a value into a struct (unknown becomes `None`, because a resource never
//! acts on a value it does not know yet); `from_state` turns a struct back into a value of the
//! schema's type. Both go through `serde_json::Value`, the lingua franca of serde derives.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::{AttributePath, Number, PathStep, Type, Value};

/// A value and a state struct that do not fit each other.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", if path.is_root() { String::new() } else { format!("at {path}: ") })]
pub struct TypedError {
    pub path: AttributePath,
    pub message: String,
}

impl TypedError {
    fn new(path: &[PathStep], message: impl Into<String>) -> Self {
        TypedError {
            path: AttributePath::from_steps(path.to_vec()),
            message: message.into(),
        }
    }
}

/// Reads `value` into the state struct `S`. Unknown and null become JSON null (so `Option`
/// fields get `None`), collections arrays, maps and objects JSON objects.
pub fn to_state<S: DeserializeOwned>(value: &Value) -> Result<S, TypedError> {
    let mut path = Vec::new();
    let json = to_json(value, &mut path)?;
    serde_path_to_error::deserialize(json).map_err(|e| {
        let path = attribute_path(value, e.path());
        TypedError {
            path,
            message: e.into_inner().to_string(),
        }
    })
}

/// Converts a state struct into a value of type `ty`: absent attributes become null, JSON null
/// becomes `Value::Null`, set elements keep their order without exact duplicates. A field the
/// type does not have is an error (a mismatch between a struct and its schema).
pub fn from_state<S: Serialize>(state: &S, ty: &Type) -> Result<Value, TypedError> {
    let json = serde_json::to_value(state).map_err(|e| TypedError::new(&[], e.to_string()))?;
    let mut path = Vec::new();
    shape(json, ty, &mut path)
}

fn to_json(value: &Value, path: &mut Vec<PathStep>) -> Result<Json, TypedError> {
    Ok(match value {
        Value::Null | Value::Unknown(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Number(n) => Json::Number(json_number(n).ok_or_else(|| {
            TypedError::new(
                path,
                format!("number {n} is out of range for a 64-bit float"),
            )
        })?),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(to_json(item, path)?);
                path.pop();
            }
            Json::Array(out)
        }
        Value::Map(entries) | Value::Object(entries) => {
            let attribute = matches!(value, Value::Object(_));
            let mut out = serde_json::Map::new();
            for (key, item) in entries {
                path.push(if attribute {
                    PathStep::Attribute(key.clone())
                } else {
                    PathStep::ElementKeyString(key.clone())
                });
                out.insert(key.clone(), to_json(item, path)?);
                path.pop();
            }
            Json::Object(out)
        }
        Value::Dynamic(_, inner) => to_json(inner, path)?,
    })
}

/// The JSON number nearest to `n`: exact for integers in int64/uint64 range.
pub(crate) fn json_number(n: &Number) -> Option<serde_json::Number> {
    if let Some(i) = n.as_i64() {
        Some(i.into())
    } else if let Some(u) = n.as_u64() {
        Some(u.into())
    } else {
        serde_json::Number::from_f64(n.as_f64())
    }
}

/// The number a JSON number stands for (serde_json without arbitrary precision holds int64,
/// uint64 or a finite float64).
pub(crate) fn number_from_json(n: &serde_json::Number) -> Option<Number> {
    if let Some(i) = n.as_i64() {
        Some(Number::from_i64(i))
    } else if let Some(u) = n.as_u64() {
        Some(Number::from_u64(u))
    } else {
        n.as_f64().and_then(Number::from_f64)
    }
}

/// Turns serde_path_to_error's path into an attribute path, telling object attributes from
/// map keys by looking at the value.
fn attribute_path(value: &Value, path: &serde_path_to_error::Path) -> AttributePath {
    use serde_path_to_error::Segment;
    let mut steps = Vec::new();
    let mut current = Some(value);
    for segment in path.iter() {
        while let Some(Value::Dynamic(_, inner)) = current {
            current = Some(inner);
        }
        match segment {
            Segment::Seq { index } => {
                steps.push(PathStep::ElementKeyInt(*index as i64));
                current = match current {
                    Some(Value::List(l) | Value::Set(l) | Value::Tuple(l)) => l.get(*index),
                    _ => None,
                };
            }
            Segment::Map { key } => {
                steps.push(match current {
                    Some(Value::Map(_)) => PathStep::ElementKeyString(key.clone()),
                    _ => PathStep::Attribute(key.clone()),
                });
                current = match current {
                    Some(Value::Map(m) | Value::Object(m)) => m.get(key),
                    _ => None,
                };
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    AttributePath::from_steps(steps)
}

fn mismatch(path: &[PathStep], ty: &Type, json: &Json) -> TypedError {
    let found = match json {
        Json::Null => "null",
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    };
    TypedError::new(
        path,
        format!("a value of type {ty} is required, found {found}"),
    )
}

fn shape(json: Json, ty: &Type, path: &mut Vec<PathStep>) -> Result<Value, TypedError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    match (ty, json) {
        (Type::Bool, Json::Bool(b)) => Ok(Value::Bool(b)),
        (Type::String, Json::String(s)) => Ok(Value::String(s)),
        (Type::Number, Json::Number(n)) => number_from_json(&n)
            .map(Value::Number)
            .ok_or_else(|| TypedError::new(path, format!("{n} is not a finite number"))),
        (Type::List(element), Json::Array(items)) => {
            elements(items, element, path).map(Value::List)
        }
        (Type::Set(element), Json::Array(items)) => {
            let mut unique: Vec<Value> = Vec::new();
            for item in elements(items, element, path)? {
                if !unique.iter().any(|u| u.semantically_equal(&item)) {
                    unique.push(item);
                }
            }
            Ok(Value::Set(unique))
        }
        (Type::Tuple(types), Json::Array(items)) => {
            if items.len() != types.len() {
                return Err(TypedError::new(
                    path,
                    format!(
                        "a tuple of {} elements is required, found {}",
                        types.len(),
                        items.len()
                    ),
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, ty)) in items.into_iter().zip(types).enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(shape(item, ty, path)?);
                path.pop();
            }
            Ok(Value::Tuple(out))
        }
        (Type::Map(element), Json::Object(entries)) => {
            let mut out = BTreeMap::new();
            for (key, item) in entries {
                path.push(PathStep::ElementKeyString(key.clone()));
                out.insert(key, shape(item, element, path)?);
                path.pop();
            }
            Ok(Value::Map(out))
        }
        (Type::Object(attrs, _), Json::Object(mut fields)) => {
            let mut out = BTreeMap::new();
            for (name, attr_ty) in attrs {
                path.push(PathStep::Attribute(name.clone()));
                let value = match fields.remove(name) {
                    Some(field) => shape(field, attr_ty, path)?,
                    None => Value::Null,
                };
                path.pop();
                out.insert(name.clone(), value);
            }
            if let Some(extra) = fields.keys().next() {
                return Err(TypedError::new(
                    path,
                    format!("field {extra:?} is not an attribute of the schema"),
                ));
            }
            Ok(Value::Object(out))
        }
        (Type::Dynamic, json) => {
            let (ty, value) = implied(json);
            Ok(Value::Dynamic(ty, Box::new(value)))
        }
        (ty, json) => Err(mismatch(path, ty, &json)),
    }
}

fn elements(
    items: Vec<Json>,
    element: &Type,
    path: &mut Vec<PathStep>,
) -> Result<Vec<Value>, TypedError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        path.push(PathStep::ElementKeyInt(i as i64));
        out.push(shape(item, element, path)?);
        path.pop();
    }
    Ok(out)
}

/// The type and value cty's JSON decoder would infer for a `dynamic` attribute: arrays are
/// tuples, objects are objects, null is a null of unknown type.
fn implied(json: Json) -> (Type, Value) {
    match json {
        Json::Null => (Type::Dynamic, Value::Null),
        Json::Bool(b) => (Type::Bool, Value::Bool(b)),
        Json::String(s) => (Type::String, Value::String(s)),
        Json::Number(n) => match number_from_json(&n) {
            Some(n) => (Type::Number, Value::Number(n)),
            None => (Type::Number, Value::Null),
        },
        Json::Array(items) => {
            let (types, values) = items.into_iter().map(implied).unzip();
            (Type::Tuple(types), Value::Tuple(values))
        }
        Json::Object(fields) => {
            let mut types = BTreeMap::new();
            let mut values = BTreeMap::new();
            for (name, field) in fields {
                let (ty, value) = implied(field);
                types.insert(name.clone(), ty);
                values.insert(name, value);
            }
            (Type::object(types), Value::Object(values))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Scope {
        subscription_ids: Vec<String>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct State {
        id: Option<String>,
        name: String,
        count: Option<i64>,
        ratio: Option<f64>,
        enabled: bool,
        tags: Option<BTreeMap<String, String>>,
        scope: Vec<Scope>,
    }

    fn ty() -> Type {
        Type::object([
            ("id", Type::String),
            ("name", Type::String),
            ("count", Type::Number),
            ("ratio", Type::Number),
            ("enabled", Type::Bool),
            ("tags", Type::map(Type::String)),
            (
                "scope",
                Type::list(Type::object([(
                    "subscription_ids",
                    Type::set(Type::String),
                )])),
            ),
        ])
    }

    fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
        Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    #[test]
    fn unknown_and_null_read_as_none() {
        let value = obj([
            ("id", Value::unknown()),
            ("name", Value::string("n")),
            ("count", Value::Null),
            ("ratio", Value::Number(Number::from_f64(0.5).unwrap())),
            ("enabled", Value::Bool(true)),
            ("tags", Value::Null),
            (
                "scope",
                Value::List(vec![obj([(
                    "subscription_ids",
                    Value::Set(vec![Value::string("a"), Value::string("b")]),
                )])]),
            ),
        ]);
        let state: State = to_state(&value).unwrap();
        assert_eq!(state.id, None);
        assert_eq!(state.count, None);
        assert_eq!(state.ratio, Some(0.5));
        assert_eq!(state.scope[0].subscription_ids, ["a", "b"]);
    }

    #[test]
    fn mismatch_names_the_attribute_path() {
        let value = obj([
            ("name", Value::string("n")),
            ("enabled", Value::Bool(true)),
            (
                "scope",
                Value::List(vec![obj([(
                    "subscription_ids",
                    Value::Set(vec![Value::Number(Number::from_i64(1))]),
                )])]),
            ),
        ]);
        let err = to_state::<State>(&value).unwrap_err();
        assert_eq!(err.path.to_string(), "scope[0].subscription_ids[0]");
        assert!(err.message.contains("expected a string"), "{err}");
        let missing = to_state::<State>(&obj([("name", Value::string("n"))])).unwrap_err();
        assert!(missing.message.contains("enabled"), "{missing}");
    }

    #[test]
    fn from_state_shapes_by_type() {
        let state = State {
            id: None,
            name: "n".into(),
            count: Some(3),
            ratio: None,
            enabled: false,
            tags: Some(BTreeMap::from([("k".to_string(), "v".to_string())])),
            scope: vec![Scope {
                subscription_ids: vec!["a".into(), "b".into(), "a".into()],
            }],
        };
        let value = from_state(&state, &ty()).unwrap();
        assert_eq!(value.get_attr("id"), Some(&Value::Null));
        assert_eq!(
            value.get_attr("count"),
            Some(&Value::Number(Number::from_i64(3)))
        );
        assert!(matches!(value.get_attr("tags"), Some(Value::Map(_))));
        let ids = value
            .at_path(
                &AttributePath::attr("scope")
                    .join_index(0)
                    .join_attr("subscription_ids"),
            )
            .unwrap();
        assert_eq!(
            ids,
            &Value::Set(vec![Value::string("a"), Value::string("b")])
        );
        // And back again.
        let back: State = to_state(&value).unwrap();
        assert_eq!(back.scope[0].subscription_ids, ["a", "b"]);
        assert_eq!(back.tags, state.tags);
    }

    #[test]
    fn missing_fields_are_null_and_extra_fields_are_errors() {
        #[derive(Serialize)]
        struct Partial {
            name: &'static str,
        }
        let value = from_state(&Partial { name: "n" }, &ty()).unwrap();
        assert_eq!(value.get_attr("enabled"), Some(&Value::Null));

        #[derive(Serialize)]
        struct Extra {
            name: &'static str,
            colour: &'static str,
        }
        let err = from_state(
            &Extra {
                name: "n",
                colour: "red",
            },
            &ty(),
        )
        .unwrap_err();
        assert!(err.message.contains("colour"), "{err}");

        #[derive(Serialize)]
        struct WrongType {
            name: u8,
        }
        let err = from_state(&WrongType { name: 1 }, &ty()).unwrap_err();
        assert_eq!(err.path, AttributePath::attr("name"));
    }

    #[test]
    fn dynamic_attributes_get_their_implied_type() {
        let value = from_state(&serde_json::json!({"a": [1, "x"]}), &Type::Dynamic).unwrap();
        let Value::Dynamic(ty, _) = &value else {
            panic!("{value:?}")
        };
        assert_eq!(
            *ty,
            Type::object([("a", Type::Tuple(vec![Type::Number, Type::String]))])
        );
    }
}
