//! Message schemas: the `p.*` pipeline messages and the `k8s.*` Kubernetes messages.
//!
//! The `p.*` schemas are written here. The Kubernetes schemas are derived once from the model's
//! bundled Kubernetes JSON definitions (`dispatchfile_model::json_schema()`), then adjusted to the
//! protobuf layout Starlark uses: the embedded members `Volume.volumeSource`, `Probe.handler` and
//! `localObjectReference` exist as explicit fields whose contents conversion lifts one level up.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value as Json;

/// The type a message field accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// A boolean.
    Bool,
    /// A number (int or float).
    Float,
    /// A Kubernetes quantity: `k8s.resource_quantity(…)`, a string or a number.
    Quantity,
    /// An int or a string.
    IntOrString,
    /// Anything that converts to JSON (free-form objects).
    Any,
    /// A list (or tuple) of the element type.
    List(Box<Ty>),
    /// A dict with string keys.
    Map(Box<Ty>),
    /// A message of the schema with this index.
    Msg(usize),
    /// `Task.metadata`: a `k8s.metav1.ObjectMeta` or a dict.
    Metadata,
}

/// One field of a message.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The Starlark name (keyword argument and attribute).
    pub(crate) name: String,
    /// The data-format key in the document.
    pub(crate) key: String,
    /// What the field accepts.
    pub(crate) ty: Ty,
    /// The member is an embedded struct in the protobuf layout: conversion lifts its fields.
    pub(crate) embedded: bool,
}

/// A message type such as `p.Task` or `k8s.corev1.Container`.
#[derive(Debug)]
pub(crate) struct Schema {
    /// Index in the registry.
    pub(crate) id: usize,
    /// The qualified Starlark name (`p.Task`, `k8s.corev1.Container`).
    pub(crate) name: String,
    /// The fields, in declaration order.
    pub(crate) fields: Vec<Field>,
}

impl Schema {
    /// The field named `name` (Starlark name), with its index.
    pub(crate) fn field(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }

    /// The unqualified name (`Task`).
    pub(crate) fn short(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

/// Every message schema.
#[derive(Debug)]
pub(crate) struct Registry {
    schemas: Vec<Schema>,
    by_name: HashMap<String, usize>,
}

/// Namespaces whose constructors are predeclared.
pub(crate) const P: &str = "p";
pub(crate) const COREV1: &str = "k8s.corev1";
pub(crate) const METAV1: &str = "k8s.metav1";

impl Registry {
    /// The process-wide registry (built once from constant tables).
    pub(crate) fn get() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(build)
    }

    /// The schema with index `id`.
    pub(crate) fn schema(&self, id: usize) -> &Schema {
        &self.schemas[id.min(self.schemas.len() - 1)]
    }

    /// The schema named `name` (`p.Task`).
    pub(crate) fn by_name(&self, name: &str) -> Option<&Schema> {
        self.by_name.get(name).map(|&i| &self.schemas[i])
    }

    /// Every schema of namespace `ns` (`p`, `k8s.corev1`, `k8s.metav1`), in name order.
    pub(crate) fn namespace(&self, ns: &str) -> Vec<&Schema> {
        let mut out: Vec<&Schema> = self
            .schemas
            .iter()
            .filter(|s| s.name.rsplit_once('.').is_some_and(|(n, _)| n == ns))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Whether a value of schema `have` may be stored where `want` is expected.
    pub(crate) fn compatible(&self, want: usize, have: usize) -> bool {
        if want == have {
            return true;
        }
        // Kubernetes ≤ 1.22 used one `Handler` type for probes and lifecycle hooks.
        let handler = |id: usize| {
            matches!(
                self.schema(id).name.as_str(),
                "k8s.corev1.Handler" | "k8s.corev1.ProbeHandler" | "k8s.corev1.LifecycleHandler"
            )
        };
        handler(want) && handler(have)
    }
}

struct Builder {
    schemas: Vec<Schema>,
    by_name: HashMap<String, usize>,
}

impl Builder {
    fn declare(&mut self, name: &str) -> usize {
        if let Some(&i) = self.by_name.get(name) {
            return i;
        }
        let id = self.schemas.len();
        self.schemas.push(Schema {
            id,
            name: name.to_owned(),
            fields: Vec::new(),
        });
        self.by_name.insert(name.to_owned(), id);
        id
    }

    fn field(&mut self, schema: usize, name: &str, key: &str, ty: Ty) {
        let key = if key.is_empty() { name } else { key };
        self.schemas[schema].fields.push(Field {
            name: name.to_owned(),
            key: key.to_owned(),
            ty,
            embedded: false,
        });
    }

    fn embedded(&mut self, schema: usize, name: &str, ty: Ty) {
        self.schemas[schema].fields.push(Field {
            name: name.to_owned(),
            key: String::new(),
            ty,
            embedded: true,
        });
    }
}

fn strs() -> Ty {
    Ty::List(Box::new(Ty::Str))
}

fn build() -> Registry {
    let mut b = Builder {
        schemas: Vec::new(),
        by_name: HashMap::new(),
    };
    k8s(&mut b);
    pipeline(&mut b);
    Registry {
        schemas: b.schemas,
        by_name: b.by_name,
    }
}

/// The `p.*` messages: pipeline elements and conditions in both layouts.
fn pipeline(b: &mut Builder) {
    let container = b.declare("k8s.corev1.Container");
    let volume = b.declare("k8s.corev1.Volume");
    let secret_sel = b.declare("k8s.corev1.SecretKeySelector");

    let task = b.declare("p.Task");
    b.field(task, "inputs", "", strs());
    b.field(task, "outputs", "", strs());
    b.field(task, "deps", "", strs());
    b.field(task, "steps", "", Ty::List(Box::new(Ty::Msg(container))));
    b.field(task, "volumes", "", Ty::List(Box::new(Ty::Msg(volume))));
    b.field(task, "timeout", "", Ty::Str);
    b.field(task, "metadata", "", Ty::Metadata);

    let resource = b.declare("p.Resource");
    b.field(resource, "type", "", Ty::Str);
    b.field(resource, "params", "param", Ty::Map(Box::new(Ty::Str)));
    b.field(
        resource,
        "secrets",
        "secret",
        Ty::Map(Box::new(Ty::Msg(secret_sel))),
    );

    let body = |b: &mut Builder, name: &str, fields: &[&str]| {
        let id = b.declare(name);
        for f in fields {
            b.field(id, f, "", strs());
        }
        id
    };
    let pr_fields = [
        "targets", "branches", "sources", "paths", "labels", "chatops",
    ];
    let push = body(b, "p.PushCondition", &["branches", "paths"]);
    let tag = body(b, "p.TagCondition", &["names"]);
    let pr = body(b, "p.PullRequestCondition", &pr_fields);
    let release = body(b, "p.ReleaseCondition", &["tags"]);
    let gpush = body(b, "p.GitPushCondition", &["branches", "paths"]);
    let gtag = body(b, "p.GitTagCondition", &["names"]);
    let gpr = body(b, "p.GitPullRequestCondition", &pr_fields);
    let grelease = body(b, "p.GitReleaseCondition", &["tags"]);
    let ipush = body(b, "p.ImagePushCondition", &["tags"]);

    let git_cron = b.declare("p.GitCronConfig");
    b.field(git_cron, "revision", "", Ty::Str);
    let cron = b.declare("p.CronCondition");
    b.field(cron, "schedule", "", Ty::Str);
    b.field(cron, "revision", "", Ty::Str);
    b.field(cron, "git", "", Ty::Msg(git_cron));

    let git = b.declare("p.GitCondition");
    b.field(git, "push", "", Ty::Msg(gpush));
    b.field(git, "tag", "", Ty::Msg(gtag));
    b.field(git, "pull_request", "", Ty::Msg(gpr));
    b.field(git, "release", "", Ty::Msg(grelease));
    let image = b.declare("p.ImageCondition");
    b.field(image, "push", "", Ty::Msg(ipush));

    let cond = b.declare("p.Condition");
    b.field(cond, "push", "", Ty::Msg(push));
    b.field(cond, "tag", "", Ty::Msg(tag));
    b.field(cond, "pull_request", "", Ty::Msg(pr));
    b.field(cond, "release", "", Ty::Msg(release));
    b.field(cond, "cron", "", Ty::Msg(cron));
    b.field(cond, "git", "", Ty::Msg(git));
    b.field(cond, "image", "", Ty::Msg(image));

    let action = b.declare("p.Action");
    b.field(action, "name", "", Ty::Str);
    b.field(action, "tasks", "", strs());
    b.field(action, "on", "", Ty::Msg(cond));

    let pipeline = b.declare("p.Pipeline");
    b.field(
        pipeline,
        "resources",
        "resource",
        Ty::Map(Box::new(Ty::Msg(resource))),
    );
    b.field(pipeline, "tasks", "task", Ty::Map(Box::new(Ty::Msg(task))));
    b.field(
        pipeline,
        "actions",
        "actions",
        Ty::List(Box::new(Ty::Msg(action))),
    );
}

const CORE: &str = "io.k8s.api.core.v1.";
const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.";

/// The Starlark name of a Kubernetes definition, or `None` for types that are not messages.
fn k8s_name(def: &str) -> Option<String> {
    if let Some(short) = def.strip_prefix(CORE) {
        return Some(format!("{COREV1}.{short}"));
    }
    match def.strip_prefix(META) {
        Some("Time" | "FieldsV1") | None => None,
        Some(short) => Some(format!("{METAV1}.{short}")),
    }
}

/// The Kubernetes messages, from the bundled JSON definitions.
fn k8s(b: &mut Builder) {
    let schema = dispatchfile_model::json_schema();
    let Some(defs) = schema.get("$defs").and_then(Json::as_object) else {
        return;
    };
    // Declare every message first so references resolve in any order.
    let mut names: Vec<(&String, String)> = defs
        .keys()
        .filter_map(|d| k8s_name(d).map(|n| (d, n)))
        .collect();
    names.sort_by(|a, b| a.1.cmp(&b.1));
    for (_, n) in &names {
        b.declare(n);
    }
    for (def, n) in &names {
        let id = b.declare(n);
        let Some(props) = defs[def.as_str()]
            .get("properties")
            .and_then(Json::as_object)
        else {
            continue;
        };
        let mut keys: Vec<&String> = props.keys().collect();
        keys.sort();
        for k in keys {
            let ty = ty_of(b, &props[k.as_str()]);
            b.field(id, k, "", ty);
        }
    }
    protobuf_layout(b);
}

/// Translates one JSON-schema property into a field type.
fn ty_of(b: &mut Builder, prop: &Json) -> Ty {
    if let Some(r) = prop.get("$ref").and_then(Json::as_str) {
        let def = r.rsplit('/').next().unwrap_or(r);
        return match def {
            "io.k8s.apimachinery.pkg.api.resource.Quantity" => Ty::Quantity,
            "io.k8s.apimachinery.pkg.util.intstr.IntOrString" => Ty::IntOrString,
            _ => match k8s_name(def) {
                Some(n) => Ty::Msg(b.declare(&n)),
                None if def.ends_with(".Time") => Ty::Str,
                None => Ty::Any,
            },
        };
    }
    let types: Vec<&str> = match prop.get("type") {
        Some(Json::String(s)) => vec![s.as_str()],
        Some(Json::Array(a)) => a.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"array") {
        let item = prop.get("items").map_or(Ty::Any, |i| ty_of(b, i));
        return Ty::List(Box::new(item));
    }
    if types.contains(&"object") {
        return match prop.get("additionalProperties") {
            Some(v @ Json::Object(_)) => Ty::Map(Box::new(ty_of(b, v))),
            _ => Ty::Any,
        };
    }
    if types.contains(&"string") {
        Ty::Str
    } else if types.contains(&"integer") {
        Ty::Int
    } else if types.contains(&"boolean") {
        Ty::Bool
    } else if types.contains(&"number") {
        Ty::Float
    } else {
        Ty::Any
    }
}

/// Adds the protobuf-only members and the synthetic `VolumeSource` and `Handler` messages.
fn protobuf_layout(b: &mut Builder) {
    let name = |s: &str| format!("{COREV1}.{s}");
    // VolumeSource: every Volume member except the name.
    let volume = b.declare(&name("Volume"));
    let source = b.declare(&name("VolumeSource"));
    let members: Vec<Field> = b.schemas[volume]
        .fields
        .iter()
        .filter(|f| f.name != "name")
        .cloned()
        .collect();
    b.schemas[source].fields = members;
    b.embedded(volume, "volumeSource", Ty::Msg(source));
    // Probe.handler (Kubernetes ≤ 1.22 `Handler`, later `ProbeHandler`).
    let probe = b.declare(&name("Probe"));
    let handler_fields: Vec<Field> = b.schemas[probe]
        .fields
        .iter()
        .filter(|f| matches!(f.name.as_str(), "exec" | "httpGet" | "tcpSocket" | "grpc"))
        .cloned()
        .collect();
    for n in ["ProbeHandler", "Handler"] {
        let h = b.declare(&name(n));
        b.schemas[h].fields.clone_from(&handler_fields);
    }
    let probe_handler = b.declare(&name("ProbeHandler"));
    b.embedded(probe, "handler", Ty::Msg(probe_handler));
    // LocalObjectReference embedded in selectors, env sources and projections.
    let lor = b.declare(&name("LocalObjectReference"));
    for holder in [
        "SecretKeySelector",
        "ConfigMapKeySelector",
        "SecretEnvSource",
        "ConfigMapEnvSource",
        "ConfigMapVolumeSource",
        "SecretProjection",
        "ConfigMapProjection",
    ] {
        let id = b.declare(&name(holder));
        b.embedded(id, "localObjectReference", Ty::Msg(lor));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! field_cases {
        ($($test:ident: $schema:literal . $field:literal => $ty:pat,)*) => {$(
            #[test]
            fn $test() {
                let r = Registry::get();
                let s = r.by_name($schema).expect("the schema exists");
                let (_, f) = s.field($field).expect("the field exists");
                assert!(matches!(f.ty, $ty), "{}.{} has type {:?}", $schema, $field, f.ty);
            }
        )*};
    }

    field_cases! {
        container_name_is_a_string: "k8s.corev1.Container" . "name" => Ty::Str,
        container_env_is_a_list: "k8s.corev1.Container" . "env" => Ty::List(_),
        resources_limits_are_quantities: "k8s.corev1.ResourceRequirements" . "limits" => Ty::Map(_),
        volume_source_is_embedded: "k8s.corev1.Volume" . "volumeSource" => Ty::Msg(_),
        volume_source_has_empty_dir: "k8s.corev1.VolumeSource" . "emptyDir" => Ty::Msg(_),
        selector_has_local_object_reference: "k8s.corev1.SecretKeySelector" . "localObjectReference" => Ty::Msg(_),
        probe_has_handler: "k8s.corev1.Probe" . "handler" => Ty::Msg(_),
        http_get_port_is_int_or_string: "k8s.corev1.HTTPGetAction" . "port" => Ty::IntOrString,
        secret_volume_mode_is_int: "k8s.corev1.SecretVolumeSource" . "defaultMode" => Ty::Int,
        object_meta_labels: "k8s.metav1.ObjectMeta" . "labels" => Ty::Map(_),
        task_steps: "p.Task" . "steps" => Ty::List(_),
        task_metadata: "p.Task" . "metadata" => Ty::Metadata,
        condition_pull_request: "p.Condition" . "pull_request" => Ty::Msg(_),
        cron_git: "p.CronCondition" . "git" => Ty::Msg(_),
        resource_params: "p.Resource" . "params" => Ty::Map(_),
    }

    #[test]
    fn resource_keys_are_data_format_keys() {
        let r = Registry::get();
        let s = r.by_name("p.Resource").expect("p.Resource exists");
        let keys: Vec<&str> = s.fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["type", "param", "secret"]);
    }

    #[test]
    fn namespaces_list_their_constructors() {
        let r = Registry::get();
        let core: Vec<&str> = r.namespace(COREV1).iter().map(|s| s.short()).collect();
        for want in [
            "Container",
            "EnvVar",
            "Volume",
            "VolumeSource",
            "LocalObjectReference",
            "Handler",
        ] {
            assert!(core.contains(&want), "k8s.corev1.{want} is missing");
        }
        assert!(r.namespace(P).iter().any(|s| s.short() == "GitCronConfig"));
        assert!(
            r.namespace(METAV1)
                .iter()
                .any(|s| s.short() == "ObjectMeta")
        );
    }
}
