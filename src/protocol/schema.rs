//! The schema model: what a provider, resource or data source declares about its attributes.
//!
//! Beyond what tfplugin6's `Schema` carries, an attribute declares the plan behaviour the
//! protocol layer enforces once for every resource (`requires_replace`, computed values kept
//! or unknown) and its validators, which run at plan time with the attribute's path.

use std::fmt;
use std::sync::Arc;

use crate::value::{Type, Value};

#[derive(Debug, Clone)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

#[derive(Debug, Clone, Default)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeMode {
    Required,
    Optional,
    /// Set by the provider only.
    Computed,
    /// Configurable; when not configured the provider supplies the value.
    OptionalComputed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NestingMode {
    Single,
    Group,
    List,
    Set,
    Map,
}

#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub type_name: String,
    pub nesting: NestingMode,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
    /// Changing anything inside this block replaces the resource.
    pub requires_replace: bool,
}

/// What happens to a computed attribute's value when a resource is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComputedOnUpdate {
    /// The prior value stays (ids, GUIDs): planned as the prior state's value.
    KeepPrior,
    /// The value may change on any update (states, etags): planned unknown when anything changes.
    UnknownOnChange,
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub mode: AttributeMode,
    pub sensitive: bool,
    pub deprecated: bool,
    /// A change to this attribute replaces the resource.
    pub requires_replace: bool,
    pub computed_on_update: ComputedOnUpdate,
    pub validators: Vec<Validator>,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("ty", &self.ty)
            .field("mode", &self.mode)
            .field("requires_replace", &self.requires_replace)
            .finish_non_exhaustive()
    }
}

impl Attribute {
    fn new(name: &str, ty: Type, mode: AttributeMode) -> Self {
        Self {
            name: name.to_string(),
            ty,
            description: String::new(),
            mode,
            sensitive: false,
            deprecated: false,
            requires_replace: false,
            computed_on_update: ComputedOnUpdate::KeepPrior,
            validators: Vec::new(),
        }
    }
    pub fn required(name: &str, ty: Type) -> Self {
        Self::new(name, ty, AttributeMode::Required)
    }
    pub fn optional(name: &str, ty: Type) -> Self {
        Self::new(name, ty, AttributeMode::Optional)
    }
    pub fn computed(name: &str, ty: Type) -> Self {
        Self::new(name, ty, AttributeMode::Computed)
    }
    pub fn optional_computed(name: &str, ty: Type) -> Self {
        Self::new(name, ty, AttributeMode::OptionalComputed)
    }
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    /// For computed attributes whose value can change on any update.
    pub fn unknown_on_change(mut self) -> Self {
        self.computed_on_update = ComputedOnUpdate::UnknownOnChange;
        self
    }
    pub fn validate(mut self, v: Validator) -> Self {
        self.validators.push(v);
        self
    }
    pub fn is_computed(&self) -> bool {
        matches!(
            self.mode,
            AttributeMode::Computed | AttributeMode::OptionalComputed
        )
    }
}

/// A plan-time check of one attribute's value. It is called only with known, non-null
/// values; for a collection attribute it sees the whole collection.
/// `Err` carries a sentence for the user, e.g. "must be a subscription ID like /subscriptions/<guid>".
#[derive(Clone)]
pub struct Validator {
    pub description: &'static str,
    pub check: Arc<CheckFn>,
}

/// The function inside a [`Validator`].
pub type CheckFn = dyn Fn(&Value) -> Result<(), String> + Send + Sync;

impl Validator {
    pub fn new(
        description: &'static str,
        check: impl Fn(&Value) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self {
            description,
            check: Arc::new(check),
        }
    }
    /// Validates a string value (or every string element of a list/set value).
    pub fn string(
        description: &'static str,
        check: impl Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        Self::new(description, move |v| match v {
            Value::String(s) => check(s),
            Value::List(items) | Value::Set(items) => items
                .iter()
                .filter_map(Value::as_str)
                .try_for_each(|s| check(s).map_err(|e| format!("{s:?}: {e}"))),
            _ => Ok(()),
        })
    }
    /// Accepts only one of `allowed` (exact match, as ARM enum values are).
    pub fn one_of(allowed: &'static [&'static str]) -> Self {
        Self::string("one of a fixed set of values", move |s| {
            if allowed.contains(&s) {
                Ok(())
            } else {
                Err(format!("must be one of: {}", allowed.join(", ")))
            }
        })
    }
}

impl Block {
    /// The cty object type of values conforming to this block.
    pub fn value_type(&self) -> Type {
        let mut attrs: Vec<(String, Type)> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for b in &self.blocks {
            let inner = b.block.value_type();
            let ty = match b.nesting {
                NestingMode::Single | NestingMode::Group => inner,
                NestingMode::List => Type::list(inner),
                NestingMode::Set => Type::set(inner),
                NestingMode::Map => Type::map(inner),
            };
            attrs.push((b.type_name.clone(), ty));
        }
        Type::object(attrs)
    }
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// A managed resource type's identity (protocol 6.9): the few values that name one remote
/// object for good. Terraform stores it beside the state, matches `terraform query` results
/// against it and accepts it in `import { identity = {...} }`.
///
/// Each identity attribute mirrors the state attribute of the same name, so the protocol
/// layer derives the identity from any state without help from the resource.
#[derive(Debug, Clone)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
    /// The identity attribute whose value is the import ID: an import by identity imports
    /// exactly what `import { id = ... }` with that value would.
    pub import_id_attribute: String,
}

#[derive(Debug, Clone)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    /// Must be given in `import { identity = {...} }`.
    pub required_for_import: bool,
}

impl IdentitySchema {
    /// An identity of one required string attribute that is also the import ID (an ARM
    /// resource ID, say).
    pub fn single_id(name: &str, description: &str) -> Self {
        Self {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: name.to_string(),
                ty: Type::String,
                description: description.to_string(),
                required_for_import: true,
            }],
            import_id_attribute: name.to_string(),
        }
    }

    /// The cty object type of identity values.
    pub fn value_type(&self) -> Type {
        Type::object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone())),
        )
    }

    /// The identity of the object whose state is `state`. `None` while any identity attribute
    /// is unknown or null (a create's plan, an object that is gone): Terraform then keeps no
    /// identity rather than a wrong one.
    pub fn identity_of(&self, state: &Value) -> Option<Value> {
        let attrs = self
            .attributes
            .iter()
            .map(|a| {
                let v = state.get_attr(&a.name)?;
                (v.is_wholly_known() && !v.is_null()).then(|| (a.name.clone(), v.clone()))
            })
            .collect::<Option<_>>()?;
        Some(Value::Object(attrs))
    }

    /// The import ID an `import { identity = {...} }` names.
    pub fn import_id<'v>(&self, identity: &'v Value) -> Option<&'v str> {
        identity
            .get_attr(&self.import_id_attribute)
            .and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_comes_from_same_named_state_attributes_once_known() {
        let identity = IdentitySchema::single_id("id", "The ID.");
        assert_eq!(identity.value_type(), Type::object([("id", Type::String)]));
        let state = |id: Value| {
            Value::Object(
                [
                    ("id".to_string(), id),
                    ("name".to_string(), Value::string("n")),
                ]
                .into(),
            )
        };
        let known = identity.identity_of(&state(Value::string("/x/n")));
        assert_eq!(
            known,
            Some(Value::Object(
                [("id".to_string(), Value::string("/x/n"))].into()
            ))
        );
        assert_eq!(identity.identity_of(&state(Value::unknown())), None);
        assert_eq!(identity.identity_of(&state(Value::Null)), None);
        assert_eq!(identity.identity_of(&Value::Null), None);
        let imported = known.expect("known identity");
        assert_eq!(identity.import_id(&imported), Some("/x/n"));
    }
}
