//! `dispatch graph` (SPEC §7). Work in progress.

use clap::Args;

use crate::common::{Input, Outcome};

/// Arguments of `dispatch graph`.
#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    input: Input,
}

/// Runs `dispatch graph`.
pub(crate) fn run(args: &GraphArgs) -> Outcome {
    let _ = &args.input;
    Outcome::usage("dispatch graph is not implemented yet")
}
