//! The msgpack encoding of cty values (`DynamicValue.msgpack`), decoded against a type.
//!
//! Follows `object-wire-format.md` and go-cty's `msgpack` package. Decoding reads from a
//! byte slice with explicit bounds checks: it never panics, never trusts a length prefix for
//! more memory than the remaining input could fill, and limits nesting depth.

use std::collections::BTreeMap;

use rmp::Marker;
use rmp::encode as enc;

use super::error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use super::{AttributePath, Number, PathStep, Refinements, Type, Value, type_json};

/// Nesting limit for decoding. Terraform schemas nest a few levels; attacker-controlled
/// `dynamic` type JSON could otherwise nest deep enough to exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// Extension code of an unknown value carrying refinements.
const REFINED_UNKNOWN: i8 = 12;
/// Terraform's wholly unknown value: fixext1, type 0, payload 0.
const WHOLLY_UNKNOWN: [u8; 3] = [0xd4, 0, 0];

const NULLNESS: i64 = 1;
const STRING_PREFIX: i64 = 2;
const NUMBER_LOWER: i64 = 3;
const NUMBER_UPPER: i64 = 4;
const LENGTH_LOWER: i64 = 5;
const LENGTH_UPPER: i64 = 6;

/// Decodes a msgpack `DynamicValue` of type `ty`. The whole input must be one value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut reader = Reader::new(bytes);
    let value = reader.value(ty, 0)?;
    match bytes.len() - reader.pos {
        0 => Ok(value),
        n => Err(reader.error(DecodeErrorKind::TrailingBytes(n))),
    }
}

/// Encodes `value` as type `ty`, checking that the value has that type.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut writer = Writer::default();
    writer.value(value, ty)?;
    Ok(writer.out)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Where the reader is, for error messages.
    path: Vec<PathStep>,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            path: Vec::new(),
        }
    }

    fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            path: AttributePath::from_steps(self.path.clone()),
            kind,
        }
    }

    fn expected(&self, expected: impl Into<String>, found: Marker) -> DecodeError {
        self.error(DecodeErrorKind::Expected {
            expected: expected.into(),
            found: marker_kind(found),
        })
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.error(DecodeErrorKind::UnexpectedEnd));
        }
        let bytes = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(bytes)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn peek(&self) -> Result<Marker, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => Ok(Marker::from_u8(b)),
            None => Err(self.error(DecodeErrorKind::UnexpectedEnd)),
        }
    }

    fn marker(&mut self) -> Result<Marker, DecodeError> {
        let marker = self.peek()?;
        self.pos += 1;
        Ok(marker)
    }

    fn len8(&mut self) -> Result<usize, DecodeError> {
        Ok(usize::from(self.array::<1>()?[0]))
    }
    fn len16(&mut self) -> Result<usize, DecodeError> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }
    fn len32(&mut self) -> Result<usize, DecodeError> {
        let n = u32::from_be_bytes(self.array()?);
        usize::try_from(n).map_err(|_| self.error(DecodeErrorKind::UnexpectedEnd))
    }

    /// Reads any integer encoding as an `i128` (covers both int64 and uint64).
    fn integer_after(&mut self, marker: Marker) -> Result<Option<i128>, DecodeError> {
        Ok(Some(match marker {
            Marker::FixPos(n) => i128::from(n),
            Marker::FixNeg(n) => i128::from(n),
            Marker::U8 => i128::from(u8::from_be_bytes(self.array()?)),
            Marker::U16 => i128::from(u16::from_be_bytes(self.array()?)),
            Marker::U32 => i128::from(u32::from_be_bytes(self.array()?)),
            Marker::U64 => i128::from(u64::from_be_bytes(self.array()?)),
            Marker::I8 => i128::from(i8::from_be_bytes(self.array()?)),
            Marker::I16 => i128::from(i16::from_be_bytes(self.array()?)),
            Marker::I32 => i128::from(i32::from_be_bytes(self.array()?)),
            Marker::I64 => i128::from(i64::from_be_bytes(self.array()?)),
            _ => return Ok(None),
        }))
    }

    fn str_len_after(&mut self, marker: Marker) -> Result<Option<usize>, DecodeError> {
        Ok(Some(match marker {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 => self.len8()?,
            Marker::Str16 => self.len16()?,
            Marker::Str32 => self.len32()?,
            _ => return Ok(None),
        }))
    }

    fn string(&mut self, what: &str) -> Result<String, DecodeError> {
        let marker = self.marker()?;
        let Some(len) = self.str_len_after(marker)? else {
            return Err(self.expected(what, marker));
        };
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => Err(self.error(DecodeErrorKind::InvalidUtf8)),
        }
    }

    fn bool(&mut self, what: &str) -> Result<bool, DecodeError> {
        match self.marker()? {
            Marker::True => Ok(true),
            Marker::False => Ok(false),
            other => Err(self.expected(what, other)),
        }
    }

    fn array_len(&mut self, what: &str) -> Result<usize, DecodeError> {
        match self.marker()? {
            Marker::FixArray(n) => Ok(usize::from(n)),
            Marker::Array16 => self.len16(),
            Marker::Array32 => self.len32(),
            other => Err(self.expected(what, other)),
        }
    }

    fn map_len(&mut self, what: &str) -> Result<usize, DecodeError> {
        match self.marker()? {
            Marker::FixMap(n) => Ok(usize::from(n)),
            Marker::Map16 => self.len16(),
            Marker::Map32 => self.len32(),
            other => Err(self.expected(what, other)),
        }
    }

    /// Capacity to reserve for `n` elements: each takes at least one byte of input.
    fn capacity(&self, n: usize) -> usize {
        n.min(self.remaining())
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.error(DecodeErrorKind::TooDeep(MAX_DEPTH)));
        }
        let marker = self.peek()?;
        if is_ext(marker) {
            return self.unknown(ty);
        }
        if *ty == Type::Dynamic {
            return self.dynamic(depth);
        }
        if marker == Marker::Null {
            self.pos += 1;
            return Ok(Value::Null);
        }
        match ty {
            Type::Bool => self.bool("bool").map(Value::Bool),
            Type::Number => self.number().map(Value::Number),
            Type::String => self.string("string").map(Value::String),
            Type::List(element) => self.elements(element, "list", depth).map(Value::List),
            Type::Set(element) => self.elements(element, "set", depth).map(Value::Set),
            Type::Tuple(types) => self.tuple(types, depth),
            Type::Map(element) => self.map(element, depth),
            Type::Object(attrs, _) => self.object(attrs, depth),
            Type::Dynamic => self.dynamic(depth),
        }
    }

    fn number(&mut self) -> Result<Number, DecodeError> {
        let marker = self.marker()?;
        if let Some(n) = self.integer_after(marker)? {
            // i128 covers int64 and uint64 exactly.
            return Ok(match i64::try_from(n) {
                Ok(n) => Number::from_i64(n),
                Err(_) => Number::from_u64(u64::try_from(n).unwrap_or(u64::MAX)),
            });
        }
        let float = match marker {
            Marker::F32 => f64::from(f32::from_be_bytes(self.array()?)),
            Marker::F64 => f64::from_be_bytes(self.array()?),
            _ => {
                let Some(len) = self.str_len_after(marker)? else {
                    return Err(self.expected("number", marker));
                };
                let text = std::str::from_utf8(self.take(len)?)
                    .map_err(|_| self.error(DecodeErrorKind::InvalidUtf8))?;
                return text.parse().map_err(|e: super::number::NumberError| {
                    self.error(DecodeErrorKind::InvalidNumber(e.to_string()))
                });
            }
        };
        Number::from_f64(float).ok_or_else(|| {
            self.error(DecodeErrorKind::InvalidNumber(format!(
                "{float} is not finite"
            )))
        })
    }

    fn elements(
        &mut self,
        element: &Type,
        what: &str,
        depth: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        let len = self.array_len(what)?;
        let mut items = Vec::with_capacity(self.capacity(len));
        for i in 0..len {
            self.path.push(PathStep::ElementKeyInt(i as i64));
            items.push(self.value(element, depth + 1)?);
            self.path.pop();
        }
        Ok(items)
    }

    fn tuple(&mut self, types: &[Type], depth: usize) -> Result<Value, DecodeError> {
        let len = self.array_len("tuple")?;
        if len != types.len() {
            return Err(self.error(DecodeErrorKind::TupleLength {
                expected: types.len(),
                found: len,
            }));
        }
        let mut items = Vec::with_capacity(len);
        for (i, ty) in types.iter().enumerate() {
            self.path.push(PathStep::ElementKeyInt(i as i64));
            items.push(self.value(ty, depth + 1)?);
            self.path.pop();
        }
        Ok(Value::Tuple(items))
    }

    fn map(&mut self, element: &Type, depth: usize) -> Result<Value, DecodeError> {
        let len = self.map_len("map")?;
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let key = self.string("string map key")?;
            self.path.push(PathStep::ElementKeyString(key.clone()));
            let value = self.value(element, depth + 1)?;
            if entries.insert(key.clone(), value).is_some() {
                return Err(self.error(DecodeErrorKind::DuplicateKey(key)));
            }
            self.path.pop();
        }
        Ok(Value::Map(entries))
    }

    fn object(
        &mut self,
        attrs: &BTreeMap<String, Type>,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        let len = self.map_len("object")?;
        let mut values = BTreeMap::new();
        for _ in 0..len {
            let name = self.string("attribute name")?;
            let Some(ty) = attrs.get(&name) else {
                return Err(self.error(DecodeErrorKind::UnsupportedAttribute(name)));
            };
            self.path.push(PathStep::Attribute(name.clone()));
            let value = self.value(ty, depth + 1)?;
            self.path.pop();
            if values.insert(name.clone(), value).is_some() {
                return Err(self.error(DecodeErrorKind::DuplicateKey(name)));
            }
        }
        if let Some(missing) = attrs.keys().find(|name| !values.contains_key(*name)) {
            return Err(self.error(DecodeErrorKind::MissingAttribute(missing.clone())));
        }
        Ok(Value::Object(values))
    }

    /// `nil`, or `[type JSON bytes, value]`.
    fn dynamic(&mut self, depth: usize) -> Result<Value, DecodeError> {
        if self.peek()? == Marker::Null {
            self.pos += 1;
            return Ok(Value::Null);
        }
        let len = self.array_len("[type, value] array of a dynamic value")?;
        if len != 2 {
            return Err(self.error(DecodeErrorKind::Expected {
                expected: "[type, value] array of a dynamic value".into(),
                found: "array of another length",
            }));
        }
        let marker = self.marker()?;
        let type_len = match marker {
            Marker::Bin8 => self.len8()?,
            Marker::Bin16 => self.len16()?,
            Marker::Bin32 => self.len32()?,
            other => match self.str_len_after(other)? {
                Some(len) => len,
                None => return Err(self.expected("type JSON of a dynamic value", other)),
            },
        };
        let ty = type_json::parse(self.take(type_len)?)
            .map_err(|e| self.error(DecodeErrorKind::InvalidType(e.to_string())))?;
        let value = self.value(&ty, depth + 1)?;
        Ok(Value::Dynamic(ty, Box::new(value)))
    }

    /// Any extension is an unknown value; only code 12 with a body carries refinements.
    fn unknown(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        let len = match self.marker()? {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => self.len8()?,
            Marker::Ext16 => self.len16()?,
            Marker::Ext32 => self.len32()?,
            other => return Err(self.expected("extension", other)),
        };
        let code = i8::from_be_bytes(self.array()?);
        let body = self.take(len)?;
        if len <= 1 || code != REFINED_UNKNOWN || *ty == Type::Dynamic {
            return Ok(Value::unknown());
        }
        let mut body = Reader {
            buf: body,
            pos: 0,
            path: std::mem::take(&mut self.path),
        };
        let result = body.refinements(ty);
        self.path = body.path;
        result
    }

    fn refinement_error(&self, message: &str) -> DecodeError {
        self.error(DecodeErrorKind::InvalidRefinement(message.to_string()))
    }

    fn refinements(&mut self, ty: &Type) -> Result<Value, DecodeError> {
        let mut refinements = Refinements::default();
        let entries = self.map_len("refinement map")?;
        for _ in 0..entries {
            let marker = self.marker()?;
            let Some(key) = self.integer_after(marker)? else {
                return Err(self.refinement_error("keys must be integers"));
            };
            match i64::try_from(key).unwrap_or(i64::MAX) {
                NULLNESS => {
                    if self.bool("nullness refinement")? {
                        // "Definitely null" collapses to the one null value.
                        return Ok(Value::Null);
                    }
                    refinements.nullable = Some(false);
                }
                STRING_PREFIX => {
                    if *ty != Type::String {
                        return Err(self.refinement_error("string prefix for a non-string type"));
                    }
                    // An empty prefix says nothing; keep "no refinement" one value.
                    let prefix = self.string("string prefix")?;
                    refinements.string_prefix = Some(prefix).filter(|p| !p.is_empty());
                }
                k @ (NUMBER_LOWER | NUMBER_UPPER) => {
                    if *ty != Type::Number {
                        return Err(self.refinement_error("number bound for a non-number type"));
                    }
                    if self.array_len("[number, inclusive] bound")? != 2 {
                        return Err(self.refinement_error("bounds are [number, inclusive] pairs"));
                    }
                    let bound = (self.number()?, self.bool("inclusive flag")?);
                    if k == NUMBER_LOWER {
                        refinements.number_lower = Some(bound);
                    } else {
                        refinements.number_upper = Some(bound);
                    }
                }
                k @ (LENGTH_LOWER | LENGTH_UPPER) => {
                    if !matches!(ty, Type::List(_) | Type::Set(_) | Type::Map(_)) {
                        return Err(self.refinement_error("length bound for a non-collection type"));
                    }
                    let marker = self.marker()?;
                    let bound = self
                        .integer_after(marker)?
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(|| {
                            self.refinement_error("length bounds are non-negative integers")
                        })?;
                    if k == LENGTH_LOWER {
                        refinements.length_lower = Some(bound);
                    } else {
                        refinements.length_upper = Some(bound);
                    }
                }
                // Future refinements: safe to ignore, as the protocol requires.
                _ => self.skip()?,
            }
        }
        // Trailing bytes after the map are reserved for future use and ignored, as in cty.
        Ok(Value::Unknown(refinements))
    }

    /// Skips one complete msgpack value of any kind, without recursion.
    fn skip(&mut self) -> Result<(), DecodeError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let marker = self.marker()?;
            let skip = match marker {
                Marker::FixPos(_) | Marker::FixNeg(_) | Marker::Null | Marker::True => 0,
                Marker::False | Marker::Reserved => 0,
                Marker::U8 | Marker::I8 => 1,
                Marker::U16 | Marker::I16 => 2,
                Marker::U32 | Marker::I32 | Marker::F32 => 4,
                Marker::U64 | Marker::I64 | Marker::F64 => 8,
                Marker::FixStr(n) => usize::from(n),
                Marker::Str8 | Marker::Bin8 => self.len8()?,
                Marker::Str16 | Marker::Bin16 => self.len16()?,
                Marker::Str32 | Marker::Bin32 => self.len32()?,
                Marker::FixExt1 => 2,
                Marker::FixExt2 => 3,
                Marker::FixExt4 => 5,
                Marker::FixExt8 => 9,
                Marker::FixExt16 => 17,
                Marker::Ext8 => self.len8()? + 1,
                Marker::Ext16 => self.len16()? + 1,
                Marker::Ext32 => self.len32()?.saturating_add(1),
                Marker::FixArray(n) => {
                    pending += u64::from(n);
                    0
                }
                Marker::Array16 | Marker::Array32 => {
                    pending += if marker == Marker::Array16 {
                        self.len16()?
                    } else {
                        self.len32()?
                    } as u64;
                    0
                }
                Marker::FixMap(n) => {
                    pending += 2 * u64::from(n);
                    0
                }
                Marker::Map16 | Marker::Map32 => {
                    pending += 2 * if marker == Marker::Map16 {
                        self.len16()?
                    } else {
                        self.len32()?
                    } as u64;
                    0
                }
            };
            self.take(skip)?;
        }
        Ok(())
    }
}

fn is_ext(marker: Marker) -> bool {
    matches!(
        marker,
        Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16
            | Marker::Ext8
            | Marker::Ext16
            | Marker::Ext32
    )
}

/// What a marker introduces, for "X is required, found Y" messages.
fn marker_kind(marker: Marker) -> &'static str {
    match marker {
        Marker::Null => "null",
        Marker::True | Marker::False => "bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::Reserved => "reserved byte 0xc1",
        _ => "extension",
    }
}

#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    path: Vec<PathStep>,
}

impl Writer {
    fn error(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError {
            path: AttributePath::from_steps(self.path.clone()),
            kind,
        }
    }

    fn mismatch(&self, ty: &Type, value: &Value) -> EncodeError {
        EncodeError::mismatch(&AttributePath::from_steps(self.path.clone()), ty, value)
    }

    fn len(&self, n: usize) -> Result<u32, EncodeError> {
        u32::try_from(n).map_err(|_| self.error(EncodeErrorKind::TooLarge(n)))
    }

    // Writing to a Vec cannot fail; rmp's io::Error results are mapped for form's sake.
    fn nil(&mut self) {
        self.out.push(0xc0);
    }
    fn bool(&mut self, b: bool) {
        self.out.push(if b { 0xc3 } else { 0xc2 });
    }
    fn str(&mut self, s: &str) -> Result<(), EncodeError> {
        let len = self.len(s.len())?;
        let _ = enc::write_str_len(&mut self.out, len);
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }
    fn array_len(&mut self, n: usize) -> Result<(), EncodeError> {
        let len = self.len(n)?;
        let _ = enc::write_array_len(&mut self.out, len);
        Ok(())
    }
    fn map_len(&mut self, n: usize) -> Result<(), EncodeError> {
        let len = self.len(n)?;
        let _ = enc::write_map_len(&mut self.out, len);
        Ok(())
    }

    /// int64 or uint64 when exact, float64 when exact, else a decimal string (as cty does).
    fn number(&mut self, n: &Number) -> Result<(), EncodeError> {
        if let Some(i) = n.as_i64() {
            let _ = enc::write_sint(&mut self.out, i);
        } else if let Some(u) = n.as_u64() {
            let _ = enc::write_uint(&mut self.out, u);
        } else if let Some(f) = n.as_exact_f64() {
            let _ = enc::write_f64(&mut self.out, f);
        } else {
            self.str(&n.to_string())?;
        }
        Ok(())
    }

    fn value(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        match (value, ty) {
            (Value::Unknown(refinements), _) => self.unknown(refinements, ty),
            (Value::Null, _) => {
                self.nil();
                Ok(())
            }
            (Value::Dynamic(inner_ty, inner), Type::Dynamic) => {
                self.array_len(2)?;
                let type_json = type_json::to_bytes(inner_ty);
                let len = self.len(type_json.len())?;
                let _ = enc::write_bin_len(&mut self.out, len);
                self.out.extend_from_slice(&type_json);
                self.value(inner, inner_ty)
            }
            (Value::Bool(b), Type::Bool) => {
                self.bool(*b);
                Ok(())
            }
            (Value::Number(n), Type::Number) => self.number(n),
            (Value::String(s), Type::String) => self.str(s),
            (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
                self.array_len(items.len())?;
                for (i, item) in items.iter().enumerate() {
                    self.path.push(PathStep::ElementKeyInt(i as i64));
                    self.value(item, element)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Value::Tuple(items), Type::Tuple(types)) => {
                if items.len() != types.len() {
                    return Err(self.error(EncodeErrorKind::TupleLength {
                        expected: types.len(),
                        found: items.len(),
                    }));
                }
                self.array_len(items.len())?;
                for (i, (item, ty)) in items.iter().zip(types).enumerate() {
                    self.path.push(PathStep::ElementKeyInt(i as i64));
                    self.value(item, ty)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Value::Map(entries), Type::Map(element)) => {
                self.map_len(entries.len())?;
                for (key, item) in entries {
                    self.str(key)?;
                    self.path.push(PathStep::ElementKeyString(key.clone()));
                    self.value(item, element)?;
                    self.path.pop();
                }
                Ok(())
            }
            (Value::Object(values), Type::Object(attrs, _)) => {
                if let Some(extra) = values.keys().find(|k| !attrs.contains_key(*k)) {
                    return Err(self.error(EncodeErrorKind::UnsupportedAttribute(extra.clone())));
                }
                self.map_len(attrs.len())?;
                for (name, attr_ty) in attrs {
                    let Some(item) = values.get(name) else {
                        return Err(self.error(EncodeErrorKind::MissingAttribute(name.clone())));
                    };
                    self.str(name)?;
                    self.path.push(PathStep::Attribute(name.clone()));
                    self.value(item, attr_ty)?;
                    self.path.pop();
                }
                Ok(())
            }
            _ => Err(self.mismatch(ty, value)),
        }
    }

    /// Refinements that apply to `ty` go into an extension 12 map; none → `d4 00 00`.
    fn unknown(&mut self, refinements: &Refinements, ty: &Type) -> Result<(), EncodeError> {
        if refinements.nullable == Some(true) {
            self.nil();
            return Ok(());
        }
        let mut body = Writer::default();
        let mut entries = 0;
        if *ty != Type::Dynamic && refinements.nullable == Some(false) {
            entries += 1;
            let _ = enc::write_sint(&mut body.out, NULLNESS);
            body.bool(false);
        }
        match ty {
            Type::String => {
                if let Some(prefix) = refinements
                    .string_prefix
                    .as_deref()
                    .filter(|p| !p.is_empty())
                {
                    entries += 1;
                    let _ = enc::write_sint(&mut body.out, STRING_PREFIX);
                    body.str(prefix)?;
                }
            }
            Type::Number => {
                for (key, bound) in [
                    (NUMBER_LOWER, &refinements.number_lower),
                    (NUMBER_UPPER, &refinements.number_upper),
                ] {
                    if let Some((n, inclusive)) = bound {
                        entries += 1;
                        let _ = enc::write_sint(&mut body.out, key);
                        body.array_len(2)?;
                        body.number(n)?;
                        body.bool(*inclusive);
                    }
                }
            }
            Type::List(_) | Type::Set(_) | Type::Map(_) => {
                for (key, bound) in [
                    (LENGTH_LOWER, refinements.length_lower),
                    (LENGTH_UPPER, refinements.length_upper),
                ] {
                    if let Some(n) = bound {
                        entries += 1;
                        let _ = enc::write_sint(&mut body.out, key);
                        let _ = enc::write_uint(&mut body.out, n);
                    }
                }
            }
            _ => {}
        }
        if entries == 0 {
            self.out.extend_from_slice(&WHOLLY_UNKNOWN);
            return Ok(());
        }
        let mut map = Vec::with_capacity(body.out.len() + 5);
        let _ = enc::write_map_len(&mut map, entries);
        map.extend_from_slice(&body.out);
        let len = self.len(map.len())?;
        let _ = enc::write_ext_meta(&mut self.out, len, REFINED_UNKNOWN);
        self.out.extend_from_slice(&map);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> Value {
        Value::Number(text.parse().unwrap())
    }

    fn obj<const N: usize>(fields: [(&str, Value); N]) -> Value {
        Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }

    fn round_trip(value: &Value, ty: &Type) -> Vec<u8> {
        let bytes = encode(value, ty).unwrap();
        assert_eq!(&decode(&bytes, ty).unwrap(), value, "bytes {bytes:02x?}");
        bytes
    }

    #[test]
    fn null_and_wholly_unknown_bytes() {
        assert_eq!(round_trip(&Value::Null, &Type::String), [0xc0]);
        assert_eq!(round_trip(&Value::unknown(), &Type::String), WHOLLY_UNKNOWN);
        // Any extension, whatever its code or length, is an unknown value.
        for bytes in [
            &[0xd4, 0, 0][..],
            &[0xd5, 7, 1, 2],
            &[0xc7, 0, 0],
            &[0xd4, 12, 0],
        ] {
            assert_eq!(
                decode(bytes, &Type::list(Type::Bool)).unwrap(),
                Value::unknown()
            );
        }
    }

    #[test]
    fn numbers_in_every_encoding() {
        let cases: [(&[u8], &str); 10] = [
            (&[0x05], "5"),
            (&[0xff], "-1"),
            (&[0xcc, 0xc8], "200"),
            (&[0xd1, 0xfc, 0x18], "-1000"),
            (
                &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                "18446744073709551615",
            ),
            (&[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], "-9223372036854775808"),
            (&[0xca, 0x3f, 0xc0, 0, 0], "1.5"),
            (
                &[0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a],
                "0.1",
            ),
            (&[0xa5, b'1', b'e', b'4', b'0', b'0'], "1e400"),
            (&[0xa3, b'0', b'.', b'1'], "0.1"),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                decode(bytes, &Type::Number).unwrap(),
                n(expected),
                "{bytes:02x?}"
            );
        }
        // float32 0.1 is not float64 0.1: keep the float32's exact value.
        let f32_tenth = decode(&[0xca, 0x3d, 0xcc, 0xcc, 0xcd], &Type::Number).unwrap();
        assert_eq!(f32_tenth, n("0.10000000149011612"));
        for bad in [
            &[0xca, 0x7f, 0x80, 0, 0][..],
            &[0xa3, b'I', b'n', b'f'],
            &[0xa1, b'x'],
            &[0xc3],
        ] {
            assert!(decode(bad, &Type::Number).is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn numbers_encode_compactly_and_exactly() {
        assert_eq!(round_trip(&n("1"), &Type::Number), [0x01]);
        assert_eq!(round_trip(&n("-33"), &Type::Number), [0xd0, 0xdf]);
        assert_eq!(
            round_trip(&n("18446744073709551615"), &Type::Number)[0],
            0xcf
        );
        assert_eq!(round_trip(&n("0.5"), &Type::Number)[0], 0xcb);
        assert_eq!(round_trip(&n("0.1"), &Type::Number)[0], 0xcb);
        for big in [
            "18446744073709551616",
            "1e400",
            "0.1000000000000000000001",
            "-1.5e-400",
        ] {
            let bytes = round_trip(&n(big), &Type::Number);
            assert!(
                matches!(Marker::from_u8(bytes[0]), Marker::FixStr(_) | Marker::Str8),
                "{big}"
            );
        }
    }

    #[test]
    fn null_is_not_an_empty_list() {
        let ty = Type::list(Type::String);
        assert_eq!(round_trip(&Value::List(vec![]), &ty), [0x90]);
        assert_eq!(round_trip(&Value::Null, &ty), [0xc0]);
    }

    #[test]
    fn collections_and_nested_unknowns() {
        let ty = Type::object([
            ("list", Type::list(Type::String)),
            ("set", Type::set(Type::Number)),
            ("map", Type::map(Type::Bool)),
            ("tuple", Type::Tuple(vec![Type::String, Type::Number])),
            ("nested", Type::list(Type::object([("x", Type::String)]))),
        ]);
        let value = obj([
            (
                "list",
                Value::List(vec![Value::string("a"), Value::unknown(), Value::Null]),
            ),
            ("set", Value::Set(vec![n("1"), n("2.5")])),
            (
                "map",
                Value::Map(BTreeMap::from([("k".to_string(), Value::Bool(true))])),
            ),
            ("tuple", Value::Tuple(vec![Value::unknown(), n("1e400")])),
            ("nested", Value::List(vec![obj([("x", Value::unknown())])])),
        ]);
        round_trip(&value, &ty);
    }

    #[test]
    fn refinements_round_trip() {
        let not_null = Refinements {
            nullable: Some(false),
            ..Refinements::default()
        };
        let string = Refinements {
            string_prefix: Some("/subscriptions/".into()),
            ..not_null.clone()
        };
        let number = Refinements {
            number_lower: Some(("0".parse().unwrap(), true)),
            number_upper: Some(("1e400".parse().unwrap(), false)),
            ..not_null.clone()
        };
        let length = Refinements {
            length_lower: Some(1),
            length_upper: Some(10),
            ..Refinements::default()
        };
        for (refinements, ty) in [
            (not_null.clone(), Type::Bool),
            (string, Type::String),
            (number, Type::Number),
            (length.clone(), Type::list(Type::String)),
            (length.clone(), Type::set(Type::String)),
            (length, Type::map(Type::String)),
        ] {
            let bytes = round_trip(&Value::Unknown(refinements), &ty);
            let code = if bytes[0] == 0xc7 { bytes[2] } else { bytes[1] };
            assert_eq!(i8::from_be_bytes([code]), REFINED_UNKNOWN, "{bytes:02x?}");
        }
        // Refinements that cannot apply to the type are not written.
        let bytes = encode(&Value::Unknown(not_null), &Type::Dynamic).unwrap();
        assert_eq!(bytes, WHOLLY_UNKNOWN);
    }

    #[test]
    fn terraform_refinement_bytes() {
        // What Terraform sends for a not-null unknown string prefixed "ab":
        // ext8 len 7 code 12, map{1: false, 2: "ab"}.
        let bytes = [0xc7, 7, 12, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'];
        let expected = Refinements {
            nullable: Some(false),
            string_prefix: Some("ab".into()),
            ..Refinements::default()
        };
        assert_eq!(
            decode(&bytes, &Type::String).unwrap(),
            Value::Unknown(expected)
        );
        // Unknown keys are skipped, however complex their values.
        let bytes = [
            0xc7, 9, 12, 0x82, 0x09, 0x92, 0x81, 0xa0, 0x01, 0x01, 0x01, 0xc2,
        ];
        let decoded = decode(&bytes, &Type::String).unwrap();
        assert_eq!(
            decoded,
            Value::Unknown(Refinements {
                nullable: Some(false),
                ..Refinements::default()
            })
        );
        // "Definitely null" is a null.
        assert_eq!(
            decode(&[0xc7, 3, 12, 0x81, 0x01, 0xc3], &Type::String).unwrap(),
            Value::Null
        );
        // A prefix on a number is an error, as in cty.
        let err = decode(&[0xd6, 12, 0x81, 0x02, 0xa1, b'x'], &Type::Number).unwrap_err();
        assert!(
            matches!(err.kind, DecodeErrorKind::InvalidRefinement(_)),
            "{err}"
        );
        // Refinements on a dynamic unknown are ignored.
        assert_eq!(
            decode(&[0xc7, 3, 12, 0x81, 0x01, 0xc2], &Type::Dynamic).unwrap(),
            Value::unknown()
        );
    }

    #[test]
    fn dynamic_values() {
        let typed = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec![Value::string("a")])),
        );
        let bytes = round_trip(&typed, &Type::Dynamic);
        assert_eq!(&bytes[..3], [0x92, 0xc4, 17]);
        assert_eq!(&bytes[3..20], br#"["list","string"]"#);
        round_trip(
            &Value::Dynamic(Type::String, Box::new(Value::Null)),
            &Type::Dynamic,
        );
        round_trip(
            &Value::Dynamic(Type::String, Box::new(Value::unknown())),
            &Type::Dynamic,
        );
        assert_eq!(round_trip(&Value::Null, &Type::Dynamic), [0xc0]);
        assert_eq!(
            round_trip(&Value::unknown(), &Type::Dynamic),
            WHOLLY_UNKNOWN
        );
        // A type given as a msgpack string is accepted too.
        let bytes = [
            0x92, 0xa8, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0xa1, b'x',
        ];
        assert_eq!(
            decode(&bytes, &Type::Dynamic).unwrap(),
            Value::Dynamic(Type::String, Box::new(Value::string("x")))
        );
        // A dynamic value needs its type to be encoded.
        assert!(encode(&Value::string("x"), &Type::Dynamic).is_err());
        let bad_type = [0x92, 0xc4, 0x01, b'[', 0xc0];
        assert!(matches!(
            decode(&bad_type, &Type::Dynamic).unwrap_err().kind,
            DecodeErrorKind::InvalidType(_)
        ));
    }

    #[test]
    fn objects_need_exactly_their_attributes() {
        let ty = Type::object([("a", Type::String), ("b", Type::Bool)]);
        // {"a": "x"}: b is missing.
        let err = decode(&[0x81, 0xa1, b'a', 0xa1, b'x'], &ty).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::MissingAttribute("b".into()));
        // {"a": nil, "b": nil, "c": nil}
        let bytes = [0x83, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xc0, 0xa1, b'c', 0xc0];
        let err = decode(&bytes, &ty).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::UnsupportedAttribute("c".into()));
        // {"a": nil, "a": nil}
        let bytes = [0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0];
        assert_eq!(
            decode(&bytes, &ty).unwrap_err().kind,
            DecodeErrorKind::DuplicateKey("a".into())
        );
        assert!(encode(&obj([("a", Value::Null)]), &ty).is_err());
        let extra = obj([("a", Value::Null), ("b", Value::Null), ("c", Value::Null)]);
        assert!(encode(&extra, &ty).is_err());
    }

    #[test]
    fn errors_say_where_and_what() {
        let ty = Type::object([(
            "scope",
            Type::list(Type::object([("ids", Type::set(Type::String))])),
        )]);
        // {"scope": [{"ids": [1]}]}
        let bytes = [
            0x81, 0xa5, b's', b'c', b'o', b'p', b'e', 0x91, 0x81, 0xa3, b'i', b'd', b's', 0x91,
            0x01,
        ];
        let err = decode(&bytes, &ty).unwrap_err();
        assert_eq!(
            err.to_string(),
            "at scope[0].ids[0]: string is required, found integer"
        );
        let value = obj([(
            "scope",
            Value::List(vec![obj([("ids", Value::Set(vec![Value::Bool(true)]))])]),
        )]);
        let err = encode(&value, &ty).unwrap_err();
        assert_eq!(err.path.to_string(), "scope[0].ids[0]");
    }

    #[test]
    fn malformed_input_is_an_error() {
        let ty = Type::list(Type::String);
        // Truncated, trailing bytes, huge length prefix, bad UTF-8, reserved byte.
        for bytes in [
            &[][..],
            &[0x91],
            &[0x90, 0x00],
            &[0xdd, 0xff, 0xff, 0xff, 0xff],
            &[0x91, 0xa1, 0xff],
            &[0xc1],
            &[0x91, 0xdb, 0xff, 0xff, 0xff, 0xff, b'a'],
        ] {
            assert!(decode(bytes, &ty).is_err(), "{bytes:02x?}");
        }
        assert!(decode(&[0x92, 0x01, 0x02], &Type::Tuple(vec![Type::Number])).is_err());
    }

    #[test]
    fn deep_dynamic_nesting_is_limited() {
        // A dynamic value whose type is a list of dynamics, nested far beyond MAX_DEPTH.
        let mut bytes = Vec::new();
        for _ in 0..MAX_DEPTH * 2 {
            let ty = br#"["list","dynamic"]"#;
            bytes.extend_from_slice(&[0x92, 0xc4, ty.len() as u8]);
            bytes.extend_from_slice(ty);
            bytes.push(0x91);
        }
        bytes.push(0xc0);
        let err = decode(&bytes, &Type::Dynamic).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooDeep(MAX_DEPTH));
    }
}
