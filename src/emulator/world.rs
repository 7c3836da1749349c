//! The world: what exists in the emulated Azure before anyone calls the API — tenants,
//! subscriptions, management groups, resource groups, virtual networks with subnets, and
//! the principals with their tenant memberships and role assignments.
//!
//! `--world FILE` loads this shape from JSON (documented in docs/emulator.md):
//!
//! ```json
//! {"tenants": {"central": {"tenant_id": "GUID",
//!     "subscriptions": [{"subscription_id": "GUID", "display_name": "central-1",
//!        "resource_groups": [{"name": "rg-central-1", "location": "westeurope",
//!           "virtual_networks": [{"name": "vnet-1", "location": "westeurope",
//!              "address_prefix": "10.0.0.0/24",
//!              "subnets": [{"name": "default", "address_prefix": "10.0.0.0/26"}]}]}]}],
//!     "management_groups": [{"name": "mg-central", "subscriptions": ["GUID"]}]}},
//!  "principals": {"admin": {"client_id": "GUID", "client_secret": "…", "object_id": "GUID",
//!     "home_tenant": "central", "guest_tenants": ["target"],
//!     "role_assignments": [{"scope": "/subscriptions/GUID", "role": "Network Contributor"}],
//!     "federated_credentials": [{"subject": "system:serviceaccount:avnm:admin"}],
//!     "certificate_credentials": [{"certificate": "-----BEGIN CERTIFICATE-----\n…"}]}}}
//! ```
//! Roles: `Owner`, `Contributor`, `Network Contributor` (write anything under
//! Microsoft.Network) and `Reader` (read only). A role at a management group covers the
//! group's subscriptions and everything under them.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::certificate::{CertificateError, RegisteredCertificate};
use super::ids::{key, stable_guid};

/// The whole world, as loaded or generated.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct World {
    pub tenants: BTreeMap<String, Tenant>,
    pub principals: BTreeMap<String, Principal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tenant {
    pub tenant_id: String,
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
    #[serde(default)]
    pub management_groups: Vec<ManagementGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Subscription {
    pub subscription_id: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub resource_groups: Vec<ResourceGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResourceGroup {
    pub name: String,
    pub location: String,
    #[serde(default)]
    pub virtual_networks: Vec<VirtualNetwork>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VirtualNetwork {
    pub name: String,
    pub location: String,
    pub address_prefix: String,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Subnet {
    pub name: String,
    pub address_prefix: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ManagementGroup {
    pub name: String,
    #[serde(default)]
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Principal {
    pub client_id: String,
    pub client_secret: String,
    pub object_id: String,
    pub home_tenant: String,
    #[serde(default)]
    pub guest_tenants: Vec<String>,
    #[serde(default)]
    pub role_assignments: Vec<RoleAssignment>,
    #[serde(default)]
    pub federated_credentials: Vec<FederatedCredential>,
    /// Public certificates whose private keys may sign client assertions (none by default:
    /// whoever registers one must hold its key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificate_credentials: Vec<CertificateCredential>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoleAssignment {
    /// `/subscriptions/GUID`, `/subscriptions/GUID/resourceGroups/NAME`, a resource ID, or
    /// `/providers/Microsoft.Management/managementGroups/NAME`.
    pub scope: String,
    pub role: String,
}

/// A workload-identity federation: a client assertion whose `iss` and `sub` match (and whose
/// `aud` is `audience`) stands in for the client secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FederatedCredential {
    /// `None`: the emulator's own issuer, `https://HOST:PORT/oidc`.
    #[serde(default)]
    pub issuer: Option<String>,
    pub subject: String,
    #[serde(default = "default_audience")]
    pub audience: String,
}

/// A certificate credential: the public certificate as PEM (`-----BEGIN CERTIFICATE-----`)
/// or base64 DER (as Microsoft Graph's `keyCredentials.key`). Checked when the world loads.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CertificateCredential {
    pub certificate: String,
}

impl CertificateCredential {
    pub fn parse(&self) -> Result<RegisteredCertificate, CertificateError> {
        RegisteredCertificate::parse(&self.certificate)
    }
}

pub fn default_audience() -> String {
    "api://AzureADTokenExchange".to_string()
}

/// Why a world file was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    #[error("cannot read world file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("world file {path} is not valid JSON of the documented shape: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
    #[error("world is inconsistent: {0}")]
    Inconsistent(String),
}

impl World {
    /// The default world: tenants `central` and `target`, two subscriptions each (the first in
    /// the tenant's management group), one resource group per subscription and 300 virtual
    /// networks per tenant (150 per subscription) with one subnet each.
    pub fn default_world() -> World {
        let mut tenants = BTreeMap::new();
        for (t_index, (tenant, location)) in [("central", "westeurope"), ("target", "eastus2")]
            .into_iter()
            .enumerate()
        {
            let tenant_id = stable_guid(&format!("avnm-emulator/tenant/{tenant}"));
            let mut subscriptions = Vec::new();
            for s in 1..=2 {
                let subscription_id =
                    stable_guid(&format!("avnm-emulator/subscription/{tenant}/{s}"));
                let virtual_networks = (1..=150)
                    .map(|i| {
                        let n = (s - 1) * 150 + i;
                        let (a, b) = (t_index * 8 + n / 256, n % 256);
                        VirtualNetwork {
                            name: format!("vnet-{tenant}-{n:03}"),
                            location: location.to_string(),
                            address_prefix: format!("10.{a}.{b}.0/24"),
                            subnets: vec![Subnet {
                                name: "default".to_string(),
                                address_prefix: format!("10.{a}.{b}.0/26"),
                            }],
                        }
                    })
                    .collect();
                subscriptions.push(Subscription {
                    subscription_id,
                    display_name: format!("{tenant}-{s}"),
                    resource_groups: vec![ResourceGroup {
                        name: format!("rg-{tenant}-{s}"),
                        location: location.to_string(),
                        virtual_networks,
                    }],
                });
            }
            let management_groups = vec![ManagementGroup {
                name: format!("mg-{tenant}"),
                subscriptions: vec![subscriptions[0].subscription_id.clone()],
            }];
            tenants.insert(
                tenant.to_string(),
                Tenant {
                    tenant_id,
                    subscriptions,
                    management_groups,
                },
            );
        }
        let scopes = |tenant: &str| -> Vec<String> {
            let t = &tenants[tenant];
            t.subscriptions
                .iter()
                .map(|s| format!("/subscriptions/{}", s.subscription_id))
                .chain(t.management_groups.iter().map(|m| {
                    format!(
                        "/providers/Microsoft.Management/managementGroups/{}",
                        m.name
                    )
                }))
                .collect()
        };
        let assign = |scopes: Vec<String>, role: &str| -> Vec<RoleAssignment> {
            scopes
                .into_iter()
                .map(|scope| RoleAssignment {
                    scope,
                    role: role.to_string(),
                })
                .collect()
        };
        let target_subscriptions: Vec<String> = tenants["target"]
            .subscriptions
            .iter()
            .map(|s| format!("/subscriptions/{}", s.subscription_id))
            .collect();
        let principal =
            |name: &str, home: &str, guest: &[&str], roles: Vec<RoleAssignment>| Principal {
                client_id: stable_guid(&format!("avnm-emulator/principal/{name}/client")),
                client_secret: format!(
                    "emu~{}",
                    stable_guid(&format!("avnm-emulator/principal/{name}/secret")).replace('-', "")
                ),
                object_id: stable_guid(&format!("avnm-emulator/principal/{name}/object")),
                home_tenant: home.to_string(),
                guest_tenants: guest.iter().map(|g| g.to_string()).collect(),
                role_assignments: roles,
                federated_credentials: vec![FederatedCredential {
                    issuer: None,
                    subject: format!("system:serviceaccount:avnm:{name}"),
                    audience: default_audience(),
                }],
                certificate_credentials: Vec::new(),
            };
        let mut principals = BTreeMap::new();
        let mut admin_roles = assign(scopes("central"), "Owner");
        admin_roles.extend(assign(target_subscriptions, "Network Contributor"));
        principals.insert(
            "admin".to_string(),
            principal("admin", "central", &["target"], admin_roles),
        );
        principals.insert(
            "target_admin".to_string(),
            principal(
                "target_admin",
                "target",
                &[],
                assign(scopes("target"), "Owner"),
            ),
        );
        principals.insert(
            "outsider".to_string(),
            principal("outsider", "central", &[], Vec::new()),
        );
        World {
            tenants,
            principals,
        }
    }

    /// Loads a world file.
    pub fn load(path: &str) -> Result<World, WorldError> {
        let text = std::fs::read_to_string(path).map_err(|source| WorldError::Read {
            path: path.to_string(),
            source,
        })?;
        let world: World = serde_json::from_str(&text).map_err(|source| WorldError::Parse {
            path: path.to_string(),
            source,
        })?;
        world.check()?;
        Ok(world)
    }

    /// Checks references inside the world (home tenants, duplicate IDs, group members).
    pub fn check(&self) -> Result<(), WorldError> {
        let bad = |m: String| Err(WorldError::Inconsistent(m));
        let mut tenant_ids = HashMap::new();
        let mut subs = HashMap::new();
        for (name, t) in &self.tenants {
            if uuid::Uuid::parse_str(&t.tenant_id).is_err() {
                return bad(format!(
                    "tenant {name}: tenant_id {:?} is not a GUID",
                    t.tenant_id
                ));
            }
            if tenant_ids.insert(key(&t.tenant_id), name).is_some() {
                return bad(format!("tenant id {} is used twice", t.tenant_id));
            }
            for s in &t.subscriptions {
                if subs.insert(key(&s.subscription_id), name).is_some() {
                    return bad(format!(
                        "subscription {} is listed twice",
                        s.subscription_id
                    ));
                }
            }
        }
        for (name, t) in &self.tenants {
            for mg in &t.management_groups {
                for s in &mg.subscriptions {
                    if subs.get(&key(s)) != Some(&name) {
                        return bad(format!(
                            "management group {} lists subscription {s}, which is not in tenant {name}",
                            mg.name
                        ));
                    }
                }
            }
        }
        let mut client_ids = HashMap::new();
        for (name, p) in &self.principals {
            for t in std::iter::once(&p.home_tenant).chain(&p.guest_tenants) {
                if !self.tenants.contains_key(t) {
                    return bad(format!("principal {name} names unknown tenant {t}"));
                }
            }
            if client_ids.insert(key(&p.client_id), name).is_some() {
                return bad(format!("client id {} is used twice", p.client_id));
            }
            for (i, c) in p.certificate_credentials.iter().enumerate() {
                if let Err(e) = c.parse() {
                    return bad(format!(
                        "principal {name}: certificate_credentials[{i}]: {e}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Where a subscription, management group or virtual network sits in the world; built once
/// so request handling never scans the world.
#[derive(Debug, Clone)]
pub struct WorldIndex {
    pub world: World,
    /// subscription key → (tenant name, subscription ID as written).
    subscriptions: HashMap<String, (String, String)>,
    /// `sub/rg` key → (resource group name as written, location).
    resource_groups: HashMap<String, (String, String)>,
    /// management group key → (tenant name, name as written, subscription keys).
    management_groups: HashMap<String, (String, String, Vec<String>)>,
    /// virtual network ID key → network facts.
    networks: HashMap<String, NetworkRef>,
    /// subnet ID key → (network key, subnet index).
    subnets: HashMap<String, (String, usize)>,
    /// tenant ID key → tenant name.
    tenant_names: HashMap<String, String>,
}

/// A virtual network of the world, located.
#[derive(Debug, Clone)]
pub struct NetworkRef {
    pub id: String,
    pub tenant: String,
    pub subscription: String,
    pub resource_group: String,
    pub network: VirtualNetwork,
}

impl NetworkRef {
    pub fn subnet_id(&self, subnet: &Subnet) -> String {
        format!("{}/subnets/{}", self.id, subnet.name)
    }
}

impl WorldIndex {
    pub fn new(world: World) -> WorldIndex {
        let mut index = WorldIndex {
            subscriptions: HashMap::new(),
            resource_groups: HashMap::new(),
            management_groups: HashMap::new(),
            networks: HashMap::new(),
            subnets: HashMap::new(),
            tenant_names: HashMap::new(),
            world: world.clone(),
        };
        for (tenant, t) in &world.tenants {
            index.tenant_names.insert(key(&t.tenant_id), tenant.clone());
            for s in &t.subscriptions {
                let sub = &s.subscription_id;
                index
                    .subscriptions
                    .insert(key(sub), (tenant.clone(), sub.clone()));
                for rg in &s.resource_groups {
                    index.resource_groups.insert(
                        format!("{}/{}", key(sub), rg.name.to_ascii_lowercase()),
                        (rg.name.clone(), rg.location.clone()),
                    );
                    for vnet in &rg.virtual_networks {
                        let id = format!(
                            "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{}",
                            rg.name, vnet.name
                        );
                        for (i, subnet) in vnet.subnets.iter().enumerate() {
                            index.subnets.insert(
                                key(&format!("{id}/subnets/{}", subnet.name)),
                                (key(&id), i),
                            );
                        }
                        index.networks.insert(
                            key(&id),
                            NetworkRef {
                                id,
                                tenant: tenant.clone(),
                                subscription: sub.clone(),
                                resource_group: rg.name.clone(),
                                network: vnet.clone(),
                            },
                        );
                    }
                }
            }
            for mg in &t.management_groups {
                index.management_groups.insert(
                    mg.name.to_ascii_lowercase(),
                    (
                        tenant.clone(),
                        mg.name.clone(),
                        mg.subscriptions.iter().map(|s| key(s)).collect(),
                    ),
                );
            }
        }
        index
    }

    /// (tenant name, subscription ID as written) of a subscription.
    pub fn subscription(&self, id: &str) -> Option<&(String, String)> {
        self.subscriptions.get(&key(id))
    }

    /// (name as written, location) of a resource group.
    pub fn resource_group(&self, subscription: &str, name: &str) -> Option<&(String, String)> {
        self.resource_groups.get(&format!(
            "{}/{}",
            key(subscription),
            name.to_ascii_lowercase()
        ))
    }

    /// (tenant name, name as written, subscription keys) of a management group.
    pub fn management_group(&self, name: &str) -> Option<&(String, String, Vec<String>)> {
        self.management_groups.get(&name.to_ascii_lowercase())
    }

    pub fn network(&self, id: &str) -> Option<&NetworkRef> {
        self.networks.get(&key(id))
    }

    /// The network holding a subnet, and the subnet.
    pub fn subnet(&self, id: &str) -> Option<(&NetworkRef, &Subnet)> {
        let (network, i) = self.subnets.get(&key(id))?;
        let n = self.networks.get(network)?;
        Some((n, n.network.subnets.get(*i)?))
    }

    /// Networks of one resource group, in world order.
    pub fn networks_in(&self, subscription: &str, resource_group: &str) -> Vec<&NetworkRef> {
        let (tenant, sub) = match self.subscription(subscription) {
            Some(found) => found,
            None => return Vec::new(),
        };
        let Some(t) = self.world.tenants.get(tenant) else {
            return Vec::new();
        };
        t.subscriptions
            .iter()
            .filter(|s| &s.subscription_id == sub)
            .flat_map(|s| &s.resource_groups)
            .filter(|rg| rg.name.eq_ignore_ascii_case(resource_group))
            .flat_map(|rg| {
                rg.virtual_networks.iter().filter_map(move |v| {
                    self.network(&format!(
                        "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Network/virtualNetworks/{}",
                        rg.name, v.name
                    ))
                })
            })
            .collect()
    }

    pub fn tenant(&self, name: &str) -> Option<&Tenant> {
        self.world.tenants.get(name)
    }

    /// The tenant name for a tenant ID (GUID).
    pub fn tenant_by_id(&self, tenant_id: &str) -> Option<&String> {
        self.tenant_names.get(&key(tenant_id))
    }

    pub fn tenant_id(&self, name: &str) -> &str {
        self.world
            .tenants
            .get(name)
            .map(|t| t.tenant_id.as_str())
            .unwrap_or("")
    }

    pub fn principal_by_client_id(&self, client_id: &str) -> Option<(&String, &Principal)> {
        self.world
            .principals
            .iter()
            .find(|(_, p)| p.client_id.eq_ignore_ascii_case(client_id))
    }

    pub fn principal_by_object_id(&self, object_id: &str) -> Option<(&String, &Principal)> {
        self.world
            .principals
            .iter()
            .find(|(_, p)| p.object_id.eq_ignore_ascii_case(object_id))
    }

    /// The tenant that owns an ARM scope (resource ID prefix): its subscription's tenant, or
    /// the management group's tenant.
    pub fn owning_tenant(&self, scope: &str) -> Option<String> {
        let k = key(scope);
        let parts: Vec<&str> = k.split('/').filter(|s| !s.is_empty()).collect();
        match parts.as_slice() {
            ["subscriptions", sub, ..] => self.subscription(sub).map(|(t, _)| t.clone()),
            [
                "providers",
                "microsoft.management",
                "managementgroups",
                mg,
                ..,
            ] => self.management_group(mg).map(|(t, _, _)| t.clone()),
            _ => None,
        }
    }

    /// True when `principal` may perform `action` on `scope` (a resource ID or scope path).
    pub fn is_authorized(&self, principal: &Principal, action: &str, scope: &str) -> bool {
        let target = key(scope);
        let subscription = target
            .strip_prefix("/subscriptions/")
            .map(|rest| rest.split('/').next().unwrap_or_default().to_string());
        principal.role_assignments.iter().any(|ra| {
            role_allows(&ra.role, action)
                && self.scope_covers(&key(&ra.scope), &target, &subscription)
        })
    }

    fn scope_covers(&self, assignment: &str, target: &str, subscription: &Option<String>) -> bool {
        if target == assignment || target.starts_with(&format!("{assignment}/")) {
            return true;
        }
        let mg = assignment.strip_prefix("/providers/microsoft.management/managementgroups/");
        match (mg, subscription) {
            (Some(mg), Some(sub)) => self
                .management_group(mg)
                .is_some_and(|(_, _, subs)| subs.contains(&key(sub))),
            _ => false,
        }
    }
}

/// The built-in roles the emulator knows, by the actions they allow.
fn role_allows(role: &str, action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    match role.to_ascii_lowercase().as_str() {
        "owner" | "contributor" => true,
        "network contributor" => action.starts_with("microsoft.network/"),
        "reader" => action.ends_with("/read"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_world_is_deterministic_and_consistent() {
        let a = World::default_world();
        assert_eq!(a, World::default_world());
        a.check().unwrap();
        for t in a.tenants.values() {
            assert!(t.subscriptions.len() >= 2);
            let vnets: usize = t
                .subscriptions
                .iter()
                .flat_map(|s| &s.resource_groups)
                .map(|rg| rg.virtual_networks.len())
                .sum();
            assert!(vnets >= 300);
        }
    }

    #[test]
    fn roles_follow_the_seed_scenario() {
        let index = WorldIndex::new(World::default_world());
        let w = &index.world;
        let target_sub = format!(
            "/subscriptions/{}",
            w.tenants["target"].subscriptions[1].subscription_id
        );
        let write = "Microsoft.Network/virtualNetworks/join/action";
        assert!(index.is_authorized(&w.principals["admin"], write, &target_sub));
        assert!(index.is_authorized(&w.principals["target_admin"], write, &target_sub));
        assert!(!index.is_authorized(&w.principals["outsider"], write, &target_sub));
        assert!(!index.is_authorized(
            &w.principals["admin"],
            "Microsoft.Network/networkManagerConnections/write",
            "/providers/Microsoft.Management/managementGroups/mg-target"
        ));
    }

    #[test]
    fn management_group_roles_cover_member_subscriptions() {
        let index = WorldIndex::new(World::default_world());
        let w = &index.world;
        let mut p = w.principals["outsider"].clone();
        p.role_assignments = vec![RoleAssignment {
            scope: "/providers/Microsoft.Management/managementGroups/MG-TARGET".into(),
            role: "Reader".into(),
        }];
        let in_mg = format!(
            "/subscriptions/{}/resourceGroups/x",
            w.tenants["target"].subscriptions[0].subscription_id
        );
        let outside = format!(
            "/subscriptions/{}",
            w.tenants["target"].subscriptions[1].subscription_id
        );
        assert!(index.is_authorized(&p, "Microsoft.Network/virtualNetworks/read", &in_mg));
        assert!(!index.is_authorized(&p, "Microsoft.Network/virtualNetworks/read", &outside));
        assert!(!index.is_authorized(&p, "Microsoft.Network/virtualNetworks/write", &in_mg));
    }

    #[test]
    fn index_finds_networks_and_subnets_case_insensitively() {
        let index = WorldIndex::new(World::default_world());
        let sub = &index.world.tenants["central"].subscriptions[0].subscription_id;
        let id = format!(
            "/SUBSCRIPTIONS/{sub}/resourcegroups/RG-CENTRAL-1/providers/microsoft.network/virtualnetworks/VNET-CENTRAL-001"
        );
        let n = index.network(&id).unwrap();
        assert_eq!(n.network.name, "vnet-central-001");
        assert!(index.subnet(&format!("{id}/subnets/DEFAULT")).is_some());
        assert_eq!(index.networks_in(sub, "rg-central-1").len(), 150);
    }

    #[test]
    fn inconsistent_worlds_are_refused() {
        let mut w = World::default_world();
        w.principals.get_mut("admin").unwrap().home_tenant = "nowhere".into();
        assert!(matches!(w.check(), Err(WorldError::Inconsistent(_))));
    }

    #[test]
    fn certificate_credentials_are_checked_on_load_and_round_trip() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["avnm".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let mut w = World::default_world();
        let admin = w.principals.get_mut("admin").unwrap();
        admin.certificate_credentials.push(CertificateCredential {
            certificate: cert.pem(),
        });
        w.check().unwrap();
        let text = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<World>(&text).unwrap(), w);
        // The default world registers none, and says nothing about them.
        assert!(
            !serde_json::to_string(&World::default_world())
                .unwrap()
                .contains("certificate_credentials")
        );

        w.principals
            .get_mut("admin")
            .unwrap()
            .certificate_credentials[0]
            .certificate = "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n".into();
        let err = w.check().unwrap_err().to_string();
        assert!(
            err.contains("principal admin: certificate_credentials[0]"),
            "{err}"
        );
    }
}
