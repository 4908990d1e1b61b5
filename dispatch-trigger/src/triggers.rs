//! Compiling a pipeline's conditions and matching events against them.

use std::fmt::Write as _;

use dispatch_glob::{GlobBuilder, GlobLists, GlobSet, GlobSetBuilder, ListMatches};
use dispatchfile_model::{
    Code, ConditionKind, Diagnostic, Diagnostics, DiagnosticsBuilder, Layout, Limits, Pipeline,
    Resource, Severity, SourceMap, Task,
};
use serde::Serialize;

use crate::chatops;
use crate::closure::{ActionClosures, closure};
use crate::context::ContextVars;
use crate::error::Error;
use crate::event::{Event, short_branch, short_tag};

/// A pipeline's trigger conditions, compiled once: every glob list is one [`GlobSet`].
///
/// Immutable and `Send + Sync`; [`Triggers::match_event`] takes `&self`.
#[derive(Clone, Debug)]
pub struct Triggers {
    actions: Vec<CompiledAction>,
    /// The task graph only (no steps), for the closure.
    graph: Pipeline,
    warnings: Diagnostics,
    /// For [`Triggers::fire`]: the branch lists of every action (list `i` is action `i`'s;
    /// actions of other kinds have an empty list) compiled together, so that a branch is read
    /// once for all actions.
    branches: GlobLists,
    /// The paths lists of every action, the same way: each changed path is read once.
    paths: GlobLists,
    /// Each action's task closure, computed once (none for a very large pipeline): an event's
    /// tasks are the union of its fired actions' closures.
    closures: Option<ActionClosures>,
}

#[derive(Clone, Debug)]
struct CompiledAction {
    tasks: Vec<String>,
    cond: Cond,
}

// One `Cond` per action, built once per Dispatchfile: size does not matter, boxing would only add
// indirection to matching.
#[allow(
    clippy::large_enum_variant,
    reason = "one per action, never moved in a hot path"
)]
#[derive(Clone, Debug)]
enum Cond {
    Push {
        branches: GlobSet,
        paths: GlobSet,
    },
    Tag {
        names: GlobSet,
    },
    PullRequest {
        targets: GlobSet,
        sources: GlobSet,
        paths: GlobSet,
        labels: GlobSet,
        chatops: Vec<String>,
    },
    Release {
        tags: GlobSet,
    },
    Cron {
        name: Option<String>,
        revision: String,
    },
    ImagePush {
        tags: GlobSet,
    },
}

impl Cond {
    fn kind(&self) -> &'static str {
        match self {
            Cond::Push { .. } => "push",
            Cond::Tag { .. } => "tag",
            Cond::PullRequest { .. } => "pull_request",
            Cond::Release { .. } => "release",
            Cond::Cron { .. } => "cron",
            Cond::ImagePush { .. } => "image_push",
        }
    }
}

/// Compiles every glob list of `pipeline`, without source positions.
///
/// # Errors
///
/// Every malformed pattern (`invalid-pattern`) and exceeded limit (`limit-exceeded`), as
/// diagnostics sorted by position then code; warnings (a pattern that can never match) come with
/// them. On success the warnings are in [`Triggers::warnings`].
pub fn compile(pipeline: &Pipeline, limits: &Limits) -> Result<Triggers, Diagnostics> {
    compile_with_source_map(pipeline, &SourceMap::new(), limits)
}

/// [`compile`] with positions: each diagnostic gets the span of its pattern from `source_map` (the
/// one [`dispatchfile_model::decode`] returned) and its element path, such as
/// `/actions/0/on/push/branches/1` or `/actions/2/on/git/tag/names/0`.
///
/// ```
/// use dispatch_trigger::compile;
/// use dispatchfile_model::{decode, DecodeOptions, Document, FileId, Limits, Node, Span};
/// let json = serde_json::json!({
///     "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
///     "actions": [{"tasks": ["t"], "on": {"push": {"branches": ["release/["]}}}],
/// });
/// let doc = Document { root: Node::from_json(&json, Span::new(FileId(0), 0, 0)) };
/// let decoded = decode(&doc, &DecodeOptions::default(), &Limits::default());
/// let pipeline = decoded.pipeline.expect("valid");
/// let errors = dispatch_trigger::compile_with_source_map(&pipeline, &decoded.source_map, &Limits::default())
///     .expect_err("a malformed glob");
/// assert_eq!(errors[0].message, r#"action #0: branches[0]: invalid pattern "release/[": unclosed "[" at column 9"#);
/// assert_eq!(errors[0].path, "/actions/0/on/push/branches/0");
/// ```
pub fn compile_with_source_map(
    pipeline: &Pipeline,
    source_map: &SourceMap,
    limits: &Limits,
) -> Result<Triggers, Diagnostics> {
    // At most the caps of `limits`; past them, diagnostics are counted, not built.
    let mut diags = DiagnosticsBuilder::new(limits);
    let mut actions = Vec::with_capacity(pipeline.actions.len());
    for (i, action) in pipeline.actions.iter().enumerate() {
        let base = match (&action.on.kind, action.on.layout) {
            (ConditionKind::ImagePush(_), _) => format!("/actions/{i}/on/image/push"),
            (ConditionKind::Cron(_), _) | (_, Layout::Legacy) => {
                format!("/actions/{i}/on/{}", action.on.kind.name())
            }
            (_, Layout::Grouped) => format!("/actions/{i}/on/git/{}", action.on.kind.name()),
        };
        let mut lists = Lists {
            action: i,
            base: &base,
            source_map,
            limits,
            diags: &mut diags,
        };
        let cond = match &action.on.kind {
            ConditionKind::Push(c) => Cond::Push {
                branches: lists.set(
                    "branches",
                    &[(&c.branches, "branches")],
                    Some("refs/heads/"),
                ),
                paths: lists.set("paths", &[(&c.paths, "paths")], None),
            },
            ConditionKind::Tag(c) => Cond::Tag {
                names: lists.set("names", &[(&c.names, "names")], Some("refs/tags/")),
            },
            ConditionKind::PullRequest(c) => {
                lists.chatops(&c.chatops);
                Cond::PullRequest {
                    targets: lists.set(
                        "targets",
                        &[(&c.targets, "targets"), (&c.branches, "branches")],
                        Some("refs/heads/"),
                    ),
                    sources: lists.set("sources", &[(&c.sources, "sources")], Some("refs/heads/")),
                    paths: lists.set("paths", &[(&c.paths, "paths")], None),
                    labels: lists.set("labels", &[(&c.labels, "labels")], None),
                    chatops: c.chatops.clone(),
                }
            }
            ConditionKind::Release(c) => Cond::Release {
                tags: lists.set("tags", &[(&c.tags, "tags")], Some("refs/tags/")),
            },
            ConditionKind::ImagePush(c) => Cond::ImagePush {
                tags: lists.set("tags", &[(&c.tags, "tags")], None),
            },
            ConditionKind::Cron(c) => Cond::Cron {
                name: action.name.clone(),
                revision: c.effective_revision().to_owned(),
            },
            // The model may grow kinds; one we do not know never fires.
            #[allow(unreachable_patterns, reason = "ConditionKind is non_exhaustive")]
            _ => Cond::Cron {
                name: None,
                revision: String::new(),
            },
        };
        actions.push(CompiledAction {
            tasks: action.tasks.clone(),
            cond,
        });
    }
    let diags = diags
        .build()
        .with_sources_opt(source_map.sources().cloned());
    if diags.has_errors() {
        return Err(diags);
    }
    let field = |pick: fn(&Cond) -> Option<&GlobSet>| {
        let sets: Vec<GlobSet> = actions
            .iter()
            .map(|a| pick(&a.cond).cloned().unwrap_or_default())
            .collect();
        GlobLists::new(&sets)
    };
    let branches = field(|c| match c {
        Cond::Push { branches, .. } => Some(branches),
        _ => None,
    });
    let paths = field(|c| match c {
        Cond::Push { paths, .. } | Cond::PullRequest { paths, .. } => Some(paths),
        _ => None,
    });
    let closures = ActionClosures::new(pipeline, actions.iter().map(|a| a.tasks.as_slice()));
    Ok(Triggers {
        actions,
        closures,
        graph: task_graph(pipeline),
        warnings: diags,
        branches,
        paths,
    })
}

/// The pipeline without steps, volumes or parameters: what [`closure`] needs.
fn task_graph(p: &Pipeline) -> Pipeline {
    let mut g = Pipeline::default();
    for (name, t) in &p.tasks {
        let task = Task {
            inputs: t.inputs.clone(),
            outputs: t.outputs.clone(),
            deps: t.deps.clone(),
            ..Task::default()
        };
        g.tasks.insert(name.clone(), task);
    }
    for name in p.resources.keys() {
        g.resources.insert(name.clone(), Resource::default());
    }
    g
}

struct Lists<'a> {
    action: usize,
    base: &'a str,
    source_map: &'a SourceMap,
    limits: &'a Limits,
    diags: &'a mut DiagnosticsBuilder,
}

impl Lists<'_> {
    fn push(&mut self, d: Diagnostic, path: String) {
        if !self.diags.keeps(d.severity, d.code) {
            self.diags.omit(d.severity);
            return;
        }
        let span = self
            .source_map
            .get(&path)
            .or_else(|| self.source_map.nearest(&path));
        self.diags.push(d.at(span).with_path(path));
    }

    /// Compiles the concatenation of `parts` (field name for messages and paths) into one set.
    fn set(
        &mut self,
        filter: &str,
        parts: &[(&Vec<String>, &str)],
        ref_prefix: Option<&str>,
    ) -> GlobSet {
        let action = self.action;
        let total: usize = parts.iter().map(|(l, _)| l.len()).sum();
        if total > self.limits.max_patterns_per_list {
            let (_, field) = parts
                .iter()
                .find(|(l, _)| !l.is_empty())
                .copied()
                .unwrap_or((parts[0].0, filter));
            let msg = format!(
                "action #{action}: {filter}: limit exceeded: max_patterns_per_list ({})",
                self.limits.max_patterns_per_list
            );
            self.push(
                Diagnostic::error(Code::LimitExceeded, msg),
                format!("{}/{field}", self.base),
            );
            return GlobSet::empty();
        }
        let mut builder = GlobSetBuilder::new();
        builder.max_patterns_per_list(self.limits.max_patterns_per_list);
        let mut ok = true;
        for (list, field) in parts {
            for (j, pattern) in list.iter().enumerate() {
                let path = format!("{}/{field}/{j}", self.base);
                let mut gb = GlobBuilder::new(pattern);
                gb.max_pattern_len(self.limits.max_pattern_len)
                    .max_depth(self.limits.max_depth);
                if let Some(p) = ref_prefix {
                    gb.ref_prefix(p);
                }
                match gb.build() {
                    Ok(glob) => {
                        if let Some(w) = glob.warning()
                            && self.wants(Severity::Warning, Code::InvalidPattern)
                        {
                            let msg = format!(
                                "action #{action}: {field}[{j}]: pattern {pattern:?} never matches: {w}"
                            );
                            self.push(Diagnostic::warning(Code::InvalidPattern, msg), path);
                        }
                        builder.add(glob);
                    }
                    Err(e) => {
                        ok = false;
                        let e = Error::from(e);
                        let msg = format!("action #{action}: {field}[{j}]: {e}");
                        self.push(Diagnostic::error(e.code(), msg), path);
                    }
                }
            }
        }
        if !ok {
            return GlobSet::empty();
        }
        match builder.build() {
            Ok(set) => set,
            Err(e) => {
                let e = Error::from(e);
                let msg = format!("action #{action}: {filter}: {e}");
                self.push(
                    Diagnostic::error(e.code(), msg),
                    format!("{}/{}", self.base, parts[0].1),
                );
                GlobSet::empty()
            }
        }
    }

    /// Whether a diagnostic of `severity` and `code` is kept; if not, it is counted, and the
    /// caller builds nothing.
    fn wants(&mut self, severity: Severity, code: Code) -> bool {
        let keep = self.diags.keeps(severity, code);
        if !keep {
            self.diags.omit(severity);
        }
        keep
    }

    fn chatops(&mut self, words: &[String]) {
        let action = self.action;
        for (j, w) in words.iter().enumerate() {
            // R17: the "/" belongs to the comment, not to the command word.
            if let Some(word) = w.strip_prefix('/') {
                let msg =
                    format!("action #{action}: chatops[{j}] {w:?} never matches: write {word:?}");
                self.push(
                    Diagnostic::warning(Code::ChatopsSlash, msg),
                    format!("{}/chatops/{j}", self.base),
                );
                continue;
            }
            let why = if w.is_empty() {
                "an empty command never matches"
            } else if w.contains(char::is_whitespace) {
                "a command is one word"
            } else {
                continue;
            };
            let msg = format!("action #{action}: chatops[{j}]: {w:?} never matches: {why}");
            self.push(
                Diagnostic::warning(Code::InvalidPattern, msg),
                format!("{}/chatops/{j}", self.base),
            );
        }
    }
}

/// The result of matching one event (what `dispatch match` prints).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchResult {
    /// Indices of the actions whose condition fired, ascending.
    pub actions: Vec<usize>,
    /// The tasks to run: the union closure of the fired actions' tasks, in topological order.
    pub tasks: Vec<String>,
    /// The context variables of the build.
    pub context: ContextVars,
    /// One entry per action, saying why it did or did not fire.
    pub explain: Vec<Explain>,
}

/// Why one action did or did not fire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explain {
    /// The action index.
    pub action: usize,
    /// `push`, `tag`, `pull_request`, `release`, `cron` or `image_push` (layout-independent).
    pub kind: &'static str,
    /// Whether the condition fired.
    pub matched: bool,
    /// The filters evaluated: `event` alone when the condition is for another event kind, else
    /// every non-empty filter of the condition, in a fixed order per kind.
    pub checks: Vec<Check>,
}

/// One filter of a condition and its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// `event`, `name`, `branches`, `names`, `tags`, `targets`, `sources`, `paths`, `labels` or `chatops`.
    pub filter: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// Free text for people, such as `branch "dev" not matched by [main]`.
    pub detail: String,
}

impl Triggers {
    /// Warnings found while compiling (patterns that can never match).
    #[must_use]
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The number of actions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether the pipeline has no actions.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Which actions fire for `event` and which tasks run, as [`Triggers::match_event`] says,
    /// without building the explanation (`explain` is empty): the event path. The branch of a
    /// push is read once for all actions, and each changed path once for all actions with a
    /// paths filter (stopping when every such action is decided), with no allocation per path.
    #[must_use]
    pub fn fire(&self, event: &Event) -> MatchResult {
        let mut fired = Vec::new();
        let pr = match event {
            Event::PullRequest(e) => {
                Some((&e.base, &e.head, &e.labels, e.changed.as_deref(), None))
            }
            Event::PullRequestComment(e) => Some((
                &e.base,
                &e.head,
                &e.labels,
                e.changed.as_deref(),
                Some(e.comment.as_str()),
            )),
            _ => None,
        };
        match (event, pr) {
            (Event::Push(e), _) => {
                let mut m = ListMatches::new(&self.branches);
                self.branches.matches_into(short_branch(&e.branch), &mut m);
                let mut pending = Vec::new();
                for (i, a) in self.actions.iter().enumerate() {
                    if let Cond::Push { paths, .. } = &a.cond
                        && m.is_match(i)
                    {
                        if paths.is_empty() {
                            fired.push(i);
                        } else {
                            pending.push(i);
                        }
                    }
                }
                fired.extend(self.changed_pass(&pending, e.changed.as_deref()));
                fired.sort_unstable();
            }
            (_, Some((base, head, labels, changed, comment))) => {
                let command = comment.and_then(|c| chatops::parse(c).map(|(cmd, _)| cmd));
                let mut pending = Vec::new();
                for (i, a) in self.actions.iter().enumerate() {
                    let Cond::PullRequest {
                        targets,
                        sources,
                        paths,
                        labels: label_set,
                        chatops,
                    } = &a.cond
                    else {
                        continue;
                    };
                    let ok = chatops.is_empty() == comment.is_none()
                        && passes(targets, short_branch(base))
                        && passes(sources, short_branch(head))
                        && (label_set.is_empty() || labels_pass(labels, label_set))
                        && (chatops.is_empty()
                            || command.is_some_and(|cmd| chatops.iter().any(|w| w == cmd)));
                    if ok {
                        if paths.is_empty() {
                            fired.push(i);
                        } else {
                            pending.push(i);
                        }
                    }
                }
                fired.extend(self.changed_pass(&pending, changed));
                fired.sort_unstable();
            }
            _ => {
                for (i, a) in self.actions.iter().enumerate() {
                    let ok = match (&a.cond, event) {
                        (Cond::Tag { names }, Event::Tag(e)) => passes(names, short_tag(&e.tag)),
                        (Cond::Release { tags }, Event::Release(e)) => {
                            passes(tags, short_tag(&e.tag))
                        }
                        (Cond::ImagePush { tags }, Event::ImagePush(e)) => passes(tags, &e.tag),
                        (Cond::Cron { name: Some(n), .. }, Event::Cron(e)) => *n == e.action,
                        _ => false,
                    };
                    if ok {
                        fired.push(i);
                    }
                }
            }
        }
        self.finish(event, fired, Vec::new())
    }

    /// The actions of `pending` (ascending, each with a non-empty paths list) whose paths filter
    /// passes: unknown changes pass, none fail, else some changed path must pass the action's
    /// list. Every path is read once for all of them, until each is decided.
    fn changed_pass(&self, pending: &[usize], changed: Option<&[String]>) -> Vec<usize> {
        match changed {
            _ if pending.is_empty() => Vec::new(),
            None => pending.to_vec(),
            Some([]) => Vec::new(),
            Some(files) => {
                let mut open = vec![0u64; self.actions.len().div_ceil(64)];
                for &i in pending {
                    open[i / 64] |= 1 << (i % 64);
                }
                let mut m = ListMatches::new(&self.paths);
                let mut passed = vec![0u64; open.len()];
                for f in files {
                    self.paths.matches_into(f, &mut m);
                    let mut left = 0;
                    for ((o, p), &w) in open.iter_mut().zip(&mut passed).zip(m.words()) {
                        *p |= *o & w;
                        *o &= !w;
                        left |= *o;
                    }
                    if left == 0 {
                        break;
                    }
                }
                pending
                    .iter()
                    .copied()
                    .filter(|&i| passed[i / 64] & (1 << (i % 64)) != 0)
                    .collect()
            }
        }
    }

    /// The result for the actions `fired` (ascending): their tasks' closure and the context.
    fn finish(&self, event: &Event, fired: Vec<usize>, explain: Vec<Explain>) -> MatchResult {
        let mut cron_revision = None;
        for &i in &fired {
            if let (Cond::Cron { revision, .. }, None) = (&self.actions[i].cond, cron_revision) {
                cron_revision = Some(revision.as_str());
            }
        }
        if let (Event::Cron(e), None) = (event, cron_revision) {
            cron_revision = self.actions.iter().find_map(|a| match &a.cond {
                Cond::Cron {
                    name: Some(n),
                    revision,
                } if *n == e.action => Some(revision.as_str()),
                _ => None,
            });
        }
        let tasks = if let Some(cache) = &self.closures {
            cache.tasks(&fired)
        } else {
            let names: Vec<&str> = fired
                .iter()
                .flat_map(|&i| self.actions[i].tasks.iter().map(String::as_str))
                .collect();
            closure(&self.graph, &names)
        };
        MatchResult {
            tasks,
            context: ContextVars::for_event(event, cron_revision),
            actions: fired,
            explain,
        }
    }

    /// Matches an event against every action, explaining each. No match gives empty sets, not
    /// an error. [`Triggers::fire`] gives the same actions and tasks without the explanation.
    #[must_use]
    pub fn match_event(&self, event: &Event) -> MatchResult {
        let mut fired = Vec::new();
        let mut explain = Vec::with_capacity(self.actions.len());
        for (i, action) in self.actions.iter().enumerate() {
            let (matched, checks) = evaluate(&action.cond, event);
            if matched {
                fired.push(i);
            }
            explain.push(Explain {
                action: i,
                kind: action.cond.kind(),
                matched,
                checks,
            });
        }
        self.finish(event, fired, explain)
    }
}

/// A single-value list filter: an empty list passes.
fn passes(set: &GlobSet, value: &str) -> bool {
    set.is_empty() || set.is_match(value)
}

/// The labels filter of [`label_check`], without its detail.
fn labels_pass(labels: &[String], set: &GlobSet) -> bool {
    !labels.iter().any(|l| set.matches_negative(l))
        && (!set.has_positive() || labels.iter().any(|l| set.matches_positive(l)))
}

/// Longest event value (a branch, a path, a label, a command) shown in a check's detail, in
/// characters. An event's values are repeated in the checks of every action, so a megabyte-long
/// branch name against thousands of actions made an explanation of gigabytes; cut, each detail
/// is bounded by the action's own patterns.
const SHOWN_CHARS: usize = 120;

/// Most labels listed in one detail.
const SHOWN_LABELS: usize = 16;

/// An event value as `Debug` shows it, cut after [`SHOWN_CHARS`] characters with `…` and the
/// full length: `"aaaa…" (1048576 bytes)`.
struct Shown<'a>(&'a str);

impl std::fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        match s.char_indices().nth(SHOWN_CHARS) {
            None => write!(f, "{s:?}"),
            Some((cut, _)) => write!(f, "{:?}… ({} bytes)", &s[..cut], s.len()),
        }
    }
}

fn check(filter: &'static str, ok: bool, detail: String) -> Check {
    Check { filter, ok, detail }
}

/// Evaluates one condition: the `event` check alone when the kinds differ, else every non-empty
/// filter, no short-circuit.
fn evaluate(cond: &Cond, event: &Event) -> (bool, Vec<Check>) {
    let mut checks = Vec::new();
    match (cond, event) {
        (Cond::Push { branches, paths }, Event::Push(e)) => {
            list(
                &mut checks,
                "branches",
                "branch",
                short_branch(&e.branch),
                branches,
            );
            changed(&mut checks, e.changed.as_deref(), paths);
        }
        (Cond::Tag { names }, Event::Tag(e)) => {
            list(&mut checks, "names", "tag", short_tag(&e.tag), names);
        }
        (Cond::Release { tags }, Event::Release(e)) => {
            list(&mut checks, "tags", "tag", short_tag(&e.tag), tags);
        }
        (Cond::ImagePush { tags }, Event::ImagePush(e)) => {
            list(&mut checks, "tags", "tag", &e.tag, tags);
        }
        (Cond::Cron { name, .. }, Event::Cron(e)) => {
            let (ok, detail) = match name {
                Some(n) if *n == e.action => (true, format!("cron action {n:?} is due")),
                Some(n) => (
                    false,
                    format!("event is for cron action {:?}, not {n:?}", Shown(&e.action)),
                ),
                None => (false, "the cron action has no name".to_owned()),
            };
            checks.push(check("name", ok, detail));
        }
        (
            Cond::PullRequest {
                targets,
                sources,
                paths,
                labels,
                chatops,
            },
            Event::PullRequest(e),
        ) if chatops.is_empty() => {
            pull_request(
                &mut checks,
                [targets, sources, paths, labels],
                (&e.base, &e.head, &e.labels, e.changed.as_deref()),
            );
        }
        (
            Cond::PullRequest {
                targets,
                sources,
                paths,
                labels,
                chatops,
            },
            Event::PullRequestComment(e),
        ) if !chatops.is_empty() => {
            pull_request(
                &mut checks,
                [targets, sources, paths, labels],
                (&e.base, &e.head, &e.labels, e.changed.as_deref()),
            );
            let words = format!("[{}]", chatops.join(", "));
            let (ok, detail) = match chatops::parse(&e.comment) {
                None => (
                    false,
                    format!("comment has no command; expected one of {words}"),
                ),
                Some((cmd, _)) if chatops.iter().any(|w| w == cmd) => {
                    (true, format!("command {:?} is one of {words}", Shown(cmd)))
                }
                Some((cmd, _)) => (
                    false,
                    format!("command {:?} is not one of {words}", Shown(cmd)),
                ),
            };
            checks.push(check("chatops", ok, detail));
        }
        (Cond::PullRequest { chatops, .. }, Event::PullRequest(_)) => {
            let _ = chatops;
            let detail =
                "pull_request conditions with chatops apply only to pull_request_comment events"
                    .to_owned();
            return (false, vec![check("event", false, detail)]);
        }
        (Cond::PullRequest { .. }, Event::PullRequestComment(_)) => {
            let detail = "pull_request conditions without chatops do not apply to pull_request_comment events".to_owned();
            return (false, vec![check("event", false, detail)]);
        }
        _ => {
            let detail = format!(
                "{} conditions do not apply to {} events",
                cond.kind(),
                event.kind()
            );
            return (false, vec![check("event", false, detail)]);
        }
    }
    (checks.iter().all(|c| c.ok), checks)
}

fn pull_request(
    checks: &mut Vec<Check>,
    [targets, sources, paths, labels]: [&GlobSet; 4],
    (base, head, pr_labels, changed_files): (&str, &str, &[String], Option<&[String]>),
) {
    list(
        checks,
        "targets",
        "target branch",
        short_branch(base),
        targets,
    );
    list(
        checks,
        "sources",
        "source branch",
        short_branch(head),
        sources,
    );
    changed(checks, changed_files, paths);
    if !labels.is_empty() {
        checks.push(label_check(pr_labels, labels));
    }
}

/// A single-value list filter; skipped when the list is empty.
fn list(checks: &mut Vec<Check>, filter: &'static str, what: &str, value: &str, set: &GlobSet) {
    if set.is_empty() {
        return;
    }
    let detail = if set.is_match(value) {
        format!("{what} {:?} matched by {set}", Shown(value))
    } else if set.matches_negative(value) {
        format!(
            "{what} {:?} excluded by {} in {set}",
            Shown(value),
            excluding(set, value)
        )
    } else {
        format!("{what} {:?} not matched by {set}", Shown(value))
    };
    checks.push(check(filter, set.is_match(value), detail));
}

/// The first negative pattern matching `value`, as written.
fn excluding<'s>(set: &'s GlobSet, value: &str) -> &'s str {
    set.matches(value)
        .into_iter()
        .map(|i| &set.globs()[i])
        .find(|g| g.is_negated())
        .map_or("", |g| g.glob())
}

/// The paths filter: some changed file matches; unknown passes, none fails.
fn changed(checks: &mut Vec<Check>, files: Option<&[String]>, set: &GlobSet) {
    if set.is_empty() {
        return;
    }
    let (ok, detail) = match files {
        None => (
            true,
            "changed files unknown: paths filter passes".to_owned(),
        ),
        Some([]) => (false, "no changed files: paths filter fails".to_owned()),
        Some(files) => match files.iter().find(|f| set.is_match(f)) {
            Some(f) => (
                true,
                format!("changed file {:?} matched by {set}", Shown(f)),
            ),
            None if files.len() == 1 => {
                let f = &files[0];
                if set.matches_negative(f) {
                    (
                        false,
                        format!(
                            "changed file {:?} excluded by {} in {set}",
                            Shown(f),
                            excluding(set, f)
                        ),
                    )
                } else {
                    (
                        false,
                        format!("changed file {:?} not matched by {set}", Shown(f)),
                    )
                }
            }
            None => (
                false,
                format!("none of {} changed files matched by {set}", files.len()),
            ),
        },
    };
    checks.push(check("paths", ok, detail));
}

/// The labels filter: some label matches a positive pattern (when there is one), and no label
/// matches a negative one.
fn label_check(labels: &[String], set: &GlobSet) -> Check {
    if let Some(l) = labels.iter().find(|l| set.matches_negative(l)) {
        return check(
            "labels",
            false,
            format!(
                "label {:?} excluded by {} in {set}",
                Shown(l),
                excluding(set, l)
            ),
        );
    }
    if !set.has_positive() {
        let detail = if labels.is_empty() {
            format!("no labels, none excluded by {set}")
        } else {
            format!("no label excluded by {set}")
        };
        return check("labels", true, detail);
    }
    match labels.iter().find(|l| set.matches_positive(l)) {
        Some(l) => check(
            "labels",
            true,
            format!("label {:?} matched by {set}", Shown(l)),
        ),
        None if labels.is_empty() => check("labels", false, format!("no labels; {set} needs one")),
        None => {
            let mut all = String::new();
            for (i, l) in labels.iter().take(SHOWN_LABELS).enumerate() {
                let _ = write!(all, "{}{:?}", if i > 0 { ", " } else { "" }, Shown(l));
            }
            if labels.len() > SHOWN_LABELS {
                let _ = write!(all, ", … and {} more", labels.len() - SHOWN_LABELS);
            }
            check(
                "labels",
                false,
                format!("labels [{all}] not matched by {set}"),
            )
        }
    }
}

#[derive(Serialize)]
struct JsonOut<'a> {
    actions: &'a [usize],
    context: std::collections::BTreeMap<&'static str, &'a str>,
    explain: Vec<JsonExplain<'a>>,
    tasks: &'a [String],
}

#[derive(Serialize)]
struct JsonExplain<'a> {
    action: usize,
    checks: Vec<JsonCheck<'a>>,
    kind: &'a str,
    matched: bool,
}

#[derive(Serialize)]
struct JsonCheck<'a> {
    detail: &'a str,
    filter: &'a str,
    ok: bool,
}

impl MatchResult {
    /// The `dispatch match` JSON text: keys sorted, two-space indentation, trailing newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        let out = JsonOut {
            actions: &self.actions,
            context: self.context.entries().into_iter().collect(),
            explain: self
                .explain
                .iter()
                .map(|e| JsonExplain {
                    action: e.action,
                    checks: e
                        .checks
                        .iter()
                        .map(|c| JsonCheck {
                            detail: &c.detail,
                            filter: c.filter,
                            ok: c.ok,
                        })
                        .collect(),
                    kind: e.kind,
                    matched: e.matched,
                })
                .collect(),
            tasks: &self.tasks,
        };
        // Serializing strings, numbers and booleans into a String cannot fail.
        let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
        s.push('\n');
        s
    }

    /// An empty result for an event that fired nothing, with the context of `event`.
    #[must_use]
    pub fn empty(context: ContextVars) -> MatchResult {
        MatchResult {
            actions: Vec::new(),
            tasks: Vec::new(),
            context,
            explain: Vec::new(),
        }
    }
}
