//! The validation rules of a decoded pipeline.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::code::Code;
use crate::decode::{SourceMap, seg};
use crate::diagnostic::{Diagnostic, Diagnostics, DiagnosticsBuilder, Severity};
use crate::graph::TaskGraph;
use crate::limits::Limits;
use crate::names::{
    CONTEXT_VARIABLES, NameHints, is_dns1123_label, is_label_value, is_qualified_name, sanitize,
};
use crate::pipeline::{ConditionKind, Pipeline, Task, TaskMetadata};
use crate::span::Span;

/// Runs every validation rule on a pipeline: `Ok` with the warnings when it is valid, `Err` with
/// every problem (errors and warnings) otherwise, sorted by position then code.
///
/// Spans come from `source_map` (the one [`decode`](crate::decode) returned, which also carries
/// the source texts); an empty map gives unpositioned diagnostics, as for a pipeline built in
/// code. Glob patterns are checked when the actions are compiled (`dispatch-trigger`).
///
/// ```
/// use dispatchfile_model::{Code, Pipeline, SourceMap, Task, validate};
/// let mut pipeline = Pipeline::default();
/// let mut task = Task::default();
/// task.deps = vec!["missing".to_owned()];
/// pipeline.tasks.insert("build".to_owned(), task);
/// let problems = validate(&pipeline, &SourceMap::new()).expect_err("an undefined dependency");
/// assert!(problems.iter().any(|d| d.code == Code::UndefinedDep));
/// ```
///
/// At most [`Limits::max_diagnostics_per_code`] diagnostics of one code and
/// [`Limits::max_diagnostics`] in all are kept (the defaults); the others are counted in
/// [`Diagnostics::omitted`].
pub fn validate(pipeline: &Pipeline, source_map: &SourceMap) -> Result<Diagnostics, Diagnostics> {
    let mut out = DiagnosticsBuilder::new(&Limits::default());
    validate_into(pipeline, source_map, &mut out);
    let all = out.build().with_sources_opt(source_map.sources().cloned());
    if all.has_errors() { Err(all) } else { Ok(all) }
}

/// Every problem [`validate`] finds, added to `out` (which applies its caps).
pub(crate) fn validate_into(
    pipeline: &Pipeline,
    source_map: &SourceMap,
    out: &mut DiagnosticsBuilder,
) {
    let mut v = Validator {
        map: source_map,
        out,
    };
    v.resources(pipeline);
    v.tasks(pipeline);
    v.actions(pipeline);
    v.producers(pipeline);
    v.cycles(pipeline);
    v.context_vars(pipeline);
}

/// "Did you mean" candidates for undefined names, built on the first one found.
#[derive(Default)]
struct TaskHints<'p> {
    /// Task names, for dependencies.
    tasks: Option<NameHints<'p>>,
    /// Resource and task names, for inputs.
    inputs: Option<NameHints<'p>>,
}

struct Validator<'m> {
    map: &'m SourceMap,
    /// Keeps at most the caps of `Limits`; past them, messages are counted, not built.
    out: &'m mut DiagnosticsBuilder,
}

/// A diagnostic message, built only when the diagnostic is kept: a `String`, or a closure for
/// the rules that can fire once per element (per step, input, label…).
trait Message {
    fn build(self) -> String;
}

impl Message for String {
    fn build(self) -> String {
        self
    }
}

impl<F: FnOnce() -> String> Message for F {
    fn build(self) -> String {
        self()
    }
}

impl Validator<'_> {
    /// The span for an element: its key where it has one (`task "t"`), else its value.
    fn span(&self, path: &str) -> Option<Span> {
        self.map.key(path).or_else(|| self.map.nearest(path))
    }

    fn err(&mut self, code: Code, msg: impl Message, path: &str) {
        if !self.out.keeps(Severity::Error, code) {
            self.out.omit(Severity::Error);
            return;
        }
        let span = self.span(path);
        self.out.push(
            Diagnostic::error(code, msg.build())
                .at(span)
                .with_path(path),
        );
    }

    fn warn(&mut self, code: Code, msg: impl Message, path: &str) {
        if !self.out.keeps(Severity::Warning, code) {
            self.out.omit(Severity::Warning);
            return;
        }
        let span = self.span(path);
        self.out.push(
            Diagnostic::warning(code, msg.build())
                .at(span)
                .with_path(path),
        );
    }

    /// `invalid-name` for one name; `path` points at the element whose key is the name.
    fn name(&mut self, what: &str, name: &str, path: &str) {
        if is_dns1123_label(name) {
            return;
        }
        let severity = if sanitize(name).is_some() {
            Severity::Warning
        } else {
            Severity::Error
        };
        if !self.out.keeps(severity, Code::InvalidName) {
            self.out.omit(severity);
            return;
        }
        let span = self.map.key(path).or_else(|| self.map.nearest(path));
        match sanitize(name) {
            None => self.out.push(
                Diagnostic::error(
                    Code::InvalidName,
                    format!("{what} has no usable Kubernetes name"),
                )
                .at(span)
                .with_path(path),
            ),
            Some(s) if !is_dns1123_label(name) => self.out.push(
                Diagnostic::warning(
                    Code::InvalidName,
                    format!("{what} will be named {s:?} in Kubernetes"),
                )
                .at(span)
                .with_path(path),
            ),
            Some(_) => {}
        }
    }

    fn resources(&mut self, p: &Pipeline) {
        for (name, r) in &p.resources {
            let path = format!("/resource/{}", seg(name));
            let what = format!("resource {name:?}");
            if r.kind.is_empty() {
                self.err(
                    Code::MissingField,
                    || format!("{what}: missing required field \"type\""),
                    &path,
                );
            }
            self.name(&what, name, &path);
        }
    }

    /// The rules of every task: an empty pipeline, then each task's name, references, steps,
    /// timeout and metadata.
    fn tasks(&mut self, p: &Pipeline) {
        if p.tasks.is_empty() {
            if p.actions.is_empty() {
                self.warn(
                    Code::EmptyPipeline,
                    "pipeline defines no tasks".to_owned(),
                    "",
                );
            } else {
                self.err(
                    Code::MissingField,
                    "pipeline has actions but defines no tasks".to_owned(),
                    "",
                );
            }
        }
        // Built on the first undefined name only (most pipelines have none).
        let mut hints = TaskHints::default();
        for (name, t) in &p.tasks {
            let path = format!("/task/{}", seg(name));
            let what = format!("task {name:?}");
            self.name(&what, name, &path);
            if t.steps.is_empty() {
                self.err(
                    Code::MissingField,
                    || format!("{what}: missing required field \"steps\" (at least one step)"),
                    &path,
                );
            }
            self.task_references(p, t, &what, &path, &mut hints);
            self.steps(t, &what, &path);
            if let Some(timeout) = &t.timeout
                && let Err(why) = parse_go_duration(timeout)
            {
                self.err(
                    Code::InvalidDuration,
                    || format!("{what}: invalid timeout {timeout:?}: {why}"),
                    &format!("{path}/timeout"),
                );
            }
            if let Some(m) = &t.metadata {
                self.task_metadata(m, &what, &path);
            }
        }
    }

    /// A task's inputs (resources or tasks), outputs (resources) and dependencies (tasks): each
    /// must name something the pipeline defines.
    fn task_references<'p>(
        &mut self,
        p: &'p Pipeline,
        t: &Task,
        what: &str,
        path: &str,
        hints: &mut TaskHints<'p>,
    ) {
        for (i, input) in t.inputs.iter().enumerate() {
            let ipath = format!("{path}/inputs/{i}");
            match (p.resources.contains_key(input), p.tasks.contains_key(input)) {
                (true, true) => self.warn(
                    Code::AmbiguousInput,
                    || format!("{what}: input {input:?} names both a resource and a task; the resource is used"),
                    &ipath,
                ),
                (false, false) => {
                    // An input may name a resource or a task: the hint draws on both.
                    let hints = hints.inputs.get_or_insert_with(|| {
                        NameHints::new(
                            p.resources.keys().chain(p.tasks.keys()).map(String::as_str),
                        )
                    });
                    let hint = did_you_mean(hints.suggest(input));
                    self.err(
                        Code::UndefinedInput,
                        || format!(
                            "{what}: input {input:?} is neither a resource nor a task{hint}"
                        ),
                        &ipath,
                    );
                }
                _ => {}
            }
        }
        for (i, output) in t.outputs.iter().enumerate() {
            if !p.resources.contains_key(output) {
                self.err(
                    Code::UndefinedOutput,
                    || format!("{what}: output {output:?} is not a resource"),
                    &format!("{path}/outputs/{i}"),
                );
            }
        }
        for (i, dep) in t.deps.iter().enumerate() {
            if !p.tasks.contains_key(dep) {
                let hints = hints.tasks.get_or_insert_with(|| task_name_hints(p));
                let hint = did_you_mean(hints.suggest(dep));
                self.err(
                    Code::UndefinedDep,
                    || format!("{what}: dependency {dep:?} is not a task{hint}"),
                    &format!("{path}/deps/{i}"),
                );
            }
        }
    }

    /// A task's steps: names present, unique and usable in Kubernetes; an image on each.
    fn steps(&mut self, t: &Task, what: &str, path: &str) {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, step) in t.steps.iter().enumerate() {
            let spath = format!("{path}/steps/{i}");
            let swhat = format!("step #{i} of {what}");
            if step.name.is_empty() {
                self.warn(
                    Code::MissingStepName,
                    || format!("{swhat} has no name; it will be named \"step-{i}\""),
                    &spath,
                );
            } else {
                if let Some(first) = seen.get(step.name.as_str()) {
                    self.err(
                        Code::DuplicateStep,
                        || {
                            format!(
                                "{what}: duplicate step name {:?} (steps #{first} and #{i})",
                                step.name
                            )
                        },
                        &format!("{spath}/name"),
                    );
                } else {
                    seen.insert(&step.name, i);
                }
                self.step_name(&step.name, &swhat, &format!("{spath}/name"));
            }
            if step.image.as_deref().is_none_or(str::is_empty) {
                self.warn(
                    Code::MissingImage,
                    || format!("{swhat} has no image; lowering will fail"),
                    &spath,
                );
            }
        }
    }

    /// `invalid-name` for a step name: an error when nothing usable is left of it, a warning
    /// when Kubernetes gets another name.
    fn step_name(&mut self, name: &str, swhat: &str, path: &str) {
        match sanitize(name) {
            None => self.err(
                Code::InvalidName,
                || format!("{swhat}: step name {name:?} has no usable Kubernetes name"),
                path,
            ),
            Some(s) if !is_dns1123_label(name) => self.warn(
                Code::InvalidName,
                || format!("{swhat}: step {name:?} will be named {s:?} in Kubernetes"),
                path,
            ),
            Some(_) => {}
        }
    }

    /// A task's labels (keys and literal values) and annotation keys.
    fn task_metadata(&mut self, m: &TaskMetadata, what: &str, path: &str) {
        for (k, v) in &m.labels {
            let lp = format!("{path}/metadata/labels/{}", seg(k));
            if !is_qualified_name(k) {
                self.err(
                    Code::InvalidLabel,
                    || format!("{what}: invalid label key {k:?}"),
                    &lp,
                );
            }
            // A value holding context variables is checked after substitution, at
            // lowering, when an event has given them values; here only literal values.
            if !holds_context_vars(v) && !is_label_value(v) {
                self.err(
                    Code::InvalidLabel,
                    || format!("{what}: invalid value {v:?} for label {k:?}"),
                    &lp,
                );
            }
        }
        for k in m.annotations.keys() {
            if !is_qualified_name(k) {
                self.err(
                    Code::InvalidLabel,
                    || format!("{what}: invalid annotation key {k:?}"),
                    &format!("{path}/metadata/annotations/{}", seg(k)),
                );
            }
        }
    }

    fn actions(&mut self, p: &Pipeline) {
        let mut cron_names: BTreeMap<&str, usize> = BTreeMap::new();
        let mut task_hints: Option<NameHints<'_>> = None;
        for (i, a) in p.actions.iter().enumerate() {
            let path = format!("/actions/{i}");
            if a.tasks.is_empty() {
                self.err(
                    Code::MissingField,
                    || format!("action #{i}: missing required field \"tasks\" (at least one task)"),
                    &path,
                );
            }
            for (j, t) in a.tasks.iter().enumerate() {
                if !p.tasks.contains_key(t) {
                    let hints = task_hints.get_or_insert_with(|| task_name_hints(p));
                    let hint = did_you_mean(hints.suggest(t));
                    self.err(
                        Code::UndefinedTask,
                        || format!("undefined task {t:?} in action #{i}{hint}"),
                        &format!("{path}/tasks/{j}"),
                    );
                }
            }
            if let ConditionKind::Cron(c) = &a.on.kind {
                if c.schedule.is_empty() {
                    self.err(
                        Code::MissingField,
                        || {
                            format!(
                                "action #{i}: cron condition: missing required field \"schedule\""
                            )
                        },
                        &format!("{path}/on/cron"),
                    );
                }
                match &a.name {
                    None => self.err(
                        Code::CronName,
                        || format!("action #{i}: cron actions need a \"name\""),
                        &path,
                    ),
                    Some(n) => {
                        if let Some(first) = cron_names.get(n.as_str()) {
                            self.err(
                                Code::CronName,
                                || format!("action #{i}: cron action name {n:?} is already used by action #{first}"),
                                &format!("{path}/name"),
                            );
                        } else {
                            cron_names.insert(n, i);
                        }
                    }
                }
            }
        }
    }

    /// `multiple-producers`: a resource is output by at most one task.
    fn producers(&mut self, p: &Pipeline) {
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, t) in &p.tasks {
            for o in &t.outputs {
                let list = by.entry(o.as_str()).or_default();
                // Tasks come one after another: a task already listed is the last one (a
                // `contains` here made thousands of producers of one resource quadratic).
                if list.last() != Some(&name.as_str()) {
                    list.push(name);
                }
            }
        }
        for (r, tasks) in by {
            if tasks.len() > 1 {
                let names = tasks
                    .iter()
                    .map(|t| format!("{t:?}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.err(
                    Code::MultipleProducers,
                    || format!("resource {r:?} is output by more than one task: {names}"),
                    &format!("/resource/{}", seg(r)),
                );
            }
        }
    }

    /// `cycle`: no cycle over dep → task, input task → task and producer → consumer edges.
    ///
    /// One linear walk: Tarjan's strongly connected components (iterative, so a chain of
    /// 100,000 tasks cannot overflow the stack). Each component that holds a cycle (two tasks or
    /// more, or one task that depends on itself) is reported once, with one cycle through it even
    /// when its tasks form several: the cycle starts at the component's task written first in
    /// the file (tasks without a span, as in a pipeline built in code, come after and in name
    /// order) and follows the edges as written — a task's `deps` in order, then its `inputs` —
    /// taking at each task the first edge that leads back to the start (a depth-first search
    /// inside the component, each task visited once). So `task "a" -> task "b"` reads "a waits
    /// for b": `build: {deps: [test]}`, `test: {deps: [lint]}`, `lint: {deps: [build]}` give
    /// `dependency cycle: task "build" -> task "test" -> task "lint" -> task "build"`.
    fn cycles(&mut self, p: &Pipeline) {
        let g = TaskGraph::new(p);
        // The first-written task of each component, as (unspanned, span): task numbers follow
        // name order, so equal or missing spans fall back to names.
        let cycles = g.cycles_by(|v| {
            let span = self.map.key(&format!("/task/{}", seg(g.name(v))));
            (span.is_none(), span)
        });
        for cycle in cycles {
            let text = cycle
                .iter()
                .map(|&t| format!("task {:?}", g.name(t)))
                .collect::<Vec<_>>()
                .join(" -> ");
            self.err(
                Code::Cycle,
                || format!("dependency cycle: {text}"),
                &format!("/task/{}", seg(g.name(cycle[0]))),
            );
        }
    }

    /// `unknown-context-var`: every `$(context.NAME)` is a Dispatch or Tekton context variable.
    fn context_vars(&mut self, p: &Pipeline) {
        for (name, t) in &p.tasks {
            for (i, step) in t.steps.iter().enumerate() {
                let json = serde_json::to_value(step).unwrap_or_default();
                for var in unknown_context_vars(&json) {
                    self.warn(
                        Code::UnknownContextVar,
                        || {
                            format!(
                                "task {name:?} step #{i}: unknown context variable $(context.{var})"
                            )
                        },
                        &format!("/task/{}/steps/{i}", seg(name)),
                    );
                }
            }
        }
        for (name, r) in &p.resources {
            for (k, v) in &r.params {
                for var in unknown_context_vars(&serde_json::Value::String(v.clone())) {
                    self.warn(
                        Code::UnknownContextVar,
                        || format!("resource {name:?} param {k:?}: unknown context variable $(context.{var})"),
                        &format!("/resource/{}/param/{}", seg(name), seg(k)),
                    );
                }
            }
        }
    }
}

/// Did-you-mean hints among the task names of `p`.
fn task_name_hints(p: &Pipeline) -> NameHints<'_> {
    NameHints::new(p.tasks.keys().map(String::as_str))
}

/// ` (did you mean "NAME"?)` for a hint, nothing without one.
fn did_you_mean(hint: Option<&str>) -> String {
    hint.map_or_else(String::new, |h| format!(" (did you mean {h:?}?)"))
}

/// Whether `v` holds one of the seven context variables (`$(context.git.branch)`, …).
fn holds_context_vars(v: &str) -> bool {
    v.contains("$(context.")
        && CONTEXT_VARIABLES
            .iter()
            .any(|name| v.contains(&format!("$(context.{name})")))
}

/// Names inside `$(context.NAME)` that are neither Dispatch nor Tekton context variables.
fn unknown_context_vars(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => {
                let mut rest = s.as_str();
                while let Some(i) = rest.find("$(context.") {
                    rest = &rest[i + "$(context.".len()..];
                    let Some(end) = rest.find(')') else { break };
                    let name = &rest[..end];
                    let tekton = [
                        "taskRun.",
                        "task.",
                        "pipelineRun.",
                        "pipeline.",
                        "pipelineTask.",
                    ]
                    .iter()
                    .any(|p| name.starts_with(p));
                    if !tekton && !CONTEXT_VARIABLES.contains(&name) {
                        out.push(name.to_owned());
                    }
                    rest = &rest[end..];
                }
            }
            serde_json::Value::Array(a) => stack.extend(a),
            serde_json::Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Parses a non-negative Go duration (`90s`, `1h30m`, `1.5h`, `0`) into nanoseconds.
///
/// # Errors
/// A message saying what is wrong.
pub fn parse_go_duration(s: &str) -> Result<u128, String> {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.starts_with('-') {
        return Err("durations cannot be negative".into());
    }
    if t == "0" {
        return Ok(0);
    }
    if t.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: u128 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("expected a number at {rest:?}"));
        }
        let (num, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("missing unit after {num:?}")),
            u => return Err(format!("unknown unit {u:?}")),
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        if int.is_empty() && frac.is_empty() || frac.contains('.') {
            return Err(format!("invalid number {num:?}"));
        }
        let int: u128 = if int.is_empty() {
            0
        } else {
            int.parse()
                .map_err(|_| format!("number {num:?} is too large"))?
        };
        let mut value = int.checked_mul(scale).ok_or("duration is too large")?;
        let mut f_scale = scale;
        for d in frac.bytes().take(30) {
            f_scale /= 10;
            value += u128::from(d - b'0') * f_scale;
        }
        total = total.checked_add(value).ok_or("duration is too large")?;
        rest = next;
    }
    if total > i64::MAX as u128 {
        return Err("duration is too large".into());
    }
    Ok(total)
}

/// Formats nanoseconds like Go's `time.Duration.String()` (`1h30m0s`, `1m30s`, `500ms`, `0s`).
#[must_use]
pub fn format_go_duration(nanos: u128) -> String {
    fn frac(out: &mut String, whole: u128, rem: u128, digits: u32) {
        out.push_str(&whole.to_string());
        if rem > 0 {
            let mut f = format!("{rem:0width$}", width = digits as usize);
            while f.ends_with('0') {
                f.pop();
            }
            out.push('.');
            out.push_str(&f);
        }
    }
    let mut out = String::new();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        frac(&mut out, nanos / 1_000, nanos % 1_000, 3);
        out.push_str("µs");
        return out;
    }
    if nanos < 1_000_000_000 {
        frac(&mut out, nanos / 1_000_000, nanos % 1_000_000, 6);
        out.push_str("ms");
        return out;
    }
    let hours = nanos / 3_600_000_000_000;
    let minutes = nanos / 60_000_000_000 % 60;
    let secs = nanos % 60_000_000_000;
    if hours > 0 {
        let _ = write!(out, "{hours}h");
    }
    if hours > 0 || minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    frac(&mut out, secs / 1_000_000_000, secs % 1_000_000_000, 9);
    out.push('s');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::{Action, Condition, Layout, PushCondition, Resource, Task};
    use crate::span::FileId;
    use k8s_openapi::api::core::v1::Container;

    /// A valid task with the given `deps` and `inputs`.
    fn task(deps: &[&str], inputs: &[&str]) -> Task {
        Task {
            deps: deps.iter().map(|d| (*d).to_owned()).collect(),
            inputs: inputs.iter().map(|i| (*i).to_owned()).collect(),
            steps: vec![Container {
                name: "s".into(),
                image: Some("alpine".into()),
                ..Container::default()
            }],
            ..Task::default()
        }
    }

    /// `(name, deps, inputs)` of a task, in the order it is written.
    type Written<'a> = (&'a str, &'a [&'a str], &'a [&'a str]);

    /// A pipeline of `tasks`, and (when `spanned`) a source map giving each task's key a span
    /// in the order the tasks are listed, as if written in that order in one file.
    fn pipeline(tasks: &[Written<'_>], spanned: bool) -> (Pipeline, SourceMap) {
        let mut p = Pipeline::default();
        let mut map = SourceMap::new();
        for (i, (name, deps, inputs)) in tasks.iter().enumerate() {
            p.tasks.insert((*name).to_owned(), task(deps, inputs));
            if spanned {
                let at = 10 * i as u32;
                map.insert_key(
                    format!("/task/{}", seg(name)),
                    Span::new(FileId(0), at, at + 1),
                );
            }
        }
        (p, map)
    }

    /// The messages of the diagnostics with `code`, in reported (position) order, none left out.
    fn messages(p: &Pipeline, map: &SourceMap, code: Code) -> Vec<String> {
        let limits = Limits {
            max_diagnostics_per_code: usize::MAX,
            max_diagnostics: usize::MAX,
            ..Limits::default()
        };
        let mut out = DiagnosticsBuilder::new(&limits);
        validate_into(p, map, &mut out);
        out.build()
            .into_iter()
            .filter(|d| d.code == code)
            .map(|d| d.message)
            .collect()
    }

    macro_rules! cycle_cases {
        ($($name:ident: $tasks:expr, spanned $spanned:expr => [$($want:expr),* $(,)?];)*) => {$(
            #[test]
            fn $name() {
                let (p, map) = pipeline(&$tasks, $spanned);
                let want: Vec<String> = vec![$(format!("dependency cycle: {}", $want)),*];
                assert_eq!(messages(&p, &map, Code::Cycle), want);
            }
        )*};
    }

    cycle_cases! {
        cycle_of_two_starts_at_the_first_written: [("b", &["a"], &[]), ("a", &["b"], &[])], spanned true
            => [r#"task "b" -> task "a" -> task "b""#];
        cycle_of_three_in_written_order: [
            ("build", &["test"], &[]), ("test", &["lint"], &[]), ("lint", &["build"], &[]),
        ], spanned true => [r#"task "build" -> task "test" -> task "lint" -> task "build""#];
        cycle_written_later_in_the_file_starts_there: [
            ("lint", &["build"], &[]), ("test", &["lint"], &[]), ("build", &["test"], &[]),
        ], spanned true => [r#"task "lint" -> task "build" -> task "test" -> task "lint""#];
        cycle_without_spans_starts_at_the_first_name: [
            ("c", &["a"], &[]), ("b", &["c"], &[]), ("a", &["b"], &[]),
        ], spanned false => [r#"task "a" -> task "b" -> task "c" -> task "a""#];
        cycle_self_dependency: [("t", &["t"], &[])], spanned true => [r#"task "t" -> task "t""#];
        cycle_self_input: [("t", &[], &["t"])], spanned true => [r#"task "t" -> task "t""#];
        cycle_two_separate_cycles: [
            ("z", &["y"], &[]), ("y", &["z"], &[]), ("ok", &["z"], &[]), ("b", &["a"], &[]), ("a", &["b"], &[]),
        ], spanned true => [r#"task "z" -> task "y" -> task "z""#, r#"task "b" -> task "a" -> task "b""#];
        cycle_follows_deps_in_written_order: [
            ("a", &["c", "b"], &[]), ("b", &["a"], &[]), ("c", &["a"], &[]),
        ], spanned true => [r#"task "a" -> task "c" -> task "a""#];
        cycle_follows_deps_before_inputs: [
            ("a", &["b"], &["c"]), ("c", &["a"], &[]), ("b", &["a"], &[]),
        ], spanned true => [r#"task "a" -> task "b" -> task "a""#];
        cycle_one_report_per_component: [
            ("a", &["b", "c"], &[]), ("b", &["a"], &[]), ("c", &["a", "c"], &[]),
        ], spanned true => [r#"task "a" -> task "b" -> task "a""#];
        cycle_through_a_dead_end_first: [
            ("a", &["x", "b"], &[]), ("x", &[], &[]), ("b", &["a"], &[]),
        ], spanned true => [r#"task "a" -> task "b" -> task "a""#];
        cycle_none_in_a_diamond: [
            ("a", &["b", "c"], &[]), ("b", &["d"], &[]), ("c", &["d"], &[]), ("d", &[], &[]),
        ], spanned true => [];
    }

    /// `t00000` … `t{n-1}`, each depending on the next; the last depends on `last_dep` if any.
    fn chain(n: usize, last_dep: Option<usize>) -> (Pipeline, SourceMap) {
        let names: Vec<String> = (0..n).map(|i| format!("t{i:05}")).collect();
        let deps: Vec<Vec<&str>> = (0..n)
            .map(|i| match (i + 1 < n, last_dep) {
                (true, _) => vec![names[i + 1].as_str()],
                (false, Some(d)) => vec![names[d].as_str()],
                (false, None) => Vec::new(),
            })
            .collect();
        let tasks: Vec<Written<'_>> = (0..n)
            .map(|i| (names[i].as_str(), deps[i].as_slice(), &[][..]))
            .collect();
        pipeline(&tasks, true)
    }

    #[test]
    fn cycle_at_the_end_of_a_100000_task_chain() {
        let (p, map) = chain(100_000, Some(99_997));
        assert_eq!(
            messages(&p, &map, Code::Cycle),
            [
                r#"dependency cycle: task "t99997" -> task "t99998" -> task "t99999" -> task "t99997""#
            ]
        );
    }

    #[test]
    fn cycle_none_in_a_100000_task_chain() {
        let (p, map) = chain(100_000, None);
        assert_eq!(messages(&p, &map, Code::Cycle), Vec::<String>::new());
    }

    #[test]
    fn cycle_through_a_produced_resource() {
        // `a` reads `img`, which `b` writes; `b` depends on `a`. Reading and writing one
        // resource is no cycle.
        let (mut p, map) = pipeline(&[("b", &["a"], &[]), ("a", &[], &["img", "own"])], true);
        for r in ["img", "own"] {
            p.resources.insert(
                r.to_owned(),
                Resource {
                    kind: "image".into(),
                    ..Resource::default()
                },
            );
        }
        p.tasks.get_mut("b").expect("task b").outputs = vec!["img".into()];
        p.tasks.get_mut("a").expect("task a").outputs = vec!["own".into()];
        assert_eq!(
            messages(&p, &map, Code::Cycle),
            [r#"dependency cycle: task "b" -> task "a" -> task "b""#]
        );
    }

    fn action(tasks: &[&str]) -> Action {
        Action {
            name: None,
            tasks: tasks.iter().map(|t| (*t).to_owned()).collect(),
            on: Condition {
                kind: ConditionKind::Push(PushCondition::default()),
                layout: Layout::Legacy,
            },
        }
    }

    /// Tasks `build`, `test`, `deploy-prod`, resource `src`; then `f` adds the mistake.
    fn hinted(f: impl FnOnce(&mut Pipeline)) -> Pipeline {
        let (mut p, _) = pipeline(
            &[
                ("build", &[], &["src"]),
                ("test", &["build"], &[]),
                ("deploy-prod", &[], &[]),
            ],
            false,
        );
        p.resources.insert(
            "src".into(),
            Resource {
                kind: "git".into(),
                ..Resource::default()
            },
        );
        p.actions.push(action(&["build"]));
        f(&mut p);
        p
    }

    macro_rules! hint_cases {
        ($($name:ident: $p:expr, $code:ident => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(messages(&$p, &SourceMap::new(), Code::$code), [$want]);
            }
        )*};
    }

    hint_cases! {
        hint_action_close_name: hinted(|p| p.actions.push(action(&["biuld"]))), UndefinedTask
            => r#"undefined task "biuld" in action #1 (did you mean "build"?)"#;
        hint_action_case_only: hinted(|p| p.actions.push(action(&["Test"]))), UndefinedTask
            => r#"undefined task "Test" in action #1 (did you mean "test"?)"#;
        hint_action_far_name: hinted(|p| p.actions.push(action(&["release"]))), UndefinedTask
            => r#"undefined task "release" in action #1"#;
        hint_dep_close_name: hinted(|p| { p.tasks.insert("x".into(), task(&["deploy-prd"], &[])); }), UndefinedDep
            => r#"task "x": dependency "deploy-prd" is not a task (did you mean "deploy-prod"?)"#;
        hint_dep_far_name: hinted(|p| { p.tasks.insert("x".into(), task(&["nope"], &[])); }), UndefinedDep
            => r#"task "x": dependency "nope" is not a task"#;
        hint_input_close_task: hinted(|p| { p.tasks.insert("x".into(), task(&[], &["tests"])); }), UndefinedInput
            => r#"task "x": input "tests" is neither a resource nor a task (did you mean "test"?)"#;
        hint_input_close_resource: hinted(|p| { p.tasks.insert("x".into(), task(&[], &["srx"])); }), UndefinedInput
            => r#"task "x": input "srx" is neither a resource nor a task (did you mean "src"?)"#;
        hint_dep_is_not_a_resource: hinted(|p| { p.tasks.insert("x".into(), task(&["srx"], &[])); }), UndefinedDep
            => r#"task "x": dependency "srx" is not a task"#;
    }

    #[test]
    fn hint_among_100000_tasks() {
        let names: Vec<String> = (0..100_000).map(|i| format!("task-{i:05}")).collect();
        let mut p = Pipeline::default();
        for n in &names {
            p.tasks.insert(n.clone(), task(&[], &[]));
        }
        // Many misspelt references, a few distinct names: each is looked up once.
        for _ in 0..1_000 {
            p.actions
                .push(action(&["task-54321x", "tsak-00042", "nothing-close"]));
        }
        let got = messages(&p, &SourceMap::new(), Code::UndefinedTask);
        assert_eq!(got.len(), 3_000);
        for want in [
            r#"undefined task "task-54321x" in action #0 (did you mean "task-54321"?)"#,
            r#"undefined task "tsak-00042" in action #0 (did you mean "task-00042"?)"#,
            r#"undefined task "nothing-close" in action #0"#,
            r#"undefined task "task-54321x" in action #999 (did you mean "task-54321"?)"#,
            r#"undefined task "nothing-close" in action #999"#,
        ] {
            assert!(got.iter().any(|g| g == want), "{want:?} missing");
        }
    }

    macro_rules! duration_cases {
        ($($name:ident: $input:literal => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(parse_go_duration($input).map(format_go_duration), $want, "{:?}", $input);
            }
        )*};
    }

    duration_cases! {
        seconds: "90s" => Ok("1m30s".to_owned());
        minutes_normalise: "90m" => Ok("1h30m0s".to_owned());
        hours_and_minutes: "1h30m" => Ok("1h30m0s".to_owned());
        zero: "0" => Ok("0s".to_owned());
        fraction: "1.5h" => Ok("1h30m0s".to_owned());
        millis: "500ms" => Ok("500ms".to_owned());
        micro_sign: "3µs" => Ok("3µs".to_owned());
        negative: "-1s" => Err("durations cannot be negative".to_owned());
        no_unit: "10" => Err("missing unit after \"10\"".to_owned());
        bad_unit: "10d" => Err("unknown unit \"d\"".to_owned());
        empty: "" => Err("empty duration".to_owned());
    }
}
