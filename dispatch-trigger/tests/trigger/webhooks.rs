//! Webhook adapters on the real provider payloads of `$DISPATCH_SHARED/corpus/webhooks`
//! and on cases written here.

#![allow(
    clippy::disallowed_methods,
    reason = "the test reads the shared corpus"
)]

use dispatch_trigger::{Adapted, Event, PrDetails, PullRequestAction, gitea, github, gitlab};
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

/// The adapter of a corpus file, by its folder and name (`<event>-<case>.json`).
fn adapt_corpus_file(file: &str, body: &str) -> dispatch_trigger::Result<Adapted> {
    let (provider, name) = file.split_once('/').expect("provider/file");
    let stem = name.trim_end_matches(".json");
    let event = stem.split_once('-').map_or(stem, |(e, _)| e);
    let pr = details(None);
    match provider {
        "github" => github::to_event(event, body, Some(&pr)),
        "gitlab" => gitlab::to_event(body, Some(&pr)),
        "gitea" => gitea::to_event(event, body, Some(&pr)),
        other => panic!("no adapter for {other}"),
    }
}

/// Every payload of the corpus, GitHub, GitLab and Gitea, gives the listed outcome: the event
/// (as its JSON) or `"ignored"`. Comments get the pull request details of [`details`].
#[test]
fn every_corpus_payload_gives_its_outcome() {
    let Some(dir) = corpus("webhooks") else {
        return;
    };
    let mut files = Vec::new();
    for provider in ["github", "gitlab", "gitea"] {
        for entry in std::fs::read_dir(dir.join(provider)).expect("a provider folder") {
            let name = entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            if std::path::Path::new(&name)
                .extension()
                .is_some_and(|e| e == "json")
            {
                files.push(format!("{provider}/{name}"));
            }
        }
    }
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let Some((_, want)) = CORPUS_OUTCOMES.iter().find(|(f, _)| f == file) else {
            problems.push(format!("{file}: no outcome listed"));
            continue;
        };
        let body = std::fs::read_to_string(dir.join(file)).expect("readable");
        let got = match adapt_corpus_file(file, &body) {
            Ok(a) => outcome(&a),
            Err(e) => json!(format!("error: {e}")),
        };
        let want: serde_json::Value = if *want == "ignored" {
            json!("ignored")
        } else {
            serde_json::from_str(want).expect("outcomes are JSON")
        };
        if got != want {
            problems.push(format!("{file}: got {got}, want {want}"));
        }
    }
    assert_eq!(
        files.len(),
        CORPUS_OUTCOMES.len(),
        "every listed file exists"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

/// What each payload of `$DISPATCH_SHARED/corpus/webhooks` gives (its event as JSON, or `ignored`),
/// checked by hand against the payload and the adapter rules of docs/webhooks.md.
const CORPUS_OUTCOMES: &[(&str, &str)] = &[
    ("gitea/create-tag.json", "ignored"),
    (
        "gitea/issue_comment-created-pr.json",
        r#"{"kind":"pull_request_comment","number":2,"base":"main","head":"fix","commit":"abc123","url":"http://try.gitea.io/gogits/hello-world.git","comment":"run gofmt"}"#,
    ),
    ("gitea/pull_request-closed-merged.json", "ignored"),
    (
        "gitea/pull_request-opened-slash-branch.json",
        r#"{"kind":"pull_request","action":"opened","number":1,"base":"main","head":"feature/changes","commit":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","url":"https://gitea.golang.org/gordon/hello-world.git"}"#,
    ),
    (
        "gitea/pull_request-synchronized.json",
        r#"{"kind":"pull_request","action":"synchronize","number":2,"base":"main","head":"test-patch-1","commit":"788ed8d02d3b7fcfcf6386dbcbca696aa1d4dc25","url":"http://127.0.0.1:3000/Test-CI/multi-line-secrets.git","labels":["Kind/Bug","Kind/Security"]}"#,
    ),
    (
        "gitea/push-branch-created.json",
        r#"{"kind":"push","branch":"fdsafdsa","commit":"28c3613ae62640216bea5e7dc71aa65356e4298b","url":"https://codeberg.org/meisam/woodpecktester.git"}"#,
    ),
    (
        "gitea/push-three-commits.json",
        r#"{"kind":"push","branch":"main","commit":"29be01c073851cf0db0c6a466e396b725a670453","url":"http://127.0.0.1:3000/Test-CI/multi-line-secrets.git","changed":["aa","aaa"]}"#,
    ),
    (
        "gitea/release-published.json",
        r#"{"kind":"release","tag":"0.0.5","commit":"0.0.5","url":"https://git.xxx/anbraten/demo.git"}"#,
    ),
    ("github/check_suite-requested.json", "ignored"),
    ("github/create-tag.json", "ignored"),
    ("github/issue_comment-created-issue.json", "ignored"),
    (
        "github/issue_comment-created-pr.json",
        r#"{"kind":"pull_request_comment","number":3,"base":"main","head":"fix","commit":"abc123","url":"https://github.com/chhsia0/knative-route-demo.git","comment":"/build"}"#,
    ),
    ("github/issue_comment-deleted.json", "ignored"),
    ("github/issue_comment-edited-pr.json", "ignored"),
    ("github/ping.json", "ignored"),
    ("github/pull_request-closed-merged.json", "ignored"),
    ("github/pull_request-closed.json", "ignored"),
    ("github/pull_request-converted_to_draft.json", "ignored"),
    ("github/pull_request-edited.json", "ignored"),
    ("github/pull_request-labeled-draft.json", "ignored"),
    ("github/pull_request-labeled.json", "ignored"),
    (
        "github/pull_request-opened.json",
        r#"{"kind":"pull_request","action":"opened","number":2,"base":"master","head":"changes","commit":"ec26c3e57ca3a959ca5aad62de7213c562f8c821","url":"https://github.com/Codertocat/Hello-World.git","labels":["bug"]}"#,
    ),
    ("github/pull_request-ready_for_review.json", "ignored"),
    (
        "github/pull_request-reopened.json",
        r#"{"kind":"pull_request","action":"reopened","number":2,"base":"master","head":"changes","commit":"ec26c3e57ca3a959ca5aad62de7213c562f8c821","url":"https://github.com/Codertocat/Hello-World.git","labels":["bug"]}"#,
    ),
    (
        "github/pull_request-synchronize.json",
        r#"{"kind":"pull_request","action":"synchronize","number":5,"base":"trunk","head":"test_pr_O","commit":"7e39d83fc6a99f2c6a02cc7637c4de8db50da6ca","url":"https://github.com/gagbo/ouro-closures.git"}"#,
    ),
    ("github/pull_request-unlabeled.json", "ignored"),
    ("github/pull_request_review_comment-created.json", "ignored"),
    (
        "github/push-branch-created-no-commits.json",
        r#"{"kind":"push","branch":"feature-branch","commit":"d2b75aa7797ec26b088fa2dd527e9d2c052fcedd","url":"https://github.com/bradrydzewski/drone-test-go.git"}"#,
    ),
    (
        "github/push-branch-created.json",
        r#"{"kind":"push","branch":"master","commit":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","url":"https://github.com/Codertocat/Hello-World.git"}"#,
    ),
    ("github/push-branch-deleted.json", "ignored"),
    (
        "github/push-branch-many-files.json",
        r#"{"kind":"push","branch":"changes","commit":"1393706f1364742defbc28ba459082630ca979af","url":"https://github.com/hub4j-test-org/github-api.git","changed":["src/main/java/org/kohsuke/github/GHLicense.java","src/test/java/org/kohsuke/github/GHLicenseTest.java","src/test/resources/org/kohsuke/github/GHLicenseTest/wiremock/checkRepositoryLicenseForIndeterminate/__files/repos_bndtools_bnd-2.json","src/test/resources/org/kohsuke/github/GHLicenseTest/wiremock/checkRepositoryLicenseForIndeterminate/__files/repos_bndtools_bnd_license-3.json","src/test/resources/org/kohsuke/github/GHLicenseTest/wiremock/checkRepositoryLicenseForIndeterminate/__files/user-1.json","src/test/resources/org/kohsuke/github/GHLicenseTest/wiremock/checkRepositoryLicenseForIndeterminate/mappings/repos_bndtools_bnd-2.json","src/test/resources/org/kohsuke/github/GHLicenseTest/wiremock/checkRepositoryLicenseForIndeterminate/mappings/repos_bndtools_bnd_license-3.json","src/test/resources/org/kohsuke/github/GHLicenseTest/wiremock/checkRepositoryLicenseForIndeterminate/mappings/user-1.json"]}"#,
    ),
    (
        "github/push-branch.json",
        r#"{"kind":"push","branch":"changes","commit":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","url":"https://github.com/baxterthehacker/public-repo.git","changed":["README.md"]}"#,
    ),
    (
        "github/push-forced.json",
        r#"{"kind":"push","branch":"main","commit":"f7220f1f753260bf6f1c533357c70213e9fd4abe","url":"https://github.com/6543/oxiduct.git","changed":[".clippy.toml",".gitignore",".woodpecker/build.yml",".woodpecker/lint.yml","Cargo.lock","Cargo.toml","LICENSE","README.md","contrib/example.toml","rustfmt.toml","src/cli.rs","src/config.rs","src/main.rs","src/proxy/mod.rs","src/proxy/tcp.rs","src/proxy/udp.rs","src/socket_opts.rs"]}"#,
    ),
    (
        "github/push-tag-annotated.json",
        r#"{"kind":"tag","tag":"v0.2.1","commit":"bd7a63727468ca899e6a43e40fe9d76b3501f3f4","url":"https://github.com/gagbo/app-test-repo.git"}"#,
    ),
    ("github/push-tag-deleted.json", "ignored"),
    (
        "github/push-tag-lightweight.json",
        r#"{"kind":"tag","tag":"the-tag-v1","commit":"67012991d6c69b1c58378346fca366b864d8d1a1","url":"https://github.com/6543/test_ci_tmp.git"}"#,
    ),
    (
        "github/push-tag.json",
        r#"{"kind":"tag","tag":"v0.0.1","commit":"d2b75aa7797ec26b088fa2dd527e9d2c052fcedd","url":"https://github.com/bradrydzewski/drone-test-go.git"}"#,
    ),
    ("github/release-created.json", "ignored"),
    ("github/release-edited.json", "ignored"),
    ("github/release-prereleased.json", "ignored"),
    (
        "github/release-published.json",
        r#"{"kind":"release","tag":"0.0.1","commit":"0.0.1","url":"https://github.com/Codertocat/Hello-World.git"}"#,
    ),
    ("github/release-released.json", "ignored"),
    (
        "github/workflow_run-completed-with-pull-requests.json",
        "ignored",
    ),
    ("gitlab/merge_request-approved.json", "ignored"),
    ("gitlab/merge_request-close.json", "ignored"),
    ("gitlab/merge_request-merge.json", "ignored"),
    (
        "gitlab/merge_request-open.json",
        r#"{"kind":"pull_request","action":"opened","number":1,"base":"master","head":"ms-viewport","commit":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","url":"http://example.com/gitlabhq/gitlab-test.git","labels":["API"]}"#,
    ),
    (
        "gitlab/merge_request-reopen.json",
        r#"{"kind":"pull_request","action":"reopened","number":1,"base":"master","head":"feature","commit":"c4c79227ed610f1151f05bbc5be33b4f340d39c8","url":"https://gitlab.com/gitlab-org/hello-world.git"}"#,
    ),
    ("gitlab/merge_request-update-labels.json", "ignored"),
    ("gitlab/merge_request-update-no-oldrev.json", "ignored"),
    (
        "gitlab/merge_request-update-oldrev.json",
        r#"{"kind":"pull_request","action":"synchronize","number":2,"base":"master","head":"next-feature","commit":"0ab96a10266b95b4b533dcfd98738015fbe70889","url":"http://10.40.8.5:3200/test/woodpecker.git"}"#,
    ),
    ("gitlab/note-commit.json", "ignored"),
    ("gitlab/note-issue.json", "ignored"),
    (
        "gitlab/note-merge_request-no-action.json",
        r#"{"kind":"pull_request_comment","number":1,"base":"master","head":"feature","commit":"c4c79227ed610f1151f05bbc5be33b4f340d39c8","url":"https://gitlab.com/gitlab-org/hello-world.git","comment":"lgtm"}"#,
    ),
    (
        "gitlab/note-merge_request.json",
        r#"{"kind":"pull_request_comment","number":1,"base":"markdown","head":"master","commit":"562e173be03b8ff2efb05345d12df18815438a4b","url":"http://example.com/gitlab-org/gitlab-test.git","comment":"This MR needs work.","labels":["Afterpod","Element"]}"#,
    ),
    ("gitlab/note-snippet.json", "ignored"),
    ("gitlab/pipeline.json", "ignored"),
    (
        "gitlab/push-14-commits.json",
        r#"{"kind":"push","branch":"master","commit":"8f784b32840472e7fda687b1c18e2bef26af768b","url":"https://repository.server.com/repo-org/repo-name.git","changed":[".lighthouse/OWNERS",".lighthouse/jenkins-x/devsecops.yaml",".lighthouse/jenkins-x/pullrequest.yaml",".lighthouse/jenkins-x/qa.yaml",".lighthouse/jenkins-x/release.yaml",".lighthouse/jenkins-x/triggers.yaml",".lighthouse/sonar-project.properties","OWNERS","charts/OWNERS","charts/repo-name/templates/canary.yaml","charts/repo-name/templates/database.yaml","charts/repo-name/templates/deployment.yaml","charts/repo-name/templates/hpa.yaml","charts/repo-name/templates/ingress.yaml","charts/repo-name/templates/ksvc.yaml","charts/repo-name/templates/secrets.yaml","charts/repo-name/templates/service.yaml","charts/repo-name/templates/virtualservice.yaml","charts/repo-name/values.yaml","pom.xml","preview/values.yaml.gotmpl","src/main/java/com/example/repository/ConcessionRepository.java","src/main/java/com/example/service/impl/CatalogItemServiceImpl.java","src/main/resources/application.yml","src/test/java/com/example/service/BulletinServiceTest.java","src/test/java/com/example/service/CatalogItemServiceTest.java","src/test/java/com/example/service/ConcessionServiceTest.java","src/test/java/com/example/service/ShopServiceTest.java"]}"#,
    ),
    (
        "gitlab/push-branch-created.json",
        r#"{"kind":"push","branch":"feature","commit":"c4c79227ed610f1151f05bbc5be33b4f340d39c8","url":"https://gitlab.com/gitlab-org/hello-world.git"}"#,
    ),
    ("gitlab/push-branch-deleted.json", "ignored"),
    (
        "gitlab/push-commits-truncated.json",
        r#"{"kind":"push","branch":"master","commit":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","url":"http://example.com/mike/diaspora.git"}"#,
    ),
    (
        "gitlab/push-single-commit.json",
        r#"{"kind":"push","branch":"master","commit":"2adc9465c4edfc33834e173fe89436a7cb899a1d","url":"https://gitlab.com/gitlab-org/hello-world.git","changed":["README.md"]}"#,
    ),
    (
        "gitlab/push-subgroup.json",
        r#"{"kind":"push","branch":"master","commit":"2adc9465c4edfc33834e173fe89436a7cb899a1d","url":"https://gitlab.com/group1/group2/group3/grp2repo.git","changed":["README.md"]}"#,
    ),
    (
        "gitlab/push-two-commits.json",
        r#"{"kind":"push","branch":"master","commit":"78a76ee6b4992a6baf64c59fc4c44c7323d60438","url":"https://gitlab.com/gitlab-org/hello-world.git","changed":["README.md"]}"#,
    ),
    (
        "gitlab/release.json",
        r#"{"kind":"release","tag":"1.0.0","commit":"2626dbdb936782b5c54816b1c6d45b1279303c6d","url":"http://example.com/exm-namespace/example-project.git"}"#,
    ),
    (
        "gitlab/tag_push-annotated.json",
        r#"{"kind":"tag","tag":"v22","commit":"16862e368d8ab812e48833b741dad720d6e2cb7f","url":"http://10.40.8.5:3200/test/woodpecker.git"}"#,
    ),
    (
        "gitlab/tag_push-created.json",
        r#"{"kind":"tag","tag":"v1.0.0","commit":"82b3d5ae55f7080f1e6022629cdb57bfae7cccc7","url":"http://example.com/jsmith/example.git"}"#,
    ),
    ("gitlab/tag_push-deleted.json", "ignored"),
];
