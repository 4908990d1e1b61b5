//! The lowering: one Task per selected task, one Pipeline, one PipelineRun.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use dispatchfile_model::graph::TaskGraph;
use dispatchfile_model::names::{is_label_value, pointer_segment as seg, sanitize};
use dispatchfile_model::{
    Code, Diagnostic, Diagnostics, DiagnosticsBuilder, Pipeline, Resource, Severity, SourceMap,
    Span, Task as DTask, format_go_duration, parse_go_duration, validate,
};
use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvVar, EnvVarSource, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, ResourceRequirements, Volume,
    VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Lowered;
use crate::fields::set_fields;
use crate::names::{assign, fit};
use crate::options::{
    GIT_CLONE_REPOSITORY, GIT_CLONE_VERSION, GitClone, LowerOptions, Selection, Target,
    WorkspaceVolume,
};
use crate::tekton::{
    Object, Param, ParamSpec, Pipeline as TPipeline, PipelineRun, PipelineRunSpec, PipelineSpec,
    PipelineTask, PipelineTaskMetadata, PipelineTaskRunSpec, PipelineWorkspace, PodTemplate, Ref,
    Step, Task, TaskResult, TaskRunTemplate, TaskSpec, Timeouts, VolumeClaimTemplate,
    WorkspaceBinding, WorkspaceDeclaration, WorkspaceTaskBinding,
};

/// The label every object gets.
const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "dispatch");
/// The group of group of fsGroup the git-clone task runs as (its image's nonroot user).
const GIT_CLONE_FS_GROUP: i64 = 65532;
/// The Container fields a Tekton step has.
const STEP_FIELDS: [&str; 12] = [
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "env",
    "envFrom",
    "imagePullPolicy",
    "securityContext",
    "volumeMounts",
    "volumeDevices",
    "resources",
];
/// Resource params that are passed to git-clone as literal values.
const GIT_CLONE_PARAMS: [&str; 9] = [
    "refspec",
    "submodules",
    "depth",
    "sslVerify",
    "subdirectory",
    "sparseCheckoutDirectories",
    "httpProxy",
    "httpsProxy",
    "noProxy",
];

/// `{0}{1}{2}`: an element path built only when a diagnostic needs it.
struct Located<'s>(&'s str, &'static str, usize);

impl Display for Located<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.0, self.1, self.2)
    }
}

/// `step #N of task "T"`, for messages.
struct StepOf<'s>(&'s str, usize);

impl Display for StepOf<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step #{} of task {:?}", self.1, self.0)
    }
}

/// Lowers the selected build of `pipeline` to Tekton objects.
///
/// Validates `pipeline` first (the same rules as decoding: a pipeline built in code gets no
/// shortcut), checks that every action index of the selection exists, then emits one `Task` per
/// selected task (after closing the selection over deps, task inputs and resource producers),
/// one `Pipeline` and one `PipelineRun`. Every problem is collected: on any error, all
/// diagnostics (errors and warnings, sorted by position then code, with the source texts when
/// the selection's source map carries them) are returned and nothing else; on success the
/// warnings travel in [`Lowered::warnings`].
///
/// # Errors
/// Any validation error of the pipeline (`undefined-dep`, `cycle`, `missing-image`, …);
/// `undefined-action`, `empty-selection`, `undefined-task`, `invalid-name`,
/// `unsupported-resource-type`, `missing-resource-param`, `resource-variable`,
/// `unsupported-step-field`, `invalid-duration`, `invalid-label`.
///
/// # Examples
/// ```
/// use dispatch_tekton::{lower, LowerOptions, Selection};
/// use dispatchfile_model::{decode, DecodeOptions, Document, Limits, Node};
/// let json = serde_json::json!({"task": {"hello": {"steps": [{"name": "hi", "image": "alpine", "command": ["echo", "hi"]}]}}});
/// let doc = Document { root: Node::from_json(&json, Default::default()) };
/// let pipeline = decode(&doc, &DecodeOptions::default(), &Limits::default()).pipeline.expect("valid");
/// let lowered = lower(&pipeline, &Selection::manual(["hello"]), &LowerOptions::default()).expect("lowers");
/// assert_eq!(lowered.objects().len(), 3);
/// assert!(lowered.to_yaml().contains("name: dispatch-hello\n"));
/// ```
pub fn lower(
    pipeline: &Pipeline,
    selection: &Selection<'_>,
    options: &LowerOptions,
) -> Result<Lowered, Diagnostics> {
    let empty = SourceMap::new();
    let source_map = selection.source_map.unwrap_or(&empty);
    let sources = source_map.sources().cloned();
    // Lowering relies on what validation guarantees (every dependency defined, no cycle, steps
    // with images): a pipeline that fails it is refused with validation's own diagnostics. Its
    // warnings were the author's to see when the file was checked; lowering reports its own.
    validate(pipeline, source_map)?;
    let mut cx = Cx::new(pipeline, selection, options);
    for &a in &selection.actions {
        if a >= pipeline.actions.len() {
            cx.diags.push(Diagnostic::error(
                Code::UndefinedAction,
                format!(
                    "action #{a} in the selection does not exist (the pipeline has {} action{})",
                    pipeline.actions.len(),
                    if pipeline.actions.len() == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    let objects = if cx.diags.has_errors() {
        None
    } else {
        cx.run()
    };
    let diagnostics = cx.diags.build().with_sources_opt(sources);
    match objects {
        Some(objects) if !diagnostics.has_errors() => Ok(Lowered {
            objects,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

/// The three lowered resource kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Git,
    Image,
    Storage,
}

/// The keys of resource variables that become params, in declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Url,
    Revision,
    Digest,
}

impl Key {
    fn as_str(self) -> &'static str {
        match self {
            Key::Url => "url",
            Key::Revision => "revision",
            Key::Digest => "digest",
        }
    }
}

/// Everything about one resource that lowering needs.
struct Res<'a> {
    resource: &'a Resource,
    kind: Option<Kind>,
    /// Workspace name `ws(r)`.
    ws: String,
    /// The `<r>` of param and result names.
    pbase: String,
    /// The producing task, if any task outputs it.
    producer: Option<&'a str>,
}

struct Cx<'a> {
    p: &'a Pipeline,
    sel: &'a Selection<'a>,
    o: &'a LowerOptions,
    /// The pipeline's task graph: the build's closure and every task's runAfter come from it.
    graph: TaskGraph<'a>,
    /// At most the caps of `Limits::default()` (`max_diagnostics_per_code`, `max_diagnostics`);
    /// past them, diagnostics are counted, not kept.
    diags: DiagnosticsBuilder,
    /// `name(T)` of every task of the pipeline (stable across builds).
    task_names: BTreeMap<&'a str, String>,
    /// Tasks whose names sanitise to nothing (`invalid-name`; only reachable for unvalidated pipelines).
    unnamed: BTreeSet<&'a str>,
    res: BTreeMap<&'a str, Res<'a>>,
    /// PipelineTask names of fetch tasks, by resource.
    fetch_names: BTreeMap<&'a str, String>,
    /// The place of each fetch task among them (they come first, in resource order), for
    /// runAfter: a lookup, not a scan of `fetch_names` for each git input of each task.
    fetch_index: BTreeMap<&'a str, usize>,
    /// Pipeline params in order of first use, with their PipelineRun values.
    pipeline_params: Vec<(String, String)>,
    /// The names in `pipeline_params`, so that adding one is a lookup, not a scan (with a git
    /// resource per task, the scans made lowering quadratic).
    pipeline_param_names: BTreeSet<String>,
    /// Pipeline workspaces in order of first use; true for git workspaces.
    pipeline_workspaces: Vec<(String, bool)>,
    /// The names in `pipeline_workspaces`, likewise.
    pipeline_workspace_names: BTreeSet<String>,
    /// Step results read by tasks of this build: producing task → step index → result name.
    step_results: BTreeMap<&'a str, BTreeMap<usize, String>>,
    /// PipelineTask index of every task of this build.
    build_index: BTreeMap<&'a str, usize>,
}

/// One task's view while its strings are rewritten.
struct TaskCx<'a> {
    name: &'a str,
    /// Resource inputs, then outputs not also inputs.
    resources: Vec<&'a str>,
    /// Params the task must declare: (index into `resources`, key).
    params: Vec<(usize, Key)>,
    /// Step results the task reads: (param name, producing task, result name), in first-use order.
    results: Vec<(String, &'a str, String)>,
    /// Lookups for `resources`, `inputs` and `outputs` (index in `resources`, and where the
    /// resource first appears in the task's `outputs`): a task of thousands of resources and
    /// variables was quadratic with scans.
    slots: BTreeMap<&'a str, usize>,
    input_set: BTreeSet<&'a str>,
    output_at: BTreeMap<&'a str, usize>,
}

impl TaskCx<'_> {
    fn need(&mut self, r: &str, key: Key) {
        if let Some(&i) = self.slots.get(r) {
            self.params.push((i, key));
        }
    }
}

impl<'a> Cx<'a> {
    fn new(p: &'a Pipeline, sel: &'a Selection<'a>, o: &'a LowerOptions) -> Cx<'a> {
        let mut cx = Cx {
            p,
            sel,
            o,
            graph: TaskGraph::new(p),
            diags: DiagnosticsBuilder::default(),
            task_names: BTreeMap::new(),
            unnamed: BTreeSet::new(),
            res: BTreeMap::new(),
            fetch_names: BTreeMap::new(),
            fetch_index: BTreeMap::new(),
            pipeline_params: Vec::new(),
            pipeline_param_names: BTreeSet::new(),
            pipeline_workspaces: Vec::new(),
            pipeline_workspace_names: BTreeSet::new(),
            step_results: BTreeMap::new(),
            build_index: BTreeMap::new(),
        };
        // Task names over the whole pipeline, so a task keeps its name in every build.
        let pairs: Vec<(&str, String)> = p
            .tasks
            .keys()
            .map(|t| {
                let name = sanitize(t).unwrap_or_else(|| {
                    cx.unnamed.insert(t.as_str());
                    "task".to_owned()
                });
                (t.as_str(), name)
            })
            .collect();
        cx.task_names = p
            .tasks
            .keys()
            .map(String::as_str)
            .zip(assign(pairs, &[]))
            .collect();
        let pairs: Vec<(&str, String)> = p
            .resources
            .keys()
            .map(|r| {
                (
                    r.as_str(),
                    sanitize(r).unwrap_or_else(|| "resource".to_owned()),
                )
            })
            .collect();
        let ws = assign(pairs, &[]);
        let bases: Vec<(&str, String)> = p
            .resources
            .keys()
            .zip(&ws)
            .map(|(r, w)| {
                (
                    r.as_str(),
                    if w.starts_with(|c: char| c.is_ascii_digit()) {
                        format!("r-{w}")
                    } else {
                        w.clone()
                    },
                )
            })
            .collect();
        let pbases = assign(bases, &[]);
        for (((r, w), pb), resource) in p
            .resources
            .keys()
            .map(String::as_str)
            .zip(ws)
            .zip(pbases)
            .zip(p.resources.values())
        {
            let kind = match resource.kind.as_str() {
                "git" => Some(Kind::Git),
                "image" => Some(Kind::Image),
                "storage" => Some(Kind::Storage),
                _ => None,
            };
            cx.res.insert(
                r,
                Res {
                    resource,
                    kind,
                    ws: w,
                    pbase: pb,
                    producer: cx.graph.producer(r),
                },
            );
        }
        cx
    }

    fn span(&self, path: &str) -> Option<Span> {
        self.sel
            .source_map
            .and_then(|m| m.key(path).or_else(|| m.nearest(path)))
    }

    fn error(&mut self, code: Code, message: String, path: &str) {
        if !self.diags.keeps(Severity::Error, code) {
            self.diags.omit(Severity::Error);
            return;
        }
        let d = Diagnostic::error(code, message)
            .at(self.span(path))
            .with_path(path);
        self.diags.push(d);
    }

    fn warn(&mut self, code: Code, message: String, path: &str) {
        if !self.diags.keeps(Severity::Warning, code) {
            self.diags.omit(Severity::Warning);
            return;
        }
        let d = Diagnostic::warning(code, message)
            .at(self.span(path))
            .with_path(path);
        self.diags.push(d);
    }

    fn run(&mut self) -> Option<Vec<Object>> {
        if self.sel.tasks.is_empty() {
            self.diags.push(Diagnostic::error(
                Code::EmptySelection,
                "no task selected: nothing to lower",
            ));
            return None;
        }
        // Did-you-mean hints, built on the first undefined name only.
        let mut hints: Option<dispatchfile_model::names::NameHints<'_>> = None;
        for t in &self.sel.tasks {
            if !self.p.tasks.contains_key(t) {
                let hint = hints
                    .get_or_insert_with(|| {
                        dispatchfile_model::names::NameHints::new(
                            self.p.tasks.keys().map(String::as_str),
                        )
                    })
                    .suggest(t)
                    .map_or_else(String::new, |h| format!(" (did you mean {h:?}?)"));
                self.diags.push(Diagnostic::error(
                    Code::UndefinedTask,
                    format!("undefined task {t:?} in the selection{hint}"),
                ));
            }
        }
        let requested: Vec<&str> = self.sel.tasks.iter().map(String::as_str).collect();
        let order: Vec<&'a str> = self
            .graph
            .closure(requested.iter().filter_map(|t| self.graph.index(t)))
            .into_iter()
            .map(|t| self.graph.name(t))
            .collect();
        let pipeline_timeout = match parse_go_duration(&self.o.pipeline_timeout) {
            Ok(n) => n,
            Err(why) => {
                self.diags.push(Diagnostic::error(
                    Code::InvalidDuration,
                    format!(
                        "invalid pipeline timeout {:?}: {why}",
                        self.o.pipeline_timeout
                    ),
                ));
                0
            }
        };
        let tasks: Vec<(&'a str, &'a DTask)> = order
            .iter()
            .filter_map(|t| self.p.tasks.get_key_value(*t))
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        // Step results a task reads make it run after their producer: the order follows.
        let read = self.find_step_results(&tasks);
        let tasks = if read.is_empty() {
            tasks
        } else {
            self.order_with_results(&tasks, &read)
        };
        for (t, _) in &tasks {
            if self.unnamed.contains(t) {
                self.error(
                    Code::InvalidName,
                    format!("task {t:?} has no usable Kubernetes name"),
                    &format!("/task/{}", seg(t)),
                );
            }
        }

        // Resources used by the build, checked once each.
        let mut used: BTreeSet<&'a str> = BTreeSet::new();
        for (_, task) in &tasks {
            for r in task.inputs.iter().chain(&task.outputs) {
                if self.res.contains_key(r.as_str()) {
                    used.insert(self.res.get_key_value(r.as_str()).map_or("", |(k, _)| *k));
                }
            }
        }
        let mut git_used = Vec::new();
        for r in &used {
            let Some(res) = self.res.get(r) else { continue };
            let path = format!("/resource/{}", seg(r));
            match res.kind {
                None => {
                    let kind = res.resource.kind.clone();
                    self.error(
                        Code::UnsupportedResourceType,
                        format!("resource {r:?}: type {kind:?} cannot be lowered (only git, image and storage)"),
                        &format!("{path}/type"),
                    );
                }
                Some(Kind::Git) => {
                    git_used.push(*r);
                    if !res.resource.params.contains_key("url") {
                        self.error(
                            Code::MissingResourceParam,
                            format!("resource {r:?}: a git resource needs a \"url\" param"),
                            &path,
                        );
                    }
                }
                Some(Kind::Storage) => {
                    let ignored: Vec<&str> = ["location", "dir", "type"]
                        .into_iter()
                        .filter(|k| res.resource.params.contains_key(*k))
                        .collect();
                    if !ignored.is_empty() {
                        self.warn(
                            Code::StorageNotPersisted,
                            format!(
                                "resource {r:?}: storage lives in a workspace for one run; {} ha{} no effect",
                                ignored.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", "),
                                if ignored.len() == 1 { "s" } else { "ve" }
                            ),
                            &path,
                        );
                    }
                }
                Some(Kind::Image) => {}
            }
        }

        // Fetch tasks: never named like a task of the pipeline.
        let inline = self.o.git_clone == GitClone::Inline;
        if !inline {
            let taken: Vec<String> = self.task_names.values().cloned().collect();
            let pairs: Vec<(&str, String)> = git_used
                .iter()
                .map(|r| (*r, fit(&self.res[r].ws, "-fetch")))
                .collect();
            for (r, n) in git_used.iter().zip(assign(pairs, &taken)) {
                self.fetch_names.insert(r, n);
            }
            self.fetch_index = self
                .fetch_names
                .keys()
                .enumerate()
                .map(|(i, r)| (*r, i))
                .collect();
        }

        let mut ptasks = Vec::new();
        let mut objects = Vec::new();
        let mut run_specs = Vec::new();
        for r in &git_used {
            if let Some(pt) = self.fetch_task(r) {
                ptasks.push(pt);
            }
        }
        let fetch_count = ptasks.len();
        // PipelineTask index of each task, for runAfter order.
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, (t, _)) in tasks.iter().enumerate() {
            index.insert(t, fetch_count + i);
            self.build_index.insert(t, fetch_count + i);
        }
        // PipelineTask names by index: fetch tasks, then tasks.
        let order: Vec<String> = ptasks
            .iter()
            .map(|pt| pt.name.clone())
            .chain(
                tasks
                    .iter()
                    .map(|(t, _)| self.task_names.get(t).cloned().unwrap_or_default()),
            )
            .collect();
        objects.reserve(tasks.len() + 2);
        ptasks.reserve(tasks.len());
        for (t, task) in &tasks {
            let (task_obj, pt, run_spec) = self.task(t, task, &index, &order, pipeline_timeout);
            objects.push(Object::Task(task_obj));
            ptasks.push(pt);
            run_specs.extend(run_spec);
        }

        let names: Vec<&str> = tasks.iter().map(|(t, _)| *t).collect();
        let joined = names.join("-");
        let pipeline_name = sanitize(&format!("{}-{joined}", self.o.pipeline_name_prefix))
            .unwrap_or_else(|| "dispatch".to_owned());
        let tasks_annotation = names.join(",");
        let api = self.o.target.api_version().to_owned();
        objects.push(Object::Pipeline(TPipeline {
            api_version: api.clone(),
            kind: "Pipeline".to_owned(),
            metadata: meta(
                Some(pipeline_name.clone()),
                None,
                [("dispatch.d2iq.io/tasks", tasks_annotation.clone())],
            ),
            spec: PipelineSpec {
                params: self
                    .pipeline_params
                    .iter()
                    .map(|(n, _)| ParamSpec::string(n.clone()))
                    .collect(),
                workspaces: self
                    .pipeline_workspaces
                    .iter()
                    .map(|(n, _)| PipelineWorkspace { name: n.clone() })
                    .collect(),
                tasks: ptasks,
            },
        }));

        let actions = self
            .sel
            .actions
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut annotations = vec![
            ("dispatch.d2iq.io/actions", actions),
            (
                "dispatch.d2iq.io/build-name",
                self.sel.context.build_name.clone(),
            ),
        ];
        if !self.sel.context.git_commit.is_empty() {
            annotations.push((
                "dispatch.d2iq.io/commit",
                self.sel.context.git_commit.clone(),
            ));
        }
        annotations.push(("dispatch.d2iq.io/tasks", tasks_annotation));
        let cut = if pipeline_name.len() > 57 {
            pipeline_name[..57].trim_end_matches('-')
        } else {
            &pipeline_name
        };
        let generate_name = format!("{cut}-");

        let mut pod_template = self.o.pod_template.clone();
        if !git_used.is_empty() {
            let pt = pod_template.get_or_insert_with(PodTemplate::default);
            let sc = pt
                .security_context
                .get_or_insert_with(PodSecurityContext::default);
            sc.fs_group.get_or_insert(GIT_CLONE_FS_GROUP);
        }
        let mut spec = PipelineRunSpec {
            pipeline_ref: Ref::named(pipeline_name),
            params: self
                .pipeline_params
                .iter()
                .map(|(n, v)| Param::new(n.clone(), v.clone()))
                .collect(),
            workspaces: self
                .pipeline_workspaces
                .iter()
                .map(|(n, git)| self.binding(n, *git && inline))
                .collect(),
            task_run_specs: run_specs,
            timeouts: Some(Timeouts {
                pipeline: format_go_duration(pipeline_timeout),
            }),
            ..PipelineRunSpec::default()
        };
        match self.o.target {
            Target::V1Beta1 => {
                spec.service_account_name
                    .clone_from(&self.o.service_account);
                spec.pod_template = pod_template;
            }
            Target::V1 => {
                if pod_template.is_some() || self.o.service_account.is_some() {
                    spec.task_run_template = Some(TaskRunTemplate {
                        pod_template,
                        service_account_name: self.o.service_account.clone(),
                    });
                }
            }
        }
        objects.push(Object::PipelineRun(PipelineRun {
            api_version: api,
            kind: "PipelineRun".to_owned(),
            metadata: meta(None, Some(generate_name), annotations),
            spec,
        }));
        Some(objects)
    }

    fn binding(&self, ws: &str, empty_dir: bool) -> WorkspaceBinding {
        let mut b = WorkspaceBinding {
            name: ws.to_owned(),
            ..WorkspaceBinding::default()
        };
        if empty_dir {
            b.empty_dir = Some(EmptyDirVolumeSource::default());
            return b;
        }
        match &self.o.workspace_binding {
            WorkspaceVolume::ClaimTemplate {
                access_mode,
                size,
                storage_class,
            } => {
                b.volume_claim_template = Some(VolumeClaimTemplate {
                    spec: PersistentVolumeClaimSpec {
                        access_modes: Some(vec![access_mode.clone()]),
                        resources: Some(VolumeResourceRequirements {
                            limits: None,
                            requests: Some(BTreeMap::from([(
                                "storage".to_owned(),
                                Quantity(size.clone()),
                            )])),
                        }),
                        storage_class_name: storage_class.clone(),
                        ..PersistentVolumeClaimSpec::default()
                    },
                });
            }
            WorkspaceVolume::Claim { name } => {
                b.sub_path = Some(ws.to_owned());
                b.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                    claim_name: name.clone(),
                    read_only: None,
                });
            }
        }
        b
    }

    fn pipeline_param(&mut self, name: String, value: String) {
        if self.pipeline_param_names.insert(name.clone()) {
            self.pipeline_params.push((name, value));
        }
    }

    fn pipeline_workspace(&mut self, ws: &str, git: bool) {
        if self.pipeline_workspace_names.insert(ws.to_owned()) {
            self.pipeline_workspaces.push((ws.to_owned(), git));
        }
    }

    fn empty_param_warning(&mut self, r: &str, key: &str) {
        self.warn(
            Code::EmptyResourceParam,
            format!("resource {r:?}: param {key:?} is empty after context substitution (no event gives it a value)"),
            &format!("/resource/{}/param/{}", seg(r), seg(key)),
        );
    }

    /// A resource param after context substitution; a reference to itself becomes `""`.
    fn param_value(&mut self, r: &str, key: &str) -> Option<String> {
        let raw = self.res.get(r)?.resource.params.get(key)?;
        let value = dispatch_trigger::substitute(raw, &self.sel.context);
        let is_self = value
            .strip_prefix("$(")
            .and_then(|v| v.strip_suffix(')'))
            .and_then(|v| {
                [
                    "inputs.resources.",
                    "resources.inputs.",
                    "outputs.resources.",
                    "resources.outputs.",
                ]
                .iter()
                .find_map(|p| v.strip_prefix(p))
            })
            .and_then(|v| v.strip_suffix(key))
            .and_then(|v| v.strip_suffix('.'))
            == Some(r);
        if is_self {
            return Some(String::new());
        }
        if ["$(inputs.", "$(outputs.", "$(resources."]
            .iter()
            .any(|p| value.contains(p))
        {
            self.error(
                Code::ResourceVariable,
                format!("resource {r:?}: param {key:?} refers to a resource variable ({value:?}); only a reference to itself is allowed"),
                &format!("/resource/{}/param/{}", seg(r), seg(key)),
            );
        }
        Some(value)
    }

    fn fetch_task(&mut self, r: &'a str) -> Option<PipelineTask> {
        let name = self.fetch_names.get(r)?.clone();
        let (ws, pbase) = {
            let res = &self.res[r];
            (res.ws.clone(), res.pbase.clone())
        };
        let task_ref = match &self.o.git_clone {
            GitClone::Bundles { bundle } => Ref::resolver(
                "bundles",
                &[("bundle", bundle), ("name", "git-clone"), ("kind", "task")],
            ),
            GitClone::Git {
                url,
                revision,
                path_in_repo,
            } => Ref::resolver(
                "git",
                &[
                    ("url", url),
                    ("revision", revision),
                    ("pathInRepo", path_in_repo),
                ],
            ),
            GitClone::Hub { version } => Ref::resolver(
                "hub",
                &[
                    ("type", "artifact"),
                    ("catalog", "tekton-catalog-tasks"),
                    ("kind", "task"),
                    ("name", "git-clone"),
                    ("version", version),
                ],
            ),
            GitClone::Cluster { namespace } => Ref::resolver(
                "cluster",
                &[
                    ("kind", "task"),
                    ("name", "git-clone"),
                    ("namespace", namespace),
                ],
            ),
            GitClone::Name { name } => Ref::named(name.clone()),
            GitClone::Inline => return None,
        };
        let mut params = Vec::new();
        let url = self.param_value(r, "url").unwrap_or_default();
        if url.is_empty() && self.res[r].resource.params.contains_key("url") {
            self.empty_param_warning(r, "url");
        }
        self.pipeline_param(format!("{pbase}-url"), url);
        params.push(Param::new("url", format!("$(params.{pbase}-url)")));
        if let Some(rev) = self.param_value(r, "revision") {
            self.pipeline_param(format!("{pbase}-revision"), rev);
            params.push(Param::new(
                "revision",
                format!("$(params.{pbase}-revision)"),
            ));
        }
        let keys: Vec<String> = self.res[r].resource.params.keys().cloned().collect();
        for key in keys {
            if key == "url" || key == "revision" {
                continue;
            }
            if GIT_CLONE_PARAMS.contains(&key.as_str()) {
                let v = self.param_value(r, &key).unwrap_or_default();
                params.push(Param::new(key, v));
            } else {
                self.warn(
                    Code::IgnoredResourceParam,
                    format!(
                        "resource {r:?}: param {key:?} is not a git-clone param and is ignored"
                    ),
                    &format!("/resource/{}/param/{}", seg(r), seg(&key)),
                );
            }
        }
        self.pipeline_workspace(&ws, true);
        Some(PipelineTask {
            name,
            run_after: Vec::new(),
            task_ref,
            params,
            workspaces: vec![WorkspaceTaskBinding {
                name: "output".to_owned(),
                workspace: ws,
            }],
            timeout: None,
        })
    }

    /// Lowers one task: its Task object, its PipelineTask and its run metadata.
    fn task(
        &mut self,
        t: &'a str,
        task: &'a DTask,
        index: &BTreeMap<&str, usize>,
        order: &[String],
        pipeline_timeout: u128,
    ) -> (Task, PipelineTask, Option<PipelineTaskRunSpec>) {
        let path = cat(&["/task/", &seg(t)]);
        let name = self.task_names.get(t).cloned().unwrap_or_default();
        let mut resources: Vec<&'a str> =
            Vec::with_capacity(task.inputs.len() + task.outputs.len());
        let mut inputs = Vec::with_capacity(task.inputs.len());
        let mut run_after: Vec<usize> = Vec::with_capacity(task.inputs.len() + task.deps.len() + 1);
        let mut slots: BTreeMap<&'a str, usize> = BTreeMap::new();
        for input in &task.inputs {
            if let Some((r, _)) = self.res.get_key_value(input.as_str()) {
                inputs.push(*r);
                if !slots.contains_key(r) {
                    slots.insert(r, resources.len());
                    resources.push(r);
                }
            }
        }
        let mut output_at: BTreeMap<&'a str, usize> = BTreeMap::new();
        for (i, output) in task.outputs.iter().enumerate() {
            if let Some((r, _)) = self.res.get_key_value(output.as_str()) {
                output_at.entry(r).or_insert(i);
                if !slots.contains_key(r) {
                    slots.insert(r, resources.len());
                    resources.push(r);
                }
            }
        }
        let input_set: BTreeSet<&'a str> = inputs.iter().copied().collect();
        // What the task graph says the task waits for: deps, task inputs, resource producers.
        if let Some(ti) = self.graph.index(t) {
            for &b in self.graph.before(ti) {
                run_after.extend(index.get(self.graph.name(b)));
            }
        }
        let mut tcx = TaskCx {
            name: t,
            resources,
            params: Vec::new(),
            results: Vec::new(),
            slots,
            input_set,
            output_at,
        };

        // Steps, with every string rewritten.
        let mut steps = Vec::with_capacity(task.steps.len());
        let mut step_names: Vec<(Cow<'a, str>, String)> = Vec::with_capacity(task.steps.len());
        for (i, c) in task.steps.iter().enumerate() {
            let spath = Located(&path, "/steps/", i);
            let what = StepOf(t, i);
            steps.push(self.step(&mut tcx, c, &spath, &what));
            let original = if c.name.is_empty() {
                Cow::Owned(format!("step-{i}"))
            } else {
                Cow::Borrowed(c.name.as_str())
            };
            let candidate = sanitize(&c.name).unwrap_or_else(|| format!("step-{i}"));
            step_names.push((original, candidate));
        }
        let mut volumes: Vec<Volume> = Vec::with_capacity(task.volumes.len());
        for (i, v) in task.volumes.iter().enumerate() {
            let vpath = format!("{path}/volumes/{i}");
            let what = format!("volume #{i} of task {t:?}");
            volumes.push(self.rewrite_json(&mut tcx, v, &vpath, &what));
        }

        // Workspaces, output volumes, clone and export steps.
        let inline = self.o.git_clone == GitClone::Inline;
        let mut workspaces = Vec::new();
        let mut ws_bindings = Vec::new();
        let mut output_volumes: Vec<(&'a str, String)> = Vec::new();
        let mut clone_steps: Vec<&'a str> = Vec::new();
        let mut export_steps: Vec<&'a str> = Vec::new();
        for ri in 0..tcx.resources.len() {
            let r = tcx.resources[ri];
            let Some(res) = self.res.get(r) else { continue };
            let (kind, ws, producer) = (res.kind, res.ws.clone(), res.producer);
            let has_url = res.resource.params.contains_key("url");
            let has_revision = res.resource.params.contains_key("revision");
            let is_out = tcx.output_at.contains_key(r);
            match kind {
                Some(Kind::Git) => {
                    // The mount path is `/workspace/<r>`, written only when not the default.
                    let mount_path = (r != ws).then(|| cat(&["/workspace/", r]));
                    workspaces.push(WorkspaceDeclaration {
                        name: ws.clone(),
                        mount_path,
                    });
                    ws_bindings.push(WorkspaceTaskBinding {
                        name: ws.clone(),
                        workspace: ws.clone(),
                    });
                    self.pipeline_workspace(&ws, true);
                    // Fetch tasks come first, sorted by resource name (the map's order).
                    run_after.extend(self.fetch_index.get(r).copied());
                    if inline {
                        clone_steps.push(r);
                        tcx.need(r, Key::Url);
                        if has_revision {
                            tcx.need(r, Key::Revision);
                        }
                    }
                    if is_out {
                        output_volumes.push((r, ws));
                        let i = tcx.output_at.get(r).copied().unwrap_or(0);
                        self.warn(
                            Code::GitOutputNotRepublished,
                            format!(
                                "task {t:?}: git output {r:?} is the workspace the task runs in; changes are seen by later tasks of this run but not pushed anywhere"
                            ),
                            &format!("{path}/outputs/{i}"),
                        );
                    }
                }
                Some(Kind::Storage) => {
                    // Producers write to `/workspace/output/<r>`, consumers read `/workspace/<r>`;
                    // the latter is written only when not the default `/workspace/<ws>`.
                    let mount_path = if is_out && producer == Some(t) {
                        Some(cat(&["/workspace/output/", r]))
                    } else {
                        (r != ws).then(|| cat(&["/workspace/", r]))
                    };
                    workspaces.push(WorkspaceDeclaration {
                        name: ws.clone(),
                        mount_path,
                    });
                    ws_bindings.push(WorkspaceTaskBinding {
                        name: ws.clone(),
                        workspace: ws.clone(),
                    });
                    self.pipeline_workspace(&ws, false);
                }
                Some(Kind::Image) if is_out => {
                    tcx.need(r, Key::Url);
                    output_volumes.push((r, ws));
                    export_steps.push(r);
                    if !has_url {
                        self.error(
                            Code::MissingResourceParam,
                            format!("resource {r:?}: an image output needs a \"url\" param"),
                            &format!("/resource/{}", seg(r)),
                        );
                    }
                }
                Some(Kind::Image) | None => {}
            }
        }

        // Generated volumes never take a name the task's own volumes use.
        let taken: Vec<String> = volumes.iter().map(|v| v.name.clone()).collect();
        let pairs: Vec<(&str, String)> = output_volumes
            .iter()
            .map(|(r, ws)| (*r, fit(ws, "-output")))
            .collect();
        let vol_names = assign(pairs, &taken);
        let mut mounts = Vec::with_capacity(output_volumes.len());
        for ((r, _), vname) in output_volumes.iter().zip(&vol_names) {
            volumes.push(Volume {
                name: vname.clone(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Volume::default()
            });
            mounts.push(VolumeMount {
                name: vname.clone(),
                mount_path: format!("/workspace/output/{r}"),
                ..VolumeMount::default()
            });
        }

        // Step names: the task's own first, generated ones yield.
        let user_names = assign(step_names, &[]);
        let mut gen_pairs: Vec<(&str, String)> =
            Vec::with_capacity(clone_steps.len() + export_steps.len());
        for r in &clone_steps {
            gen_pairs.push((r, fit(&self.res[r].ws, "-clone")));
        }
        for r in &export_steps {
            gen_pairs.push((r, fit(&format!("export-{}", self.res[r].ws), "-digest")));
        }
        let gen_names = if gen_pairs.is_empty() {
            Vec::new()
        } else {
            assign(gen_pairs, &user_names)
        };

        // Secrets of every resource the task lists, in input-then-output order.
        let mut secrets: Vec<EnvVar> = Vec::new();
        for r in &tcx.resources {
            for (env, sel) in &self.res[r].resource.secrets {
                if secrets.iter().any(|e| e.name == *env) {
                    continue;
                }
                let mut sel = sel.clone();
                sel.name = dispatch_trigger::substitute(&sel.name, &self.sel.context);
                sel.key = dispatch_trigger::substitute(&sel.key, &self.sel.context);
                secrets.push(EnvVar {
                    name: env.clone(),
                    value: None,
                    value_from: Some(EnvVarSource {
                        secret_key_ref: Some(sel),
                        ..EnvVarSource::default()
                    }),
                });
            }
        }

        let mut all_steps = Vec::with_capacity(steps.len() + gen_names.len());
        for (r, n) in clone_steps.iter().zip(&gen_names) {
            let res = &self.res[r];
            let mut params = vec![Param::new("url", format!("$(params.{}-url)", res.pbase))];
            if res.resource.params.contains_key("revision") {
                params.push(Param::new(
                    "revision",
                    format!("$(params.{}-revision)", res.pbase),
                ));
            }
            params.push(Param::new(
                "output-path",
                format!("$(workspaces.{}.path)", res.ws),
            ));
            all_steps.push(Step {
                name: n.clone(),
                reference: Some(Ref::resolver(
                    "git",
                    &[
                        ("url", GIT_CLONE_REPOSITORY),
                        ("revision", GIT_CLONE_VERSION),
                        ("pathInRepo", "stepaction/git-clone/git-clone.yaml"),
                    ],
                )),
                params,
                ..Step::default()
            });
        }
        let captured = self.step_results.get(t).cloned().unwrap_or_default();
        for (i, (step, n)) in steps.into_iter().zip(user_names).enumerate() {
            if let Some(mut step) = step {
                step.name = n;
                if let Some(result) = captured.get(&i) {
                    capture_output(&mut step, result);
                }
                let env = step.env.get_or_insert_with(Vec::new);
                env.reserve(secrets.len());
                for s in &secrets {
                    if !env.iter().any(|e| e.name == s.name) {
                        env.push(s.clone());
                    }
                }
                if env.is_empty() {
                    step.env = None;
                }
                Self::add_mounts(&mut step, &mounts);
                all_steps.push(step);
            }
        }
        for (r, n) in export_steps
            .iter()
            .zip(gen_names.iter().skip(clone_steps.len()))
        {
            let mut step = self.export_step(r, n.clone());
            Self::add_mounts(&mut step, &mounts);
            all_steps.push(step);
        }

        // Params and results.
        tcx.params.sort_unstable();
        tcx.params.dedup();
        let mut params = Vec::with_capacity(tcx.params.len());
        let mut pt_params = Vec::with_capacity(tcx.params.len());
        for (i, key) in std::mem::take(&mut tcx.params) {
            let r = tcx.resources[i];
            let (pname, kind, producer) = {
                let res = &self.res[r];
                (
                    cat(&[&res.pbase, "-", key.as_str()]),
                    res.kind,
                    res.producer,
                )
            };
            params.push(ParamSpec::string(pname.clone()));
            let from_producer = kind == Some(Kind::Image)
                && key != Key::Revision
                && tcx.input_set.contains(r)
                && producer.is_some_and(|p| p != t && index.contains_key(p));
            let value = if let Some(p) = producer.filter(|_| from_producer) {
                let pt = self.task_names.get(p).cloned().unwrap_or_default();
                cat(&["$(tasks.", &pt, ".results.", &pname, ")"])
            } else {
                let v = self.param_value(r, key.as_str()).unwrap_or_default();
                let first = !self.pipeline_param_names.contains(&pname);
                if first
                    && v.is_empty()
                    && key == Key::Url
                    && self.res[r].resource.params.contains_key("url")
                {
                    self.empty_param_warning(r, "url");
                }
                self.pipeline_param(pname.clone(), v);
                cat(&["$(params.", &pname, ")"])
            };
            pt_params.push(Param::new(pname, value));
        }
        let mut results = Vec::new();
        if let Some(produced) = self.step_results.get(t) {
            for (i, result) in produced {
                let step = task.steps.get(*i).map_or("", |c| c.name.as_str());
                results.push(TaskResult {
                    name: result.clone(),
                    description: Some(format!("The standard output of step {step:?}")),
                });
            }
        }
        for (pname, producer, result) in std::mem::take(&mut tcx.results) {
            params.push(ParamSpec::string(pname.clone()));
            let pt = self.task_names.get(producer).cloned().unwrap_or_default();
            pt_params.push(Param::new(
                pname,
                cat(&["$(tasks.", &pt, ".results.", &result, ")"]),
            ));
            run_after.extend(index.get(producer));
        }
        for r in &export_steps {
            let pbase = &self.res[r].pbase;
            results.push(TaskResult {
                name: format!("{pbase}-digest"),
                description: Some(format!("The digest of image {r:?}")),
            });
            results.push(TaskResult {
                name: format!("{pbase}-url"),
                description: Some(format!("The URL of image {r:?}")),
            });
        }

        // Timeout and run metadata.
        let timeout = task.timeout.as_ref().and_then(|s| match parse_go_duration(s) {
            Ok(n) => {
                if pipeline_timeout > 0 && (n == 0 || n > pipeline_timeout) {
                    self.warn(
                        Code::TimeoutExceedsPipeline,
                        format!(
                            "task {t:?}: timeout {s:?} is longer than the pipeline timeout {:?}; the pipeline timeout wins",
                            format_go_duration(pipeline_timeout)
                        ),
                        &format!("{path}/timeout"),
                    );
                }
                Some(format_go_duration(n))
            }
            Err(why) => {
                self.error(Code::InvalidDuration, format!("task {t:?}: invalid timeout {s:?}: {why}"), &format!("{path}/timeout"));
                None
            }
        });
        let run_spec = task.metadata.as_ref().and_then(|m| {
            let mut md = PipelineTaskMetadata::default();
            for (k, raw) in &m.labels {
                let v = dispatch_trigger::substitute(raw, &self.sel.context);
                if !is_label_value(&v) {
                    // R13: a value made with context variables is checked now that the event
                    // has given them values; the message names them.
                    let values: Vec<String> = dispatchfile_model::names::CONTEXT_VARIABLES
                        .iter()
                        .filter(|n| raw.contains(&format!("$(context.{n})")))
                        .map(|n| format!("$(context.{n}) = {:?}", self.sel.context.get(n).unwrap_or_default()))
                        .collect();
                    let msg = if values.is_empty() {
                        format!("task {t:?}: label {k:?} has the value {v:?}, which is not a valid label value")
                    } else {
                        format!(
                            "task {t:?}: label {k:?} is {v:?} for this event ({}), which is not a valid label value (at most 63 characters from [A-Za-z0-9_.-], starting and ending with a letter or digit)",
                            values.join(", ")
                        )
                    };
                    self.error(Code::InvalidLabel, msg, &format!("{path}/metadata/labels/{}", seg(k)));
                }
                md.labels.insert(k.clone(), v);
            }
            for (k, v) in &m.annotations {
                md.annotations.insert(k.clone(), dispatch_trigger::substitute(v, &self.sel.context));
            }
            (!md.labels.is_empty() || !md.annotations.is_empty())
                .then(|| PipelineTaskRunSpec { pipeline_task_name: name.clone(), metadata: md })
        });

        // runAfter in PipelineTask order; names of fetch tasks come first.
        run_after.sort_unstable();
        run_after.dedup();
        let by_index: Vec<String> = run_after
            .into_iter()
            .filter(|i| order.get(*i).is_some_and(|n| *n != name))
            .filter_map(|i| order.get(i).cloned())
            .collect();

        let task_obj = Task {
            api_version: self.o.target.api_version().to_owned(),
            kind: "Task".to_owned(),
            metadata: meta(
                Some(name.clone()),
                None,
                [("dispatch.d2iq.io/task", t.to_owned())],
            ),
            spec: TaskSpec {
                params,
                results,
                workspaces,
                volumes,
                steps: all_steps,
            },
        };
        let pt = PipelineTask {
            name: name.clone(),
            run_after: by_index,
            task_ref: Ref::named(name),
            params: pt_params,
            workspaces: ws_bindings,
            timeout,
        };
        (task_obj, pt, run_spec)
    }

    /// Finds every step result `$(inputs.tasks.T.S)` the tasks of this build read and names the
    /// result each producing step gets (its step name in the Task); returns the (reader,
    /// producer) pairs. References that cannot be lowered are reported where they are rewritten
    /// (`step_result`).
    fn find_step_results(&mut self, tasks: &[(&'a str, &'a DTask)]) -> Vec<(&'a str, &'a str)> {
        let mut read = Vec::new();
        for (consumer, task) in tasks {
            let mut refs = Vec::new();
            for c in &task.steps {
                if let Ok(v) = serde_json::to_value(c) {
                    collect_step_results(&v, &mut refs);
                }
            }
            for v in &task.volumes {
                if let Ok(v) = serde_json::to_value(v) {
                    collect_step_results(&v, &mut refs);
                }
            }
            for (t, step) in refs {
                let Some((t, producer)) = self.p.tasks.get_key_value(t.as_str()) else {
                    continue;
                };
                let t = t.as_str();
                if t == *consumer || !tasks.iter().any(|(n, _)| *n == t) {
                    continue;
                }
                let Some(i) = producer.steps.iter().position(|c| c.name == step) else {
                    continue;
                };
                if producer.steps[i].command.as_ref().is_none_or(Vec::is_empty) {
                    continue;
                }
                let names = lowered_step_names(producer);
                self.step_results
                    .entry(t)
                    .or_default()
                    .insert(i, names[i].clone());
                if !read.contains(&(*consumer, t)) {
                    read.push((*consumer, t));
                }
            }
        }
        read
    }

    /// The build's tasks in dependency order (§4.6: Kahn's algorithm, ready tasks in byte order
    /// of their names) over deps, task inputs, producers of input resources and the step results
    /// in `read`. A cycle through step results is an error.
    fn order_with_results(
        &mut self,
        tasks: &[(&'a str, &'a DTask)],
        read: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a DTask)> {
        let names: Vec<&str> = tasks.iter().map(|(t, _)| *t).collect();
        let pos = |n: &str| names.iter().position(|x| *x == n);
        let mut before: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); tasks.len()];
        for (i, (t, task)) in tasks.iter().enumerate() {
            let mut add = |n: &str| {
                if let Some(j) = pos(n).filter(|j| *j != i) {
                    before[i].insert(j);
                }
            };
            for d in &task.deps {
                add(d);
            }
            for input in &task.inputs {
                match self.res.get(input.as_str()) {
                    Some(r) => {
                        if let Some(p) = r.producer {
                            add(p);
                        }
                    }
                    None => add(input),
                }
            }
            for (c, p) in read {
                if c == t {
                    add(p);
                }
            }
        }
        let mut placed = vec![false; tasks.len()];
        let mut order = Vec::with_capacity(tasks.len());
        while order.len() < tasks.len() {
            let next = (0..tasks.len())
                .filter(|i| !placed[*i] && before[*i].iter().all(|j| placed[*j]))
                .min_by_key(|i| names[*i]);
            let Some(i) = next else {
                let stuck: Vec<&str> = (0..tasks.len())
                    .filter(|i| !placed[*i])
                    .map(|i| names[i])
                    .collect();
                self.diags.push(Diagnostic::error(
                    Code::UnsupportedTaskResult,
                    format!(
                        "the step results read by tasks {} make a dependency cycle",
                        stuck
                            .iter()
                            .map(|t| format!("{t:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                order.extend((0..tasks.len()).filter(|i| !placed[*i]));
                break;
            };
            placed[i] = true;
            order.push(i);
        }
        order.into_iter().map(|i| tasks[i]).collect()
    }

    /// Rewrites the step result `$(inputs.tasks.T.S)` (`rest` = `T.S`) to the param that
    /// carries it, or reports why it cannot be carried over.
    fn step_result(
        &mut self,
        tcx: &mut TaskCx<'a>,
        inner: &str,
        rest: &str,
        path: &dyn Fn() -> String,
        what: &dyn Display,
        out: &mut String,
    ) -> bool {
        let var = Var(inner);
        let c = tcx.name;
        let Some((t, step)) = rest.rsplit_once('.') else {
            self.error(
                Code::UnsupportedTaskResult,
                format!("{what}: {var} names no step (the form is $(inputs.tasks.TASK.STEP))"),
                &path(),
            );
            return false;
        };
        let Some((t, producer)) = self.p.tasks.get_key_value(t) else {
            self.error(
                Code::UnsupportedTaskResult,
                format!("{what}: {var} names task {t:?}, which the pipeline does not define"),
                &path(),
            );
            return false;
        };
        let t = t.as_str();
        let problem = if t == c {
            Some(format!(
                "{what}: {var} is a result of task {c:?} itself; a task reads the results of other tasks"
            ))
        } else if !producer.steps.iter().any(|s| s.name == step) {
            Some(format!(
                "{what}: {var} names step {step:?}, which task {t:?} does not have"
            ))
        } else if !self.build_index.contains_key(t) {
            Some(format!(
                "{what}: {var} is a result of task {t:?}, which is not part of this build: list {t:?} in the inputs of task {c:?}"
            ))
        } else if !self.step_results.get(t).is_some_and(|m| {
            m.keys()
                .any(|i| producer.steps.get(*i).is_some_and(|s| s.name == step))
        }) {
            Some(format!(
                "{what}: {var}: step {step:?} of task {t:?} has no command, so its output cannot be captured as a result"
            ))
        } else {
            None
        };
        if let Some(msg) = problem {
            self.error(Code::UnsupportedTaskResult, msg, &path());
            return false;
        }
        let Some(result) = self.step_results.get(t).and_then(|m| {
            m.iter()
                .find(|(i, _)| producer.steps.get(**i).is_some_and(|s| s.name == step))
                .map(|(_, r)| r.clone())
        }) else {
            return false;
        };
        let pt = self.task_names.get(t).cloned().unwrap_or_default();
        // `-result` keeps these apart from resource params (`-url`, `-revision`, `-digest`).
        let pname = cat(&[&pt, "-", &result, "-result"]);
        if !tcx.results.iter().any(|(n, _, _)| *n == pname) {
            tcx.results.push((pname.clone(), t, result));
        }
        push_all(out, &["$(params.", &pname, ")"]);
        true
    }

    fn add_mounts(step: &mut Step, mounts: &[VolumeMount]) {
        if mounts.is_empty() {
            return;
        }
        let list = step.volume_mounts.get_or_insert_with(Vec::new);
        for m in mounts {
            if !list.iter().any(|x| x.mount_path == m.mount_path) {
                list.push(m.clone());
            }
        }
    }

    /// The appended step that exports an image output's digest and URL as results.
    fn export_step(&self, r: &str, name: String) -> Step {
        let pbase = &self.res[r].pbase;
        // The first sha256 digest of the OCI layout's index.json, and the URL, as results.
        let script = format!(
            "#!/bin/sh\n\
             set -eu\n\
             image={image}\n\
             index={index}\n\
             if [ ! -f \"$index\" ]; then\n  \
               echo \"image resource $image: $index not found; the steps must write an OCI image layout next to it\" >&2\n  \
               exit 1\n\
             fi\n\
             digest=`grep -o 'sha256:[0-9a-f]\\{{64\\}}' \"$index\" | head -n 1`\n\
             if [ -z \"$digest\" ]; then\n  \
               echo \"image resource $image: no sha256 digest in $index\" >&2\n  \
               exit 1\n\
             fi\n\
             printf '%s' \"$digest\" > \"$(results.{pbase}-digest.path)\"\n\
             printf '%s' \"$IMAGE_URL\" > \"$(results.{pbase}-url.path)\"\n",
            image = shell_quote(r),
            index = shell_quote(&format!("/workspace/output/{r}/index.json")),
        );
        let mut step = Step {
            name,
            image: Some(self.o.digest_export_image.clone()),
            env: Some(vec![EnvVar {
                name: "IMAGE_URL".to_owned(),
                value: Some(format!("$(params.{pbase}-url)")),
                value_from: None,
            }]),
            script: Some(script),
            ..Step::default()
        };
        self.set_resources(&mut step, None);
        step
    }

    /// Sets a step's compute resources: its own, or the defaults when it sets neither limits nor
    /// requests.
    fn set_resources(&self, step: &mut Step, own: Option<ResourceRequirements>) {
        let empty =
            |m: &Option<BTreeMap<String, Quantity>>| m.as_ref().is_none_or(BTreeMap::is_empty);
        let resources = match (own, &self.o.default_step_resources) {
            (Some(r), Some(d)) if empty(&r.limits) && empty(&r.requests) => {
                Some(ResourceRequirements {
                    claims: r.claims,
                    limits: d.limits.clone(),
                    requests: d.requests.clone(),
                })
            }
            (None, Some(d)) => Some(d.clone()),
            (own, _) => own.filter(|r| {
                !(empty(&r.limits)
                    && empty(&r.requests)
                    && r.claims.as_ref().is_none_or(Vec::is_empty))
            }),
        };
        match self.o.target {
            Target::V1 => step.compute_resources = resources,
            Target::V1Beta1 => step.resources = resources,
        }
    }

    /// Lowers one Dispatch step; `None` after reporting an error.
    fn step(
        &mut self,
        tcx: &mut TaskCx<'a>,
        c: &Container,
        path: &dyn Display,
        what: &dyn Display,
    ) -> Option<Step> {
        let mut ok = true;
        // Every field a Tekton step has no place for is an error. The check goes by
        // the serialized field names, so fields of later Kubernetes versions are caught too.
        for key in set_fields(c) {
            if !STEP_FIELDS.contains(&key) {
                self.error(
                    Code::UnsupportedStepField,
                    format!("{what}: field {key:?} is not allowed in a Tekton step"),
                    &format!("{path}/{}", seg(key)),
                );
                ok = false;
            }
        }
        if c.image.as_deref().is_none_or(str::is_empty) {
            self.error(
                Code::MissingImage,
                format!("{what} has no image"),
                &path.to_string(),
            );
            ok = false;
        }
        let image = c
            .image
            .as_ref()
            .map(|s| self.rewrite(tcx, s, || format!("{path}/image"), what));
        let command = c.command.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, s)| self.rewrite(tcx, s, || format!("{path}/command/{i}"), what))
                .collect()
        });
        let args = c.args.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, s)| self.rewrite(tcx, s, || format!("{path}/args/{i}"), what))
                .collect()
        });
        let working_dir = c
            .working_dir
            .as_ref()
            .map(|s| self.rewrite(tcx, s, || format!("{path}/workingDir"), what));
        let image_pull_policy = c.image_pull_policy.clone();
        let env = c.env.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, e)| EnvVar {
                    name: e.name.clone(),
                    value: e
                        .value
                        .as_ref()
                        .map(|s| self.rewrite(tcx, s, || format!("{path}/env/{i}/value"), what)),
                    value_from: e.value_from.as_ref().map(|f| {
                        self.rewrite_json(tcx, f, &format!("{path}/env/{i}/valueFrom"), what)
                    }),
                })
                .collect()
        });
        let env = env.map(|list| self.unique_env(list, path, what));
        let env_from = c
            .env_from
            .as_ref()
            .map(|v| self.rewrite_json(tcx, v, &format!("{path}/envFrom"), what));
        let security_context = c
            .security_context
            .as_ref()
            .map(|v| self.rewrite_json(tcx, v, &format!("{path}/securityContext"), what));
        let volume_mounts = c.volume_mounts.as_ref().map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, m)| {
                    let mut m = m.clone();
                    let p = format!("volumeMounts/{i}");
                    m.name = self.rewrite(tcx, &m.name, || format!("{path}/{p}/name"), what);
                    m.mount_path =
                        self.rewrite(tcx, &m.mount_path, || format!("{path}/{p}/mountPath"), what);
                    m.sub_path = m
                        .sub_path
                        .map(|s| self.rewrite(tcx, &s, || format!("{path}/{p}/subPath"), what));
                    m.sub_path_expr = m
                        .sub_path_expr
                        .map(|s| self.rewrite(tcx, &s, || format!("{path}/{p}/subPathExpr"), what));
                    m
                })
                .collect()
        });
        let volume_devices = c
            .volume_devices
            .as_ref()
            .map(|v| self.rewrite_json(tcx, v, &format!("{path}/volumeDevices"), what));
        let mut step = Step {
            name: String::new(),
            image,
            command,
            args,
            working_dir,
            env,
            env_from,
            image_pull_policy,
            security_context,
            volume_mounts,
            volume_devices,
            ..Step::default()
        };
        self.set_resources(&mut step, c.resources.clone());
        ok.then_some(step)
    }

    /// `env` with each name once: Kubernetes gives a variable defined twice its last value, so
    /// the last definition is kept (in its place) and the earlier ones are dropped, with a
    /// warning (a catalog helper such as dind_task adds a variable the step may already set).
    fn unique_env(
        &mut self,
        env: Vec<EnvVar>,
        path: &dyn Display,
        what: &dyn Display,
    ) -> Vec<EnvVar> {
        let last = |name: &str| env.iter().rposition(|e| e.name == name);
        if env
            .iter()
            .enumerate()
            .all(|(i, e)| last(&e.name) == Some(i))
        {
            return env;
        }
        let mut warned: BTreeSet<&str> = BTreeSet::new();
        for (i, e) in env.iter().enumerate() {
            let Some(l) = last(&e.name).filter(|l| *l != i) else {
                continue;
            };
            if warned.insert(e.name.as_str()) {
                let d = Diagnostic::warning(
                    Code::DuplicateEnv,
                    format!(
                        "{what}: environment variable {:?} is set more than once (env[{i}] and env[{l}]); the last definition wins, as in Kubernetes",
                        e.name
                    ),
                );
                let p = format!("{path}/env/{l}");
                self.diags.push(d.at(self.span(&p)).with_path(p));
            }
        }
        let keep: Vec<bool> = env
            .iter()
            .enumerate()
            .map(|(i, e)| last(&e.name) == Some(i))
            .collect();
        env.into_iter()
            .zip(keep)
            .filter_map(|(e, k)| k.then_some(e))
            .collect()
    }

    /// Rewrites every string of a Kubernetes value (through its JSON form).
    fn rewrite_json<T: Serialize + DeserializeOwned + Clone>(
        &mut self,
        tcx: &mut TaskCx<'a>,
        v: &T,
        path: &str,
        what: &dyn Display,
    ) -> T {
        let Ok(mut json) = serde_json::to_value(v) else {
            return v.clone();
        };
        self.rewrite_value(tcx, &mut json, path, what);
        serde_json::from_value(json).unwrap_or_else(|_| v.clone())
    }

    fn rewrite_value(
        &mut self,
        tcx: &mut TaskCx<'a>,
        v: &mut serde_json::Value,
        path: &str,
        what: &dyn Display,
    ) {
        match v {
            serde_json::Value::String(s) if find_open(s).is_some() => {
                *s = self.rewrite(tcx, s, || path.to_owned(), what);
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.rewrite_value(tcx, item, &format!("{path}/{i}"), what);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, item) in map.iter_mut() {
                    self.rewrite_value(tcx, item, &format!("{path}/{}", seg(k)), what);
                }
            }
            _ => {}
        }
    }

    /// Substitutes context variables and rewrites Dispatch resource variables in one pass
    /// (docs/lowering.md has the table); every other `$(…)` is kept.
    fn rewrite(
        &mut self,
        tcx: &mut TaskCx<'a>,
        s: &str,
        path: impl Fn() -> String,
        what: &dyn Display,
    ) -> String {
        if find_open(s).is_none() {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len() + 64);
        let mut rest = s;
        while let Some(i) = find_open(rest) {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let inner = &after[..end];
            if find_open(inner).is_some() {
                // `$(echo $(x))`: keep the outer text, look at the inner variable.
                out.push_str("$(");
                rest = after;
                continue;
            }
            if !self.resolve(tcx, inner, &path, what, &mut out) {
                out.push_str("$(");
                out.push_str(inner);
                out.push(')');
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Writes the replacement of the variable `$(inner)` to `out`; false to keep the variable.
    fn resolve(
        &mut self,
        tcx: &mut TaskCx<'a>,
        inner: &str,
        path: &dyn Fn() -> String,
        what: &dyn Display,
        out: &mut String,
    ) -> bool {
        if let Some(name) = inner.strip_prefix("context.") {
            return self
                .sel
                .context
                .get(name)
                .map(|v| out.push_str(v))
                .is_some();
        }
        if let Some(rest) = inner.strip_prefix("inputs.tasks.") {
            return self.step_result(tcx, inner, rest, path, what, out);
        }
        let (output, rest) = if let Some(r) = inner
            .strip_prefix("inputs.resources.")
            .or_else(|| inner.strip_prefix("resources.inputs."))
        {
            (false, r)
        } else if let Some(r) = inner
            .strip_prefix("outputs.resources.")
            .or_else(|| inner.strip_prefix("resources.outputs."))
        {
            (true, r)
        } else if ["inputs.", "outputs.", "resources."]
            .iter()
            .any(|p| inner.starts_with(p))
        {
            // Tekton v1alpha1 variables (`$(inputs.params.x)`) have no place in tekton.dev/v1.
            self.error(
                Code::UnsupportedVariable,
                format!("{what}: {} is neither a resource nor a step-result variable; Tekton v1 has no such variable (a Task param is $(params.NAME))", Var(inner)),
                &path(),
            );
            return false;
        } else {
            return false;
        };
        let var = Var(inner);
        let Some((r, key)) = rest.rsplit_once('.') else {
            self.error(
                Code::ResourceVariable,
                format!("{what}: {var} names no resource key"),
                &path(),
            );
            return false;
        };
        let listed = if output {
            tcx.output_at.contains_key(r)
        } else {
            tcx.input_set.contains(r)
        };
        let Some(res) = self.res.get(r).filter(|_| listed) else {
            let t = tcx.name;
            let role = if output { "an output" } else { "an input" };
            self.error(
                Code::ResourceVariable,
                format!("{what}: {var} names resource {r:?}, which is not {role} of task {t:?}"),
                &path(),
            );
            return false;
        };
        let has = |k: &str| res.resource.params.contains_key(k);
        let external_producer = !output && res.producer.is_some_and(|p| p != tcx.name);
        // Decide first, then build the text.
        let outcome = match (res.kind, key, output) {
            (Some(Kind::Git), "path", false) | (Some(Kind::Storage), "path", _) => {
                Resolved::Workspace
            }
            (Some(Kind::Git | Kind::Image), "path", true) => Resolved::OutputPath,
            (Some(Kind::Git), "url", _) if has(key) => Resolved::Param(Key::Url),
            (Some(Kind::Git), "revision", _) if has(key) => Resolved::Param(Key::Revision),
            (Some(Kind::Image), "url", _) if has(key) || external_producer => {
                Resolved::Param(Key::Url)
            }
            (Some(Kind::Image), "digest", false) if has(key) || external_producer => {
                Resolved::Param(Key::Digest)
            }
            (Some(Kind::Image), "digest", true) => Resolved::DigestOfOutput,
            (Some(Kind::Image), "path", false) => Resolved::PathOfInput,
            (Some(Kind::Git), "url" | "revision", _) | (Some(Kind::Image), "url" | "digest", _) => {
                Resolved::Missing
            }
            _ if has(key) => Resolved::Literal,
            _ => Resolved::Missing,
        };
        let res = &self.res[r];
        match outcome {
            Resolved::Workspace => {
                push_all(out, &["$(workspaces.", &res.ws, ".path)"]);
                true
            }
            Resolved::OutputPath => {
                push_all(out, &["/workspace/output/", r]);
                true
            }
            Resolved::Param(k) => {
                push_all(out, &["$(params.", &res.pbase, "-", k.as_str(), ")"]);
                tcx.need(r, k);
                true
            }
            Resolved::Literal => self.param_value(r, key).map(|v| out.push_str(&v)).is_some(),
            Resolved::Missing => {
                self.error(
                    Code::ResourceVariable,
                    format!("{what}: {var}: resource {r:?} has no param {key:?}"),
                    &path(),
                );
                false
            }
            Resolved::DigestOfOutput => {
                self.error(
                    Code::ResourceVariable,
                    format!("{what}: {var}: an output image has no digest before the build"),
                    &path(),
                );
                false
            }
            Resolved::PathOfInput => {
                self.error(
                    Code::ResourceVariable,
                    format!("{what}: {var}: an input image has no path (only outputs are written to /workspace/output/{r})"),
                    &path(),
                );
                false
            }
        }
    }
}

/// What a resource variable becomes.
#[derive(Clone, Copy, Debug)]
enum Resolved {
    Workspace,
    OutputPath,
    Param(Key),
    Literal,
    Missing,
    DigestOfOutput,
    PathOfInput,
}

/// A variable as written, `$(…)`, for messages.
struct Var<'s>(&'s str);

impl Display for Var<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "$({})", self.0)
    }
}

/// The names the steps of `task` get in its Task (as `Cx::task` assigns them).
fn lowered_step_names(task: &DTask) -> Vec<String> {
    let pairs: Vec<(Cow<'_, str>, String)> = task
        .steps
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let original = if c.name.is_empty() {
                Cow::Owned(format!("step-{i}"))
            } else {
                Cow::Borrowed(c.name.as_str())
            };
            (
                original,
                sanitize(&c.name).unwrap_or_else(|| format!("step-{i}")),
            )
        })
        .collect();
    assign(pairs, &[])
}

/// Every `$(inputs.tasks.T.S)` in the strings of `v`, as `(T, S)`.
fn collect_step_results(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => {
                let mut rest = s.as_str();
                while let Some(i) = rest.find("$(inputs.tasks.") {
                    rest = &rest[i + "$(inputs.tasks.".len()..];
                    let Some(end) = rest.find(')') else { break };
                    if let Some((t, step)) = rest[..end].rsplit_once('.') {
                        out.push((t.to_owned(), step.to_owned()));
                    }
                }
            }
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
}

/// Turns `step` into one whose standard output becomes the task result `result`: a script runs
/// its command and arguments with the output going to `$(results.<result>.path)`, then prints
/// it (for the log) and exits with the command's status. Stable Tekton features only.
fn capture_output(step: &mut Step, result: &str) {
    let argv: Vec<String> = step
        .command
        .take()
        .into_iter()
        .flatten()
        .chain(step.args.take().into_iter().flatten())
        .map(|a| shell_quote(&a))
        .collect();
    step.script = Some(format!(
        "#!/bin/sh\n\
         # The standard output of this step is the task result {result:?} (a Dispatch step result).\n\
         {} > \"$(results.{result}.path)\"\n\
         status=$?\n\
         cat \"$(results.{result}.path)\"\n\
         exit $status\n",
        argv.join(" ")
    ));
}

/// The byte offset of the first `$(` in `s`. Most strings have no `$` at all, and the scan for one
/// byte is much cheaper than setting up a substring search for every string of every step.
fn find_open(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes[from..].iter().position(|b| *b == b'$') {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b'(') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Appends every part to `out`.
fn push_all(out: &mut String, parts: &[&str]) {
    for p in parts {
        out.push_str(p);
    }
}

/// The concatenation of `parts`, allocated once.
fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    push_all(&mut s, parts);
    s
}

/// `'…'` with every `'` written as `'\''`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Object metadata with the managed-by label and the given annotations.
fn meta<'k>(
    name: Option<String>,
    generate_name: Option<String>,
    annotations: impl IntoIterator<Item = (&'k str, String)>,
) -> ObjectMeta {
    ObjectMeta {
        name,
        generate_name,
        labels: Some(BTreeMap::from([(
            MANAGED_BY.0.to_owned(),
            MANAGED_BY.1.to_owned(),
        )])),
        annotations: Some(
            annotations
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        ),
        ..ObjectMeta::default()
    }
}
