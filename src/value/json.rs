//! The JSON encoding of cty values, as found in raw state (UpgradeResourceState,
//! MoveResourceState), decoded against the provider's *current* type.
//!
//! Raw state was written for whatever schema the state was created with, so decoding is
//! forgiving where Terraform and cty are: attributes missing from the JSON are null, attributes
//! the type no longer has are dropped (and reported so the caller can log them), and primitive
//! values convert as cty's JSON decoder converts them (`"5"` is a number, `5` a string).
//!
//! Numbers must stay exact, and serde_json without its crate-wide `arbitrary_precision`
//! feature (which changes number handling for every other user of serde_json in the build)
//! rounds them to f64. So this module carries a small JSON parser of its own that keeps each
//! number's text; it is bounded in depth and never panics.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use super::{AttributePath, Number, PathStep, Type, Value, type_json};

/// Nesting limit for JSON input, as for msgpack.
pub const MAX_DEPTH: usize = 128;

/// A decoded raw state and the attributes that were dropped because the type lacks them.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub value: Value,
    pub dropped: Vec<AttributePath>,
}

/// Decodes JSON of type `ty`, silently dropping attributes the type does not have.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    decode_with_dropped(bytes, ty).map(|decoded| decoded.value)
}

/// Decodes JSON of type `ty`, listing the paths of attributes the type does not have.
pub fn decode_with_dropped(bytes: &[u8], ty: &Type) -> Result<Decoded, DecodeError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| DecodeError::new(&AttributePath::root(), DecodeErrorKind::InvalidUtf8))?;
    let tree = Parser { text, pos: 0 }.document()?;
    let mut shaper = Shaper {
        path: Vec::new(),
        dropped: Vec::new(),
    };
    let value = shaper.value(tree, ty)?;
    Ok(Decoded {
        value,
        dropped: shaper.dropped,
    })
}

/// Encodes a wholly known value of type `ty` as JSON. Numbers that an f64 cannot carry
/// exactly are an error rather than silently rounded.
pub fn encode(value: &Value, ty: &Type) -> Result<Json, EncodeError> {
    encode_at(value, ty, &mut Vec::new())
}

/// Parsed JSON that keeps numbers as their source text.
#[derive(Debug)]
enum Tree<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(String),
    Array(Vec<Tree<'a>>),
    Object(Vec<(String, Tree<'a>)>),
}

impl Tree<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Tree::Null => "null",
            Tree::Bool(_) => "bool",
            Tree::Number(_) => "number",
            Tree::String(_) => "string",
            Tree::Array(_) => "array",
            Tree::Object(_) => "object",
        }
    }

    /// serde_json's view of this tree (used for type JSON, which holds no numbers).
    fn into_serde(self) -> Json {
        match self {
            Tree::Null => Json::Null,
            Tree::Bool(b) => Json::Bool(b),
            Tree::Number(text) => serde_json::from_str(text).unwrap_or(Json::Null),
            Tree::String(s) => Json::String(s),
            Tree::Array(items) => Json::Array(items.into_iter().map(Tree::into_serde).collect()),
            Tree::Object(fields) => Json::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, v.into_serde()))
                    .collect(),
            ),
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl std::fmt::Display) -> DecodeError {
        DecodeError::new(
            &AttributePath::root(),
            DecodeErrorKind::Syntax(format!("{message} at byte {}", self.pos)),
        )
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn document(mut self) -> Result<Tree<'a>, DecodeError> {
        let tree = self.value(0)?;
        self.skip_whitespace();
        match self.text.len() - self.pos {
            0 => Ok(tree),
            n => Err(DecodeError::new(
                &AttributePath::root(),
                DecodeErrorKind::TrailingBytes(n),
            )),
        }
    }

    fn literal(&mut self, word: &str, tree: Tree<'a>) -> Result<Tree<'a>, DecodeError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(tree)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Tree<'a>, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(DecodeError::new(
                &AttributePath::root(),
                DecodeErrorKind::TooDeep(MAX_DEPTH),
            ));
        }
        self.skip_whitespace();
        match self.peek() {
            None => Err(DecodeError::new(
                &AttributePath::root(),
                DecodeErrorKind::UnexpectedEnd,
            )),
            Some(b'n') => self.literal("null", Tree::Null),
            Some(b't') => self.literal("true", Tree::Bool(true)),
            Some(b'f') => self.literal("false", Tree::Bool(false)),
            Some(b'"') => self.string().map(Tree::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_whitespace();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Tree::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Tree::Array(items));
                        }
                        _ => return Err(self.error("expected ',' or ']'")),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                self.skip_whitespace();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Tree::Object(fields));
                }
                loop {
                    self.skip_whitespace();
                    if self.peek() != Some(b'"') {
                        return Err(self.error("expected a property name"));
                    }
                    let key = self.string()?;
                    self.skip_whitespace();
                    if self.peek() != Some(b':') {
                        return Err(self.error("expected ':'"));
                    }
                    self.pos += 1;
                    fields.push((key, self.value(depth + 1)?));
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Tree::Object(fields));
                        }
                        _ => return Err(self.error("expected ',' or '}'")),
                    }
                }
            }
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Validates JSON number syntax and returns its text.
    fn number(&mut self) -> Result<Tree<'a>, DecodeError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(Tree::Number(&self.text[start..self.pos]))
    }

    fn hex4(&mut self) -> Result<u32, DecodeError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.pos += 4;
        u32::from_str_radix(hex, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The run ends at an ASCII byte (or the end), so it is a char boundary.
            out.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escape = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated string"))?;
                    self.pos += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }

    /// `\uXXXX`, combining surrogate pairs; a lone surrogate becomes U+FFFD as in Go.
    fn unicode_escape(&mut self) -> Result<char, DecodeError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.text[self.pos..].starts_with("\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(combined).unwrap_or('\u{FFFD}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }
}

/// Shapes a parsed tree into a value of a type, recording dropped attributes.
struct Shaper {
    path: Vec<PathStep>,
    dropped: Vec<AttributePath>,
}

impl Shaper {
    fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            path: AttributePath::from_steps(self.path.clone()),
            kind,
        }
    }

    fn expected(&self, ty: &Type, tree: &Tree) -> DecodeError {
        self.error(DecodeErrorKind::Expected {
            expected: ty.to_string(),
            found: tree.kind(),
        })
    }

    fn number(&self, text: &str) -> Result<Value, DecodeError> {
        text.parse::<Number>()
            .map(Value::Number)
            .map_err(|e| self.error(DecodeErrorKind::InvalidNumber(e.to_string())))
    }

    fn value(&mut self, tree: Tree, ty: &Type) -> Result<Value, DecodeError> {
        if let Tree::Null = tree {
            return Ok(Value::Null);
        }
        match (ty, tree) {
            (Type::Bool, Tree::Bool(b)) => Ok(Value::Bool(b)),
            (Type::Bool, Tree::String(s)) if s == "true" || s == "false" => {
                Ok(Value::Bool(s == "true"))
            }
            (Type::Number, Tree::Number(text)) => self.number(text),
            (Type::Number, Tree::String(s)) => self.number(&s),
            (Type::String, Tree::String(s)) => Ok(Value::String(s)),
            (Type::String, Tree::Number(text)) => Ok(Value::String(text.to_string())),
            (Type::String, Tree::Bool(b)) => Ok(Value::String(b.to_string())),
            (Type::List(element), Tree::Array(items)) => {
                self.elements(items, element).map(Value::List)
            }
            (Type::Set(element), Tree::Array(items)) => {
                self.elements(items, element).map(Value::Set)
            }
            (Type::Tuple(types), Tree::Array(items)) => {
                if items.len() != types.len() {
                    return Err(self.error(DecodeErrorKind::TupleLength {
                        expected: types.len(),
                        found: items.len(),
                    }));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, (item, ty)) in items.into_iter().zip(types).enumerate() {
                    self.path.push(PathStep::ElementKeyInt(i as i64));
                    out.push(self.value(item, ty)?);
                    self.path.pop();
                }
                Ok(Value::Tuple(out))
            }
            (Type::Map(element), Tree::Object(fields)) => {
                let mut out = BTreeMap::new();
                for (key, item) in fields {
                    self.path.push(PathStep::ElementKeyString(key.clone()));
                    let value = self.value(item, element)?;
                    self.path.pop();
                    out.insert(key, value);
                }
                Ok(Value::Map(out))
            }
            (Type::Object(attrs, _), Tree::Object(fields)) => {
                let mut out = BTreeMap::new();
                for (name, item) in fields {
                    let Some(attr_ty) = attrs.get(&name) else {
                        let mut path = self.path.clone();
                        path.push(PathStep::Attribute(name));
                        self.dropped.push(AttributePath::from_steps(path));
                        continue;
                    };
                    self.path.push(PathStep::Attribute(name.clone()));
                    let value = self.value(item, attr_ty)?;
                    self.path.pop();
                    out.insert(name, value);
                }
                for name in attrs.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
            (Type::Dynamic, tree) => self.dynamic(tree),
            (ty, tree) => Err(self.expected(ty, &tree)),
        }
    }

    fn elements(&mut self, items: Vec<Tree>, element: &Type) -> Result<Vec<Value>, DecodeError> {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            self.path.push(PathStep::ElementKeyInt(i as i64));
            out.push(self.value(item, element)?);
            self.path.pop();
        }
        Ok(out)
    }

    /// cty writes a dynamic value as `{"value": ..., "type": ...}`.
    fn dynamic(&mut self, tree: Tree) -> Result<Value, DecodeError> {
        let expected = || DecodeErrorKind::Expected {
            expected: "{\"value\": ..., \"type\": ...} object of a dynamic value".into(),
            found: "something else",
        };
        let Tree::Object(fields) = tree else {
            return Err(self.error(expected()));
        };
        let (mut value, mut ty) = (None, None);
        for (key, item) in fields {
            match key.as_str() {
                "value" => value = Some(item),
                "type" => ty = Some(item),
                _ => return Err(self.error(expected())),
            }
        }
        let (Some(value), Some(ty)) = (value, ty) else {
            return Err(self.error(expected()));
        };
        let ty = type_json::from_json(&ty.into_serde())
            .map_err(|e| self.error(DecodeErrorKind::InvalidType(e.to_string())))?;
        let value = self.value(value, &ty)?;
        Ok(Value::Dynamic(ty, Box::new(value)))
    }
}

fn encode_at(value: &Value, ty: &Type, path: &mut Vec<PathStep>) -> Result<Json, EncodeError> {
    let error = |path: &Vec<PathStep>, kind| EncodeError {
        path: AttributePath::from_steps(path.clone()),
        kind,
    };
    Ok(match (value, ty) {
        (Value::Unknown(_), _) => return Err(error(path, EncodeErrorKind::Unknown)),
        (Value::Null, _) => Json::Null,
        (Value::Dynamic(inner_ty, inner), Type::Dynamic) => serde_json::json!({
            "value": encode_at(inner, inner_ty, path)?,
            "type": type_json::to_json(inner_ty),
        }),
        (Value::Bool(b), Type::Bool) => Json::Bool(*b),
        (Value::String(s), Type::String) => Json::String(s.clone()),
        (Value::Number(n), Type::Number) => {
            let exact = if let Some(i) = n.as_i64() {
                Some(i.into())
            } else if let Some(u) = n.as_u64() {
                Some(u.into())
            } else {
                n.as_exact_f64().and_then(serde_json::Number::from_f64)
            };
            match exact {
                Some(number) => Json::Number(number),
                None => {
                    let kind = EncodeErrorKind::NumberNotRepresentable(n.to_string());
                    return Err(error(path, kind));
                }
            }
        }
        (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(encode_at(item, element, path)?);
                path.pop();
            }
            Json::Array(out)
        }
        (Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                let kind = EncodeErrorKind::TupleLength {
                    expected: types.len(),
                    found: items.len(),
                };
                return Err(error(path, kind));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                path.push(PathStep::ElementKeyInt(i as i64));
                out.push(encode_at(item, ty, path)?);
                path.pop();
            }
            Json::Array(out)
        }
        (Value::Map(entries), Type::Map(element)) => {
            let mut out = serde_json::Map::new();
            for (key, item) in entries {
                path.push(PathStep::ElementKeyString(key.clone()));
                out.insert(key.clone(), encode_at(item, element, path)?);
                path.pop();
            }
            Json::Object(out)
        }
        (Value::Object(values), Type::Object(attrs, _)) => {
            if let Some(extra) = values.keys().find(|k| !attrs.contains_key(*k)) {
                let kind = EncodeErrorKind::UnsupportedAttribute(extra.clone());
                return Err(error(path, kind));
            }
            let mut out = serde_json::Map::new();
            for (name, attr_ty) in attrs {
                let Some(item) = values.get(name) else {
                    let kind = EncodeErrorKind::MissingAttribute(name.clone());
                    return Err(error(path, kind));
                };
                path.push(PathStep::Attribute(name.clone()));
                out.insert(name.clone(), encode_at(item, attr_ty, path)?);
                path.pop();
            }
            Json::Object(out)
        }
        _ => {
            let at = AttributePath::from_steps(path.clone());
            return Err(EncodeError::mismatch(&at, ty, value));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Value {
        Value::Number(text.parse().unwrap())
    }

    fn state_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("count", Type::Number),
            ("tags", Type::map(Type::String)),
            (
                "scope",
                Type::list(Type::object([("ids", Type::set(Type::String))])),
            ),
        ])
    }

    #[test]
    fn numbers_stay_exact() {
        let text = r#"[12345678901234567890123456789, 0.1, 1e400, -0.000000000000000000000001, 5]"#;
        let ty = Type::list(Type::Number);
        let Value::List(items) = decode(text.as_bytes(), &ty).unwrap() else {
            panic!("not a list")
        };
        assert_eq!(
            items,
            [
                n("12345678901234567890123456789"),
                n("0.1"),
                n("1e400"),
                n("-1e-24"),
                n("5")
            ]
        );
    }

    #[test]
    fn missing_attributes_are_null_and_unknown_ones_are_dropped() {
        let text = br#"{"id": "x", "legacy": {"deep": [1]}, "scope": [{"ids": ["a"], "old": 1}]}"#;
        let decoded = decode_with_dropped(text, &state_type()).unwrap();
        assert_eq!(decoded.value.get_attr("count"), Some(&Value::Null));
        assert_eq!(decoded.value.get_attr("tags"), Some(&Value::Null));
        let dropped: Vec<String> = decoded.dropped.iter().map(ToString::to_string).collect();
        assert_eq!(dropped, ["legacy", "scope[0].old"]);
    }

    #[test]
    fn primitives_convert_as_cty_does() {
        assert_eq!(decode(br#""42""#, &Type::Number).unwrap(), n("42"));
        assert_eq!(decode(b"42", &Type::String).unwrap(), Value::string("42"));
        assert_eq!(
            decode(b"true", &Type::String).unwrap(),
            Value::string("true")
        );
        assert_eq!(
            decode(br#""false""#, &Type::Bool).unwrap(),
            Value::Bool(false)
        );
        assert!(decode(br#""maybe""#, &Type::Bool).is_err());
        assert!(decode(br#""NaN""#, &Type::Number).is_err());
        assert!(decode(b"[1]", &Type::String).is_err());
    }

    #[test]
    fn strings_and_escapes() {
        let text = br#""a\"b\\c\/\n\t\u00e9\ud83d\ude00\ud800x""#;
        assert_eq!(
            decode(text, &Type::String).unwrap(),
            Value::string("a\"b\\c/\n\té😀\u{FFFD}x")
        );
        assert_eq!(
            decode("\"ünï\"".as_bytes(), &Type::String).unwrap(),
            Value::string("ünï")
        );
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let text = br#"{"value": ["a"], "type": ["list", "string"]}"#;
        let value = decode(text, &Type::Dynamic).unwrap();
        let expected = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec![Value::string("a")])),
        );
        assert_eq!(value, expected);
        let json = encode(&expected, &Type::Dynamic).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"value": ["a"], "type": ["list", "string"]})
        );
        assert_eq!(decode(b"null", &Type::Dynamic).unwrap(), Value::Null);
        assert!(decode(br#"["a"]"#, &Type::Dynamic).is_err());
    }

    #[test]
    fn encode_round_trips_known_values() {
        let value = decode(
            br#"{"id":"x","count":1.5,"tags":{"k":"v"},"scope":[{"ids":["a","b"]}]}"#,
            &state_type(),
        )
        .unwrap();
        let json = encode(&value, &state_type()).unwrap();
        let again = decode(json.to_string().as_bytes(), &state_type()).unwrap();
        assert_eq!(again, value);
        assert_eq!(json["count"], serde_json::json!(1.5));
    }

    #[test]
    fn encode_refuses_unknowns_and_inexact_numbers() {
        let err = encode(
            &Value::List(vec![Value::unknown()]),
            &Type::list(Type::String),
        )
        .unwrap_err();
        assert_eq!(err.kind, EncodeErrorKind::Unknown);
        assert_eq!(err.path.to_string(), "[0]");
        assert!(encode(&n("1e400"), &Type::Number).is_err());
        assert_eq!(
            encode(&n("18446744073709551615"), &Type::Number).unwrap(),
            serde_json::json!(u64::MAX)
        );
    }

    #[test]
    fn syntax_errors_and_limits() {
        for bad in [
            "",
            "{",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            "1e",
            "\"\\x\"",
            "\"a",
            "nul",
            "\"\u{1}\"",
            "[] []",
            "+1",
            ".5",
            "{\"a\":1,}",
        ] {
            assert!(decode(bad.as_bytes(), &Type::Dynamic).is_err(), "{bad:?}");
            assert!(
                decode(bad.as_bytes(), &Type::list(Type::Number)).is_err(),
                "{bad:?}"
            );
        }
        assert!(decode(&[b'"', 0xff, b'"'], &Type::String).is_err());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = decode(deep.as_bytes(), &Type::list(Type::Dynamic)).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooDeep(MAX_DEPTH));
    }

    #[test]
    fn errors_name_the_attribute() {
        let err = decode(br#"{"scope": [{"ids": [true, {}]}]}"#, &state_type()).unwrap_err();
        assert_eq!(err.path.to_string(), "scope[0].ids[1]");
    }
}
