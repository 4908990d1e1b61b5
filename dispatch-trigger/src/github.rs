//! GitHub webhook adapter (SPEC §4.9, feature `github`).

use serde_json::Value;

use crate::error::{Error, Result};
use crate::event::{
    Event, PullRequestAction, PullRequestCommentEvent, PullRequestEvent, PushEvent, ReleaseEvent,
    TagEvent,
};
use crate::webhook::{Adapted, Payload, PrDetails, is_zero_sha};

/// GitHub caps the commits listed in a push delivery at this many; a full list means some are missing.
const MAX_PUSH_COMMITS: usize = 2048;

/// Turns a GitHub delivery (the `X-GitHub-Event` name and the JSON body) into an event.
///
/// `push` gives a branch push or a tag push (deletions ignored); `pull_request` with action
/// `opened`, `synchronize` or `reopened` a pull request event; `issue_comment` created on a pull
/// request a comment event, which needs `pr` (the payload has no base, head or commit);
/// `release` published a release. Everything else is [`Adapted::Ignored`] with the reason.
///
/// ```
/// use dispatch_trigger::{github, Adapted, Event};
/// let body = r#"{"ref":"refs/heads/main","before":"1111","after":"2222","created":false,"deleted":false,
///   "commits":[{"added":["b"],"modified":["a"],"removed":[]}],"repository":{"clone_url":"https://github.com/o/r.git"}}"#;
/// let Adapted::Event(Event::Push(p)) = github::to_event("push", body, None)? else { panic!("a push") };
/// assert_eq!((p.branch.as_str(), p.changed), ("main", Some(vec!["a".to_owned(), "b".to_owned()])));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A body that is not JSON or lacks a field the event needs (code `payload`), and a comment on a pull
/// request without `pr` (`needs pull request details`).
pub fn to_event(event_name: &str, payload: &str, pr: Option<&PrDetails>) -> Result<Adapted> {
    let adapted = match event_name {
        "push" => push(&Payload::parse("GitHub push", payload)?),
        "pull_request" => pull_request(&Payload::parse("GitHub pull_request", payload)?, pr),
        "issue_comment" => issue_comment(&Payload::parse("GitHub issue_comment", payload)?, pr),
        "release" => release(&Payload::parse("GitHub release", payload)?),
        other => Ok(Adapted::Ignored(format!(
            "GitHub event {other:?} does not trigger builds"
        ))),
    };
    adapted.map(Adapted::normalized)
}

fn push(p: &Payload<'_>) -> Result<Adapted> {
    let after = p.str("/after")?;
    let r#ref = p.str("/ref")?;
    if p.bool("/deleted")? || is_zero_sha(after) {
        return Ok(Adapted::Ignored(format!("{ref} was deleted")));
    }
    let url = p.str("/repository/clone_url")?.to_owned();
    if let Some(branch) = r#ref.strip_prefix("refs/heads/") {
        let new_branch = p.bool("/created")? || p.opt_str("/before")?.is_some_and(is_zero_sha);
        let changed = match p.get("/commits") {
            _ if new_branch => None,
            None => None,
            Some(Value::Array(commits)) if commits.len() >= MAX_PUSH_COMMITS => None,
            Some(Value::Array(commits)) => Some(p.changed_files(commits)?),
            Some(_) => {
                return Err(Error::payload(
                    "GitHub push payload: expected a list at /commits".to_owned(),
                ));
            }
        };
        return Ok(Adapted::Event(Event::Push(PushEvent {
            branch: branch.to_owned(),
            commit: after.to_owned(),
            url,
            changed,
        })));
    }
    if let Some(tag) = r#ref.strip_prefix("refs/tags/") {
        // An annotated tag's `after` is the tag object; `head_commit.id` is the tagged commit.
        let commit = p.opt_str("/head_commit/id")?.unwrap_or(after).to_owned();
        return Ok(Adapted::Event(Event::Tag(TagEvent {
            tag: tag.to_owned(),
            commit,
            url,
        })));
    }
    Ok(Adapted::Ignored(format!(
        "push to {ref} is neither a branch nor a tag"
    )))
}

fn pull_request(p: &Payload<'_>, pr: Option<&PrDetails>) -> Result<Adapted> {
    let action = match p.str("/action")? {
        "opened" => PullRequestAction::Opened,
        "synchronize" => PullRequestAction::Synchronize,
        "reopened" => PullRequestAction::Reopened,
        other => {
            return Ok(Adapted::Ignored(format!(
                "pull_request action {other:?} does not trigger builds"
            )));
        }
    };
    Ok(Adapted::Event(Event::PullRequest(PullRequestEvent {
        action,
        number: p.u64("/number")?,
        base: p.str("/pull_request/base/ref")?.to_owned(),
        head: p.str("/pull_request/head/ref")?.to_owned(),
        commit: p.str("/pull_request/head/sha")?.to_owned(),
        url: p.str("/repository/clone_url")?.to_owned(),
        labels: p.names("/pull_request/labels", "name")?,
        changed: pr.and_then(|d| d.changed.clone()),
    })))
}

fn issue_comment(p: &Payload<'_>, pr: Option<&PrDetails>) -> Result<Adapted> {
    let action = p.str("/action")?;
    if action != "created" {
        return Ok(Adapted::Ignored(format!(
            "issue_comment action {action:?} does not trigger builds"
        )));
    }
    if p.get("/issue/pull_request").is_none() {
        return Ok(Adapted::Ignored(
            "comment on an issue, not a pull request".to_owned(),
        ));
    }
    let Some(d) = pr else {
        return Err(Error::payload(
            "GitHub issue_comment on a pull request needs pull request details (base, head, commit)".to_owned(),
        ));
    };
    Ok(Adapted::Event(Event::PullRequestComment(
        PullRequestCommentEvent {
            number: p.u64("/issue/number")?,
            base: d.base.clone(),
            head: d.head.clone(),
            commit: d.commit.clone(),
            url: p.str("/repository/clone_url")?.to_owned(),
            comment: p.str("/comment/body")?.to_owned(),
            labels: p.names("/issue/labels", "name")?,
            changed: d.changed.clone(),
        },
    )))
}

fn release(p: &Payload<'_>) -> Result<Adapted> {
    let action = p.str("/action")?;
    if action != "published" {
        return Ok(Adapted::Ignored(format!(
            "release action {action:?} does not trigger builds"
        )));
    }
    let tag = p.str("/release/tag_name")?.to_owned();
    // The payload carries no commit SHA (`target_commitish` names a branch): the tag stands in.
    Ok(Adapted::Event(Event::Release(ReleaseEvent {
        commit: tag.clone(),
        tag,
        url: p.str("/repository/clone_url")?.to_owned(),
    })))
}
