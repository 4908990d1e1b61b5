//! The `dispatch` command: evaluate, validate, match, render and draw Dispatchfiles (docs/cli.md).
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the CLI is the one crate with I/O"
)]

mod cmd_convert;
mod cmd_graph;
mod cmd_match;
mod cmd_pac;
mod cmd_render;
mod common;
mod read;
mod vendor;

use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use crate::common::{Input, MessageFormat, Outcome, Report};

/// Evaluate, validate, match and render Dispatchfiles.
#[derive(Debug, Parser)]
#[command(name = "dispatch", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How diagnostics are written to stderr.
    #[arg(long, global = true, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Exit with status 1 when any warning was reported, as for an error.
    #[arg(long, global = true)]
    deny_warnings: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the canonical JSON of a Dispatchfile.
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
    /// Decide which actions an event fires and which tasks run.
    #[command(after_long_help = EVENT_HELP)]
    Match(cmd_match::MatchArgs),
    /// Lower the build an event (or a task list) selects to Tekton objects.
    #[command(after_long_help = EVENT_HELP)]
    Render(cmd_render::RenderArgs),
    /// Write the Pipelines-as-Code PipelineRun (for `.tekton/`) that runs what Dispatch would.
    Pac(cmd_pac::PacArgs),
    /// Draw the task graph as DOT or Mermaid.
    Graph(cmd_graph::GraphArgs),
    /// Convert a Dispatchfile to YAML, JSON or CUE (2019 CUE becomes modern CUE, comments kept).
    Convert(cmd_convert::ConvertArgs),
    /// Print the JSON Schema of data-format Dispatchfiles.
    Schema(SchemaArgs),
    /// Print a shell completion script for `dispatch` (bash, zsh, fish, elvish, powershell).
    ///
    /// For example, `dispatch completions bash > ~/.local/share/bash-completion/completions/dispatch`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(Debug, Args)]
struct SchemaArgs {}

/// The event file format, for `match --help` and `render --help`.
const EVENT_HELP: &str = "\
The event file (--event) is one JSON object with a `kind` and that kind's fields; unknown fields
are errors, and `refs/heads/` and `refs/tags/` prefixes are dropped:
  push                  branch, commit, url, changed (list of paths; absent = unknown)
  tag                   tag, commit, url
  pull_request          action (opened|synchronize|reopened), number, base, head, commit, url,
                        labels, changed
  pull_request_comment  number, base, head, commit, url, comment, labels, changed
  release               tag, commit, url
  cron                  action (the cron action's name), commit, url
  image_push            tag
Example: {\"kind\": \"push\", \"branch\": \"main\", \"commit\": \"0123abc\", \"url\": \"https://example.com/app.git\"}

Exit status: 0 success (also when nothing matches), 1 invalid input (diagnostics on stderr,
FILE:LINE:COL), 2 usage error.";

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::set_report(Report {
        format: cli.message_format,
        deny_warnings: cli.deny_warnings,
    });
    let outcome = match cli.command {
        Command::Eval { input, raw } => common::eval(&input, raw),
        Command::Validate { input } => common::validate(&input),
        Command::Match(args) => cmd_match::run(&args),
        Command::Render(args) => cmd_render::run(&args),
        Command::Pac(args) => cmd_pac::run(&args),
        Command::Graph(args) => cmd_graph::run(&args),
        Command::Convert(args) => cmd_convert::run(&args),
        Command::Schema(SchemaArgs {}) => {
            let schema = dispatchfile_model::json_schema();
            let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
            text.push('\n');
            common::out(&text);
            Outcome::Ok
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "dispatch", &mut script);
            common::out(&String::from_utf8_lossy(&script));
            Outcome::Ok
        }
    };
    outcome.exit_code()
}
