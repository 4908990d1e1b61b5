//! The simulator on hand-written PipelineRuns: annotations, CEL, placeholders, `when` gates.

use std::fmt::Write as _;

use crate::event::{self, PacEvent, PrInfo, ZERO_SHA};
use crate::re2::Re2;
use crate::sim::simulate;
use crate::templates::{Scope, standard_params, substitute};

const SHA: &str = "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0";

fn push(git_ref: &str, files: &[&str]) -> PacEvent {
    PacEvent::from_github(
        "push",
        event::push_payload(git_ref, SHA, "a change"),
        None,
        files.iter().map(|s| (*s).to_owned()).collect(),
    )
    .expect("a push PaC handles")
}

fn pr_info(base: &str, labels: &[&str]) -> PrInfo {
    PrInfo {
        base: base.into(),
        head: "feature/x".into(),
        sha: SHA.into(),
        labels: labels.iter().map(|s| (*s).to_owned()).collect(),
        title: "a pull request".into(),
        message: "a change".into(),
    }
}

fn pull_request(action: &str, base: &str, labels: &[&str], files: &[&str]) -> PacEvent {
    PacEvent::from_github(
        "pull_request",
        event::pull_request_payload(action, 7, &pr_info(base, labels)),
        None,
        files.iter().map(|s| (*s).to_owned()).collect(),
    )
    .expect("a pull request event PaC handles")
}

fn comment(body: &str) -> PacEvent {
    PacEvent::from_github(
        "issue_comment",
        event::issue_comment_payload(7, body),
        Some(&pr_info("main", &["ok"])),
        vec!["src/a.go".into()],
    )
    .expect("a comment PaC handles")
}

/// A PipelineRun named `name` with `annotations` (YAML lines under `annotations:`) and one
/// task per Dispatch task name, each gated on nothing.
fn run(name: &str, annotations: &str, tasks: &[&str]) -> String {
    let mut s = format!(
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  name: {name}\n  annotations:\n"
    );
    for l in annotations.lines() {
        s.push_str("    ");
        s.push_str(l.trim());
        s.push('\n');
    }
    s.push_str("spec:\n  pipelineSpec:\n    tasks:\n");
    for t in tasks {
        let _ = write!(
            s,
            "      - name: {t}\n        taskSpec:\n          metadata:\n            annotations:\n              dispatch.d2iq.io/task: {t}\n          steps:\n            - name: s\n              image: alpine\n"
        );
    }
    s
}

fn tasks_of(yaml: &str, e: &PacEvent) -> Vec<String> {
    let r = simulate(yaml, e);
    let mut t = r.dispatch_tasks();
    t.sort();
    t
}

macro_rules! sim_cases {
    ($($name:ident: $yaml:expr, $event:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let yaml: String = $yaml;
            let want: Vec<&str> = $want;
            assert_eq!(tasks_of(&yaml, &$event), want, "{yaml}");
        }
    )*};
}

fn plain(ev: &str, branch: &str) -> String {
    run(
        "p",
        &format!(
            "pipelinesascode.tekton.dev/on-event: \"{ev}\"\npipelinesascode.tekton.dev/on-target-branch: \"{branch}\""
        ),
        &["build"],
    )
}

fn cel(expr: &str) -> String {
    run(
        "c",
        &format!("pipelinesascode.tekton.dev/on-cel-expression: '{expr}'"),
        &["build"],
    )
}

sim_cases! {
    plain_push_main: plain("[push]", "[main]"), push("refs/heads/main", &[]) => vec!["build"];
    plain_push_other_branch: plain("[push]", "[main]"), push("refs/heads/dev", &[]) => vec![];
    plain_star_crosses_slash: plain("push", "feat*"), push("refs/heads/feat/x/y", &[]) => vec!["build"];
    plain_tag_needs_refs_tags: plain("push", "[*]"), push("refs/tags/v1", &[]) => vec![];
    plain_tag_pattern: plain("push", "refs/tags/v*"), push("refs/tags/v1.2", &[]) => vec!["build"];
    plain_pull_request: plain("pull_request", "main"), pull_request("opened", "main", &[], &[]) => vec!["build"];
    plain_label_event_without_on_label: plain("pull_request", "main"), pull_request("labeled", "main", &["x"], &[]) => vec![];
    plain_closed_runs_nothing: plain("pull_request", "main"), pull_request("closed", "main", &[], &[]) => vec![];
    plain_no_comment_match: plain("pull_request", "main"), comment("hello") => vec![];
    path_change_any_file: run("p", "pipelinesascode.tekton.dev/on-event: push\npipelinesascode.tekton.dev/on-target-branch: main\npipelinesascode.tekton.dev/on-path-change: \"[docs/**]\"", &["b"]), push("refs/heads/main", &["src/a.go", "docs/x/y.md"]) => vec!["b"];
    path_change_none: run("p", "pipelinesascode.tekton.dev/on-event: push\npipelinesascode.tekton.dev/on-target-branch: main\npipelinesascode.tekton.dev/on-path-change: \"[docs/**]\"", &["b"]), push("refs/heads/main", &["src/a.go"]) => vec![];
    path_change_ignore_any_file_skips: run("p", "pipelinesascode.tekton.dev/on-event: push\npipelinesascode.tekton.dev/on-target-branch: main\npipelinesascode.tekton.dev/on-path-change-ignore: \"[docs/*]\"", &["b"]), push("refs/heads/main", &["src/a.go", "docs/a/b.md"]) => vec![];
    path_change_ignore_none_matching: run("p", "pipelinesascode.tekton.dev/on-event: push\npipelinesascode.tekton.dev/on-target-branch: main\npipelinesascode.tekton.dev/on-path-change-ignore: \"[docs/*]\"", &["b"]), push("refs/heads/main", &["src/a.go"]) => vec!["b"];
    on_label_exact: run("p", "pipelinesascode.tekton.dev/on-event: pull_request\npipelinesascode.tekton.dev/on-target-branch: main\npipelinesascode.tekton.dev/on-label: \"[bug]\"", &["b"]), pull_request("labeled", "main", &["bug"], &[]) => vec!["b"];
    on_label_other: run("p", "pipelinesascode.tekton.dev/on-event: pull_request\npipelinesascode.tekton.dev/on-target-branch: main\npipelinesascode.tekton.dev/on-label: \"[bug]\"", &["b"]), pull_request("opened", "main", &["bugs"], &[]) => vec![];
    cel_push_stripped: cel("event == \"push\" && target_branch == \"main\""), push("refs/heads/main", &[]) => vec!["build"];
    cel_push_literal_keeps_prefix: cel("target_branch == \"refs/heads/main\""), push("refs/heads/main", &[]) => vec!["build"];
    cel_push_literal_elsewhere_keeps_prefix: cel("target_branch.startsWith(\"refs/heads/\") && target_branch.matches(\"^refs/heads/(?:ma[a-z]+)$\")"), push("refs/heads/main", &[]) => vec!["build"];
    cel_push_no_literal_loses_prefix: cel("target_branch.startsWith(\"refs/\")"), push("refs/heads/main", &[]) => vec![];
    cel_tag_keeps_refs_tags: cel("target_branch.startsWith(\"refs/tags/\")"), push("refs/tags/v1", &[]) => vec!["build"];
    cel_ext_strings_absent_in_matcher: cel("event == \"push\" && \"a,b\".split(\",\").size() == 2"), push("refs/heads/main", &[]) => vec![];
    cel_undeclared_even_unevaluated: cel("event == \"push\" || trigger_comment == \"\""), push("refs/heads/main", &[]) => vec![];
    cel_not_exactly_true: cel("\"true\""), push("refs/heads/main", &[]) => vec![];
    cel_files_exists: cel("files.all.exists(f, f.matches(\"^docs/\"))"), push("refs/heads/main", &["docs/a"]) => vec!["build"];
    cel_path_changed: cel("\"docs/**\".pathChanged()"), push("refs/heads/main", &["docs/a/b"]) => vec!["build"];
    cel_path_changed_bad_glob_panics: cel("\"docs/[\".pathChanged()"), push("refs/heads/main", &["docs/a/b"]) => vec![];
    cel_label_event_needs_label_reference: cel("event == \"pull_request\""), pull_request("labeled", "main", &["x"], &[]) => vec![];
    cel_label_event_with_event_type: cel("event == \"pull_request\" && event_type != \"\""), pull_request("labeled", "main", &["x"], &[]) => vec!["build"];
    cel_re2_space_is_ascii: cel("event == \"push\" && \"a\\u00a0b\".matches(\"a\\\\sb\")"), push("refs/heads/main", &[]) => vec![];
    cel_body_fields: cel("body.pull_request.base.ref == \"main\" && body.action == \"opened\""), pull_request("opened", "main", &[], &[]) => vec!["build"];
    cel_headers_lower_case: cel("headers[\"x-github-event\"] == \"pull_request\""), pull_request("opened", "main", &[], &[]) => vec!["build"];
    on_comment_matches: run("c", "pipelinesascode.tekton.dev/on-comment: \"^/deploy(?:[ \\t]|$)\"", &["deploy"]), comment("  /deploy now\n") => vec!["deploy"];
    on_comment_re2_space: run("c", "pipelinesascode.tekton.dev/on-comment: \"^/deploy\\\\s\"", &["deploy"]), comment("/deploy\u{a0}now") => vec![];
    on_comment_skips_cel_runs: format!("{}---\n{}", run("c", "pipelinesascode.tekton.dev/on-comment: \"^/deploy\"", &["deploy"]), cel("true").replace("name: c", "name: d").replace("build", "other")), comment("/deploy") => vec!["deploy"];
    test_all_goes_to_cel: cel("event == \"pull_request\" && event_type == \"test-all-comment\""), comment("/test") => vec!["build"];
    test_named_runs_that_run: format!("{}---\n{}", plain("push", "nothing"), run("other", "pipelinesascode.tekton.dev/on-event: push", &["x"])), comment("/test other") => vec!["x"];
    test_named_missing_runs_nothing: plain("pull_request", "main"), comment("/test missing") => vec![];
    retest_named: plain("push", "nothing"), comment("/retest p") => vec!["build"];
    cancel_runs_nothing: cel("true"), comment("/cancel") => vec![];
    duplicate_names_run_nothing: format!("{}---\n{}", cel("true"), cel("true")), push("refs/heads/main", &[]) => vec![];
    invalid_yaml_runs_nothing: format!("{}---\n: [", cel("true")), push("refs/heads/main", &[]) => vec![];
    malformed_branch_glob_panics: format!("{}---\n{}", plain("push", "[main]").replace("name: p", "name: a"), plain("push", "[ma[]")), push("refs/heads/main", &[]) => vec![];
}

#[test]
fn skip_ci_in_the_commit_message() {
    let e = PacEvent::from_github(
        "push",
        event::push_payload("refs/heads/main", SHA, "docs: typo [skip ci]"),
        None,
        vec![],
    )
    .expect("a push");
    let r = simulate(&plain("push", "main"), &e);
    assert!(r.runs.is_empty());
    assert!(r.stopped.is_some());
}

#[test]
fn deleted_branch_push_is_dropped() {
    let b = event::push_payload("refs/heads/gone", ZERO_SHA, "");
    assert_eq!(PacEvent::from_github("push", b, None, vec![]), None);
}

#[test]
fn comment_event_fields() {
    let e = comment("/test e2e please");
    assert_eq!(e.event_type, "test-comment");
    assert_eq!(e.target_test_pipeline_run, "e2e");
    assert_eq!(e.trigger_target, "pull_request");
    let e = comment("/cancel");
    assert!(e.cancel);
    let e = comment("hello\n/retest");
    assert_eq!(e.event_type, "retest-all-comment");
}

fn placeholders(text: &str, e: &PacEvent) -> String {
    let dico = standard_params(e);
    substitute(
        text,
        &Scope {
            dico: &dico,
            body: Some(&e.body),
            headers: Some(&e.headers),
            files: Some(&e.files),
        },
    )
}

macro_rules! placeholder_cases {
    ($($name:ident: $text:literal, $event:expr => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(placeholders($text, &$event), $want);
        }
    )*};
}

placeholder_cases! {
    ph_revision: "{{ revision }}", push("refs/heads/main", &[]) => "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0";
    ph_target_branch_sanitized: "{{target_branch}}", push("refs/heads/main", &[]) => "main";
    ph_tag_stays: "{{ target_branch }}/{{ git_tag }}", push("refs/tags/v1", &[]) => "refs/tags/v1/v1";
    ph_no_git_tag_on_branch: "[{{ git_tag }}]", push("refs/heads/main", &[]) => "[]";
    ph_unknown_left: "{{ nope }} {{ event }}", push("refs/heads/main", &[]) => "{{ nope }} {{ event }}";
    ph_short_left: "{{a}}", push("refs/heads/main", &[]) => "{{a}}";
    ph_cel_bool: "{{ cel: event_type == \"push\" && git_tag == \"\" }}", push("refs/heads/main", &[]) => "true";
    ph_cel_event_is_empty: "[{{ cel: event }}]", push("refs/heads/main", &[]) => "[]";
    ph_cel_error_is_empty: "[{{ cel: nope( }}]", push("refs/heads/main", &[]) => "[]";
    ph_cel_ext_strings: "{{ cel: \"a,b\".split(\",\").size() }}", push("refs/heads/main", &[]) => "2";
    ph_cel_files: "{{ cel: files.all.exists(f, f.startsWith(\"docs/\")) }}", push("refs/heads/main", &["docs/a"]) => "true";
    ph_cel_list: "{{ cel: [\"a\", \"b\"] }}", push("refs/heads/main", &[]) => "[\"a\",\"b\"]";
    ph_body: "{{ body.pull_request.number }}", pull_request("opened", "main", &[], &[]) => "7";
    ph_labels_joined: "{{ pull_request_labels }}", pull_request("opened", "main", &["a", "b"], &[]) => "a\\nb";
    ph_trigger_comment_one_line: "{{ trigger_comment }}", comment("/deploy\r\nnow\nplease") => "/deploy\\nnow\\nplease";
    ph_event_type_test_is_pull_request: "{{ event_type }}", comment("/test") => "pull_request";
    ph_event_type_noops: "{{ event_type }}", comment("hello") => "no-ops-comment";
    ph_pull_request_number: "{{ pull_request_number }}", comment("hello") => "7";
    ph_no_pr_number_on_push: "{{ pull_request_number }}", push("refs/heads/main", &[]) => "{{ pull_request_number }}";
    ph_close_brace_ends: "{{ cel: \"}\" }}", push("refs/heads/main", &[]) => "{{ cel: \"}\" }}";
}

const GATED: &str = r#"apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: g
  annotations:
    pipelinesascode.tekton.dev/on-cel-expression: 'event == "push" || event == "pull_request"'
spec:
  params:
    - name: run-a
      value: '{{ cel: event_type == "push" }}'
    - name: run-b
      value: '{{ cel: event_type == "pull_request" }}'
  pipelineSpec:
    params:
      - name: run-a
      - name: run-b
      - name: run-c
        default: "true"
    tasks:
      - name: a
        when: [{input: "$(params.run-a)", operator: in, values: ["true"]}]
        taskSpec:
          metadata: {annotations: {dispatch.d2iq.io/task: a}}
          results: [{name: out}]
          steps: [{name: s, image: alpine}]
      - name: b
        runAfter: [a]
        when: [{input: "$(params.run-b)", operator: in, values: ["true"]}]
        taskSpec:
          metadata: {annotations: {dispatch.d2iq.io/task: b}}
          steps: [{name: s, image: alpine}]
      - name: c
        params: [{name: x, value: "$(tasks.a.results.out)"}]
        when: [{input: "$(params.run-c)", operator: notin, values: ["false"]}]
        taskSpec:
          metadata: {annotations: {dispatch.d2iq.io/task: c}}
          steps: [{name: s, image: alpine}]
      - name: fetch
        taskSpec:
          steps: [{name: s, image: alpine}]
    finally:
      - name: f
        when: [{input: "$(tasks.a.status)", operator: in, values: ["Succeeded"]}]
        taskSpec:
          metadata: {annotations: {dispatch.d2iq.io/task: f}}
          steps: [{name: s, image: alpine}]
"#;

sim_cases! {
    gates_push: GATED.to_owned(), push("refs/heads/main", &[]) => vec!["a", "c", "f"];
    gates_pull_request_runafter_skipped_parent: GATED.to_owned(), pull_request("opened", "main", &[], &[]) => vec!["b"];
}

#[test]
fn fetch_tasks_run_but_are_not_dispatch_tasks() {
    let r = simulate(GATED, &push("refs/heads/main", &[]));
    assert_eq!(r.runs.len(), 1);
    assert_eq!(r.runs[0].tasks, ["a", "c", "fetch", "f"]);
}

macro_rules! re2_cases {
    ($($name:ident: $re:literal, $s:literal => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let want: Option<bool> = $want;
            let got = Re2::new($re).ok().map(|r| r.is_match($s));
            assert_eq!(got, want, "{:?} on {:?}", $re, $s);
        }
    )*};
}

re2_cases! {
    re2_space_ascii: r"^a\sb$", "a\u{a0}b" => Some(false);
    re2_space_tab: r"^a\sb$", "a\tb" => Some(true);
    re2_digit_ascii: r"^\d$", "\u{665}" => Some(false);
    re2_word_ascii: r"^\w+$", "é" => Some(false);
    re2_not_space_unicode: r"^\S$", "\u{a0}" => Some(true);
    re2_class_space: r"^[\s,]+$", " ,\t" => Some(true);
    re2_class_bracket_literal: r"^[[]$", "[" => Some(true);
    re2_brace_literal: r"^a{$", "a{" => Some(true);
    re2_brace_repeat: r"^a{2}$", "aa" => Some(true);
    re2_repeat_over_1000: r"a{1001}", "a" => None;
    re2_flag_x_refused: r"(?x)a", "a" => None;
    re2_backreference_refused: r"(a)\1", "aa" => None;
    re2_quote: r"^\Q*.\E$", "*." => Some(true);
    re2_unicode_class: r"^\p{Greek}$", "α" => Some(true);
    re2_multiline: r"(?m)^/x$", "a\n/x\nb" => Some(true);
    re2_hex_brace_not_a_repeat: r"^a\x{2028}$", "a\u{2028}" => Some(true);
    re2_hex_brace_in_class: r"^[\x{85}\x{2028}]+$", "\u{85}\u{2028}" => Some(true);
    re2_hex_two_digits: r"^\x41$", "A" => Some(true);
    re2_ampersands_literal: r"^[a&&b]+$", "&" => Some(true);
}

macro_rules! glob_cases {
    ($($name:ident: $g:literal, $s:literal => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let want: Option<bool> = $want;
            let got = crate::glob::Glob::new($g).ok().map(|g| g.is_match($s));
            assert_eq!(got, want, "{:?} on {:?}", $g, $s);
        }
    )*};
}

glob_cases! {
    glob_star_crosses: "a/*", "a/b/c" => Some(true);
    glob_super: "**/x.go", "x.go" => Some(false);
    glob_super_deep: "**/x.go", "a/b/x.go" => Some(true);
    glob_single: "a?c", "abc" => Some(true);
    glob_single_unicode: "a?c", "aéc" => Some(true);
    glob_list: "[ab]x", "bx" => Some(true);
    glob_not_list: "[!ab]x", "bx" => Some(false);
    glob_range: "[a-c]", "b" => Some(true);
    glob_not_range: "[!a-c]", "d" => Some(true);
    glob_alternatives: "{foo,ba*}.go", "bar.go" => Some(true);
    glob_escape: "a\\*", "a*" => Some(true);
    glob_unclosed_class: "a[", "a[" => None;
    glob_empty_class: "[]", "x" => None;
    glob_reversed_range: "[z-a]", "b" => None;
    glob_close_brace_outside_group: "a}", "a}" => Some(true);
    glob_comma_outside_group: "a,b", "a,b" => Some(true);
}
