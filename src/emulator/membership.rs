//! The rules for adding a static member, in the order ARM applies them: the member ID's
//! shape, linked authorization (the auxiliary-token rule for networks in another tenant,
//! `Microsoft.Network/virtualNetworks/join/action` on the network), the network's
//! existence, the group's member type, and the manager's scope (its own
//! `networkManagerScopes` or a Connected cross-tenant scope).

use serde_json::{Map, Value};

use super::arm::missing;
use super::auth::Caller;
use super::http::ArmError;
use super::ids::{ArmPath, Scope, key};
use super::store::{Kind, Resource, Store};
use super::world::{NetworkRef, WorldIndex};

/// The rules for a static member; returns the member's region.
pub(super) fn check_member(
    world: &WorldIndex,
    store: &Store,
    caller: &Caller,
    manager: &Resource,
    group: &Resource,
    member_id: &str,
    properties: &Map<String, Value>,
) -> Result<String, ArmError> {
    let Some(resource_id) = properties.get("resourceId").and_then(Value::as_str) else {
        return Err(missing("properties.resourceId"));
    };
    let parsed = ArmPath::parse(resource_id).filter(|p| {
        matches!(p.scope, Scope::ResourceGroup { .. })
            && p.names_resource()
            && matches!(p.type_chain().as_slice(), [a] if a == "virtualnetworks")
                | matches!(p.type_chain().as_slice(), [a, b] if a == "virtualnetworks" && b == "subnets")
    });
    let Some(parsed) = parsed else {
        return Err(ArmError::bad_request(
            "LinkedInvalidPropertyId",
            format!(
                "Property id '{resource_id}' at path 'properties.resourceId' is invalid. Expect the fully qualified ID of a virtual network or subnet, '/subscriptions/{{subscriptionId}}/resourceGroups/{{resourceGroupName}}/providers/Microsoft.Network/virtualNetworks/{{name}}'."
            ),
        )
        .with_target("properties.resourceId"));
    };
    let is_subnet = parsed.type_chain().len() == 2;
    let not_found = || {
        ArmError::bad_request(
            "InvalidResourceReference",
            format!(
                "Resource {resource_id} referenced by resource {member_id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region."
            ),
        )
        .with_target("properties.resourceId")
    };
    let Some(member_tenant) = world.owning_tenant(resource_id) else {
        return Err(not_found());
    };
    let join = if is_subnet {
        "Microsoft.Network/virtualNetworks/subnets/join/action"
    } else {
        "Microsoft.Network/virtualNetworks/join/action"
    };
    let cross_tenant = member_tenant != manager.tenant;
    let linked_ok = if cross_tenant {
        let member_tenant_id = world.tenant_id(&member_tenant);
        caller.auxiliary.iter().any(|aux| {
            aux.tid.eq_ignore_ascii_case(member_tenant_id)
                && aux.oid.eq_ignore_ascii_case(&caller.claims.oid)
                && world.is_authorized(&caller.principal, join, resource_id)
        })
    } else {
        world.is_authorized(&caller.principal, join, resource_id)
    };
    if !linked_ok {
        return Err(ArmError::new(
            403,
            "LinkedAuthorizationFailed",
            format!(
                "The client '{}' with object id '{}' has permission to perform action '{}' on scope '{member_id}'; however, it does not have permission to perform action(s) '{join}' on the linked scope(s) '{resource_id}' (respectively) or the linked scope(s) are invalid.",
                caller.claims.appid,
                caller.claims.oid,
                Kind::StaticMember.action("write"),
            ),
        ));
    }
    let network: &NetworkRef = if is_subnet {
        world
            .subnet(resource_id)
            .map(|(n, _)| n)
            .ok_or_else(not_found)?
    } else {
        world.network(resource_id).ok_or_else(not_found)?
    };
    let wants_subnet = group
        .properties
        .get("memberType")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("Subnet"));
    if wants_subnet != is_subnet {
        let (expected, got) = if wants_subnet {
            ("Subnet", "virtual network")
        } else {
            ("VirtualNetwork", "subnet")
        };
        return Err(ArmError::bad_request(
            "StaticMemberTypeMismatch",
            format!(
                "Network group '{}' has member type '{expected}', but '{resource_id}' is a {got}.",
                group.name
            ),
        )
        .with_target("properties.resourceId"));
    }
    let sub_key = key(&format!("/subscriptions/{}", network.subscription));
    let in_scope = store.managed_scopes(&key(&manager.id)).iter().any(|scope| {
        *scope == sub_key
            || scope
                .strip_prefix("/providers/microsoft.management/managementgroups/")
                .and_then(|mg| world.management_group(mg))
                .is_some_and(|(_, _, subs)| subs.contains(&key(&network.subscription)))
    });
    if !in_scope {
        let mut message = format!(
            "Resource '{resource_id}' is not within the scope of network manager '{}'. Add its subscription or management group to the manager's networkManagerScopes",
            manager.name
        );
        if cross_tenant {
            let states: Vec<String> = store
                .children_of(&key(&manager.id), Kind::ScopeConnection)
                .filter(|r| {
                    r.properties
                        .get("tenantId")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.eq_ignore_ascii_case(world.tenant_id(&member_tenant)))
                })
                .map(|r| {
                    format!(
                        "'{}' is {}",
                        r.name,
                        r.connection_state.as_deref().unwrap_or("Pending")
                    )
                })
                .collect();
            message.push_str(", or connect its tenant's scope with a scope connection and a network manager connection (state Connected)");
            if !states.is_empty() {
                message.push_str(&format!("; scope connection {}", states.join(", ")));
            }
        }
        message.push('.');
        return Err(
            ArmError::bad_request("ResourceNotInNetworkManagerScope", message)
                .with_target("properties.resourceId"),
        );
    }
    Ok(network.network.location.clone())
}
