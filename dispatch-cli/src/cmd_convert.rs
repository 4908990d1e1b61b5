//! `dispatch convert`: a Dispatchfile as YAML, JSON or CUE; 2019 CUE rewritten into modern CUE.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use dispatchfile_parse::{Target, convert};

use crate::common::{Input, Outcome, limits, report_diagnostics};

/// The format `dispatch convert` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum To {
    /// Modern CUE: a CUE file rewritten at the source level, any other format as CUE data.
    Cue,
    /// YAML with a `#!yaml` selector line.
    Yaml,
    /// JSON with a `#!json` selector line.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    #[command(flatten)]
    input: Input,
    /// The format to write.
    #[arg(long, value_enum)]
    to: To,
    /// Write the result to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write nothing; exit with status 1 when the file (`--out`, else FILE) would change.
    #[arg(long)]
    check: bool,
}

pub(crate) fn run(args: &ConvertArgs) -> Outcome {
    let limits = limits();
    let bytes = match args.input.read(&limits) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let loader = args.input.loader(&limits);
    let options = args.input.parse_options(&loader);
    let target = match args.to {
        To::Cue => Target::Cue,
        To::Yaml => Target::Yaml,
        To::Json => Target::Json,
    };
    let name = args.input.display_name();
    let text = match convert(&bytes, &name, target, &options, &limits) {
        Ok(text) => text,
        Err(diagnostics) => {
            report_diagnostics(&diagnostics, &name);
            return Outcome::Invalid;
        }
    };
    if args.check {
        let (path, current) = match &args.out {
            Some(out) => match std::fs::read(out) {
                Ok(b) => (out.display().to_string(), Some(b)),
                Err(_) => (out.display().to_string(), None),
            },
            None if args.input.file == "-" => ("<stdin>".to_owned(), Some(bytes)),
            None => (name.clone(), Some(bytes)),
        };
        if current.as_deref() == Some(text.as_bytes()) {
            return Outcome::Ok;
        }
        eprintln!("dispatch: {path} would change");
        return Outcome::Invalid;
    }
    match &args.out {
        Some(out) => {
            if let Err(e) = std::fs::write(out, text) {
                return Outcome::usage(format!("cannot write {}: {e}", out.display()));
            }
        }
        None => {
            let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
        }
    }
    Outcome::Ok
}
