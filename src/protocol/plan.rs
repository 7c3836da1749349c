//! Terraform's plan rules, written once for every resource.
//!
//! Terraform sends `proposed_new_state`: the config merged with the prior state (configured
//! values from config, unconfigured computed values from the prior state, null on create).
//! The provider's job is to turn that into a plan Terraform will accept:
//!
//! - on create, every computed attribute the config leaves null becomes unknown;
//! - on update with a change, computed attributes keep their prior value
//!   ([`ComputedOnUpdate::KeepPrior`]) or become unknown ([`ComputedOnUpdate::UnknownOnChange`]);
//!   a computed attribute with nothing to keep (null) becomes unknown;
//! - configured values are never touched;
//! - `requires_replace` paths name the changed attributes (and blocks) that force replacement;
//! - on destroy the planned state is null.
//!
//! This mirrors terraform-plugin-framework's `PlanResourceChange` (MarkComputedNilsAsUnknown
//! plus RequiresReplace plan modifiers) so users see the plans they are used to.

use std::collections::BTreeMap;

use super::schema::{Attribute, AttributeMode, Block, ComputedOnUpdate, NestedBlock, NestingMode};
use crate::value::{AttributePath, Value};

/// The provider's answer to PlanResourceChange, before encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedChange {
    pub planned_state: Value,
    pub requires_replace: Vec<AttributePath>,
}

/// Applies the plan rules to one resource instance.
///
/// `prior` is null on create, `proposed` is null on destroy; `config` is the resource's
/// configuration (null on destroy).
pub fn plan_resource_change(
    block: &Block,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> PlannedChange {
    if proposed.is_null() {
        return PlannedChange {
            planned_state: Value::Null,
            requires_replace: Vec::new(),
        };
    }
    if prior.is_null() {
        return PlannedChange {
            planned_state: plan_computed_unknown(block, proposed, Some(config), Phase::Create),
            requires_replace: Vec::new(),
        };
    }
    if values_equal(prior, proposed) {
        // Nothing configurable changed: the plan is the proposal, so Terraform sees no diff.
        return PlannedChange {
            planned_state: proposed.clone(),
            requires_replace: Vec::new(),
        };
    }
    let planned = plan_computed_unknown(block, proposed, Some(config), Phase::Update);
    let mut requires_replace = Vec::new();
    replace_paths(
        block,
        prior,
        &planned,
        &AttributePath::root(),
        &mut requires_replace,
    );
    PlannedChange {
        planned_state: planned,
        requires_replace,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Create,
    Update,
}

/// Marks computed attributes unknown as the rules for `phase` say, recursing into nested
/// blocks. `config` is the matching configuration object when it can be aligned with
/// `proposed` (objects, list indexes, map keys); inside sets it cannot, and only the
/// proposed value is used.
pub fn plan_computed_unknown(
    block: &Block,
    proposed: &Value,
    config: Option<&Value>,
    phase: Phase,
) -> Value {
    let Value::Object(proposed_attrs) = proposed else {
        // Null (absent single block) or unknown (dynamic block with unknown for_each): as is.
        return proposed.clone();
    };
    let config_attrs = match config {
        Some(Value::Object(attrs)) => Some(attrs),
        _ => None,
    };
    let mut planned = proposed_attrs.clone();
    for attribute in &block.attributes {
        let Some(value) = planned.get_mut(&attribute.name) else {
            continue;
        };
        let configured = config_attrs.and_then(|c| c.get(&attribute.name));
        if computed_becomes_unknown(attribute, value, configured, phase) {
            *value = Value::unknown();
        }
    }
    for nested in &block.blocks {
        let Some(value) = planned.get_mut(&nested.type_name) else {
            continue;
        };
        let configured = config_attrs.and_then(|c| c.get(&nested.type_name));
        *value = plan_nested_block(nested, value, configured, phase);
    }
    Value::Object(planned)
}

fn computed_becomes_unknown(
    attribute: &Attribute,
    proposed: &Value,
    configured: Option<&Value>,
    phase: Phase,
) -> bool {
    if !attribute.is_computed() || proposed.is_unknown() {
        return false;
    }
    // A non-null configured value is the user's and is never replaced.
    let config_null = match configured {
        Some(v) => v.is_null(),
        // Without an aligned config, only a computed-only attribute is known to be unconfigured;
        // for an optional one, a null proposal still means the config left it null.
        None => attribute.mode == AttributeMode::Computed || proposed.is_null(),
    };
    if !config_null {
        return false;
    }
    match phase {
        Phase::Create => true,
        Phase::Update => {
            proposed.is_null() || attribute.computed_on_update == ComputedOnUpdate::UnknownOnChange
        }
    }
}

fn plan_nested_block(
    nested: &NestedBlock,
    proposed: &Value,
    config: Option<&Value>,
    phase: Phase,
) -> Value {
    let block = &nested.block;
    match (nested.nesting, proposed) {
        (NestingMode::Single | NestingMode::Group, Value::Object(_)) => {
            plan_computed_unknown(block, proposed, config, phase)
        }
        (NestingMode::List, Value::List(items)) => {
            let config_items = match config {
                Some(Value::List(c)) if c.len() == items.len() => Some(c),
                _ => None,
            };
            Value::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let c = config_items.and_then(|c| c.get(i));
                        plan_computed_unknown(block, item, c, phase)
                    })
                    .collect(),
            )
        }
        (NestingMode::Set, Value::Set(items)) => Value::Set(
            items
                .iter()
                .map(|item| plan_computed_unknown(block, item, None, phase))
                .collect(),
        ),
        (NestingMode::Map, Value::Map(items)) => {
            let config_items = match config {
                Some(Value::Map(c)) => Some(c),
                _ => None,
            };
            Value::Map(
                items
                    .iter()
                    .map(|(k, item)| {
                        let c = config_items.and_then(|c| c.get(k));
                        (k.clone(), plan_computed_unknown(block, item, c, phase))
                    })
                    .collect(),
            )
        }
        _ => proposed.clone(),
    }
}

/// Collects the paths whose change forces replacement: changed `requires_replace` attributes,
/// and changed `requires_replace` blocks (as a whole).
fn replace_paths(
    block: &Block,
    prior: &Value,
    planned: &Value,
    path: &AttributePath,
    out: &mut Vec<AttributePath>,
) {
    let null = Value::Null;
    let get = |v: &'_ Value, name: &str| -> Option<Value> {
        match v {
            Value::Object(m) => Some(m.get(name).cloned().unwrap_or(Value::Null)),
            Value::Null => Some(Value::Null),
            _ => None, // unknown: handled by the caller comparing the whole value
        }
    };
    for attribute in block.attributes.iter().filter(|a| a.requires_replace) {
        let (Some(before), Some(after)) =
            (get(prior, &attribute.name), get(planned, &attribute.name))
        else {
            continue;
        };
        if !values_equal(&before, &after) {
            out.push(path.join_attr(&attribute.name));
        }
    }
    for nested in &block.blocks {
        let before = get(prior, &nested.type_name).unwrap_or(Value::Null);
        let after = get(planned, &nested.type_name).unwrap_or(Value::Null);
        let block_path = path.join_attr(&nested.type_name);
        if nested.requires_replace {
            if !values_equal(&before, &after) {
                out.push(block_path);
            }
            continue;
        }
        if !has_replace_rules(&nested.block) {
            continue;
        }
        match (&before, &after) {
            (Value::List(b), Value::List(a)) => {
                for (i, item) in a.iter().enumerate() {
                    let prior_item = b.get(i).unwrap_or(&null);
                    replace_paths(
                        &nested.block,
                        prior_item,
                        item,
                        &block_path.join_index(i as i64),
                        out,
                    );
                }
            }
            (Value::Map(b), Value::Map(a)) => {
                for (k, item) in a {
                    let prior_item = b.get(k).unwrap_or(&null);
                    replace_paths(
                        &nested.block,
                        prior_item,
                        item,
                        &block_path.join_key(k),
                        out,
                    );
                }
            }
            (Value::Set(b), Value::Set(a)) => {
                // Set elements have no path of their own: a change to a replacing attribute of
                // any element replaces through the block's path.
                let project = |items: &Vec<Value>| -> Vec<Value> {
                    items
                        .iter()
                        .map(|item| replacing_projection(&nested.block, item))
                        .collect()
                };
                if !values_equal(&Value::Set(project(b)), &Value::Set(project(a))) {
                    out.push(block_path);
                }
            }
            (Value::Object(_) | Value::Null, Value::Object(_) | Value::Null) => {
                replace_paths(&nested.block, &before, &after, &block_path, out);
            }
            _ if !values_equal(&before, &after) => out.push(block_path),
            _ => {}
        }
    }
}

fn has_replace_rules(block: &Block) -> bool {
    block.attributes.iter().any(|a| a.requires_replace)
        || block
            .blocks
            .iter()
            .any(|b| b.requires_replace || has_replace_rules(&b.block))
}

/// The part of a block value that decides replacement: its `requires_replace` attributes and
/// nested blocks that contain such rules.
fn replacing_projection(block: &Block, value: &Value) -> Value {
    let Value::Object(attrs) = value else {
        return value.clone();
    };
    let mut kept = BTreeMap::new();
    for a in block.attributes.iter().filter(|a| a.requires_replace) {
        kept.insert(
            a.name.clone(),
            attrs.get(&a.name).cloned().unwrap_or(Value::Null),
        );
    }
    for b in &block.blocks {
        if b.requires_replace || has_replace_rules(&b.block) {
            kept.insert(
                b.type_name.clone(),
                attrs.get(&b.type_name).cloned().unwrap_or(Value::Null),
            );
        }
    }
    Value::Object(kept)
}

/// Equality as Terraform means it for plan purposes: sets compare by content, numbers by
/// value, and an unknown equals nothing (it may turn out to be anything).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Unknown(_), _) | (_, Value::Unknown(_)) => false,
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| values_equal(x, y))
        }
        (Value::Set(x), Value::Set(y)) => sets_equal(x, y),
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && values_equal(vx, vy))
        }
        (Value::Dynamic(tx, x), Value::Dynamic(ty, y)) => tx == ty && values_equal(x, y),
        _ => false,
    }
}

fn sets_equal(x: &[Value], y: &[Value]) -> bool {
    if x.len() != y.len() {
        return false;
    }
    let mut used = vec![false; y.len()];
    x.iter().all(|item| {
        let found = y
            .iter()
            .enumerate()
            .find(|(i, other)| !used[*i] && values_equal(item, other));
        match found {
            Some((i, _)) => {
                used[i] = true;
                true
            }
            None => false,
        }
    })
}

/// The first place where `actual` differs from a known value in `planned`, for apply
/// consistency checks: Terraform requires every known planned value to come back exactly.
/// Returns the path and the two values.
pub fn first_planned_mismatch(
    planned: &Value,
    actual: &Value,
    path: &AttributePath,
) -> Option<(AttributePath, Value, Value)> {
    match (planned, actual) {
        (Value::Unknown(_), _) => None,
        (Value::Object(p), Value::Object(a)) => p.iter().find_map(|(name, pv)| {
            let av = a.get(name).unwrap_or(&Value::Null);
            first_planned_mismatch(pv, av, &path.join_attr(name))
        }),
        (Value::Map(p), Value::Map(a)) if p.len() == a.len() => {
            p.iter().find_map(|(k, pv)| match a.get(k) {
                Some(av) => first_planned_mismatch(pv, av, &path.join_key(k)),
                None => Some((path.clone(), planned.clone(), actual.clone())),
            })
        }
        (Value::List(p), Value::List(a)) | (Value::Tuple(p), Value::Tuple(a))
            if p.len() == a.len() =>
        {
            p.iter().zip(a).enumerate().find_map(|(i, (pv, av))| {
                first_planned_mismatch(pv, av, &path.join_index(i as i64))
            })
        }
        (Value::Set(p), Value::Set(a)) => {
            // A set with unknowns inside can only be checked for its size.
            let consistent = if planned.is_wholly_known() {
                sets_equal(p, a)
            } else {
                p.len() == a.len()
            };
            (!consistent).then(|| (path.clone(), planned.clone(), actual.clone()))
        }
        _ => (!values_equal(planned, actual))
            .then(|| (path.clone(), planned.clone(), actual.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{Attribute, NestedBlock};
    use crate::value::{Number, Type};

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
    fn s(text: &str) -> Value {
        Value::string(text)
    }

    fn schema() -> Block {
        Block {
            attributes: vec![
                Attribute::computed("id", Type::String),
                Attribute::required("name", Type::String).requires_replace(),
                Attribute::optional("description", Type::String),
                Attribute::optional_computed("location", Type::String),
                Attribute::computed("etag", Type::String).unknown_on_change(),
            ],
            blocks: vec![NestedBlock {
                type_name: "rule".into(),
                nesting: NestingMode::List,
                block: Block {
                    attributes: vec![
                        Attribute::required("port", Type::Number).requires_replace(),
                        Attribute::computed("rule_id", Type::String),
                    ],
                    ..Block::default()
                },
                min_items: 0,
                max_items: 0,
                requires_replace: false,
            }],
            ..Block::default()
        }
    }

    fn rule(port: i64, rule_id: Value) -> Value {
        obj(&[
            ("port", Value::Number(Number::from_i64(port))),
            ("rule_id", rule_id),
        ])
    }

    fn config(description: Value, location: Value, rules: Vec<Value>) -> Value {
        obj(&[
            ("id", Value::Null),
            ("name", s("a")),
            ("description", description),
            ("location", location),
            ("etag", Value::Null),
            ("rule", Value::List(rules)),
        ])
    }

    fn prior() -> Value {
        obj(&[
            ("id", s("/x/a")),
            ("name", s("a")),
            ("description", s("old")),
            ("location", s("westeurope")),
            ("etag", s("e1")),
            ("rule", Value::List(vec![rule(80, s("r1"))])),
        ])
    }

    #[test]
    fn create_marks_unconfigured_computed_attributes_unknown() {
        let config = config(s("d"), Value::Null, vec![rule(80, Value::Null)]);
        let change = plan_resource_change(&schema(), &Value::Null, &config, &config);
        let p = &change.planned_state;
        assert!(p.get_attr("id").unwrap().is_unknown());
        assert!(p.get_attr("etag").unwrap().is_unknown());
        assert!(
            p.get_attr("location").unwrap().is_unknown(),
            "optional+computed left null"
        );
        assert_eq!(
            p.get_attr("description"),
            Some(&s("d")),
            "configured value kept"
        );
        let Some(Value::List(rules)) = p.get_attr("rule") else {
            panic!("rule list")
        };
        assert!(
            rules[0].get_attr("rule_id").unwrap().is_unknown(),
            "nested computed"
        );
        assert!(change.requires_replace.is_empty());
    }

    #[test]
    fn create_keeps_configured_optional_computed_value() {
        let config = config(Value::Null, s("eastus"), vec![]);
        let change = plan_resource_change(&schema(), &Value::Null, &config, &config);
        assert_eq!(
            change.planned_state.get_attr("location"),
            Some(&s("eastus"))
        );
        assert_eq!(
            change.planned_state.get_attr("description"),
            Some(&Value::Null)
        );
    }

    #[test]
    fn unchanged_update_plans_the_prior_state() {
        let cfg = config(s("old"), Value::Null, vec![rule(80, Value::Null)]);
        let prior = prior();
        // Terraform's proposal for an unchanged config is the prior state.
        let change = plan_resource_change(&schema(), &prior, &prior, &cfg);
        assert_eq!(change.planned_state, prior);
        assert!(change.requires_replace.is_empty());
    }

    #[test]
    fn update_keeps_prior_computed_values_and_marks_unknown_on_change_ones() {
        let cfg = config(s("new"), Value::Null, vec![rule(80, Value::Null)]);
        let mut proposed = prior();
        if let Value::Object(m) = &mut proposed {
            m.insert("description".into(), s("new"));
        }
        let change = plan_resource_change(&schema(), &prior(), &proposed, &cfg);
        let p = &change.planned_state;
        assert_eq!(p.get_attr("id"), Some(&s("/x/a")), "KeepPrior");
        assert_eq!(
            p.get_attr("location"),
            Some(&s("westeurope")),
            "KeepPrior optional+computed"
        );
        assert!(p.get_attr("etag").unwrap().is_unknown(), "UnknownOnChange");
        assert_eq!(p.get_attr("description"), Some(&s("new")));
        let Some(Value::List(rules)) = p.get_attr("rule") else {
            panic!("rule list")
        };
        assert_eq!(rules[0].get_attr("rule_id"), Some(&s("r1")));
        assert!(
            change.requires_replace.is_empty(),
            "description does not replace"
        );
    }

    #[test]
    fn update_with_new_list_element_plans_its_computed_attributes_unknown() {
        let cfg = config(
            s("old"),
            Value::Null,
            vec![rule(80, Value::Null), rule(443, Value::Null)],
        );
        let mut proposed = prior();
        if let Value::Object(m) = &mut proposed {
            m.insert(
                "rule".into(),
                Value::List(vec![rule(80, s("r1")), rule(443, Value::Null)]),
            );
        }
        let change = plan_resource_change(&schema(), &prior(), &proposed, &cfg);
        let Some(Value::List(rules)) = change.planned_state.get_attr("rule") else {
            panic!()
        };
        assert_eq!(rules[0].get_attr("rule_id"), Some(&s("r1")));
        assert!(rules[1].get_attr("rule_id").unwrap().is_unknown());
        let rule1_port = AttributePath::attr("rule").join_index(1).join_attr("port");
        assert_eq!(change.requires_replace, vec![rule1_port]);
    }

    #[test]
    fn changed_requires_replace_attribute_is_reported() {
        let cfg = obj(&[("name", s("b"))]);
        let mut proposed = prior();
        if let Value::Object(m) = &mut proposed {
            m.insert("name".into(), s("b"));
        }
        let change = plan_resource_change(&schema(), &prior(), &proposed, &cfg);
        assert_eq!(change.requires_replace, vec![AttributePath::attr("name")]);
        assert_eq!(change.planned_state.get_attr("name"), Some(&s("b")));
    }

    #[test]
    fn unknown_configured_value_of_replacing_attribute_is_reported() {
        let mut proposed = prior();
        if let Value::Object(m) = &mut proposed {
            m.insert("name".into(), Value::unknown());
        }
        let change = plan_resource_change(&schema(), &prior(), &proposed, &proposed.clone());
        assert_eq!(change.requires_replace, vec![AttributePath::attr("name")]);
        assert!(
            change.planned_state.get_attr("name").unwrap().is_unknown(),
            "config kept"
        );
    }

    #[test]
    fn changed_block_with_requires_replace_is_reported_as_a_whole() {
        let block = Block {
            attributes: vec![Attribute::computed("id", Type::String)],
            blocks: vec![NestedBlock {
                type_name: "scope".into(),
                nesting: NestingMode::Set,
                block: Block {
                    attributes: vec![Attribute::optional("sub", Type::String)],
                    ..Block::default()
                },
                min_items: 0,
                max_items: 0,
                requires_replace: true,
            }],
            ..Block::default()
        };
        let prior = obj(&[
            ("id", s("1")),
            ("scope", Value::Set(vec![obj(&[("sub", s("a"))])])),
        ]);
        let proposed = obj(&[
            ("id", s("1")),
            ("scope", Value::Set(vec![obj(&[("sub", s("b"))])])),
        ]);
        let change = plan_resource_change(&block, &prior, &proposed, &proposed);
        assert_eq!(change.requires_replace, vec![AttributePath::attr("scope")]);
        assert_eq!(change.planned_state.get_attr("id"), Some(&s("1")));
    }

    #[test]
    fn destroy_plans_null() {
        let change = plan_resource_change(&schema(), &prior(), &Value::Null, &Value::Null);
        assert_eq!(change.planned_state, Value::Null);
        assert!(change.requires_replace.is_empty());
    }

    #[test]
    fn sets_compare_by_content() {
        let a = Value::Set(vec![s("x"), s("y")]);
        let b = Value::Set(vec![s("y"), s("x")]);
        assert!(values_equal(&a, &b));
        assert!(!values_equal(&a, &Value::Set(vec![s("x"), s("x")])));
        assert!(!values_equal(&Value::unknown(), &Value::unknown()));
    }

    #[test]
    fn apply_check_finds_changed_known_values_and_ignores_unknown_ones() {
        let planned = obj(&[
            ("id", Value::unknown()),
            ("name", s("a")),
            ("tags", Value::List(vec![])),
        ]);
        let good = obj(&[
            ("id", s("1")),
            ("name", s("a")),
            ("tags", Value::List(vec![])),
        ]);
        assert_eq!(
            first_planned_mismatch(&planned, &good, &AttributePath::root()),
            None
        );
        let null_list = obj(&[("id", s("1")), ("name", s("a")), ("tags", Value::Null)]);
        let (path, _, _) =
            first_planned_mismatch(&planned, &null_list, &AttributePath::root()).expect("mismatch");
        assert_eq!(
            path,
            AttributePath::attr("tags"),
            "null is not an empty list"
        );
        let renamed = obj(&[
            ("id", s("1")),
            ("name", s("b")),
            ("tags", Value::List(vec![])),
        ]);
        let (path, p, a) =
            first_planned_mismatch(&planned, &renamed, &AttributePath::root()).expect("mismatch");
        assert_eq!((path, p, a), (AttributePath::attr("name"), s("a"), s("b")));
    }
}
