//! Tekton's side: which pipeline tasks of a PipelineRun execute, given `when` expressions
//! (`in`/`notin`, `$(params.…)` substituted) and the skipping rules: a task skipped by `when` does
//! not skip the tasks that only `runAfter` it; a task consuming a result of a skipped task is
//! skipped. Every task that runs succeeds.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// The annotation naming the Dispatch task of an embedded `taskSpec`.
pub(crate) const DISPATCH_TASK: &str = "dispatch.d2iq.io/task";

/// The tasks of one PipelineRun that execute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Executed {
    /// Pipeline task names, `tasks` then `finally`, in the order they were decided.
    pub(crate) tasks: Vec<String>,
    /// Their `dispatch.d2iq.io/task` names (tasks without one left out).
    pub(crate) dispatch: Vec<String>,
}

#[derive(Clone, Debug)]
enum Param {
    Str(String),
    Arr(Vec<String>),
}

fn param_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\$\(params(?:\.([A-Za-z0-9_-]+)|\[\s*["']([^"']+)["']\s*\])(\[\*\])?\)"#)
            .expect("compiles")
    })
}

fn result_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\$\(tasks\.([A-Za-z0-9_-]+)\.results\.").expect("compiles"))
}

fn to_param(v: &Value) -> Param {
    match v {
        Value::Array(a) => Param::Arr(
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                .collect(),
        ),
        Value::String(s) => Param::Str(s.clone()),
        other => Param::Str(other.to_string()),
    }
}

fn subst(s: &str, params: &BTreeMap<String, Param>) -> String {
    param_re()
        .replace_all(s, |c: &regex::Captures<'_>| {
            let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            match params.get(name) {
                Some(Param::Str(v)) if c.get(3).is_none() => v.clone(),
                _ => c.get(0).map_or("", |m| m.as_str()).to_owned(),
            }
        })
        .into_owned()
}

fn subst_values(vals: &[Value], params: &BTreeMap<String, Param>) -> Vec<String> {
    let mut out = Vec::new();
    for v in vals {
        let s = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
        if let Some(c) = param_re().captures(&s)
            && c.get(0).map(|m| m.as_str()) == Some(s.as_str())
            && c.get(3).is_some()
        {
            let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            if let Some(Param::Arr(a)) = params.get(name) {
                out.extend(a.iter().cloned());
                continue;
            }
        }
        out.push(subst(&s, params));
    }
    out
}

fn strings_in(v: &Value, out: &mut Vec<String>, skip_task_spec: bool) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings_in(x, out, skip_task_spec)),
        Value::Object(o) => {
            for (k, x) in o {
                if skip_task_spec && (k == "taskSpec" || k == "taskRef") {
                    continue;
                }
                strings_in(x, out, skip_task_spec);
            }
        }
        _ => {}
    }
}

fn name_of(t: &Value) -> String {
    t.get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// The tasks of `run` (a parsed PipelineRun) that execute.
pub(crate) fn execute(run: &Value) -> Result<Executed, String> {
    let spec = run.get("spec").ok_or("a PipelineRun without spec")?;
    let ps = spec
        .get("pipelineSpec")
        .ok_or("no embedded pipelineSpec (pipelineRef is not modelled)")?;
    let mut params: BTreeMap<String, Param> = BTreeMap::new();
    if let Some(Value::Array(ds)) = ps.get("params") {
        for d in ds {
            if let Some(def) = d.get("default") {
                params.insert(name_of(d), to_param(def));
            }
        }
    }
    if let Some(Value::Array(ps)) = spec.get("params") {
        for p in ps {
            if let Some(v) = p.get("value") {
                params.insert(name_of(p), to_param(v));
            }
        }
    }
    let list = |k: &str| -> Vec<Value> {
        ps.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let tasks = list("tasks");
    let finally = list("finally");
    let mut decided: BTreeMap<String, bool> = BTreeMap::new();
    let mut out = Executed::default();
    // Dependencies: runAfter and result references.
    let deps = |t: &Value| -> BTreeSet<String> {
        let mut d = BTreeSet::new();
        if let Some(Value::Array(ra)) = t.get("runAfter") {
            d.extend(ra.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        let mut ss = Vec::new();
        strings_in(t, &mut ss, true);
        for s in ss {
            for c in result_re().captures_iter(&s) {
                d.insert(c[1].to_owned());
            }
        }
        d
    };
    let mut pending: Vec<&Value> = tasks.iter().collect();
    let names: BTreeSet<String> = tasks.iter().map(name_of).collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for t in pending {
            let d = deps(t);
            if d.iter()
                .any(|x| names.contains(x) && !decided.contains_key(x))
            {
                rest.push(t);
                continue;
            }
            let runs = decide(t, &params, &decided, None)?;
            decided.insert(name_of(t), runs);
            if runs {
                record(t, &mut out);
            }
        }
        if rest.len() == before {
            return Err("a dependency cycle among pipeline tasks".into());
        }
        pending = rest;
    }
    let any_skipped = decided.values().any(|r| !r);
    let aggregate = if any_skipped {
        "Completed"
    } else {
        "Succeeded"
    };
    for t in &finally {
        if decide(t, &params, &decided, Some(aggregate))? {
            record(t, &mut out);
        }
    }
    Ok(out)
}

fn record(t: &Value, out: &mut Executed) {
    out.tasks.push(name_of(t));
    if let Some(d) = t
        .get("taskSpec")
        .and_then(|s| s.get("metadata"))
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(DISPATCH_TASK))
        .and_then(Value::as_str)
    {
        out.dispatch.push(d.to_owned());
    }
}

fn decide(
    t: &Value,
    params: &BTreeMap<String, Param>,
    decided: &BTreeMap<String, bool>,
    aggregate: Option<&str>,
) -> Result<bool, String> {
    let mut ss = Vec::new();
    strings_in(t, &mut ss, true);
    for s in &ss {
        for c in result_re().captures_iter(s) {
            if decided.get(&c[1]) == Some(&false) {
                return Ok(false);
            }
        }
    }
    let status = |s: String| -> String {
        let Some(agg) = aggregate else { return s };
        let mut s = s.replace("$(tasks.status)", agg);
        for (n, ran) in decided {
            s = s.replace(
                &format!("$(tasks.{n}.status)"),
                if *ran { "Succeeded" } else { "None" },
            );
        }
        s
    };
    if let Some(Value::Array(whens)) = t.get("when") {
        for w in whens {
            if w.get("cel").is_some() {
                return Err("a CEL when expression (alpha) is not modelled".into());
            }
            let input = status(subst(
                w.get("input").and_then(Value::as_str).unwrap_or(""),
                params,
            ));
            let values: Vec<String> = subst_values(
                w.get("values")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice),
                params,
            )
            .into_iter()
            .map(&status)
            .collect();
            if input.contains("$(") || values.iter().any(|v| v.contains("$(")) {
                return Err(format!(
                    "a when expression the model cannot resolve: {input:?}"
                ));
            }
            let op = w.get("operator").and_then(Value::as_str).unwrap_or("");
            let holds = match op {
                "in" => values.contains(&input),
                "notin" => !values.contains(&input),
                _ => return Err(format!("unknown when operator {op:?}")),
            };
            if !holds {
                return Ok(false);
            }
        }
    }
    Ok(true)
}
