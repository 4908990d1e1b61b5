//! GitHub webhook adapter (feature `github`).

use dispatchfile_model::Limits;
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
/// request without `pr` (code `missing-pr-details`).
#[cfg_attr(
    not(feature = "github"),
    allow(
        dead_code,
        unreachable_pub,
        reason = "compiled for the Gitea adapter only"
    )
)]
pub fn to_event(event_name: &str, payload: &str, pr: Option<&PrDetails>) -> Result<Adapted> {
    to_event_with_limits(event_name, payload, pr, &Limits::default())
}

/// [`to_event`] under `limits`: a payload over [`Limits::max_payload_bytes`] or nested deeper
/// than [`Limits::max_depth`] is a `limit-exceeded` error. Only the fields the adapter reads are
/// kept while parsing, so the memory it takes is a small part of the payload's size.
///
/// # Errors
///
/// As [`to_event`], and `limit-exceeded`.
#[cfg_attr(
    not(feature = "github"),
    allow(
        dead_code,
        unreachable_pub,
        reason = "compiled for the Gitea adapter only"
    )
)]
pub fn to_event_with_limits(
    event_name: &str,
    payload: &str,
    pr: Option<&PrDetails>,
    limits: &Limits,
) -> Result<Adapted> {
    adapt(Flavor::GitHub, event_name, payload, pr, limits)
}

/// Whose payload a delivery is: Gitea (and Forgejo) send GitHub's payloads with a few
/// differences of their own (`crate::gitea`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    GitHub,
    #[cfg_attr(
        not(feature = "gitea"),
        allow(dead_code, reason = "the Gitea adapter is off")
    )]
    Gitea,
}

impl Flavor {
    fn name(self) -> &'static str {
        match self {
            Flavor::GitHub => "GitHub",
            Flavor::Gitea => "Gitea",
        }
    }
}

/// A delivery of `flavor`, by its event name.
pub(crate) fn adapt(
    flavor: Flavor,
    event_name: &str,
    payload: &str,
    pr: Option<&PrDetails>,
    limits: &Limits,
) -> Result<Adapted> {
    let what = format!("{} {event_name}", flavor.name());
    let adapted = match event_name {
        "push" => push(flavor, &Payload::parse(&what, payload, limits)?),
        "pull_request" => pull_request(flavor, &Payload::parse(&what, payload, limits)?, pr),
        "issue_comment" => issue_comment(flavor, &Payload::parse(&what, payload, limits)?, pr),
        "release" => release(&Payload::parse(&what, payload, limits)?),
        other => Ok(Adapted::Ignored(format!(
            "{} event {other:?} does not trigger builds",
            flavor.name()
        ))),
    };
    adapted.map(Adapted::normalized)
}

fn push(flavor: Flavor, p: &Payload<'_>) -> Result<Adapted> {
    let after = p.str("/after")?;
    let r#ref = p.str("/ref")?;
    if p.bool("/deleted")? || is_zero_sha(after) {
        return Ok(Adapted::Ignored(format!("{ref} was deleted")));
    }
    let url = p.str("/repository/clone_url")?.to_owned();
    if let Some(branch) = r#ref.strip_prefix("refs/heads/") {
        let new_branch = p.bool("/created")? || p.opt_str("/before")?.is_some_and(is_zero_sha);
        // Gitea lists at most a configured number of commits and says how many there were.
        let total = match flavor {
            Flavor::GitHub => None,
            Flavor::Gitea => p.get("/total_commits").and_then(Value::as_u64),
        };
        let changed = match p.get("/commits") {
            _ if new_branch => None,
            None => None,
            Some(Value::Array(commits)) if commits.len() >= MAX_PUSH_COMMITS => None,
            Some(Value::Array(commits)) if total.is_some_and(|n| n > commits.len() as u64) => None,
            Some(Value::Array(commits)) => Some(p.changed_files(commits)?),
            Some(_) => {
                return Err(Error::payload(format!(
                    "{} push payload: expected a list at /commits",
                    flavor.name()
                )));
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

fn pull_request(flavor: Flavor, p: &Payload<'_>, pr: Option<&PrDetails>) -> Result<Adapted> {
    let action = match p.str("/action")? {
        "opened" => PullRequestAction::Opened,
        "synchronize" => PullRequestAction::Synchronize,
        // Gitea's spelling.
        "synchronized" if flavor == Flavor::Gitea => PullRequestAction::Synchronize,
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

fn issue_comment(flavor: Flavor, p: &Payload<'_>, pr: Option<&PrDetails>) -> Result<Adapted> {
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
        return Err(Error::missing_pr_details(&format!(
            "{} issue_comment on a pull request needs pull request details (base, head, commit)",
            flavor.name()
        )));
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
