//! The format-independent document tree every frontend produces.

use crate::span::Span;

/// An evaluated Dispatchfile: a JSON-like tree with a [`Span`] on every node.
///
/// JSON, YAML, CUE and Starlark all produce this tree; [`crate::decode`] turns it into a
/// [`crate::Pipeline`]. Objects keep their entries in document order.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The top-level node (an object for every valid Dispatchfile).
    pub root: Node,
}

/// One node of a [`Document`].
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where the value was written.
    pub span: Span,
}

/// The value of a [`Node`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its exact decimal text (`8080`, `0.5`, `1e3`).
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Node>),
    /// An object with its entries in document order (keys are unique).
    Object(Vec<Entry>),
}

/// One key/value pair of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key was written.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Value {
    /// A short name of the value's type for messages (`string`, `object`, …).
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

impl Node {
    /// A node holding `value` at `span`.
    #[must_use]
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    /// The entry named `key`, if this is an object that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Object(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The size of the tree: its nodes, and the bytes of text in it (keys, strings and number
    /// literals), the two quantities `Limits::max_document_nodes` and
    /// `Limits::max_document_bytes` bound. Walks with an explicit stack, so any depth is fine.
    ///
    /// ```
    /// use dispatchfile_model::{Entry, Node, Span, Value};
    /// let at = Span::default();
    /// let tree = Node::new(
    ///     Value::Object(vec![Entry {
    ///         key: "image".into(),
    ///         key_span: at,
    ///         value: Node::new(Value::String("alpine".into()), at),
    ///     }]),
    ///     at,
    /// );
    /// assert_eq!(tree.size(), (2, 11));
    /// ```
    #[must_use]
    pub fn size(&self) -> (usize, usize) {
        let (mut nodes, mut bytes) = (0usize, 0usize);
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            nodes += 1;
            match &node.value {
                Value::Null | Value::Bool(_) => {}
                Value::Number(text) | Value::String(text) => bytes += text.len(),
                Value::Array(items) => stack.extend(items),
                Value::Object(entries) => {
                    for e in entries {
                        bytes += e.key.len();
                        stack.push(&e.value);
                    }
                }
            }
        }
        (nodes, bytes)
    }

    /// The string, if this is a string node.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Converts the tree to a `serde_json::Value`, keeping number text exact where JSON can hold it.
    ///
    /// Nesting is bounded by the frontends' `max_depth`, so the recursion here is bounded too.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(n),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Object(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Parses exact decimal text into a JSON number (integers stay integers).
pub(crate) fn number_to_json(text: &str) -> serde_json::Value {
    if let Ok(i) = text.parse::<i64>() {
        return i.into();
    }
    if let Ok(u) = text.parse::<u64>() {
        return u.into();
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or_else(
            || serde_json::Value::String(text.to_owned()),
            serde_json::Value::Number,
        )
}
