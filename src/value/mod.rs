//! cty values: the data model Terraform exchanges with providers, and its wire codecs.
//!
//! `Type` and `Value` mirror go-cty. Terraform sends values as msgpack `DynamicValue`s
//! (JSON only for raw state); `msgpack` and `json` decode them *against a type*, because the
//! wire format alone cannot tell a list from a set or an object from a map. Decoding never
//! panics: every byte Terraform sends can be wrong.
//!
//! Resources do not work on `Value` directly: `typed` converts between values and serde
//! state structs (unknown → `None`), so a resource file reads like plain Rust.

mod number;
mod path;

pub use number::Number;
pub use path::{AttributePath, PathStep};

use std::collections::{BTreeMap, BTreeSet};

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
