//! The ARM calls every resource makes, in one place: the operation's deadline on every
//! request, the requires-import existence check, and errors turned into diagnostics that
//! name the resource type and the action.

use serde_json::Value as Json;
use tokio::time::Instant;

use crate::arm::{ArmClient, ArmError, IdError, NETWORK_API_VERSION, RequestOptions};
use crate::protocol::{Diagnostic, Diagnostics};
use crate::value::AttributePath;

/// One resource type's ARM calls within one Terraform operation. All its requests share one
/// `x-ms-correlation-request-id`, so ARM's logs group them as one operation.
pub struct ArmCall {
    client: ArmClient,
    type_name: &'static str,
    options: RequestOptions,
}

impl ArmCall {
    pub fn new(client: &ArmClient, type_name: &'static str, deadline: Instant) -> Self {
        Self {
            client: client.for_operation(),
            type_name,
            options: RequestOptions::until(deadline),
        }
    }

    /// Sends the auxiliary tokens of `tenants` with the writes of this call (cross-tenant members).
    pub fn with_auxiliary_tenants(mut self, tenants: &[String]) -> Self {
        self.options = self.options.with_auxiliary_tenants(tenants.iter().cloned());
        self
    }

    pub fn client(&self) -> &ArmClient {
        &self.client
    }

    /// GETs `id`; `None` when ARM says it does not exist.
    pub async fn get(&self, id: &str) -> Result<Option<Json>, Diagnostics> {
        self.client
            .get(
                id,
                NETWORK_API_VERSION,
                &RequestOptions::until(self.deadline()),
            )
            .await
            .map_err(|e| self.failed("reading", id, &e))
    }

    /// Lists a collection (every page).
    pub async fn list(&self, collection: &str) -> Result<Vec<Json>, Diagnostics> {
        self.client
            .list(
                collection,
                NETWORK_API_VERSION,
                &RequestOptions::until(self.deadline()),
            )
            .await
            .map_err(|e| self.failed("listing", collection, &e))
    }

    pub async fn put(&self, id: &str, body: &Json) -> Result<Json, Diagnostics> {
        self.client
            .put(id, NETWORK_API_VERSION, body, &self.options)
            .await
            .map_err(|e| self.failed("writing", id, &e))
    }

    /// DELETEs `id` and waits until it is gone; already gone is success.
    pub async fn delete(&self, id: &str) -> Result<(), Diagnostics> {
        self.client
            .delete(id, NETWORK_API_VERSION, &[], &self.options)
            .await
            .map_err(|e| self.failed("deleting", id, &e))
    }

    /// DELETE with `force=true`: managers and groups are deleted with what they hold
    /// (as `terraform destroy` means), instead of ARM refusing while children exist.
    pub async fn delete_forced(&self, id: &str) -> Result<(), Diagnostics> {
        self.client
            .delete(id, NETWORK_API_VERSION, &[("force", "true")], &self.options)
            .await
            .map_err(|e| self.failed("deleting", id, &e))
    }

    /// Refuses to create what already exists: Terraform must not silently adopt an object it
    /// did not create (it would destroy it later). azurerm's requires-import behaviour.
    pub async fn ensure_absent(&self, id: &str) -> Result<(), Diagnostics> {
        match self.get(id).await? {
            None => Ok(()),
            Some(_) => Err(already_exists(self.type_name, id)),
        }
    }

    fn deadline(&self) -> Instant {
        self.options
            .deadline
            .unwrap_or_else(|| Instant::now() + crate::arm::client::DEFAULT_TIMEOUT)
    }

    fn failed(&self, action: &str, id: &str, error: &ArmError) -> Diagnostics {
        arm_error(self.type_name, action, id, error)
    }
}

/// The diagnostic for an ARM failure while `action` (reading, writing, deleting) `id`.
pub fn arm_error(type_name: &str, action: &str, id: &str, error: &ArmError) -> Diagnostics {
    crate::provider::diagnostics::arm_error_diagnostics(
        &format!("{action} {type_name} {id}"),
        error,
    )
}

pub fn already_exists(type_name: &str, id: &str) -> Diagnostics {
    Diagnostics::error(
        format!("A resource with the ID {id:?} already exists"),
        format!(
            "{id} already exists - to be managed via Terraform this resource needs to be imported \
             into the State (an `import` block, or `terraform import`). Please see the resource \
             documentation for {type_name:?} for more information."
        ),
    )
}

/// The import diagnostic for an ID of the wrong shape (the error names the expected shape).
pub fn import_error(id: &str, error: IdError) -> Diagnostics {
    Diagnostics::error(
        format!("Cannot import {id:?}"),
        format!("the import ID must be the resource's ARM ID: {error}"),
    )
}

/// A required value the protocol layer guarantees; its absence is a provider bug, said plainly.
pub fn required<'s>(value: &'s Option<String>, name: &str) -> Result<&'s str, Diagnostics> {
    value.as_deref().ok_or_else(|| {
        Diagnostic::error(
            format!("{name} is not known"),
            "the provider was asked to act on a resource whose identifying attribute is unknown or null",
        )
        .at(AttributePath::attr(name))
        .into()
    })
}

/// Parses an ID attribute with its typed parser; the error points at the attribute.
pub fn parse_attr<T>(
    value: &Option<String>,
    name: &str,
    parse: impl Fn(&str) -> Result<T, IdError>,
) -> Result<T, Diagnostics> {
    let text = required(value, name)?;
    parse(text).map_err(|e| {
        Diagnostics::attribute_error(
            AttributePath::attr(name),
            format!("Invalid {name}"),
            e.to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_objects_must_be_imported() {
        let d = already_exists("avnm_network_group", "/x/y");
        let detail = &d.0[0].detail;
        assert!(
            detail.contains("needs to be imported into the State"),
            "{detail}"
        );
        assert!(detail.contains("avnm_network_group"), "{detail}");
    }

    #[test]
    fn wrong_import_ids_name_the_shape() {
        let err = crate::arm::NetworkManagerId::parse("/subscriptions/x").unwrap_err();
        let d = import_error("/subscriptions/x", err);
        assert!(
            d.0[0].detail.contains("networkManagers"),
            "{}",
            d.0[0].detail
        );
    }

    #[test]
    fn missing_identifiers_point_at_their_attribute() {
        let d = required(&None, "name").unwrap_err();
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("name")));
    }
}
