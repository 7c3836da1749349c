//! The `timeouts` block, as terraform-plugin-framework's timeouts package shapes it:
//! `timeouts { create = "30m" read = "5m" update = "30m" delete = "1h" }`.
//!
//! A resource puts `timeouts_block()` in its schema and a `timeouts: Option<Timeouts>` field in
//! its state struct; the protocol layer reads the durations and bounds each operation.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::schema::{Attribute, Block, NestedBlock, NestingMode, Validator};
use crate::value::Type;

/// Values of the `timeouts` block, as configured (Go duration strings such as `"1h30m"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeouts {
    pub create: Option<String>,
    pub read: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
}

/// The schema of the `timeouts` block for a resource with all four operations.
pub fn timeouts_block() -> NestedBlock {
    let attr = |name: &str, what: &str| {
        Attribute::optional(name, Type::String)
            .description(&format!(
                "How long to wait for the {what} operation, as a duration such as \"30s\", \"10m\" or \"1h30m\"."
            ))
            .validate(Validator::string("a duration", |s| parse_duration(s).map(|_| ())))
    };
    NestedBlock {
        type_name: "timeouts".to_string(),
        nesting: NestingMode::Single,
        block: Block {
            description: "Timeouts for this resource's operations.".to_string(),
            attributes: vec![
                attr("create", "create"),
                attr("read", "read"),
                attr("update", "update"),
                attr("delete", "delete"),
            ],
            blocks: vec![],
            deprecated: false,
        },
        min_items: 0,
        max_items: 0,
        requires_replace: false,
    }
}

/// Parses a Go-style duration: a sequence of decimal numbers with units `ms`, `s`, `m`, `h`
/// (e.g. `"1h30m"`, `"90s"`, `"1.5h"`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || {
        format!(
            "{text:?} is not a duration; use a number with a unit, such as \"30s\", \"10m\" or \"1h30m\""
        )
    };
    if text.is_empty() {
        return Err(invalid());
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        if digits == 0 {
            return Err(invalid());
        }
        let number: f64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        total += number * seconds;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["", "10", "m", "10x", "-5m", "1h 2m", "h1"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
