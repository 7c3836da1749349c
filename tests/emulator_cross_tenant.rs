//! The emulator's cross-tenant rules over HTTPS: the connection state machine (Pending →
//! Connected → Revoked, Conflict, management-group scope), `crossTenantScopes`, the
//! auxiliary-token rule for static members, authorization, and the request log that
//! shows which tenants' tokens were sent.

use reqwest::Method;
use serde_json::{Value, json};
use terraform_provider_avnm::emulator::harness::{ArmResponse, Emulator};

struct World {
    emu: Emulator,
    /// admin in central, admin in target (guest), target_admin in target.
    central: String,
    guest: String,
    target_admin: String,
    central_sub: String,
    target_tenant: String,
    target_sub: String,
    target_sub2: String,
}

impl World {
    async fn new() -> World {
        let emu = Emulator::start(env!("CARGO_BIN_EXE_avnm-arm-emulator").as_ref(), &[]).unwrap();
        let central = emu.token("admin", "central").await.unwrap();
        let guest = emu.token("admin", "target").await.unwrap();
        let target_admin = emu.token("target_admin", "target").await.unwrap();
        let t = &emu.ready.tenants["target"];
        World {
            central_sub: emu.ready.tenants["central"].subscription_ids[0].clone(),
            target_tenant: t.tenant_id.clone(),
            target_sub: t.subscription_ids[0].clone(),
            target_sub2: t.subscription_ids[1].clone(),
            central,
            guest,
            target_admin,
            emu,
        }
    }

    fn manager(&self, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/rg-central-1/providers/Microsoft.Network/networkManagers/{name}",
            self.central_sub
        )
    }

    fn target_vnet(&self, index: usize) -> String {
        self.emu.ready.tenants["target"].virtual_network_ids[index].clone()
    }

    async fn call(
        &self,
        token: &str,
        aux: &[&str],
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> ArmResponse {
        self.emu
            .arm(method, path, Some(token), aux, body.as_ref())
            .await
            .unwrap()
    }

    async fn put_manager(&self, name: &str, access: &str) -> ArmResponse {
        let body = json!({"location": "westeurope", "properties": {
            "networkManagerScopes": {"subscriptions": [format!("/subscriptions/{}", self.central_sub)]},
            "networkManagerScopeAccesses": [access]}});
        self.call(
            &self.central,
            &[],
            Method::PUT,
            &self.manager(name),
            Some(body),
        )
        .await
    }

    async fn put_scope_connection(
        &self,
        manager: &str,
        name: &str,
        resource_id: &str,
    ) -> ArmResponse {
        let body = json!({"properties": {"tenantId": self.target_tenant, "resourceId": resource_id, "description": "to target"}});
        self.call(
            &self.central,
            &[],
            Method::PUT,
            &format!("{}/scopeConnections/{name}", self.manager(manager)),
            Some(body),
        )
        .await
    }

    fn subscription_connection(&self, name: &str) -> String {
        format!(
            "/subscriptions/{}/providers/Microsoft.Network/networkManagerConnections/{name}",
            self.target_sub
        )
    }

    async fn put_subscription_connection(&self, name: &str, manager: &str) -> ArmResponse {
        let body = json!({"properties": {"networkManagerId": self.manager(manager)}});
        self.call(
            &self.target_admin,
            &[],
            Method::PUT,
            &self.subscription_connection(name),
            Some(body),
        )
        .await
    }

    async fn state(&self, token: &str, path: &str) -> String {
        let r = self.call(token, &[], Method::GET, path, None).await;
        r.body["properties"]["connectionState"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    async fn requests(&self) -> Vec<Value> {
        self.emu
            .client()
            .get(self.emu.url("/_emulator/requests"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn pending_connected_revoked_and_cross_tenant_scopes() {
    let w = World::new().await;
    assert_eq!(w.put_manager("nm", "Connectivity").await.status, 201);
    let sc = w
        .put_scope_connection("nm", "sc", &format!("subscriptions/{}", w.target_sub))
        .await;
    assert_eq!(sc.status, 201, "{:?}", sc.body);
    assert_eq!(sc.body["properties"]["connectionState"], "Pending");
    let sc_path = format!("{}/scopeConnections/sc", w.manager("nm"));

    let nc = w.put_subscription_connection("conn", "nm").await;
    assert_eq!(nc.status, 201, "{:?}", nc.body);
    assert_eq!(nc.body["properties"]["connectionState"], "Connected");
    assert_eq!(w.state(&w.central, &sc_path).await, "Connected");

    let manager = w
        .call(&w.central, &[], Method::GET, &w.manager("nm"), None)
        .await;
    assert_eq!(
        manager.body["properties"]["networkManagerScopes"]["crossTenantScopes"],
        json!([{"tenantId": w.target_tenant, "managementGroups": [], "subscriptions": [format!("/subscriptions/{}", w.target_sub)]}])
    );

    let deleted = w
        .call(
            &w.target_admin,
            &[],
            Method::DELETE,
            &w.subscription_connection("conn"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(w.state(&w.central, &sc_path).await, "Revoked");
    let manager = w
        .call(&w.central, &[], Method::GET, &w.manager("nm"), None)
        .await;
    assert_eq!(
        manager.body["properties"]["networkManagerScopes"]["crossTenantScopes"],
        json!([])
    );

    // Re-creating the target side connects again; deleting the central side leaves it Pending.
    w.put_subscription_connection("conn", "nm").await;
    assert_eq!(w.state(&w.central, &sc_path).await, "Connected");
    assert_eq!(
        w.call(&w.central, &[], Method::DELETE, &sc_path, None)
            .await
            .status,
        200
    );
    assert_eq!(
        w.state(&w.target_admin, &w.subscription_connection("conn"))
            .await,
        "Pending"
    );
}

#[tokio::test]
async fn target_side_first_and_management_group_scope() {
    let w = World::new().await;
    w.put_manager("nm", "SecurityAdmin").await;
    let mg = w.emu.ready.tenants["target"].management_group_ids[0].clone();
    let nc_path = format!("{mg}/providers/Microsoft.Network/networkManagerConnections/conn");
    let nc = w
        .call(
            &w.target_admin,
            &[],
            Method::PUT,
            &nc_path,
            Some(json!({"properties": {"networkManagerId": w.manager("nm")}})),
        )
        .await;
    assert_eq!(nc.status, 201, "{:?}", nc.body);
    assert_eq!(nc.body["properties"]["connectionState"], "Pending");
    assert_eq!(nc.body["id"], json!(nc_path));

    let sc = w.put_scope_connection("nm", "sc", &mg).await;
    assert_eq!(sc.body["properties"]["connectionState"], "Connected");
    assert_eq!(w.state(&w.target_admin, &nc_path).await, "Connected");
    let manager = w
        .call(&w.central, &[], Method::GET, &w.manager("nm"), None)
        .await;
    assert_eq!(
        manager.body["properties"]["networkManagerScopes"]["crossTenantScopes"][0]["managementGroups"],
        json!([mg])
    );

    let list = w
        .call(
            &w.target_admin,
            &[],
            Method::GET,
            &format!("{mg}/providers/Microsoft.Network/networkManagerConnections"),
            None,
        )
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);

    // A network in a subscription of the connected management group can join.
    let group = format!("{}/networkGroups/g", w.manager("nm"));
    w.call(
        &w.central,
        &[],
        Method::PUT,
        &group,
        Some(json!({"properties": {}})),
    )
    .await;
    let member = w
        .call(
            &w.central,
            &[&w.guest],
            Method::PUT,
            &format!("{group}/staticMembers/m"),
            Some(json!({"properties": {"resourceId": w.target_vnet(0)}})),
        )
        .await;
    assert_eq!(member.status, 201, "{:?}", member.body);
    assert_eq!(member.body["properties"]["region"], "eastus2");
    // The second target subscription is outside the management group.
    let outside = w.emu.ready.tenants["target"]
        .virtual_network_ids
        .iter()
        .find(|id| id.contains(&w.target_sub2))
        .unwrap()
        .clone();
    let refused = w
        .call(
            &w.central,
            &[&w.guest],
            Method::PUT,
            &format!("{group}/staticMembers/m2"),
            Some(json!({"properties": {"resourceId": outside}})),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code(), "ResourceNotInNetworkManagerScope");
}

#[tokio::test]
async fn a_second_manager_with_the_same_access_conflicts() {
    let w = World::new().await;
    w.put_manager("first", "Connectivity").await;
    w.put_manager("second", "Connectivity").await;
    w.put_manager("third", "SecurityAdmin").await;
    let scope = format!("/subscriptions/{}", w.target_sub);
    for m in ["first", "second", "third"] {
        w.put_scope_connection(m, "sc", &scope).await;
        assert_eq!(
            w.put_subscription_connection(&format!("conn-{m}"), m)
                .await
                .status,
            201
        );
    }
    let state = |m: &str| format!("{}/scopeConnections/sc", w.manager(m));
    assert_eq!(w.state(&w.central, &state("first")).await, "Connected");
    assert_eq!(w.state(&w.central, &state("second")).await, "Conflict");
    assert_eq!(
        w.state(&w.central, &state("third")).await,
        "Connected",
        "different scope access"
    );
    assert_eq!(
        w.state(&w.target_admin, &w.subscription_connection("conn-second"))
            .await,
        "Conflict"
    );

    // When the first pair goes, the second takes over.
    w.call(
        &w.target_admin,
        &[],
        Method::DELETE,
        &w.subscription_connection("conn-first"),
        None,
    )
    .await;
    assert_eq!(w.state(&w.central, &state("first")).await, "Revoked");
    assert_eq!(w.state(&w.central, &state("second")).await, "Connected");
}

#[tokio::test]
async fn cross_tenant_members_need_an_auxiliary_token_and_a_connected_scope() {
    let w = World::new().await;
    w.put_manager("nm", "Connectivity").await;
    let group = format!("{}/networkGroups/g", w.manager("nm"));
    w.call(
        &w.central,
        &[],
        Method::PUT,
        &group,
        Some(json!({"properties": {"memberType": "VirtualNetwork"}})),
    )
    .await;
    let member = format!("{group}/staticMembers/m");
    let body = json!({"properties": {"resourceId": w.target_vnet(0)}});

    // Without the auxiliary token: LinkedAuthorizationFailed, in ARM's words.
    let r = w
        .call(&w.central, &[], Method::PUT, &member, Some(body.clone()))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "LinkedAuthorizationFailed");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Microsoft.Network/virtualNetworks/join/action"),
        "{message}"
    );
    assert!(message.contains(&w.target_vnet(0)), "{message}");

    // An auxiliary token for the wrong tenant, or from another principal, does not help.
    let other_central = w.emu.token("admin", "central").await.unwrap();
    let r = w
        .call(
            &w.central,
            &[&other_central],
            Method::PUT,
            &member,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.code(), "LinkedAuthorizationFailed");
    let r = w
        .call(
            &w.central,
            &[&w.target_admin],
            Method::PUT,
            &member,
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        r.code(),
        "LinkedAuthorizationFailed",
        "aux token of another principal"
    );

    // With it, but the scope not connected: 400 naming the scope connection state.
    w.put_scope_connection("nm", "sc", &format!("/subscriptions/{}", w.target_sub))
        .await;
    let r = w
        .call(
            &w.central,
            &[&w.guest],
            Method::PUT,
            &member,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "ResourceNotInNetworkManagerScope");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'sc' is Pending")
    );

    // Connected: accepted.
    w.put_subscription_connection("conn", "nm").await;
    let r = w
        .call(
            &w.central,
            &[&w.guest],
            Method::PUT,
            &member,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // Same-tenant members need no auxiliary token.
    let local = w.emu.ready.tenants["central"].virtual_network_ids[0].clone();
    let r = w
        .call(
            &w.central,
            &[],
            Method::PUT,
            &format!("{group}/staticMembers/local"),
            Some(json!({"properties": {"resourceId": local}})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // More than three auxiliary tokens are refused.
    let many = [w.guest.as_str(); 4];
    let r = w.call(&w.central, &many, Method::GET, &member, None).await;
    assert_eq!((r.status, r.code()), (400, "InvalidAuxiliaryTokens"));

    // The log shows exactly which requests carried which auxiliary tenants, never tokens.
    let log = w.requests().await;
    let member_puts: Vec<&Value> = log
        .iter()
        .filter(|r| r["method"] == "PUT" && r["path"].as_str().unwrap().contains("/staticMembers/"))
        .collect();
    let aux: Vec<(u64, Vec<String>)> = member_puts
        .iter()
        .map(|r| {
            (
                r["status"].as_u64().unwrap(),
                r["auxiliary_tenant_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let central_tenant = w.emu.ready.tenants["central"].tenant_id.clone();
    assert_eq!(
        aux,
        vec![
            (403, vec![]),
            (403, vec![central_tenant]),
            (403, vec![w.target_tenant.clone()]),
            (400, vec![w.target_tenant.clone()]),
            (201, vec![w.target_tenant.clone()]),
            (201, vec![]),
        ]
    );
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        !text.contains(&w.central) && !text.contains(&w.guest),
        "no token in the log"
    );
    assert!(member_puts.iter().all(|r| r["principal"] == "admin"));
}

#[tokio::test]
async fn authorization_follows_roles_and_tenants() {
    let w = World::new().await;
    // outsider: no role in central → 403; cannot get a target token at all.
    let outsider = w.emu.token("outsider", "central").await.unwrap();
    let r = w
        .call(&outsider, &[], Method::GET, &w.manager("nm"), None)
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "AuthorizationFailed");
    assert!(w.emu.token("outsider", "target").await.is_err());

    // A central token on a target subscription is the wrong tenant.
    let r = w
        .call(
            &w.central,
            &[],
            Method::GET,
            &w.subscription_connection("x"),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (401, "InvalidAuthenticationTokenTenant")
    );

    // admin as a guest in target has Network Contributor on the subscriptions but no role
    // at the management group.
    let r = w
        .call(
            &w.guest,
            &[],
            Method::GET,
            &w.subscription_connection("x"),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    let mg = w.emu.ready.tenants["target"].management_group_ids[0].clone();
    let r = w
        .call(
            &w.guest,
            &[],
            Method::PUT,
            &format!("{mg}/providers/Microsoft.Network/networkManagerConnections/c"),
            Some(json!({"properties": {"networkManagerId": w.manager("nm")}})),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "AuthorizationFailed"));

    // No token, a malformed header, a forged token.
    let r = w
        .emu
        .arm(Method::GET, &w.manager("nm"), None, &[], None)
        .await
        .unwrap();
    assert_eq!((r.status, r.code()), (401, "AuthenticationFailed"));
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .starts_with("Bearer authorization_uri=")
    );
    let r = w
        .call("not-a-jwt", &[], Method::GET, &w.manager("nm"), None)
        .await;
    assert_eq!((r.status, r.code()), (401, "InvalidAuthenticationToken"));
    let (signed, signature) = w.central.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{signed}.{flipped}{}", &signature[1..]);
    let r = w
        .call(&forged, &[], Method::GET, &w.manager("nm"), None)
        .await;
    assert_eq!((r.status, r.code()), (401, "InvalidAuthenticationToken"));
}
