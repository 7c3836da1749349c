//! cty values: the data model Terraform exchanges with providers, and its wire codecs.
//!
//! `Type` and `Value` mirror go-cty. Terraform sends values as msgpack `DynamicValue`s
//! (JSON only for raw state); `msgpack` and `json` decode them *against a type*, because the
//! wire format alone cannot tell a list from a set or an object from a map. Decoding never
//! panics: every byte Terraform sends can be wrong.
//!
//! Resources do not work on `Value` directly: `typed` converts between values and serde
//! state structs (unknown → `None`), so a resource file reads like plain Rust.
//!
//! `type_json` is cty's JSON type syntax (schemas, `dynamic` values); `Number` keeps
//! Terraform's arbitrary-precision numbers exact.

mod error;
pub mod json;
pub mod msgpack;
mod number;
mod path;
pub mod type_json;
pub mod typed;

pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use number::{Number, NumberError};
pub use path::{AttributePath, PathStep};

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A cty type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    /// `dynamic`: the concrete type travels with the value.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    /// Attribute types, and the names of attributes declared optional (type constraints only).
    Object(BTreeMap<String, Type>, BTreeSet<String>),
    Tuple(Vec<Type>),
}

impl Type {
    /// An object type without optional attributes.
    pub fn object<I, K>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(
            attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            BTreeSet::new(),
        )
    }
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }
}

impl fmt::Display for Type {
    /// Terraform's type constraint syntax: `list(object({name=string}))`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::Dynamic => f.write_str("any"),
            Type::List(e) => write!(f, "list({e})"),
            Type::Set(e) => write!(f, "set({e})"),
            Type::Map(e) => write!(f, "map({e})"),
            Type::Tuple(elements) => {
                f.write_str("tuple([")?;
                for (i, e) in elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("])")
            }
            Type::Object(attrs, optional) => {
                f.write_str("object({")?;
                for (i, (name, ty)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if optional.contains(name) {
                        write!(f, "{name}=optional({ty})")?;
                    } else {
                        write!(f, "{name}={ty}")?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

/// Refinements Terraform may attach to an unknown value (msgpack extension 12).
/// Kept so that a provider echoing an unknown back does not lose what Terraform knew.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refinements {
    /// `Some(false)`: the value will not be null.
    pub nullable: Option<bool>,
    pub string_prefix: Option<String>,
    /// `(bound, inclusive)`
    pub number_lower: Option<(Number, bool)>,
    pub number_upper: Option<(Number, bool)>,
    pub length_lower: Option<u64>,
    pub length_upper: Option<u64>,
}

impl Refinements {
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }
}

/// A cty value. Collections hold their elements already decoded against the element type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Unknown(Refinements),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in wire order; equality of sets is by content (see `Value::semantically_equal`).
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value of a `dynamic` attribute, with the concrete type it was sent with.
    Dynamic(Type, Box<Value>),
}

impl Value {
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }
    /// What kind of value this is, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "unknown value",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
            Value::Dynamic(..) => "dynamic value",
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// True when this value itself is unknown (not when it merely contains an unknown).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }
    /// True when no unknown appears anywhere inside this value.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => {
                v.iter().all(Value::is_wholly_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_wholly_known),
            Value::Dynamic(_, v) => v.is_wholly_known(),
            _ => true,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// Attribute `name` of an object value; `None` for anything else or a missing attribute.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(name),
            _ => None,
        }
    }
    /// Equality as Terraform means it: sets compare as unordered collections, numbers by
    /// value, unknowns equal each other whatever their refinements.
    pub fn semantically_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Unknown(_), Value::Unknown(_)) => true,
            (Value::Set(a), Value::Set(b)) => {
                // Quadratic, but sets in provider schemas are small and elements need not be
                // orderable. Each element of `a` claims a distinct equal element of `b`.
                a.len() == b.len() && {
                    let mut claimed = vec![false; b.len()];
                    a.iter().all(|x| {
                        let found = b
                            .iter()
                            .enumerate()
                            .find(|(i, y)| !claimed[*i] && x.semantically_equal(y));
                        found.map(|(i, _)| claimed[i] = true).is_some()
                    })
                }
            }
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.semantically_equal(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.semantically_equal(vb))
            }
            (Value::Dynamic(ta, va), Value::Dynamic(tb, vb)) => {
                ta == tb && va.semantically_equal(vb)
            }
            _ => self == other,
        }
    }

    /// Follows `path` from this value; `None` where a step does not exist.
    pub fn at_path(&self, path: &AttributePath) -> Option<&Value> {
        path.steps().iter().try_fold(self, Value::step)
    }

    fn step(&self, step: &PathStep) -> Option<&Value> {
        match (self, step) {
            (Value::Dynamic(_, inner), _) => inner.step(step),
            (Value::Object(m), PathStep::Attribute(a)) => m.get(a),
            (Value::Map(m), PathStep::ElementKeyString(k)) => m.get(k),
            (Value::List(l) | Value::Tuple(l), PathStep::ElementKeyInt(i)) => {
                usize::try_from(*i).ok().and_then(|i| l.get(i))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Value {
        Value::Number(text.parse().unwrap())
    }

    #[test]
    fn sets_compare_unordered_and_numbers_by_value() {
        let a = Value::Set(vec![n("1"), n("2.50"), Value::string("x")]);
        let b = Value::Set(vec![Value::string("x"), n("2.5"), n("1.0")]);
        assert!(a.semantically_equal(&b));
        assert_ne!(a, b);
        // Multiplicity matters: [1, 1, 2] is not [1, 2, 2].
        let c = Value::Set(vec![n("1"), n("1"), n("2")]);
        let d = Value::Set(vec![n("1"), n("2"), n("2")]);
        assert!(!c.semantically_equal(&d));
        // Lists stay ordered.
        let l1 = Value::List(vec![n("1"), n("2")]);
        let l2 = Value::List(vec![n("2"), n("1")]);
        assert!(!l1.semantically_equal(&l2));
        // Nested sets inside objects.
        let obj = |v: Value| Value::Object(BTreeMap::from([("s".to_string(), v)]));
        assert!(obj(a.clone()).semantically_equal(&obj(b)));
        assert!(!obj(a).semantically_equal(&obj(Value::Null)));
        assert!(
            Value::unknown().semantically_equal(&Value::Unknown(Refinements {
                nullable: Some(false),
                ..Refinements::default()
            }))
        );
        assert!(!Value::List(vec![]).semantically_equal(&Value::Null));
    }

    #[test]
    fn types_display_as_terraform_constraints() {
        let ty = Type::Object(
            BTreeMap::from([
                ("a".to_string(), Type::list(Type::String)),
                (
                    "b".to_string(),
                    Type::Tuple(vec![Type::Number, Type::Dynamic]),
                ),
            ]),
            BTreeSet::from(["b".to_string()]),
        );
        assert_eq!(
            ty.to_string(),
            "object({a=list(string), b=optional(tuple([number, any]))})"
        );
    }
}
