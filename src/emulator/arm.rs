//! Azure Resource Manager for the AVNM resource types: authentication and authorization
//! (including the auxiliary-token rule for cross-tenant static members), api-version
//! checks, routing, CRUD with ARM's status codes, paging, long-running deletes, and the
//! read-only virtual networks and subnets of the world.

use serde_json::{Map, Value, json};

use super::app::{App, CallInfo};
use super::auth::{Caller, authenticate, www_authenticate};
use super::http::{ArmError, Request, Response};
use super::ids::{
    ArmPath, Scope, key, new_guid, percent_decode, percent_encode, stable_guid, valid_resource_name,
};
use super::membership;
use super::store::{Kind, Operation, Resource, Store, SystemData, now_ms, timestamp_now};
use super::validate::{self, Violation};
use super::world::{NetworkRef, WorldIndex};

/// The Microsoft.Network api-versions served, newest first.
pub const API_VERSIONS: [&str; 4] = ["2026-03-01", "2026-01-01", "2025-09-01", "2025-07-01"];

/// Largest and default page size (`$top`).
pub const MAX_PAGE: usize = 20;

/// What a request addresses.
enum Target {
    /// A stored resource type: the collection (`name: None`) or one resource. `ancestors`
    /// are the IDs (request casing) of stored parents, outermost first.
    Stored {
        kind: Kind,
        ancestors: Vec<String>,
        name: Option<String>,
    },
    ManagersInSubscription,
    VirtualNetworks {
        name: Option<String>,
    },
    Subnets {
        network: String,
        name: Option<String>,
    },
    Operation {
        id: String,
    },
}

pub fn handle(app: &App, req: &Request, info: &mut CallInfo) -> Response {
    match route(app, req, info) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn route(app: &App, req: &Request, info: &mut CallInfo) -> Result<Response, ArmError> {
    let path = ArmPath::parse(&req.path).ok_or_else(|| {
        ArmError::new(
            404,
            "NotFound",
            format!(
                "The requested path '{}' is not an ARM resource path.",
                req.path
            ),
        )
    })?;
    let caller = authenticate(app, req, info)?;
    let api_version = api_version(req)?;
    let target = resolve(&path)?;
    let owner = scope_tenant(&app.world, &path.scope)?;
    if owner != caller.tenant {
        let owner_id = app.world.tenant_id(&owner);
        return Err(ArmError::new(
            401,
            "InvalidAuthenticationTokenTenant",
            format!(
                "The access token is from the wrong issuer '{}'. It must match the tenant 'https://sts.windows.net/{owner_id}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{owner_id}' to get the token.",
                caller.claims.iss
            ),
        )
        .with_header("WWW-Authenticate", www_authenticate(req, "invalid_token", "The access token is from the wrong tenant.")));
    }
    let verb = match req.method.as_str() {
        "GET" | "HEAD" => "read",
        "PUT" | "PATCH" => "write",
        "DELETE" => "delete",
        _ => "action",
    };
    let action = match &target {
        Target::Stored { kind, .. } => kind.action(verb),
        Target::ManagersInSubscription => Kind::NetworkManager.action(verb),
        Target::VirtualNetworks { .. } => format!("Microsoft.Network/virtualNetworks/{verb}"),
        Target::Subnets { .. } => format!("Microsoft.Network/virtualNetworks/subnets/{verb}"),
        Target::Operation { .. } => "Microsoft.Network/locations/operationResults/read".to_string(),
    };
    let scope = percent_decode(&req.path);
    if !app.world.is_authorized(&caller.principal, &action, &scope) {
        return Err(ArmError::new(
            403,
            "AuthorizationFailed",
            format!(
                "The client '{}' with object id '{}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                caller.claims.appid, caller.claims.oid
            ),
        ));
    }
    if let Scope::ResourceGroup {
        subscription,
        resource_group,
    } = &path.scope
        && app
            .world
            .resource_group(subscription, resource_group)
            .is_none()
    {
        return Err(ArmError::new(
            404,
            "ResourceGroupNotFound",
            format!("Resource group '{resource_group}' could not be found."),
        ));
    }
    let ctx = Ctx {
        app,
        req,
        caller: &caller,
        api_version: &api_version,
        path: &path,
    };
    let method = req.method.as_str();
    match (method, target) {
        (
            "GET",
            Target::Stored {
                kind,
                ancestors,
                name: None,
            },
        ) => ctx.list(kind, &ancestors),
        (
            "GET",
            Target::Stored {
                kind,
                ancestors,
                name: Some(name),
            },
        ) => ctx.get(kind, &ancestors, &name),
        (
            "PUT",
            Target::Stored {
                kind,
                ancestors,
                name: Some(name),
            },
        ) => ctx.put(kind, &ancestors, &name),
        (
            "PATCH",
            Target::Stored {
                kind: Kind::NetworkManager,
                ancestors,
                name: Some(name),
            },
        ) => ctx.patch(&ancestors, &name),
        (
            "DELETE",
            Target::Stored {
                kind,
                ancestors,
                name: Some(name),
            },
        ) => ctx.delete(kind, &ancestors, &name),
        ("GET", Target::ManagersInSubscription) => ctx.list_managers_in_subscription(),
        ("GET", Target::VirtualNetworks { name }) => ctx.networks(name.as_deref()),
        ("GET", Target::Subnets { network, name }) => ctx.subnets(&network, name.as_deref()),
        ("GET", Target::Operation { id }) => ctx.operation(&id),
        (m, _) => Err(ArmError::new(
            405,
            "MethodNotAllowed",
            format!("The requested resource does not support http method '{m}'."),
        )),
    }
}

fn api_version(req: &Request) -> Result<String, ArmError> {
    let version = req.query_param("api-version").ok_or_else(|| {
        ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    })?;
    if !API_VERSIONS.contains(&version.as_str()) {
        return Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are '{}'.",
                API_VERSIONS.join(",")
            ),
        ));
    }
    Ok(version)
}

/// Maps a parsed path onto what it addresses.
fn resolve(path: &ArmPath) -> Result<Target, ArmError> {
    let Some(namespace) = &path.namespace else {
        return Err(ArmError::new(
            404,
            "NotFound",
            "Only resource provider paths are served by this emulator.",
        ));
    };
    if !namespace.eq_ignore_ascii_case("Microsoft.Network") {
        return Err(ArmError::new(
            404,
            "InvalidResourceNamespace",
            format!("The resource namespace '{namespace}' is invalid."),
        ));
    }
    let chain = path.type_chain();
    let chain: Vec<&str> = chain.iter().map(String::as_str).collect();
    let name = |i: usize| path.segments.get(i).and_then(|(_, n)| n.clone());
    let scope_id = match &path.scope {
        Scope::ResourceGroup {
            subscription,
            resource_group,
        } => {
            format!("/subscriptions/{subscription}/resourceGroups/{resource_group}")
        }
        Scope::Subscription { subscription } => format!("/subscriptions/{subscription}"),
        Scope::ManagementGroup { management_group } => {
            format!("/providers/Microsoft.Management/managementGroups/{management_group}")
        }
    };
    let manager_id = || {
        format!(
            "{scope_id}/providers/Microsoft.Network/networkManagers/{}",
            name(0).unwrap_or_default()
        )
    };
    let stored = |kind: Kind, ancestors: Vec<String>, index: usize| Target::Stored {
        kind,
        ancestors,
        name: name(index),
    };
    let target = match (&path.scope, chain.as_slice()) {
        (Scope::ResourceGroup { .. }, ["networkmanagers"]) => {
            stored(Kind::NetworkManager, vec![], 0)
        }
        (Scope::ResourceGroup { .. }, ["networkmanagers", "networkgroups"]) => {
            stored(Kind::NetworkGroup, vec![manager_id()], 1)
        }
        (Scope::ResourceGroup { .. }, ["networkmanagers", "networkgroups", "staticmembers"]) => {
            let group = format!(
                "{}/networkGroups/{}",
                manager_id(),
                name(1).unwrap_or_default()
            );
            stored(Kind::StaticMember, vec![manager_id(), group], 2)
        }
        (Scope::ResourceGroup { .. }, ["networkmanagers", "scopeconnections"]) => {
            stored(Kind::ScopeConnection, vec![manager_id()], 1)
        }
        (Scope::Subscription { .. }, ["networkmanagerconnections"]) => {
            stored(Kind::SubscriptionConnection, vec![], 0)
        }
        (Scope::ManagementGroup { .. }, ["networkmanagerconnections"]) => {
            stored(Kind::ManagementGroupConnection, vec![], 0)
        }
        (Scope::Subscription { .. }, ["networkmanagers"]) if name(0).is_none() => {
            Target::ManagersInSubscription
        }
        (Scope::ResourceGroup { .. }, ["virtualnetworks"]) => {
            Target::VirtualNetworks { name: name(0) }
        }
        (Scope::ResourceGroup { .. }, ["virtualnetworks", "subnets"]) => Target::Subnets {
            network: name(0).unwrap_or_default(),
            name: name(1),
        },
        (Scope::Subscription { .. }, ["operationresults"]) if name(0).is_some() => {
            Target::Operation {
                id: name(0).unwrap_or_default(),
            }
        }
        _ => {
            let types: Vec<&str> = path.segments.iter().map(|(t, _)| t.as_str()).collect();
            return Err(ArmError::new(
                404,
                "InvalidResourceType",
                format!(
                    "The resource type '{}' could not be found in the namespace 'Microsoft.Network' for api version '{}'.",
                    types.join("/"),
                    API_VERSIONS[0]
                ),
            ));
        }
    };
    Ok(target)
}

/// The tenant owning a scope; 404 for subscriptions and management groups the world lacks.
fn scope_tenant(world: &WorldIndex, scope: &Scope) -> Result<String, ArmError> {
    match scope {
        Scope::Subscription { subscription } | Scope::ResourceGroup { subscription, .. } => world
            .subscription(subscription)
            .map(|(t, _)| t.clone())
            .ok_or_else(|| {
                ArmError::new(
                    404,
                    "SubscriptionNotFound",
                    format!("The subscription '{subscription}' could not be found."),
                )
            }),
        Scope::ManagementGroup { management_group } => world
            .management_group(management_group)
            .map(|(t, _, _)| t.clone())
            .ok_or_else(|| {
                ArmError::new(
                    404,
                    "ManagementGroupNotFound",
                    format!("The management group '{management_group}' could not be found."),
                )
            }),
    }
}

/// The scope ID in the world's casing.
fn canonical_scope_id(world: &WorldIndex, scope: &Scope) -> String {
    match scope {
        Scope::Subscription { subscription } => {
            let sub = world
                .subscription(subscription)
                .map(|(_, s)| s.as_str())
                .unwrap_or(subscription);
            format!("/subscriptions/{sub}")
        }
        Scope::ResourceGroup {
            subscription,
            resource_group,
        } => {
            let sub = world
                .subscription(subscription)
                .map(|(_, s)| s.as_str())
                .unwrap_or(subscription);
            let rg = world
                .resource_group(subscription, resource_group)
                .map(|(n, _)| n.as_str())
                .unwrap_or(resource_group);
            format!("/subscriptions/{sub}/resourceGroups/{rg}")
        }
        Scope::ManagementGroup { management_group } => {
            let mg = world
                .management_group(management_group)
                .map(|(_, n, _)| n.as_str())
                .unwrap_or(management_group);
            format!("/providers/Microsoft.Management/managementGroups/{mg}")
        }
    }
}

struct Ctx<'a> {
    app: &'a App,
    req: &'a Request,
    caller: &'a Caller,
    api_version: &'a str,
    path: &'a ArmPath,
}

/// The last name of an ID.
fn last_name(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// `Microsoft.Network/networkManagers/nm/networkGroups/ng` from a full ID.
fn type_path(id: &str) -> String {
    match id.to_ascii_lowercase().rfind("/providers/") {
        Some(i) => id[i + "/providers/".len()..].to_string(),
        None => id.to_string(),
    }
}

impl Ctx<'_> {
    fn resource_group(&self) -> Option<String> {
        match &self.path.scope {
            Scope::ResourceGroup { resource_group, .. } => Some(
                self.app
                    .world
                    .resource_group(&self.scope_subscription(), resource_group)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_else(|| resource_group.clone()),
            ),
            _ => None,
        }
    }

    fn scope_subscription(&self) -> String {
        match &self.path.scope {
            Scope::Subscription { subscription } | Scope::ResourceGroup { subscription, .. } => {
                subscription.clone()
            }
            Scope::ManagementGroup { .. } => String::new(),
        }
    }

    /// The stored parent's ID (casing of creation), checking every ancestor exists.
    fn parent_id(&self, store: &Store, ancestors: &[String]) -> Result<String, ArmError> {
        let mut parent = canonical_scope_id(&self.app.world, &self.path.scope);
        for ancestor in ancestors {
            match store.get(ancestor) {
                Some(r) => parent = r.id.clone(),
                None => return Err(ArmError::parent_not_found(last_name(ancestor))),
            }
        }
        Ok(parent)
    }

    fn resource_id(&self, kind: Kind, parent: &str, ancestors: &[String], name: &str) -> String {
        if ancestors.is_empty() {
            format!(
                "{parent}/providers/Microsoft.Network/{}/{name}",
                kind.type_segment()
            )
        } else {
            format!("{parent}/{}/{name}", kind.type_segment())
        }
    }

    fn etag_response(&self, status: u16, store: &Store, r: &Resource) -> Response {
        Response::json(status, &store.render(r, &self.app.world))
            .with_header("ETag", r.etag.clone())
    }

    fn get(&self, kind: Kind, ancestors: &[String], name: &str) -> Result<Response, ArmError> {
        self.app.read(|store| {
            let parent = self.parent_id(store, ancestors)?;
            let id = self.resource_id(kind, &parent, ancestors, name);
            match store.get(&id) {
                Some(r) if r.kind == kind => Ok(self.etag_response(200, store, r)),
                _ => Err(ArmError::not_found(
                    &type_path(&id),
                    self.resource_group().as_deref(),
                )),
            }
        })
    }

    fn list(&self, kind: Kind, ancestors: &[String]) -> Result<Response, ArmError> {
        let page = self.page_request()?;
        let prefix = format!("{}/", key(&percent_decode(&self.req.path)));
        let (values, last) = self.app.read(|store| {
            self.parent_id(store, ancestors)?;
            let items = store
                .resources
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .filter(|(_, r)| r.kind == kind);
            Ok::<_, ArmError>(page.select(items, |r| store.render(r, &self.app.world)))
        })?;
        Ok(self.page_response(values, last, &page))
    }

    fn list_managers_in_subscription(&self) -> Result<Response, ArmError> {
        let page = self.page_request()?;
        let prefix = format!(
            "/subscriptions/{}/",
            self.scope_subscription().to_ascii_lowercase()
        );
        let (values, last) = self.app.read(|store| {
            let items = store
                .resources
                .range(prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&prefix))
                .filter(|(_, r)| r.kind == Kind::NetworkManager);
            page.select(items, |r| store.render(r, &self.app.world))
        });
        Ok(self.page_response(values, last, &page))
    }

    /// `$top` (1–20, default 20) and `$skipToken` of a list request.
    fn page_request(&self) -> Result<PageRequest, ArmError> {
        let top = match self.req.query_param("$top") {
            None => MAX_PAGE,
            Some(t) => match t.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    return Err(ArmError::bad_request(
                        "InvalidQueryParameterValue",
                        format!(
                            "The value '{t}' of query parameter '$top' is invalid. It must be an integer between 1 and {MAX_PAGE}."
                        ),
                    )
                    .with_target("$top"));
                }
            },
        };
        let after = match self.req.query_param("$skipToken") {
            None => None,
            Some(token) => Some(decode_skip_token(&token).ok_or_else(|| {
                ArmError::bad_request(
                    "InvalidQueryParameterValue",
                    "The value of query parameter '$skipToken' is invalid.",
                )
                .with_target("$skipToken")
            })?),
        };
        Ok(PageRequest { top, after })
    }

    /// `{"value": [...], "nextLink": ...}`; `last` is the key of the page's last item when
    /// more remain.
    fn page_response(
        &self,
        values: Vec<Value>,
        last: Option<String>,
        page: &PageRequest,
    ) -> Response {
        let mut body = json!({ "value": values });
        if let Some(last) = last {
            body["nextLink"] = json!(format!(
                "{}{}?api-version={}&$top={}&$skipToken={}",
                self.req.base_url,
                self.req.path,
                self.api_version,
                page.top,
                percent_encode(&encode_skip_token(&last))
            ));
        }
        Response::json(200, &body)
    }

    fn body(&self) -> Result<Value, ArmError> {
        if self.req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ArmError::bad_request(
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized: 'The request body is empty.'.",
            ));
        }
        serde_json::from_slice(&self.req.body).map_err(|e| {
            ArmError::bad_request(
                "InvalidRequestContent",
                format!("The request content was invalid and could not be deserialized: '{e}'."),
            )
        })
    }

    fn put(&self, kind: Kind, ancestors: &[String], name: &str) -> Result<Response, ArmError> {
        if !valid_resource_name(name) {
            return Err(ArmError::bad_request(
                "InvalidResourceName",
                format!(
                    "Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'."
                ),
            ));
        }
        let body = self.body()?;
        if let Some(e) = validate::to_error(validate::validate(kind.definition(), &body)) {
            return Err(e);
        }
        let properties = body
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let tenant = scope_tenant(&self.app.world, &self.path.scope)?;
        self.app.mutate_then(
            |store| {
                let parent = self.parent_id(store, ancestors)?;
                if let Some(deleting) = ancestors
                    .iter()
                    .filter_map(|a| store.get(a))
                    .find(|a| a.deleting)
                {
                    return Err(ArmError::new(
                        409,
                        "AnotherOperationInProgress",
                        format!(
                            "Another operation on this or dependent resource is in progress: parent resource '{}' is being deleted.",
                            deleting.id
                        ),
                    ));
                }
                let id = self.resource_id(kind, &parent, ancestors, name);
                let k = key(&id);
                let existing = store.resources.get(&k).cloned();
                if let Some(e) = &existing
                    && e.deleting
                {
                    return Err(ArmError::new(
                        409,
                        "AnotherOperationInProgress",
                        format!(
                            "Another operation on this or dependent resource is in progress: resource '{}' is being deleted.",
                            e.id
                        ),
                    ));
                }
                self.check_preconditions(existing.as_ref())?;
                let mut region = None;
                match kind {
                    Kind::NetworkManager => self.check_manager(&body, &properties, &tenant)?,
                    Kind::StaticMember => {
                        let group = ancestors.last().and_then(|g| store.get(g)).cloned();
                        let manager = ancestors.first().and_then(|m| store.get(m)).cloned();
                        if let (Some(group), Some(manager)) = (group, manager) {
                            region = Some(membership::check_member(
                                &self.app.world,
                                store,
                                self.caller,
                                &manager,
                                &group,
                                &id,
                                &properties,
                            )?);
                        }
                    }
                    Kind::ScopeConnection => self.check_scope_connection(&properties)?,
                    Kind::SubscriptionConnection | Kind::ManagementGroupConnection => {
                        self.check_manager_connection(&properties)?
                    }
                    Kind::NetworkGroup => self.check_group(store, &k, existing.as_ref(), &properties)?,
                }
                let now = timestamp_now();
                let by = self.caller.claims.appid.clone();
                let (seq, resource_guid, system_data, was_connected, created) = match &existing {
                    Some(e) => (
                        e.seq,
                        e.resource_guid.clone(),
                        SystemData {
                            last_modified_by: by,
                            last_modified_at: now,
                            ..e.system_data.clone()
                        },
                        e.was_connected,
                        false,
                    ),
                    None => (
                        store.next_seq(),
                        new_guid(),
                        SystemData {
                            created_by: by.clone(),
                            created_at: now.clone(),
                            last_modified_by: by,
                            last_modified_at: now,
                        },
                        false,
                        true,
                    ),
                };
                let resource = Resource {
                    kind,
                    name: existing.as_ref().map(|e| e.name.clone()).unwrap_or_else(|| name.to_string()),
                    id: existing.as_ref().map(|e| e.id.clone()).unwrap_or(id),
                    parent: ancestors.last().map(|a| key(a)),
                    tenant: tenant.clone(),
                    resource_group: self.resource_group().unwrap_or_default(),
                    location: self.location(kind, &body),
                    tags: body.get("tags").cloned(),
                    properties: properties.clone(),
                    etag: format!("W/\"{}\"", new_guid()),
                    resource_guid,
                    system_data,
                    seq,
                    connection_state: None,
                    was_connected,
                    deleting: false,
                    region,
                };
                store.resources.insert(k.clone(), resource);
                Ok((k, created))
            },
            |store, (k, created)| match store.resources.get(&k) {
                Some(r) => self.etag_response(if created { 201 } else { 200 }, store, r),
                None => Response::empty(500),
            },
        )
    }

    /// The manager's location: as sent, or — when the body has none, as the official
    /// NetworkManagerPut example does — the resource group's. Child resources have none.
    fn location(&self, kind: Kind, body: &Value) -> Option<String> {
        if kind != Kind::NetworkManager {
            return None;
        }
        body.get("location")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| match &self.path.scope {
                Scope::ResourceGroup {
                    subscription,
                    resource_group,
                } => self
                    .app
                    .world
                    .resource_group(subscription, resource_group)
                    .map(|(_, location)| location.clone()),
                _ => None,
            })
    }

    fn check_preconditions(&self, existing: Option<&Resource>) -> Result<(), ArmError> {
        let failed = || {
            ArmError::new(
                412,
                "PreconditionFailed",
                "The condition specified using HTTP conditional header(s) is not met.",
            )
        };
        if let Some(if_match) = self.req.header("if-match") {
            let ok = match existing {
                Some(e) => {
                    if_match.trim() == "*" || if_match.split(',').any(|t| t.trim() == e.etag)
                }
                None => false,
            };
            if !ok {
                return Err(failed());
            }
        }
        if let Some(if_none_match) = self.req.header("if-none-match")
            && if_none_match.trim() == "*"
            && existing.is_some()
        {
            return Err(failed());
        }
        Ok(())
    }

    fn check_manager(
        &self,
        body: &Value,
        properties: &Map<String, Value>,
        tenant: &str,
    ) -> Result<(), ArmError> {
        if body
            .get("location")
            .and_then(Value::as_str)
            .is_some_and(str::is_empty)
        {
            return Err(ArmError::bad_request(
                "LocationRequired",
                "The location property is required for this definition.",
            ));
        }
        let Some(scopes) = properties.get("networkManagerScopes") else {
            return Err(missing("properties.networkManagerScopes"));
        };
        let list = |name: &str| -> Vec<String> {
            scopes
                .get(name)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        for s in list("subscriptions") {
            let owner = self.app.world.owning_tenant(&s);
            let shaped = key(&s).split('/').filter(|p| !p.is_empty()).count() == 2;
            if !shaped || owner.as_deref() != Some(tenant) {
                return Err(ArmError::bad_request(
                    "InvalidNetworkManagerScope",
                    format!(
                        "Subscription scope '{s}' is not a subscription of this network manager's tenant. Scopes in other tenants are added through scope connections."
                    ),
                )
                .with_target("properties.networkManagerScopes.subscriptions"));
            }
        }
        for m in list("managementGroups") {
            let owner = self.app.world.owning_tenant(&m);
            if owner.as_deref() != Some(tenant) {
                return Err(ArmError::bad_request(
                    "InvalidNetworkManagerScope",
                    format!(
                        "Management group scope '{m}' is not a management group of this network manager's tenant (expected '/providers/Microsoft.Management/managementGroups/NAME')."
                    ),
                )
                .with_target("properties.networkManagerScopes.managementGroups"));
            }
        }
        Ok(())
    }

    fn check_group(
        &self,
        store: &Store,
        group_key: &str,
        existing: Option<&Resource>,
        properties: &Map<String, Value>,
    ) -> Result<(), ArmError> {
        let Some(existing) = existing else {
            return Ok(());
        };
        let old = existing
            .properties
            .get("memberType")
            .and_then(Value::as_str)
            .unwrap_or("VirtualNetwork");
        let new = properties
            .get("memberType")
            .and_then(Value::as_str)
            .unwrap_or("VirtualNetwork");
        if !old.eq_ignore_ascii_case(new)
            && store
                .children_of(group_key, Kind::StaticMember)
                .next()
                .is_some()
        {
            return Err(ArmError::bad_request(
                "CannotChangeMemberTypeWithMembers",
                format!("The member type of network group '{}' cannot change from '{old}' to '{new}' while it has static members.", existing.name),
            )
            .with_target("properties.memberType"));
        }
        Ok(())
    }

    fn check_scope_connection(&self, properties: &Map<String, Value>) -> Result<(), ArmError> {
        let Some(tenant_id) = properties.get("tenantId").and_then(Value::as_str) else {
            return Err(missing("properties.tenantId"));
        };
        if uuid::Uuid::parse_str(tenant_id).is_err() {
            return Err(ArmError::bad_request(
                "InvalidTenantId",
                format!("Tenant ID '{tenant_id}' is not a GUID."),
            )
            .with_target("properties.tenantId"));
        }
        let Some(resource_id) = properties.get("resourceId").and_then(Value::as_str) else {
            return Err(missing("properties.resourceId"));
        };
        let k = key(resource_id);
        let parts: Vec<&str> = k.split('/').filter(|s| !s.is_empty()).collect();
        let shaped = matches!(parts.as_slice(), ["subscriptions", _])
            || matches!(
                parts.as_slice(),
                ["providers", "microsoft.management", "managementgroups", _]
            );
        if !shaped {
            return Err(invalid_property_id(resource_id, "properties.resourceId"));
        }
        Ok(())
    }

    fn check_manager_connection(&self, properties: &Map<String, Value>) -> Result<(), ArmError> {
        let Some(id) = properties.get("networkManagerId").and_then(Value::as_str) else {
            return Err(missing("properties.networkManagerId"));
        };
        let shaped = ArmPath::parse(id).is_some_and(|p| {
            matches!(p.scope, Scope::ResourceGroup { .. })
                && p.names_resource()
                && p.type_chain() == ["networkmanagers"]
                && p.namespace
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case("Microsoft.Network"))
        });
        if !shaped {
            return Err(invalid_property_id(id, "properties.networkManagerId"));
        }
        Ok(())
    }

    fn patch(&self, ancestors: &[String], name: &str) -> Result<Response, ArmError> {
        let body = self.body()?;
        if let Some(e) = validate::to_error(validate::validate("PatchObject", &body)) {
            return Err(e);
        }
        self.app.mutate_then(
            |store| {
                let parent = self.parent_id(store, ancestors)?;
                let id = self.resource_id(Kind::NetworkManager, &parent, ancestors, name);
                let k = key(&id);
                let by = self.caller.claims.appid.clone();
                let rg = self.resource_group();
                let r = store
                    .resources
                    .get_mut(&k)
                    .ok_or_else(|| ArmError::not_found(&type_path(&id), rg.as_deref()))?;
                if let Some(tags) = body.get("tags") {
                    r.tags = Some(tags.clone());
                }
                r.etag = format!("W/\"{}\"", new_guid());
                r.system_data.last_modified_by = by;
                r.system_data.last_modified_at = timestamp_now();
                Ok(k)
            },
            |store, k| match store.resources.get(&k) {
                Some(r) => self.etag_response(200, store, r),
                None => Response::empty(500),
            },
        )
    }

    fn delete(&self, kind: Kind, ancestors: &[String], name: &str) -> Result<Response, ArmError> {
        let force = self
            .req
            .query_param("force")
            .is_some_and(|f| f.eq_ignore_ascii_case("true"));
        let subscription = self.scope_subscription();
        let tenant = self.caller.tenant.clone();
        self.app.mutate(|store| {
            let Ok(parent) = self.parent_id(store, ancestors) else {
                return Ok(Response::empty(204));
            };
            let id = self.resource_id(kind, &parent, ancestors, name);
            let k = key(&id);
            let Some(existing) = store.resources.get(&k).cloned() else {
                return Ok(Response::empty(204));
            };
            if !force && !existing.deleting {
                let children: Vec<String> = store.children(&k).map(|c| c.kind.type_segment().to_string()).collect();
                if !children.is_empty() {
                    return Err(ArmError::bad_request(
                        "CannotDeleteResourceWithChildren",
                        format!(
                            "Resource '{}' has {} child resource(s) ({}). Delete them first, or delete with force=true.",
                            existing.id,
                            children.len(),
                            children.join(", ")
                        ),
                    ));
                }
            }
            if !kind.long_running_delete() {
                store.remove_tree(&k);
                return Ok(Response::empty(200));
            }
            let operation_id = match store.operations.iter().find(|(_, o)| o.resource_key == k && !o.done) {
                Some((id, _)) => id.clone(),
                None => {
                    let id = new_guid();
                    store.operations.insert(
                        id.clone(),
                        Operation {
                            resource_key: k.clone(),
                            subscription: subscription.clone(),
                            tenant: tenant.clone(),
                            force,
                            polls_left: self.app.lro.polls,
                            // --lro-max-ms may be any i64: saturate rather than overflow.
                            done_at_ms: now_ms().saturating_add(self.app.lro.max_ms),
                            done: false,
                        },
                    );
                    if let Some(r) = store.resources.get_mut(&k) {
                        r.deleting = true;
                    }
                    id
                }
            };
            Ok(self.accepted(&operation_id))
        })
    }

    fn accepted(&self, operation_id: &str) -> Response {
        let location = format!(
            "{}/subscriptions/{}/providers/Microsoft.Network/operationResults/{operation_id}?api-version={}",
            self.req.base_url,
            self.scope_subscription(),
            self.api_version
        );
        Response::empty(202)
            .with_header("Location", location)
            .with_header("Retry-After", "1")
    }

    fn operation(&self, id: &str) -> Result<Response, ArmError> {
        let op_key = id.to_ascii_lowercase();
        self.app.mutate(|store| {
            let now = now_ms();
            let op = store.operations.get_mut(&op_key).ok_or_else(|| {
                ArmError::new(
                    404,
                    "OperationNotFound",
                    format!("The operation '{id}' could not be found."),
                )
            })?;
            if !op
                .subscription
                .eq_ignore_ascii_case(&self.scope_subscription())
            {
                return Err(ArmError::new(
                    404,
                    "OperationNotFound",
                    format!("The operation '{id}' could not be found."),
                ));
            }
            if op.done {
                return Ok(Response::empty(204));
            }
            if op.polls_left > 0 && now < op.done_at_ms {
                op.polls_left -= 1;
                return Ok(self.accepted(id));
            }
            complete_operation(store, &op_key);
            Ok(Response::empty(204))
        })
    }

    fn networks(&self, name: Option<&str>) -> Result<Response, ArmError> {
        let sub = self.scope_subscription();
        let rg = self.resource_group().unwrap_or_default();
        match name {
            Some(name) => {
                let id = format!(
                    "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"
                );
                let n = self
                    .app
                    .world
                    .network(&id)
                    .ok_or_else(|| ArmError::not_found(&type_path(&id), Some(&rg)))?;
                Ok(Response::json(200, &render_network(n)))
            }
            None => {
                let page = self.page_request()?;
                let mut items: Vec<(String, &NetworkRef)> = self
                    .app
                    .world
                    .networks_in(&sub, &rg)
                    .into_iter()
                    .map(|n| (key(&n.id), n))
                    .collect();
                items.sort_by(|a, b| a.0.cmp(&b.0));
                let (values, last) =
                    page.select(items.iter().map(|(k, n)| (k, *n)), render_network);
                Ok(self.page_response(values, last, &page))
            }
        }
    }

    fn subnets(&self, network: &str, name: Option<&str>) -> Result<Response, ArmError> {
        let sub = self.scope_subscription();
        let rg = self.resource_group().unwrap_or_default();
        let network_id = format!(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{network}"
        );
        let n = self
            .app
            .world
            .network(&network_id)
            .ok_or_else(|| ArmError::parent_not_found(network))?;
        match name {
            Some(name) => {
                let s = n
                    .network
                    .subnets
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        ArmError::not_found(
                            &type_path(&format!("{network_id}/subnets/{name}")),
                            Some(&rg),
                        )
                    })?;
                Ok(Response::json(200, &render_subnet(n, s)))
            }
            None => {
                let page = self.page_request()?;
                let mut items: Vec<(String, &super::world::Subnet)> = n
                    .network
                    .subnets
                    .iter()
                    .map(|s| (key(&n.subnet_id(s)), s))
                    .collect();
                items.sort_by(|a, b| a.0.cmp(&b.0));
                let (values, last) =
                    page.select(items.iter().map(|(k, s)| (k, *s)), |s| render_subnet(n, s));
                Ok(self.page_response(values, last, &page))
            }
        }
    }
}

/// One list request's paging: `top` items with keys after `after`.
struct PageRequest {
    top: usize,
    after: Option<String>,
}

impl PageRequest {
    /// Renders the page's items (given in key order) and returns the last key when more
    /// remain (for `nextLink`). Only the page's items are rendered.
    fn select<'a, T>(
        &self,
        items: impl Iterator<Item = (&'a String, T)>,
        render: impl Fn(T) -> Value,
    ) -> (Vec<Value>, Option<String>) {
        let mut values = Vec::new();
        let mut last: Option<&String> = None;
        for (k, item) in items {
            if self.after.as_ref().is_some_and(|a| k <= a) {
                continue;
            }
            if values.len() == self.top {
                return (values, last.cloned());
            }
            last = Some(k);
            values.push(render(item));
        }
        (values, None)
    }
}

pub(super) fn missing(target: &str) -> ArmError {
    validate::to_error(vec![Violation {
        code: "MissingRequiredProperty",
        message: format!("Required property '{target}' is missing."),
        target: target.to_string(),
    }])
    .unwrap_or_else(|| ArmError::bad_request("InvalidRequestFormat", "Cannot parse the request."))
}

fn invalid_property_id(value: &str, target: &str) -> ArmError {
    ArmError::bad_request(
        "LinkedInvalidPropertyId",
        format!(
            "Property id '{value}' at path '{target}' is invalid. Expect fully qualified resource Id that start with '/subscriptions/{{subscriptionId}}' or '/providers/{{resourceProviderNamespace}}/'."
        ),
    )
    .with_target(target)
}

/// Finishes a long-running delete: removes the resource and what is below it.
fn complete_operation(store: &mut Store, op_key: &str) {
    let Some(op) = store.operations.get_mut(op_key) else {
        return;
    };
    op.done = true;
    op.done_at_ms = op.done_at_ms.min(now_ms());
    let resource_key = op.resource_key.clone();
    store.remove_tree(&resource_key);
}

/// True when some long-running operation is past its deadline (or finished long enough
/// ago to be forgotten).
pub fn operations_due(store: &Store) -> bool {
    let now = now_ms();
    store.operations.values().any(|o| {
        (!o.done && o.done_at_ms <= now) || (o.done && o.done_at_ms + OPERATION_RETENTION_MS <= now)
    })
}

/// Completes the operations whose time is up (so a client that never polls still sees the
/// resource go) and forgets old finished ones. Returns true when something changed.
pub fn settle_operations(store: &mut Store) -> bool {
    let now = now_ms();
    let due: Vec<String> = store
        .operations
        .iter()
        .filter(|(_, o)| !o.done && o.done_at_ms <= now)
        .map(|(k, _)| k.clone())
        .collect();
    for k in &due {
        complete_operation(store, k);
    }
    // Finished operations answer 204 for a while, then are forgotten.
    let before = store.operations.len();
    store
        .operations
        .retain(|_, o| !o.done || o.done_at_ms + OPERATION_RETENTION_MS > now);
    !due.is_empty() || store.operations.len() != before
}

/// How long a finished operation's status URL keeps answering 204 (then 404).
const OPERATION_RETENTION_MS: i64 = 10 * 60 * 1000;

fn encode_skip_token(last_key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(last_key.as_bytes())
}

fn decode_skip_token(token: &str) -> Option<String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

fn render_network(n: &NetworkRef) -> Value {
    json!({
        "id": n.id,
        "name": n.network.name,
        "type": "Microsoft.Network/virtualNetworks",
        "location": n.network.location,
        "etag": format!("W/\"{}\"", stable_guid(&format!("etag/{}", key(&n.id)))),
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": stable_guid(&format!("guid/{}", key(&n.id))),
            "addressSpace": {"addressPrefixes": [n.network.address_prefix]},
            "subnets": n.network.subnets.iter().map(|s| render_subnet(n, s)).collect::<Vec<_>>(),
        }
    })
}

fn render_subnet(n: &NetworkRef, s: &super::world::Subnet) -> Value {
    let id = n.subnet_id(s);
    json!({
        "id": id,
        "name": s.name,
        "type": "Microsoft.Network/virtualNetworks/subnets",
        "etag": format!("W/\"{}\"", stable_guid(&format!("etag/{}", key(&id)))),
        "properties": {"provisioningState": "Succeeded", "addressPrefix": s.address_prefix}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::emulator::app::LroSettings;
    use crate::emulator::faults::FaultInjector;
    use crate::emulator::jwt::{Claims, now};
    use crate::emulator::world::World;

    fn app() -> App {
        App::new(
            World::default_world(),
            None,
            FaultInjector::default(),
            LroSettings::default(),
        )
        .unwrap()
    }

    fn get(path: &str, token: &str) -> Request {
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
        Request {
            method: http::Method::GET,
            path: path.to_string(),
            query: "api-version=2026-03-01".to_string(),
            headers,
            body: bytes::Bytes::new(),
            base_url: "https://127.0.0.1:1".to_string(),
        }
    }

    fn token(app: &App, exp: i64, aud: &str) -> String {
        let p = &app.world.world.principals["admin"];
        app.signer.sign(&Claims {
            iss: "x".into(),
            aud: aud.into(),
            exp,
            tid: app.world.world.tenants["central"].tenant_id.clone(),
            oid: p.object_id.clone(),
            appid: p.client_id.clone(),
            ..Claims::default()
        })
    }

    #[test]
    fn expired_tokens_are_refused_with_arm_code() {
        let app = app();
        let sub = &app.world.world.tenants["central"].subscriptions[0].subscription_id;
        let path = format!("/subscriptions/{sub}/providers/Microsoft.Network/networkManagers");
        let mut info = CallInfo::default();
        let expired = handle(
            &app,
            &get(
                &path,
                &token(&app, now() - 10, "https://management.azure.com/"),
            ),
            &mut info,
        );
        assert_eq!(expired.status, 401);
        let body: Value = serde_json::from_slice(&expired.body).unwrap();
        assert_eq!(body["error"]["code"], "ExpiredAuthenticationToken");
        assert!(expired.headers.iter().any(|(n, _)| n == "WWW-Authenticate"));
        let valid = handle(
            &app,
            &get(
                &path,
                &token(&app, now() + 60, "https://management.azure.com/"),
            ),
            &mut info,
        );
        assert_eq!(valid.status, 200);
        assert_eq!(info.principal.as_deref(), Some("admin"));
        let wrong_audience = handle(
            &app,
            &get(
                &path,
                &token(&app, now() + 60, "https://graph.microsoft.com/"),
            ),
            &mut info,
        );
        assert_eq!(wrong_audience.status, 401);
    }

    #[test]
    fn a_huge_lro_max_ms_keeps_the_delete_running_without_overflow() {
        let app = App::new(
            World::default_world(),
            None,
            FaultInjector::default(),
            LroSettings {
                max_ms: i64::MAX,
                ..LroSettings::default()
            },
        )
        .unwrap();
        let sub = &app.world.world.tenants["central"].subscriptions[0].subscription_id;
        let rg = &app.world.world.tenants["central"].subscriptions[0].resource_groups[0].name;
        let path = format!(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkManagers/nm"
        );
        let bearer = token(&app, now() + 60, "https://management.azure.com/");
        let mut put = get(&path, &bearer);
        put.method = http::Method::PUT;
        put.body = bytes::Bytes::from(
            json!({
                "location": "westeurope",
                "properties": {
                    "networkManagerScopes": {"subscriptions": [format!("/subscriptions/{sub}")]},
                    "networkManagerScopeAccesses": ["Connectivity"]
                }
            })
            .to_string(),
        );
        let created = handle(&app, &put, &mut CallInfo::default());
        assert!(matches!(created.status, 200 | 201), "{}", created.status);
        let mut delete = get(&path, &bearer);
        delete.method = http::Method::DELETE;
        let accepted = handle(&app, &delete, &mut CallInfo::default());
        assert_eq!(accepted.status, 202);
    }

    #[test]
    fn skip_tokens_round_trip() {
        let k = "/subscriptions/x/resourcegroups/rg/providers/microsoft.network/networkmanagers/a";
        assert_eq!(decode_skip_token(&encode_skip_token(k)).as_deref(), Some(k));
        assert_eq!(decode_skip_token("!!"), None);
    }

    #[test]
    fn resolves_every_resource_type() {
        let base =
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm";
        let kinds = [
            (base.to_string(), Some(Kind::NetworkManager)),
            (format!("{base}/networkGroups/g"), Some(Kind::NetworkGroup)),
            (format!("{base}/networkGroups/g/staticMembers/m"), Some(Kind::StaticMember)),
            (format!("{base}/scopeConnections/c"), Some(Kind::ScopeConnection)),
            (
                "/subscriptions/s/providers/Microsoft.Network/networkManagerConnections/c".to_string(),
                Some(Kind::SubscriptionConnection),
            ),
            (
                "/providers/Microsoft.Management/managementGroups/m/providers/Microsoft.Network/networkManagerConnections/c"
                    .to_string(),
                Some(Kind::ManagementGroupConnection),
            ),
            (format!("{base}/foo/x"), None),
        ];
        for (path, expected) in kinds {
            let target = resolve(&ArmPath::parse(&path).unwrap());
            match (target, expected) {
                (Ok(Target::Stored { kind, name, .. }), Some(k)) => {
                    assert_eq!(kind, k);
                    assert!(name.is_some());
                }
                (Err(e), None) => assert_eq!(e.code, "InvalidResourceType"),
                _ => panic!("unexpected resolution of {path}"),
            }
        }
    }

    #[test]
    fn type_paths() {
        assert_eq!(
            type_path(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/networkGroups/g"
            ),
            "Microsoft.Network/networkManagers/nm/networkGroups/g"
        );
    }
}
