//! `dispatch match` (SPEC §4.8, §7). Work in progress.

use clap::Args;

use crate::common::{Input, Outcome};

/// Arguments of `dispatch match`.
#[derive(Debug, Args)]
pub(crate) struct MatchArgs {
    #[command(flatten)]
    input: Input,
}

/// Runs `dispatch match`.
pub(crate) fn run(args: &MatchArgs) -> Outcome {
    let _ = &args.input;
    Outcome::usage("dispatch match is not implemented yet")
}

/// The glob diagnostics of SPEC §2 R16 for `dispatch validate` (from `dispatch_trigger::compile`).
pub(crate) fn pattern_diagnostics(
    _pipeline: &dispatchfile_model::Pipeline,
    _source_map: &dispatchfile_model::SourceMap,
    _limits: &dispatchfile_model::Limits,
) -> Vec<dispatchfile_model::Diagnostic> {
    Vec::new()
}
