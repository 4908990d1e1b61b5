//! `pkg/matcher/annotation_matcher.go` and `cel.go`: which PipelineRuns an event selects.

use std::sync::OnceLock;

use serde_json::Value;

use crate::celenv::{self, Outcome, Which};
use crate::event::{ORG, PacEvent, REPO_URL};
use crate::glob::Glob;
use crate::re2::Re2;

/// The annotation prefix.
pub(crate) const PREFIX: &str = "pipelinesascode.tekton.dev/";

/// A failure that stops PaC from starting anything for the event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The matcher returned an error.
    Error(String),
    /// The matcher panicked (`glob.MustCompile`).
    Panic(String),
}

/// `getAnnotationValues`.
pub(crate) fn get_annotation_values(annotation: &str) -> Result<Vec<String>, String> {
    static RE: OnceLock<Re2> = OnceLock::new();
    let re = RE.get_or_init(|| Re2::new(r"^\[(.*)\]$|^[^[\]\s]*$").expect("compiles"));
    let annotation = annotation.trim();
    if !re.is_match(annotation) {
        return Err(format!(
            "annotations in pipeline are in wrong format: {annotation}"
        ));
    }
    if !annotation.starts_with('[') {
        return Ok(vec![annotation.replace("&#44;", ",")]);
    }
    let inner = re
        .captures(annotation)
        .and_then(|c| c.get(1).cloned().flatten())
        .unwrap_or_default();
    let split: Vec<String> = inner
        .split(',')
        .map(|s| s.replace("&#44;", ",").trim().to_owned())
        .collect();
    if split[0].is_empty() {
        return Err(format!("annotation \"{annotation}\" has empty values"));
    }
    Ok(split)
}

fn must_glob(pattern: &str, s: &str) -> Result<bool, Stop> {
    Glob::new(pattern)
        .map(|g| g.is_match(s))
        .map_err(|e| Stop::Panic(format!("glob.MustCompile: {e}")))
}

/// `branchMatch(prunBranch, baseBranch)`; `Err` where PaC panics.
pub(crate) fn branch_match(prun: &str, base: &str) -> Result<bool, Stop> {
    let full = |b: &str| {
        if !b.starts_with("refs/heads/") && !b.starts_with("refs/tags/") {
            format!("refs/heads/{b}")
        } else {
            b.to_owned()
        }
    };
    if prun.starts_with("refs/heads/") {
        return must_glob(prun, &full(base));
    }
    if !prun.starts_with("refs/tags/") {
        return must_glob(&format!("refs/heads/{prun}"), &full(base));
    }
    must_glob(prun, base)
}

/// `matchOnAnnotation`.
pub(crate) fn match_on_annotation(
    annotation: &str,
    targets: &[String],
    branch_matching: bool,
) -> Result<bool, Stop> {
    let values = get_annotation_values(annotation).map_err(Stop::Error)?;
    // `gotit` keeps the last matching value; an empty one counts as no match.
    let mut gotit = String::new();
    for v in &values {
        for e in targets {
            if v == e {
                gotit.clone_from(v);
            }
            if branch_matching && branch_match(v, e)? {
                gotit.clone_from(v);
            }
        }
    }
    Ok(!gotit.is_empty())
}

fn annotation<'a>(run: &'a Value, key: &str) -> Option<&'a str> {
    run.get("metadata")?
        .get("annotations")?
        .get(format!("{PREFIX}{key}"))?
        .as_str()
}

/// `getTargetBranch`: (matched, on-event value, on-target-branch value).
pub(crate) fn get_target_branch(
    run: &Value,
    event: &PacEvent,
) -> Result<(bool, String, String), Stop> {
    let no = || Ok((false, String::new(), String::new()));
    let mut target_event = String::new();
    let mut target_branch = String::new();
    if let Some(key) = annotation(run, "on-event") {
        if key == "[]" {
            return Err(Stop::Error("annotation on-event is empty".into()));
        }
        let targets = if event.event_type == "incoming" {
            vec!["incoming".to_owned(), "push".to_owned()]
        } else {
            vec![event.trigger_target.clone()]
        };
        let m = match_on_annotation(key, &targets, false)?;
        key.clone_into(&mut target_event);
        if !m {
            return no();
        }
    }
    if let Some(key) = annotation(run, "on-target-branch") {
        if key == "[]" {
            return Err(Stop::Error("annotation on-target-branch is empty".into()));
        }
        let targets = vec![event.base_branch.clone()];
        let m = match_on_annotation(key, &targets, true)?;
        key.clone_into(&mut target_branch);
        if !m {
            return no();
        }
    }
    if target_event.is_empty() || target_branch.is_empty() {
        return no();
    }
    Ok((true, target_event, target_branch))
}

/// The name PaC knows a PipelineRun by (`generateName` first).
pub(crate) fn run_name(run: &Value) -> String {
    let md = run.get("metadata");
    let g = md
        .and_then(|m| m.get("generateName"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if !g.is_empty() {
        return g.to_owned();
    }
    md.and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

/// `celEvaluate` of the matcher: `Ok(true)` only when the result is exactly `true`.
/// Mutates the event as PaC does (the `refs/heads/` stripping on push).
pub(crate) fn cel_evaluate(expr: &str, event: &mut PacEvent) -> Result<bool, Stop> {
    let Ok(checked) = celenv::compile(Which::Matcher, expr) else {
        return Ok(false);
    };
    let root = checked.expr();
    if event.trigger_target == "push" {
        if celenv::has_ident(root, "target_branch")
            && !celenv::has_refs_heads_literal(root)
            && let Some(s) = event.base_branch.strip_prefix("refs/heads/")
        {
            event.base_branch = s.to_owned();
        }
        if celenv::has_ident(root, "source_branch")
            && !celenv::has_refs_heads_literal(root)
            && let Some(s) = event.head_branch.strip_prefix("refs/heads/")
        {
            event.head_branch = s.to_owned();
        }
    }
    if event.trigger_target == "pull_request"
        && event.event_type == "pull_request_labeled"
        && !celenv::mentions_labels(root)
    {
        return Ok(false);
    }
    let headers: Vec<(String, String)> = event
        .headers
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    let files = event.files.clone();
    let files_map: Vec<(String, cel::Value)> = vec![
        ("all".into(), celenv::string_list(&files)),
        ("added".into(), celenv::string_list(&[])),
        ("deleted".into(), celenv::string_list(&[])),
        ("modified".into(), celenv::string_list(&files)),
        ("renamed".into(), celenv::string_list(&[])),
    ];
    let files_val = cel::Value::from(
        files_map
            .into_iter()
            .map(|(k, v)| (cel::objects::Key::from(k), v))
            .collect::<std::collections::HashMap<_, _>>(),
    );
    let s = |x: &str| cel::Value::String(std::sync::Arc::new(x.to_owned()));
    let vars = vec![
        ("event", s(&event.trigger_target)),
        ("event_type", s(&event.event_type)),
        ("event_title", s(&event.title)),
        ("target_branch", s(&event.base_branch)),
        ("source_branch", s(&event.head_branch)),
        ("target_url", s(REPO_URL)),
        ("source_url", s(REPO_URL)),
        ("body", celenv::json_to_cel(&event.body)),
        ("headers", celenv::string_map(&headers)),
        ("files", files_val),
    ];
    let _ = ORG;
    match celenv::run(&checked, Which::Matcher, vars, &files) {
        Outcome::Value(cel::Value::Bool(true)) => Ok(true),
        Outcome::Value(_) | Outcome::Error(_) => Ok(false),
        Outcome::Panic(p) => Err(Stop::Panic(p)),
    }
}

/// `MatchPipelinerunByAnnotation` over `runs` (parsed PipelineRuns): the indices selected.
/// `Err` when PaC starts nothing (an error or a panic).
pub(crate) fn match_by_annotation(
    runs: &[Value],
    event: &mut PacEvent,
) -> Result<Vec<usize>, Stop> {
    let mut matched = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let name = run_name(run);
        let _ = name;
        let Some(anns) = run.get("metadata").and_then(|m| m.get("annotations")) else {
            continue;
        };
        if anns.is_null() {
            continue;
        }
        if annotation(run, "target-namespace").is_some() {
            // Needs a Repository in that namespace: the model has none.
            continue;
        }
        if let Some(on_comment) = annotation(run, "on-comment") {
            let Ok(re) = Re2::new(on_comment) else {
                continue;
            };
            let c = event.trigger_comment.as_str();
            let c = c.strip_suffix("\r\n").unwrap_or(c);
            let c = c.strip_prefix("\r\n").unwrap_or(c);
            if re.is_match(c.trim()) {
                event.event_type = "on-comment".into();
                matched.push(i);
                continue;
            }
        }
        if event.event_type == "no-ops-comment" || event.event_type == "on-comment" {
            continue;
        }
        if let Some(expr) = annotation(run, "on-cel-expression") {
            if !cel_evaluate(expr, event)? {
                continue;
            }
        } else {
            let has_on_label = annotation(run, "on-label").is_some();
            if event.trigger_target == "pull_request"
                && event.event_type == "pull_request_labeled"
                && !has_on_label
            {
                continue;
            }
            if !get_target_branch(run, event)?.0 {
                continue;
            }
            if let Some(key) = annotation(run, "on-path-change")
                && !match_on_annotation(key, &event.files, true)?
            {
                continue;
            }
            if let Some(key) = annotation(run, "on-label")
                && !match_on_annotation(key, &event.labels, false)?
            {
                continue;
            }
            if let Some(key) = annotation(run, "on-path-change-ignore")
                && match_on_annotation(key, &event.files, true)?
            {
                continue;
            }
        }
        matched.push(i);
    }
    if matched.is_empty() {
        return Err(Stop::Error(
            "cannot match the event to any pipelineruns".into(),
        ));
    }
    Ok(matched)
}
