//! The Tekton objects lowering emits (`tekton.dev/v1`, or `v1beta1` with [`Target::V1Beta1`]).
//!
//! Only the fields Dispatch needs are modelled. Field order is the output's fixed key order: every
//! struct serializes its fields in declaration order, maps are `BTreeMap`s, and Kubernetes types
//! come from `k8s-openapi`, written in their own field order but with `name` first.
//!
//! [`Target::V1Beta1`]: crate::Target::V1Beta1

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, EmptyDirVolumeSource, EnvFromSource, EnvVar, HostAlias, LocalObjectReference,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, PodDNSConfig, PodSecurityContext,
    ResourceRequirements, SecurityContext, Toleration, TopologySpreadConstraint, Volume,
    VolumeDevice, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::emit::kubernetes;

/// One emitted document: a Task, a Pipeline or a PipelineRun.
#[allow(
    clippy::large_enum_variant,
    reason = "a build has a handful of objects; boxing them buys nothing"
)]
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// A `Task`.
    Task(Task),
    /// A `Pipeline`.
    Pipeline(Pipeline),
    /// A `PipelineRun`.
    PipelineRun(PipelineRun),
}

impl Object {
    /// The object's `kind`: `Task`, `Pipeline` or `PipelineRun`.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            Object::Task(t) => &t.kind,
            Object::Pipeline(p) => &p.kind,
            Object::PipelineRun(r) => &r.kind,
        }
    }

    /// The object's metadata.
    #[must_use]
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Task(t) => &t.metadata,
            Object::Pipeline(p) => &p.metadata,
            Object::PipelineRun(r) => &r.metadata,
        }
    }
}

/// A `Task`: one per selected Dispatch task.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// `Task`.
    pub kind: String,
    /// Name, labels and annotations.
    #[serde(serialize_with = "meta::serialize")]
    pub metadata: ObjectMeta,
    /// The task's params, results, workspaces, volumes and steps.
    pub spec: TaskSpec,
}

/// The spec of a [`Task`].
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSpec {
    /// Declared params (exactly those the steps reference).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamSpec>,
    /// Declared results.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<TaskResult>,
    /// Declared workspaces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceDeclaration>,
    /// Pod volumes: the Dispatch task's own, then generated ones.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "kubernetes")]
    pub volumes: Vec<Volume>,
    /// The steps, run in order in one pod.
    pub steps: Vec<Step>,
}

/// A declared param (of a Task or a Pipeline).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParamSpec {
    /// The param's name.
    pub name: String,
    /// Always `string`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl ParamSpec {
    /// A string param.
    #[must_use]
    pub fn string(name: impl Into<String>) -> ParamSpec {
        ParamSpec {
            name: name.into(),
            kind: "string".to_owned(),
        }
    }
}

/// A declared Task result.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskResult {
    /// The result's name.
    pub name: String,
    /// What it holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A workspace a Task declares.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceDeclaration {
    /// The workspace's name.
    pub name: String,
    /// Where it is mounted, when not the default `/workspace/<name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
}

/// A Task step: a container, or a reference to a StepAction.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// The step's name (a DNS-1123 label, unique in the Task).
    pub name: String,
    /// The StepAction this step runs.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<Ref>,
    /// Params passed to the StepAction.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Container image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Entrypoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    /// Working directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Environment variables.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub env: Option<Vec<EnvVar>>,
    /// Environment variables from config maps and secrets.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub env_from: Option<Vec<EnvFromSource>>,
    /// Image pull policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// Security context.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub security_context: Option<SecurityContext>,
    /// Volume mounts.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub volume_mounts: Option<Vec<VolumeMount>>,
    /// Raw block devices.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub volume_devices: Option<Vec<VolumeDevice>>,
    /// Compute resources (`tekton.dev/v1`).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub compute_resources: Option<ResourceRequirements>,
    /// Compute resources (`tekton.dev/v1beta1` spelling).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub resources: Option<ResourceRequirements>,
    /// A script run instead of `command`/`args`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
}

/// A reference to a Task or StepAction: by name, or through a resolver.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ref {
    /// The referenced object's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The resolver (`bundles`, `git`, `hub`, `cluster`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolver: Option<String>,
    /// The resolver's params.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
}

impl Ref {
    /// A reference by name.
    #[must_use]
    pub fn named(name: impl Into<String>) -> Ref {
        Ref {
            name: Some(name.into()),
            resolver: None,
            params: Vec::new(),
        }
    }

    /// A reference through a resolver.
    #[must_use]
    pub fn resolver(resolver: &str, params: &[(&str, &str)]) -> Ref {
        Ref {
            name: None,
            resolver: Some(resolver.to_owned()),
            params: params.iter().map(|(n, v)| Param::new(*n, *v)).collect(),
        }
    }
}

/// A param value passed by name.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Param {
    /// The param's name.
    pub name: String,
    /// Its (string) value.
    pub value: String,
}

impl Param {
    /// A name and a value.
    #[must_use]
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Param {
        Param {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A `Pipeline`: the selected tasks of one build.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// `Pipeline`.
    pub kind: String,
    /// Name, labels and annotations.
    #[serde(serialize_with = "meta::serialize")]
    pub metadata: ObjectMeta,
    /// Params, workspaces and tasks.
    pub spec: PipelineSpec,
}

/// The spec of a [`Pipeline`].
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineSpec {
    /// Declared params (exactly those the tasks use).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamSpec>,
    /// Declared workspaces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<PipelineWorkspace>,
    /// The tasks: fetch tasks first, then the selected tasks in topological order.
    pub tasks: Vec<PipelineTask>,
}

/// A workspace a Pipeline declares.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PipelineWorkspace {
    /// The workspace's name.
    pub name: String,
}

/// One task of a [`Pipeline`].
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineTask {
    /// The PipelineTask's name.
    pub name: String,
    /// PipelineTasks that must finish first, in Pipeline order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub run_after: Vec<String>,
    /// The Task it runs.
    pub task_ref: Ref,
    /// Values of the Task's params.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Pipeline workspaces bound to the Task's workspaces.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceTaskBinding>,
    /// Go duration (`1h30m0s`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
}

/// A Task workspace bound to a Pipeline workspace.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WorkspaceTaskBinding {
    /// The Task's workspace.
    pub name: String,
    /// The Pipeline's workspace.
    pub workspace: String,
}

/// A `PipelineRun`: one run of the build's [`Pipeline`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRun {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    pub api_version: String,
    /// `PipelineRun`.
    pub kind: String,
    /// `generateName`, labels and annotations.
    #[serde(serialize_with = "meta::serialize")]
    pub metadata: ObjectMeta,
    /// The run's pipeline, params, workspaces and templates.
    pub spec: PipelineRunSpec,
}

/// The spec of a [`PipelineRun`].
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineRunSpec {
    /// The Pipeline to run.
    pub pipeline_ref: Ref,
    /// Values of every Pipeline param.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Volumes for every Pipeline workspace.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceBinding>,
    /// Service account and pod template of every TaskRun (`tekton.dev/v1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_run_template: Option<TaskRunTemplate>,
    /// Service account of every TaskRun (`tekton.dev/v1beta1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// Pod template of every TaskRun (`tekton.dev/v1beta1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_template: Option<PodTemplate>,
    /// Per-task metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub task_run_specs: Vec<PipelineTaskRunSpec>,
    /// Timeouts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<Timeouts>,
}

/// A volume for a Pipeline workspace.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceBinding {
    /// The Pipeline workspace.
    pub name: String,
    /// A directory inside the volume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// A claim created for the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_claim_template: Option<VolumeClaimTemplate>,
    /// An existing claim.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub persistent_volume_claim: Option<PersistentVolumeClaimVolumeSource>,
    /// A scratch directory.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "kubernetes")]
    pub empty_dir: Option<EmptyDirVolumeSource>,
}

/// The claim template of a [`WorkspaceBinding`] (a `PersistentVolumeClaim` without `apiVersion`,
/// `kind` and metadata).
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VolumeClaimTemplate {
    /// The claim's spec.
    #[serde(serialize_with = "kubernetes")]
    pub spec: PersistentVolumeClaimSpec,
}

/// Service account and pod template for every TaskRun of a PipelineRun.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRunTemplate {
    /// The pod template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_template: Option<PodTemplate>,
    /// The service account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
}

/// Tekton's pod template: the pod fields a run may set (`--pod-template`).
///
/// Deserializes from the Kubernetes JSON layout; unknown fields are errors.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodTemplate {
    /// Scheduling constraints.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub affinity: Option<Affinity>,
    /// Whether a service account token is mounted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
    /// DNS settings.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub dns_config: Option<PodDNSConfig>,
    /// DNS policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<String>,
    /// Whether service environment variables are injected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_service_links: Option<bool>,
    /// Environment variables for every step.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub env: Option<Vec<EnvVar>>,
    /// Extra `/etc/hosts` entries.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub host_aliases: Option<Vec<HostAlias>>,
    /// Host networking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
    /// User namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_users: Option<bool>,
    /// Pull secrets.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub image_pull_secrets: Option<Vec<LocalObjectReference>>,
    /// Node selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Priority class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Runtime class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<String>,
    /// Scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler_name: Option<String>,
    /// Pod security context (`fsGroup` 65532 is added when git resources are cloned).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub security_context: Option<PodSecurityContext>,
    /// Tolerations.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub tolerations: Option<Vec<Toleration>>,
    /// Topology spread constraints.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub topology_spread_constraints: Option<Vec<TopologySpreadConstraint>>,
    /// Extra pod volumes.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "kubernetes"
    )]
    pub volumes: Option<Vec<Volume>>,
}

/// Per-PipelineTask settings of a run.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineTaskRunSpec {
    /// The PipelineTask.
    pub pipeline_task_name: String,
    /// Labels and annotations for its TaskRun and pod.
    pub metadata: PipelineTaskMetadata,
}

/// Labels and annotations of one PipelineTask's TaskRun and pod.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PipelineTaskMetadata {
    /// Labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// PipelineRun timeouts.
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Timeouts {
    /// The whole run (Go duration, `0s` for none).
    pub pipeline: String,
}

/// `ObjectMeta` in our fixed key order: `name`/`generateName`, `labels`, `annotations`,
/// then any other field in the Kubernetes order.
mod meta {
    use std::collections::BTreeMap;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde::ser::Error as _;
    use serde::{Serialize, Serializer};

    /// `ObjectMeta`'s fields in our order.
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Ordered<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<&'a String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        generate_name: Option<&'a String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        namespace: Option<&'a String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        labels: Option<&'a BTreeMap<String, String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        annotations: Option<&'a BTreeMap<String, String>>,
        /// Every other field that is set, in the Kubernetes order.
        #[serde(flatten)]
        others: serde_json::Map<String, serde_json::Value>,
    }

    pub(super) fn serialize<S: Serializer>(meta: &ObjectMeta, s: S) -> Result<S::Ok, S::Error> {
        const FIRST: [&str; 5] = ["name", "generateName", "namespace", "labels", "annotations"];
        let mut others = match serde_json::to_value(meta).map_err(S::Error::custom)? {
            serde_json::Value::Object(fields) => fields,
            _ => serde_json::Map::new(),
        };
        others.retain(|k, _| !FIRST.contains(&k.as_str()));
        Ordered {
            name: meta.name.as_ref(),
            generate_name: meta.generate_name.as_ref(),
            namespace: meta.namespace.as_ref(),
            labels: meta.labels.as_ref(),
            annotations: meta.annotations.as_ref(),
            others,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};

    /// Metadata: name, namespace, labels, annotations first, then the other fields in the
    /// Kubernetes order, written as they serialize.
    #[test]
    fn metadata_in_our_order() {
        #[derive(serde::Serialize)]
        struct M(#[serde(serialize_with = "super::meta::serialize")] ObjectMeta);
        let meta = ObjectMeta {
            annotations: Some([("a".to_owned(), "1".to_owned())].into()),
            finalizers: Some(vec!["f".to_owned()]),
            labels: Some([("l".to_owned(), "2".to_owned())].into()),
            name: Some("n".to_owned()),
            namespace: Some("ns".to_owned()),
            owner_references: Some(vec![OwnerReference {
                api_version: "v1".to_owned(),
                kind: "K".to_owned(),
                name: "o".to_owned(),
                uid: "u".to_owned(),
                ..OwnerReference::default()
            }]),
            ..ObjectMeta::default()
        };
        assert_eq!(
            serde_json::to_string(&M(meta)).unwrap(),
            concat!(
                r#"{"name":"n","namespace":"ns","labels":{"l":"2"},"annotations":{"a":"1"},"#,
                r#""finalizers":["f"],"ownerReferences":[{"apiVersion":"v1","kind":"K","name":"o","uid":"u"}]}"#
            )
        );
        assert_eq!(
            serde_json::to_string(&M(ObjectMeta::default())).unwrap(),
            "{}"
        );
    }
}
