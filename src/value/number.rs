//! cty numbers: arbitrary-precision decimals.
//!
//! Terraform's numbers are 512-bit binary floats, and on the wire they arrive as int64, uint64,
//! float32, float64 or a decimal string "which may have a larger mantissa than a float64".
//! A provider only has to carry them through exactly, compare them and turn the ordinary ones
//! into `i64`/`f64`, so a normalised decimal (sign, digit string, power of ten) is enough and
//! keeps the crate free of a big-number library.
//!
//! Normalisation (no leading or trailing zeros in the digits, one zero) makes derived
//! equality numeric equality: `1`, `1.0` and `10e-1` are the same `Number`.
//!
//! Floats become their shortest round-trip decimal, which is exactly how cty compares numbers
//! (two numbers are equal when their `Text('f', -1)` forms are equal), so a float64 that
//! Terraform sends comes back equal whichever encoding we choose.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Largest accepted decimal exponent magnitude. Far beyond anything Terraform sends (its
/// floats have a 32-bit binary exponent) while keeping exponent arithmetic overflow-free.
const MAX_EXPONENT: i64 = 1_000_000_000;

/// How many zeros `Display` writes out before it switches to scientific notation.
const MAX_PLAIN_ZEROS: i64 = 32;

/// An exact, finite decimal number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// ASCII digits without leading or trailing zeros; empty for zero.
    digits: Box<str>,
    /// The value is `digits × 10^exponent`.
    exponent: i64,
}

/// A string that is not a finite decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("{0:?} is not a decimal number")]
    Syntax(String),
    #[error("{0:?} is out of range")]
    OutOfRange(String),
    #[error("numbers must be finite")]
    NotFinite,
}

impl Number {
    pub fn zero() -> Self {
        Number {
            negative: false,
            digits: "".into(),
            exponent: 0,
        }
    }
    pub fn from_i64(n: i64) -> Self {
        Self::from_i128(i128::from(n))
    }
    pub fn from_u64(n: u64) -> Self {
        Self::from_i128(i128::from(n))
    }
    /// `None` for NaN and infinities, which cty numbers exclude here.
    pub fn from_f64(n: f64) -> Option<Self> {
        if !n.is_finite() {
            return None;
        }
        // The shortest decimal that reads back as `n`. Where two shortest decimals are equally
        // close (floats widened from float32 hit this) Ryu rounds half to even, like Go's
        // strconv; serde_json formats with Ryu, so JSON written from a float reads back as
        // this same `Number`. (Rust's `{:e}` breaks such ties the other way.)
        serde_json::Number::from_f64(n)?.to_string().parse().ok()
    }

    fn from_i128(n: i128) -> Self {
        let digits = n.unsigned_abs().to_string();
        Self::normalised(n < 0, digits.as_bytes(), 0)
    }

    /// Builds a number from raw digits, stripping zeros at both ends.
    fn normalised(negative: bool, digits: &[u8], exponent: i64) -> Self {
        let start = digits.iter().position(|&d| d != b'0');
        let Some(start) = start else {
            return Self::zero();
        };
        let end = digits
            .iter()
            .rposition(|&d| d != b'0')
            .map_or(start, |e| e + 1);
        let trailing = (digits.len() - end) as i64;
        Number {
            negative,
            // Only ASCII digits reach here, so this is valid UTF-8.
            digits: String::from_utf8_lossy(&digits[start..end]).into(),
            exponent: exponent + trailing,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }
    pub fn is_negative(&self) -> bool {
        self.negative
    }
    pub fn is_integer(&self) -> bool {
        self.exponent >= 0 || self.is_zero()
    }

    /// The power of ten just above the most significant digit (`0.5` → 0, `12` → 2).
    fn magnitude(&self) -> i64 {
        self.digits.len() as i64 + self.exponent
    }

    fn as_i128(&self) -> Option<i128> {
        if self.is_zero() {
            return Some(0);
        }
        if self.exponent < 0 || self.magnitude() > 20 {
            return None;
        }
        let mut n: i128 = self.digits.parse().ok()?;
        for _ in 0..self.exponent {
            n = n.checked_mul(10)?;
        }
        Some(if self.negative { -n } else { n })
    }

    /// The number as an `i64` when it is exactly one.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_i128().and_then(|n| i64::try_from(n).ok())
    }
    /// The number as a `u64` when it is exactly one.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_i128().and_then(|n| u64::try_from(n).ok())
    }
    /// The nearest `f64` (infinite when the magnitude exceeds `f64::MAX`).
    pub fn as_f64(&self) -> f64 {
        let text = self.scientific();
        text.parse().unwrap_or(f64::NAN)
    }
    /// The number as an `f64` when that float means exactly this number under cty's
    /// equality (its shortest decimal form is this number).
    pub fn as_exact_f64(&self) -> Option<f64> {
        let f = self.as_f64();
        (Number::from_f64(f).as_ref() == Some(self)).then_some(f)
    }

    /// `d.ddde±N`: always short, parseable by Rust, Go's `big.ParseFloat` and cty.
    fn scientific(&self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let sign = if self.negative { "-" } else { "" };
        let (first, rest) = self.digits.split_at(1);
        let exponent = self.magnitude() - 1;
        if rest.is_empty() {
            format!("{sign}{first}e{exponent}")
        } else {
            format!("{sign}{first}.{rest}e{exponent}")
        }
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Self {
        Number::from_i64(n)
    }
}

impl FromStr for Number {
    type Err = NumberError;

    /// Parses what cty's `ParseNumberVal` accepts in base 10: an optional sign, digits with an
    /// optional decimal point, an optional exponent. Infinity and NaN are rejected.
    fn from_str(text: &str) -> Result<Self, NumberError> {
        let syntax = || NumberError::Syntax(truncated(text));
        let bytes = text.as_bytes();
        let mut pos = 0;
        let negative = take_sign(bytes, &mut pos);
        let rest = &text[pos..];
        if rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity") {
            return Err(NumberError::NotFinite);
        }
        if rest.eq_ignore_ascii_case("nan") {
            return Err(NumberError::NotFinite);
        }

        let mut digits = Vec::with_capacity(bytes.len());
        let mut fraction_len: i64 = 0;
        let mut seen_point = false;
        while let Some(&b) = bytes.get(pos) {
            match b {
                b'0'..=b'9' => {
                    digits.push(b);
                    if seen_point {
                        fraction_len += 1;
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            pos += 1;
        }
        if digits.is_empty() {
            return Err(syntax());
        }

        let mut exponent: i64 = 0;
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            let exp_negative = take_sign(bytes, &mut pos);
            let start = pos;
            while let Some(&b @ b'0'..=b'9') = bytes.get(pos) {
                // Saturate far above MAX_EXPONENT; the range check below rejects it.
                exponent = (exponent * 10 + i64::from(b - b'0')).min(4 * MAX_EXPONENT);
                pos += 1;
            }
            if pos == start {
                return Err(syntax());
            }
            if exp_negative {
                exponent = -exponent;
            }
        }
        if pos != bytes.len() {
            return Err(syntax());
        }

        let number = Number::normalised(negative, &digits, exponent - fraction_len);
        if number.is_zero() {
            return Ok(number);
        }
        if number.magnitude().abs() > MAX_EXPONENT || number.exponent.abs() > 2 * MAX_EXPONENT {
            return Err(NumberError::OutOfRange(truncated(text)));
        }
        Ok(number)
    }
}

/// Error messages quote at most the start of a (possibly huge) input.
/// Consumes an optional `-` or `+` at `pos`; true for `-`.
fn take_sign(bytes: &[u8], pos: &mut usize) -> bool {
    match bytes.get(*pos) {
        Some(&sign @ (b'-' | b'+')) => {
            *pos += 1;
            sign == b'-'
        }
        _ => false,
    }
}

fn truncated(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |n: &Number| match (n.is_zero(), n.negative) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        let (a, b) = (sign(self), sign(other));
        if a != b || a == 0 {
            return a.cmp(&b);
        }
        // Same sign, both non-zero: compare magnitudes, then digits (normalised digit strings
        // compare lexicographically once the leading powers of ten agree).
        let magnitude = self
            .magnitude()
            .cmp(&other.magnitude())
            .then_with(|| self.digits.cmp(&other.digits));
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// Plain decimal (`123`, `-0.0015`) unless that needs more than a few dozen padding zeros,
    /// then scientific (`1e400`). Both forms parse back to the same number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let sign = if self.negative { "-" } else { "" };
        let digits = &*self.digits;
        let len = digits.len() as i64;
        if self.exponent >= 0 {
            if self.exponent > MAX_PLAIN_ZEROS {
                return f.write_str(&self.scientific());
            }
            let zeros = "0".repeat(self.exponent as usize);
            write!(f, "{sign}{digits}{zeros}")
        } else if -self.exponent < len {
            let (int, frac) = digits.split_at((len + self.exponent) as usize);
            write!(f, "{sign}{int}.{frac}")
        } else {
            let zeros = -self.exponent - len;
            if zeros > MAX_PLAIN_ZEROS {
                return f.write_str(&self.scientific());
            }
            let zeros = "0".repeat(zeros as usize);
            write!(f, "{sign}0.{zeros}{digits}")
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        s.parse().unwrap()
    }

    #[test]
    fn equality_is_numeric() {
        assert_eq!(n("1"), n("1.0"));
        assert_eq!(n("1"), n("10e-1"));
        assert_eq!(n("100"), n("1e2"));
        assert_eq!(n("-0"), n("0"));
        assert_eq!(n("0.000"), Number::zero());
        assert_eq!(Number::from_i64(1), Number::from_f64(1.0).unwrap());
        assert_ne!(n("1"), n("1.0000000000000000000000001"));
    }

    #[test]
    fn parses_what_cty_parses() {
        for ok in [
            "1", "+1", "-1", ".5", "5.", "1e5", "1E+5", "1.5e-7", "007", "1e400",
        ] {
            assert!(ok.parse::<Number>().is_ok(), "{ok}");
        }
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "1_000", " 1", "1 ",
        ] {
            assert!(
                matches!(bad.parse::<Number>(), Err(NumberError::Syntax(_))),
                "{bad}"
            );
        }
        for inf in ["Inf", "-inf", "+Infinity", "NaN"] {
            assert_eq!(inf.parse::<Number>(), Err(NumberError::NotFinite), "{inf}");
        }
        assert!(matches!(
            "1e99999999999999999999999".parse::<Number>(),
            Err(NumberError::OutOfRange(_))
        ));
        // Zero is zero whatever its exponent.
        assert_eq!(n("0e99999999999999999999"), Number::zero());
    }

    #[test]
    fn displays_plain_or_scientific_and_round_trips() {
        for (input, shown) in [
            ("1.50", "1.5"),
            ("-0.0015", "-0.0015"),
            ("12e3", "12000"),
            ("123.456", "123.456"),
            ("1e400", "1e400"),
            ("-1.25e-400", "-1.25e-400"),
            ("18446744073709551616", "18446744073709551616"),
        ] {
            assert_eq!(n(input).to_string(), shown);
            assert_eq!(n(shown), n(input));
        }
    }

    #[test]
    fn integer_conversions_are_exact() {
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("9223372036854775808").as_u64(), Some(1 << 63));
        assert_eq!(Number::from_u64(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(n("1.5").as_i64(), None);
        assert_eq!(n("1e30").as_i64(), None);
        assert_eq!(n("2e3").as_i64(), Some(2000));
    }

    #[test]
    fn float_conversions() {
        assert_eq!(Number::from_f64(0.1).unwrap(), n("0.1"));
        assert_eq!(n("0.1").as_exact_f64(), Some(0.1));
        assert_eq!(n("0.10000000000000000001").as_exact_f64(), None);
        assert_eq!(n("1e400").as_f64(), f64::INFINITY);
        assert!(Number::from_f64(f64::NAN).is_none());
        assert!(Number::from_f64(f64::NEG_INFINITY).is_none());
        assert_eq!(Number::from_f64(-0.0).unwrap(), Number::zero());
        // A float32 widened to float64, exactly halfway between two 16-digit decimals.
        #[allow(clippy::excessive_precision)] // the exact binary value is the point
        let tie = -738.49493408203125_f64;
        assert_eq!(f64::from(tie as f32), tie);
        assert_eq!(Number::from_f64(tie).unwrap(), n("-738.4949340820312"));
        assert_eq!(n("-738.4949340820312").as_exact_f64(), Some(tie));
        assert_eq!(n("-738.4949340820313").as_exact_f64(), None);
        assert_eq!(Number::from_f64(1e300).unwrap(), n("1e300"));
        assert_eq!(Number::from_f64(100.0).unwrap(), n("100"));
    }

    #[test]
    fn ordering_is_numeric() {
        let sorted = [
            "-1e400", "-10", "-1.5", "-0.1", "0", "0.001", "0.1", "0.12", "1", "1e400",
        ];
        for pair in sorted.windows(2) {
            assert!(n(pair[0]) < n(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
    }
}
