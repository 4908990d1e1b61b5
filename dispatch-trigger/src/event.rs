//! Events (SPEC §4.3): what happened in a repository or registry, in one JSON shape.

use serde::{Deserialize, Serialize};

/// Something that can trigger actions. The CLI event file (SPEC §4.8) is exactly this type as JSON: one
/// object with a `kind` field; unknown fields are errors.
///
/// Branch and tag names are short: a leading `refs/heads/` or `refs/tags/` is removed when the event is
/// read with [`Event::from_json`] (and ignored by matching when an event is built by hand).
///
/// ```
/// use dispatch_trigger::Event;
/// let e = Event::from_json(r#"{"kind":"push","branch":"refs/heads/main","commit":"abc","url":"u"}"#)?;
/// let Event::Push(push) = &e else { unreachable!() };
/// assert_eq!(push.branch, "main");
/// assert_eq!(push.changed, None); // absent: the changed files are unknown
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A branch push.
    Push(PushEvent),
    /// A tag push.
    Tag(TagEvent),
    /// A pull request opened, synchronized (new commits) or reopened.
    PullRequest(PullRequestEvent),
    /// A new comment on a pull request.
    PullRequestComment(PullRequestCommentEvent),
    /// A published release.
    Release(ReleaseEvent),
    /// A scheduled run of the cron action named `action`.
    Cron(CronEvent),
    /// An image pushed to a registry.
    ImagePush(ImagePushEvent),
}

/// A branch push.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushEvent {
    /// The branch (short name).
    pub branch: String,
    /// The pushed commit.
    pub commit: String,
    /// The clone URL.
    pub url: String,
    /// Changed files (repository-relative, `/`-separated); `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Vec<String>>,
}

/// A tag push.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagEvent {
    /// The tag (short name).
    pub tag: String,
    /// The tagged commit.
    pub commit: String,
    /// The clone URL.
    pub url: String,
}

/// What happened to a pull request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PullRequestAction {
    /// Opened.
    #[default]
    Opened,
    /// New commits were pushed.
    Synchronize,
    /// Reopened.
    Reopened,
}

impl PullRequestAction {
    /// `opened`, `synchronize` or `reopened`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PullRequestAction::Opened => "opened",
            PullRequestAction::Synchronize => "synchronize",
            PullRequestAction::Reopened => "reopened",
        }
    }
}

/// A pull request opened, synchronized or reopened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequestEvent {
    /// What happened.
    pub action: PullRequestAction,
    /// The pull request number.
    pub number: u64,
    /// The target branch.
    pub base: String,
    /// The source branch.
    pub head: String,
    /// The head commit.
    pub commit: String,
    /// The clone URL.
    pub url: String,
    /// Label names; absent = none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Changed files; `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Vec<String>>,
}

/// A new comment on a pull request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequestCommentEvent {
    /// The pull request number.
    pub number: u64,
    /// The target branch.
    pub base: String,
    /// The source branch.
    pub head: String,
    /// The head commit.
    pub commit: String,
    /// The clone URL.
    pub url: String,
    /// The comment body.
    pub comment: String,
    /// Label names; absent = none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// Changed files; `None` when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Vec<String>>,
}

/// A published release.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseEvent {
    /// The release tag (short name).
    pub tag: String,
    /// The commit (or the tag name when the source gives no commit).
    pub commit: String,
    /// The clone URL.
    pub url: String,
}

/// A scheduled run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CronEvent {
    /// The name of the cron action that is due.
    pub action: String,
    /// The commit to build, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The clone URL, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// An image pushed to a registry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePushEvent {
    /// The pushed tag.
    pub tag: String,
}

impl Event {
    /// Reads an event from its JSON form and shortens `refs/heads/` and `refs/tags/` names.
    ///
    /// # Errors
    ///
    /// A syntax error, an unknown `kind`, a missing or unknown field, or a wrong type, with its line
    /// and column in the JSON text.
    pub fn from_json(text: &str) -> Result<Event, crate::Error> {
        let event: Event =
            serde_json::from_str(text).map_err(|e| crate::Error::event(&e.to_string()))?;
        Ok(event.normalized())
    }

    /// This event with `refs/heads/` removed from branch names and `refs/tags/` from tag names.
    #[must_use]
    pub fn normalized(mut self) -> Event {
        fn strip(s: &mut String, prefix: &str) {
            if s.starts_with(prefix) {
                s.drain(..prefix.len());
            }
        }
        match &mut self {
            Event::Push(e) => strip(&mut e.branch, "refs/heads/"),
            Event::Tag(e) => strip(&mut e.tag, "refs/tags/"),
            Event::Release(e) => strip(&mut e.tag, "refs/tags/"),
            Event::PullRequest(e) => {
                strip(&mut e.base, "refs/heads/");
                strip(&mut e.head, "refs/heads/");
            }
            Event::PullRequestComment(e) => {
                strip(&mut e.base, "refs/heads/");
                strip(&mut e.head, "refs/heads/");
            }
            Event::Cron(_) | Event::ImagePush(_) => {}
        }
        self
    }

    /// The event kind as written in JSON (`push`, `pull_request_comment`, …).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Push(_) => "push",
            Event::Tag(_) => "tag",
            Event::PullRequest(_) => "pull_request",
            Event::PullRequestComment(_) => "pull_request_comment",
            Event::Release(_) => "release",
            Event::Cron(_) => "cron",
            Event::ImagePush(_) => "image_push",
        }
    }
}

/// `s` without a leading `refs/heads/`.
pub(crate) fn short_branch(s: &str) -> &str {
    s.strip_prefix("refs/heads/").unwrap_or(s)
}

/// `s` without a leading `refs/tags/`.
pub(crate) fn short_tag(s: &str) -> &str {
    s.strip_prefix("refs/tags/").unwrap_or(s)
}
