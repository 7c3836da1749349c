//! What the two network manager connection data sources (subscription and management group
//! scope) share: their computed attributes and reading the connection. Each data source keeps
//! its own scope attribute and builds the connection ID from it.

use crate::arm::ArmClient;
use crate::protocol::{Attribute, Context, Diagnostics};
use crate::resources::manager_connection::{ConnectionFields, from_arm_body};
use crate::value::Type;

use super::attributes;
use super::lookup::get_existing;

/// The computed attributes of a network manager connection (both scopes).
pub fn computed_attributes() -> Vec<Attribute> {
    vec![
        attributes::id(),
        Attribute::computed("network_manager_id", Type::String)
            .description("The network manager allowed to manage the scope."),
        attributes::description(),
        attributes::connection_state(),
    ]
}

/// Reads the connection at `id`, which must exist. Its description is `""` when it has none
/// (the data source attribute is never null).
pub async fn read(
    ctx: &Context<ArmClient>,
    type_name: &'static str,
    id: &str,
) -> Result<ConnectionFields, Diagnostics> {
    let body = get_existing(ctx, type_name, id, "network manager connection").await?;
    let fields = from_arm_body(&body, None, None);
    Ok(ConnectionFields {
        description: Some(fields.description.unwrap_or_default()),
        ..fields
    })
}
