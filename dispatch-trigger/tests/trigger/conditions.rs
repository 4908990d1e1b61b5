//! Tables: conditions against events, chatops, context variables, match output.

use dispatch_trigger::{ContextVars, Event, compile};
use dispatchfile_model::Limits;
use serde_json::{Value, json};

use super::common::{one_action, pipeline};

fn event(v: &Value) -> Event {
    // Some events here are larger than `max_event_bytes` on purpose: matching must stay
    // bounded for any event an embedder builds, whatever reading an event file allows.
    let mut limits = Limits::default();
    limits.max_event_bytes = usize::MAX;
    Event::from_json_with_limits(&v.to_string(), &limits).expect("test events are valid")
}

fn push(branch: &str, changed: Option<&[&str]>) -> Value {
    let mut e =
        json!({"kind": "push", "branch": branch, "commit": "c0ffee", "url": "https://g/r.git"});
    if let Some(c) = changed {
        e["changed"] = json!(c);
    }
    e
}

fn tag(t: &str) -> Value {
    json!({"kind": "tag", "tag": t, "commit": "c0ffee", "url": "https://g/r.git"})
}

fn pr(base: &str, head: &str, changed: Option<&[&str]>, labels: &[&str]) -> Value {
    let mut e = json!({"kind": "pull_request", "action": "synchronize", "number": 7, "base": base, "head": head,
                       "commit": "c0ffee", "url": "https://g/r.git", "labels": labels});
    if let Some(c) = changed {
        e["changed"] = json!(c);
    }
    e
}

fn comment(body: &str, base: &str) -> Value {
    json!({"kind": "pull_request_comment", "number": 7, "base": base, "head": "feature/x", "commit": "c0ffee",
           "url": "https://g/r.git", "comment": body})
}

/// Whether the single action of a pipeline with condition `on` fires for `event`.
fn fires(on: &Value, e: &Value) -> bool {
    let triggers = compile(&one_action(on), &Limits::default()).expect("table conditions compile");
    let result = triggers.match_event(&event(e));
    // The event path gives the same answer without the explanation.
    let fast = triggers.fire(&event(e));
    assert_eq!(
        (&fast.actions, &fast.tasks, &fast.context),
        (&result.actions, &result.tasks, &result.context),
        "fire agrees with match_event"
    );
    assert!(fast.explain.is_empty());
    assert_eq!(result.explain.len(), 1, "one explain entry per action");
    assert_eq!(
        result.explain[0].matched,
        result.actions == [0],
        "explain agrees with actions"
    );
    if result.explain[0].matched {
        assert_eq!(result.tasks, ["t"]);
    } else {
        assert!(result.tasks.is_empty());
    }
    result.actions == [0]
}

macro_rules! fires_cases {
    ($($name:ident: $event:expr, $on:expr => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            let (e, on) = ($event, $on);
            assert_eq!(fires(&on, &e), $want, "condition {on} against event {e}");
        }
    )*};
}

// Conditions against events, in both layouts where the condition has two.
fires_cases! {
    tag_vs_push: tag("v1.0"), json!({"push": {}}) => false;
    tag_negative_wins: tag("v0.9"), json!({"tag": {"names": ["v*", "!v0.*"]}}) => false;
    tag_negative_only: tag("v2.0"), json!({"tag": {"names": ["!v0.*"]}}) => true;
    tag_negative_only_grouped: tag("v2.0"), json!({"git": {"tag": {"names": ["!v0.*"]}}}) => true;
    paths_known_empty: push("main", Some(&[])), json!({"push": {"paths": ["src/**"]}}) => false;
    paths_unknown: push("main", None), json!({"push": {"paths": ["src/**"]}}) => true;
    paths_negative_only_docs: push("main", Some(&["docs/a.md"])), json!({"push": {"branches": ["main"], "paths": ["!docs/*"]}}) => false;
    paths_negative_some_other: push("main", Some(&["docs/a.md", "Dispatchfile"])), json!({"push": {"branches": ["main"], "paths": ["!docs/*"]}}) => true;
    paths_negative_some_other_grouped: push("main", Some(&["docs/a.md", "Dispatchfile"])), json!({"git": {"push": {"branches": ["main"], "paths": ["!docs/*"]}}}) => true;
    pr_empty_body: pr("main", "f", None, &[]), json!({"pull_request": {}}) => true;
    pr_empty_body_vs_comment: comment("/test", "main"), json!({"pull_request": {}}) => false;
    pr_chatops_vs_pr: pr("main", "f", None, &[]), json!({"pull_request": {"chatops": ["test"]}}) => false;
    pr_chatops_comment: comment("/test please", "main"), json!({"pull_request": {"chatops": ["test"], "targets": ["main"]}}) => true;
    pr_chatops_comment_grouped: comment("/test please", "main"), json!({"git": {"pull_request": {"chatops": ["test"], "targets": ["main"]}}}) => true;
    pr_sources_star: pr("main", "feature/x/y", None, &[]), json!({"pull_request": {"sources": ["feature/*"]}}) => false;
    pr_paths_negative: pr("main", "f", Some(&["docs/a.md"]), &[]), json!({"pull_request": {"paths": ["!docs/**"]}}) => false;
    // Lists.
    branches_refs_prefix_in_pattern: push("main", None), json!({"push": {"branches": ["refs/heads/main"]}}) => true;
    branches_refs_prefix_after_bang: push("main", None), json!({"push": {"branches": ["!refs/heads/main"]}}) => false;
    branches_refs_prefix_in_event: push("refs/heads/main", None), json!({"push": {"branches": ["main"]}}) => true;
    tags_refs_prefix: tag("refs/tags/v1"), json!({"tag": {"names": ["refs/tags/v*"]}}) => true;
    targets_plus_deprecated_branches: pr("dev", "f", None, &[]), json!({"pull_request": {"targets": ["main"], "branches": ["dev"]}}) => true;
    targets_deprecated_only: pr("main", "f", None, &[]), json!({"pull_request": {"branches": ["dev"]}}) => false;
    labels_needed: pr("main", "f", None, &["bug"]), json!({"pull_request": {"labels": ["bug"]}}) => true;
    labels_missing: pr("main", "f", None, &[]), json!({"pull_request": {"labels": ["bug"]}}) => false;
    labels_block_wip: pr("main", "f", None, &["wip", "bug"]), json!({"pull_request": {"labels": ["!wip"]}}) => false;
    labels_block_passes_unlabelled: pr("main", "f", None, &[]), json!({"pull_request": {"labels": ["!wip"]}}) => true;
    labels_pos_and_neg_on_different_labels: pr("main", "f", None, &["bug", "wip"]), json!({"pull_request": {"labels": ["bug", "!wip"]}}) => false;
    labels_glob: pr("main", "f", None, &["kind/bug"]), json!({"pull_request": {"labels": ["kind/*"]}}) => true;
    release_tags: json!({"kind": "release", "tag": "v1.2", "commit": "v1.2", "url": "u"}), json!({"release": {"tags": ["v1.*"]}}) => true;
    release_vs_tag: tag("v1.2"), json!({"release": {}}) => false;
    image_push_tags: json!({"kind": "image_push", "tag": "1.0"}), json!({"image": {"push": {"tags": ["1.*"]}}}) => true;
    image_push_tags_no: json!({"kind": "image_push", "tag": "latest"}), json!({"image": {"push": {"tags": ["1.*"]}}}) => false;
    cron_name: json!({"kind": "cron", "action": "nightly"}), json!({"cron": {"schedule": "0 0 * * *"}}) => true;
    cron_other_name: json!({"kind": "cron", "action": "weekly"}), json!({"cron": {"schedule": "0 0 * * *"}}) => false;
    cron_vs_push: push("main", None), json!({"cron": {"schedule": "0 0 * * *"}}) => false;
    push_vs_cron: json!({"kind": "cron", "action": "nightly"}), json!({"push": {}}) => false;
    comment_edits_do_not_matter_labels_absent: comment("/test", "main"), json!({"pull_request": {"chatops": ["test"], "labels": ["!wip"]}}) => true;
}

// Chatops comments, through a `pull_request: {chatops: …}` condition.
fires_cases! {
    chat_plain: comment("/test", "main"), json!({"pull_request": {"chatops": ["test"]}}) => true;
    chat_args: comment("/test please", "main"), json!({"pull_request": {"chatops": ["test"]}}) => true;
    chat_longer: comment("/testing", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_crlf: comment("/test\r\n\nflaky infra", "main"), json!({"pull_request": {"chatops": ["test"]}}) => true;
    chat_leading_space: comment("   /test", "main"), json!({"pull_request": {"chatops": ["test"]}}) => true;
    chat_not_first: comment("please /test", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_second_line: comment("LGTM\n/test", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_quote: comment("> /test\nsure", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_case: comment("/Test", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_space_after_slash: comment("/ test", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_slash_only: comment("/", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_second_word: comment("/build", "main"), json!({"pull_request": {"chatops": ["test", "build"]}}) => true;
    chat_dash_prefix: comment("/test-e2e", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_dash_exact: comment("/test-e2e", "main"), json!({"pull_request": {"chatops": ["test-e2e"]}}) => true;
    chat_fenced: comment("```\n/test\n```", "main"), json!({"pull_request": {"chatops": ["test"]}}) => false;
    chat_no_chatops: comment("/test", "main"), json!({"pull_request": {"chatops": []}}) => false;
}

/// `dispatch match` output: the seed pipeline and a push to `master`, byte for byte.
#[test]
fn seed_push_to_master_output() {
    let seed = pipeline(&json!({
        "actions": [{"on": {"push": {"branches": ["master"]}}, "tasks": ["test"]},
                    {"on": {"pull_request": {"chatops": ["test"]}}, "tasks": ["test"]}],
        "resource": {"src-git": {"param": {"revision": "$(context.git.commit)", "url": "$(context.git.url)"}, "type": "git"}},
        "task": {"test": {"inputs": ["src-git"], "steps": [{"command": ["go", "test", "./..."], "image": "golang:1.13.0-buster",
                                                           "name": "test", "workingDir": "/workspace/src-git"}]}}
    }));
    let triggers = compile(&seed, &Limits::default()).expect("seed compiles");
    let e = Event::from_json(
        r#"{"kind":"push","branch":"master","commit":"5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0","url":"https://github.com/example/app.git"}"#,
    )
    .expect("valid event");
    let want = serde_json::to_string_pretty(&json!({"actions":[0],"context":{"build.name":"master","chatop.args":"","chatop.command":"","git.branch":"master",
 "git.commit":"5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0","git.tag":"","git.url":"https://github.com/example/app.git"},
 "explain":[{"action":0,"checks":[{"detail":"branch \"master\" matched by [master]","filter":"branches","ok":true}],"kind":"push","matched":true},
  {"action":1,"checks":[{"detail":"pull_request conditions do not apply to push events","filter":"event","ok":false}],"kind":"pull_request","matched":false}],
 "tasks":["test"]}))
    .expect("serializable")
        + "\n";
    assert_eq!(triggers.match_event(&e).to_json(), want);
}

#[test]
fn explain_lists_every_filter_without_short_circuit() {
    let p = one_action(
        &json!({"pull_request": {"targets": ["main"], "sources": ["feature/*"], "paths": ["src/**"], "labels": ["!wip"]}}),
    );
    let t = compile(&p, &Limits::default()).expect("compiles");
    let r = t.match_event(&event(&pr("dev", "fix/y", Some(&["docs/a.md"]), &["wip"])));
    let filters: Vec<(&str, bool)> = r.explain[0]
        .checks
        .iter()
        .map(|c| (c.filter, c.ok))
        .collect();
    assert_eq!(
        filters,
        [
            ("targets", false),
            ("sources", false),
            ("paths", false),
            ("labels", false)
        ]
    );
    assert_eq!(
        r.explain[0].checks[0].detail,
        "target branch \"dev\" not matched by [main]"
    );
    assert_eq!(
        r.explain[0].checks[3].detail,
        "label \"wip\" excluded by !wip in [!wip]"
    );
    let r = t.match_event(&event(&push("main", None)));
    assert_eq!(
        r.explain[0].checks.len(),
        1,
        "a failed event check lists nothing else"
    );
    assert_eq!(
        r.explain[0].checks[0].detail,
        "pull_request conditions do not apply to push events"
    );
}

#[test]
fn explain_details_for_paths() {
    let p = one_action(&json!({"push": {"paths": ["src/**"]}}));
    let t = compile(&p, &Limits::default()).expect("compiles");
    let detail = |e: &Value| t.match_event(&event(e)).explain[0].checks[0].detail.clone();
    assert_eq!(
        detail(&push("main", None)),
        "changed files unknown: paths filter passes"
    );
    assert_eq!(
        detail(&push("main", Some(&[]))),
        "no changed files: paths filter fails"
    );
    assert_eq!(
        detail(&push("main", Some(&["a", "src/b.rs"]))),
        "changed file \"src/b.rs\" matched by [src/**]"
    );
    assert_eq!(
        detail(&push("main", Some(&["a", "b"]))),
        "none of 2 changed files matched by [src/**]"
    );
}

/// The context variables of every event kind.
#[test]
fn context_variables_table() {
    let vars = |e: Value, rev: Option<&str>| ContextVars::for_event(&event(&e), rev);
    let v = vars(push("feature/x", None), None);
    assert_eq!(
        (
            v.build_name.as_str(),
            v.git_url.as_str(),
            v.git_commit.as_str(),
            v.git_branch.as_str(),
            v.git_tag.as_str()
        ),
        ("feature-x", "https://g/r.git", "c0ffee", "feature/x", "")
    );
    let v = vars(tag("v1.0"), None);
    assert_eq!(
        (
            v.build_name.as_str(),
            v.git_branch.as_str(),
            v.git_tag.as_str()
        ),
        ("v1.0", "", "v1.0")
    );
    let v = vars(pr("main", "feature/x", None, &[]), None);
    assert_eq!(
        (
            v.build_name.as_str(),
            v.git_branch.as_str(),
            v.chatop_command.as_str()
        ),
        ("pr-7", "feature/x", "")
    );
    let v = vars(comment("/test  unit e2e \nmore", "main"), None);
    assert_eq!(
        (
            v.build_name.as_str(),
            v.chatop_command.as_str(),
            v.chatop_args.as_str()
        ),
        ("pr-7", "test", "unit e2e")
    );
    let v = vars(
        json!({"kind": "release", "tag": "v2", "commit": "v2", "url": "u"}),
        None,
    );
    assert_eq!(
        (
            v.build_name.as_str(),
            v.git_tag.as_str(),
            v.git_commit.as_str()
        ),
        ("v2", "v2", "v2")
    );
    let v = vars(json!({"kind": "cron", "action": "nightly build"}), None);
    assert_eq!(
        (
            v.build_name.as_str(),
            v.git_url.as_str(),
            v.git_commit.as_str(),
            v.git_branch.as_str()
        ),
        ("nightly-build", "", "master", "master")
    );
    let v = vars(
        json!({"kind": "cron", "action": "n", "commit": "abc", "url": "u"}),
        Some("dev"),
    );
    assert_eq!(
        (
            v.git_url.as_str(),
            v.git_commit.as_str(),
            v.git_branch.as_str()
        ),
        ("u", "abc", "dev")
    );
    let v = vars(json!({"kind": "image_push", "tag": "1.0"}), None);
    assert_eq!(
        v,
        ContextVars {
            build_name: "1.0".into(),
            ..ContextVars::default()
        }
    );
}

#[test]
fn cron_revision_comes_from_the_matched_action() {
    let p = pipeline(&json!({
        "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
        "actions": [{"name": "nightly", "tasks": ["t"], "on": {"cron": {"schedule": "@daily", "git": {"revision": "dev"}}}},
                    {"name": "weekly", "tasks": ["t"], "on": {"cron": {"schedule": "@weekly", "revision": "v1"}}}],
    }));
    let t = compile(&p, &Limits::default()).expect("compiles");
    let r = t.match_event(&event(&json!({"kind": "cron", "action": "weekly"})));
    assert_eq!(r.actions, [1]);
    assert_eq!(
        (r.context.git_branch.as_str(), r.context.git_commit.as_str()),
        ("v1", "v1")
    );
}

#[test]
fn union_closure_of_fired_actions() {
    let p = pipeline(&json!({
        "resource": {"src": {"type": "git", "param": {"url": "$(context.git.url)"}}, "img": {"type": "image", "param": {"url": "x"}}},
        "task": {
            "build": {"inputs": ["src"], "outputs": ["img"], "steps": [{"name": "s", "image": "a"}]},
            "deploy": {"inputs": ["img"], "steps": [{"name": "s", "image": "a"}]},
            "lint": {"inputs": ["src"], "steps": [{"name": "s", "image": "a"}]},
            "unit": {"deps": ["lint"], "steps": [{"name": "s", "image": "a"}]},
        },
        "actions": [{"tasks": ["deploy"], "on": {"push": {"branches": ["main"]}}},
                    {"tasks": ["unit"], "on": {"push": {}}},
                    {"tasks": ["lint"], "on": {"tag": {}}}],
    }));
    let t = compile(&p, &Limits::default()).expect("compiles");
    let r = t.match_event(&event(&push("main", None)));
    assert_eq!(r.actions, [0, 1]);
    assert_eq!(r.tasks, ["build", "deploy", "lint", "unit"]);
    let r = t.match_event(&event(&push("dev", None)));
    assert_eq!(r.tasks, ["lint", "unit"]);
}

#[test]
fn event_files_reject_unknown_fields_and_kinds() {
    for bad in [
        r#"{"kind":"push","branch":"m","commit":"c","url":"u","extra":1}"#,
        r#"{"kind":"merge","branch":"m"}"#,
        r#"{"kind":"push","branch":"m","url":"u"}"#,
        r#"{"kind":"pull_request","action":"closed","number":1,"base":"b","head":"h","commit":"c","url":"u"}"#,
        r#"{"branch":"m","commit":"c","url":"u"}"#,
    ] {
        let err = Event::from_json(bad).expect_err("invalid event file");
        assert_eq!(err.code(), "event", "{bad}: {err}");
    }
    let e =
        Event::from_json(r#"{"kind":"push","branch":"m","commit":"c","url":"u","changed":null}"#)
            .expect("null changed");
    let Event::Push(p) = e else { panic!("a push") };
    assert_eq!(p.changed, None);
}

#[test]
fn pattern_diagnostics_have_paths_and_messages() {
    let p = pipeline(&json!({
        "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
        "actions": [{"tasks": ["t"], "on": {"git": {"push": {"branches": ["ok", "release/["], "paths": ["/src/**"]}}}},
                    {"tasks": ["t"], "on": {"pull_request": {"targets": ["a{"], "branches": ["b[]"], "chatops": ["/test"]}}},
                    {"tasks": ["t"], "on": {"image": {"push": {"tags": ["v[2-1]"]}}}}],
    }));
    let errs = compile(&p, &Limits::default()).expect_err("malformed globs");
    assert!(
        errs.iter()
            .any(|d| d.code == "chatops-slash" && d.message.contains("\"/test\"")),
        "a chatops entry with its slash has its own code: {errs:?}"
    );
    let got: Vec<(String, &str, String)> = errs
        .iter()
        .map(|d| (d.path.clone(), d.severity.as_str(), d.message.clone()))
        .collect();
    let want = [
        (
            "/actions/0/on/git/push/branches/1",
            "error",
            r#"action #0: branches[1]: invalid pattern "release/[": unclosed "[" at column 9"#,
        ),
        (
            "/actions/0/on/git/push/paths/0",
            "warning",
            r#"action #0: paths[0]: pattern "/src/**" never matches: a leading "/" never matches (branch names and changed paths are relative)"#,
        ),
        (
            "/actions/1/on/pull_request/branches/0",
            "error",
            r#"action #1: branches[0]: invalid pattern "b[]": empty class "[]" at column 2"#,
        ),
        (
            "/actions/1/on/pull_request/chatops/0",
            "warning",
            r#"action #1: chatops[0] "/test" never matches: write "test""#,
        ),
        (
            "/actions/1/on/pull_request/targets/0",
            "error",
            r#"action #1: targets[0]: invalid pattern "a{": unclosed "{" at column 2"#,
        ),
        (
            "/actions/2/on/image/push/tags/0",
            "error",
            r#"action #2: tags[0]: invalid pattern "v[2-1]": reversed range "2-1" at column 3"#,
        ),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let want: Vec<(String, &str, String)> = want
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), *b, (*c).to_owned()))
        .collect();
    assert_eq!(got_sorted, want);
}

#[test]
fn list_limits_are_diagnostics() {
    let many: Vec<String> = (0..3).map(|i| format!("b{i}")).collect();
    let p = one_action(&json!({"push": {"branches": many, "paths": ["x".repeat(20)]}}));
    let mut limits = Limits::default();
    limits.max_patterns_per_list = 2;
    limits.max_pattern_len = 10;
    let errs = compile(&p, &limits).expect_err("over the limits");
    let msgs: Vec<&str> = errs.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "action #0: branches: limit exceeded: max_patterns_per_list (2)",
            "action #0: paths[0]: limit exceeded: max_pattern_len (10)"
        ]
    );
    assert!(errs.iter().all(|d| d.code == "limit-exceeded"));
}

#[test]
fn multi_megabyte_comment_and_long_branch_are_bounded() {
    let p = one_action(
        &json!({"pull_request": {"chatops": ["test"], "sources": [format!("{}b", "*a".repeat(400))]}}),
    );
    let t = compile(&p, &Limits::default()).expect("compiles");
    let body = format!("/test {}\n{}", "x".repeat(3 << 20), "y\n".repeat(1 << 20));
    let mut e = comment(&body, "main");
    e["head"] = json!("a".repeat(100_000));
    let r = t.match_event(&event(&e));
    assert!(r.actions.is_empty());
    assert_eq!(r.context.chatop_command, "test");
    assert_eq!(r.context.chatop_args.len(), 3 << 20);
}
