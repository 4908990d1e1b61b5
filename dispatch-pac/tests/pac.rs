//! Tests of the Pipelines-as-Code translation: snapshots, schemas, the CEL pieces evaluated with
//! cel-rust on tables of events, and the equivalence with `dispatch match` over the corpus.
#![allow(
    clippy::disallowed_methods,
    reason = "the tests read the examples, the corpus and the schemas ($DISPATCH_SHARED)"
)]

#[path = "translate/events.rs"]
mod events;
#[path = "translate/model.rs"]
mod model;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

use dispatch_pac::{PacOptions, translate};
use dispatch_trigger::{
    Event, PullRequestAction, PullRequestCommentEvent, PullRequestEvent, PushEvent, TagEvent,
};
use dispatchfile_model::{Limits, Pipeline};
use dispatchfile_parse::{ParseOptions, evaluate};
use serde_json::Value;

fn shared(what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("DISPATCH_SHARED").map(PathBuf::from);
    if dir.is_none() {
        let thread = std::thread::current();
        let _ = writeln!(
            std::io::stderr(),
            "skipped {what} in {}: DISPATCH_SHARED is not set",
            thread.name().unwrap_or("a test")
        );
    }
    dir
}

fn pipeline_of(text: &str, name: &str) -> Option<Pipeline> {
    let result = evaluate(
        text.as_bytes(),
        name,
        &ParseOptions::default(),
        &Limits::default(),
    );
    result.decoded.pipeline
}

fn pipeline(text: &str) -> Pipeline {
    pipeline_of(text, "Dispatchfile").expect("a valid Dispatchfile")
}

fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name);
    std::fs::read_to_string(path).expect("examples are readable")
}

/// A hand-written Dispatchfile with every expressible kind, shared tasks and filters.
const MIXED: &str = r#"#!yaml
resource:
  src-git:
    type: git
    param:
      url: $(context.git.url)
      revision: $(context.git.commit)
task:
  unit:
    inputs: [src-git]
    steps:
      - name: test
        image: golang:1.22
        command: [go, test, ./...]
        workingDir: /workspace/src-git
  lint:
    inputs: [src-git]
    steps:
      - name: lint
        image: golangci/golangci-lint:v1.59
        args: ["run", "--build-tag=$(context.build.name)"]
  deploy:
    inputs: [src-git]
    deps: [unit]
    steps:
      - name: deploy
        image: alpine:3.20
        command: [sh, -c]
        args:
          - |
            echo "deploying $(context.git.branch) at $(context.git.commit)"
            echo 'tag: $(context.git.tag)'
  chat:
    steps:
      - name: say
        image: alpine:3.20
        env:
          - name: COMMAND
            value: $(context.chatop.command)
          - name: ARGS
            value: $(context.chatop.args)
        command: [sh, -c, "echo $COMMAND $ARGS"]
actions:
  - tasks: [unit]
    on:
      push:
        branches: [main, "release/*", "!release/old*"]
        paths: ["**/*.go", "!docs/**"]
  - tasks: [deploy]
    on:
      tag:
        names: ["v*", "!v0.*"]
  - tasks: [unit, lint]
    on:
      pull_request:
        targets: [main]
        labels: ["!wip"]
  - tasks: [chat, unit]
    on:
      pull_request:
        chatops: [build, "deploy-it"]
        sources: ["feature/**"]
  - name: nightly
    tasks: [deploy]
    on:
      cron:
        schedule: "0 2 * * *"
  - tasks: [lint]
    on:
      pull_request:
        chatops: [retest]
"#;

// ---------------------------------------------------------------------------------------------
// Snapshots

#[test]
fn snapshot_seed_example() {
    let p = pipeline(&example("Dispatchfile.yaml"));
    let pac = translate(&p, &PacOptions::default()).expect("translates");
    insta::assert_snapshot!("seed_yaml", pac.to_yaml());
    let diags: Vec<String> = pac.diagnostics().iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("seed_diagnostics", diags.join("\n"));
    assert_eq!(pac.inexpressible_actions(), [1]);
}

#[test]
fn snapshot_mixed() {
    let p = pipeline(MIXED);
    let pac = translate(&p, &PacOptions::default()).expect("translates");
    insta::assert_snapshot!("mixed_yaml", pac.to_yaml());
    let diags: Vec<String> = pac.diagnostics().iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("mixed_diagnostics", diags.join("\n"));
    assert_eq!(pac.inexpressible_actions(), [4, 5]);
}

#[test]
fn snapshot_inline_clone_v1beta1_named() {
    let p = pipeline(MIXED);
    let mut options = PacOptions {
        name: "ci".to_owned(),
        ..PacOptions::default()
    };
    options.lower.git_clone = dispatch_tekton::GitClone::Inline;
    options.lower.target = dispatch_tekton::Target::V1Beta1;
    options.lower.service_account = Some("builder".to_owned());
    let pac = translate(&p, &options).expect("translates");
    assert_eq!(pac.runs()[0].name(), "ci");
    insta::assert_snapshot!("mixed_inline_v1beta1_yaml", pac.to_yaml());
}

#[test]
fn nothing_expressible_is_no_run() {
    let p = pipeline(
        r#"#!yaml
task: {t: {steps: [{name: s, image: alpine}]}}
actions:
  - {name: nightly, tasks: [t], on: {cron: {schedule: "@daily"}}}
  - {tasks: [t], on: {release: {}}}
  - {tasks: [t], on: {image: {push: {tags: ["v*"]}}}}
  - {tasks: [t], on: {pull_request: {chatops: [test, build]}}}
  - {tasks: [t], on: {pull_request: {chatops: [cancel]}}}
  - {tasks: [t], on: {pull_request: {chatops: [ok-to-test]}}}
"#,
    );
    let pac = translate(&p, &PacOptions::default()).expect("translates");
    assert_eq!(pac.to_yaml(), "");
    assert!(pac.runs().is_empty());
    assert_eq!(pac.inexpressible_actions(), [0, 1, 2, 3, 4, 5]);
    let diags: Vec<String> = pac.diagnostics().iter().map(ToString::to_string).collect();
    insta::assert_snapshot!("inexpressible_diagnostics", diags.join("\n"));
}

#[test]
fn deterministic() {
    let p = pipeline(MIXED);
    let a = translate(&p, &PacOptions::default())
        .expect("translates")
        .to_yaml();
    let b = translate(&p, &PacOptions::default())
        .expect("translates")
        .to_yaml();
    assert_eq!(a, b);
}

#[test]
fn invalid_pipeline_is_an_error() {
    let mut p = pipeline(MIXED);
    p.actions[0].tasks = vec!["nope".to_owned()];
    let errors = translate(&p, &PacOptions::default()).expect_err("undefined task");
    assert!(errors.has_errors());
}

// ---------------------------------------------------------------------------------------------
// Schemas and annotations

fn schemas() -> Option<&'static BTreeMap<String, jsonschema::Validator>> {
    static SCHEMAS: OnceLock<Option<BTreeMap<String, jsonschema::Validator>>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let dir = shared("the Tekton schema checks")?.join("schemas/tekton");
            let mut out = BTreeMap::new();
            for stem in [
                "pipelinerun_v1",
                "pipelinerun_v1_full",
                "pipelinerun_v1beta1",
            ] {
                let text = std::fs::read_to_string(dir.join(format!("{stem}.json")))
                    .expect("schemas are readable");
                let schema: Value = serde_json::from_str(&text).expect("schemas are JSON");
                out.insert(
                    stem.to_owned(),
                    jsonschema::validator_for(&schema).expect("schemas compile"),
                );
            }
            Some(out)
        })
        .as_ref()
}

/// Schema problems of a run after placeholders are substituted for `event`.
fn schema_problems(yaml: &str, view: &model::View, v1beta1: bool) -> Vec<String> {
    let Some(schemas) = schemas() else {
        return Vec::new();
    };
    let text = model::substitute(yaml, view, &view.event_type);
    let doc = match model::yaml_to_json(&text) {
        Ok(d) => d,
        Err(e) => return vec![format!("YAML does not parse after substitution: {e}")],
    };
    let stems: &[&str] = if v1beta1 {
        &["pipelinerun_v1beta1"]
    } else {
        &["pipelinerun_v1", "pipelinerun_v1_full"]
    };
    let mut out = Vec::new();
    for stem in stems {
        for e in schemas[*stem].iter_errors(&doc) {
            out.push(format!("{stem}: {e} at {}", e.instance_path()));
        }
    }
    out
}

fn sample_views() -> Vec<model::View> {
    let push = Event::Push(PushEvent {
        branch: "main".into(),
        commit: "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0".into(),
        url: "https://github.com/example/app.git".into(),
        changed: Some(vec!["src/a.go".into()]),
    });
    let comment = Event::PullRequestComment(PullRequestCommentEvent {
        number: 3,
        base: "main".into(),
        head: "feature/x".into(),
        commit: "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0".into(),
        url: "https://github.com/example/app.git".into(),
        comment: "/build it's \"now\" {{ x }} # not a comment".into(),
        labels: vec!["bug".into()],
        changed: Some(vec!["src/a.go".into()]),
    });
    let tag = Event::Tag(TagEvent {
        tag: "v1.2.3".into(),
        commit: "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0".into(),
        url: "https://github.com/example/app.git".into(),
    });
    [push, comment, tag]
        .iter()
        .filter_map(model::View::from_event)
        .collect()
}

#[test]
fn output_passes_the_tekton_schemas_after_substitution() {
    let p = pipeline(MIXED);
    for v1beta1 in [false, true] {
        let mut options = PacOptions::default();
        if v1beta1 {
            options.lower.target = dispatch_tekton::Target::V1Beta1;
        }
        for inline in [false, true] {
            if inline {
                options.lower.git_clone = dispatch_tekton::GitClone::Inline;
            }
            let pac = translate(&p, &options).expect("translates");
            for view in sample_views() {
                let problems = schema_problems(&pac.to_yaml(), &view, v1beta1);
                assert!(problems.is_empty(), "{problems:#?}");
            }
        }
    }
}

/// PaC's `getAnnotationValues`: `[a, b]` split on commas, else one token without spaces; our
/// two annotations are not read through it (`on-comment` and `on-cel-expression` are single
/// values), so only this must hold: they are read back exactly and contain no placeholder.
#[test]
fn annotations_are_single_values_read_back_exactly() {
    let p = pipeline(MIXED);
    let pac = translate(&p, &PacOptions::default()).expect("translates");
    let doc = model::yaml_to_json(&pac.to_yaml()).expect("parses");
    let a = &doc["metadata"]["annotations"];
    let cel = a[dispatch_pac::ON_CEL_EXPRESSION].as_str().expect("cel");
    let comment = a[dispatch_pac::ON_COMMENT].as_str().expect("comment");
    for text in [cel, comment] {
        assert!(!text.contains("{{"), "{text}");
        assert!(!text.contains('}'), "{text}");
    }
    regex::Regex::new(comment).expect("on-comment is a regex");
}

// ---------------------------------------------------------------------------------------------
// The CEL pieces on a table of events

fn push(branch: &str, files: &[&str]) -> Event {
    Event::Push(PushEvent {
        branch: branch.into(),
        commit: "abc1234".into(),
        url: "https://github.com/example/app.git".into(),
        changed: Some(files.iter().map(|s| (*s).to_owned()).collect()),
    })
}

fn tag(t: &str) -> Event {
    Event::Tag(TagEvent {
        tag: t.into(),
        commit: "abc1234".into(),
        url: "https://github.com/example/app.git".into(),
    })
}

fn pr(base: &str, head: &str, labels: &[&str], files: &[&str]) -> Event {
    Event::PullRequest(PullRequestEvent {
        action: PullRequestAction::Synchronize,
        number: 4,
        base: base.into(),
        head: head.into(),
        commit: "abc1234".into(),
        url: "https://github.com/example/app.git".into(),
        labels: labels.iter().map(|s| (*s).to_owned()).collect(),
        changed: Some(files.iter().map(|s| (*s).to_owned()).collect()),
    })
}

fn comment(text: &str, head: &str) -> Event {
    Event::PullRequestComment(PullRequestCommentEvent {
        number: 4,
        base: "main".into(),
        head: head.into(),
        commit: "abc1234".into(),
        url: "https://github.com/example/app.git".into(),
        comment: text.into(),
        labels: Vec::new(),
        changed: Some(vec!["a.go".into()]),
    })
}

/// The tasks PaC runs for `event` under our model (`None`: no run started).
fn pac_tasks(yaml: &str, event: &Event) -> Option<Vec<String>> {
    let view = model::View::from_event(event).expect("a PaC event");
    model::run(yaml, &view)
        .expect("the model runs")
        .map(|s| s.into_iter().collect())
}

macro_rules! mixed_cases {
    ($($name:ident: $event:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            static YAML: OnceLock<String> = OnceLock::new();
            let yaml = YAML.get_or_init(|| {
                translate(&pipeline(MIXED), &PacOptions::default()).expect("translates").to_yaml()
            });
            let want: Option<Vec<&str>> = $want;
            let want = want.map(|v| { let mut v: Vec<String> = v.into_iter().map(str::to_owned).collect(); v.sort(); v });
            assert_eq!(pac_tasks(yaml, &$event), want);
        }
    )*};
}

mixed_cases! {
    cel_push_main_go: push("main", &["cmd/x.go"]) => Some(vec!["unit"]);
    cel_push_main_docs_only: push("main", &["docs/x.go"]) => None;
    cel_push_main_no_files: push("main", &[]) => None;
    cel_push_release: push("release/1.2", &["a.go"]) => Some(vec!["unit"]);
    cel_push_release_deeper: push("release/1.2/x", &["a.go"]) => None;
    cel_push_release_old: push("release/old-1", &["a.go"]) => None;
    cel_push_other: push("develop", &["a.go"]) => None;
    cel_tag_v1: tag("v1.0") => Some(vec!["deploy", "unit"]);
    cel_tag_v0: tag("v0.9") => None;
    cel_tag_other: tag("latest") => None;
    cel_pr_main: pr("main", "x", &[], &["a"]) => Some(vec!["lint", "unit"]);
    cel_pr_main_wip: pr("main", "x", &["wip"], &["a"]) => Some(vec![]);
    cel_pr_main_bug: pr("main", "x", &["bug", "ok"], &["a"]) => Some(vec!["lint", "unit"]);
    cel_pr_dev: pr("dev", "x", &[], &["a"]) => None;
    cel_comment_build: comment("/build", "feature/a/b") => Some(vec!["chat", "unit"]);
    cel_comment_build_args: comment("  /build now\nthanks", "feature/a") => Some(vec!["chat", "unit"]);
    cel_comment_deploy_it: comment("/deploy-it", "feature/a") => Some(vec!["chat", "unit"]);
    cel_comment_build_wrong_source: comment("/build", "main") => Some(vec![]);
    cel_comment_buildx: comment("/buildx", "feature/a") => None;
    cel_comment_second_line: comment("hi\n/build", "feature/a") => None;
    cel_comment_test: comment("/test", "feature/a") => None;
    cel_comment_retest: comment("/retest", "feature/a") => None;
    cel_comment_test_named: comment("/test dispatch", "feature/a") => Some(vec![]);
}

/// The context variables become placeholders that PaC fills per event.
#[test]
fn context_variables_are_filled_per_event() {
    let p = pipeline(MIXED);
    let yaml = translate(&p, &PacOptions::default())
        .expect("translates")
        .to_yaml();
    let views = sample_views();
    let pushed = model::yaml_to_json(&model::substitute(&yaml, &views[0], "push")).expect("yaml");
    let text = pushed.to_string();
    assert!(text.contains("deploying main at 5f3c0ad6"), "{text}");
    assert!(text.contains("--build-tag=main"), "{text}");
    let commented =
        model::yaml_to_json(&model::substitute(&yaml, &views[1], "on-comment")).expect("yaml");
    let chat = commented["spec"]["pipelineSpec"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["name"] == "chat")
        .expect("chat")
        .clone();
    let env = &chat["taskSpec"]["steps"][0]["env"];
    assert_eq!(env[0]["value"], "build");
    assert_eq!(env[1]["value"], "it's \"now\" {{ x }} # not a comment");
    let tagged = model::yaml_to_json(&model::substitute(&yaml, &views[2], "push")).expect("yaml");
    let text = tagged.to_string();
    assert!(text.contains("tag: v1.2.3"), "{text}");
    assert!(text.contains("--build-tag=v1.2.3"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Equivalence with `dispatch match`

#[derive(Default)]
struct Tally {
    files: usize,
    translated: usize,
    rejected: usize,
    expressible: usize,
    inexpressible: BTreeMap<String, usize>,
    pairs: usize,
    passed: usize,
    skipped_inexpressible: usize,
    skipped_gitops_line: usize,
    failures: Vec<String>,
}

fn reason_of(d: &dispatchfile_model::Diagnostic) -> String {
    let m = &d.message;
    if m.contains("no schedules") {
        "cron".into()
    } else if m.contains("release") {
        "release".into()
    } else if m.contains("image pushes") {
        "image push".into()
    } else if m.contains("chatops word") {
        let w = m.split('"').nth(1).unwrap_or("?");
        format!("chatops {w}")
    } else {
        "other".into()
    }
}

fn check_file(name: &str, text: &str, tally: &mut Tally) {
    tally.files += 1;
    let Some(p) = pipeline_of(text, name) else {
        return;
    };
    let Ok(triggers) = dispatch_trigger::compile(&p, &Limits::default()) else {
        return;
    };
    let pac = match translate(&p, &PacOptions::default()) {
        Ok(pac) => pac,
        Err(e) => {
            // Only a file whose every build `dispatch render` refuses may be refused.
            let renders = events::events(&p).iter().any(|event| {
                let m = triggers.match_event(event);
                !m.actions.is_empty()
                    && dispatch_tekton::lower(
                        &p,
                        &dispatch_tekton::Selection::from(&m),
                        &dispatch_tekton::LowerOptions::default(),
                    )
                    .is_ok()
            });
            if renders {
                tally
                    .failures
                    .push(format!("{name}: does not translate: {}", e.render(name)));
            } else {
                tally.rejected += 1;
            }
            return;
        }
    };
    tally.translated += 1;
    tally.expressible += p.actions.len() - pac.inexpressible_actions().len();
    for d in pac.diagnostics() {
        if d.code == dispatchfile_model::Code::PacInexpressible && !d.path.is_empty() {
            *tally.inexpressible.entry(reason_of(d)).or_default() += 1;
        }
    }
    let left_out: BTreeSet<usize> = pac.inexpressible_actions().iter().copied().collect();
    let yaml = pac.to_yaml();
    for event in events::events(&p) {
        let Some(view) = model::View::from_event(&event) else {
            continue;
        };
        let m = triggers.match_event(&event);
        if m.actions.iter().any(|a| left_out.contains(a)) {
            tally.skipped_inexpressible += 1;
            continue;
        }
        let want: BTreeSet<String> = m.tasks.iter().cloned().collect();
        let got = if yaml.is_empty() {
            Ok(None)
        } else {
            model::run(&yaml, &view)
        };
        let got = match got {
            Ok(g) => g.unwrap_or_default(),
            Err(e) => {
                tally.pairs += 1;
                tally.failures.push(format!("{name}: {event:?}: {e}"));
                continue;
            }
        };
        if got != want && view.has_gitops_command() {
            // Documented: PaC acts on its own commands on any line of a comment first.
            tally.skipped_gitops_line += 1;
            continue;
        }
        tally.pairs += 1;
        if got == want {
            tally.passed += 1;
        } else {
            tally.failures.push(format!(
                "{name}: {event:?}: PaC runs {got:?}, dispatch match selects {want:?}"
            ));
        }
    }
}

#[test]
fn equivalent_to_dispatch_match_on_hand_written_files() {
    let mut tally = Tally::default();
    check_file("mixed", MIXED, &mut tally);
    for f in ["Dispatchfile.yaml", "Dispatchfile.json", "Dispatchfile.cue"] {
        check_file(f, &example(f), &mut tally);
    }
    assert!(
        tally.failures.is_empty(),
        "{:#?}",
        &tally.failures[..tally.failures.len().min(20)]
    );
    assert!(tally.pairs > 100, "only {} pairs", tally.pairs);
}

#[test]
fn equivalent_to_dispatch_match_on_the_corpus() {
    let Some(dir) = shared("the corpus equivalence") else {
        return;
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join("corpus/dispatchfiles"))
        .expect("the corpus is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut tally = Tally::default();
    for path in entries {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        check_file(&name, &text, &mut tally);
    }
    let _ = writeln!(
        std::io::stderr(),
        "corpus: {} files, {} translated, {} refused (render refuses every build of them), {} actions expressible, inexpressible {:?}; {} pairs checked, {} passed; skipped {} pairs matching an inexpressible action, {} with a GitOps command on a later line",
        tally.files,
        tally.translated,
        tally.rejected,
        tally.expressible,
        tally.inexpressible,
        tally.pairs,
        tally.passed,
        tally.skipped_inexpressible,
        tally.skipped_gitops_line,
    );
    assert!(
        tally.failures.is_empty(),
        "{} failures, first: {:#?}",
        tally.failures.len(),
        &tally.failures[..tally.failures.len().min(20)]
    );
    assert!(tally.translated > 0);
}

// ---------------------------------------------------------------------------------------------
// Hostile input: the longest lists the limits allow give long but linear output, quickly.

#[test]
fn huge_pattern_lists_translate_linearly() {
    let limits = Limits::default();
    let nested = format!("{}x{}", "{a,".repeat(100), "}".repeat(100));
    let mut patterns = Vec::new();
    for i in 0..limits.max_patterns_per_list {
        let mut p = format!("{i}/**/[!a-z]?*{nested}");
        while p.len() + 4 < limits.max_pattern_len {
            p.push_str("*/x?");
        }
        patterns.push(if i % 2 == 0 { p } else { format!("!{p}") });
    }
    let input: usize = patterns.iter().map(String::len).sum();
    let list = serde_json::to_string(&patterns).expect("json");
    let text = format!(
        "#!json\n{{\"task\": {{\"t\": {{\"steps\": [{{\"name\": \"s\", \"image\": \"alpine\"}}]}}}},\n \"actions\": [\n  {{\"tasks\": [\"t\"], \"on\": {{\"push\": {{\"branches\": {list}}}}}}},\n  {{\"tasks\": [\"t\"], \"on\": {{\"pull_request\": {{\"targets\": [\"main\"], \"paths\": {list}, \"labels\": [\"a\"], \"chatops\": [\"go\"]}}}}}}\n ]}}\n"
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let p = pipeline(&text);
        let _ = tx.send(translate(&p, &PacOptions::default()).map(|pac| {
            let too_big = pac
                .diagnostics()
                .iter()
                .any(|d| d.message.contains("Kubernetes accepts"));
            assert!(
                too_big,
                "the annotations are over 256 KiB: a warning says so"
            );
            pac.to_yaml()
        }));
    });
    // A generous guard against a hang, not a timing assertion.
    let yaml = rx
        .recv_timeout(std::time::Duration::from_mins(10))
        .expect("translate finishes")
        .expect("translates");
    // Each list appears a bounded number of times (matcher, gate), each character a bounded
    // number of output characters.
    assert!(
        yaml.len() < 40 * 8 * input,
        "{} bytes for {input}",
        yaml.len()
    );
    for line in yaml.lines().filter(|l| l.contains("{{ cel:")) {
        let inner = line.split("{{ cel:").nth(1).unwrap_or("");
        let body = inner.rsplit_once("}}").map_or(inner, |(b, _)| b);
        assert!(!body.contains('}'), "a placeholder body holds '}}'");
    }
}

#[test]
fn an_action_whose_tasks_do_not_lower_is_left_out() {
    let p = pipeline(
        "#!yaml\ntask:\n  ok: {steps: [{name: s, image: alpine}]}\n  bad: {steps: [{name: s, image: alpine, ports: [{containerPort: 80}]}]}\nactions:\n  - {tasks: [ok], on: {push: {branches: [main]}}}\n  - {tasks: [bad], on: {tag: {}}}\n",
    );
    let pac = translate(&p, &PacOptions::default()).expect("translates");
    assert_eq!(pac.inexpressible_actions(), [1]);
    let diags: Vec<String> = pac.diagnostics().iter().map(ToString::to_string).collect();
    assert_eq!(
        diags,
        [
            "warning[pac-inexpressible]: action #1: left out: its tasks do not lower to Tekton: step #0 of task \"bad\": field \"ports\" is not allowed in a Tekton step"
        ]
    );
    let yaml = pac.to_yaml();
    assert!(yaml.contains("dispatch.d2iq.io/task: ok"), "{yaml}");
    assert!(!yaml.contains("dispatch.d2iq.io/task: bad"), "{yaml}");
}
