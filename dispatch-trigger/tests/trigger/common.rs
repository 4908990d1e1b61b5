//! Shared helpers: pipelines from JSON, the corpus directory.

#![allow(
    clippy::disallowed_methods,
    reason = "tests read the shared corpus named by DISPATCH_SHARED"
)]
#![allow(clippy::print_stderr, reason = "a test says when it skips the corpus")]

use std::path::PathBuf;

use dispatchfile_model::{DecodeOptions, Document, FileId, Limits, Node, Pipeline, Span, decode};

/// Decodes a pipeline written as JSON; panics with the diagnostics when it is invalid.
pub(crate) fn pipeline(json: &serde_json::Value) -> Pipeline {
    let doc = Document {
        root: Node::from_json(json, Span::new(FileId(0), 0, 0)),
    };
    let decoded = decode(&doc, &DecodeOptions::default(), &Limits::default());
    decoded
        .pipeline
        .unwrap_or_else(|| panic!("test pipeline is invalid: {:#?}", decoded.diagnostics))
}

/// A pipeline with one task `t` and one action with condition `on`.
pub(crate) fn one_action(on: &serde_json::Value) -> Pipeline {
    pipeline(&serde_json::json!({
        "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
        "actions": [{"name": "nightly", "tasks": ["t"], "on": on}],
    }))
}

/// `$DISPATCH_SHARED/corpus/<sub>`, or `None` (after saying so) when the variable is unset.
pub(crate) fn corpus(sub: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("DISPATCH_SHARED") else {
        eprintln!("DISPATCH_SHARED is unset: skipping the {sub} corpus test");
        return None;
    };
    Some(PathBuf::from(dir).join("corpus").join(sub))
}
