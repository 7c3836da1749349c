//! The resources created through the API, their ARM representation, and the cross-tenant
//! connection state machine.
//!
//! State machine (Azure docs, concept-cross-tenant; where the docs are silent the choice is
//! noted): a scope connection (central tenant, under a network manager) and a network
//! manager connection (target tenant, at a subscription or management group) *match* when
//! the scope connection's `resourceId` is the connection's scope, its `tenantId` is the
//! tenant owning that scope, and the connection's `networkManagerId` is the manager.
//! States are recomputed after every change, in creation order:
//! - scope connection: `Connected` with a match, unless another manager already manages
//!   that exact scope with an overlapping scope access (its own `networkManagerScopes`, or
//!   an earlier Connected pair) → `Conflict`; without a match `Revoked` if it was ever
//!   Connected, else `Pending`;
//! - manager connection: `Connected`/`Conflict` as its matching scope connection, else
//!   `Pending` (the docs name Revoked for the central side only).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::ids::key;
use super::world::WorldIndex;

/// The resource types the emulator stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Kind {
    NetworkManager,
    NetworkGroup,
    StaticMember,
    ScopeConnection,
    SubscriptionConnection,
    ManagementGroupConnection,
}

impl Kind {
    /// ARM's `type` value.
    pub fn arm_type(self) -> &'static str {
        match self {
            Kind::NetworkManager => "Microsoft.Network/networkManagers",
            Kind::NetworkGroup => "Microsoft.Network/networkManagers/networkGroups",
            Kind::StaticMember => "Microsoft.Network/networkManagers/networkGroups/staticMembers",
            Kind::ScopeConnection => "Microsoft.Network/networkManagers/scopeConnections",
            Kind::SubscriptionConnection | Kind::ManagementGroupConnection => {
                "Microsoft.Network/networkManagerConnections"
            }
        }
    }

    /// The path segment naming the collection, in ARM's casing.
    pub fn type_segment(self) -> &'static str {
        match self {
            Kind::NetworkManager => "networkManagers",
            Kind::NetworkGroup => "networkGroups",
            Kind::StaticMember => "staticMembers",
            Kind::ScopeConnection => "scopeConnections",
            Kind::SubscriptionConnection | Kind::ManagementGroupConnection => {
                "networkManagerConnections"
            }
        }
    }

    /// The swagger definition a PUT body must match.
    pub fn definition(self) -> &'static str {
        match self {
            Kind::NetworkManager => "NetworkManager",
            Kind::NetworkGroup => "NetworkGroup",
            Kind::StaticMember => "StaticMember",
            Kind::ScopeConnection => "ScopeConnection",
            Kind::SubscriptionConnection | Kind::ManagementGroupConnection => {
                "NetworkManagerConnection"
            }
        }
    }

    /// Manager and group deletes are long-running (202 + Location); the rest are synchronous.
    pub fn long_running_delete(self) -> bool {
        matches!(self, Kind::NetworkManager | Kind::NetworkGroup)
    }

    /// The RBAC action for `verb` (`read`, `write`, `delete`) on this type.
    pub fn action(self, verb: &str) -> String {
        format!("{}/{verb}", self.arm_type())
    }

    pub fn is_connection(self) -> bool {
        matches!(
            self,
            Kind::ScopeConnection | Kind::SubscriptionConnection | Kind::ManagementGroupConnection
        )
    }
}

/// ARM's `systemData`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SystemData {
    pub created_by: String,
    pub created_at: String,
    pub last_modified_by: String,
    pub last_modified_at: String,
}

/// One stored resource. `properties` holds what the client wrote (validated); read-only
/// properties are computed when rendering.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Resource {
    pub kind: Kind,
    /// The ID in the casing of creation.
    pub id: String,
    pub name: String,
    /// Key of the stored parent resource, if the parent is stored (not part of the world).
    pub parent: Option<String>,
    /// The tenant (world name) owning the resource's scope.
    pub tenant: String,
    /// Resource group name for error messages (empty for non-RG scopes).
    pub resource_group: String,
    pub location: Option<String>,
    pub tags: Option<Value>,
    pub properties: Map<String, Value>,
    pub etag: String,
    pub resource_guid: String,
    pub system_data: SystemData,
    pub seq: u64,
    /// Computed for connections; `None` for other kinds.
    pub connection_state: Option<String>,
    pub was_connected: bool,
    /// Set while a long-running delete is in flight.
    pub deleting: bool,
    /// Static members: the member network's location, captured at creation.
    pub region: Option<String>,
}

/// A long-running operation (the deletes of managers and groups).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Operation {
    pub resource_key: String,
    pub subscription: String,
    pub tenant: String,
    pub force: bool,
    pub polls_left: u32,
    /// Unix milliseconds after which the operation completes even without polls.
    pub done_at_ms: i64,
    pub done: bool,
}

/// Every resource and pending operation; the whole mutable state of the emulator.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Store {
    pub resources: BTreeMap<String, Resource>,
    pub operations: BTreeMap<String, Operation>,
    pub next_seq: u64,
}

pub fn timestamp_now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Store {
    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.resources.get(&key(id))
    }

    /// Direct children of a stored resource, in key order (a range scan: children's keys
    /// extend their parent's).
    pub fn children<'a>(&'a self, parent_key: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        let prefix = format!("{parent_key}/");
        self.resources
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| r)
            .filter(move |r| r.parent.as_deref() == Some(parent_key))
    }

    /// Direct children of one kind (a range over `parent/typesegment/` only).
    pub fn children_of<'a>(
        &'a self,
        parent_key: &'a str,
        kind: Kind,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        let prefix = format!("{parent_key}/{}/", kind.type_segment().to_ascii_lowercase());
        self.resources
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, r)| r)
            .filter(move |r| r.kind == kind && r.parent.as_deref() == Some(parent_key))
    }

    /// Removes a resource and everything below it; returns how many were removed.
    pub fn remove_tree(&mut self, resource_key: &str) -> usize {
        let prefix = format!("{resource_key}/");
        // Descendants' keys all start with `key/` and so are contiguous in the map (keys
        // like `key-2` sort between `key` and `key/`, hence two steps).
        let mut doomed: Vec<String> = self
            .resources
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        if self.resources.contains_key(resource_key) {
            doomed.push(resource_key.to_string());
        }
        for k in &doomed {
            self.resources.remove(k);
        }
        doomed.len()
    }

    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Recomputes every connection state (see the module docs).
    pub fn recompute_connections(&mut self, world: &WorldIndex) {
        // Claims: scope key → [(manager key, accesses)], starting with each manager's own scopes.
        let mut claims: BTreeMap<String, Vec<(String, BTreeSet<String>)>> = BTreeMap::new();
        for r in self
            .resources
            .values()
            .filter(|r| r.kind == Kind::NetworkManager)
        {
            let accesses = scope_accesses(r);
            for scope in own_scopes(r) {
                claims
                    .entry(scope)
                    .or_default()
                    .push((key(&r.id), accesses.clone()));
            }
        }
        let manager_connections: Vec<(String, String, String)> = self
            .resources
            .values()
            .filter(|r| {
                matches!(
                    r.kind,
                    Kind::SubscriptionConnection | Kind::ManagementGroupConnection
                )
            })
            .map(|r| {
                (
                    key(&r.id),
                    connection_scope(r),
                    key(r
                        .properties
                        .get("networkManagerId")
                        .and_then(Value::as_str)
                        .unwrap_or("")),
                )
            })
            .collect();
        let mut scope_connections: Vec<&Resource> = self
            .resources
            .values()
            .filter(|r| r.kind == Kind::ScopeConnection)
            .collect();
        scope_connections.sort_by_key(|r| r.seq);
        let mut sc_states: Vec<(String, String)> = Vec::new();
        let mut nc_states: BTreeMap<String, String> = BTreeMap::new();
        for sc in scope_connections {
            let manager = sc.parent.clone().unwrap_or_default();
            let scope = key(sc
                .properties
                .get("resourceId")
                .and_then(Value::as_str)
                .unwrap_or(""));
            let tenant_ok = sc
                .properties
                .get("tenantId")
                .and_then(Value::as_str)
                .and_then(|t| world.tenant_by_id(t))
                .is_some_and(|t| world.owning_tenant(&scope).as_ref() == Some(t));
            let matching: Vec<&String> = manager_connections
                .iter()
                .filter(|(_, s, m)| tenant_ok && *s == scope && *m == manager)
                .map(|(k, _, _)| k)
                .collect();
            let state = if matching.is_empty() {
                if sc.was_connected {
                    "Revoked"
                } else {
                    "Pending"
                }
            } else {
                let accesses = self
                    .resources
                    .get(&manager)
                    .map(scope_accesses)
                    .unwrap_or_default();
                let conflict = claims.get(&scope).is_some_and(|cs| {
                    cs.iter()
                        .any(|(m, a)| *m != manager && !a.is_disjoint(&accesses))
                });
                if conflict {
                    "Conflict"
                } else {
                    claims
                        .entry(scope.clone())
                        .or_default()
                        .push((manager.clone(), accesses));
                    "Connected"
                }
            };
            for k in matching {
                let entry = nc_states
                    .entry(k.clone())
                    .or_insert_with(|| "Pending".into());
                if state == "Connected" || entry == "Pending" {
                    *entry = state.to_string();
                }
            }
            sc_states.push((key(&sc.id), state.to_string()));
        }
        for (k, state) in sc_states {
            if let Some(r) = self.resources.get_mut(&k) {
                r.was_connected |= state == "Connected";
                r.connection_state = Some(state);
            }
        }
        for (k, _, _) in manager_connections {
            let state = nc_states.remove(&k).unwrap_or_else(|| "Pending".into());
            if let Some(r) = self.resources.get_mut(&k) {
                r.was_connected |= state == "Connected";
                r.connection_state = Some(state);
            }
        }
    }

    /// The Connected cross-tenant scopes of a manager, grouped by tenant, in ARM's
    /// `crossTenantScopes` shape.
    pub fn cross_tenant_scopes(&self, manager_key: &str, world: &WorldIndex) -> Vec<Value> {
        let mut by_tenant: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for sc in self
            .children_of(manager_key, Kind::ScopeConnection)
            .filter(|r| r.connection_state.as_deref() == Some("Connected"))
        {
            let Some(resource_id) = sc.properties.get("resourceId").and_then(Value::as_str) else {
                continue;
            };
            let Some(tenant) = world.owning_tenant(resource_id) else {
                continue;
            };
            let entry = by_tenant
                .entry(world.tenant_id(&tenant).to_string())
                .or_default();
            match canonical_scope(resource_id, world) {
                CanonicalScope::Subscription(s) => entry.1.push(s),
                CanonicalScope::ManagementGroup(m) => entry.0.push(m),
                CanonicalScope::Unknown => {}
            }
        }
        by_tenant
            .into_iter()
            .map(|(tenant_id, (mgs, subs))| {
                json!({"tenantId": tenant_id, "managementGroups": mgs, "subscriptions": subs})
            })
            .collect()
    }

    /// The scopes (subscription and management group keys) a manager may manage: its own
    /// `networkManagerScopes` and its Connected cross-tenant scopes.
    pub fn managed_scopes(&self, manager_key: &str) -> Vec<String> {
        let Some(m) = self.resources.get(manager_key) else {
            return Vec::new();
        };
        let mut scopes = own_scopes(m);
        scopes.extend(
            self.children_of(manager_key, Kind::ScopeConnection)
                .filter(|r| r.connection_state.as_deref() == Some("Connected"))
                .filter_map(|r| r.properties.get("resourceId").and_then(Value::as_str))
                .map(key),
        );
        scopes
    }

    /// The resource as ARM returns it.
    pub fn render(&self, r: &Resource, world: &WorldIndex) -> Value {
        let mut properties = r.properties.clone();
        match r.kind {
            Kind::NetworkManager => {
                let scopes = properties
                    .entry("networkManagerScopes")
                    .or_insert_with(|| json!({}));
                if let Some(obj) = scopes.as_object_mut() {
                    obj.insert(
                        "crossTenantScopes".into(),
                        Value::Array(self.cross_tenant_scopes(&key(&r.id), world)),
                    );
                }
                properties.insert("resourceGuid".into(), json!(r.resource_guid));
            }
            Kind::NetworkGroup => {
                properties.insert("resourceGuid".into(), json!(r.resource_guid));
            }
            Kind::StaticMember => {
                if let Some(region) = &r.region {
                    properties.insert("region".into(), json!(region));
                }
            }
            _ => {}
        }
        if let Some(state) = &r.connection_state {
            properties.insert("connectionState".into(), json!(state));
        }
        if !r.kind.is_connection() {
            let state = if r.deleting { "Deleting" } else { "Succeeded" };
            properties.insert("provisioningState".into(), json!(state));
        }
        let mut body = json!({
            "id": r.id,
            "name": r.name,
            "type": r.kind.arm_type(),
            "etag": r.etag,
            "systemData": {
                "createdBy": r.system_data.created_by,
                "createdByType": "Application",
                "createdAt": r.system_data.created_at,
                "lastModifiedBy": r.system_data.last_modified_by,
                "lastModifiedByType": "Application",
                "lastModifiedAt": r.system_data.last_modified_at,
            },
            "properties": properties,
        });
        if let Some(location) = &r.location {
            body["location"] = json!(location);
        }
        if let Some(tags) = &r.tags {
            body["tags"] = tags.clone();
        }
        body
    }
}

/// The subscription and management group keys in a manager's `networkManagerScopes`.
pub fn own_scopes(manager: &Resource) -> Vec<String> {
    let scopes = manager.properties.get("networkManagerScopes");
    let list = |name: &str| -> Vec<String> {
        scopes
            .and_then(|s| s.get(name))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(key).collect())
            .unwrap_or_default()
    };
    let mut out = list("subscriptions");
    out.extend(list("managementGroups"));
    out
}

fn scope_accesses(manager: &Resource) -> BTreeSet<String> {
    manager
        .properties
        .get("networkManagerScopeAccesses")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| s.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}

/// The scope key of a network manager connection (its subscription or management group).
fn connection_scope(r: &Resource) -> String {
    let k = key(&r.id);
    match k.find("/providers/microsoft.network/") {
        Some(i) => k[..i].to_string(),
        None => k,
    }
}

pub enum CanonicalScope {
    Subscription(String),
    ManagementGroup(String),
    Unknown,
}

/// A scope as ARM writes it in `crossTenantScopes` (`/subscriptions/GUID`,
/// `/providers/Microsoft.Management/managementGroups/NAME`), with the world's casing.
pub fn canonical_scope(resource_id: &str, world: &WorldIndex) -> CanonicalScope {
    let k = key(resource_id);
    let parts: Vec<&str> = k.split('/').filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        ["subscriptions", sub] => match world.subscription(sub) {
            Some((_, s)) => CanonicalScope::Subscription(format!("/subscriptions/{s}")),
            None => CanonicalScope::Unknown,
        },
        ["providers", "microsoft.management", "managementgroups", mg] => {
            match world.management_group(mg) {
                Some((_, name, _)) => CanonicalScope::ManagementGroup(format!(
                    "/providers/Microsoft.Management/managementGroups/{name}"
                )),
                None => CanonicalScope::Unknown,
            }
        }
        _ => CanonicalScope::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::world::World;

    fn resource(
        kind: Kind,
        id: &str,
        parent: Option<&str>,
        properties: Value,
        seq: u64,
    ) -> Resource {
        Resource {
            kind,
            id: id.to_string(),
            name: id.rsplit('/').next().unwrap().to_string(),
            parent: parent.map(key),
            tenant: String::new(),
            resource_group: String::new(),
            location: None,
            tags: None,
            properties: properties.as_object().unwrap().clone(),
            etag: String::new(),
            resource_guid: String::new(),
            system_data: SystemData {
                created_by: String::new(),
                created_at: String::new(),
                last_modified_by: String::new(),
                last_modified_at: String::new(),
            },
            seq,
            connection_state: None,
            was_connected: false,
            deleting: false,
            region: None,
        }
    }

    struct Fixture {
        world: WorldIndex,
        store: Store,
        target_sub: String,
        target_tenant: String,
    }

    fn fixture() -> Fixture {
        let world = WorldIndex::new(World::default_world());
        let target_sub = world.world.tenants["target"].subscriptions[0]
            .subscription_id
            .clone();
        let target_tenant = world.world.tenants["target"].tenant_id.clone();
        Fixture {
            world,
            store: Store::default(),
            target_sub,
            target_tenant,
        }
    }

    fn add_manager(f: &mut Fixture, name: &str, access: &str, seq: u64) -> String {
        let id = format!(
            "/subscriptions/c/resourceGroups/rg/providers/Microsoft.Network/networkManagers/{name}"
        );
        f.store.resources.insert(
            key(&id),
            resource(
                Kind::NetworkManager,
                &id,
                None,
                json!({"networkManagerScopes": {"subscriptions": []}, "networkManagerScopeAccesses": [access]}),
                seq,
            ),
        );
        id
    }

    fn add_scope_connection(f: &mut Fixture, manager: &str, seq: u64) -> String {
        let id = format!("{manager}/scopeConnections/sc");
        f.store.resources.insert(
            key(&id),
            resource(
                Kind::ScopeConnection,
                &id,
                Some(manager),
                json!({"tenantId": f.target_tenant, "resourceId": format!("subscriptions/{}", f.target_sub)}),
                seq,
            ),
        );
        id
    }

    fn add_connection(f: &mut Fixture, name: &str, manager: &str, seq: u64) -> String {
        let id = format!(
            "/subscriptions/{}/providers/Microsoft.Network/networkManagerConnections/{name}",
            f.target_sub
        );
        f.store.resources.insert(
            key(&id),
            resource(
                Kind::SubscriptionConnection,
                &id,
                None,
                json!({"networkManagerId": manager.to_uppercase()}),
                seq,
            ),
        );
        id
    }

    fn state(f: &Fixture, id: &str) -> String {
        f.store.get(id).unwrap().connection_state.clone().unwrap()
    }

    #[test]
    fn pending_connected_revoked() {
        let mut f = fixture();
        let m = add_manager(&mut f, "nm", "Connectivity", 1);
        let sc = add_scope_connection(&mut f, &m, 2);
        f.store.recompute_connections(&f.world);
        assert_eq!(state(&f, &sc), "Pending");
        let nc = add_connection(&mut f, "c", &m, 3);
        f.store.recompute_connections(&f.world);
        assert_eq!(state(&f, &sc), "Connected");
        assert_eq!(state(&f, &nc), "Connected");
        let scopes = f.store.cross_tenant_scopes(&key(&m), &f.world);
        assert_eq!(scopes[0]["tenantId"], json!(f.target_tenant));
        assert_eq!(
            scopes[0]["subscriptions"][0],
            json!(format!("/subscriptions/{}", f.target_sub))
        );
        f.store.remove_tree(&key(&nc));
        f.store.recompute_connections(&f.world);
        assert_eq!(state(&f, &sc), "Revoked");
        assert!(f.store.cross_tenant_scopes(&key(&m), &f.world).is_empty());
    }

    #[test]
    fn deleting_the_scope_connection_leaves_the_other_side_pending() {
        let mut f = fixture();
        let m = add_manager(&mut f, "nm", "Connectivity", 1);
        let sc = add_scope_connection(&mut f, &m, 2);
        let nc = add_connection(&mut f, "c", &m, 3);
        f.store.recompute_connections(&f.world);
        f.store.remove_tree(&key(&sc));
        f.store.recompute_connections(&f.world);
        assert_eq!(state(&f, &nc), "Pending");
    }

    #[test]
    fn second_manager_with_same_access_conflicts() {
        let mut f = fixture();
        let m1 = add_manager(&mut f, "nm1", "Connectivity", 1);
        let m2 = add_manager(&mut f, "nm2", "Connectivity", 2);
        let m3 = add_manager(&mut f, "nm3", "SecurityAdmin", 3);
        let sc1 = add_scope_connection(&mut f, &m1, 4);
        let sc2 = add_scope_connection(&mut f, &m2, 5);
        let sc3 = add_scope_connection(&mut f, &m3, 6);
        add_connection(&mut f, "c1", &m1, 7);
        let c2 = add_connection(&mut f, "c2", &m2, 8);
        add_connection(&mut f, "c3", &m3, 9);
        f.store.recompute_connections(&f.world);
        assert_eq!(state(&f, &sc1), "Connected");
        assert_eq!(state(&f, &sc2), "Conflict");
        assert_eq!(state(&f, &c2), "Conflict");
        assert_eq!(state(&f, &sc3), "Connected");
    }

    #[test]
    fn wrong_tenant_never_connects() {
        let mut f = fixture();
        let m = add_manager(&mut f, "nm", "Connectivity", 1);
        let sc = add_scope_connection(&mut f, &m, 2);
        f.store
            .resources
            .get_mut(&key(&sc))
            .unwrap()
            .properties
            .insert(
                "tenantId".into(),
                json!(f.world.world.tenants["central"].tenant_id),
            );
        add_connection(&mut f, "c", &m, 3);
        f.store.recompute_connections(&f.world);
        assert_eq!(state(&f, &sc), "Pending");
    }

    #[test]
    fn remove_tree_removes_descendants_only() {
        let mut f = fixture();
        let m1 = add_manager(&mut f, "nm", "Connectivity", 1);
        let m2 = add_manager(&mut f, "nm-2", "Connectivity", 2);
        add_scope_connection(&mut f, &m1, 3);
        add_scope_connection(&mut f, &m2, 4);
        assert_eq!(f.store.children(&key(&m1)).count(), 1);
        assert_eq!(f.store.remove_tree(&key(&m1)), 2);
        assert!(f.store.get(&m2).is_some());
        assert_eq!(f.store.children(&key(&m2)).count(), 1);
    }
}
