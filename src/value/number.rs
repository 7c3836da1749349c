//! cty numbers: arbitrary precision on the wire (int64, float64, or a decimal string).
//!
//! Placeholder representation; the codec work (issue #2) owns and may replace the inside,
//! keeping this public API.

use std::fmt;

#[derive(Debug, Clone)]
pub struct Number(Repr);

#[derive(Debug, Clone)]
enum Repr {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn from_i64(n: i64) -> Self {
        Number(Repr::Int(n))
    }
    pub fn from_f64(n: f64) -> Option<Self> {
        n.is_finite().then_some(Number(Repr::Float(n)))
    }
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Repr::Int(n) => Some(n),
            Repr::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            Repr::Float(_) => None,
        }
    }
    pub fn as_f64(&self) -> f64 {
        match self.0 {
            Repr::Int(n) => n as f64,
            Repr::Float(f) => f,
        }
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        match (self.as_i64(), other.as_i64()) {
            (Some(a), Some(b)) => a == b,
            _ => self.as_f64() == other.as_f64(),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Int(n) => write!(f, "{n}"),
            Repr::Float(x) => write!(f, "{x}"),
        }
    }
}
