//! Logs as hclog JSON lines on stderr, which go-plugin parses and re-emits in Terraform's own
//! log stream (`TF_LOG=DEBUG terraform plan`) at the right level and under the provider's name.
//!
//! The level comes from `TF_LOG_PROVIDER`, else `TF_LOG`, as terraform-plugin-log does;
//! with neither set, nothing is logged (Terraform would discard it anyway).

use std::fmt;

use serde_json::{Map, Value as Json};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The `@module` Terraform shows for provider lines, as the Go SDKs name it.
pub const MODULE: &str = "provider.terraform-provider-avnm";

/// The level named by `TF_LOG_PROVIDER` / `TF_LOG` (`TRACE`, `DEBUG`, `INFO`, `WARN`,
/// `ERROR`, `OFF`; `JSON` means trace, as in Terraform).
pub fn level_from(var: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let setting = var("TF_LOG_PROVIDER")
        .filter(|v| !v.is_empty())
        .or_else(|| var("TF_LOG").filter(|v| !v.is_empty()));
    match setting.map(|v| v.trim().to_ascii_uppercase()).as_deref() {
        Some("TRACE" | "JSON") => LevelFilter::TRACE,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some("INFO") => LevelFilter::INFO,
        Some("WARN") => LevelFilter::WARN,
        Some("ERROR") => LevelFilter::ERROR,
        // Unknown names: Terraform treats them as TRACE and warns; be as forthcoming.
        Some("OFF") | None => LevelFilter::OFF,
        Some(_) => LevelFilter::TRACE,
    }
}

/// Installs the stderr logger for the process. Safe to call more than once (later calls
/// are ignored).
pub fn init() {
    let level = level_from(|k| std::env::var(k).ok());
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .event_format(HclogJson)
        .finish()
        .with(filter(level))
        .try_init();
}

/// The provider's own events at `level`; libraries' (TLS, HTTP/2, HTTP client) only from
/// WARN up, both because their debug output drowns the provider's and because TLS libraries
/// trace certificates and handshake material.
fn filter(level: LevelFilter) -> Targets {
    Targets::new()
        .with_target("terraform_provider_avnm", level)
        .with_default(level.min(LevelFilter::WARN))
}

/// Formats each event as one hclog JSON object.
pub struct HclogJson;

impl<S, N> FormatEvent<S, N> for HclogJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let line = hclog_line(
            event.metadata().level(),
            event.metadata().target(),
            &timestamp(),
            |visitor| event.record(visitor),
        );
        writeln!(writer, "{line}")
    }
}

fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `2006-01-02T15:04:05.000000Z07:00` in UTC, as hclog writes it.
fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(format)
        .unwrap_or_default()
}

fn hclog_line(
    level: &Level,
    target: &str,
    timestamp: &str,
    record: impl FnOnce(&mut dyn Visit),
) -> String {
    let mut fields = JsonFields::default();
    record(&mut fields);
    let mut object = Map::new();
    object.insert("@level".into(), Json::from(hclog_level(level)));
    object.insert(
        "@message".into(),
        Json::from(fields.message.unwrap_or_default()),
    );
    object.insert("@module".into(), Json::from(MODULE));
    object.insert("@timestamp".into(), Json::from(timestamp));
    if !target.is_empty() && !target.starts_with("terraform_provider_avnm") {
        object.insert("@caller".into(), Json::from(target));
    }
    for (k, v) in fields.rest {
        object.entry(k).or_insert(v);
    }
    Json::Object(object).to_string()
}

#[derive(Default)]
struct JsonFields {
    message: Option<String>,
    rest: Map<String, Json>,
}

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name().starts_with("log.") {
            // tracing-log's bookkeeping (file, line, module) of events from the `log` crate.
        } else if field.name() == "message" {
            self.message = Some(value.to_string());
        } else {
            self.rest
                .insert(field.name().to_string(), Json::from(value));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name().starts_with("log.") {
            return;
        }
        self.rest
            .insert(field.name().to_string(), Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name().starts_with("log.") {
            return;
        }
        self.rest
            .insert(field.name().to_string(), Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.rest
            .insert(field.name().to_string(), Json::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name().starts_with("log.") {
            // as in record_str
        } else if field.name() == "message" {
            self.message = Some(text);
        } else {
            self.rest.insert(field.name().to_string(), Json::from(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn level_prefers_tf_log_provider_over_tf_log() {
        assert_eq!(level_from(env(&[])), LevelFilter::OFF);
        assert_eq!(level_from(env(&[("TF_LOG", "debug")])), LevelFilter::DEBUG);
        assert_eq!(
            level_from(env(&[("TF_LOG", "TRACE"), ("TF_LOG_PROVIDER", "WARN")])),
            LevelFilter::WARN
        );
        assert_eq!(level_from(env(&[("TF_LOG", "JSON")])), LevelFilter::TRACE);
        assert_eq!(level_from(env(&[("TF_LOG", "off")])), LevelFilter::OFF);
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn writes_hclog_json_lines() {
        let captured = Captured::default();
        let sink = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(LevelFilter::TRACE)
            .with_writer(move || sink.clone())
            .event_format(HclogJson)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(rpc = "PlanResourceChange", attempts = 2, "planning {}", "x");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let line: Json = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(line["@level"], "info");
        assert_eq!(line["@message"], "planning x");
        assert_eq!(line["@module"], MODULE);
        assert_eq!(line["rpc"], "PlanResourceChange");
        assert_eq!(line["attempts"], 2);
        let ts = line["@timestamp"].as_str().unwrap();
        // 2006-01-02T15:04:05.000000Z
        assert_eq!(ts.len(), 27, "{ts}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T' && ts.as_bytes()[19] == b'.');
    }
}
