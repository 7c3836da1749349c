//! Where Azure meets Terraform: ARM client errors become diagnostics a person can act on.
//!
//! The cross-tenant errors get the most words, because they are the ones users of azurerm
//! and azapi could not decode: `LinkedAuthorizationFailed` means the token for the *other*
//! tenant was missing or its principal lacked a right there; `AuthorizationFailed` means the
//! main token's principal lacks a right in the tenant it was issued for.

use crate::arm::error::{ArmError, AuthError, CloudError};
use crate::protocol::{Diagnostic, Diagnostics};

/// One diagnostic explaining `error`; `action` says what the provider was doing
/// (e.g. "creating static member m1").
pub fn arm_error_diagnostic(action: &str, error: &ArmError) -> Diagnostic {
    let (summary, detail) = match error {
        ArmError::Cloud(cloud) => cloud_error_text(cloud),
        ArmError::Authentication(auth) => auth_error_text(auth),
        ArmError::Transport {
            method,
            url,
            message,
        } => (
            "Could not reach Azure Resource Manager".to_string(),
            format!(
                "{method} {url} failed after retries: {message}.\n\nCheck the network path to the \
                 resource manager endpoint (proxy, firewall, DNS), and that its certificate is \
                 trusted (SSL_CERT_FILE adds a CA)."
            ),
        ),
        ArmError::Timeout { what, waited } => (
            "Timed out waiting for Azure".to_string(),
            format!(
                "Waited {waited:?} for {what}. Raise the operation's timeout in the resource's \
                 `timeouts` block if ARM is slow, or look in the Azure activity log for why the \
                 operation has not finished."
            ),
        ),
        ArmError::InvalidResponse {
            method,
            url,
            status,
            message,
        } => (
            "Unexpected answer from Azure Resource Manager".to_string(),
            format!(
                "{method} {url} answered HTTP {status}: {message}. This is likely a provider bug; please report it."
            ),
        ),
        ArmError::OperationFailed {
            path,
            status,
            error,
            correlation_id,
        } => {
            let mut detail =
                format!("The long-running operation on {path} ended with status {status}.");
            if let Some(e) = error {
                detail.push_str(&format!("\n\n{}: {}", e.code, e.message));
            }
            if let Some(c) = correlation_id {
                detail.push_str(&format!("\n\nCorrelation ID: {c}"));
            }
            (format!("Azure operation {status}"), detail)
        }
        ArmError::Configuration(message) => (
            "Invalid provider configuration".to_string(),
            message.clone(),
        ),
    };
    let summary = if action.is_empty() {
        summary
    } else {
        format!("{summary} while {action}")
    };
    Diagnostic::error(summary, detail)
}

/// The same as [`arm_error_diagnostic`], as `Diagnostics`.
pub fn arm_error_diagnostics(action: &str, error: &ArmError) -> Diagnostics {
    arm_error_diagnostic(action, error).into()
}

impl From<ArmError> for Diagnostics {
    fn from(error: ArmError) -> Self {
        arm_error_diagnostics("", &error)
    }
}

fn ids_footer(cloud: &CloudError) -> String {
    let mut text = String::new();
    if let Some(id) = &cloud.request_id {
        text.push_str(&format!("\nRequest ID: {id}"));
    }
    if let Some(id) = &cloud.correlation_id {
        text.push_str(&format!("\nCorrelation ID: {id}"));
    }
    text
}

fn cloud_error_text(cloud: &CloudError) -> (String, String) {
    let body = &cloud.body;
    let mut detail = format!(
        "{} {} answered HTTP {} {}: {}",
        cloud.method, cloud.path, cloud.status, body.code, body.message
    );
    if let Some(target) = &body.target {
        detail.push_str(&format!("\nTarget: {target}"));
    }
    for d in &body.details {
        detail.push_str(&format!("\n- {}: {}", d.code, d.message));
    }
    let advice = match body.code.as_str() {
        "LinkedAuthorizationFailed" => Some(linked_authorization_advice(cloud)),
        "AuthorizationFailed" => Some(format!(
            "The principal of the token for tenant {} lacks the permission named above on that \
             scope. Grant it a role there (for network managers and their children, Network \
             Contributor on the subscription or resource group), or configure this provider \
             (or an alias) with credentials of a principal that has one. Role assignments can \
             take a few minutes to apply.",
            cloud.tenant_id
        )),
        "InvalidAuthenticationTokenTenant" => Some(format!(
            "The resource is in a subscription of another tenant than this provider \
             configuration's ({}). Manage it through a provider configuration whose `tenant_id` \
             is that tenant (an alias, e.g. `provider = avnm.target`); cross-tenant references \
             such as a static member's virtual network are covered by auxiliary tokens instead.",
            cloud.tenant_id
        )),
        "InvalidAuthenticationToken" | "AuthenticationFailed" | "ExpiredAuthenticationToken" => {
            Some(format!(
                "ARM did not accept the token issued for tenant {}. Check that `tenant_id` is the \
             tenant of the subscription you manage, and that `environment`/`metadata_host` \
             point at the cloud the subscription is in.",
                cloud.tenant_id
            ))
        }
        _ => None,
    };
    if let Some(advice) = advice {
        detail.push_str("\n\n");
        detail.push_str(&advice);
    }
    detail.push('\n');
    detail.push_str(&ids_footer(cloud));
    let summary = match body.code.as_str() {
        "LinkedAuthorizationFailed" => "Cross-tenant authorization failed".to_string(),
        "AuthorizationFailed" => format!("Not authorized in tenant {}", cloud.tenant_id),
        "" => format!("Azure Resource Manager answered HTTP {}", cloud.status),
        code => format!("Azure Resource Manager error {code}"),
    };
    (summary, detail.trim_end().to_string())
}

fn linked_authorization_advice(cloud: &CloudError) -> String {
    let sent = if cloud.auxiliary_tenants.is_empty() {
        "No auxiliary token was sent with this request, so ARM could not check your rights on the \
         linked resource in the other tenant."
            .to_string()
    } else {
        format!(
            "Auxiliary tokens were sent for tenant(s) {}; the principal they were issued to lacks \
             the right named above on the linked resource, or the resource is in yet another tenant.",
            cloud.auxiliary_tenants.join(", ")
        )
    };
    format!(
        "The request touches a resource in another Entra ID tenant (for a static member: the \
         virtual network in the connected tenant). ARM needs, besides the token for tenant {home}, \
         an auxiliary token for the linked resource's tenant (header x-ms-authorization-auxiliary). \
         {sent}\n\nTo fix: add the other tenant's ID to `auxiliary_tenant_ids` in this provider \
         block (or ARM_AUXILIARY_TENANT_IDS), or make sure the network manager's scope connection \
         to that tenant exists and is Connected so the provider can tell the tenant; and give \
         the principal rights there — as a guest in that tenant with Network Contributor (or at \
         least Microsoft.Network/virtualNetworks/read and join) on the virtual network. Managed \
         identity cannot get tokens for other tenants: use a multi-tenant app registration \
         (client secret, certificate or OIDC) or the Azure CLI.",
        home = cloud.tenant_id
    )
}

fn auth_error_text(auth: &AuthError) -> (String, String) {
    let mut detail = auth.to_string();
    let advice = match auth.aadsts.as_deref() {
        Some("AADSTS7000215") | Some("AADSTS7000222") => {
            "The client secret is wrong or expired: create a new one for the app registration and \
             set client_secret (ARM_CLIENT_SECRET)."
        }
        Some("AADSTS700016") => {
            "The application was not found in this tenant. For a cross-tenant setup the app must be \
             multi-tenant and consented (have a service principal) in every tenant it gets tokens for."
        }
        Some("AADSTS90002") | Some("AADSTS900023") => {
            "The tenant was not found: check tenant_id (ARM_TENANT_ID) and auxiliary_tenant_ids."
        }
        Some("AADSTS70021") | Some("AADSTS700213") | Some("AADSTS700211") => {
            "The OIDC token does not match a federated credential of the app registration: check its \
             issuer, subject and audience (api://AzureADTokenExchange)."
        }
        Some("AADSTS700027") => {
            "The client assertion was not signed by a certificate registered on the app: upload the \
             certificate's public part to the app registration."
        }
        _ => "",
    };
    if !advice.is_empty() {
        detail.push_str("\n\n");
        detail.push_str(advice);
    }
    (
        format!("Authentication with {} failed", auth.method),
        detail,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arm::error::CloudErrorBody;

    fn cloud(code: &str, aux: &[&str]) -> ArmError {
        ArmError::from(CloudError {
            status: 403,
            method: "PUT".into(),
            path: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/networkGroups/g/staticMembers/m".into(),
            body: CloudErrorBody {
                code: code.into(),
                message: "denied".into(),
                target: None,
                details: vec![],
            },
            request_id: Some("req-1".into()),
            correlation_id: Some("corr-1".into()),
            tenant_id: "central-tenant".into(),
            auxiliary_tenants: aux.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn linked_authorization_failed_explains_cross_tenant_fix() {
        let d = arm_error_diagnostic(
            "creating static member m",
            &cloud("LinkedAuthorizationFailed", &[]),
        );
        assert!(d.summary.contains("Cross-tenant"), "{}", d.summary);
        assert!(d.summary.contains("creating static member m"));
        assert!(d.detail.contains("No auxiliary token was sent"));
        assert!(d.detail.contains("auxiliary_tenant_ids"));
        assert!(d.detail.contains("Network Contributor"));
        assert!(d.detail.contains("central-tenant"));
        assert!(d.detail.contains("req-1") && d.detail.contains("corr-1"));
        let d = arm_error_diagnostic("", &cloud("LinkedAuthorizationFailed", &["target-tenant"]));
        assert!(
            d.detail.contains("sent for tenant(s) target-tenant"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn authorization_failed_names_the_tenant() {
        let d = arm_error_diagnostic("", &cloud("AuthorizationFailed", &[]));
        assert!(d.summary.contains("central-tenant"));
        assert!(d.detail.contains("Network Contributor"));
    }

    #[test]
    fn a_token_of_the_wrong_tenant_points_at_provider_aliases() {
        let d = arm_error_diagnostic("", &cloud("InvalidAuthenticationTokenTenant", &[]));
        assert!(
            d.detail.contains("central-tenant") && d.detail.contains("alias"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn other_cloud_errors_show_code_message_and_ids() {
        let d = arm_error_diagnostic("", &cloud("Conflict", &[]));
        assert_eq!(d.summary, "Azure Resource Manager error Conflict");
        assert!(d.detail.contains("HTTP 403 Conflict: denied"));
        assert!(d.detail.contains("Request ID: req-1"));
    }

    #[test]
    fn entra_errors_name_tenant_client_and_code() {
        let e = ArmError::from(AuthError {
            method: "client secret".into(),
            tenant_id: "t1".into(),
            client_id: Some("c1".into()),
            aadsts: Some("AADSTS7000215".into()),
            message: "Invalid client secret provided.".into(),
        });
        let diags: Diagnostics = e.into();
        let d = &diags.0[0];
        assert!(d.summary.contains("client secret"));
        assert!(
            d.detail.contains("t1")
                && d.detail.contains("c1")
                && d.detail.contains("AADSTS7000215")
        );
        assert!(d.detail.contains("ARM_CLIENT_SECRET"));
    }
}
