//! Shared helpers: pipelines from JSON, the corpus directory.

#![allow(
    clippy::disallowed_methods,
    reason = "tests read the shared corpus named by DISPATCH_SHARED"
)]

use std::io::Write as _;
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

/// `$DISPATCH_SHARED/corpus/<sub>`, or `None` when the variable is unset, after saying that the
/// calling test skipped that corpus. The only place this crate's tests read the variable.
///
/// The notice is written to the process's stderr directly: libtest captures `println!` and
/// `eprintln!` of passing tests, so plain `cargo test` would not show it.
pub(crate) fn corpus(sub: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("DISPATCH_SHARED") else {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        let _ = writeln!(
            std::io::stderr(),
            "skipped the {sub} corpus in {test}: DISPATCH_SHARED is not set"
        );
        return None;
    };
    Some(PathBuf::from(dir).join("corpus").join(sub))
}
