//! The typed pipeline model.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, SecretKeySelector, Volume};

/// A whole Dispatchfile: resources, tasks and the actions that trigger them.
///
/// Maps are sorted by name; actions keep their order and are referred to by 0-based index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pipeline {
    /// Resources by name (data-format key `resource`).
    pub resources: BTreeMap<String, Resource>,
    /// Tasks by name (data-format key `task`).
    pub tasks: BTreeMap<String, Task>,
    /// Actions, in order (data-format key `actions`).
    pub actions: Vec<Action>,
}

/// A resource: a git repository, an image, a storage location, or another Tekton resource type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    /// `git`, `image`, `storage` or another type name (kept; only the three are lowered).
    pub kind: String,
    /// Parameters (data-format key `param`), such as `url` and `revision`.
    pub params: BTreeMap<String, String>,
    /// Secrets exposed as environment variables (data-format key `secret`).
    pub secrets: BTreeMap<String, SecretKeySelector>,
}

/// A task: steps run in order in one pod.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Task {
    /// Resource or task names this task consumes.
    pub inputs: Vec<String>,
    /// Resource names this task produces.
    pub outputs: Vec<String>,
    /// Task names that must finish first (ordering only).
    pub deps: Vec<String>,
    /// The steps, as Kubernetes containers.
    pub steps: Vec<Container>,
    /// Pod volumes.
    pub volumes: Vec<Volume>,
    /// Go duration (`90s`, `1h30m`, `0` for none).
    pub timeout: Option<String>,
    /// Labels and annotations for the task's run and pod.
    pub metadata: Option<TaskMetadata>,
}

/// Labels and annotations of a task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskMetadata {
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
}

/// An action: when its condition fires, its tasks run.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// Name; required and unique for cron actions.
    pub name: Option<String>,
    /// The tasks to run.
    pub tasks: Vec<String>,
    /// The trigger condition.
    pub on: Condition,
}

/// A trigger condition: exactly one kind, written in the legacy layout (`on: {push: …}`) or the
/// grouped layout (`on: {git: {push: …}}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// What triggers.
    pub kind: ConditionKind,
    /// How it was written; canonical output writes it back the same way.
    pub layout: Layout,
}

/// The layout a condition was written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Layout {
    /// `on: {push: …}` (Dispatch ≤ 1.3).
    #[default]
    Legacy,
    /// `on: {git: {push: …}}` and `on: {image: {push: …}}` (Dispatch 1.4).
    Grouped,
}

/// The kind of a condition and its filters. Every list holds glob patterns except `chatops`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum ConditionKind {
    /// A branch push.
    Push(PushCondition),
    /// A tag push.
    Tag(TagCondition),
    /// A pull request event, or a pull request comment when `chatops` is set.
    PullRequest(PullRequestCondition),
    /// A published release.
    Release(ReleaseCondition),
    /// A schedule.
    Cron(CronCondition),
    /// An image pushed to a registry.
    ImagePush(ImagePushCondition),
}

impl ConditionKind {
    /// The layout-independent kind name used in explain output (`push`, `image_push`, …).
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            ConditionKind::Push(_) => "push",
            ConditionKind::Tag(_) => "tag",
            ConditionKind::PullRequest(_) => "pull_request",
            ConditionKind::Release(_) => "release",
            ConditionKind::Cron(_) => "cron",
            ConditionKind::ImagePush(_) => "image_push",
        }
    }
}

/// Filters of a push condition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushCondition {
    /// Branch patterns.
    pub branches: Vec<String>,
    /// Changed-path patterns.
    pub paths: Vec<String>,
}

/// Filters of a tag condition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagCondition {
    /// Tag patterns.
    pub names: Vec<String>,
}

/// Filters of a pull request condition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullRequestCondition {
    /// Target branch patterns.
    pub targets: Vec<String>,
    /// Deprecated alias of `targets`, kept as written; the filter uses both lists.
    pub branches: Vec<String>,
    /// Source branch patterns.
    pub sources: Vec<String>,
    /// Changed-path patterns.
    pub paths: Vec<String>,
    /// Label patterns.
    pub labels: Vec<String>,
    /// Comment command words; when set, only comments trigger.
    pub chatops: Vec<String>,
}

impl PullRequestCondition {
    /// The target filter: `targets` followed by the deprecated `branches`.
    #[must_use]
    pub fn target_patterns(&self) -> Vec<&str> {
        self.targets
            .iter()
            .chain(&self.branches)
            .map(String::as_str)
            .collect()
    }
}

/// Filters of a release condition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReleaseCondition {
    /// Tag patterns.
    pub tags: Vec<String>,
}

/// A schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CronCondition {
    /// CronJob schedule (not validated).
    pub schedule: String,
    /// Legacy-layout `revision`, when written.
    pub revision: Option<String>,
    /// Grouped-layout `git: {revision}`, when written (`Some(None)` for `git: {}`).
    pub git: Option<GitCronConfig>,
}

/// The `git` member of a grouped-layout cron condition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitCronConfig {
    /// The revision to build.
    pub revision: Option<String>,
}

impl CronCondition {
    /// The revision to build: as written in either layout, else `master`.
    #[must_use]
    pub fn effective_revision(&self) -> &str {
        self.git
            .as_ref()
            .and_then(|g| g.revision.as_deref())
            .or(self.revision.as_deref())
            .unwrap_or("master")
    }
}

/// Filters of an image push condition.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImagePushCondition {
    /// Tag patterns.
    pub tags: Vec<String>,
}
