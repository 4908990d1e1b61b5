//! The validation rules R1–R15 of SPEC §2.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::decode::{SourceMap, seg};
use crate::diagnostic::{Diagnostic, sort_diagnostics};
use crate::names::{
    CONTEXT_VARIABLES, is_dns1123_label, is_label_value, is_qualified_name, sanitize,
};
use crate::pipeline::{ConditionKind, Pipeline};

/// Runs every rule of SPEC §2 (R1–R15) on a decoded pipeline and returns all problems, sorted by
/// position then code. Spans come from `source_map`; an empty map gives unpositioned diagnostics.
///
/// Glob patterns (R16) are checked by `dispatch-trigger`.
#[must_use]
pub fn validate(pipeline: &Pipeline, source_map: &SourceMap) -> Vec<Diagnostic> {
    let mut v = Validator {
        map: source_map,
        out: Vec::new(),
    };
    v.resources(pipeline);
    v.tasks(pipeline);
    v.actions(pipeline);
    v.producers(pipeline);
    v.cycles(pipeline);
    v.context_vars(pipeline);
    sort_diagnostics(&mut v.out);
    v.out
}

struct Validator<'m> {
    map: &'m SourceMap,
    out: Vec<Diagnostic>,
}

impl Validator<'_> {
    /// The span for an element: its key where it has one (`task "t"`), else its value.
    fn span(&self, path: &str) -> Option<crate::span::Span> {
        self.map.key(path).or_else(|| self.map.nearest(path))
    }

    fn err(&mut self, code: &'static str, msg: String, path: &str) {
        let span = self.span(path);
        self.out
            .push(Diagnostic::error(code, msg).at(span).with_path(path));
    }

    fn warn(&mut self, code: &'static str, msg: String, path: &str) {
        let span = self.span(path);
        self.out
            .push(Diagnostic::warning(code, msg).at(span).with_path(path));
    }

    /// R11 for one name; `path` points at the element whose key is the name.
    fn name(&mut self, what: &str, name: &str, path: &str) {
        let span = self.map.key(path).or_else(|| self.map.nearest(path));
        match sanitize(name) {
            None => self.out.push(
                Diagnostic::error(
                    "invalid-name",
                    format!("{what} has no usable Kubernetes name"),
                )
                .at(span)
                .with_path(path),
            ),
            Some(s) if !is_dns1123_label(name) => self.out.push(
                Diagnostic::warning(
                    "invalid-name",
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
                    "missing-field",
                    format!("{what}: missing required field \"type\""),
                    &path,
                );
            }
            self.name(&what, name, &path);
        }
    }

    fn tasks(&mut self, p: &Pipeline) {
        if p.tasks.is_empty() {
            if p.actions.is_empty() {
                self.warn("empty-pipeline", "pipeline defines no tasks".into(), "");
            } else {
                self.err(
                    "missing-field",
                    "pipeline has actions but defines no tasks".into(),
                    "",
                );
            }
        }
        for (name, t) in &p.tasks {
            let path = format!("/task/{}", seg(name));
            let what = format!("task {name:?}");
            self.name(&what, name, &path);
            if t.steps.is_empty() {
                self.err(
                    "missing-field",
                    format!("{what}: missing required field \"steps\" (at least one step)"),
                    &path,
                );
            }
            for (i, input) in t.inputs.iter().enumerate() {
                let ipath = format!("{path}/inputs/{i}");
                match (p.resources.contains_key(input), p.tasks.contains_key(input)) {
                    (true, true) => self.warn(
                        "ambiguous-input",
                        format!("{what}: input {input:?} names both a resource and a task; the resource is used"),
                        &ipath,
                    ),
                    (false, false) => self.err(
                        "undefined-input",
                        format!("{what}: input {input:?} is neither a resource nor a task"),
                        &ipath,
                    ),
                    _ => {}
                }
            }
            for (i, output) in t.outputs.iter().enumerate() {
                if !p.resources.contains_key(output) {
                    self.err(
                        "undefined-output",
                        format!("{what}: output {output:?} is not a resource"),
                        &format!("{path}/outputs/{i}"),
                    );
                }
            }
            for (i, dep) in t.deps.iter().enumerate() {
                if !p.tasks.contains_key(dep) {
                    self.err(
                        "undefined-dep",
                        format!("{what}: dependency {dep:?} is not a task"),
                        &format!("{path}/deps/{i}"),
                    );
                }
            }
            let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
            for (i, step) in t.steps.iter().enumerate() {
                let spath = format!("{path}/steps/{i}");
                let swhat = format!("step #{i} of {what}");
                if step.name.is_empty() {
                    self.warn(
                        "missing-step-name",
                        format!("{swhat} has no name; it will be named \"step-{i}\""),
                        &spath,
                    );
                } else {
                    if let Some(first) = seen.get(step.name.as_str()) {
                        self.err(
                            "duplicate-step",
                            format!(
                                "{what}: duplicate step name {:?} (steps #{first} and #{i})",
                                step.name
                            ),
                            &format!("{spath}/name"),
                        );
                    } else {
                        seen.insert(&step.name, i);
                    }
                    match sanitize(&step.name) {
                        None => self.err(
                            "invalid-name",
                            format!(
                                "{swhat}: step name {:?} has no usable Kubernetes name",
                                step.name
                            ),
                            &format!("{spath}/name"),
                        ),
                        Some(s) if !is_dns1123_label(&step.name) => self.warn(
                            "invalid-name",
                            format!(
                                "{swhat}: step {:?} will be named {s:?} in Kubernetes",
                                step.name
                            ),
                            &format!("{spath}/name"),
                        ),
                        Some(_) => {}
                    }
                }
                if step.image.as_deref().is_none_or(str::is_empty) {
                    self.warn(
                        "missing-image",
                        format!("{swhat} has no image; lowering will fail"),
                        &spath,
                    );
                }
            }
            if let Some(timeout) = &t.timeout
                && let Err(why) = parse_go_duration(timeout)
            {
                self.err(
                    "invalid-duration",
                    format!("{what}: invalid timeout {timeout:?}: {why}"),
                    &format!("{path}/timeout"),
                );
            }
            if let Some(m) = &t.metadata {
                for (k, v) in &m.labels {
                    let lp = format!("{path}/metadata/labels/{}", seg(k));
                    if !is_qualified_name(k) {
                        self.err(
                            "invalid-label",
                            format!("{what}: invalid label key {k:?}"),
                            &lp,
                        );
                    }
                    if !is_label_value(v) {
                        self.err(
                            "invalid-label",
                            format!("{what}: invalid value {v:?} for label {k:?}"),
                            &lp,
                        );
                    }
                }
                for k in m.annotations.keys() {
                    if !is_qualified_name(k) {
                        self.err(
                            "invalid-label",
                            format!("{what}: invalid annotation key {k:?}"),
                            &format!("{path}/metadata/annotations/{}", seg(k)),
                        );
                    }
                }
            }
        }
    }

    fn actions(&mut self, p: &Pipeline) {
        let mut cron_names: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, a) in p.actions.iter().enumerate() {
            let path = format!("/actions/{i}");
            if a.tasks.is_empty() {
                self.err(
                    "missing-field",
                    format!("action #{i}: missing required field \"tasks\" (at least one task)"),
                    &path,
                );
            }
            for (j, t) in a.tasks.iter().enumerate() {
                if !p.tasks.contains_key(t) {
                    self.err(
                        "undefined-task",
                        format!("undefined task {t:?} in action #{i}"),
                        &format!("{path}/tasks/{j}"),
                    );
                }
            }
            if let ConditionKind::Cron(c) = &a.on.kind {
                if c.schedule.is_empty() {
                    self.err(
                        "missing-field",
                        format!("action #{i}: cron condition: missing required field \"schedule\""),
                        &format!("{path}/on/cron"),
                    );
                }
                match &a.name {
                    None => self.err(
                        "cron-name",
                        format!("action #{i}: cron actions need a \"name\""),
                        &path,
                    ),
                    Some(n) => {
                        if let Some(first) = cron_names.get(n.as_str()) {
                            self.err(
                                "cron-name",
                                format!("action #{i}: cron action name {n:?} is already used by action #{first}"),
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

    /// R6: a resource is output by at most one task.
    fn producers(&mut self, p: &Pipeline) {
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, t) in &p.tasks {
            for o in &t.outputs {
                let list = by.entry(o.as_str()).or_default();
                if !list.contains(&name.as_str()) {
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
                    "multiple-producers",
                    format!("resource {r:?} is output by more than one task: {names}"),
                    &format!("/resource/{}", seg(r)),
                );
            }
        }
    }

    /// R9: no cycle over dep → task, input task → task and producer → consumer edges.
    fn cycles(&mut self, p: &Pipeline) {
        let edges = dependency_edges(p);
        let mut reported: BTreeSet<BTreeSet<&str>> = BTreeSet::new();
        for start in p.tasks.keys() {
            if let Some(cycle) = find_cycle(&edges, start) {
                let members: BTreeSet<&str> = cycle.iter().copied().collect();
                if reported.insert(members) {
                    let text = cycle
                        .iter()
                        .map(|t| format!("task {t:?}"))
                        .collect::<Vec<_>>()
                        .join(" -> ");
                    self.err(
                        "cycle",
                        format!("dependency cycle: {text}"),
                        &format!("/task/{}", seg(cycle[0])),
                    );
                }
            }
        }
    }

    /// R15: every `$(context.NAME)` is a Dispatch or Tekton context variable.
    fn context_vars(&mut self, p: &Pipeline) {
        for (name, t) in &p.tasks {
            for (i, step) in t.steps.iter().enumerate() {
                let json = serde_json::to_value(step).unwrap_or_default();
                for var in unknown_context_vars(&json) {
                    self.warn(
                        "unknown-context-var",
                        format!(
                            "task {name:?} step #{i}: unknown context variable $(context.{var})"
                        ),
                        &format!("/task/{}/steps/{i}", seg(name)),
                    );
                }
            }
        }
        for (name, r) in &p.resources {
            for (k, v) in &r.params {
                for var in unknown_context_vars(&serde_json::Value::String(v.clone())) {
                    self.warn(
                        "unknown-context-var",
                        format!("resource {name:?} param {k:?}: unknown context variable $(context.{var})"),
                        &format!("/resource/{}/param/{}", seg(name), seg(k)),
                    );
                }
            }
        }
    }
}

/// The edges of R9 as task → tasks that must run before it.
pub(crate) fn dependency_edges(p: &Pipeline) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut producers: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, t) in &p.tasks {
        for o in &t.outputs {
            producers.entry(o.as_str()).or_insert(name.as_str());
        }
    }
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, t) in &p.tasks {
        let before = edges.entry(name.as_str()).or_default();
        for d in &t.deps {
            if p.tasks.contains_key(d) {
                before.insert(d);
            }
        }
        for i in &t.inputs {
            if p.resources.contains_key(i) {
                if let Some(prod) = producers.get(i.as_str())
                    && *prod != name.as_str()
                {
                    before.insert(prod);
                }
            } else if p.tasks.contains_key(i) {
                before.insert(i);
            }
        }
    }
    edges
}

/// A cycle through `start` (as `[start, …, start]`), found with an explicit stack.
fn find_cycle<'a>(
    edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    start: &'a str,
) -> Option<Vec<&'a str>> {
    let mut path: Vec<&'a str> = vec![start];
    let mut iters: Vec<std::collections::btree_set::Iter<'_, &'a str>> = Vec::new();
    let mut visited: BTreeSet<&'a str> = BTreeSet::new();
    iters.push(edges.get(start)?.iter());
    while let Some(it) = iters.last_mut() {
        match it.next() {
            Some(&next) if next == start => {
                let mut cycle = path.clone();
                cycle.push(start);
                cycle.reverse();
                return Some(cycle);
            }
            Some(&next) => {
                if visited.insert(next)
                    && let Some(e) = edges.get(next)
                {
                    path.push(next);
                    iters.push(e.iter());
                }
            }
            None => {
                iters.pop();
                path.pop();
            }
        }
    }
    None
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
