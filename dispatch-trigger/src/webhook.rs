//! What the webhook adapters share: their result, the pull request details an embedder
//! fetches, and typed access to payload fields with errors that name the field.

use dispatchfile_model::Limits;
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

/// What a comment delivery lacks and the embedder fetches from the pull request; the
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

/// Every field an adapter reads, as JSON pointers in which `*` stands for each element of a
/// list. A payload is parsed keeping only these (`prune`): webhook bodies run to megabytes of
/// fields no adapter looks at, and a `serde_json::Value` of all of them took 30 times the body's
/// size. A field read but not listed here is absent to its adapter; the test
/// `every_field_an_adapter_reads_is_listed` checks the adapters' sources against this list.
pub(crate) const FIELDS: &[&str] = &[
    // Shared, GitHub, Gitea.
    "/action",
    "/after",
    "/before",
    "/commits/*/added/*",
    "/commits/*/modified/*",
    "/commits/*/removed/*",
    "/comment/body",
    "/created",
    "/deleted",
    "/head_commit/id",
    "/issue/labels/*/name",
    "/issue/number",
    "/issue/pull_request",
    "/number",
    "/pull_request/base/ref",
    "/pull_request/head/ref",
    "/pull_request/head/sha",
    "/pull_request/labels/*/name",
    "/ref",
    "/release/tag_name",
    "/repository/clone_url",
    "/total_commits",
    // GitLab.
    "/checkout_sha",
    "/commit/id",
    "/labels/*/title",
    "/merge_request/iid",
    "/merge_request/labels/*/title",
    "/merge_request/last_commit/id",
    "/merge_request/source_branch",
    "/merge_request/target_branch",
    "/object_attributes/action",
    "/object_attributes/iid",
    "/object_attributes/last_commit/id",
    "/object_attributes/note",
    "/object_attributes/noteable_type",
    "/object_attributes/oldrev",
    "/object_attributes/source_branch",
    "/object_attributes/target_branch",
    "/object_kind",
    "/project/git_http_url",
    "/tag",
    "/total_commits_count",
];

/// A parsed payload with the source name for messages: the fields of [`FIELDS`] it has, and
/// its text, to position errors found after parsing.
pub(crate) struct Payload<'a> {
    pub(crate) what: &'a str,
    pub(crate) root: Value,
    text: &'a str,
}

impl<'a> Payload<'a> {
    /// Reads `text`, keeping the fields of [`FIELDS`]: at most `limits.max_payload_bytes`
    /// bytes nested at most `limits.max_depth` deep, one JSON object.
    pub(crate) fn parse(what: &'a str, text: &'a str, limits: &Limits) -> Result<Payload<'a>> {
        if text.len() > limits.max_payload_bytes {
            return Err(Error::limit("max_payload_bytes", limits.max_payload_bytes));
        }
        let root = prune::parse(text, what, limits.max_depth)?;
        Ok(Payload { what, root, text })
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

    #[cfg_attr(
        not(any(feature = "github", feature = "gitea")),
        allow(dead_code, reason = "read by the GitHub and Gitea adapters")
    )]
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

    /// `missing TYPE at POINTER`, positioned at the object that lacks the field.
    #[cold]
    fn missing(&self, pointer: &str, ty: &str) -> Error {
        // The deepest ancestor that is there (the pruned tree holds every ancestor of a
        // listed field that the payload has).
        let mut present = pointer;
        while !present.is_empty() && self.root.pointer(present).is_none_or(Value::is_null) {
            present = present.rfind('/').map_or("", |i| &present[..i]);
        }
        Error::payload(format!("{} payload: missing {ty} at {pointer}", self.what))
            .at(prune::locate(self.text, present))
    }

    /// `expected TYPE at POINTER`, positioned at the value.
    #[cold]
    fn bad(&self, pointer: &str, ty: &str) -> Error {
        Error::payload(format!("{} payload: expected {ty} at {pointer}", self.what))
            .at(prune::locate(self.text, pointer))
    }
}

/// Whether a commit id is all zeros (git's "no commit": a created or deleted ref).
pub(crate) fn is_zero_sha(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'0')
}

/// Reading a payload into a `Value` that holds only the fields of [`FIELDS`], and finding the
/// position of a field in the text afterwards. Both read the text once with serde_json, whose
/// positions every error keeps.
mod prune {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    use super::FIELDS;
    use crate::error::{Error, Result};
    use dispatchfile_model::Code;

    /// The kept fields of `text`, which must be one JSON object nested at most `max_depth` deep.
    pub(super) fn parse(text: &str, what: &str, max_depth: usize) -> Result<Value> {
        let mut de = serde_json::Deserializer::from_str(text);
        // `Keep` and `Skip` count the depth of every container, so `max_depth` is the one limit.
        de.disable_recursion_limit();
        let root = Keep {
            rests: FIELDS.to_vec(),
            depth: 1,
            max_depth,
            root_of: Some(what),
        };
        root.deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| read_error(&e, what, max_depth))
    }

    /// A serde_json error as the adapter's error: too deep is `limit exceeded: max_depth`.
    fn read_error(e: &serde_json::Error, what: &str, max_depth: usize) -> Error {
        let message = e.to_string();
        let position = Some((e.line(), e.column()));
        if message.starts_with(DEEP) {
            return Error::limit("max_depth", max_depth).at(position);
        }
        if message.starts_with(NOT_AN_OBJECT) {
            return Error::payload(format!("{what} payload must be a JSON object")).at(position);
        }
        Error::in_json(Code::Payload, &format!("{what} payload is not JSON: "), e)
    }

    const DEEP: &str = "nested deeper than max_depth";
    const NOT_AN_OBJECT: &str = "not a JSON object";

    /// The value here, keeping what the pointer rests in `rests` reach: each rest is what is
    /// left of a pointer of [`FIELDS`] below this value (`""`: this value itself).
    struct Keep<'w> {
        rests: Vec<&'static str>,
        depth: usize,
        max_depth: usize,
        /// At the top: the payload's name (the top must be an object).
        root_of: Option<&'w str>,
    }

    impl Keep<'_> {
        /// The rests below the child named `key` (`*` for every list element).
        fn child(&self, key: &str) -> Vec<&'static str> {
            self.rests
                .iter()
                .filter_map(|r| {
                    let r = r.strip_prefix('/')?;
                    let (seg, rest) = r.split_at(r.find('/').unwrap_or(r.len()));
                    (seg == key).then_some(rest)
                })
                .collect()
        }

        /// The depth of this container's children; an error when this container is deeper
        /// than `max_depth` (the top is depth 1).
        fn deeper<E: de::Error>(&self) -> std::result::Result<usize, E> {
            if self.depth > self.max_depth {
                return Err(E::custom(DEEP));
            }
            Ok(self.depth + 1)
        }

        fn scalar<E: de::Error>(&self, v: Value) -> std::result::Result<Value, E> {
            if self.root_of.is_some() {
                return Err(E::custom(NOT_AN_OBJECT));
            }
            Ok(v)
        }
    }

    impl<'de> DeserializeSeed<'de> for Keep<'_> {
        type Value = Value;

        fn deserialize<D: de::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Keep<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_unit<E: de::Error>(self) -> std::result::Result<Value, E> {
            self.scalar(Value::Null)
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Value, E> {
            self.scalar(Value::Bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Value, E> {
            self.scalar(Value::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Value, E> {
            self.scalar(Value::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
            self.scalar(Value::from(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Value, E> {
            self.scalar(Value::String(v.to_owned()))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
            if self.root_of.is_some() {
                return Err(de::Error::custom(NOT_AN_OBJECT));
            }
            let depth = self.deeper()?;
            let rests = self.child("*");
            let mut items = Vec::new();
            if rests.is_empty() {
                // Wanted as a whole (or not at all): its presence, not its elements.
                while seq
                    .next_element_seed(Skip {
                        depth,
                        max_depth: self.max_depth,
                    })?
                    .is_some()
                {}
            } else {
                while let Some(v) = seq.next_element_seed(Keep {
                    rests: rests.clone(),
                    depth,
                    max_depth: self.max_depth,
                    root_of: None,
                })? {
                    items.push(v);
                }
            }
            Ok(Value::Array(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
            let depth = self.deeper()?;
            let mut out = Map::new();
            while let Some(key) = map.next_key::<Key<'de>>()? {
                let key = key.0;
                let rests = self.child(&key);
                if rests.is_empty() {
                    map.next_value_seed(Skip {
                        depth,
                        max_depth: self.max_depth,
                    })?;
                } else {
                    let v = map.next_value_seed(Keep {
                        rests,
                        depth,
                        max_depth: self.max_depth,
                        root_of: None,
                    })?;
                    out.insert(key.into_owned(), v);
                }
            }
            Ok(Value::Object(out))
        }
    }

    /// An object key, borrowed from the text when it has no escapes.
    struct Key<'de>(std::borrow::Cow<'de, str>);

    impl<'de> de::Deserialize<'de> for Key<'de> {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a key")
                }
                fn visit_borrowed_str<E: de::Error>(
                    self,
                    v: &'de str,
                ) -> std::result::Result<Key<'de>, E> {
                    Ok(Key(std::borrow::Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Key<'de>, E> {
                    Ok(Key(std::borrow::Cow::Owned(v.to_owned())))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// A value no field is wanted from: read and dropped, its nesting still bounded.
    struct Skip {
        depth: usize,
        max_depth: usize,
    }

    impl<'de> DeserializeSeed<'de> for Skip {
        type Value = ();

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Skip {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
            Ok(())
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<(), E> {
            Ok(())
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<(), E> {
            Ok(())
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<(), E> {
            Ok(())
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<(), E> {
            Ok(())
        }

        fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
            Ok(())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            if self.depth > self.max_depth {
                return Err(de::Error::custom(DEEP));
            }
            let depth = self.depth + 1;
            while seq
                .next_element_seed(Skip {
                    depth,
                    max_depth: self.max_depth,
                })?
                .is_some()
            {}
            Ok(())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            if self.depth > self.max_depth {
                return Err(de::Error::custom(DEEP));
            }
            let depth = self.depth + 1;
            while map.next_key::<IgnoredAny>()?.is_some() {
                map.next_value_seed(Skip {
                    depth,
                    max_depth: self.max_depth,
                })?;
            }
            Ok(())
        }
    }

    /// The line and column (as serde_json gives them) of the value at `pointer` in `text`:
    /// the last character of a scalar, the opening bracket of a list or an object. `None` when
    /// `pointer` is not there.
    pub(super) fn locate(text: &str, pointer: &str) -> Option<(usize, usize)> {
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        let mut de = serde_json::Deserializer::from_str(text);
        match (Find {
            segments: &segments,
        })
        .deserialize(&mut de)
        {
            Err(e) if e.to_string().starts_with(FOUND) => Some((e.line(), e.column())),
            _ => None,
        }
    }

    const FOUND: &str = "found here";

    /// Walks to the value at `segments`, then fails with [`FOUND`] there, so that serde_json
    /// records the position.
    struct Find<'s> {
        segments: &'s [&'s str],
    }

    impl<'de> DeserializeSeed<'de> for Find<'_> {
        type Value = ();

        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Find<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }

        fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
            self.scalar()
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> std::result::Result<(), E> {
            self.scalar()
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> std::result::Result<(), E> {
            self.scalar()
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> std::result::Result<(), E> {
            self.scalar()
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> std::result::Result<(), E> {
            self.scalar()
        }

        fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
            self.scalar()
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            let Some((first, rest)) = self.segments.split_first() else {
                return Err(de::Error::custom(FOUND));
            };
            let Ok(index) = first.parse::<usize>() else {
                return Ok(());
            };
            for _ in 0..index {
                if seq.next_element::<IgnoredAny>()?.is_none() {
                    return Ok(());
                }
            }
            seq.next_element_seed(Find { segments: rest })?;
            Ok(())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            let Some((first, rest)) = self.segments.split_first() else {
                return Err(de::Error::custom(FOUND));
            };
            while let Some(key) = map.next_key::<Key<'de>>()? {
                if key.0 == *first {
                    return map.next_value_seed(Find { segments: rest });
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }

    impl Find<'_> {
        fn scalar<E: de::Error>(&self) -> std::result::Result<(), E> {
            if self.segments.is_empty() {
                Err(E::custom(FOUND))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FIELDS;

    /// Whether `pointer` (with numeric or `*` segments for list elements) is a listed field or
    /// leads to one.
    fn listed(pointer: &str) -> bool {
        let segments: Vec<&str> = pointer.split('/').skip(1).collect();
        FIELDS.iter().any(|f| {
            let fs: Vec<&str> = f.split('/').skip(1).collect();
            fs.len() >= segments.len()
                && segments.iter().zip(&fs).all(|(s, f)| {
                    s == f || (*f == "*" && (*s == "*" || s.parse::<usize>().is_ok()))
                })
        })
    }

    /// Every `"/…"` pointer an adapter passes to the payload, and every `names(list, field)`.
    #[test]
    fn every_field_an_adapter_reads_is_listed() {
        let sources = [
            include_str!("github.rs"),
            include_str!("gitlab.rs"),
            include_str!("gitea.rs"),
        ];
        let mut missing = Vec::new();
        for src in sources {
            for (i, _) in src.match_indices("(\"/") {
                let rest = &src[i + 2..];
                let Some(end) = rest.find('"') else { continue };
                let pointer = &rest[..end];
                // `names("/list", "field")` reads `/list/*/field`.
                let after = &rest[end + 1..];
                let pointer = match after
                    .strip_prefix(", \"")
                    .and_then(|a| a.split_once('"'))
                    .filter(|_| src[..i].ends_with("names"))
                {
                    Some((field, _)) => format!("{pointer}/*/{field}"),
                    None => pointer.to_owned(),
                };
                if !listed(&pointer) {
                    missing.push(pointer);
                }
            }
        }
        assert!(missing.is_empty(), "read but not in FIELDS: {missing:?}");
    }

    #[test]
    fn listed_matches_elements_and_prefixes() {
        assert!(listed("/commits"));
        assert!(listed("/commits/3/added"));
        assert!(listed("/pull_request/labels/*/name"));
        assert!(!listed("/pull_request/labels/*/title"));
        assert!(!listed("/sender/login"));
    }
}
