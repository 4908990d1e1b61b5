#![doc = include_str!("../README.md")]

mod cel;
mod re2;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};

use dispatch_tekton::{Object, Selection};
use dispatch_trigger::ContextVars;
use dispatchfile_model::{
    Code, ConditionKind, Diagnostic, Diagnostics, Limits, Pipeline, PullRequestCondition, SourceMap,
};

use crate::cel::{COMMENT, LABELS, ListRe, PR_ACTION};
use crate::yaml::Y;

/// The annotation keys of Pipelines-as-Code that the translation writes.
pub const ON_CEL_EXPRESSION: &str = "pipelinesascode.tekton.dev/on-cel-expression";
/// The `on-comment` annotation key.
pub const ON_COMMENT: &str = "pipelinesascode.tekton.dev/on-comment";
/// The annotation of each embedded task spec naming its Dispatch task.
pub const TASK_ANNOTATION: &str = "dispatch.d2iq.io/task";

/// The most bytes Kubernetes accepts in an object's annotations (keys and values).
const MAX_ANNOTATION_BYTES: usize = 256 * 1024;

/// The GitOps commands of Pipelines-as-Code that a chatops word cannot take over.
const PAC_COMMANDS: [(&str, &str); 4] = [
    (
        "test",
        "\"/test\" is a command of Pipelines-as-Code itself (it re-runs the pull request's PipelineRuns; \"/test NAME\" runs the PipelineRun named NAME)",
    ),
    (
        "retest",
        "\"/retest\" is a command of Pipelines-as-Code itself (it re-runs the PipelineRuns that have not succeeded; \"/retest NAME\" runs the PipelineRun named NAME)",
    ),
    (
        "cancel",
        "\"/cancel\" is a command of Pipelines-as-Code itself (it cancels running PipelineRuns and starts none)",
    ),
    (
        "ok-to-test",
        "\"/ok-to-test\" is a command of Pipelines-as-Code itself (it approves runs for outside contributors, depending on the repository's settings and history)",
    ),
];

/// How to translate.
#[derive(Clone, Debug)]
pub struct PacOptions {
    /// The PipelineRun's name. Default `dispatch`.
    pub name: String,
    /// The lowering options (those of `dispatch render`).
    pub lower: dispatch_tekton::LowerOptions,
}

impl Default for PacOptions {
    fn default() -> PacOptions {
        PacOptions {
            name: "dispatch".to_owned(),
            lower: dispatch_tekton::LowerOptions::default(),
        }
    }
}

/// One PipelineRun of the translation.
#[derive(Clone, Debug, PartialEq)]
pub struct PacRun {
    name: String,
    yaml: String,
}

impl PacRun {
    /// The PipelineRun's `metadata.name` (the file name `--out` gives it, with `.yaml`).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document, as YAML (no `---`).
    #[must_use]
    pub fn yaml(&self) -> &str {
        &self.yaml
    }
}

/// The translation of one Dispatchfile.
#[derive(Clone, Debug, Default)]
pub struct Pac {
    runs: Vec<PacRun>,
    diagnostics: Vec<Diagnostic>,
    inexpressible: Vec<usize>,
}

impl Pac {
    /// The `.tekton/` PipelineRun documents as one YAML stream (documents separated by `---`;
    /// empty when no action can be expressed).
    #[must_use]
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        for (i, r) in self.runs.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            out.push_str(&r.yaml);
        }
        out
    }

    /// The PipelineRuns, one per document of [`Pac::to_yaml`].
    #[must_use]
    pub fn runs(&self) -> &[PacRun] {
        &self.runs
    }

    /// Diagnostics: `pac-inexpressible` warnings (one per action left out, and the general
    /// caveats that apply) and the lowering's warnings.
    #[must_use]
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Indices of the actions left out.
    #[must_use]
    pub fn inexpressible_actions(&self) -> &[usize] {
        &self.inexpressible
    }
}

/// What one expressible action contributes.
struct Act {
    index: usize,
    /// The matcher's `on-cel-expression` disjunct; `None` for chatops actions (`on-comment`).
    matcher: Option<String>,
    /// Whether the action fires, in the placeholder environment.
    fires: String,
    /// Its chatops words (chatops actions only).
    words: Vec<String>,
    /// Its task closure.
    closure: BTreeSet<String>,
}

fn inexpressible(index: usize, name: Option<&str>, why: &str) -> Diagnostic {
    let label = match name {
        Some(n) => format!("action #{index} ({n:?})"),
        None => format!("action #{index}"),
    };
    Diagnostic::warning(Code::PacInexpressible, format!("{label}: left out: {why}"))
        .with_path(format!("/actions/{index}"))
}

/// Translates a validated pipeline into the PipelineRun of a repository's `.tekton/` folder.
///
/// The PipelineRun embeds the lowering of `dispatch render` for every task that an expressible
/// action can run; Pipelines-as-Code's annotations select it for the events those actions
/// react to, and a `when` gate on each task lets exactly the tasks of the matched actions run.
/// Actions that Pipelines-as-Code cannot run exactly (cron, release and image-push actions, and
/// chatops words that are Pipelines-as-Code's own commands) are left out with a
/// `pac-inexpressible` warning.
///
/// # Errors
///
/// The pipeline's pattern, validation or lowering diagnostics.
pub fn translate(pipeline: &Pipeline, options: &PacOptions) -> Result<Pac, Diagnostics> {
    translate_with_source_map(pipeline, &SourceMap::new(), options)
}

/// [`translate`] with positions: diagnostics (the `pac-inexpressible` warnings included) point
/// into the Dispatchfile that `source_map` describes (the one decoding or checking returned).
///
/// # Errors
///
/// As [`translate`].
pub fn translate_with_source_map(
    pipeline: &Pipeline,
    source_map: &SourceMap,
    options: &PacOptions,
) -> Result<Pac, Diagnostics> {
    let limits = Limits::default();
    // Every glob compiles (and so parses) before it is translated.
    dispatch_trigger::compile_with_source_map(pipeline, source_map, &limits)?;
    let mut diagnostics = Vec::new();
    let mut left_out = Vec::new();
    let mut acts = Vec::new();
    for (i, action) in pipeline.actions.iter().enumerate() {
        match express(pipeline, i, &action.on.kind, &action.tasks, &limits) {
            Ok(act) => acts.push(act),
            Err(why) => {
                let d = inexpressible(i, action.name.as_deref(), &why);
                let span = source_map.get(&d.path);
                diagnostics.push(d.at(span));
                left_out.push(i);
            }
        }
    }
    if acts
        .iter()
        .any(|a| a.matcher.is_none() && !a.words.is_empty())
    {
        diagnostics.push(Diagnostic::warning(
            Code::PacInexpressible,
            "Pipelines-as-Code acts on its own commands (/test, /retest, /ok-to-test, /cancel) on any line of a comment before chatops: a comment whose later lines hold one of them may not run the chatops action",
        ));
    }
    let lower = |acts: &[Act]| {
        let mut union: Vec<&str> = Vec::new();
        for a in acts {
            union.extend(pipeline.actions[a.index].tasks.iter().map(String::as_str));
        }
        let tasks = dispatch_trigger::closure(pipeline, &union);
        if tasks.is_empty() {
            return None;
        }
        let words = words_of(acts);
        let selection = Selection::new(
            acts.iter().map(|a| a.index).collect(),
            tasks,
            placeholders(&words),
        )
        .with_source_map(source_map);
        Some(dispatch_tekton::lower(pipeline, &selection, &options.lower))
    };
    let lowered = match lower(&acts) {
        None => {
            return Ok(Pac {
                runs: Vec::new(),
                diagnostics,
                inexpressible: left_out,
            });
        }
        Some(Ok(lowered)) => lowered,
        Some(Err(errors)) => {
            // Leave out the actions whose own build does not lower (as `dispatch render` of
            // their events would fail), if the others do.
            let mut kept = Vec::new();
            for a in acts {
                match lower(std::slice::from_ref(&a)) {
                    Some(Err(own)) => {
                        let first = own
                            .errors()
                            .next()
                            .map_or_else(String::new, |e| e.message.clone());
                        let action = &pipeline.actions[a.index];
                        let d = inexpressible(
                            a.index,
                            action.name.as_deref(),
                            &format!("its tasks do not lower to Tekton: {first}"),
                        );
                        let span = source_map.get(&d.path);
                        diagnostics.push(d.at(span));
                        left_out.push(a.index);
                    }
                    _ => kept.push(a),
                }
            }
            if kept.is_empty() {
                return Err(errors);
            }
            left_out.sort_unstable();
            acts = kept;
            match lower(&acts) {
                Some(Ok(lowered)) => lowered,
                _ => return Err(errors),
            }
        }
    };
    let words = words_of(&acts);
    diagnostics.extend(lowered.warnings().iter().cloned());
    let (run, annotation_bytes) = assemble(lowered.objects(), &acts, &words, options);
    if annotation_bytes > MAX_ANNOTATION_BYTES {
        diagnostics.push(Diagnostic::warning(
            Code::PacInexpressible,
            format!(
                "the PipelineRun's annotations take {annotation_bytes} bytes, more than the {MAX_ANNOTATION_BYTES} Kubernetes accepts: shorten the actions' pattern lists"
            ),
        ));
    }
    Ok(Pac {
        runs: vec![run],
        diagnostics,
        inexpressible: left_out,
    })
}

/// The condition of action `index` in both CEL environments, or why it has none.
fn express(
    pipeline: &Pipeline,
    index: usize,
    kind: &ConditionKind,
    tasks: &[String],
    limits: &Limits,
) -> Result<Act, String> {
    let untranslatable = |_| "a pattern of its filters could not be translated".to_owned();
    let list = |l: &[String], prefix: Option<&str>| {
        let l: Vec<&str> = l.iter().map(String::as_str).collect();
        ListRe::new(&l, prefix, limits.max_depth).map_err(untranslatable)
    };
    let names: Vec<&str> = tasks.iter().map(String::as_str).collect();
    let closure = dispatch_trigger::closure(pipeline, &names)
        .into_iter()
        .collect();
    let mut act = Act {
        index,
        matcher: None,
        fires: String::new(),
        words: Vec::new(),
        closure,
    };
    match kind {
        ConditionKind::Push(c) => {
            let branches = list(&c.branches, Some("refs/heads/"))?;
            let paths = list(&c.paths, None)?;
            let mut m = vec![
                "event == \"push\"".to_owned(),
                branches.on_prefixed("target_branch", "refs/heads/"),
            ];
            m.extend(paths.some_file("files.all"));
            act.matcher = cel::and(m);
            let mut f = vec![
                "event_type == \"push\"".to_owned(),
                "git_tag == \"\"".to_owned(),
            ];
            f.extend(branches.on("target_branch"));
            f.extend(paths.some_file("files.all"));
            act.fires = cel::and(f).unwrap_or_default();
        }
        ConditionKind::Tag(c) => {
            let names = list(&c.names, Some("refs/tags/"))?;
            act.matcher = cel::and([
                "event == \"push\"".to_owned(),
                names.on_prefixed("target_branch", "refs/tags/"),
            ]);
            let mut f = vec![
                "event_type == \"push\"".to_owned(),
                "git_tag != \"\"".to_owned(),
            ];
            f.extend(names.on("git_tag"));
            act.fires = cel::and(f).unwrap_or_default();
        }
        ConditionKind::PullRequest(c) => {
            let mut targets: Vec<String> = c.targets.clone();
            targets.extend(c.branches.iter().cloned());
            let targets = list(&targets, Some("refs/heads/"))?;
            let sources = list(&c.sources, Some("refs/heads/"))?;
            let paths = list(&c.paths, None)?;
            let labels = list(&c.labels, None)?;
            let mut filters = Vec::new();
            filters.extend(targets.on("target_branch"));
            filters.extend(sources.on("source_branch"));
            filters.extend(paths.some_file("files.all"));
            if c.chatops.is_empty() {
                let mut m = vec![
                    "event == \"pull_request\"".to_owned(),
                    "event_type == \"pull_request\"".to_owned(),
                    PR_ACTION.to_owned(),
                ];
                m.extend(filters.iter().cloned());
                act.matcher = cel::and(m);
                let mut f = vec![
                    "event_type == \"pull_request\"".to_owned(),
                    "trigger_comment == \"\"".to_owned(),
                    PR_ACTION.to_owned(),
                ];
                f.extend(filters);
                f.extend(labels.labels(LABELS));
                act.fires = cel::and(f).unwrap_or_default();
            } else {
                act.words = chatops_words(c)?;
                if act.words.is_empty() {
                    // No word can ever match: the action never fires, in Dispatch as here.
                    "false".clone_into(&mut act.fires);
                } else {
                    let words: Vec<&str> = act.words.iter().map(String::as_str).collect();
                    let re = cel::command_re(&words, false);
                    let mut f = vec![
                        "trigger_comment != \"\"".to_owned(),
                        format!("{COMMENT}.matches({})", cel::string(&re)),
                    ];
                    f.extend(filters);
                    f.extend(labels.labels(LABELS));
                    act.fires = cel::and(f).unwrap_or_default();
                }
            }
        }
        ConditionKind::Cron(_) => {
            return Err("Pipelines-as-Code has no schedules (a Kubernetes CronJob can create the PipelineRun instead)".to_owned());
        }
        ConditionKind::Release(_) => {
            return Err("Pipelines-as-Code receives no release events".to_owned());
        }
        ConditionKind::ImagePush(_) => {
            return Err("Pipelines-as-Code receives no image pushes".to_owned());
        }
        #[allow(unreachable_patterns, reason = "ConditionKind may grow")]
        _ => return Err("a condition kind the translation does not know".to_owned()),
    }
    Ok(act)
}

/// The words of a chatops list that can match a command (Dispatch's own rule), or why the
/// action cannot be expressed.
fn chatops_words(c: &PullRequestCondition) -> Result<Vec<String>, String> {
    let mut words = BTreeSet::new();
    for w in &c.chatops {
        // Dispatch's rule: a word with whitespace (or an empty one) never equals a command;
        // `/test` is the command of the comment `//test`.
        if w.is_empty() || w.contains(char::is_whitespace) {
            continue;
        }
        if let Some((_, why)) = PAC_COMMANDS.iter().find(|(cmd, _)| cmd == w) {
            return Err(format!("its chatops word {w:?}: {why}"));
        }
        words.insert(w.clone());
    }
    Ok(words.into_iter().collect())
}

/// The context variables as Pipelines-as-Code placeholders, for the lowering to write in.
fn placeholders(words: &[&str]) -> ContextVars {
    let cel = |e: &str| format!("{{{{ cel: {e} }}}}");
    let comment_first_line = format!("{COMMENT}.trim().split(\"\\n\")[0]");
    // The command: the first of the words the comment's first line starts with.
    let mut command = "\"\"".to_owned();
    let mut args = "\"\"".to_owned();
    for w in words.iter().rev() {
        let re = cel::command_re(&[w], false);
        let test = format!("{COMMENT}.matches({})", cel::string(&re));
        command = format!("{test} ? {} : {command}", cel::string(w));
        let rest = format!(
            "{comment_first_line}.substring({}).trim()",
            w.chars().count() + 1
        );
        args = format!("{test} ? {rest} : {args}");
    }
    let on_comment = |e: &str| format!("trigger_comment == \"\" ? \"\" : ({e})");
    ContextVars {
        build_name: cel(
            "(git_tag != \"\" ? git_tag : event_type == \"push\" ? target_branch : \"pr-\" + pull_request_number).split(\"\").map(c, c.matches(\"^[A-Za-z0-9_.-]$\") ? c : \"-\").join()",
        ),
        git_url: "{{ repo_url }}".to_owned(),
        git_commit: "{{ revision }}".to_owned(),
        git_branch: cel(
            "git_tag != \"\" ? \"\" : event_type == \"push\" ? target_branch : source_branch",
        ),
        git_tag: "{{ git_tag }}".to_owned(),
        chatop_command: cel(&on_comment(&command)),
        chatop_args: cel(&on_comment(&args)),
    }
}

/// Every chatops word of the actions, sorted, once.
fn words_of(acts: &[Act]) -> Vec<&str> {
    let words: BTreeSet<&str> = acts
        .iter()
        .flat_map(|a| a.words.iter().map(String::as_str))
        .collect();
    words.into_iter().collect()
}

/// The parameter that gates the tasks run by the actions `set`.
fn gate_name(k: usize) -> String {
    format!("dispatch-gate-{k}")
}

/// Puts the PipelineRun together from the lowered objects.
fn assemble(
    objects: &[Object],
    acts: &[Act],
    words: &[&str],
    options: &PacOptions,
) -> (PacRun, usize) {
    let mut task_specs: BTreeMap<String, (String, Y)> = BTreeMap::new();
    let mut pipeline = Y::Null;
    let mut run = Y::Null;
    let mut api_version = String::new();
    for o in objects {
        let y = Y::from_serialize(o).unwrap_or(Y::Null);
        match o {
            Object::Task(t) => {
                let name = t.metadata.name.clone().unwrap_or_default();
                let dispatch_name = t
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(TASK_ANNOTATION).cloned())
                    .unwrap_or_else(|| name.clone());
                task_specs.insert(
                    name,
                    (dispatch_name, y.get("spec").cloned().unwrap_or(Y::Null)),
                );
            }
            Object::Pipeline(_) => pipeline = y,
            Object::PipelineRun(r) => {
                api_version.clone_from(&r.api_version);
                run = y;
            }
            _ => {}
        }
    }
    let pspec = pipeline.get("spec").cloned().unwrap_or(Y::Null);
    let ptasks: Vec<Y> = match pspec.get("tasks") {
        Some(Y::Seq(v)) => v.clone(),
        _ => Vec::new(),
    };
    // The actions whose closure holds each pipeline task.
    let mut sets: Vec<BTreeSet<usize>> = Vec::with_capacity(ptasks.len());
    for t in &ptasks {
        let reference = t
            .get("taskRef")
            .and_then(|r| r.get("name"))
            .and_then(Y::as_str);
        let set = match reference.and_then(|r| task_specs.get(r)) {
            Some((dispatch_name, _)) => acts
                .iter()
                .filter(|a| a.closure.contains(dispatch_name))
                .map(|a| a.index)
                .collect(),
            None => BTreeSet::new(),
        };
        sets.push(set);
    }
    // Fetch tasks: the actions of the tasks that run after them or share their workspace.
    for (i, t) in ptasks.iter().enumerate() {
        let is_dispatch = t
            .get("taskRef")
            .and_then(|r| r.get("name"))
            .and_then(Y::as_str)
            .is_some_and(|r| task_specs.contains_key(r));
        if is_dispatch {
            continue;
        }
        let name = t.get("name").and_then(Y::as_str).unwrap_or_default();
        let ws = workspaces_of(t);
        let mut set = BTreeSet::new();
        for (j, u) in ptasks.iter().enumerate() {
            if j == i {
                continue;
            }
            let after = matches!(u.get("runAfter"), Some(Y::Seq(v)) if v.iter().any(|x| x.as_str() == Some(name)));
            let shares = workspaces_of(u).iter().any(|w| ws.contains(w));
            if after || shares {
                set.extend(sets[j].iter().copied());
            }
        }
        if set.is_empty() {
            set = acts.iter().map(|a| a.index).collect();
        }
        sets[i] = set;
    }
    let mut gates: Vec<BTreeSet<usize>> = Vec::new();
    for s in &sets {
        if !gates.contains(s) {
            gates.push(s.clone());
        }
    }
    let fires: BTreeMap<usize, &str> = acts.iter().map(|a| (a.index, a.fires.as_str())).collect();

    // The embedded pipeline tasks.
    let mut tasks_out = Vec::new();
    for (t, set) in ptasks.iter().zip(&sets) {
        let gate = gates.iter().position(|g| g == set).unwrap_or(0);
        let Y::Map(fields) = t else { continue };
        let mut out = Vec::new();
        for (k, v) in fields {
            if k == "taskRef"
                && let Some((dispatch_name, spec)) = v
                    .get("name")
                    .and_then(Y::as_str)
                    .and_then(|r| task_specs.get(r))
            {
                let mut embedded = vec![(
                    "metadata".to_owned(),
                    Y::Map(vec![
                        (
                            "labels".to_owned(),
                            Y::Map(vec![(
                                "app.kubernetes.io/managed-by".to_owned(),
                                Y::s("dispatch"),
                            )]),
                        ),
                        (
                            "annotations".to_owned(),
                            Y::Map(vec![(TASK_ANNOTATION.to_owned(), Y::s(dispatch_name))]),
                        ),
                    ]),
                )];
                if let Y::Map(spec_fields) = spec {
                    embedded.extend(spec_fields.iter().cloned());
                }
                out.push(("taskSpec".to_owned(), Y::Map(embedded)));
                continue;
            }
            out.push((k.clone(), v.clone()));
        }
        out.push((
            "when".to_owned(),
            Y::Seq(vec![Y::Map(vec![
                (
                    "input".to_owned(),
                    Y::s(format!("$(params.{})", gate_name(gate))),
                ),
                ("operator".to_owned(), Y::s("in")),
                ("values".to_owned(), Y::Seq(vec![Y::s("true")])),
            ])]),
        ));
        tasks_out.push(Y::Map(out));
    }

    // The pipeline spec: its params, the gates, workspaces, tasks.
    let mut pparams = match pspec.get("params") {
        Some(Y::Seq(v)) => v.clone(),
        _ => Vec::new(),
    };
    for k in 0..gates.len() {
        pparams.push(Y::Map(vec![
            ("name".to_owned(), Y::s(gate_name(k))),
            ("type".to_owned(), Y::s("string")),
        ]));
    }
    let mut pipeline_spec = vec![("params".to_owned(), Y::Seq(pparams))];
    if let Some(w) = pspec.get("workspaces") {
        pipeline_spec.push(("workspaces".to_owned(), w.clone()));
    }
    pipeline_spec.push(("tasks".to_owned(), Y::Seq(tasks_out)));

    // The run's params: the lowering's, then one `{{ cel: … }}` per gate.
    let rspec = run.get("spec").cloned().unwrap_or(Y::Null);
    let mut rparams = match rspec.get("params") {
        Some(Y::Seq(v)) => v.clone(),
        _ => Vec::new(),
    };
    for (k, g) in gates.iter().enumerate() {
        let expr = cel::or(
            g.iter()
                .filter_map(|a| fires.get(a))
                .map(|f| (*f).to_owned()),
        );
        rparams.push(Y::Map(vec![
            ("name".to_owned(), Y::s(gate_name(k))),
            (
                "value".to_owned(),
                Y::Single(format!("{{{{ cel: {expr} }}}}")),
            ),
        ]));
    }
    let mut spec = vec![
        ("params".to_owned(), Y::Seq(rparams)),
        ("pipelineSpec".to_owned(), Y::Map(pipeline_spec)),
    ];
    if let Y::Map(fields) = &rspec {
        for (k, v) in fields {
            if k != "pipelineRef" && k != "params" {
                spec.push((k.clone(), v.clone()));
            }
        }
    }

    // Metadata: the name, our label, and the annotations Pipelines-as-Code matches on.
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "dispatch.d2iq.io/actions".to_owned(),
        acts.iter()
            .map(|a| a.index.to_string())
            .collect::<Vec<_>>()
            .join(","),
    );
    let matchers: Vec<String> = acts.iter().filter_map(|a| a.matcher.clone()).collect();
    if !matchers.is_empty() {
        annotations.insert(ON_CEL_EXPRESSION.to_owned(), cel::or(matchers));
    }
    if !words.is_empty() {
        annotations.insert(ON_COMMENT.to_owned(), cel::command_re(words, false));
    }
    let annotation_bytes = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    let metadata = Y::Map(vec![
        ("name".to_owned(), Y::s(options.name.clone())),
        (
            "labels".to_owned(),
            Y::Map(vec![(
                "app.kubernetes.io/managed-by".to_owned(),
                Y::s("dispatch"),
            )]),
        ),
        (
            "annotations".to_owned(),
            Y::Map(
                annotations
                    .into_iter()
                    .map(|(k, v)| (k, Y::Str(v)))
                    .collect(),
            ),
        ),
    ]);
    let doc = Y::Map(vec![
        ("apiVersion".to_owned(), Y::s(api_version)),
        ("kind".to_owned(), Y::s("PipelineRun")),
        ("metadata".to_owned(), metadata),
        ("spec".to_owned(), Y::Map(spec)),
    ]);
    let mut yaml = String::new();
    yaml::write_document(&mut yaml, &doc);
    (
        PacRun {
            name: options.name.clone(),
            yaml,
        },
        annotation_bytes,
    )
}

/// The pipeline workspaces a pipeline task binds.
fn workspaces_of(t: &Y) -> Vec<String> {
    match t.get("workspaces") {
        Some(Y::Seq(v)) => v
            .iter()
            .filter_map(|b| b.get("workspace").and_then(Y::as_str).map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}
