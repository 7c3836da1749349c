//! The operator API under `/_emulator/` (no authentication; the emulator listens on
//! loopback). Documented in docs/emulator.md:
//! - `GET requests[?since=SEQ]` — the request log (never tokens); `DELETE requests` clears it;
//! - `GET resources` (alias `GET inventory`) — every resource created through the API;
//! - `POST reset` — forget all resources, operations, requests and faults;
//! - `GET faults` / `POST faults` — the active fault spec (see `faults.rs`);
//! - `GET world` — the world (tenants, subscriptions, networks, principals).

use serde_json::{Value, json};

use super::app::{App, operator_error};
use super::faults::{FaultInjector, FaultSpec};
use super::http::{Request, Response};

pub fn handle(app: &App, req: &Request, rest: &[&str]) -> Response {
    match (req.method.as_str(), rest) {
        ("GET", ["requests"]) => {
            let since = req
                .query_param("since")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            Response::json(200, &json!(app.requests(since)))
        }
        ("DELETE", ["requests"]) => {
            app.clear_requests();
            Response::empty(204)
        }
        ("GET", ["resources"] | ["inventory"]) => {
            let resources: Vec<Value> = app.read(|store| {
                store
                    .resources
                    .values()
                    .map(|r| store.render(r, &app.world))
                    .collect()
            });
            Response::json(200, &json!(resources))
        }
        ("POST", ["reset"]) => match app.reset() {
            Ok(()) => Response::empty(204),
            Err(e) => e.into_response(),
        },
        ("GET", ["faults"]) => Response::json(200, &app.fault_spec()),
        ("POST", ["faults"]) => {
            let text = String::from_utf8_lossy(&req.body);
            match FaultSpec::parse(&text).and_then(FaultInjector::new) {
                Ok(faults) => {
                    app.set_faults(faults);
                    Response::json(200, &app.fault_spec())
                }
                Err(e) => operator_error(400, e.to_string()),
            }
        }
        ("GET", ["world"]) => Response::json(200, &json!(app.world.world)),
        _ => operator_error(
            404,
            format!("unknown operator endpoint {} {}", req.method, req.path),
        ),
    }
}
