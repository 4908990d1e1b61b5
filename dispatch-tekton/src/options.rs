//! What to lower ([`Selection`]) and how ([`LowerOptions`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use dispatch_trigger::{ContextVars, MatchResult};
use dispatchfile_model::SourceMap;
use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::tekton::PodTemplate;

/// The build to lower: the matched actions, the tasks to run and the context variables.
///
/// `tasks` is normally the task list of a trigger match; lowering closes it again
/// with [`dispatch_trigger::closure`], so a hand-picked list (`--task`) also gets its
/// dependencies. A [`SourceMap`] lets lowering errors point into the Dispatchfile.
///
/// ```
/// use dispatch_tekton::Selection;
/// let selection = Selection::manual(["test"]);
/// assert_eq!(selection.context.build_name, "manual");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Selection<'a> {
    /// Indices of the matched actions (annotation `dispatch.d2iq.io/actions`).
    pub actions: Vec<usize>,
    /// The tasks to run.
    pub tasks: Vec<String>,
    /// The seven `$(context.…)` variables of the build.
    pub context: ContextVars,
    /// Where each element of the pipeline was written, for positioned errors.
    pub source_map: Option<&'a SourceMap>,
}

impl<'a> Selection<'a> {
    /// A selection from matched actions, their tasks and the event's context variables.
    #[must_use]
    pub fn new(actions: Vec<usize>, tasks: Vec<String>, context: ContextVars) -> Selection<'a> {
        Selection {
            actions,
            tasks,
            context,
            source_map: None,
        }
    }

    /// A run of the named tasks without an event (`dispatch render --task`): no actions, context
    /// variables empty except `build.name` = `manual`.
    #[must_use]
    pub fn manual<I, S>(tasks: I) -> Selection<'a>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Selection::new(
            Vec::new(),
            tasks.into_iter().map(Into::into).collect(),
            ContextVars::manual(),
        )
    }

    /// Sets the source map used to position diagnostics (the one of a checked or decoded
    /// Dispatchfile; when it carries the source texts, errors print with them).
    #[must_use]
    pub fn with_source_map(mut self, source_map: &'a SourceMap) -> Selection<'a> {
        self.source_map = Some(source_map);
        self
    }
}

/// The build a trigger match selected: its actions, its tasks and its context variables.
///
/// ```
/// use dispatch_tekton::Selection;
/// use dispatch_trigger::{ContextVars, MatchResult};
/// let matched = MatchResult::empty(ContextVars::manual());
/// let selection = Selection::from(&matched);
/// assert!(selection.tasks.is_empty());
/// ```
impl From<&MatchResult> for Selection<'_> {
    fn from(m: &MatchResult) -> Self {
        Selection::new(m.actions.clone(), m.tasks.clone(), m.context.clone())
    }
}

/// Options of [`lower`](crate::lower). `Default` gives the documented defaults.
///
/// ```
/// use dispatch_tekton::{GitClone, LowerOptions, Target};
/// let mut options = LowerOptions::default();
/// options.target = Target::V1Beta1;
/// options.git_clone = GitClone::Inline;
/// options.service_account = Some("builder".to_owned());
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct LowerOptions {
    /// The API version to emit. Default [`Target::V1`].
    pub target: Target,
    /// How git resources are cloned. Default [`GitClone::default`] (the `bundles` resolver).
    pub git_clone: GitClone,
    /// What backs each Pipeline workspace. Default a 1Gi `ReadWriteOnce` claim template.
    pub workspace_binding: WorkspaceVolume,
    /// The service account of every TaskRun. Default none (omitted).
    pub service_account: Option<String>,
    /// The pod template of every TaskRun. Default none.
    pub pod_template: Option<PodTemplate>,
    /// Compute resources of steps that set neither limits nor requests. Default limits cpu
    /// `1000m`, memory `2Gi`; requests cpu `250m`, memory `512Mi`. `None` leaves them unset.
    pub default_step_resources: Option<ResourceRequirements>,
    /// The PipelineRun timeout, a Go duration (`0` for none). Default `1h`.
    pub pipeline_timeout: String,
    /// The Pipeline name's prefix. Default `dispatch`.
    pub pipeline_name_prefix: String,
    /// The image of the digest-export step of image outputs. Default `docker.io/library/alpine:3.20`.
    pub digest_export_image: String,
}

impl Default for LowerOptions {
    fn default() -> LowerOptions {
        LowerOptions {
            target: Target::V1,
            git_clone: GitClone::default(),
            workspace_binding: WorkspaceVolume::default(),
            service_account: None,
            pod_template: None,
            default_step_resources: Some(default_step_resources()),
            pipeline_timeout: "1h".to_owned(),
            pipeline_name_prefix: "dispatch".to_owned(),
            digest_export_image: "docker.io/library/alpine:3.20".to_owned(),
        }
    }
}

/// The compute resources a step gets when it sets neither limits nor requests.
#[must_use]
pub fn default_step_resources() -> ResourceRequirements {
    let q = |cpu: &str, memory: &str| {
        Some(BTreeMap::from([
            ("cpu".to_owned(), Quantity(cpu.to_owned())),
            ("memory".to_owned(), Quantity(memory.to_owned())),
        ]))
    };
    ResourceRequirements {
        claims: None,
        limits: q("1000m", "2Gi"),
        requests: q("250m", "512Mi"),
    }
}

/// The Tekton API version to emit.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Target {
    /// `tekton.dev/v1`.
    #[default]
    V1,
    /// `tekton.dev/v1beta1` (Tekton ≥ 0.50): step `resources`, PipelineRun `serviceAccountName`
    /// and `podTemplate`.
    V1Beta1,
}

impl Target {
    /// `tekton.dev/v1` or `tekton.dev/v1beta1`.
    #[must_use]
    pub fn api_version(self) -> &'static str {
        match self {
            Target::V1 => "tekton.dev/v1",
            Target::V1Beta1 => "tekton.dev/v1beta1",
        }
    }
}

impl FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Target, Error> {
        match s {
            "v1" => Ok(Target::V1),
            "v1beta1" => Ok(Target::V1Beta1),
            _ => Err(Error(format!(
                "unknown target {s:?} (expected v1 or v1beta1)"
            ))),
        }
    }
}

/// The release of the git-clone task and StepAction that lowering refers to.
pub const GIT_CLONE_VERSION: &str = "v1.7.0";
/// The repository of the git-clone task and StepAction.
pub const GIT_CLONE_REPOSITORY: &str = "https://github.com/tektoncd-catalog/git-clone.git";

/// How a git resource is cloned.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitClone {
    /// A fetch task from an OCI bundle through the `bundles` resolver.
    Bundles {
        /// The bundle. Default `ghcr.io/tektoncd-catalog/git-clone/bundle:v1.7.0`.
        bundle: String,
    },
    /// A fetch task from a git repository through the `git` resolver.
    Git {
        /// The repository. Default [`GIT_CLONE_REPOSITORY`].
        url: String,
        /// The revision. Default [`GIT_CLONE_VERSION`].
        revision: String,
        /// The task file. Default `task/git-clone/git-clone.yaml`.
        path_in_repo: String,
    },
    /// A fetch task from Artifact Hub through the `hub` resolver (catalog `tekton-catalog-tasks`).
    Hub {
        /// The task version. Default `0.9`.
        version: String,
    },
    /// A fetch task installed in the cluster, through the `cluster` resolver.
    Cluster {
        /// Its namespace. Default `tekton-tasks`.
        namespace: String,
    },
    /// A fetch task installed in the run's namespace, referred to by name (`taskRef.name`).
    Name {
        /// Its name. Default `git-clone`.
        name: String,
    },
    /// No fetch task: each task that uses a git resource clones it itself in a first step that
    /// runs the git-clone StepAction (git resolver); workspaces are `emptyDir`.
    Inline,
}

impl Default for GitClone {
    fn default() -> GitClone {
        GitClone::Bundles {
            bundle: format!("ghcr.io/tektoncd-catalog/git-clone/bundle:{GIT_CLONE_VERSION}"),
        }
    }
}

impl FromStr for GitClone {
    type Err = Error;
    /// `bundles`, `git`, `hub`, `cluster`, `name` or `inline`, each with its defaults.
    fn from_str(s: &str) -> Result<GitClone, Error> {
        Ok(match s {
            "bundles" => GitClone::default(),
            "git" => GitClone::Git {
                url: GIT_CLONE_REPOSITORY.to_owned(),
                revision: GIT_CLONE_VERSION.to_owned(),
                path_in_repo: "task/git-clone/git-clone.yaml".to_owned(),
            },
            "hub" => GitClone::Hub {
                version: "0.9".to_owned(),
            },
            "cluster" => GitClone::Cluster {
                namespace: "tekton-tasks".to_owned(),
            },
            "name" => GitClone::Name {
                name: "git-clone".to_owned(),
            },
            "inline" => GitClone::Inline,
            _ => {
                return Err(Error(format!(
                    "unknown git-clone mode {s:?} (expected bundles, git, hub, cluster, name or inline)"
                )));
            }
        })
    }
}

/// What backs the Pipeline workspaces of a run.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkspaceVolume {
    /// A claim created for each run and workspace.
    ClaimTemplate {
        /// Access mode. Default `ReadWriteOnce`.
        access_mode: String,
        /// Requested size. Default `1Gi`.
        size: String,
        /// Storage class. Default none (the cluster's default).
        storage_class: Option<String>,
    },
    /// One existing claim; each workspace gets its own `subPath` in it.
    Claim {
        /// The claim's name.
        name: String,
    },
}

impl Default for WorkspaceVolume {
    fn default() -> WorkspaceVolume {
        WorkspaceVolume::ClaimTemplate {
            access_mode: "ReadWriteOnce".to_owned(),
            size: "1Gi".to_owned(),
            storage_class: None,
        }
    }
}

/// The crate's error: an option value that could not be parsed ([`Target`] and [`GitClone`] from
/// text). Lowering itself reports [`Diagnostic`](dispatchfile_model::Diagnostic)s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}
