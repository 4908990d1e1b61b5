//! Variables in the strings of a task: context variables, resource variables, step results.

use std::fmt::Display;

use dispatchfile_model::Code;
use dispatchfile_model::names::pointer_segment as seg;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Cx, Key, Kind, TaskCx, cat, push_all};

impl<'a> Cx<'a> {
    /// Rewrites the step result `$(inputs.tasks.T.S)` (`rest` = `T.S`) to the param that
    /// carries it, or reports why it cannot be carried over.
    pub(super) fn step_result(
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

    /// Rewrites every string of a Kubernetes value (through its JSON form).
    pub(super) fn rewrite_json<T: Serialize + DeserializeOwned + Clone>(
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

    pub(super) fn rewrite_value(
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
    pub(super) fn rewrite(
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
    pub(super) fn resolve(
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
pub(super) enum Resolved {
    Workspace,
    OutputPath,
    Param(Key),
    Literal,
    Missing,
    DigestOfOutput,
    PathOfInput,
}

/// A variable as written, `$(…)`, for messages.
pub(super) struct Var<'s>(&'s str);

impl Display for Var<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "$({})", self.0)
    }
}

/// Every `$(inputs.tasks.T.S)` in the strings of `v`, as `(T, S)`.
pub(super) fn collect_step_results(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
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

/// The byte offset of the first `$(` in `s`. Most strings have no `$` at all, and the scan for one
/// byte is much cheaper than setting up a substring search for every string of every step.
pub(super) fn find_open(s: &str) -> Option<usize> {
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
