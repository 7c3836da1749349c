//! Acceptance: `avnm_management_group_connection` and its data source (target tenant) — the
//! scenario of `acc_common::manager_connection` at management group scope.

mod acc_common;
mod support;

use acc_common::manager_connection::{ConnectionAtScope, assert_connection_lifecycle};
use support::Emulator;

#[test]
fn management_group_connection_lifecycle() {
    if !support::acceptance_enabled() {
        return;
    }
    let emu = Emulator::start();
    let connection = ConnectionAtScope {
        type_name: "avnm_management_group_connection",
        scope_attribute: "management_group_id",
        scope_id: emu.tenant("target").management_group_ids[0].clone(),
        prefix: "acc-mgconn",
    };
    assert_connection_lifecycle(&emu, &connection);
}
