//! One event through PaC and Tekton: `simulate`.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use dispatchfile_model::{Limits, Node, Value as YValue};
use dispatchfile_parse::{Format, ParseOptions, parse};
use serde_json::Value;

use crate::event::PacEvent;
use crate::matcher::{self, Stop};
use crate::tekton;
use crate::templates::{self, Scope};

/// One started PipelineRun.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RunResult {
    /// The PipelineRun's name.
    pub(crate) name: String,
    /// The pipeline tasks that execute.
    pub(crate) tasks: Vec<String>,
    /// Their Dispatch task names.
    pub(crate) dispatch_tasks: Vec<String>,
}

/// What PaC does with an event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SimResult {
    /// The runs started.
    pub(crate) runs: Vec<RunResult>,
    /// Why nothing started, when PaC stopped early (no match is not a stop).
    pub(crate) stopped: Option<String>,
}

impl SimResult {
    /// Every Dispatch task executed, with repetitions, over all runs.
    pub(crate) fn dispatch_tasks(&self) -> Vec<String> {
        self.runs
            .iter()
            .flat_map(|r| r.dispatch_tasks.iter().cloned())
            .collect()
    }
}

fn node_to_json(n: &Node) -> Value {
    match &n.value {
        YValue::Null => Value::Null,
        YValue::Bool(b) => Value::Bool(*b),
        YValue::Number(s) => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(s.clone())),
        YValue::String(s) => Value::String(s.clone()),
        YValue::Array(a) => Value::Array(a.iter().map(node_to_json).collect()),
        YValue::Object(es) => {
            let mut o = serde_json::Map::new();
            for e in es {
                o.insert(e.key.clone(), node_to_json(&e.value));
            }
            Value::Object(o)
        }
    }
}

thread_local! {
    static PARSED: RefCell<HashMap<String, Result<Vec<Value>, String>>> = RefCell::new(HashMap::new());
}

/// [`parse_stream_uncached`], remembered per text (the same texts recur from event to event).
pub(crate) fn parse_stream(text: &str) -> Result<Vec<Value>, String> {
    if let Some(r) = PARSED.with(|m| m.borrow().get(text).cloned()) {
        return r;
    }
    let r = parse_stream_uncached(text);
    PARSED.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 4096 {
            m.clear();
        }
        m.insert(text.to_owned(), r.clone());
    });
    r
}

/// Splits a YAML stream into documents and parses each (empty documents are left out).
pub(crate) fn parse_stream_uncached(text: &str) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    let mut cur = String::new();
    let mut flush = |cur: &mut String| -> Result<(), String> {
        let meaningful = cur
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if meaningful {
            let mut o = ParseOptions::default();
            o.format = Some(Format::Yaml);
            let p = parse(cur.as_bytes(), "pipelinerun.yaml", &o, &Limits::default());
            match p.document {
                Some(d) => docs.push(node_to_json(&d.root)),
                None => {
                    return Err(format!(
                        "invalid YAML: {}",
                        p.diagnostics
                            .iter()
                            .map(|d| d.message.clone())
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                }
            }
        }
        cur.clear();
        Ok(())
    };
    for line in text.split_inclusive('\n') {
        let l = line.trim_end();
        if l == "---" || l.starts_with("--- ") {
            flush(&mut cur)?;
            continue;
        }
        cur.push_str(line);
    }
    flush(&mut cur)?;
    Ok(docs)
}

fn pipeline_runs(docs: Vec<Value>) -> Vec<Value> {
    docs.into_iter()
        .filter(|d| d.get("kind").and_then(Value::as_str) == Some("PipelineRun"))
        .collect()
}

/// Go's `json.Marshal` text (HTML-escaped) of a value.
fn go_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_default();
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn stop(why: String) -> SimResult {
    SimResult {
        runs: Vec::new(),
        stopped: Some(why),
    }
}

/// Runs `event` through PaC over the `.tekton/` YAML stream and Tekton over the started runs.
pub(crate) fn simulate(yaml: &str, event: &PacEvent) -> SimResult {
    if event.trigger_target == "pull_request_closed" {
        return stop("pull request closed: PaC only cancels".into());
    }
    if event.cancel {
        return stop("/cancel: PaC only cancels".into());
    }
    let skip = ["[skip ci]", "[ci skip]", "[skip tkn]", "[tkn skip]"];
    let commit_event = matches!(
        event.event_type.as_str(),
        "push" | "pull_request" | "pull_request_labeled"
    );
    if commit_event && skip.iter().any(|s| event.commit_message.contains(s)) {
        return stop("a skip command in the head commit's message".into());
    }
    let raw = match parse_stream(yaml) {
        Ok(d) => pipeline_runs(d),
        Err(e) => return stop(e),
    };
    if raw.is_empty() {
        return stop("no PipelineRun".into());
    }
    let names: BTreeSet<String> = raw.iter().map(matcher::run_name).collect();
    if names.len() != raw.len() {
        return stop("duplicate PipelineRun names".into());
    }
    let mut ev = event.clone();
    if ev.target_test_pipeline_run.is_empty()
        && let Err(Stop::Panic(p)) = matcher::match_by_annotation(&raw, &mut ev)
    {
        return stop(format!("panic: {p}"));
    }
    let dico = templates::standard_params(&ev);
    let full = Scope {
        dico: &dico,
        body: Some(&ev.body),
        headers: Some(&ev.headers),
        files: Some(&ev.files),
    };
    let text = templates::substitute(yaml, &full);
    let runs = match parse_stream(&text) {
        Ok(d) => pipeline_runs(d),
        Err(e) => return stop(format!("after placeholders: {e}")),
    };
    // changePipelineRun: every run again, as JSON, with git_auth_secret then the full map.
    let mut secret = BTreeMap::new();
    secret.insert("git_auth_secret".to_owned(), "pac-gitauth-model".to_owned());
    let first = Scope {
        dico: &secret,
        body: None,
        headers: None,
        files: None,
    };
    let mut again = Vec::new();
    for r in &runs {
        let j = templates::substitute(&go_json(r), &first);
        let j = templates::substitute(&j, &full);
        match serde_json::from_str::<Value>(&j) {
            Ok(v) => again.push(v),
            Err(e) => return stop(format!("failed to unmarshal PipelineRun: {e}")),
        }
    }
    let selected: Vec<usize> = if ev.target_test_pipeline_run.is_empty() {
        match matcher::match_by_annotation(&again, &mut ev) {
            Ok(m) => m,
            Err(Stop::Error(_)) => return SimResult::default(),
            Err(Stop::Panic(p)) => return stop(format!("panic: {p}")),
        }
    } else {
        match again.iter().position(|r| {
            matcher::run_name(r).trim_end_matches('-') == ev.target_test_pipeline_run
                || matcher::run_name(r) == ev.target_test_pipeline_run
        }) {
            Some(i) => vec![i],
            None => return SimResult::default(),
        }
    };
    let mut out = SimResult::default();
    for i in selected {
        let r = &again[i];
        match tekton::execute(r) {
            Ok(x) => out.runs.push(RunResult {
                name: matcher::run_name(r),
                tasks: x.tasks,
                dispatch_tasks: x.dispatch,
            }),
            Err(e) => return stop(format!("tekton: {e}")),
        }
    }
    out
}
