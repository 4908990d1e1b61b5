//! Starlark values → [`Node`]s with data-format keys and the Kubernetes JSON layout.
//!
//! A message becomes an object with its data-format keys (`params` → `param`); protobuf embedded
//! members (`volumeSource`, `handler`, `localObjectReference`) are lifted one level up. Every node
//! carries the span of the call that made its message, or of the nearest enclosing one.

use dispatchfile_model::{Entry, Node, Span, Value as NodeValue};
use starlark::values::dict::DictRef;
use starlark::values::{UnpackValue, Value, ValueIdentity, ValueLike};

use crate::budget::{LimitError, LimitValue};
use crate::guard;
use crate::message::{Quantity, err, list_items, type_name, view};
use crate::store::Store;

/// Depth of an element's value in the document (root → `task` → name → value).
const ELEMENT_DEPTH: usize = 3;

/// Bytes a node takes besides its text: the node and, in an object, its entry.
const NODE_BYTES: usize = size_of::<Node>() + size_of::<Entry>();

/// What converting one element may use: nodes, bytes outside the Starlark heap, and bytes of
/// text in the document.
struct Budget<'v> {
    /// The text of every int beyond 32 bits met so far: a shared huge int is formatted once,
    /// not at every place it is used (decimal formatting takes time quadratic in its digits).
    big_ints: std::collections::HashMap<ValueIdentity<'v>, String>,
    nodes: usize,
    bytes: usize,
    /// Bytes left under `starlark_max_heap_bytes` when the conversion started.
    left: usize,
    /// Bytes of text (keys, strings, numbers) in this element.
    text: usize,
    /// Bytes of text left under `max_document_bytes` when the conversion started.
    text_left: usize,
    /// The ticks of the running evaluator (the statement budget counts them).
    ticks: u64,
}

impl Budget<'_> {
    /// Spends one node of `text` bytes; a value shared many times is copied every time, so the
    /// bytes are checked against the heap cap.
    fn spend(&mut self, text: usize, store: &Store) -> starlark::Result<()> {
        let limits = &store.limits;
        self.spend_text(text, store)?;
        self.nodes += 1;
        if self.nodes > limits.max_document_nodes {
            return Err(crate::store::limit_error(LimitError {
                field: "max_document_nodes",
                value: LimitValue::from(limits.max_document_nodes as u64),
            }));
        }
        self.bytes = self.bytes.saturating_add(NODE_BYTES).saturating_add(text);
        if self.bytes > self.left {
            return Err(crate::store::limit_error(LimitError {
                field: "starlark_max_heap_bytes",
                value: LimitValue::from(limits.starlark_max_heap_bytes as u64),
            }));
        }
        Ok(())
    }

    /// Spends `n` bytes of text: a string, a number or a key.
    fn spend_text(&mut self, n: usize, store: &Store) -> starlark::Result<()> {
        self.text = self.text.saturating_add(n);
        if self.text > self.text_left {
            let limit = store.limits.max_document_bytes;
            return Err(crate::store::limit_error(LimitError {
                field: "max_document_bytes",
                value: LimitValue::from(limit as u64),
            }));
        }
        Ok(())
    }
}

/// Converts one pipeline element (a `p.Task`, `p.Resource` or `p.Action` message), using at most
/// `left` bytes; returns the node, the bytes it takes (kept until the end of the evaluation) and
/// its bytes of text (checked with the text of earlier elements against `max_document_bytes`);
/// `ticks` are those of the running evaluator.
pub(crate) fn to_node(
    v: Value<'_>,
    span: Span,
    store: &Store,
    left: usize,
    ticks: u64,
) -> starlark::Result<(Node, usize, usize)> {
    let mut budget = Budget {
        big_ints: std::collections::HashMap::new(),
        nodes: 0,
        bytes: 0,
        left,
        text: 0,
        text_left: store
            .limits
            .max_document_bytes
            .saturating_sub(store.text.get()),
        ticks,
    };
    let node = convert(v, span, ELEMENT_DEPTH, store, &mut budget)?;
    Ok((node, budget.bytes, budget.text))
}

/// An upper bound of the decimal digits (and sign) of an int, known before formatting it: a
/// shared huge int would otherwise be formatted, and copied, at every place it is used.
fn int_digits(v: Value<'_>) -> Option<usize> {
    if v.get_type() != "int" {
        return None;
    }
    if let Some(i) = v.unpack_i32() {
        let digits = i
            .unsigned_abs()
            .checked_ilog10()
            .map_or(1, |d| d as usize + 1);
        return Some(digits + usize::from(i < 0));
    }
    let big = num_bigint::BigInt::unpack_value(v).ok()??;
    // log10(2) < 0.30103: at most bits × 30103 / 100000 + 1 digits, and a sign.
    usize::try_from(big.bits().saturating_mul(30_103) / 100_000 + 2).ok()
}

/// Charges the statement budget for formatting the big int `v` in decimal, which takes time
/// quadratic in its digits, at the rate of multiplying it by itself: a pipeline of a hundred
/// distinct 150,000-digit ints would otherwise format for many seconds between two statements.
fn spend_formatting(v: Value<'_>, store: &Store, ticks: u64) -> starlark::Result<()> {
    let words = num_bigint::BigInt::unpack_value(v)
        .ok()
        .flatten()
        .map_or(0, |big| big.bits() / 64 + 1);
    guard::spend_store_statements(
        words.saturating_mul(words) / guard::MUL_WORDS_PER_STATEMENT,
        store,
        ticks,
    )
}

fn convert<'v>(
    v: Value<'v>,
    span: Span,
    depth: usize,
    store: &Store,
    budget: &mut Budget<'v>,
) -> starlark::Result<Node> {
    let limits = &store.limits;
    if depth > limits.max_depth {
        return Err(crate::store::limit_error(LimitError {
            field: "max_depth",
            value: LimitValue::from(limits.max_depth as u64),
        }));
    }
    let text = v
        .unpack_str()
        .map(str::len)
        .or_else(|| v.downcast_ref::<Quantity>().map(|q| q.0.len()))
        .or_else(|| int_digits(v))
        .unwrap_or(0);
    budget.spend(text, store)?;
    if v.is_none() {
        return Ok(Node::new(NodeValue::Null, span));
    }
    if let Some(b) = v.unpack_bool() {
        return Ok(Node::new(NodeValue::Bool(b), span));
    }
    if let Some(s) = v.unpack_str() {
        return Ok(Node::new(NodeValue::String(s.to_owned()), span));
    }
    if let Some(q) = v.downcast_ref::<Quantity>() {
        return Ok(Node::new(NodeValue::String(q.0.clone()), span));
    }
    match v.get_type() {
        "int" => {
            let text = if v.unpack_i32().is_some() {
                v.to_repr()
            } else {
                if !budget.big_ints.contains_key(&v.identity()) {
                    spend_formatting(v, store, budget.ticks)?;
                }
                budget
                    .big_ints
                    .entry(v.identity())
                    .or_insert_with(|| v.to_repr())
                    .clone()
            };
            return Ok(Node::new(NodeValue::Number(text), span));
        }
        "float" => {
            let text = v.to_repr();
            if text.contains("inf") || text.contains("nan") {
                return Err(err(format!(
                    "the number {text} cannot be part of a pipeline"
                )));
            }
            return Ok(Node::new(NodeValue::Number(text), span));
        }
        _ => {}
    }
    if let Some(items) = list_items(v) {
        let mut out = Vec::with_capacity(items.len());
        for x in items {
            out.push(convert(x, span, depth + 1, store, budget)?);
        }
        return Ok(Node::new(NodeValue::Array(out), span));
    }
    if let Some(dict) = DictRef::from_value(v) {
        let mut entries = Vec::with_capacity(dict.len());
        for (k, x) in dict.iter() {
            let Some(key) = k.unpack_str() else {
                return Err(err(format!(
                    "dict keys in a pipeline must be strings, got {}",
                    k.get_type()
                )));
            };
            budget.spend_text(key.len(), store)?;
            let value = convert(x, span, depth + 1, store, budget)?;
            entries.push(Entry {
                key: key.to_owned(),
                key_span: span,
                value,
            });
        }
        return Ok(Node::new(NodeValue::Object(entries), span));
    }
    if let Some(m) = view(v) {
        let span = m.origin.unwrap_or(span);
        let mut entries: Vec<Entry> = Vec::new();
        let mut lifted: Vec<Entry> = Vec::new();
        for (index, x) in m.fields {
            let field = &m.schema.fields[index];
            budget.spend_text(field.key.len(), store)?;
            let node = convert(x, span, depth + 1, store, budget)?;
            if field.embedded {
                // Protobuf embedded member: its fields belong to the parent object.
                if let NodeValue::Object(inner) = node.value {
                    lifted.extend(inner);
                }
                continue;
            }
            entries.retain(|e| e.key != field.key);
            entries.push(Entry {
                key: field.key.clone(),
                key_span: span,
                value: node,
            });
        }
        // A field set directly wins over the same field set through the embedded member.
        for e in lifted {
            if !entries.iter().any(|x| x.key == e.key) {
                entries.push(e);
            }
        }
        return Ok(Node::new(NodeValue::Object(entries), span));
    }
    Err(err(format!(
        "a value of type {} cannot be part of a pipeline",
        type_name(v)
    )))
}
