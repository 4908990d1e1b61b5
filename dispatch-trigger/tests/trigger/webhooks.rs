//! Webhook adapters (SPEC §4.9) on the real provider payloads of `$DISPATCH_SHARED/corpus/webhooks`
//! and on cases written here.

#![allow(
    clippy::disallowed_methods,
    reason = "the test reads the shared corpus"
)]

use dispatch_trigger::{Adapted, Event, PrDetails, PullRequestAction, github, gitlab};
use serde_json::json;

use super::common::corpus;

fn read(file: &str) -> Option<String> {
    let dir = corpus("webhooks")?;
    Some(std::fs::read_to_string(dir.join(file)).expect("corpus file is readable"))
}

fn details(changed: Option<&[&str]>) -> PrDetails {
    PrDetails {
        base: "refs/heads/main".into(),
        head: "fix".into(),
        commit: "abc123".into(),
        changed: changed.map(|c| c.iter().map(|s| (*s).to_owned()).collect()),
    }
}

/// The event JSON (or `ignored`) each corpus file gives.
fn outcome(adapted: &Adapted) -> serde_json::Value {
    match adapted {
        Adapted::Event(e) => serde_json::to_value(e).expect("events serialize"),
        Adapted::Ignored(_) => json!("ignored"),
    }
}

macro_rules! corpus_cases {
    ($($name:ident: $file:literal, $adapt:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let Some(body) = read($file) else { return };
            let adapt: &dyn Fn(&str) -> dispatch_trigger::Result<Adapted> = &$adapt;
            let got = adapt(&body).unwrap_or_else(|e| panic!("{}: {e}", $file));
            assert_eq!(outcome(&got), $want, "{}: {got:?}", $file);
        }
    )*};
}

corpus_cases! {
    gh_push_branch: "github/push-branch.json", |b| github::to_event("push", b, None) => json!({
        "kind": "push", "branch": "changes", "commit": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
        "url": "https://github.com/baxterthehacker/public-repo.git", "changed": ["README.md"]});
    gh_push_many_files: "github/push-branch-many-files.json", |b| github::to_event("push", b, None) => {
        let Some(body) = read("github/push-branch-many-files.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let mut files: Vec<String> = ["added", "modified", "removed"].iter()
            .flat_map(|k| v["commits"][0][k].as_array().cloned().unwrap_or_default())
            .map(|f| f.as_str().expect("file names").to_owned()).collect();
        files.sort();
        files.dedup();
        assert!(files.len() > 1, "the fixture changes several files");
        json!({"kind": "push", "branch": "changes", "commit": v["after"], "url": v["repository"]["clone_url"], "changed": files})
    };
    gh_push_created: "github/push-branch-created.json", |b| github::to_event("push", b, None) => {
        let Some(body) = read("github/push-branch-created.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        // A new branch: the commits are not the branch's changes, so changed files are unknown.
        json!({"kind": "push", "branch": "master", "commit": v["after"], "url": v["repository"]["clone_url"]})
    };
    gh_push_created_no_commits: "github/push-branch-created-no-commits.json", |b| github::to_event("push", b, None) => {
        let Some(body) = read("github/push-branch-created-no-commits.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        json!({"kind": "push", "branch": "feature-branch", "commit": v["after"], "url": v["repository"]["clone_url"]})
    };
    gh_push_deleted: "github/push-branch-deleted.json", |b| github::to_event("push", b, None) => json!("ignored");
    gh_push_tag: "github/push-tag.json", |b| github::to_event("push", b, None) => {
        let Some(body) = read("github/push-tag.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let commit = if v["head_commit"].is_null() { v["after"].clone() } else { v["head_commit"]["id"].clone() };
        json!({"kind": "tag", "tag": "v0.0.1", "commit": commit, "url": v["repository"]["clone_url"]})
    };
    gh_push_tag_annotated: "github/push-tag-annotated.json", |b| github::to_event("push", b, None) => {
        let Some(body) = read("github/push-tag-annotated.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_ne!(v["after"], v["head_commit"]["id"], "annotated: after is the tag object");
        json!({"kind": "tag", "tag": "v0.2.1", "commit": v["head_commit"]["id"], "url": v["repository"]["clone_url"]})
    };
    gh_push_tag_deleted: "github/push-tag-deleted.json", |b| github::to_event("push", b, None) => json!("ignored");
    gh_pr_opened: "github/pull_request-opened.json", |b| github::to_event("pull_request", b, None) => json!({
        "kind": "pull_request", "action": "opened", "number": 2, "base": "master", "head": "changes",
        "commit": "ec26c3e57ca3a959ca5aad62de7213c562f8c821", "url": "https://github.com/Codertocat/Hello-World.git",
        "labels": ["bug"]});
    gh_pr_reopened_with_details: "github/pull_request-reopened.json", |b| github::to_event("pull_request", b, Some(&details(Some(&["a"])))) => json!({
        "kind": "pull_request", "action": "reopened", "number": 2, "base": "master", "head": "changes",
        "commit": "ec26c3e57ca3a959ca5aad62de7213c562f8c821", "url": "https://github.com/Codertocat/Hello-World.git",
        "labels": ["bug"], "changed": ["a"]});
    gh_pr_synchronize: "github/pull_request-synchronize.json", |b| github::to_event("pull_request", b, None) => {
        let Some(body) = read("github/pull_request-synchronize.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let pr = &v["pull_request"];
        let labels: Vec<&str> = pr["labels"].as_array().map(|l| l.iter().filter_map(|x| x["name"].as_str()).collect()).unwrap_or_default();
        let mut want = json!({"kind": "pull_request", "action": "synchronize", "number": v["number"], "base": pr["base"]["ref"],
               "head": pr["head"]["ref"], "commit": pr["head"]["sha"], "url": v["repository"]["clone_url"]});
        if !labels.is_empty() {
            want["labels"] = json!(labels);
        }
        want
    };
    gh_pr_closed: "github/pull_request-closed.json", |b| github::to_event("pull_request", b, None) => json!("ignored");
    gh_pr_edited: "github/pull_request-edited.json", |b| github::to_event("pull_request", b, None) => json!("ignored");
    gh_pr_labeled: "github/pull_request-labeled.json", |b| github::to_event("pull_request", b, None) => json!("ignored");
    gh_comment_pr: "github/issue_comment-created-pr.json", |b| github::to_event("issue_comment", b, Some(&details(None))) => {
        let Some(body) = read("github/issue_comment-created-pr.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let mut want = json!({"kind": "pull_request_comment", "number": v["issue"]["number"], "base": "main", "head": "fix",
               "commit": "abc123", "url": v["repository"]["clone_url"], "comment": v["comment"]["body"]});
        let labels: Vec<&str> = v["issue"]["labels"].as_array().map(|l| l.iter().filter_map(|x| x["name"].as_str()).collect()).unwrap_or_default();
        if !labels.is_empty() {
            want["labels"] = json!(labels);
        }
        want
    };
    gh_comment_issue: "github/issue_comment-created-issue.json", |b| github::to_event("issue_comment", b, None) => json!("ignored");
    gh_comment_edited: "github/issue_comment-edited-pr.json", |b| github::to_event("issue_comment", b, Some(&details(None))) => json!("ignored");
    gh_release_published: "github/release-published.json", |b| github::to_event("release", b, None) => json!({
        "kind": "release", "tag": "0.0.1", "commit": "0.0.1", "url": "https://github.com/Codertocat/Hello-World.git"});
    gh_release_created: "github/release-created.json", |b| github::to_event("release", b, None) => json!("ignored");
    gl_push_single: "gitlab/push-single-commit.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/push-single-commit.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let c = &v["commits"][0];
        let mut files: Vec<String> = ["added", "modified", "removed"].iter()
            .flat_map(|k| c[k].as_array().cloned().unwrap_or_default()).map(|f| f.as_str().expect("names").to_owned()).collect();
        files.sort();
        json!({"kind": "push", "branch": "master", "commit": v["checkout_sha"], "url": v["project"]["git_http_url"], "changed": files})
    };
    gl_push_two_commits_same_file: "gitlab/push-two-commits.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/push-two-commits.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let mut files: Vec<String> = v["commits"].as_array().expect("commits").iter()
            .flat_map(|c| ["added", "modified", "removed"].iter().flat_map(|k| c[*k].as_array().cloned().unwrap_or_default()).collect::<Vec<_>>())
            .map(|f| f.as_str().expect("names").to_owned()).collect();
        files.sort();
        files.dedup();
        json!({"kind": "push", "branch": "master", "commit": v["checkout_sha"], "url": v["project"]["git_http_url"], "changed": files})
    };
    gl_push_truncated: "gitlab/push-commits-truncated.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/push-commits-truncated.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        // 2 of 4 commits listed: the changed files are unknown.
        json!({"kind": "push", "branch": "master", "commit": v["checkout_sha"], "url": v["project"]["git_http_url"]})
    };
    gl_push_created: "gitlab/push-branch-created.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/push-branch-created.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let commit = if v["checkout_sha"].is_null() { v["after"].clone() } else { v["checkout_sha"].clone() };
        json!({"kind": "push", "branch": "feature", "commit": commit, "url": v["project"]["git_http_url"]})
    };
    gl_push_deleted: "gitlab/push-branch-deleted.json", |b| gitlab::to_event(b, None) => json!("ignored");
    gl_tag_created: "gitlab/tag_push-created.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/tag_push-created.json") else { return };
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        json!({"kind": "tag", "tag": "v1.0.0", "commit": v["checkout_sha"], "url": v["project"]["git_http_url"]})
    };
    gl_tag_deleted: "gitlab/tag_push-deleted.json", |b| gitlab::to_event(b, None) => json!("ignored");
    gl_mr_open: "gitlab/merge_request-open.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/merge_request-open.json") else { return };
        mr(&body, "opened")
    };
    gl_mr_reopen: "gitlab/merge_request-reopen.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/merge_request-reopen.json") else { return };
        mr(&body, "reopened")
    };
    gl_mr_update_oldrev: "gitlab/merge_request-update-oldrev.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/merge_request-update-oldrev.json") else { return };
        mr(&body, "synchronize")
    };
    gl_mr_update_no_oldrev: "gitlab/merge_request-update-no-oldrev.json", |b| gitlab::to_event(b, None) => json!("ignored");
    gl_mr_close: "gitlab/merge_request-close.json", |b| gitlab::to_event(b, None) => json!("ignored");
    gl_note_mr: "gitlab/note-merge_request.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/note-merge_request.json") else { return };
        note(&body)
    };
    gl_note_mr_no_action: "gitlab/note-merge_request-no-action.json", |b| gitlab::to_event(b, None) => {
        let Some(body) = read("gitlab/note-merge_request-no-action.json") else { return };
        note(&body)
    };
    gl_note_commit: "gitlab/note-commit.json", |b| gitlab::to_event(b, None) => json!("ignored");
}

/// The expected merge request event, read independently from the payload.
fn mr(body: &str, action: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(body).expect("json");
    let a = &v["object_attributes"];
    let mut want = json!({"kind": "pull_request", "action": action, "number": a["iid"], "base": a["target_branch"],
        "head": a["source_branch"], "commit": a["last_commit"]["id"], "url": v["project"]["git_http_url"]});
    let labels: Vec<&str> = v["labels"]
        .as_array()
        .map(|l| l.iter().filter_map(|x| x["title"].as_str()).collect())
        .unwrap_or_default();
    if !labels.is_empty() {
        want["labels"] = json!(labels);
    }
    want
}

fn note(body: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(body).expect("json");
    let m = &v["merge_request"];
    let mut want = json!({"kind": "pull_request_comment", "number": m["iid"], "base": m["target_branch"], "head": m["source_branch"],
        "commit": m["last_commit"]["id"], "url": v["project"]["git_http_url"], "comment": v["object_attributes"]["note"]});
    let labels: Vec<&str> = m["labels"]
        .as_array()
        .map(|l| l.iter().filter_map(|x| x["title"].as_str()).collect())
        .unwrap_or_default();
    if !labels.is_empty() {
        want["labels"] = json!(labels);
    }
    want
}

#[test]
fn comment_without_details_is_an_error() {
    let Some(body) = read("github/issue_comment-created-pr.json") else {
        return;
    };
    let err = github::to_event("issue_comment", &body, None).expect_err("needs details");
    assert!(
        err.to_string().contains("needs pull request details"),
        "{err}"
    );
}

#[test]
fn written_cases() {
    let url = json!({"clone_url": "u"});
    // Over GitHub's 2048-commit cap: changed files unknown.
    let commits: Vec<serde_json::Value> = (0..2048)
        .map(|i| json!({"added": [format!("f{i}")]}))
        .collect();
    let body = json!({"ref": "refs/heads/x", "before": "1", "after": "2", "commits": commits, "repository": url}).to_string();
    let Adapted::Event(Event::Push(p)) = github::to_event("push", &body, None).expect("valid")
    else {
        panic!("push")
    };
    assert_eq!(p.changed, None);
    // Removed and added the same file in two commits: one entry, sorted.
    let body = json!({"ref": "refs/heads/x", "before": "1", "after": "2", "repository": url,
                      "commits": [{"added": ["b", "a"], "removed": []}, {"removed": ["a"], "modified": ["c"]}]}).to_string();
    let Adapted::Event(Event::Push(p)) = github::to_event("push", &body, None).expect("valid")
    else {
        panic!("push")
    };
    assert_eq!(p.changed, Some(vec!["a".into(), "b".into(), "c".into()]));
    // Other refs and events.
    let body = json!({"ref": "refs/notes/x", "after": "2", "repository": url}).to_string();
    assert!(matches!(
        github::to_event("push", &body, None),
        Ok(Adapted::Ignored(_))
    ));
    assert!(matches!(
        github::to_event("ping", "{}", None),
        Ok(Adapted::Ignored(_))
    ));
    assert!(matches!(
        gitlab::to_event(r#"{"object_kind":"pipeline"}"#, None),
        Ok(Adapted::Ignored(_))
    ));
    // Malformed payloads are errors naming the field.
    let err = github::to_event("push", r#"{"ref":"refs/heads/x"}"#, None).expect_err("no after");
    assert_eq!(
        err.to_string(),
        "GitHub push payload: missing a string at /after"
    );
    assert_eq!(
        github::to_event("push", "[1]", None)
            .expect_err("not an object")
            .code(),
        "payload"
    );
    assert!(github::to_event("release", "{", None).is_err());
    let err = gitlab::to_event(
        r#"{"object_kind":"merge_request","object_attributes":{"action":"open","iid":"x"}}"#,
        None,
    )
    .expect_err("iid is not a number");
    assert_eq!(
        err.to_string(),
        "GitLab payload: expected a number at /object_attributes/iid"
    );
    // PR details with refs are shortened.
    let body = json!({"action": "created", "issue": {"number": 3, "pull_request": {}}, "comment": {"body": "/test"}, "repository": url}).to_string();
    let Adapted::Event(Event::PullRequestComment(c)) =
        github::to_event("issue_comment", &body, Some(&details(None))).expect("valid")
    else {
        panic!("comment")
    };
    assert_eq!((c.base.as_str(), c.number), ("main", 3));
    assert_eq!(
        gitlab::object_kind_of_header("Merge Request Hook"),
        Some("merge_request")
    );
    assert_eq!(gitlab::object_kind_of_header("Service Hook"), None);
    let _ = PullRequestAction::Synchronize;
}
