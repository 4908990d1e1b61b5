//! Glue to `dispatchfile-cue` (SPEC §3.4): exported CUE values become a [`Document`].

use dispatchfile_cue::{CueError, ErrorKind, Exported, Options, Value as Cue};
use dispatchfile_model::{Diagnostic, Document, Entry, FileId, Limits, Node, Span, Value};

use crate::{FrontendResult, ParseOptions};

/// Evaluates a CUE Dispatchfile body (selector line already blanked).
pub(crate) fn evaluate(
    text: &str,
    file: FileId,
    name: &str,
    parse_options: &ParseOptions<'_>,
    limits: &Limits,
) -> FrontendResult {
    let mut options = Options::default();
    options.timeout = limits.eval_timeout;
    options.clock = parse_options.clock;
    options.max_source_bytes = limits.max_source_bytes;
    options.max_depth = limits.max_depth;
    options.max_steps = limits.cue_max_steps;
    options.max_disjuncts = limits.cue_max_disjuncts;
    options.max_nodes = limits.max_document_nodes;
    options.max_bytes = limits.max_document_bytes;
    match dispatchfile_cue::evaluate(text, name, &options) {
        Ok(exported) => {
            let root = convert(&exported, file);
            if !matches!(root.value, Value::Object(_)) {
                let msg = format!(
                    "a CUE Dispatchfile must evaluate to a struct, found {}",
                    root.value.type_name()
                );
                return Err(vec![Diagnostic::error("type", msg).at(root.span)]);
            }
            Ok((Document { root }, Vec::new()))
        }
        Err(errors) => Err(errors.iter().map(|e| diagnostic(e, file)).collect()),
    }
}

fn span(s: dispatchfile_cue::Span, file: FileId) -> Span {
    // Both crates count bytes, so the offsets carry over unchanged.
    Span::new(file, s.start, s.end)
}

/// Converts without recursion on the native stack beyond the evaluator's own bounded depth.
fn convert(e: &Exported, file: FileId) -> Node {
    let value = match &e.value {
        Cue::Bool(b) => Value::Bool(*b),
        Cue::Number(n) => Value::Number(n.clone()),
        Cue::String(s) => Value::String(s.clone()),
        Cue::List(items) => Value::Array(items.iter().map(|i| convert(i, file)).collect()),
        Cue::Struct(fields) => Value::Object(
            fields
                .iter()
                .map(|f| Entry {
                    key: f.name.clone(),
                    key_span: span(f.name_span, file),
                    value: convert(&f.value, file),
                })
                .collect(),
        ),
        // `Null`, and any kind a later `Value` adds (it is non-exhaustive): decoding rejects it.
        _ => Value::Null,
    };
    Node::new(value, span(e.span, file))
}

fn diagnostic(e: &CueError, file: FileId) -> Diagnostic {
    let code = match e.kind() {
        ErrorKind::LimitExceeded => "limit-exceeded",
        ErrorKind::Syntax => "parse",
        _ => "cue",
    };
    let mut message = e.message().to_owned();
    if !e.path().is_empty() && !message.starts_with(e.path()) {
        message = format!("{}: {message}", e.path());
    }
    let mut d = Diagnostic::error(code, message);
    let mut spans = e.spans().iter();
    if let Some(first) = spans.next() {
        d = d.at(span(*first, file));
    }
    for other in spans {
        d = d.with_related(span(*other, file), "also here");
    }
    d
}
