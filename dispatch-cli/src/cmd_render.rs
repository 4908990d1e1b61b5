//! `dispatch render` (SPEC §5, §7). Work in progress.

use clap::Args;

use crate::common::{Input, Outcome};

/// Arguments of `dispatch render`.
#[derive(Debug, Args)]
pub(crate) struct RenderArgs {
    #[command(flatten)]
    input: Input,
}

/// Runs `dispatch render`.
pub(crate) fn run(args: &RenderArgs) -> Outcome {
    let _ = &args.input;
    Outcome::usage("dispatch render is not implemented yet")
}
