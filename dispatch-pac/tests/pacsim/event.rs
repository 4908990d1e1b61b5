//! PaC's view of one webhook (`info.Event`), built from GitHub-shaped payloads the way
//! `pkg/provider/github` (detect.go, parse_payload.go) builds it.

use std::collections::BTreeMap;

use dispatch_trigger::{Event, PullRequestAction};
use serde_json::{Value, json};

use crate::opscomments;

/// The zero SHA GitHub sends as `after` when a branch is deleted.
pub(crate) const ZERO_SHA: &str = "0000000000000000000000000000000000000000";
/// The repository every test event comes from.
pub(crate) const REPO_URL: &str = "https://github.com/example/app";
/// The organization of that repository.
pub(crate) const ORG: &str = "example";
/// Its name.
pub(crate) const REPO: &str = "app";

/// What PaC knows about one event.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PacEvent {
    /// `push`, `pull_request` or `pull_request_closed` (`TriggerTarget`).
    pub(crate) trigger_target: String,
    /// `push`, `pull_request`, `pull_request_labeled`, or a comment type (`EventType`).
    pub(crate) event_type: String,
    /// `BaseBranch`: the full ref on a push, the short base branch on a pull request.
    pub(crate) base_branch: String,
    /// `HeadBranch`.
    pub(crate) head_branch: String,
    /// The commit.
    pub(crate) sha: String,
    /// The commit title (push) or pull request title.
    pub(crate) title: String,
    /// The sender's login.
    pub(crate) sender: String,
    /// The head commit's message (`[skip ci]` and the like are read there).
    pub(crate) commit_message: String,
    /// The pull request number (0 on a push with no pull request).
    pub(crate) pull_request_number: u64,
    /// Pull request labels.
    pub(crate) labels: Vec<String>,
    /// The raw comment (`TriggerComment`); "" on push and pull request events.
    pub(crate) trigger_comment: String,
    /// `/test NAME`, `/retest NAME`: the PipelineRun asked for.
    pub(crate) target_test_pipeline_run: String,
    /// `/cancel`: cancel runs, start nothing.
    pub(crate) cancel: bool,
    /// The webhook JSON (`body`).
    pub(crate) body: Value,
    /// Request headers as sent (canonical MIME case).
    pub(crate) headers: BTreeMap<String, String>,
    /// Changed files (all of them).
    pub(crate) files: Vec<String>,
}

/// The pull request PaC fetches for a comment (`getPullRequest`).
#[derive(Clone, Debug, Default)]
pub(crate) struct PrInfo {
    /// Base branch.
    pub(crate) base: String,
    /// Head branch.
    pub(crate) head: String,
    /// Head commit.
    pub(crate) sha: String,
    /// Labels.
    pub(crate) labels: Vec<String>,
    /// Title.
    pub(crate) title: String,
    /// The head commit's message.
    pub(crate) message: String,
}

fn repository() -> Value {
    json!({
        "name": REPO,
        "full_name": format!("{ORG}/{REPO}"),
        "html_url": REPO_URL,
        "clone_url": format!("{REPO_URL}.git"),
        "default_branch": "main",
        "owner": {"login": ORG},
        "id": 1
    })
}

/// A GitHub `push` payload.
pub(crate) fn push_payload(git_ref: &str, after: &str, message: &str) -> Value {
    json!({
        "ref": git_ref,
        "before": "1111111111111111111111111111111111111111",
        "after": after,
        "head_commit": {"id": after, "message": message, "url": format!("{REPO_URL}/commit/{after}")},
        "repository": repository(),
        "pusher": {"name": "dev"},
        "sender": {"login": "dev"}
    })
}

/// A GitHub `pull_request` payload.
pub(crate) fn pull_request_payload(action: &str, number: u64, pr: &PrInfo) -> Value {
    let labels: Vec<Value> = pr.labels.iter().map(|l| json!({"name": l})).collect();
    json!({
        "action": action,
        "number": number,
        "pull_request": {
            "number": number,
            "title": pr.title,
            "state": if action == "closed" { "closed" } else { "open" },
            "base": {"ref": pr.base, "repo": repository()},
            "head": {"ref": pr.head, "sha": pr.sha, "repo": repository()},
            "labels": labels,
            "user": {"login": "dev"}
        },
        "repository": repository(),
        "sender": {"login": "dev"}
    })
}

/// A GitHub `issue_comment` payload on an open pull request.
pub(crate) fn issue_comment_payload(number: u64, comment: &str) -> Value {
    json!({
        "action": "created",
        "comment": {"body": comment, "user": {"login": "dev"}},
        "issue": {
            "number": number,
            "state": "open",
            "pull_request": {"url": format!("https://api.github.com/repos/{ORG}/{REPO}/pulls/{number}")}
        },
        "repository": repository(),
        "sender": {"login": "dev"}
    })
}

fn headers(event: &str) -> BTreeMap<String, String> {
    let mut h = BTreeMap::new();
    h.insert("X-Github-Event".to_owned(), event.to_owned());
    h.insert("Content-Type".to_owned(), "application/json".to_owned());
    h
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(n) => cur = n,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

impl PacEvent {
    /// PaC's event for a GitHub webhook named `name` (the `X-GitHub-Event` header) with
    /// `body`; `pr` is what the API says about the pull request of a comment; `files` the
    /// changed files. `None` when PaC drops the event (deleted branch, unsupported action,
    /// comment not on an open pull request).
    pub(crate) fn from_github(
        name: &str,
        body: Value,
        pr: Option<&PrInfo>,
        files: Vec<String>,
    ) -> Option<PacEvent> {
        let mut e = PacEvent {
            headers: headers(name),
            files,
            sender: str_at(&body, &["sender", "login"]).to_owned(),
            ..PacEvent::default()
        };
        match name {
            "push" => {
                body.get("pusher")?;
                let after = str_at(&body, &["after"]);
                if after == ZERO_SHA {
                    return None;
                }
                let mut sha = str_at(&body, &["head_commit", "id"]).to_owned();
                if sha.is_empty() {
                    str_at(&body, &["before"]).clone_into(&mut sha);
                }
                e.trigger_target = "push".into();
                e.event_type = "push".into();
                e.sha = sha;
                str_at(&body, &["head_commit", "message"]).clone_into(&mut e.title);
                e.commit_message.clone_from(&e.title);
                str_at(&body, &["ref"]).clone_into(&mut e.base_branch);
                e.head_branch = e.base_branch.clone();
            }
            "pull_request" => {
                let action = str_at(&body, &["action"]);
                let open = [
                    "opened",
                    "synchronize",
                    "synchronized",
                    "reopened",
                    "ready_for_review",
                ];
                e.trigger_target = if action == "closed" {
                    "pull_request_closed".into()
                } else if open.contains(&action) || action == "labeled" {
                    "pull_request".into()
                } else {
                    return None;
                };
                e.event_type = if action == "labeled" {
                    "pull_request_labeled".into()
                } else {
                    "pull_request".into()
                };
                let p = body.get("pull_request")?;
                str_at(p, &["head", "sha"]).clone_into(&mut e.sha);
                str_at(p, &["base", "ref"]).clone_into(&mut e.base_branch);
                str_at(p, &["head", "ref"]).clone_into(&mut e.head_branch);
                str_at(p, &["title"]).clone_into(&mut e.title);
                str_at(p, &["user", "login"]).clone_into(&mut e.sender);
                e.pull_request_number = p.get("number").and_then(Value::as_u64).unwrap_or(0);
                if let Some(Value::Array(ls)) = p.get("labels") {
                    e.labels = ls.iter().map(|l| str_at(l, &["name"]).to_owned()).collect();
                }
            }
            "issue_comment" => {
                if str_at(&body, &["action"]) != "created" {
                    return None;
                }
                let issue = body.get("issue")?;
                issue.get("pull_request")?;
                let pr = pr?;
                let comment = str_at(&body, &["comment", "body"]).to_owned();
                e.trigger_target = "pull_request".into();
                e.pull_request_number = issue.get("number").and_then(Value::as_u64).unwrap_or(0);
                e.base_branch.clone_from(&pr.base);
                e.head_branch.clone_from(&pr.head);
                e.sha.clone_from(&pr.sha);
                e.labels.clone_from(&pr.labels);
                e.title.clone_from(&pr.title);
                let kind = opscomments::comment_event_type(&comment, "/");
                match kind {
                    opscomments::Kind::RetestSingle => {
                        e.target_test_pipeline_run =
                            opscomments::name_from_comment("/retest", &comment);
                    }
                    opscomments::Kind::TestSingle => {
                        e.target_test_pipeline_run =
                            opscomments::name_from_comment("/test", &comment);
                    }
                    opscomments::Kind::CancelAll | opscomments::Kind::CancelSingle => {
                        e.cancel = true;
                    }
                    _ => {}
                }
                kind.as_str().clone_into(&mut e.event_type);
                e.trigger_comment = comment;
            }
            _ => return None,
        }
        if let Some(p) = pr {
            e.commit_message.clone_from(&p.message);
        }
        e.body = body;
        Some(e)
    }

    /// The PaC event GitHub would send for a Dispatch event (`changed` = the changed files,
    /// always known). Cron, release and image-push events have none.
    pub(crate) fn from_dispatch(event: &Event, files: &[String]) -> Option<PacEvent> {
        let files = files.to_vec();
        match event {
            Event::Push(p) => {
                let b = push_payload(&format!("refs/heads/{}", p.branch), &p.commit, "a change");
                PacEvent::from_github("push", b, None, files)
            }
            Event::Tag(t) => {
                let b = push_payload(&format!("refs/tags/{}", t.tag), &t.commit, "a release");
                PacEvent::from_github("push", b, None, files)
            }
            Event::PullRequest(p) => {
                let info = PrInfo {
                    base: p.base.clone(),
                    head: p.head.clone(),
                    sha: p.commit.clone(),
                    labels: p.labels.clone(),
                    title: "a pull request".into(),
                    message: "a change".into(),
                };
                let action = match p.action {
                    PullRequestAction::Opened => "opened",
                    PullRequestAction::Synchronize => "synchronize",
                    PullRequestAction::Reopened => "reopened",
                };
                let b = pull_request_payload(action, p.number, &info);
                PacEvent::from_github("pull_request", b, None, files)
            }
            Event::PullRequestComment(c) => {
                let info = PrInfo {
                    base: c.base.clone(),
                    head: c.head.clone(),
                    sha: c.commit.clone(),
                    labels: c.labels.clone(),
                    title: "a pull request".into(),
                    message: "a change".into(),
                };
                let b = issue_comment_payload(c.number, &c.comment);
                PacEvent::from_github("issue_comment", b, Some(&info), files)
            }
            _ => None,
        }
    }
}
