//! A small model of Pipelines-as-Code (as read from its v0.50 sources) to run our output
//! against events: the GitHub event it sees, its GitOps comment commands, `on-comment`,
//! `on-cel-expression` (cel-rust), the `{{ … }}` placeholders over the PipelineRun text, and
//! Tekton's `when` expressions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use dispatch_trigger::Event;
use serde_json::{Value, json};

/// An event as Pipelines-as-Code sees it.
#[derive(Clone, Debug)]
pub(crate) struct View {
    /// `push` or `pull_request` (PaC's trigger target).
    pub(crate) event: &'static str,
    pub(crate) event_type: String,
    /// Full ref on pushes (`refs/heads/x`, `refs/tags/v1`), short branch on pull requests.
    pub(crate) base: String,
    pub(crate) head: String,
    pub(crate) files: Vec<String>,
    pub(crate) labels: Vec<String>,
    /// The raw comment ("" when none).
    pub(crate) comment: String,
    pub(crate) number: u64,
    pub(crate) sha: String,
    pub(crate) url: String,
    pub(crate) body: Value,
    /// `/test NAME`, `/retest NAME`.
    pub(crate) target: Option<String>,
    pub(crate) cancel: bool,
}

fn ops_type(comment: &str) -> (&'static str, Option<String>) {
    let re = |p: &str| regex::Regex::new(p).expect("valid");
    let name = |cmd: &str| {
        let r = re(&format!(r"(?m)^\s*/{cmd}[ \t]+(\S+)"));
        r.captures(comment).map(|c| c[1].to_owned())
    };
    if re(r"(?m)^\s*/retest\s*$").is_match(comment) {
        ("retest-all-comment", None)
    } else if re(r"(?m)^\s*/retest[ \t]+\S+").is_match(comment) {
        ("retest-comment", name("retest"))
    } else if re(r"(?m)^\s*/test\s*$").is_match(comment) {
        ("test-all-comment", None)
    } else if re(r"(?m)^\s*/test[ \t]+\S+").is_match(comment) {
        ("test-comment", name("test"))
    } else if re(r"(^|\n)\s*/ok-to-test(?:\s+([a-fA-F0-9]{7,40}))?\s*(\r\n|\r|\n|$)")
        .is_match(comment)
    {
        ("ok-to-test-comment", None)
    } else if re(r"(?m)^\s*/cancel\s*$").is_match(comment) {
        ("cancel-all-comment", None)
    } else if re(r"(?m)^\s*/cancel[ \t]+\S+").is_match(comment) {
        ("cancel-comment", None)
    } else {
        ("no-ops-comment", None)
    }
}

impl View {
    /// The view of a Dispatch event; `None` when PaC has no such event or no counterpart for
    /// it (unknown changed files: PaC always knows them).
    pub(crate) fn from_event(e: &Event) -> Option<View> {
        let labels_json =
            |l: &[String]| -> Value { l.iter().map(|n| json!({"name": n})).collect() };
        match e {
            Event::Push(p) => {
                let files = p.changed.clone()?;
                let r = format!("refs/heads/{}", p.branch);
                Some(View {
                    event: "push",
                    event_type: "push".into(),
                    base: r.clone(),
                    head: r.clone(),
                    files,
                    labels: Vec::new(),
                    comment: String::new(),
                    number: 0,
                    sha: p.commit.clone(),
                    url: p.url.clone(),
                    body: json!({"ref": r, "after": p.commit, "head_commit": {"id": p.commit}}),
                    target: None,
                    cancel: false,
                })
            }
            Event::Tag(t) => {
                let r = format!("refs/tags/{}", t.tag);
                Some(View {
                    event: "push",
                    event_type: "push".into(),
                    base: r.clone(),
                    head: r.clone(),
                    files: vec!["README.md".into()],
                    labels: Vec::new(),
                    comment: String::new(),
                    number: 0,
                    sha: t.commit.clone(),
                    url: t.url.clone(),
                    body: json!({"ref": r, "after": t.commit}),
                    target: None,
                    cancel: false,
                })
            }
            Event::PullRequest(p) => Some(View {
                event: "pull_request",
                event_type: "pull_request".into(),
                base: p.base.clone(),
                head: p.head.clone(),
                files: p.changed.clone()?,
                labels: p.labels.clone(),
                comment: String::new(),
                number: p.number,
                sha: p.commit.clone(),
                url: p.url.clone(),
                body: json!({
                    "action": p.action.as_str(),
                    "number": p.number,
                    "pull_request": {"number": p.number, "labels": labels_json(&p.labels),
                        "base": {"ref": p.base}, "head": {"ref": p.head, "sha": p.commit}},
                }),
                target: None,
                cancel: false,
            }),
            Event::PullRequestComment(c) => {
                let (event_type, target) = ops_type(&c.comment);
                Some(View {
                    event: "pull_request",
                    event_type: event_type.into(),
                    base: c.base.clone(),
                    head: c.head.clone(),
                    files: c.changed.clone()?,
                    labels: c.labels.clone(),
                    comment: c.comment.clone(),
                    number: c.number,
                    sha: c.commit.clone(),
                    url: c.url.clone(),
                    body: json!({
                        "action": "created",
                        "comment": {"body": c.comment},
                        "issue": {"number": c.number, "labels": labels_json(&c.labels), "pull_request": {}},
                    }),
                    target,
                    cancel: event_type.starts_with("cancel"),
                })
            }
            _ => None,
        }
    }

    /// Whether a GitOps command of PaC sits on some line of the comment.
    pub(crate) fn has_gitops_command(&self) -> bool {
        !self.comment.is_empty() && self.event_type != "no-ops-comment"
    }
}

fn env(extended: bool) -> Arc<cel::Env> {
    let mut env = cel::Env::stdlib();
    if extended {
        env.add_extension(cel::extensions::strings)
            .expect("strings");
        env.add_extension(cel::extensions::lists).expect("lists");
    }
    Arc::new(env)
}

fn sanitize_branch(s: &str) -> String {
    s.strip_prefix("refs/heads/")
        .or_else(|| s.strip_prefix("refs-heads-"))
        .unwrap_or(s)
        .to_owned()
}

/// Evaluates the `on-cel-expression` annotation the way the matcher does.
pub(crate) fn matcher_cel(expr: &str, v: &View) -> Result<bool, String> {
    let env = env(false);
    let program = env.compile(expr).map_err(|e| format!("compile: {e}"))?;
    let mut base = v.base.clone();
    let mut head = v.head.clone();
    if v.event == "push" && !expr.contains("\"refs/heads/") {
        if let Some(b) = v.base.strip_prefix("refs/heads/") {
            b.clone_into(&mut base);
        }
        if let Some(h) = v.head.strip_prefix("refs/heads/") {
            h.clone_into(&mut head);
        }
    }
    let mut cx = cel::Context::with_env(env);
    cx.add_variable_from_value("event", v.event);
    cx.add_variable_from_value("event_type", v.event_type.clone());
    cx.add_variable_from_value("target_branch", base);
    cx.add_variable_from_value("source_branch", head);
    cx.add_variable_from_value("event_title", "title");
    cx.add_variable_from_value("target_url", v.url.clone());
    cx.add_variable_from_value("source_url", v.url.clone());
    cx.add_variable_from_value("body", cel::to_value(&v.body).map_err(|e| e.to_string())?);
    cx.add_variable_from_value(
        "headers",
        cel::to_value(json!({"x-github-event": "x"})).map_err(|e| e.to_string())?,
    );
    cx.add_variable_from_value(
        "files",
        cel::to_value(
            json!({"all": v.files, "added": v.files, "deleted": [], "modified": [], "renamed": []}),
        )
        .map_err(|e| e.to_string())?,
    );
    match program.execute(&cx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("not a bool: {other:?}")),
        Err(e) => Err(format!("evaluation: {e}")),
    }
}

/// The standard placeholder values for `v` (`event_type` as the templates see it).
pub(crate) fn dico(v: &View, event_type: &str) -> BTreeMap<&'static str, String> {
    let template_type = match event_type {
        "test-all-comment" | "test-comment" | "retest-all-comment" | "retest-comment"
        | "ok-to-test-comment" | "cancel-all-comment" | "cancel-comment" => "pull_request",
        t => t,
    };
    let git_tag = v.base.strip_prefix("refs/tags/").unwrap_or("").to_owned();
    let mut d = BTreeMap::new();
    d.insert("revision", v.sha.clone());
    d.insert("repo_url", v.url.clone());
    d.insert("repo_owner", "owner".to_owned());
    d.insert("repo_name", "repo".to_owned());
    d.insert("target_branch", sanitize_branch(&v.base));
    d.insert("source_branch", sanitize_branch(&v.head));
    d.insert("git_tag", git_tag);
    d.insert("source_url", v.url.clone());
    d.insert("sender", "someone".to_owned());
    d.insert("target_namespace", "ns".to_owned());
    d.insert("event_type", template_type.to_owned());
    d.insert(
        "trigger_comment",
        v.comment.replace("\r\n", "\\n").replace('\n', "\\n"),
    );
    d.insert("pull_request_labels", v.labels.join("\\n"));
    d.insert(
        "pull_request_number",
        if v.number > 0 {
            v.number.to_string()
        } else {
            String::new()
        },
    );
    d
}

/// Evaluates a `{{ cel: … }}` body as the templates do: a string as is, a bool as
/// `true`/`false`, an error as "".
pub(crate) fn placeholder_cel(expr: &str, v: &View, d: &BTreeMap<&'static str, String>) -> String {
    let env = env(true);
    let Ok(program) = env.compile(expr) else {
        return String::new();
    };
    let mut cx = cel::Context::with_env(env);
    for (k, val) in d {
        cx.add_variable_from_value(*k, val.clone());
    }
    for k in ["event", "event_title", "target_url", "git_auth_secret"] {
        cx.add_variable_from_value(k, String::new());
    }
    let Ok(body) = cel::to_value(&v.body) else {
        return String::new();
    };
    cx.add_variable_from_value("body", body);
    if let Ok(h) = cel::to_value(json!({})) {
        cx.add_variable_from_value("headers", h);
    }
    let pac: BTreeMap<String, String> = d
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    if let Ok(p) = cel::to_value(&pac) {
        cx.add_variable_from_value("pac", p);
    }
    if let Ok(f) = cel::to_value(
        json!({"all": v.files, "added": v.files, "deleted": [], "modified": [], "renamed": []}),
    ) {
        cx.add_variable_from_value("files", f);
    }
    match program.execute(&cx) {
        Ok(cel::Value::String(s)) => s.to_string(),
        Ok(cel::Value::Bool(b)) => b.to_string(),
        Ok(other) => format!("{other:?}"),
        Err(_) => String::new(),
    }
}

/// Substitutes every placeholder of the PipelineRun text.
pub(crate) fn substitute(text: &str, v: &View, event_type: &str) -> String {
    let d = dico(v, event_type);
    let re = regex::Regex::new(r"\{\{([^}]{2,})\}\}").expect("valid");
    re.replace_all(text, |c: &regex::Captures<'_>| {
        let key = c[1].trim();
        if let Some(expr) = key.strip_prefix("cel:") {
            return placeholder_cel(expr.trim(), v, &d);
        }
        match d.get(key) {
            Some(val) => val.clone(),
            None => c[0].to_owned(),
        }
    })
    .into_owned()
}

/// Parses one YAML document to JSON.
pub(crate) fn yaml_to_json(text: &str) -> Result<Value, String> {
    let mut options = dispatchfile_parse::ParseOptions::default();
    options.format = Some(dispatchfile_parse::Format::Yaml);
    let parsed = dispatchfile_parse::parse(
        text.as_bytes(),
        "run.yaml",
        &options,
        &dispatchfile_model::Limits::default(),
    );
    parsed
        .document
        .map(|d| d.root.to_json())
        .ok_or_else(|| format!("{:?}", parsed.diagnostics))
}

/// What PaC does with the run for `v`: `Ok(None)` when it does not start it, else the Dispatch
/// tasks that execute.
pub(crate) fn run(yaml: &str, v: &View) -> Result<Option<BTreeSet<String>>, String> {
    let doc = yaml_to_json(yaml)?;
    let name = doc["metadata"]["name"].as_str().unwrap_or("").to_owned();
    let annotations = &doc["metadata"]["annotations"];
    let mut event_type = v.event_type.clone();
    if v.cancel {
        return Ok(None);
    }
    let selected = if let Some(t) = &v.target {
        *t == name
    } else {
        let mut selected = false;
        let mut decided = false;
        if let Some(re) = annotations[dispatch_pac::ON_COMMENT].as_str() {
            let re = regex::Regex::new(re).map_err(|e| format!("on-comment: {e}"))?;
            let stripped = v.comment.strip_suffix("\r\n").unwrap_or(&v.comment);
            let stripped = stripped.strip_prefix("\r\n").unwrap_or(stripped).trim();
            if re.is_match(stripped) {
                selected = true;
                decided = true;
                event_type = "on-comment".into();
            }
        }
        if !decided
            && event_type != "no-ops-comment"
            && event_type != "on-comment"
            && let Some(expr) = annotations[dispatch_pac::ON_CEL_EXPRESSION].as_str()
        {
            let mut view = v.clone();
            view.event_type.clone_from(&event_type);
            selected = matcher_cel(expr, &view)?;
        }
        selected
    };
    if !selected {
        return Ok(None);
    }
    let text = substitute(yaml, v, &event_type);
    let doc = yaml_to_json(&text).map_err(|e| format!("after substitution: {e}\n{text}"))?;
    let params: BTreeMap<String, String> = doc["spec"]["params"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or("").to_owned(),
                p["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let tasks = doc["spec"]["pipelineSpec"]["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut ran = BTreeSet::new();
    let mut ran_pipeline_tasks = BTreeSet::new();
    for t in &tasks {
        let ok = t["when"].as_array().into_iter().flatten().all(|w| {
            let input = w["input"].as_str().unwrap_or("");
            let value = input
                .strip_prefix("$(params.")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|p| params.get(p))
                .cloned()
                .unwrap_or_else(|| input.to_owned());
            let values: Vec<&str> = w["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match w["operator"].as_str() {
                Some("in") => values.contains(&value.as_str()),
                Some("notin") => !values.contains(&value.as_str()),
                _ => false,
            }
        });
        if ok {
            ran_pipeline_tasks.insert(t["name"].as_str().unwrap_or("").to_owned());
            if let Some(n) =
                t["taskSpec"]["metadata"]["annotations"][dispatch_pac::TASK_ANNOTATION].as_str()
            {
                ran.insert(n.to_owned());
            }
        }
    }
    // Every task that runs has what it runs after.
    for t in &tasks {
        let name = t["name"].as_str().unwrap_or("");
        if ran_pipeline_tasks.contains(name) {
            for a in t["runAfter"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !ran_pipeline_tasks.contains(a) {
                    return Err(format!(
                        "{name} runs but {a}, which it runs after, does not"
                    ));
                }
            }
        }
    }
    Ok(Some(ran))
}
