//! `dispatch match`: the seed output, the condition and chatops tables through the binary,
//! webhook adapters, `--explain`, and errors.

use super::{run, shared, stderr, stdout};

const PUSH: &str = "../examples/push-master.json";

/// The match output for the seed pipeline and a push to `master`, pretty-printed.
const SEED_PUSH_OUTPUT: &str = r#"{
  "actions": [
    0
  ],
  "context": {
    "build.name": "master",
    "chatop.args": "",
    "chatop.command": "",
    "git.branch": "master",
    "git.commit": "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0",
    "git.tag": "",
    "git.url": "https://github.com/example/app.git"
  },
  "explain": [
    {
      "action": 0,
      "checks": [
        {
          "detail": "branch \"master\" matched by [master]",
          "filter": "branches",
          "ok": true
        }
      ],
      "kind": "push",
      "matched": true
    },
    {
      "action": 1,
      "checks": [
        {
          "detail": "pull_request conditions do not apply to push events",
          "filter": "event",
          "ok": false
        }
      ],
      "kind": "pull_request",
      "matched": false
    }
  ],
  "tasks": [
    "test"
  ]
}
"#;

#[test]
fn seed_output_is_the_same_in_every_format() {
    for format in ["cue", "json", "star", "yaml"] {
        let file = format!("../examples/Dispatchfile.{format}");
        let out = run(&["match", &file, "--event", PUSH], b"");
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        assert_eq!(stdout(&out), SEED_PUSH_OUTPUT, "{file}");
    }
}

#[test]
fn event_from_stdin() {
    let event = std::fs::read(PUSH).expect("the example event is readable");
    let out = run(
        &["match", "../examples/Dispatchfile.json", "--event", "-"],
        &event,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), SEED_PUSH_OUTPUT);
}

#[test]
fn explain_prints_a_table() {
    let out = run(
        &[
            "match",
            "../examples/Dispatchfile.yaml",
            "--event",
            PUSH,
            "--explain",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        r#"ACTION  KIND          FIRES  FILTER      DETAIL
#0      push          yes    ✓ branches  branch "master" matched by [master]
#1      pull_request  no     ✗ event     pull_request conditions do not apply to push events

actions: #0
tasks:   test
context:
  build.name      "master"
  chatop.args     ""
  chatop.command  ""
  git.branch      "master"
  git.commit      "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0"
  git.tag         ""
  git.url         "https://github.com/example/app.git"
"#
    );
}

/// A fresh file in the temporary directory.
fn temp(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dispatch-match-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("temp file");
    path
}

/// Runs `dispatch match - --event E` with a one-action pipeline on stdin; the fired action indices.
fn fires(name: &str, on: &serde_json::Value, event: &serde_json::Value) -> bool {
    let pipeline = serde_json::json!({
        "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
        "actions": [{"name": "nightly", "tasks": ["t"], "on": on}],
    });
    let event_file = temp(&format!("{name}.json"), &event.to_string());
    let input = format!("#!json\n{pipeline}");
    let out = run(
        &[
            "match",
            "-",
            "--event",
            event_file.to_str().expect("utf-8 path"),
        ],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
    let result: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    let fired = result["actions"] == serde_json::json!([0]);
    assert_eq!(
        result["explain"][0]["matched"],
        serde_json::json!(fired),
        "{name}: explain agrees"
    );
    fired
}

macro_rules! table_rows {
    ($($name:ident: $event:tt, $on:tt => $want:literal;)*) => {$(
        #[test]
        fn $name() {
            let (e, on) = (serde_json::json!($event), serde_json::json!($on));
            assert_eq!(fires(stringify!($name), &on, &e), $want, "{on} against {e}");
        }
    )*};
}

// Conditions against events, every documented row.
table_rows! {
    row_tag_vs_push: {"kind": "tag", "tag": "v1.0", "commit": "c", "url": "u"}, {"push": {}} => false;
    row_tag_negative: {"kind": "tag", "tag": "v0.9", "commit": "c", "url": "u"}, {"tag": {"names": ["v*", "!v0.*"]}} => false;
    row_tag_negative_only: {"kind": "tag", "tag": "v2.0", "commit": "c", "url": "u"}, {"tag": {"names": ["!v0.*"]}} => true;
    row_paths_empty: {"kind": "push", "branch": "main", "commit": "c", "url": "u", "changed": []}, {"push": {"paths": ["src/**"]}} => false;
    row_paths_unknown: {"kind": "push", "branch": "main", "commit": "c", "url": "u"}, {"push": {"paths": ["src/**"]}} => true;
    row_paths_docs_only: {"kind": "push", "branch": "main", "commit": "c", "url": "u", "changed": ["docs/a.md"]},
        {"push": {"branches": ["main"], "paths": ["!docs/*"]}} => false;
    row_paths_docs_and_more: {"kind": "push", "branch": "main", "commit": "c", "url": "u", "changed": ["docs/a.md", "Dispatchfile"]},
        {"push": {"branches": ["main"], "paths": ["!docs/*"]}} => true;
    row_pr_sync: {"kind": "pull_request", "action": "synchronize", "number": 1, "base": "main", "head": "f", "commit": "c", "url": "u"},
        {"pull_request": {}} => true;
    row_comment_vs_plain_pr: {"kind": "pull_request_comment", "number": 1, "base": "main", "head": "f", "commit": "c", "url": "u", "comment": "/test"},
        {"pull_request": {}} => false;
    row_pr_vs_chatops: {"kind": "pull_request", "action": "synchronize", "number": 1, "base": "main", "head": "f", "commit": "c", "url": "u"},
        {"pull_request": {"chatops": ["test"]}} => false;
    row_comment_chatops_target: {"kind": "pull_request_comment", "number": 1, "base": "main", "head": "f", "commit": "c", "url": "u", "comment": "/test please"},
        {"pull_request": {"chatops": ["test"], "targets": ["main"]}} => true;
    row_sources_star: {"kind": "pull_request", "action": "synchronize", "number": 1, "base": "main", "head": "feature/x/y", "commit": "c", "url": "u"},
        {"pull_request": {"sources": ["feature/*"]}} => false;
    row_pr_paths_negative: {"kind": "pull_request", "action": "synchronize", "number": 1, "base": "main", "head": "f", "commit": "c", "url": "u", "changed": ["docs/a.md"]},
        {"pull_request": {"paths": ["!docs/**"]}} => false;
}

// Chatops comments, every documented row.
table_rows! {
    chat_test: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/test"}, {"pull_request": {"chatops": ["test"]}} => true;
    chat_please: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/test please"}, {"pull_request": {"chatops": ["test"]}} => true;
    chat_testing: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/testing"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_crlf: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/test\r\n\nflaky infra"}, {"pull_request": {"chatops": ["test"]}} => true;
    chat_indent: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "   /test"}, {"pull_request": {"chatops": ["test"]}} => true;
    chat_not_first: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "please /test"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_second_line: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "LGTM\n/test"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_quote: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "> /test\nsure"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_capital: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/Test"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_space: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/ test"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_slash: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_build: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/build"}, {"pull_request": {"chatops": ["test", "build"]}} => true;
    chat_e2e_vs_test: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/test-e2e"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_e2e: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/test-e2e"}, {"pull_request": {"chatops": ["test-e2e"]}} => true;
    chat_fence: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "```\n/test\n```"}, {"pull_request": {"chatops": ["test"]}} => false;
    chat_none: {"kind": "pull_request_comment", "number": 1, "base": "b", "head": "h", "commit": "c", "url": "u", "comment": "/test"}, {"pull_request": {"chatops": []}} => false;
}

/// The webhook corpus file `file`, when `DISPATCH_SHARED` is set.
fn webhook(file: &str) -> Option<String> {
    let dir = shared(&format!("the webhook corpus case {file}"))?;
    let path = dir.join("corpus/webhooks").join(file);
    Some(path.to_str().expect("utf-8 path").to_owned())
}

#[test]
fn github_comment_with_pr_details_fires_chatops() {
    let Some(payload) = webhook("github/issue_comment-created-pr.json") else {
        return;
    };
    // The delivery's comment is `/build`.
    let file = temp(
        "Dispatchfile-chatops",
        "#!json\n{\"task\": {\"t\": {\"steps\": [{\"name\": \"s\", \"image\": \"a\"}]}},\n \"actions\": [{\"tasks\": [\"t\"], \"on\": {\"pull_request\": {\"chatops\": [\"build\"]}}}]}",
    );
    let details = temp(
        "details.json",
        r#"{"base": "master", "head": "feature", "commit": "abc", "changed": ["a.go"]}"#,
    );
    let out = run(
        &[
            "match",
            file.to_str().expect("utf-8"),
            "--github-event",
            "issue_comment",
            "--payload",
            &payload,
            "--pr-details",
            details.to_str().expect("utf-8"),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(r["actions"], serde_json::json!([0]), "{}", stdout(&out));
    assert_eq!(r["context"]["chatop.command"], "build");
    assert_eq!(r["context"]["git.commit"], "abc");
}

#[test]
fn github_comment_without_details_is_a_usage_error() {
    let Some(payload) = webhook("github/issue_comment-created-pr.json") else {
        return;
    };
    let out = run(
        &[
            "match",
            "../examples/Dispatchfile.yaml",
            "--github-event",
            "issue_comment",
            "--payload",
            &payload,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs pull request details"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn ignored_webhook_prints_the_reason_and_an_empty_match() {
    let Some(payload) = webhook("github/push-branch-deleted.json") else {
        return;
    };
    let out = run(
        &[
            "match",
            "../examples/Dispatchfile.yaml",
            "--github-event",
            "push",
            "--payload",
            &payload,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("ignoring the GitHub \"push\" event: refs/heads/feature-branch was deleted"),
        "{}",
        stderr(&out)
    );
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(
        (&r["actions"], &r["tasks"]),
        (&serde_json::json!([]), &serde_json::json!([]))
    );
}

#[test]
fn gitlab_header_is_checked_unless_service_hook() {
    let Some(payload) = webhook("gitlab/merge_request-update-oldrev.json") else {
        return;
    };
    let out = run(
        &[
            "match",
            "../examples/Dispatchfile.yaml",
            "--gitlab-event",
            "Push Hook",
            "--payload",
            &payload,
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("does not match the payload's object_kind \"merge_request\""),
        "{}",
        stderr(&out)
    );
    for header in ["Service Hook", "Merge Request Hook", "merge_request"] {
        let out = run(
            &[
                "match",
                "../examples/Dispatchfile.yaml",
                "--gitlab-event",
                header,
                "--payload",
                &payload,
            ],
            b"",
        );
        assert_eq!(out.status.code(), Some(0), "{header}: {}", stderr(&out));
        let r: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        assert_eq!(
            r["explain"][1]["checks"][0]["detail"],
            "pull_request conditions with chatops apply only to pull_request_comment events"
        );
    }
}

#[test]
fn bad_event_file_is_invalid_input_with_a_position() {
    let bad = temp(
        "bad-event.json",
        r#"{"kind":"push","branch":"m","commit":"c","url":"u","extra":true}"#,
    );
    let out = run(
        &[
            "match",
            "../examples/Dispatchfile.yaml",
            "--event",
            bad.to_str().expect("utf-8"),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "invalid input exits 1");
    let err = stderr(&out);
    let want = format!(
        "{}:1:52: error[event]: invalid event: unknown field `extra`",
        bad.display()
    );
    assert!(err.starts_with(&want), "{err}");
    assert!(
        err.contains("\n  |                                                    ^^^^^^^"),
        "the key is underlined: {err}"
    );
    let out = run(&["match", "../examples/Dispatchfile.yaml"], b"");
    assert_eq!(out.status.code(), Some(2), "an event source is required");
}

#[test]
fn bad_pattern_is_invalid_input_with_its_position() {
    let file = "#!json\n{\"task\": {\"t\": {\"steps\": [{\"name\": \"s\", \"image\": \"a\"}]}},\n \"actions\": [{\"tasks\": [\"t\"], \"on\": {\"push\": {\"branches\": [\"release/[\"]}}}]}\n";
    let out = run(&["match", "-", "--event", PUSH], file.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "<stdin>:3:60: error[invalid-pattern]: action #0: branches[0]: invalid pattern \"release/[\": unclosed \"[\" at column 9"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    let out = run(&["validate", "-"], file.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error[invalid-pattern]"),
        "validate reports invalid patterns: {}",
        stderr(&out)
    );
}
