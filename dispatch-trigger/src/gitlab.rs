//! GitLab webhook adapter (feature `gitlab`).

use dispatchfile_model::Limits;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::event::{
    Event, PullRequestAction, PullRequestCommentEvent, PullRequestEvent, PushEvent, ReleaseEvent,
    TagEvent,
};
use crate::webhook::{Adapted, Payload, PrDetails, is_zero_sha};

/// Turns a GitLab delivery (its JSON body) into an event, going by the payload's `object_kind`, never
/// by the `X-Gitlab-Event` header (integrations send `Service Hook` for every kind).
///
/// `push` and `tag_push` give a push or tag event (deletions ignored); `merge_request` with action
/// `open`, `reopen`, or `update` with `oldrev` (new commits) a pull request event; a `note` on a merge
/// request (action absent or `create`) a comment event; a `release` created a release event (with
/// the tagged commit, which GitLab's payload names). Everything else is [`Adapted::Ignored`].
/// `pr`, when given, supplies the changed files of merge request events.
///
/// ```
/// use dispatch_trigger::{gitlab, Adapted, Event};
/// let body = r#"{"object_kind":"tag_push","ref":"refs/tags/v1","before":"0000","after":"82b3","checkout_sha":"82b3",
///   "project":{"git_http_url":"https://gitlab.com/o/r.git"}}"#;
/// let Adapted::Event(Event::Tag(t)) = gitlab::to_event(body, None)? else { panic!("a tag") };
/// assert_eq!(t.tag, "v1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A body that is not JSON or lacks a field the event needs (code `payload`).
pub fn to_event(payload: &str, pr: Option<&PrDetails>) -> Result<Adapted> {
    to_event_with_limits(payload, pr, &Limits::default())
}

/// [`to_event`] under `limits`: a payload over [`Limits::max_payload_bytes`] or nested deeper
/// than [`Limits::max_depth`] is a `limit-exceeded` error. Only the fields the adapter reads are
/// kept while parsing, so the memory it takes is a small part of the payload's size.
///
/// # Errors
///
/// As [`to_event`], and `limit-exceeded`.
pub fn to_event_with_limits(
    payload: &str,
    pr: Option<&PrDetails>,
    limits: &Limits,
) -> Result<Adapted> {
    let p = Payload::parse("GitLab", payload, limits)?;
    let adapted = match p.str("/object_kind")? {
        "push" => push(&p),
        "tag_push" => tag_push(&p),
        "merge_request" => merge_request(&p, pr),
        "note" => note(&p, pr),
        "release" => release(&p),
        other => Ok(Adapted::Ignored(format!(
            "GitLab {other:?} events do not trigger builds"
        ))),
    };
    adapted.map(Adapted::normalized)
}

/// The `object_kind` an `X-Gitlab-Event` header names (`Push Hook` → `push`), `None` for headers
/// that can carry any kind (`Service Hook`, `System Hook`). An `object_kind` spelling is accepted as
/// itself; an unknown header gives `Some` of itself, so it never equals a real kind.
#[must_use]
pub fn object_kind_of_header(header: &str) -> Option<&str> {
    match header {
        "Service Hook" | "System Hook" => None,
        "Push Hook" => Some("push"),
        "Tag Push Hook" => Some("tag_push"),
        "Merge Request Hook" => Some("merge_request"),
        "Note Hook" => Some("note"),
        "Release Hook" => Some("release"),
        "Issue Hook" => Some("issue"),
        "Pipeline Hook" => Some("pipeline"),
        "Job Hook" => Some("build"),
        other => Some(other),
    }
}

fn push(p: &Payload<'_>) -> Result<Adapted> {
    let after = p.str("/after")?;
    let r#ref = p.str("/ref")?;
    if is_zero_sha(after) {
        return Ok(Adapted::Ignored(format!("{ref} was deleted")));
    }
    let Some(branch) = r#ref.strip_prefix("refs/heads/") else {
        return Ok(Adapted::Ignored(format!("push to {ref} is not a branch")));
    };
    let commit = p.opt_str("/checkout_sha")?.unwrap_or(after).to_owned();
    let new_branch = p.opt_str("/before")?.is_some_and(is_zero_sha);
    let changed = match p.get("/commits") {
        _ if new_branch => None,
        None => None,
        Some(Value::Array(commits)) => {
            let total = match p.get("/total_commits_count") {
                Some(_) => p.u64("/total_commits_count")?,
                None => commits.len() as u64,
            };
            if total > commits.len() as u64 {
                None
            } else {
                Some(p.changed_files(commits)?)
            }
        }
        Some(_) => {
            return Err(Error::payload(
                "GitLab push payload: expected a list at /commits".to_owned(),
            ));
        }
    };
    Ok(Adapted::Event(Event::Push(PushEvent {
        branch: branch.to_owned(),
        commit,
        url: p.str("/project/git_http_url")?.to_owned(),
        changed,
    })))
}

fn tag_push(p: &Payload<'_>) -> Result<Adapted> {
    let after = p.str("/after")?;
    let r#ref = p.str("/ref")?;
    if is_zero_sha(after) {
        return Ok(Adapted::Ignored(format!("{ref} was deleted")));
    }
    let tag = r#ref.strip_prefix("refs/tags/").unwrap_or(r#ref).to_owned();
    let commit = p.opt_str("/checkout_sha")?.unwrap_or(after).to_owned();
    Ok(Adapted::Event(Event::Tag(TagEvent {
        tag,
        commit,
        url: p.str("/project/git_http_url")?.to_owned(),
    })))
}

fn merge_request(p: &Payload<'_>, pr: Option<&PrDetails>) -> Result<Adapted> {
    let action = match p.opt_str("/object_attributes/action")? {
        Some("open") => PullRequestAction::Opened,
        Some("reopen") => PullRequestAction::Reopened,
        Some("update") if p.get("/object_attributes/oldrev").is_some() => {
            PullRequestAction::Synchronize
        }
        Some("update") => {
            return Ok(Adapted::Ignored(
                "merge request update without new commits (no oldrev)".to_owned(),
            ));
        }
        Some(other) => {
            return Ok(Adapted::Ignored(format!(
                "merge_request action {other:?} does not trigger builds"
            )));
        }
        None => {
            return Ok(Adapted::Ignored(
                "merge_request event without an action".to_owned(),
            ));
        }
    };
    Ok(Adapted::Event(Event::PullRequest(PullRequestEvent {
        action,
        number: p.u64("/object_attributes/iid")?,
        base: p.str("/object_attributes/target_branch")?.to_owned(),
        head: p.str("/object_attributes/source_branch")?.to_owned(),
        commit: p.str("/object_attributes/last_commit/id")?.to_owned(),
        url: p.str("/project/git_http_url")?.to_owned(),
        labels: p.names("/labels", "title")?,
        changed: pr.and_then(|d| d.changed.clone()),
    })))
}

fn note(p: &Payload<'_>, pr: Option<&PrDetails>) -> Result<Adapted> {
    let on = p.opt_str("/object_attributes/noteable_type")?.unwrap_or("");
    if on != "MergeRequest" {
        return Ok(Adapted::Ignored(format!(
            "comment on a {on}, not a merge request"
        )));
    }
    match p.opt_str("/object_attributes/action")? {
        None | Some("create") => {}
        Some(other) => {
            return Ok(Adapted::Ignored(format!(
                "note action {other:?} does not trigger builds"
            )));
        }
    }
    Ok(Adapted::Event(Event::PullRequestComment(
        PullRequestCommentEvent {
            number: p.u64("/merge_request/iid")?,
            base: p.str("/merge_request/target_branch")?.to_owned(),
            head: p.str("/merge_request/source_branch")?.to_owned(),
            commit: p.str("/merge_request/last_commit/id")?.to_owned(),
            url: p.str("/project/git_http_url")?.to_owned(),
            comment: p.str("/object_attributes/note")?.to_owned(),
            labels: p.names("/merge_request/labels", "title")?,
            changed: pr.and_then(|d| d.changed.clone()),
        },
    )))
}

fn release(p: &Payload<'_>) -> Result<Adapted> {
    let action = p.str("/action")?;
    if action != "create" {
        return Ok(Adapted::Ignored(format!(
            "release action {action:?} does not trigger builds"
        )));
    }
    // Unlike GitHub's, GitLab's release payload names the tagged commit.
    Ok(Adapted::Event(Event::Release(ReleaseEvent {
        tag: p.str("/tag")?.to_owned(),
        commit: p.str("/commit/id")?.to_owned(),
        url: p.str("/project/git_http_url")?.to_owned(),
    })))
}
