//! Events: what happened in a repository or registry, in one JSON shape.

use dispatchfile_model::{Code, Limits};
use serde::{Deserialize, Serialize};

/// Something that can trigger actions. The event file of `dispatch match --event` is this type as
/// JSON: one object with a `kind` field; unknown fields are errors.
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
        Event::from_json_with_limits(text, &Limits::default())
    }

    /// [`Event::from_json`] under `limits`: a text over [`Limits::max_event_bytes`] is refused
    /// before it is read (`limit exceeded: max_event_bytes (1048576)`).
    ///
    /// ```
    /// use dispatch_trigger::Event;
    /// use dispatchfile_model::{Code, Limits};
    /// let mut limits = Limits::default();
    /// limits.max_event_bytes = 16;
    /// let err = Event::from_json_with_limits(r#"{"kind":"push","branch":"main","commit":"c","url":"u"}"#, &limits)
    ///     .expect_err("too large");
    /// assert_eq!(err.code(), Code::LimitExceeded);
    /// assert_eq!(err.to_string(), "limit exceeded: max_event_bytes (16)");
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Event::from_json`], and `limit-exceeded`.
    pub fn from_json_with_limits(text: &str, limits: &Limits) -> Result<Event, crate::Error> {
        if text.len() > limits.max_event_bytes {
            return Err(crate::Error::limit(
                "max_event_bytes",
                limits.max_event_bytes,
            ));
        }
        positioned::event(text)
            .map(Event::normalized)
            .map_err(|e| crate::Error::in_json(Code::Event, "invalid event: ", &e))
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

/// Reading an event with every error positioned.
///
/// serde's internally tagged enums buffer the object before choosing the variant, and errors
/// found in the buffer have no line or column. So the event is read in two passes over the
/// text, both straight from serde_json: the `kind` alone, then the object as that kind's
/// struct, with the `kind` entry skipped by a thin map adapter.
mod positioned {
    use std::fmt;

    use serde::Deserialize;
    use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, IntoDeserializer};

    use super::Event;

    /// The `kind` field, as an enum so that an unknown kind is reported at its value.
    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Push,
        Tag,
        PullRequest,
        PullRequestComment,
        Release,
        Cron,
        ImagePush,
    }

    #[derive(Deserialize)]
    struct KindOnly {
        kind: Kind,
    }

    pub(super) fn event(text: &str) -> Result<Event, serde_json::Error> {
        let KindOnly { kind } = serde_json::from_str(text)?;
        Ok(match kind {
            Kind::Push => Event::Push(without_kind(text)?),
            Kind::Tag => Event::Tag(without_kind(text)?),
            Kind::PullRequest => Event::PullRequest(without_kind(text)?),
            Kind::PullRequestComment => Event::PullRequestComment(without_kind(text)?),
            Kind::Release => Event::Release(without_kind(text)?),
            Kind::Cron => Event::Cron(without_kind(text)?),
            Kind::ImagePush => Event::ImagePush(without_kind(text)?),
        })
    }

    /// `text` as a `T`, ignoring its top-level `kind` entry.
    fn without_kind<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = de::Deserializer::deserialize_map(&mut de, SkipKind(Seed::<T>::default()))?;
        de.end()?;
        Ok(value)
    }

    /// `T`'s own deserialization, as a seed.
    struct Seed<T>(std::marker::PhantomData<T>);

    impl<T> Default for Seed<T> {
        fn default() -> Self {
            Seed(std::marker::PhantomData)
        }
    }

    /// A visitor that hands `T` the map it visits, with `kind` filtered out.
    struct SkipKind<T>(Seed<T>);

    impl<'de, T: DeserializeOwned> de::Visitor<'de> for SkipKind<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an event object")
        }

        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(Filtered(map)))
        }
    }

    /// A map without its `kind` entry.
    struct Filtered<A>(A);

    impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Filtered<A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, A::Error> {
            loop {
                let Some(key) = self.0.next_key::<String>()? else {
                    return Ok(None);
                };
                if key == "kind" {
                    self.0.next_value::<IgnoredAny>()?;
                    continue;
                }
                return seed.deserialize(key.into_deserializer()).map(Some);
            }
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, A::Error> {
            self.0.next_value_seed(seed)
        }
    }
}
