//! Helpers: building pipelines from JSON, lowering, and the conformance checks (schemas, and what they cannot check).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use dispatch_tekton::{LowerOptions, Lowered, Selection, Target, lower};
use dispatch_trigger::{ContextVars, Event};
use dispatchfile_model::names::is_dns1123_label;
use dispatchfile_model::{
    DecodeOptions, Diagnostic, Diagnostics, Document, Files, Limits, Node, Pipeline, decode,
};
use serde_json::Value;

/// The seed pipeline: push to `master`, `/test` on pull requests.
pub(crate) fn seed() -> Value {
    serde_json::json!({
        "actions": [
            {"on": {"push": {"branches": ["master"]}}, "tasks": ["test"]},
            {"on": {"pull_request": {"chatops": ["test"]}}, "tasks": ["test"]}
        ],
        "resource": {"src-git": {"param": {"revision": "$(context.git.commit)", "url": "$(context.git.url)"}, "type": "git"}},
        "task": {"test": {"inputs": ["src-git"], "steps": [
            {"command": ["go", "test", "./..."], "image": "golang:1.13.0-buster", "name": "test", "workingDir": "/workspace/src-git"}
        ]}}
    })
}

/// Decodes a data-format pipeline; panics on errors.
pub(crate) fn pipeline(json: &Value) -> Pipeline {
    let doc = Document {
        root: Node::from_json(json, dispatchfile_model::Span::default()),
    };
    let decoded = decode(&doc, &DecodeOptions::default(), &Limits::default());
    let errors: Vec<&Diagnostic> = decoded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    decoded
        .pipeline
        .unwrap_or_else(|| panic!("test pipeline must decode: {errors:?}"))
}

/// The push to `master` of the worked example.
pub(crate) fn push_master() -> Event {
    Event::from_json(
        r#"{"kind":"push","branch":"master","commit":"5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0","url":"https://github.com/example/app.git"}"#,
    )
    .expect("the worked example's event parses")
}

/// Lowers `tasks` of `p` for the push event with `options`.
pub(crate) fn lower_push(
    p: &Pipeline,
    tasks: &[&str],
    options: &LowerOptions,
) -> Result<Lowered, Diagnostics> {
    // The first action fired, when there is one (lowering refuses actions that do not exist).
    let selection = Selection::new(
        if p.actions.is_empty() {
            vec![]
        } else {
            vec![0]
        },
        tasks.iter().map(|t| (*t).to_owned()).collect(),
        ContextVars::for_event(&push_master(), None),
    );
    lower(p, &selection, options)
}

/// Renders diagnostics one per line, without positions.
pub(crate) fn render_diagnostics(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| d.render(&Files::new(), "Dispatchfile") + "\n")
        .collect()
}

/// The shared folder, or `None` when `DISPATCH_SHARED` is unset, after saying that the calling
/// test skipped `what`. The only place this crate's tests read the variable.
///
/// The notice is written to the process's stderr directly: libtest captures `println!` and
/// `eprintln!` of passing tests, so plain `cargo test` would not show it.
pub(crate) fn shared(what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("DISPATCH_SHARED").map(PathBuf::from);
    if dir.is_none() {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        let _ = writeln!(
            std::io::stderr(),
            "skipped {what} in {test}: DISPATCH_SHARED is not set"
        );
    }
    dir
}

/// Compiled Tekton schemas by file stem (`task_v1`, `pipelinerun_v1_full`, …).
fn schemas() -> Option<&'static BTreeMap<String, jsonschema::Validator>> {
    static SCHEMAS: OnceLock<Option<BTreeMap<String, jsonschema::Validator>>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let dir = shared("the Tekton schema checks of every test")?.join("schemas/tekton");
            let mut out = BTreeMap::new();
            for kind in ["task", "pipeline", "pipelinerun"] {
                for suffix in ["v1", "v1_full", "v1beta1"] {
                    let stem = format!("{kind}_{suffix}");
                    let text = std::fs::read_to_string(dir.join(format!("{stem}.json")))
                        .unwrap_or_else(|e| panic!("schema {stem} must be readable: {e}"));
                    let schema: Value = serde_json::from_str(&text).expect("schemas are JSON");
                    let validator = jsonschema::validator_for(&schema)
                        .unwrap_or_else(|e| panic!("schema {stem} compiles: {e}"));
                    out.insert(stem, validator);
                }
            }
            Some(out)
        })
        .as_ref()
}

/// Every conformance problem in one lowered build, as text (empty = conformant).
///
/// Schemas (strict and full, or v1beta1), YAML read back equal to the JSON output, unique and
/// DNS-1123 names, param and result name syntax, every `$(params…)`, `$(workspaces…)`,
/// `$(results…)` and `$(tasks…results…)` resolvable, `runAfter` targets existing and acyclic, every
/// Pipeline param and workspace supplied by the PipelineRun, every declared param used, and no
/// Dispatch syntax left.
pub(crate) fn problems(lowered: &Lowered, target: Target) -> Vec<String> {
    let mut out = Vec::new();
    let json: Value = serde_json::from_str(&lowered.to_json()).expect("to_json is JSON");
    let docs = json.as_array().expect("to_json is an array").clone();

    out.extend(yaml_round_trip(lowered, &docs));

    // Schemas.
    if let Some(schemas) = schemas() {
        for doc in &docs {
            let kind = doc["kind"].as_str().unwrap_or("").to_ascii_lowercase();
            let stems: Vec<String> = match target {
                Target::V1Beta1 => vec![format!("{kind}_v1beta1")],
                _ => vec![format!("{kind}_v1"), format!("{kind}_v1_full")],
            };
            for stem in stems {
                for e in schemas[&stem].iter_errors(doc) {
                    out.push(format!("{stem}: {} at {}", e, e.instance_path()));
                }
            }
        }
    }

    // Cross-references.
    let tasks: BTreeMap<&str, &Value> = docs
        .iter()
        .filter(|d| d["kind"] == "Task")
        .map(|d| (d["metadata"]["name"].as_str().unwrap_or(""), d))
        .collect();
    if tasks.len() != docs.iter().filter(|d| d["kind"] == "Task").count() {
        out.push("duplicate Task names".to_owned());
    }
    for (name, task) in &tasks {
        if !is_dns1123_label(name) {
            out.push(format!("Task name {name:?} is not a DNS-1123 label"));
        }
        let spec = &task["spec"];
        let params = names_of(&spec["params"]);
        let results = names_of(&spec["results"]);
        let workspaces = names_of(&spec["workspaces"]);
        let volumes = names_of(&spec["volumes"]);
        unique(&mut out, &format!("Task {name} params"), &spec["params"]);
        unique(&mut out, &format!("Task {name} results"), &spec["results"]);
        unique(
            &mut out,
            &format!("Task {name} workspaces"),
            &spec["workspaces"],
        );
        unique(&mut out, &format!("Task {name} volumes"), &spec["volumes"]);
        unique(&mut out, &format!("Task {name} steps"), &spec["steps"]);
        for p in &params {
            if !param_name_ok(p) {
                out.push(format!("Task {name}: param name {p:?} is invalid"));
            }
        }
        for r in &results {
            if !result_name_ok(r) {
                out.push(format!("Task {name}: result name {r:?} is invalid"));
            }
        }
        let mut used_params = BTreeSet::new();
        for (i, step) in spec["steps"].as_array().into_iter().flatten().enumerate() {
            let sname = step["name"].as_str().unwrap_or("");
            if !is_dns1123_label(sname) {
                out.push(format!(
                    "Task {name}: step #{i} name {sname:?} is not a DNS-1123 label"
                ));
            }
            for m in step["volumeMounts"].as_array().into_iter().flatten() {
                let v = m["name"].as_str().unwrap_or("");
                if !volumes.contains(v) {
                    out.push(format!(
                        "Task {name}: step {sname} mounts undeclared volume {v:?}"
                    ));
                }
            }
            let mut env_names = BTreeSet::new();
            for e in step["env"].as_array().into_iter().flatten() {
                if !env_names.insert(e["name"].as_str().unwrap_or("")) {
                    out.push(format!(
                        "Task {name}: step {sname} sets env {} twice",
                        e["name"]
                    ));
                }
            }
        }
        for s in strings(spec) {
            for var in variables(&s) {
                let parts: Vec<&str> = var.split('.').collect();
                match parts.as_slice() {
                    ["params", p, ..] => {
                        used_params.insert((*p).to_owned());
                        if !params.contains(*p) {
                            out.push(format!("Task {name}: $({var}) names no declared param"));
                        }
                    }
                    ["workspaces", w, "path"] if !workspaces.contains(*w) => {
                        out.push(format!("Task {name}: $({var}) names no declared workspace"));
                    }
                    ["results", r, "path"] if !results.contains(*r) => {
                        out.push(format!("Task {name}: $({var}) names no declared result"));
                    }
                    _ => {}
                }
            }
        }
        for p in params.difference(&used_params) {
            out.push(format!(
                "Task {name}: param {p:?} is declared but never used"
            ));
        }
    }

    for pipeline in docs.iter().filter(|d| d["kind"] == "Pipeline") {
        let pname = pipeline["metadata"]["name"].as_str().unwrap_or("");
        let spec = &pipeline["spec"];
        let params = names_of(&spec["params"]);
        let workspaces = names_of(&spec["workspaces"]);
        unique(&mut out, "Pipeline params", &spec["params"]);
        unique(&mut out, "Pipeline workspaces", &spec["workspaces"]);
        unique(&mut out, "Pipeline tasks", &spec["tasks"]);
        let ptasks: Vec<&Value> = spec["tasks"].as_array().into_iter().flatten().collect();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut used_params = BTreeSet::new();
        let mut used_ws = BTreeSet::new();
        for pt in &ptasks {
            let n = pt["name"].as_str().unwrap_or("");
            if !is_dns1123_label(n) {
                out.push(format!("PipelineTask name {n:?} is not a DNS-1123 label"));
            }
            // runAfter only names earlier PipelineTasks: targets exist and there is no cycle.
            for r in pt["runAfter"].as_array().into_iter().flatten() {
                let r = r.as_str().unwrap_or("");
                if !seen.contains(r) {
                    out.push(format!(
                        "PipelineTask {n}: runAfter {r:?} is not an earlier PipelineTask"
                    ));
                }
            }
            let target = tasks.get(pt["taskRef"]["name"].as_str().unwrap_or(""));
            if let Some(task) = target {
                let declared = names_of(&task["spec"]["params"]);
                let passed = names_of(&pt["params"]);
                if declared != passed {
                    out.push(format!(
                        "PipelineTask {n}: passes params {passed:?}, Task declares {declared:?}"
                    ));
                }
                let declared_ws = names_of(&task["spec"]["workspaces"]);
                let bound = names_of(&pt["workspaces"]);
                if declared_ws != bound {
                    out.push(format!("PipelineTask {n}: binds workspaces {bound:?}, Task declares {declared_ws:?}"));
                }
            }
            for w in pt["workspaces"].as_array().into_iter().flatten() {
                let w = w["workspace"].as_str().unwrap_or("");
                used_ws.insert(w.to_owned());
                if !workspaces.contains(w) {
                    out.push(format!(
                        "PipelineTask {n}: workspace {w:?} is not a Pipeline workspace"
                    ));
                }
            }
            for s in strings(&pt["params"]) {
                for var in variables(&s) {
                    let parts: Vec<&str> = var.split('.').collect();
                    match parts.as_slice() {
                        ["params", p] => {
                            used_params.insert((*p).to_owned());
                            if !params.contains(*p) {
                                out.push(format!(
                                    "PipelineTask {n}: $({var}) names no Pipeline param"
                                ));
                            }
                        }
                        ["tasks", t, "results", r] => {
                            let ok = seen.contains(t)
                                && ptasks.iter().any(|x| {
                                    x["name"] == *t
                                        && tasks
                                            .get(x["taskRef"]["name"].as_str().unwrap_or(""))
                                            .is_some_and(|task| {
                                                names_of(&task["spec"]["results"]).contains(*r)
                                            })
                                });
                            if !ok {
                                out.push(format!(
                                    "PipelineTask {n}: $({var}) names no result of an earlier task"
                                ));
                            }
                        }
                        _ => out.push(format!("PipelineTask {n}: unexpected variable $({var})")),
                    }
                }
            }
            seen.insert(n);
        }
        for p in params.difference(&used_params) {
            out.push(format!("Pipeline param {p:?} is never used"));
        }
        for w in workspaces.iter().filter(|w| !used_ws.contains(*w)) {
            out.push(format!("Pipeline workspace {w:?} is never used"));
        }
        for run in docs.iter().filter(|d| d["kind"] == "PipelineRun") {
            if run["spec"]["pipelineRef"]["name"] != pname {
                out.push("PipelineRun does not refer to the Pipeline".to_owned());
            }
            if names_of(&run["spec"]["params"]) != params {
                out.push("PipelineRun params differ from the Pipeline's".to_owned());
            }
            if names_of(&run["spec"]["workspaces"]) != workspaces {
                out.push("PipelineRun workspaces differ from the Pipeline's".to_owned());
            }
        }
    }

    // No Dispatch syntax left anywhere.
    for doc in &docs {
        for s in strings(doc) {
            let dispatch_vars = ["$(inputs.", "$(outputs.", "$(resources."]
                .into_iter()
                .map(str::to_owned)
                .chain(
                    dispatchfile_model::names::CONTEXT_VARIABLES
                        .iter()
                        .map(|v| format!("$(context.{v})")),
                );
            for v in dispatch_vars {
                if s.contains(&v) {
                    out.push(format!("leftover Dispatch syntax {v:?} in {s:?}"));
                }
            }
        }
    }
    out
}

/// Problems reading the YAML stream back: it must give the same documents as the JSON output
/// (our emitter against an independent YAML reader).
pub(crate) fn yaml_round_trip(lowered: &Lowered, docs: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let yaml = lowered.to_yaml();
    let parts: Vec<&str> = yaml.split("\n---\n").collect();
    if parts.len() != docs.len() {
        out.push(format!(
            "YAML has {} documents, JSON {}",
            parts.len(),
            docs.len()
        ));
    }
    for (i, (part, doc)) in parts.iter().zip(docs).enumerate() {
        let mut options = dispatchfile_parse::ParseOptions::default();
        options.format = Some(dispatchfile_parse::Format::Yaml);
        let text = if part.ends_with('\n') {
            (*part).to_owned()
        } else {
            format!("{part}\n")
        };
        let parsed =
            dispatchfile_parse::parse(text.as_bytes(), "out.yaml", &options, &Limits::default());
        match parsed.document {
            Some(d) if d.root.to_json() == *doc => {}
            Some(d) => out.push(format!(
                "document {i}: YAML reads back as {} instead of {doc}",
                d.root.to_json()
            )),
            None => out.push(format!(
                "document {i}: YAML does not parse: {:?}",
                parsed.diagnostics
            )),
        }
    }

    out
}

/// Panics with every problem of [`problems`].
pub(crate) fn assert_conformant(lowered: &Lowered, target: Target) {
    let p = problems(lowered, target);
    assert!(
        p.is_empty(),
        "lowered output is not conformant:\n{}\n\n{}",
        p.join("\n"),
        lowered.to_yaml()
    );
}

fn names_of(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["name"].as_str().map(str::to_owned))
        .collect()
}

fn unique(out: &mut Vec<String>, what: &str, list: &Value) {
    let all: Vec<&str> = list
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["name"].as_str())
        .collect();
    if all.len() != all.iter().collect::<BTreeSet<_>>().len() {
        out.push(format!("{what}: duplicate names {all:?}"));
    }
}

fn param_name_ok(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn result_name_ok(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Every string in a JSON value.
fn strings(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => stack.extend(a),
            Value::Object(o) => stack.extend(o.values()),
            _ => {}
        }
    }
    out
}

/// The names inside `$(…)` in `s` that look like Tekton variables (`params.x`, `tasks.t.results.r`).
fn variables(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("$(") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        let inner = &after[..end];
        if ["params.", "workspaces.", "results.", "tasks."]
            .iter()
            .any(|p| inner.starts_with(p))
            && !inner.contains(' ')
        {
            out.push(inner.to_owned());
        }
        rest = &after[end + 1..];
    }
    out
}
