//! Glue to `dispatchfile-cue` (SPEC §3.4). Work in progress.
use dispatchfile_model::{Diagnostic, FileId, Limits};
use crate::FrontendResult;
pub(crate) fn evaluate(_text: &str, _file: FileId, _name: &str, _limits: &Limits) -> FrontendResult {
    Err(vec![Diagnostic::error("unsupported", "not yet")])
}
