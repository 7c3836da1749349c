//! Errors of the value codecs: what was wrong, and where in the value.

use std::fmt;

use super::{AttributePath, Type};

/// Bytes that are not a valid encoding of a value of the expected type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{kind}", At(path))]
pub struct DecodeError {
    pub path: AttributePath,
    pub kind: DecodeErrorKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeErrorKind {
    #[error("unexpected end of input")]
    UnexpectedEnd,
    #[error("{} unexpected byte(s) after the value", .0)]
    TrailingBytes(usize),
    #[error("{expected} is required, found {found}")]
    Expected {
        expected: String,
        found: &'static str,
    },
    #[error("attribute {0:?} is required")]
    MissingAttribute(String),
    #[error("unsupported attribute {0:?}")]
    UnsupportedAttribute(String),
    #[error("key {0:?} appears more than once")]
    DuplicateKey(String),
    #[error("a tuple of {expected} elements is required, found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    #[error("invalid number: {0}")]
    InvalidNumber(String),
    #[error("invalid type constraint: {0}")]
    InvalidType(String),
    #[error("invalid unknown value refinement: {0}")]
    InvalidRefinement(String),
    #[error("invalid JSON: {0}")]
    Syntax(String),
    #[error("value is nested more than {0} levels deep")]
    TooDeep(usize),
}

impl DecodeError {
    pub fn new(path: &AttributePath, kind: DecodeErrorKind) -> Self {
        DecodeError {
            path: path.clone(),
            kind,
        }
    }
}

/// A value that does not fit the type it is to be encoded as.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{kind}", At(path))]
pub struct EncodeError {
    pub path: AttributePath,
    pub kind: EncodeErrorKind,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EncodeErrorKind {
    #[error("a value of type {expected} is required, found {found}")]
    TypeMismatch {
        expected: String,
        found: &'static str,
    },
    #[error("attribute {0:?} is missing from the object value")]
    MissingAttribute(String),
    #[error("attribute {0:?} is not part of the object type")]
    UnsupportedAttribute(String),
    #[error("a tuple of {expected} elements is required, found {found}")]
    TupleLength { expected: usize, found: usize },
    #[error("unknown values cannot be encoded in this format")]
    Unknown,
    #[error("number {0} cannot be represented exactly in JSON without arbitrary precision")]
    NumberNotRepresentable(String),
    #[error("a collection of {0} elements is too large to encode")]
    TooLarge(usize),
}

impl EncodeError {
    pub fn new(path: &AttributePath, kind: EncodeErrorKind) -> Self {
        EncodeError {
            path: path.clone(),
            kind,
        }
    }
    pub(crate) fn mismatch(path: &AttributePath, ty: &Type, found: &super::Value) -> Self {
        Self::new(
            path,
            EncodeErrorKind::TypeMismatch {
                expected: ty.to_string(),
                found: found.kind_name(),
            },
        )
    }
}

/// Prefixes a message with its path, `at scope[0].name: `, or nothing at the root.
struct At<'a>(&'a AttributePath);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_root() {
            Ok(())
        } else {
            write!(f, "at {}: ", self.0)
        }
    }
}
