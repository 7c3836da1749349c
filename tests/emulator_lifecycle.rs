//! The emulator over HTTPS: the lifecycle of every resource type, ARM's status and error
//! codes, paging, long-running deletes, PATCH, If-Match, case-insensitive IDs, and the
//! read-only networks of the world.

use reqwest::Method;
use serde_json::{Value, json};
use terraform_provider_avnm::emulator::harness::{ArmResponse, Emulator};

fn start(args: &[&str]) -> Emulator {
    Emulator::start(env!("CARGO_BIN_EXE_avnm-arm-emulator").as_ref(), args)
        .expect("emulator starts")
}

struct Central {
    emu: Emulator,
    token: String,
    sub: String,
    rg: String,
}

impl Central {
    async fn new(args: &[&str]) -> Central {
        let emu = start(args);
        let token = emu.token("admin", "central").await.unwrap();
        let sub = emu.ready.tenants["central"].subscription_ids[0].clone();
        Central {
            token,
            rg: format!("/subscriptions/{sub}/resourceGroups/rg-central-1"),
            sub,
            emu,
        }
    }

    fn manager(&self, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.Network/networkManagers/{name}",
            self.rg
        )
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> ArmResponse {
        self.emu
            .arm(method, path, Some(&self.token), &[], body.as_ref())
            .await
            .unwrap()
    }

    async fn put_manager(&self, name: &str) -> ArmResponse {
        let body = json!({
            "location": "westeurope",
            "properties": {
                "description": "test",
                "networkManagerScopes": {"subscriptions": [format!("/subscriptions/{}", self.sub)]},
                "networkManagerScopeAccesses": ["Connectivity"]
            }
        });
        self.call(Method::PUT, &self.manager(name), Some(body))
            .await
    }

    fn first_vnet(&self) -> String {
        self.emu.ready.tenants["central"].virtual_network_ids[0].clone()
    }
}

#[tokio::test]
async fn manager_lifecycle_with_patch_and_long_running_delete() {
    let c = Central::new(&[]).await;
    let created = c.put_manager("nm1").await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let etag = created.header("etag").unwrap().to_string();
    assert!(etag.starts_with("W/\""));
    assert_eq!(created.body["etag"], json!(etag));
    assert_eq!(created.body["type"], "Microsoft.Network/networkManagers");
    assert_eq!(created.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(created.body["systemData"]["createdByType"], "Application");
    assert_eq!(
        created.body["properties"]["networkManagerScopes"]["crossTenantScopes"],
        json!([])
    );

    let updated = c.put_manager("nm1").await;
    assert_eq!(updated.status, 200);
    assert_ne!(updated.header("etag").unwrap(), etag);
    assert_eq!(
        updated.body["properties"]["resourceGuid"],
        created.body["properties"]["resourceGuid"]
    );

    let patched = c
        .call(
            Method::PATCH,
            &c.manager("nm1"),
            Some(json!({"tags": {"env": "test"}})),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.body["tags"], json!({"env": "test"}));

    let got = c.call(Method::GET, &c.manager("NM1"), None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["name"], "nm1", "casing of creation is kept");
    assert_eq!(got.body["tags"]["env"], "test");

    let deleting = c.call(Method::DELETE, &c.manager("nm1"), None).await;
    assert_eq!(deleting.status, 202);
    assert_eq!(deleting.header("retry-after"), Some("1"));
    let location = deleting.header("location").unwrap().to_string();
    let during = c.call(Method::GET, &c.manager("nm1"), None).await;
    assert_eq!(during.status, 200);
    assert_eq!(during.body["properties"]["provisioningState"], "Deleting");

    let operation_path = location.trim_start_matches(&c.emu.url(""));
    let first_poll = c.call(Method::GET, operation_path, None).await;
    assert_eq!(first_poll.status, 202, "one poll answers 202 by default");
    assert!(first_poll.header("location").is_some());
    let done = c.call(Method::GET, operation_path, None).await;
    assert_eq!(done.status, 204);
    let gone = c.call(Method::GET, &c.manager("nm1"), None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.code(), "ResourceNotFound");
    let again = c.call(Method::DELETE, &c.manager("nm1"), None).await;
    assert_eq!(again.status, 204, "deleting what is gone answers 204");
}

#[tokio::test]
async fn group_and_static_member_lifecycle() {
    let c = Central::new(&[]).await;
    assert_eq!(c.put_manager("nm").await.status, 201);
    let group = format!("{}/networkGroups/g1", c.manager("nm"));
    let g = c
        .call(
            Method::PUT,
            &group,
            Some(json!({"properties": {"description": "d", "memberType": "VirtualNetwork"}})),
        )
        .await;
    assert_eq!(g.status, 201, "{:?}", g.body);
    assert_eq!(
        g.body["type"],
        "Microsoft.Network/networkManagers/networkGroups"
    );
    let member = format!("{group}/staticMembers/m1");
    let vnet = c.first_vnet();
    let m = c
        .call(
            Method::PUT,
            &member,
            Some(json!({"properties": {"resourceId": vnet}})),
        )
        .await;
    assert_eq!(m.status, 201, "{:?}", m.body);
    assert_eq!(m.body["properties"]["region"], "westeurope");
    assert_eq!(m.body["properties"]["resourceId"], json!(vnet));
    assert_eq!(c.call(Method::GET, &member, None).await.status, 200);

    let list = c
        .call(Method::GET, &format!("{group}/staticMembers"), None)
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);

    // A group with members is not deleted without force.
    let refused = c.call(Method::DELETE, &group, None).await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code(), "CannotDeleteResourceWithChildren");

    let removed = c.call(Method::DELETE, &member, None).await;
    assert_eq!(removed.status, 200);
    assert_eq!(c.call(Method::GET, &member, None).await.status, 404);
    assert_eq!(c.call(Method::DELETE, &member, None).await.status, 204);

    let deleting = c.call(Method::DELETE, &group, None).await;
    assert_eq!(deleting.status, 202);
    // Nothing is created under a group that is being deleted, nor is it updated.
    let late = c
        .call(
            Method::PUT,
            &member,
            Some(json!({"properties": {"resourceId": vnet}})),
        )
        .await;
    assert_eq!(
        (late.status, late.code()),
        (409, "AnotherOperationInProgress")
    );
    let update = c
        .call(Method::PUT, &group, Some(json!({"properties": {}})))
        .await;
    assert_eq!(
        (update.status, update.code()),
        (409, "AnotherOperationInProgress")
    );

    // Subnet groups take subnets, not networks.
    let subnet_group = format!("{}/networkGroups/subnets", c.manager("nm"));
    assert_eq!(
        c.call(
            Method::PUT,
            &subnet_group,
            Some(json!({"properties": {"memberType": "Subnet"}}))
        )
        .await
        .status,
        201
    );
    let wrong = c
        .call(
            Method::PUT,
            &format!("{subnet_group}/staticMembers/x"),
            Some(json!({"properties": {"resourceId": vnet}})),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.code(), "StaticMemberTypeMismatch");
    let subnet = c.emu.ready.tenants["central"].subnet_ids[0].clone();
    let ok = c
        .call(
            Method::PUT,
            &format!("{subnet_group}/staticMembers/x"),
            Some(json!({"properties": {"resourceId": subnet}})),
        )
        .await;
    assert_eq!(ok.status, 201, "{:?}", ok.body);
}

#[tokio::test]
async fn force_delete_removes_children() {
    let c = Central::new(&["--lro-polls", "0"]).await;
    c.put_manager("nm").await;
    let group = format!("{}/networkGroups/g", c.manager("nm"));
    c.call(Method::PUT, &group, Some(json!({"properties": {}})))
        .await;
    c.call(
        Method::PUT,
        &format!("{group}/staticMembers/m"),
        Some(json!({"properties": {"resourceId": c.first_vnet()}})),
    )
    .await;
    let refused = c.call(Method::DELETE, &c.manager("nm"), None).await;
    assert_eq!(refused.code(), "CannotDeleteResourceWithChildren");
    let accepted = c
        .call(
            Method::DELETE,
            &format!("{}?force=true", c.manager("nm")),
            None,
        )
        .await;
    assert_eq!(accepted.status, 202);
    let location = accepted.header("location").unwrap().to_string();
    let done = c
        .call(
            Method::GET,
            location.trim_start_matches(&c.emu.url("")),
            None,
        )
        .await;
    assert_eq!(
        done.status, 204,
        "with --lro-polls 0 the first poll finishes"
    );
    assert_eq!(
        c.call(Method::GET, &group, None).await.code(),
        "ParentResourceNotFound"
    );
    let inventory: Value = c
        .emu
        .client()
        .get(c.emu.url("/_emulator/resources"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inventory, json!([]));
}

#[tokio::test]
async fn paging_with_top_and_skip_token() {
    let c = Central::new(&[]).await;
    for i in 0..5 {
        assert_eq!(c.put_manager(&format!("nm{i}")).await.status, 201);
    }
    let collection = format!("{}/providers/Microsoft.Network/networkManagers", c.rg);
    let mut names = Vec::new();
    let mut next = Some(format!("{collection}?api-version=2026-03-01&$top=2"));
    let mut pages = 0;
    while let Some(path) = next {
        let page = c.call(Method::GET, &path, None).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        pages += 1;
        for v in page.body["value"].as_array().unwrap() {
            names.push(v["name"].as_str().unwrap().to_string());
        }
        next = page.body["nextLink"]
            .as_str()
            .map(|l| l.trim_start_matches(&c.emu.url("")).to_string());
    }
    assert_eq!(pages, 3);
    assert_eq!(names, vec!["nm0", "nm1", "nm2", "nm3", "nm4"]);

    let all = c.call(Method::GET, &collection, None).await;
    assert_eq!(all.body["value"].as_array().unwrap().len(), 5);
    assert!(all.body.get("nextLink").is_none());

    let by_subscription = c
        .call(
            Method::GET,
            &format!(
                "/subscriptions/{}/providers/Microsoft.Network/networkManagers",
                c.sub
            ),
            None,
        )
        .await;
    assert_eq!(by_subscription.body["value"].as_array().unwrap().len(), 5);

    for bad in ["0", "21", "x"] {
        let r = c
            .call(Method::GET, &format!("{collection}?$top={bad}"), None)
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(r.code(), "InvalidQueryParameterValue");
    }
    let r = c
        .call(Method::GET, &format!("{collection}?$skipToken=!!"), None)
        .await;
    assert_eq!(r.code(), "InvalidQueryParameterValue");

    // The world's networks page with the default size of 20.
    let networks = c
        .call(
            Method::GET,
            &format!("{}/providers/Microsoft.Network/virtualNetworks", c.rg),
            None,
        )
        .await;
    assert_eq!(networks.body["value"].as_array().unwrap().len(), 20);
    assert!(networks.body["nextLink"].is_string());
}

#[tokio::test]
async fn api_version_and_not_found_errors() {
    let c = Central::new(&[]).await;
    let client = c.emu.client();
    let missing = client
        .get(c.emu.url(&c.manager("nm")))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "MissingApiVersionParameter");

    let unsupported = c
        .call(
            Method::GET,
            &format!("{}?api-version=2024-01-01", c.manager("nm")),
            None,
        )
        .await;
    assert_eq!(unsupported.status, 400);
    assert_eq!(unsupported.code(), "InvalidApiVersionParameter");
    for version in ["2026-03-01", "2026-01-01", "2025-09-01", "2025-07-01"] {
        let r = c
            .call(
                Method::GET,
                &format!("{}?api-version={version}", c.manager("nm")),
                None,
            )
            .await;
        assert_eq!(r.status, 404, "{version}");
    }

    assert_eq!(
        c.call(Method::GET, &c.manager("nm"), None).await.code(),
        "ResourceNotFound"
    );
    let parent = c
        .call(
            Method::GET,
            &format!("{}/networkGroups/g", c.manager("nm")),
            None,
        )
        .await;
    assert_eq!(parent.status, 404);
    assert_eq!(parent.code(), "ParentResourceNotFound");
    let rg = c
        .call(Method::GET, &format!("/subscriptions/{}/resourceGroups/nope/providers/Microsoft.Network/networkManagers/x", c.sub), None)
        .await;
    assert_eq!(rg.code(), "ResourceGroupNotFound");
    let sub = c
        .call(Method::GET, "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Network/networkManagers", None)
        .await;
    assert_eq!(sub.code(), "SubscriptionNotFound");
    let kind = c
        .call(Method::GET, &format!("{}/bogus/x", c.manager("nm")), None)
        .await;
    assert_eq!(kind.code(), "InvalidResourceType");
}

#[tokio::test]
async fn bodies_are_validated_against_the_schema() {
    let c = Central::new(&[]).await;
    let nm = c.manager("nm");
    let cases = [
        (
            json!({"location": "", "properties": {"networkManagerScopes": {}}}),
            "LocationRequired",
        ),
        (
            json!({"location": "x", "properties": {"networkManagerScopes": {"subscriptions": "x"}}}),
            "InvalidRequestFormat",
        ),
        (
            json!({"location": "x", "properties": {"networkManagerScopes": {}, "networkManagerScopeAccesses": ["Nope"]}}),
            "InvalidRequestFormat",
        ),
        (
            json!({"location": "x", "properties": {"networkManagerScopes": {}, "provisioningState": "Succeeded"}}),
            "InvalidRequestFormat",
        ),
        (
            json!({"location": "x", "properties": {}}),
            "InvalidRequestFormat",
        ),
        (
            json!({"location": "x", "properties": {"networkManagerScopes": {"subscriptions": ["/subscriptions/00000000-0000-0000-0000-000000000009"]}}}),
            "InvalidNetworkManagerScope",
        ),
    ];
    for (body, code) in cases {
        let r = c.call(Method::PUT, &nm, Some(body.clone())).await;
        assert_eq!((r.status, r.code()), (400, code), "{body} → {:?}", r.body);
    }
    let detail = c
        .call(Method::PUT, &nm, Some(json!({"location": "x", "properties": {"networkManagerScopes": {}, "networkManagerScopeAccesses": ["Nope"]}})))
        .await;
    assert_eq!(
        detail.body["error"]["details"][0]["code"],
        "InvalidEnumValue"
    );
    assert_eq!(
        detail.body["error"]["details"][0]["target"],
        "properties.networkManagerScopeAccesses[0]"
    );

    let not_json = c
        .emu
        .client()
        .put(c.emu.url(&format!("{nm}?api-version=2026-03-01")))
        .bearer_auth(&c.token)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let body: Value = not_json.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidRequestContent");

    let bad_name = c
        .call(Method::PUT, &c.manager("bad name!"), Some(json!({})))
        .await;
    assert_eq!(bad_name.code(), "InvalidResourceName");

    // Every example request body of the resources served is accepted over HTTP too (with
    // IDs from this world).
    c.put_manager("nm").await;
    let group = format!("{nm}/networkGroups/g");
    let examples = [
        (
            group.clone(),
            "2025-09-01/examples/NetworkManagerGroupPut.json",
        ),
        (
            c.manager("nm2"),
            "2025-09-01/examples/NetworkManagerPut.json",
        ),
    ];
    for (path, file) in examples {
        let text = std::fs::read_to_string(format!(
            "{}/emulator/specs/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let example: Value = serde_json::from_str(&text).unwrap();
        let mut body = example["parameters"]["parameters"].clone();
        if let Some(scopes) = body.pointer_mut("/properties/networkManagerScopes") {
            *scopes = json!({"subscriptions": [format!("/subscriptions/{}", c.sub)]});
        }
        let r = c.call(Method::PUT, &path, Some(body)).await;
        assert!(r.status == 200 || r.status == 201, "{file}: {:?}", r.body);
    }
}

#[tokio::test]
async fn if_match_guards_group_updates() {
    let c = Central::new(&[]).await;
    c.put_manager("nm").await;
    let group = format!("{}/networkGroups/g", c.manager("nm"));
    let created = c
        .call(Method::PUT, &group, Some(json!({"properties": {}})))
        .await;
    let etag = created.header("etag").unwrap().to_string();
    let client = c.emu.client();
    let put = |if_match: &str| {
        client
            .put(c.emu.url(&format!("{group}?api-version=2026-03-01")))
            .bearer_auth(&c.token)
            .header("If-Match", if_match.to_string())
            .header("Content-Type", "application/json")
            .body(r#"{"properties": {"description": "x"}}"#)
            .send()
    };
    assert_eq!(put("W/\"stale\"").await.unwrap().status(), 412);
    assert_eq!(put(&etag).await.unwrap().status(), 200);
    assert_eq!(
        put(&etag).await.unwrap().status(),
        412,
        "the etag changed with the update"
    );
}

#[tokio::test]
async fn world_networks_are_readable() {
    let c = Central::new(&[]).await;
    let vnet = c.first_vnet();
    let r = c
        .call(
            Method::GET,
            &vnet
                .to_uppercase()
                .replace("/SUBSCRIPTIONS/", "/subscriptions/"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["id"], json!(vnet));
    assert_eq!(r.body["location"], "westeurope");
    assert_eq!(r.body["properties"]["subnets"].as_array().unwrap().len(), 1);
    let subnet = c
        .call(Method::GET, &format!("{vnet}/subnets/default"), None)
        .await;
    assert_eq!(subnet.status, 200);
    assert_eq!(
        subnet.body["type"],
        "Microsoft.Network/virtualNetworks/subnets"
    );
    let missing = c.call(Method::GET, &format!("{vnet}x"), None).await;
    assert_eq!(missing.code(), "ResourceNotFound");
    assert_eq!(
        c.emu.ready.tenants["central"].virtual_network_ids.len(),
        300
    );
    assert_eq!(c.emu.ready.tenants["target"].virtual_network_ids.len(), 300);
}

#[tokio::test]
async fn serves_http1_and_http2() {
    let c = Central::new(&[]).await;
    let pem = std::fs::read(&c.emu.ready.ca_cert_file).unwrap();
    let ca = reqwest::Certificate::from_pem(&pem).unwrap();
    let http1 = reqwest::Client::builder()
        .tls_certs_only([ca])
        .http1_only()
        .build()
        .unwrap();
    let path = format!(
        "{}/providers/Microsoft.Network/networkManagers?api-version=2026-03-01",
        c.rg
    );
    let r = http1
        .get(c.emu.url(&path))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_11);
    assert_eq!(r.status(), 200);
    let r = c
        .emu
        .client()
        .get(c.emu.url(&path))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn concurrent_writes_are_all_kept() {
    let c = std::sync::Arc::new(Central::new(&[]).await);
    c.put_manager("nm").await;
    let group = format!("{}/networkGroups/g", c.manager("nm"));
    c.call(Method::PUT, &group, Some(json!({"properties": {}})))
        .await;
    let vnets = c.emu.ready.tenants["central"].virtual_network_ids.clone();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let c = c.clone();
            let path = format!("{group}/staticMembers/m{i:02}");
            let vnet = vnets[i].clone();
            tokio::spawn(async move {
                c.call(
                    Method::PUT,
                    &path,
                    Some(json!({"properties": {"resourceId": vnet}})),
                )
                .await
                .status
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let mut names = Vec::new();
    let mut next = Some(format!("{group}/staticMembers"));
    while let Some(path) = next {
        let page = c.call(Method::GET, &path, None).await;
        for v in page.body["value"].as_array().unwrap() {
            names.push(v["name"].as_str().unwrap().to_string());
        }
        next = page.body["nextLink"]
            .as_str()
            .map(|l| l.trim_start_matches(&c.emu.url("")).to_string());
    }
    let expected: Vec<String> = (0..50).map(|i| format!("m{i:02}")).collect();
    assert_eq!(names, expected);
}
