//! Reading the one object a data source describes: a missing object is an error here (a
//! data source cannot be "gone" the way a managed resource can), naming what was looked for.

use serde_json::Value as Json;

use crate::arm::ArmClient;
use crate::protocol::{Context, Diagnostics};
use crate::resources::arm_ops::ArmCall;

/// GETs `id` for the data source `type_name`, failing with a "not found" diagnostic naming
/// `what` when ARM has no such object.
pub async fn get_existing(
    ctx: &Context<ArmClient>,
    type_name: &'static str,
    id: &str,
    what: &str,
) -> Result<Json, Diagnostics> {
    ArmCall::new(&ctx.client, type_name, ctx.deadline)
        .get(id)
        .await?
        .ok_or_else(|| not_found(what, id))
}

pub fn not_found(what: &str, id: &str) -> Diagnostics {
    Diagnostics::error(
        format!("{what} not found"),
        format!("no {what} exists at {id} (or the provider's identity cannot see it)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_what_and_where() {
        let d = not_found("network group", "/x/y");
        assert_eq!(d.0[0].summary, "network group not found");
        assert!(d.0[0].detail.contains("/x/y"));
    }
}
