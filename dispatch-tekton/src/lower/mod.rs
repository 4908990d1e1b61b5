//! The lowering: one Task per selected task, one Pipeline, one PipelineRun.
//!
//! [`lower`] validates, then a `Cx` plans the build (`plan`: its tasks in order and the
//! resources they use), lowers each task (`task`) with its steps (`step`) and rewritten
//! variables (`variables`), and puts the Pipeline and PipelineRun together (`pipeline`).

mod pipeline;
mod plan;
mod step;
mod task;
mod variables;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

use dispatchfile_model::graph::TaskGraph;
use dispatchfile_model::names::sanitize;
use dispatchfile_model::{
    Code, Diagnostic, Diagnostics, DiagnosticsBuilder, Pipeline, Resource, Severity, SourceMap,
    Span, validate,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::Lowered;
use crate::names::assign;
use crate::options::{LowerOptions, Selection};
use crate::tekton::Object;

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

    /// Plans the build, then lowers it.
    fn run(&mut self) -> Option<Vec<Object>> {
        let plan = self.plan()?;
        Some(self.objects(plan))
    }
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
