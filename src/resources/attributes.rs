//! The schema attributes that mean the same thing in every resource that has them: the ARM
//! ID, the name that is part of it, the free-text description and a connection's state.
//! One definition each, so that their plan behaviour and wording cannot drift apart.

use super::validators;
use crate::protocol::{Attribute, IdentitySchema};
use crate::value::Type;

/// `id`: the ARM resource ID, known after create. `what` names the object ("network group").
pub fn id(what: &str) -> Attribute {
    Attribute::computed("id", Type::String)
        .description(&format!("The ARM resource ID of the {what}."))
}

/// The resource identity: the ARM resource ID alone, held in the state's `id`. It names one
/// object in every tenant and subscription, is the import ID already, and is the one value
/// every resource's state has (nested types have no resource group or subscription
/// attributes of their own).
pub fn identity(what: &str) -> IdentitySchema {
    IdentitySchema::single_id("id", &format!("The ARM resource ID of the {what}."))
}

/// `name`: the last segment of the ARM ID, so changing it means another object.
pub fn name(what: &str) -> Attribute {
    Attribute::required("name", Type::String)
        .description(&format!(
            "The name of the {what}. Changing it creates a new one."
        ))
        .requires_replace()
        .validate(validators::arm_name())
}

/// `description`: optional free text; null is sent as `""`, which clears it in Azure.
pub fn description() -> Attribute {
    Attribute::optional("description", Type::String)
        .description("A description. Removing it clears the description in Azure.")
}

/// `connection_state`, shared by the three connection resources: computed, refreshed on
/// every read, and never a reason for a diff.
pub fn connection_state() -> Attribute {
    Attribute::computed("connection_state", Type::String)
        .description("The state of the cross-tenant link: `Pending` (only one tenant's half exists), `Connected`, `Conflict`, `Revoked` or `Rejected`. Refreshed on every read; a change never causes a diff.")
        .unknown_on_change()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{AttributeMode, ComputedOnUpdate};

    #[test]
    fn name_replaces_and_id_is_computed() {
        let name = name("network group");
        assert_eq!(name.mode, AttributeMode::Required);
        assert!(name.requires_replace);
        assert_eq!(
            name.description,
            "The name of the network group. Changing it creates a new one."
        );
        let id = id("network group");
        assert_eq!(id.mode, AttributeMode::Computed);
        assert_eq!(id.description, "The ARM resource ID of the network group.");
    }

    #[test]
    fn identity_is_the_arm_id_and_imports_by_it() {
        let identity = identity("network group");
        assert_eq!(identity.import_id_attribute, "id");
        assert_eq!(identity.attributes.len(), 1);
        assert!(identity.attributes[0].required_for_import);
        assert_eq!(identity.attributes[0].name, id("network group").name);
    }

    #[test]
    fn connection_state_is_read_and_never_configured() {
        let attribute = connection_state();
        assert_eq!(attribute.mode, AttributeMode::Computed);
        assert!(matches!(
            attribute.computed_on_update,
            ComputedOnUpdate::UnknownOnChange
        ));
    }
}
