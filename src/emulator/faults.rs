//! Fault injection: throttling, server errors, dropped connections and latency, chosen per
//! request by rules, deterministically from a seed.
//!
//! The spec (for `--faults` and `POST /_emulator/faults`) is one JSON document:
//! `{"seed": 7, "rules": [{"method": "PUT", "path": "staticMembers", "rate": 0.3,
//! "status": 429, "retry_after": 1}, {"rate": 0.05, "drop": true}, {"latency_ms": 200}]}`.
//! `method` (default any) and `path` (a case-insensitive regular expression over the URL
//! path, default any) select requests; `rate` (default 1) is the share of them hit; `count`
//! (optional) caps how many times the rule fires. Each rule does one thing: answer `status`
//! (400–599, with ARM's error body and `Retry-After: retry_after` when given), `drop` the
//! connection, or add `latency_ms`. Latency rules add up and never stop a request; the first
//! matching status/drop rule that fires ends it. `{"rules": []}` clears everything.
//!
//! A compact form is accepted too: `METHOD:STATUS:COUNT[,…]`, e.g. `put:429:2,get:503:1`
//! (`*` for any method; each fires COUNT times with `Retry-After: 1`).
//!
//! Faults apply to ARM requests only, never to the token endpoint, the metadata endpoint,
//! `/oidc/…` or `/_emulator/…`, so that a test can always clear them.

use serde::{Deserialize, Serialize};

/// One rule as written in the spec.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// The whole spec.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultError {
    #[error("fault spec is not valid JSON of the documented shape: {0}")]
    Json(String),
    #[error("fault rule {index}: {message}")]
    Rule { index: usize, message: String },
    #[error("compact fault spec item {0:?} is not METHOD:STATUS:COUNT")]
    Compact(String),
}

impl FaultSpec {
    /// Parses either the JSON document or the compact form.
    pub fn parse(text: &str) -> Result<FaultSpec, FaultError> {
        let text = text.trim();
        if text.starts_with('{') {
            return serde_json::from_str(text).map_err(|e| FaultError::Json(e.to_string()));
        }
        let mut rules = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let parts: Vec<&str> = item.split(':').collect();
            let [method, status, count] = parts.as_slice() else {
                return Err(FaultError::Compact(item.to_string()));
            };
            let status = status
                .parse()
                .map_err(|_| FaultError::Compact(item.to_string()))?;
            let count = count
                .parse()
                .map_err(|_| FaultError::Compact(item.to_string()))?;
            rules.push(FaultRule {
                method: (*method != "*").then(|| method.to_ascii_uppercase()),
                status: Some(status),
                retry_after: Some(1),
                count: Some(count),
                ..FaultRule::default()
            });
        }
        Ok(FaultSpec { seed: 0, rules })
    }
}

/// What to do with one request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    pub latency_ms: u64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Outcome {
    #[default]
    Proceed,
    Status {
        status: u16,
        retry_after: Option<u64>,
    },
    Drop,
}

#[derive(Debug, Clone)]
struct CompiledRule {
    rule: FaultRule,
    path: Option<regex::Regex>,
    fired: u64,
}

/// The active rules and the random stream deciding which requests they hit.
#[derive(Debug, Clone, Default)]
pub struct FaultInjector {
    spec: FaultSpec,
    rules: Vec<CompiledRule>,
    rng: u64,
}

impl FaultInjector {
    /// Checks and compiles a spec.
    pub fn new(spec: FaultSpec) -> Result<FaultInjector, FaultError> {
        let mut rules = Vec::new();
        for (index, rule) in spec.rules.iter().enumerate() {
            let bad = |message: &str| FaultError::Rule {
                index,
                message: message.to_string(),
            };
            let actions = usize::from(rule.status.is_some())
                + usize::from(rule.drop)
                + usize::from(rule.latency_ms.is_some());
            if actions != 1 {
                return Err(bad("give exactly one of status, drop, latency_ms"));
            }
            if rule.rate.is_some_and(|rate| !(0.0..=1.0).contains(&rate)) {
                return Err(bad("rate must be between 0 and 1"));
            }
            if rule
                .status
                .is_some_and(|status| !(400..=599).contains(&status))
            {
                return Err(bad("status must be between 400 and 599"));
            }
            let path = match &rule.path {
                Some(p) => Some(
                    regex::RegexBuilder::new(p)
                        .case_insensitive(true)
                        .build()
                        .map_err(|e| bad(&format!("path is not a regular expression: {e}")))?,
                ),
                None => None,
            };
            rules.push(CompiledRule {
                rule: rule.clone(),
                path,
                fired: 0,
            });
        }
        Ok(FaultInjector {
            rng: spec.seed ^ 0x9E37_79B9_7F4A_7C15,
            spec,
            rules,
        })
    }

    pub fn spec(&self) -> &FaultSpec {
        &self.spec
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// SplitMix64: small, fast and deterministic.
    fn next_unit(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Decides the fate of a request.
    pub fn decide(&mut self, method: &str, path: &str) -> Decision {
        let mut decision = Decision::default();
        for i in 0..self.rules.len() {
            let (matches, rate, exhausted) = {
                let r = &self.rules[i];
                let method_ok = r
                    .rule
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method));
                let path_ok = r.path.as_ref().is_none_or(|re| re.is_match(path));
                let exhausted = r.rule.count.is_some_and(|c| r.fired >= c);
                (method_ok && path_ok, r.rule.rate.unwrap_or(1.0), exhausted)
            };
            if !matches || exhausted {
                continue;
            }
            if rate < 1.0 && self.next_unit() >= rate {
                continue;
            }
            let r = &mut self.rules[i];
            r.fired += 1;
            if let Some(ms) = r.rule.latency_ms {
                // Rules come from an admin request: huge values must not overflow.
                decision.latency_ms = decision.latency_ms.saturating_add(ms);
                continue;
            }
            decision.outcome = if r.rule.drop {
                Outcome::Drop
            } else {
                Outcome::Status {
                    status: r.rule.status.unwrap_or(500),
                    retry_after: r.rule.retry_after,
                }
            };
            break;
        }
        decision
    }
}

/// ARM's error code for an injected status.
pub fn error_code(status: u16) -> &'static str {
    match status {
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        409 => "Conflict",
        _ => "InjectedFault",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_json_spec_from_the_issue() {
        let spec = FaultSpec::parse(
            r#"{"seed": 7, "rules": [{"method": "PUT", "path": "staticMembers", "rate": 0.3, "status": 429, "retry_after": 1}, {"rate": 0.1, "status": 503}, {"rate": 0.05, "drop": true}, {"latency_ms": 200}]}"#,
        )
        .unwrap();
        assert_eq!(spec.rules.len(), 4);
        FaultInjector::new(spec).unwrap();
    }

    #[test]
    fn parses_the_compact_form() {
        let spec = FaultSpec::parse("put:429:2, *:503:1").unwrap();
        assert_eq!(spec.rules[0].method.as_deref(), Some("PUT"));
        assert_eq!(spec.rules[1].method, None);
        let mut f = FaultInjector::new(spec).unwrap();
        let statuses: Vec<Outcome> = (0..4).map(|_| f.decide("PUT", "/x").outcome).collect();
        assert_eq!(
            statuses,
            vec![
                Outcome::Status {
                    status: 429,
                    retry_after: Some(1)
                },
                Outcome::Status {
                    status: 429,
                    retry_after: Some(1)
                },
                Outcome::Status {
                    status: 503,
                    retry_after: Some(1)
                },
                Outcome::Proceed
            ]
        );
        assert!(FaultSpec::parse("put:429").is_err());
    }

    #[test]
    fn rejects_bad_rules() {
        for bad in [
            r#"{"rules": [{"status": 429, "drop": true}]}"#,
            r#"{"rules": [{"rate": 2, "status": 429}]}"#,
            r#"{"rules": [{"status": 200}]}"#,
            r#"{"rules": [{"path": "(", "status": 500}]}"#,
            r#"{"rules": [{}]}"#,
        ] {
            assert!(
                FaultInjector::new(FaultSpec::parse(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
        assert!(FaultSpec::parse(r#"{"rulez": []}"#).is_err());
    }

    #[test]
    fn rates_are_deterministic_per_seed_and_roughly_right() {
        let spec =
            FaultSpec::parse(r#"{"seed": 7, "rules": [{"rate": 0.3, "status": 429}]}"#).unwrap();
        let run = |spec: FaultSpec| -> Vec<bool> {
            let mut f = FaultInjector::new(spec).unwrap();
            (0..1000)
                .map(|_| f.decide("GET", "/a").outcome != Outcome::Proceed)
                .collect()
        };
        let a = run(spec.clone());
        assert_eq!(a, run(spec));
        let hits = a.iter().filter(|h| **h).count();
        assert!((200..400).contains(&hits), "{hits}");
    }

    #[test]
    fn selects_by_method_and_path_and_adds_latency() {
        let spec = FaultSpec::parse(
            r#"{"rules": [{"latency_ms": 5}, {"latency_ms": 7}, {"method": "put", "path": "staticmembers/", "status": 500}]}"#,
        )
        .unwrap();
        let mut f = FaultInjector::new(spec).unwrap();
        let d = f.decide("PUT", "/x/staticMembers/a");
        assert_eq!(d.latency_ms, 12);
        assert_eq!(
            d.outcome,
            Outcome::Status {
                status: 500,
                retry_after: None
            }
        );
        assert_eq!(
            f.decide("GET", "/x/staticMembers/a").outcome,
            Outcome::Proceed
        );
        assert_eq!(
            f.decide("PUT", "/x/networkGroups/a").outcome,
            Outcome::Proceed
        );
    }

    #[test]
    fn huge_latencies_saturate_instead_of_overflowing() {
        let huge = u64::MAX / 2 + 1;
        let spec = FaultSpec::parse(&format!(
            r#"{{"rules": [{{"latency_ms": {huge}}}, {{"latency_ms": {huge}}}]}}"#
        ))
        .unwrap();
        let mut f = FaultInjector::new(spec).unwrap();
        assert_eq!(f.decide("GET", "/x").latency_ms, u64::MAX);
    }
}
