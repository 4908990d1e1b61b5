//! Gitea and Forgejo webhook adapter (feature `gitea`).

use dispatchfile_model::Limits;

use crate::error::Result;
use crate::github::{Flavor, adapt};
use crate::webhook::{Adapted, PrDetails};

/// Turns a Gitea or Forgejo delivery (the `X-Gitea-Event` name, which Forgejo sends too, and the
/// JSON body) into an event.
///
/// Gitea sends GitHub's payloads, so GitHub's rules apply ([`crate::github::to_event`]), with
/// Gitea's spellings: the pull-request action `synchronized` is `synchronize`; a push whose
/// `total_commits` is more than the commits listed has unknown changed paths; a push whose
/// `before` is all zeros creates its branch (unknown changed paths). Fields Gitea leaves out
/// (labels, on some payloads) are absent. `push`, `pull_request`, `issue_comment` and `release`
/// are read; everything else (`create`, `delete`, …) is [`Adapted::Ignored`].
///
/// ```
/// use dispatch_trigger::{gitea, Adapted, Event, PullRequestAction};
/// let body = r#"{"action":"synchronized","number":2,"pull_request":{"base":{"ref":"main"},
///   "head":{"ref":"fix","sha":"788e"}},"repository":{"clone_url":"https://gitea.example/o/r.git"}}"#;
/// let Adapted::Event(Event::PullRequest(pr)) = gitea::to_event("pull_request", body, None)? else {
///     panic!("a pull request")
/// };
/// assert_eq!((pr.action, pr.head.as_str()), (PullRequestAction::Synchronize, "fix"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// A body that is not JSON or lacks a field the event needs (code `payload`), and a comment on a pull
/// request without `pr` (code `missing-pr-details`).
pub fn to_event(event_name: &str, payload: &str, pr: Option<&PrDetails>) -> Result<Adapted> {
    to_event_with_limits(event_name, payload, pr, &Limits::default())
}

/// [`to_event`] under `limits`: a payload over [`Limits::max_payload_bytes`] or nested deeper
/// than [`Limits::max_depth`] is a `limit-exceeded` error. Only the fields the adapter reads are
/// kept while parsing.
///
/// # Errors
///
/// As [`to_event`], and `limit-exceeded`.
pub fn to_event_with_limits(
    event_name: &str,
    payload: &str,
    pr: Option<&PrDetails>,
    limits: &Limits,
) -> Result<Adapted> {
    adapt(Flavor::Gitea, event_name, payload, pr, limits)
}
