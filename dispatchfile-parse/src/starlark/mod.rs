//! The Starlark frontend and the Dispatch standard library (SPEC §3.5). Work in progress.

use dispatchfile_model::{Diagnostic, FileId, Files, Limits};

use crate::{Detected, FrontendResult, ParseOptions};

/// Evaluates a Starlark Dispatchfile into a document.
pub(crate) fn evaluate(
    detected: &Detected,
    file: FileId,
    _name: &str,
    _options: &ParseOptions<'_>,
    _limits: &Limits,
    _files: &mut Files,
) -> FrontendResult {
    let _ = (detected, file);
    Err(vec![Diagnostic::error("unsupported", "Starlark Dispatchfiles are not supported yet")])
}
