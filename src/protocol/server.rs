//! The tfplugin6 `Provider` gRPC service, for any [`Provider`]: decodes each request against
//! the right schema, dispatches to the provider, its resources and data sources, applies the
//! plan rules and the apply checks, and encodes the answer. Every failure is a diagnostic;
//! nothing a request contains can crash the process.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, RwLock};

use futures::FutureExt;
use tonic::{Request, Response, Status};

use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as ProviderRpc;
use crate::value::{AttributePath, PathStep, Type, Value, json};

use super::adapter::normalise_blocks;
use super::diagnostics::{Diagnostic, Diagnostics};
use super::erased::{Call, ErasedDataSource, ErasedLister, ErasedResource};
use super::plan::{first_planned_mismatch, plan_resource_change};
use super::resource::{CreateFailure, Provider, TerraformInfo};
use super::schema::{Block, Schema};
use super::stop::StopSignal;
use super::validate::validate_block;
use super::wire::{
    decode_dynamic, decode_identity, diagnostics_to_proto, encode_dynamic, encode_identity,
    identity_schema_to_proto, path_to_proto, schema_to_proto,
};

/// What ConfigureProvider left behind.
enum Configuration<C> {
    NotConfigured,
    /// The provider block holds values unknown until apply: operations that need the client
    /// are deferred (when Terraform allows) or planned without it.
    Unknown,
    Ready(Arc<C>),
}

/// A resource or data source with its value type (and identity type, for resources that
/// declare an identity), worked out once at start-up.
struct Registered<T: ?Sized> {
    erased: Arc<T>,
    ty: Type,
    identity_ty: Option<Type>,
}

impl<C> Registered<dyn ErasedResource<C>> {
    /// The identity to send beside `state`: none when the resource declares no identity or
    /// the state names no object yet.
    fn identity_of(&self, state: &Value) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
        let (Some(schema), Some(ty)) = (self.erased.identity_schema(), &self.identity_ty) else {
            return Ok(None);
        };
        schema
            .identity_of(state)
            .map(|identity| encode_identity(&identity, ty))
            .transpose()
    }

    /// An identity Terraform sent back, checked against the identity schema and re-encoded;
    /// none when the resource declares no identity or Terraform sent none.
    fn passed_through(
        &self,
        identity: Option<&pb::ResourceIdentityData>,
        what: &str,
    ) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
        let Some(ty) = &self.identity_ty else {
            return Ok(None);
        };
        let value = decode_identity(identity, ty, what)?;
        if value.is_null() {
            return Ok(None);
        }
        encode_identity(&value, ty).map(Some)
    }
}

/// A resource type `terraform query` can list, with its list side.
type Listable<'a, C> = (
    &'a Registered<dyn ErasedResource<C>>,
    &'a dyn ErasedLister<C>,
);

/// The gRPC service; wrap it in `ProviderServer` to serve it.
pub struct ProviderService<P: Provider> {
    provider: P,
    provider_schema: Schema,
    provider_type: Type,
    resources: BTreeMap<String, Registered<dyn ErasedResource<P::Client>>>,
    data_sources: BTreeMap<String, Registered<dyn ErasedDataSource<P::Client>>>,
    configuration: RwLock<Configuration<P::Client>>,
    stop: StopSignal,
}

impl<P: Provider> ProviderService<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_type = provider_schema.block.value_type();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let ty = r.schema().block.value_type();
                let identity_ty = r.identity_schema().map(|i| i.value_type());
                let registered = Registered {
                    erased: r,
                    ty,
                    identity_ty,
                };
                (registered.erased.type_name().to_string(), registered)
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let ty = d.schema().block.value_type();
                let registered = Registered {
                    erased: d,
                    ty,
                    identity_ty: None,
                };
                (registered.erased.type_name().to_string(), registered)
            })
            .collect();
        Self {
            provider,
            provider_schema,
            provider_type,
            resources,
            data_sources,
            configuration: RwLock::new(Configuration::NotConfigured),
            stop: StopSignal::new(),
        }
    }

    fn capabilities() -> pb::ServerCapabilities {
        pb::ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            move_resource_state: false,
            generate_resource_config: false,
        }
    }

    fn resource(
        &self,
        type_name: &str,
    ) -> Result<&Registered<dyn ErasedResource<P::Client>>, Diagnostics> {
        self.resources.get(type_name).ok_or_else(|| {
            unknown_type(
                "resource",
                type_name,
                self.provider.type_name(),
                self.resources.keys(),
            )
        })
    }

    fn data_source(
        &self,
        type_name: &str,
    ) -> Result<&Registered<dyn ErasedDataSource<P::Client>>, Diagnostics> {
        self.data_sources.get(type_name).ok_or_else(|| {
            unknown_type(
                "data source",
                type_name,
                self.provider.type_name(),
                self.data_sources.keys(),
            )
        })
    }

    /// The resource types `terraform query` can list, by type name.
    fn listers(&self) -> impl Iterator<Item = (&str, &dyn ErasedLister<P::Client>)> {
        self.resources
            .iter()
            .filter_map(|(name, r)| Some((name.as_str(), r.erased.lister()?)))
    }

    /// A listable resource type and its list side.
    fn lister(&self, type_name: &str) -> Result<Listable<'_, P::Client>, Diagnostics> {
        let unknown = || {
            let names: Vec<String> = self.listers().map(|(n, _)| n.to_string()).collect();
            unknown_type(
                "list resource",
                type_name,
                self.provider.type_name(),
                names.iter(),
            )
        };
        let resource = self.resources.get(type_name).ok_or_else(unknown)?;
        let lister = resource.erased.lister().ok_or_else(unknown)?;
        Ok((resource, lister))
    }

    /// The events of a ListResource call: one per listed object, with its identity and, when
    /// asked for, its state.
    async fn list_events(
        &self,
        request: &pb::list_resource::Request,
    ) -> Result<Vec<pb::list_resource::Event>, Diagnostics> {
        let (resource, lister) = self.lister(&request.type_name)?;
        let config_ty = lister.config_schema().block.value_type();
        let config = decode_dynamic(request.config.as_ref(), &config_ty, "list configuration")?;
        let Some(call) = self.client()? else {
            return Err(provider_config_unknown("list resources"));
        };
        // Terraform always sends a limit (100 unless the `list` block says); 0 means none.
        let limit = usize::try_from(request.limit)
            .ok()
            .filter(|n| *n > 0)
            .unwrap_or(usize::MAX);
        let listed = guarded(
            format!("listing {}", request.type_name),
            lister.list(&call, &config, limit),
        )
        .await?;
        listed
            .into_iter()
            .take(limit)
            .map(|item| {
                let identity = resource.identity_of(&item.state)?.ok_or_else(|| {
                    Diagnostics::error(
                        format!("Provider bug: a listed {} has no identity", request.type_name),
                        format!(
                            "{:?} was listed without the attributes its identity needs. Please report this to the provider's developers.",
                            item.display_name
                        ),
                    )
                })?;
                let resource_object = if request.include_resource_object {
                    Some(encode_dynamic(&item.state, &resource.ty, "listed state")?)
                } else {
                    None
                };
                Ok(pb::list_resource::Event {
                    identity: Some(identity),
                    display_name: item.display_name,
                    resource_object,
                    diagnostic: Vec::new(),
                })
            })
            .collect()
    }

    /// The configured client, `Ok(None)` when the provider configuration is unknown.
    fn client(&self) -> Result<Option<Call<P::Client>>, Diagnostics> {
        let configuration = self
            .configuration
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match &*configuration {
            Configuration::Ready(client) => Ok(Some(Call {
                client: client.clone(),
                stopped: self.stop.subscribe(),
            })),
            Configuration::Unknown => Ok(None),
            Configuration::NotConfigured => Err(Diagnostics::error(
                "Provider not configured",
                "Terraform called the provider before ConfigureProvider. This is a bug in Terraform or in the provider.",
            )),
        }
    }
}

fn unknown_type<'a>(
    kind: &str,
    type_name: &str,
    provider: &str,
    known: impl Iterator<Item = &'a String>,
) -> Diagnostics {
    let known: Vec<&str> = known.map(String::as_str).collect();
    Diagnostics::error(
        format!("Unknown {kind} type: {type_name}"),
        format!(
            "The {provider} provider has no {kind} type named {type_name:?}. Its {kind} types are: {}.",
            if known.is_empty() {
                "(none)".to_string()
            } else {
                known.join(", ")
            }
        ),
    )
}

/// The ID to import: the request's ID, or for `import { identity = {...} }` the identity's
/// import ID attribute.
fn import_id<C>(
    resource: &Registered<dyn ErasedResource<C>>,
    request: &pb::import_resource_state::Request,
) -> Result<String, Diagnostics> {
    if !request.id.is_empty() || request.identity.is_none() {
        return Ok(request.id.clone());
    }
    let (Some(schema), Some(ty)) = (resource.erased.identity_schema(), &resource.identity_ty)
    else {
        return Err(Diagnostics::error(
            "Import by identity not supported",
            format!(
                "{} has no resource identity; import it by ID (`import {{ id = \"...\" }}`).",
                request.type_name
            ),
        ));
    };
    let identity = decode_identity(request.identity.as_ref(), ty, "import identity")?;
    schema
        .import_id(&identity)
        .map(str::to_string)
        .ok_or_else(|| {
            Diagnostics::error(
                "Incomplete import identity",
                format!(
                    "Importing {} by identity needs its `{}` attribute.",
                    request.type_name, schema.import_id_attribute
                ),
            )
        })
}

fn provider_config_unknown(what: &str) -> Diagnostics {
    Diagnostics::error(
        "Provider configuration is unknown",
        format!(
            "The provider block uses values that are not known yet (they depend on resources not yet created), \
             so the provider cannot {what}. Apply the resources the provider configuration depends on first \
             (`terraform apply -target=...`), or use literal values in the provider block."
        ),
    )
}

fn deferred_provider_config() -> Option<pb::Deferred> {
    Some(pb::Deferred {
        reason: pb::deferred::Reason::ProviderConfigUnknown as i32,
    })
}

fn deferral_allowed(capabilities: Option<&pb::ClientCapabilities>) -> bool {
    capabilities.is_some_and(|c| c.deferral_allowed)
}

/// Runs resource code, turning a panic into a diagnostic instead of a dropped connection.
async fn guarded<T>(
    what: String,
    work: impl std::future::Future<Output = Result<T, Diagnostics>>,
) -> Result<T, Diagnostics> {
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Diagnostics::error(
                format!("Provider bug: {what} crashed"),
                format!("{message}. Please report this to the provider's developers."),
            ))
        }
    }
}

/// An apply result must be wholly known and keep every known planned value.
fn check_apply_result(
    type_name: &str,
    block: &Block,
    planned: &Value,
    new_state: &Value,
) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if !new_state.is_wholly_known() {
        diagnostics.push(Diagnostic::error(
            format!("Provider bug: {type_name} returned unknown values after apply"),
            "After apply every attribute must have a known value. Please report this to the provider's developers.",
        ));
    }
    if let Some((path, planned_value, actual)) =
        first_planned_mismatch(planned, new_state, &AttributePath::root())
    {
        let (planned_text, actual_text) = if is_sensitive(block, &path) {
            (
                "(sensitive value)".to_string(),
                "(sensitive value)".to_string(),
            )
        } else {
            (render(&planned_value), render(&actual))
        };
        diagnostics.push(
            Diagnostic::error(
                format!("Provider bug: {type_name} returned a value that differs from the plan"),
                format!(
                    "The plan promised {path} = {planned_text}, but the remote API returned {actual_text}. \
                     Terraform would report this as an inconsistent result; the returned state is saved so \
                     that nothing is lost. Please report this to the provider's developers."
                ),
            )
            .at(path),
        );
    }
    diagnostics
}

/// Whether the value at `path` in `block` holds a sensitive attribute's value: the path leads
/// to (or into) a sensitive attribute, or to a block (the root, a nested block, one of its
/// elements) with a sensitive attribute anywhere inside. Such a value must not appear in a
/// message.
fn is_sensitive(block: &Block, path: &AttributePath) -> bool {
    let mut block = block;
    for step in path.steps() {
        let PathStep::Attribute(name) = step else {
            continue; // an index into a nested block's elements
        };
        if let Some(attribute) = block.attribute(name) {
            return attribute.sensitive;
        }
        match block.blocks.iter().find(|b| &b.type_name == name) {
            Some(nested) => block = &nested.block,
            None => return false,
        }
    }
    holds_sensitive(block)
}

fn holds_sensitive(block: &Block) -> bool {
    block.attributes.iter().any(|a| a.sensitive)
        || block.blocks.iter().any(|b| holds_sensitive(&b.block))
}

/// A short, HCL-like rendering of a value for messages.
fn render(value: &Value) -> String {
    let list = |items: &[Value], open: &str, close: &str| {
        let inner: Vec<String> = items.iter().map(render).collect();
        format!("{open}{}{close}", inner.join(", "))
    };
    let map = |entries: &std::collections::BTreeMap<String, Value>| {
        let inner: Vec<String> = entries
            .iter()
            .map(|(k, v)| format!("{k} = {}", render(v)))
            .collect();
        format!("{{{}}}", inner.join(", "))
    };
    match value {
        Value::Null => "null".to_string(),
        Value::Unknown(_) => "(known after apply)".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::List(items) | Value::Tuple(items) => list(items, "[", "]"),
        Value::Set(items) => list(items, "toset([", "])"),
        Value::Map(entries) | Value::Object(entries) => map(entries),
        Value::Dynamic(_, inner) => render(inner),
    }
}

fn encoded_or_diag(
    value: &Value,
    ty: &Type,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match encode_dynamic(value, ty, what) {
        Ok(v) => Some(v),
        Err(d) => {
            diagnostics.extend(d);
            None
        }
    }
}

#[tonic::async_trait]
impl<P: Provider> ProviderRpc for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(Self::capabilities()),
            resources: self
                .resources
                .keys()
                .map(|t| pb::get_metadata::ResourceMetadata {
                    type_name: t.clone(),
                })
                .collect(),
            data_sources: self
                .data_sources
                .keys()
                .map(|t| pb::get_metadata::DataSourceMetadata {
                    type_name: t.clone(),
                })
                .collect(),
            list_resources: self
                .listers()
                .map(|(t, _)| pb::get_metadata::ListResourceMetadata {
                    type_name: t.to_string(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema_to_proto(&self.provider_schema)),
            resource_schemas: self
                .resources
                .iter()
                .map(|(name, r)| (name.clone(), schema_to_proto(r.erased.schema())))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(name, d)| (name.clone(), schema_to_proto(d.erased.schema())))
                .collect(),
            list_resource_schemas: self
                .listers()
                .map(|(name, l)| (name.to_string(), schema_to_proto(l.config_schema())))
                .collect(),
            server_capabilities: Some(Self::capabilities()),
            ..Default::default()
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .resources
                .iter()
                .filter_map(|(name, r)| {
                    let schema = r.erased.identity_schema()?;
                    Some((name.clone(), identity_schema_to_proto(schema)))
                })
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    /// Every identity is still at the version it was written with (0), so Terraform never
    /// needs an upgrade; a raw identity of the current version is decoded and returned.
    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let request = request.into_inner();
        let result = (|| {
            let resource = self.resource(&request.type_name)?;
            let (Some(schema), Some(ty)) =
                (resource.erased.identity_schema(), &resource.identity_ty)
            else {
                return Err(Diagnostics::error(
                    "Resource has no identity",
                    format!(
                        "{} declares no resource identity, so there is nothing to upgrade.",
                        request.type_name
                    ),
                ));
            };
            if request.version != schema.version {
                return Err(Diagnostics::error(
                    "Unsupported identity version",
                    format!(
                        "The stored identity of this {} has version {}, but this provider only knows version {}.",
                        request.type_name, request.version, schema.version
                    ),
                ));
            }
            let raw = request.raw_identity.unwrap_or_default();
            let value = json::decode(&raw.json, ty).map_err(|e| {
                Diagnostics::error(
                    "Unreadable resource identity",
                    format!(
                        "The stored identity of this {} is not valid: {e}.",
                        request.type_name
                    ),
                )
            })?;
            encode_identity(&value, ty)
        })();
        let (upgraded_identity, diagnostics) = match result {
            Ok(v) => (Some(v), Diagnostics::new()),
            Err(d) => (None, d),
        };
        Ok(Response::new(pb::upgrade_resource_identity::Response {
            upgraded_identity,
            diagnostics: diagnostics_to_proto(&diagnostics),
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        let diagnostics = match decode_dynamic(
            request.config.as_ref(),
            &self.provider_type,
            "provider configuration",
        ) {
            Ok(config) => {
                let mut d =
                    validate_block(&self.provider_schema.block, &config, &AttributePath::root());
                d.extend(self.provider.validate(&config));
                d
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics_to_proto(&diagnostics),
        }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, "ValidateResourceConfig");
        let diagnostics = (|| {
            let resource = self.resource(&request.type_name)?;
            let config = decode_dynamic(request.config.as_ref(), &resource.ty, "configuration")?;
            Ok::<_, Diagnostics>(resource.erased.validate(&config))
        })()
        .unwrap_or_else(|d| d);
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diagnostics),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        let diagnostics = (|| {
            let data_source = self.data_source(&request.type_name)?;
            let config = decode_dynamic(request.config.as_ref(), &data_source.ty, "configuration")?;
            Ok::<_, Diagnostics>(data_source.erased.validate(&config))
        })()
        .unwrap_or_else(|d| d);
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diagnostics),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        let result = (|| {
            let resource = self.resource(&request.type_name)?;
            let schema = resource.erased.schema();
            if request.version > schema.version {
                return Err(Diagnostics::error(
                    "State written by a newer provider",
                    format!(
                        "The state of this {} was written with schema version {}, but this provider version \
                         only knows versions up to {}. Use the provider version that wrote the state, or a newer one.",
                        request.type_name, request.version, schema.version
                    ),
                ));
            }
            let raw = request.raw_state.unwrap_or_default();
            if raw.json.is_empty() {
                let detail = if raw.flatmap.is_empty() {
                    "Terraform sent an empty raw state.".to_string()
                } else {
                    "The state is in the legacy flatmap format of Terraform 0.11 and earlier, which this provider \
                     cannot read. Upgrade the state with Terraform 0.12–0.15 first, or remove and re-import the resource."
                        .to_string()
                };
                return Err(Diagnostics::error("Unreadable resource state", detail));
            }
            let decoded = json::decode_with_dropped(&raw.json, &resource.ty).map_err(|e| {
                Diagnostics::error(
                    "Unreadable resource state",
                    format!(
                        "The stored state of this {} (schema version {}) is not valid for the current schema: {e}.",
                        request.type_name, request.version
                    ),
                )
            })?;
            for path in &decoded.dropped {
                tracing::debug!(type_name = %request.type_name, attribute = %path, "dropped an attribute the schema no longer has");
            }
            let mut value = decoded.value;
            normalise_blocks(&schema.block, &mut value);
            encode_dynamic(&value, &resource.ty, "upgraded state")
        })();
        let (upgraded_state, diagnostics) = match result {
            Ok(v) => (Some(v), Diagnostics::new()),
            Err(d) => (None, d),
        };
        Ok(Response::new(pb::upgrade_resource_state::Response {
            upgraded_state,
            diagnostics: diagnostics_to_proto(&diagnostics),
        }))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        let config = match decode_dynamic(
            request.config.as_ref(),
            &self.provider_type,
            "provider configuration",
        ) {
            Ok(config) => config,
            Err(d) => {
                return Ok(Response::new(pb::configure_provider::Response {
                    diagnostics: diagnostics_to_proto(&d),
                }));
            }
        };
        if !config.is_wholly_known() {
            tracing::info!("provider configuration has unknown values; deferring configuration");
            *self
                .configuration
                .write()
                .unwrap_or_else(|p| p.into_inner()) = Configuration::Unknown;
            return Ok(Response::new(Default::default()));
        }
        let terraform = TerraformInfo {
            terraform_version: request.terraform_version,
        };
        let configured = guarded(
            "configuring the provider".to_string(),
            self.provider.configure(&config, &terraform),
        )
        .await;
        let diagnostics = match configured {
            Ok(client) => {
                *self
                    .configuration
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = Configuration::Ready(Arc::new(client));
                Diagnostics::new()
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diagnostics_to_proto(&diagnostics),
        }))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, "ReadResource");
        let mut response = pb::read_resource::Response {
            new_state: request.current_state.clone(),
            private: request.private.clone(),
            ..Default::default()
        };
        let mut diagnostics = Diagnostics::new();
        let outcome = async {
            let resource = self.resource(&request.type_name)?;
            let current = decode_dynamic(
                request.current_state.as_ref(),
                &resource.ty,
                "current state",
            )?;
            if current.is_null() {
                return Ok(()); // nothing to refresh; the null state goes back as it came
            }
            let Some(call) = self.client()? else {
                // Without a client the state stays as it is; with deferral, Terraform is told why.
                response.new_identity = resource
                    .passed_through(request.current_identity.as_ref(), "current identity")?;
                if deferral_allowed(request.client_capabilities.as_ref()) {
                    response.deferred = deferred_provider_config();
                }
                return Ok(());
            };
            let read = guarded(
                format!("reading {}", request.type_name),
                resource.erased.read(&call, &current),
            )
            .await?;
            let new_state = read.unwrap_or(Value::Null);
            if let Some(encoded) =
                encoded_or_diag(&new_state, &resource.ty, "new state", &mut diagnostics)
            {
                response.new_state = Some(encoded);
            }
            response.new_identity = resource.identity_of(&new_state)?;
            Ok::<_, Diagnostics>(())
        }
        .await;
        if let Err(d) = outcome {
            diagnostics.extend(d);
        }
        response.diagnostics = diagnostics_to_proto(&diagnostics);
        Ok(Response::new(response))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, "PlanResourceChange");
        let mut response = pb::plan_resource_change::Response {
            planned_private: request.prior_private.clone(),
            ..Default::default()
        };
        let outcome = (|| {
            let resource = self.resource(&request.type_name)?;
            let prior = decode_dynamic(request.prior_state.as_ref(), &resource.ty, "prior state")?;
            let proposed = decode_dynamic(
                request.proposed_new_state.as_ref(),
                &resource.ty,
                "proposed new state",
            )?;
            let config = decode_dynamic(request.config.as_ref(), &resource.ty, "configuration")?;
            let change =
                plan_resource_change(&resource.erased.schema().block, &prior, &proposed, &config);
            response.planned_state = Some(encode_dynamic(
                &change.planned_state,
                &resource.ty,
                "planned state",
            )?);
            response.requires_replace = change.requires_replace.iter().map(path_to_proto).collect();
            // A create's identity is known only after apply; a destroy keeps the prior one.
            response.planned_identity = if change.planned_state.is_null() {
                resource.passed_through(request.prior_identity.as_ref(), "prior identity")?
            } else {
                resource.identity_of(&change.planned_state)?
            };
            let provider_unknown = matches!(
                *self.configuration.read().unwrap_or_else(|p| p.into_inner()),
                Configuration::Unknown
            );
            if provider_unknown && deferral_allowed(request.client_capabilities.as_ref()) {
                response.deferred = deferred_provider_config();
            }
            Ok::<_, Diagnostics>(())
        })();
        if let Err(d) = outcome {
            response.diagnostics = diagnostics_to_proto(&d);
        }
        Ok(Response::new(response))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, "ApplyResourceChange");
        let mut response = pb::apply_resource_change::Response {
            new_state: request.prior_state.clone(),
            private: request.planned_private.clone(),
            ..Default::default()
        };
        let mut diagnostics = Diagnostics::new();
        let outcome = async {
            let resource = self.resource(&request.type_name)?;
            let ty = &resource.ty;
            let name = &request.type_name;
            let prior = decode_dynamic(request.prior_state.as_ref(), ty, "prior state")?;
            let planned = decode_dynamic(request.planned_state.as_ref(), ty, "planned state")?;
            let call = match self.client()? {
                Some(call) => call,
                None => return Err(provider_config_unknown("apply changes")),
            };
            let erased = &resource.erased;
            let block = &erased.schema().block;
            if planned.is_null() && prior.is_null() {
                return Ok(()); // nothing existed and nothing is wanted
            }
            if planned.is_null() {
                guarded(format!("deleting {name}"), erased.delete(&call, &prior)).await?;
                response.new_state = Some(encode_dynamic(&Value::Null, ty, "new state")?);
            } else if prior.is_null() {
                let created = guarded(format!("creating {name}"), async {
                    Ok(erased.create(&call, &planned).await)
                })
                .await?;
                match created {
                    Ok(new_state) => {
                        diagnostics.extend(check_apply_result(name, block, &planned, &new_state));
                        response.new_state =
                            encoded_or_diag(&new_state, ty, "new state", &mut diagnostics);
                        response.new_identity = resource.identity_of(&new_state)?;
                    }
                    Err(CreateFailure {
                        diagnostics: failure,
                        partial_state,
                    }) => {
                        diagnostics.extend(failure);
                        // Whatever was created is saved (tainted) so it is not orphaned.
                        let partial = partial_state.unwrap_or(Value::Null);
                        response.new_state =
                            encoded_or_diag(&partial, ty, "partial state", &mut diagnostics);
                        response.new_identity = resource.identity_of(&partial)?;
                    }
                }
            } else {
                let updated = guarded(
                    format!("updating {name}"),
                    erased.update(&call, &prior, &planned),
                )
                .await?;
                diagnostics.extend(check_apply_result(name, block, &planned, &updated));
                response.new_state = encoded_or_diag(&updated, ty, "new state", &mut diagnostics);
                response.new_identity = resource.identity_of(&updated)?;
            }
            Ok::<_, Diagnostics>(())
        }
        .await;
        if let Err(d) = outcome {
            diagnostics.extend(d);
        }
        response.diagnostics = diagnostics_to_proto(&diagnostics);
        Ok(Response::new(response))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, id = %request.id, "ImportResourceState");
        let mut response = pb::import_resource_state::Response::default();
        let outcome = async {
            let resource = self.resource(&request.type_name)?;
            let Some(call) = self.client()? else {
                if deferral_allowed(request.client_capabilities.as_ref()) {
                    response.deferred = deferred_provider_config();
                    return Ok(());
                }
                return Err(provider_config_unknown("import resources"));
            };
            let id = import_id(resource, &request)?;
            let imported = guarded(
                format!("importing {}", request.type_name),
                resource.erased.import(&call, &id),
            )
            .await?;
            response.imported_resources = vec![pb::import_resource_state::ImportedResource {
                type_name: request.type_name.clone(),
                state: Some(encode_dynamic(&imported, &resource.ty, "imported state")?),
                private: Vec::new(),
                identity: resource.identity_of(&imported)?,
            }];
            Ok::<_, Diagnostics>(())
        }
        .await;
        if let Err(d) = outcome {
            response.diagnostics = diagnostics_to_proto(&d);
        }
        Ok(Response::new(response))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, "ReadDataSource");
        let mut response = pb::read_data_source::Response::default();
        let outcome = async {
            let data_source = self.data_source(&request.type_name)?;
            let config = decode_dynamic(request.config.as_ref(), &data_source.ty, "configuration")?;
            let Some(call) = self.client()? else {
                if deferral_allowed(request.client_capabilities.as_ref()) {
                    response.deferred = deferred_provider_config();
                    let unknown = Value::unknown();
                    response.state = Some(encode_dynamic(&unknown, &data_source.ty, "state")?);
                    return Ok(());
                }
                return Err(provider_config_unknown("read data sources"));
            };
            let state = guarded(
                format!("reading data source {}", request.type_name),
                data_source.erased.read(&call, &config),
            )
            .await?;
            if !state.is_wholly_known() {
                return Err(Diagnostics::error(
                    format!("Provider bug: data source {} returned unknown values", request.type_name),
                    "A data source must return a wholly known state. Please report this to the provider's developers.",
                ));
            }
            response.state = Some(encode_dynamic(&state, &data_source.ty, "state")?);
            Ok::<_, Diagnostics>(())
        }
        .await;
        if let Err(d) = outcome {
            response.diagnostics = diagnostics_to_proto(&d);
        }
        Ok(Response::new(response))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, "ValidateListResourceConfig");
        let diagnostics = (|| {
            let (_, lister) = self.lister(&request.type_name)?;
            let ty = lister.config_schema().block.value_type();
            let config = decode_dynamic(request.config.as_ref(), &ty, "list configuration")?;
            Ok::<_, Diagnostics>(if config.is_null() {
                Diagnostics::new() // no `config` block: nothing to check
            } else {
                lister.validate_config(&config)
            })
        })()
        .unwrap_or_else(|d| d);
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: diagnostics_to_proto(&diagnostics),
        }))
    }

    /// Lists the remote objects first, then streams one event per object (at most `limit`;
    /// a `limit` of 0 means none was given). A failure is one event carrying the diagnostics.
    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let request = request.into_inner();
        tracing::debug!(type_name = %request.type_name, limit = request.limit, "ListResource");
        let events = match self.list_events(&request).await {
            Ok(events) => events,
            Err(d) => vec![pb::list_resource::Event {
                diagnostic: diagnostics_to_proto(&d),
                ..Default::default()
            }],
        };
        let stream = futures::stream::iter(events.into_iter().map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        tracing::info!("StopProvider: cancelling operations in flight");
        self.stop.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::schema::{Attribute, NestedBlock, NestingMode};
    use crate::value::Number;

    #[test]
    fn mismatch_messages_never_show_sensitive_values() {
        let block = Block {
            attributes: vec![Attribute::optional("name", Type::String)],
            blocks: vec![NestedBlock {
                type_name: "credential".into(),
                nesting: NestingMode::List,
                block: Block {
                    attributes: vec![Attribute::optional("secret", Type::String).sensitive()],
                    ..Block::default()
                },
                min_items: 0,
                max_items: 0,
                requires_replace: false,
            }],
            ..Block::default()
        };
        let state = |name: &str, secret: &str| {
            Value::Object(
                [
                    ("name".to_string(), Value::string(name)),
                    (
                        "credential".to_string(),
                        Value::List(vec![Value::Object(
                            [("secret".to_string(), Value::string(secret))].into(),
                        )]),
                    ),
                ]
                .into(),
            )
        };
        let leaked = check_apply_result(
            "t",
            &block,
            &state("a", "hunter2"),
            &state("a", "swordfish"),
        );
        let text = format!("{:?}", leaked);
        assert!(
            text.contains("credential[0].secret = (sensitive value)"),
            "{text}"
        );
        assert!(
            !text.contains("hunter2") && !text.contains("swordfish"),
            "{text}"
        );

        // A mismatch at a block (here: a missing list element, and a null state) renders the
        // whole block value, secrets included, unless redacted.
        let dropped = check_apply_result("t", &block, &state("a", "hunter2"), &{
            let mut v = state("a", "hunter2");
            if let Value::Object(attrs) = &mut v {
                attrs.insert("credential".into(), Value::List(Vec::new()));
            }
            v
        });
        let nulled = check_apply_result("t", &block, &state("a", "hunter2"), &Value::Null);
        for diagnostics in [dropped, nulled] {
            let text = format!("{diagnostics:?}");
            assert!(text.contains("(sensitive value)"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }

        let renamed = check_apply_result("t", &block, &state("a", "s"), &state("b", "s"));
        assert!(
            renamed.0[0]
                .detail
                .contains("name = \"a\", but the remote API returned \"b\"")
        );
    }

    #[test]
    fn renders_values_like_hcl() {
        let value = Value::Object(
            [
                ("n".to_string(), Value::Number(Number::from_i64(3))),
                (
                    "l".to_string(),
                    Value::List(vec![Value::string("x"), Value::Null]),
                ),
                ("u".to_string(), Value::unknown()),
            ]
            .into(),
        );
        assert_eq!(
            render(&value),
            "{l = [\"x\", null], n = 3, u = (known after apply)}"
        );
    }
}
