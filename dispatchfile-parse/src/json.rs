//! The JSON frontend (SPEC §3.2). Work in progress.
use dispatchfile_model::{Diagnostic, FileId, Limits};
use crate::FrontendResult;
pub(crate) fn parse(_text: &str, _file: FileId, _limits: &Limits) -> FrontendResult {
    Err(vec![Diagnostic::error("unsupported", "not yet")])
}
