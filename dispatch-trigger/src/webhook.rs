//! What the webhook adapters share (SPEC §4.9): their result, the pull request details an embedder
//! fetches, and typed access to payload fields with errors that name the field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::event::Event;

/// The outcome of turning a webhook delivery into an [`Event`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Adapted {
    /// The delivery is an event that can trigger actions.
    Event(Event),
    /// The delivery triggers nothing (a deletion, a closed pull request, an edited comment, an event
    /// kind Dispatch does not build on); the reason says which.
    Ignored(String),
}

impl Adapted {
    /// Short branch and tag names everywhere (embedders may pass `refs/heads/…` in [`PrDetails`]).
    pub(crate) fn normalized(self) -> Adapted {
        match self {
            Adapted::Event(e) => Adapted::Event(e.normalized()),
            ignored @ Adapted::Ignored(_) => ignored,
        }
    }
}

/// What a comment delivery lacks and the embedder fetches from the pull request (SPEC §4.9); the
/// CLI's `--pr-details` file is this as JSON.
///
/// ```
/// let d: dispatch_trigger::PrDetails = serde_json::from_str(r#"{"base":"main","head":"fix","commit":"abc"}"#)?;
/// assert_eq!(d.changed, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrDetails {
    /// The target branch.
    pub base: String,
    /// The source branch.
    pub head: String,
    /// The head commit.
    pub commit: String,
    /// The files the pull request changes, when known.
    #[serde(default)]
    pub changed: Option<Vec<String>>,
}

/// A parsed payload with the source name for messages.
pub(crate) struct Payload<'a> {
    pub(crate) what: &'a str,
    pub(crate) root: Value,
}

impl<'a> Payload<'a> {
    pub(crate) fn parse(what: &'a str, text: &str) -> Result<Payload<'a>> {
        let root: Value = serde_json::from_str(text)
            .map_err(|e| Error::payload(format!("{what} payload is not JSON: {e}")))?;
        if !root.is_object() {
            return Err(Error::payload(format!(
                "{what} payload must be a JSON object"
            )));
        }
        Ok(Payload { what, root })
    }

    /// The value at a JSON pointer, if present and not null.
    pub(crate) fn get(&self, pointer: &str) -> Option<&Value> {
        self.root.pointer(pointer).filter(|v| !v.is_null())
    }

    pub(crate) fn opt_str(&self, pointer: &str) -> Result<Option<&str>> {
        match self.get(pointer) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.bad(pointer, "a string")),
        }
    }

    pub(crate) fn str(&self, pointer: &str) -> Result<&str> {
        self.opt_str(pointer)?
            .ok_or_else(|| self.missing(pointer, "a string"))
    }

    pub(crate) fn u64(&self, pointer: &str) -> Result<u64> {
        match self.get(pointer) {
            Some(v) => v.as_u64().ok_or_else(|| self.bad(pointer, "a number")),
            None => Err(self.missing(pointer, "a number")),
        }
    }

    pub(crate) fn bool(&self, pointer: &str) -> Result<bool> {
        match self.get(pointer) {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or_else(|| self.bad(pointer, "a boolean")),
        }
    }

    /// `field` of every element of the array at `pointer` (absent: none).
    pub(crate) fn names(&self, pointer: &str, field: &str) -> Result<Vec<String>> {
        let Some(v) = self.get(pointer) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = v else {
            return Err(self.bad(pointer, "a list"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item.get(field) {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => Err(self.bad(&format!("{pointer}/{i}/{field}"), "a string")),
            })
            .collect()
    }

    /// The sorted, deduplicated union of every commit's `added`, `modified` and `removed`.
    pub(crate) fn changed_files(&self, commits: &[Value]) -> Result<Vec<String>> {
        let mut files = Vec::new();
        for (i, c) in commits.iter().enumerate() {
            for key in ["added", "modified", "removed"] {
                match c.get(key) {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(list)) => {
                        for f in list {
                            let Value::String(f) = f else {
                                return Err(
                                    self.bad(&format!("/commits/{i}/{key}"), "a list of strings")
                                );
                            };
                            files.push(f.clone());
                        }
                    }
                    Some(_) => {
                        return Err(self.bad(&format!("/commits/{i}/{key}"), "a list of strings"));
                    }
                }
            }
        }
        files.sort_unstable();
        files.dedup();
        Ok(files)
    }

    #[cold]
    fn missing(&self, pointer: &str, ty: &str) -> Error {
        Error::payload(format!("{} payload: missing {ty} at {pointer}", self.what))
    }

    #[cold]
    fn bad(&self, pointer: &str, ty: &str) -> Error {
        Error::payload(format!("{} payload: expected {ty} at {pointer}", self.what))
    }
}

/// Whether a commit id is all zeros (git's "no commit": a created or deleted ref).
pub(crate) fn is_zero_sha(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'0')
}
