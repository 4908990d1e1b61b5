//! The `dispatch` command: evaluate, validate, match, render and draw Dispatchfiles (SPEC §7).
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI is the one crate with I/O"
)]

mod cmd_graph;
mod cmd_match;
mod cmd_render;
mod common;
mod vendor;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::common::{Input, Outcome};

/// Evaluate, validate, match and render Dispatchfiles.
#[derive(Debug, Parser)]
#[command(name = "dispatch", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the canonical JSON of a Dispatchfile (SPEC §1.5).
    Eval {
        #[command(flatten)]
        input: Input,
        /// Print the evaluated document before model decoding, in document order.
        #[arg(long)]
        raw: bool,
    },
    /// Report every problem in a Dispatchfile, including glob patterns.
    Validate {
        #[command(flatten)]
        input: Input,
    },
    /// Decide which actions an event fires and which tasks run (SPEC §4.8).
    Match(cmd_match::MatchArgs),
    /// Lower the build an event (or a task list) selects to Tekton objects (SPEC §5).
    Render(cmd_render::RenderArgs),
    /// Draw the task graph as DOT or Mermaid.
    Graph(cmd_graph::GraphArgs),
    /// Print the JSON Schema of data-format Dispatchfiles.
    Schema(SchemaArgs),
}

#[derive(Debug, Args)]
struct SchemaArgs {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Eval { input, raw } => common::eval(&input, raw),
        Command::Validate { input } => common::validate(&input),
        Command::Match(args) => cmd_match::run(&args),
        Command::Render(args) => cmd_render::run(&args),
        Command::Graph(args) => cmd_graph::run(&args),
        Command::Schema(SchemaArgs {}) => {
            let schema = dispatchfile_model::json_schema();
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Outcome::Ok
        }
    };
    outcome.exit_code()
}
