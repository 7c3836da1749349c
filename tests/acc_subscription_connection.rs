//! Acceptance: `avnm_subscription_connection` and its data source (target tenant) — the
//! scenario of `acc_common::manager_connection` at subscription scope.

mod acc_common;
mod support;

use acc_common::manager_connection::{ConnectionAtScope, assert_connection_lifecycle};
use acc_common::subscription;
use support::Emulator;

#[test]
fn subscription_connection_lifecycle() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let connection = ConnectionAtScope {
        type_name: "avnm_subscription_connection",
        scope_attribute: "subscription_id",
        scope_id: format!("/subscriptions/{}", subscription(&emu, "target")),
        prefix: "acc-subconn",
    };
    assert_connection_lifecycle(&emu, &connection);
}
