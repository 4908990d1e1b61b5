//! Input handling, diagnostics printing and exit codes shared by every subcommand.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use clap::Args;
use dispatchfile_model::{Diagnostic, Files, Limits, Pipeline, Severity, to_canonical_json};
use dispatchfile_parse::{Clock, Evaluated, Format, ParseOptions, evaluate, parse};

use crate::vendor::VendorLoader;

/// The Dispatchfile to read and how to read it.
#[derive(Debug, Args)]
pub(crate) struct Input {
    /// The Dispatchfile, or `-` for standard input.
    pub(crate) file: String,
    /// Force a format instead of reading the `#!` selector line.
    #[arg(long, value_name = "cue|json|yaml|starlark")]
    pub(crate) format: Option<Format>,
    /// Treat unknown fields as errors.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Resolve Starlark `load()`s from this directory (no network).
    #[arg(long, value_name = "DIR")]
    pub(crate) vendor: Option<PathBuf>,
}

/// How a command ended, mapped onto the exit codes of SPEC §7.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: invalid input; diagnostics were printed.
    Invalid,
    /// Exit 2: a usage error with its message.
    Usage(String),
}

impl Outcome {
    pub(crate) fn usage(msg: impl Into<String>) -> Outcome {
        Outcome::Usage(msg.into())
    }

    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::Invalid => ExitCode::from(1),
            Outcome::Usage(msg) => {
                eprintln!("dispatch: {msg}");
                ExitCode::from(2)
            }
        }
    }
}

impl Input {
    /// The name shown in diagnostics.
    pub(crate) fn display_name(&self) -> String {
        if self.file == "-" {
            "<stdin>".to_owned()
        } else {
            self.file.clone()
        }
    }

    /// Reads the file's bytes (stdin for `-`).
    pub(crate) fn read(&self) -> Result<Vec<u8>, Outcome> {
        if self.file == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Outcome::usage(format!("cannot read standard input: {e}")))?;
            return Ok(buf);
        }
        std::fs::read(&self.file)
            .map_err(|e| Outcome::usage(format!("cannot read {}: {e}", self.file)))
    }

    /// Parse options for this input: the forced format, `--strict` and `loader`.
    pub(crate) fn parse_options<'a>(&self, loader: &'a VendorLoader) -> ParseOptions<'a> {
        let mut options = ParseOptions::default();
        options.format = self.format;
        options.strict = self.strict;
        options.loader = Some(loader);
        options.clock = Some(clock());
        options
    }

    /// The vendor loader for this input, if `--vendor` was given or the file has a directory.
    pub(crate) fn loader(&self) -> VendorLoader {
        VendorLoader::new(
            self.vendor.clone(),
            (self.file != "-").then(|| PathBuf::from(&self.file)),
        )
    }

    /// Reads and evaluates the Dispatchfile, printing every diagnostic to stderr.
    ///
    /// Returns the pipeline and the files table, or the outcome to exit with.
    pub(crate) fn pipeline(
        &self,
        limits: &Limits,
    ) -> Result<(Pipeline, Files, Vec<Diagnostic>), Outcome> {
        let bytes = self.read()?;
        let loader = self.loader();
        let options = self.parse_options(&loader);
        let Evaluated { parsed, decoded } =
            evaluate(&bytes, &self.display_name(), &options, limits);
        let mut all = parsed.diagnostics.clone();
        all.extend(decoded.diagnostics.iter().cloned());
        dispatchfile_model::sort_diagnostics(&mut all);
        match decoded.pipeline {
            Some(p) if !dispatchfile_model::has_errors(&all) => Ok((p, parsed.files, all)),
            _ => {
                print_diagnostics(&all, &parsed.files, &self.display_name());
                Err(Outcome::Invalid)
            }
        }
    }
}

/// The CLI's limits: the library defaults (the 10 s clock of SPEC §7 needs an injected clock).
pub(crate) fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.eval_timeout = Some(EVAL_TIMEOUT);
    limits
}

/// The CLI's wall-clock budget for evaluating one Dispatchfile (SPEC §6).
const EVAL_TIMEOUT: Duration = Duration::from_secs(10);

/// The process's monotonic clock, the one the libraries are given to enforce `eval_timeout`.
struct ProcessClock(Instant);

impl Clock for ProcessClock {
    fn now(&self) -> Duration {
        self.0.elapsed()
    }
}

/// The clock every evaluation of this process reads.
fn clock() -> &'static ProcessClock {
    static CLOCK: OnceLock<ProcessClock> = OnceLock::new();
    CLOCK.get_or_init(|| ProcessClock(Instant::now()))
}

/// Prints diagnostics to stderr.
///
/// Piped or redirected (scripts, CI, editors): the SPEC §1.6 line `FILE:LINE:COL: error[CODE]: MESSAGE`
/// followed by the source line and a caret, as rendered by `dispatchfile-model`. On a terminal:
/// rustc-style colored output from `codespan-reporting`, with related positions as secondary labels.
/// `NO_COLOR` selects the plain form on a terminal too.
pub(crate) fn print_diagnostics(diagnostics: &[Diagnostic], files: &Files, default_file: &str) {
    let terminal = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if terminal && print_rich(diagnostics, files, default_file).is_ok() {
        return;
    }
    for d in diagnostics {
        eprintln!("{}", d.render_with_snippet(files, default_file));
    }
}

fn print_rich(
    diagnostics: &[Diagnostic],
    files: &Files,
    default_file: &str,
) -> Result<(), codespan_reporting::files::Error> {
    use codespan_reporting::diagnostic::{Diagnostic as Rich, Label};
    use codespan_reporting::files::SimpleFiles;
    use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
    use codespan_reporting::term::{self, Config};
    use codespan_reporting::term::{Styles, StylesWriter};

    let mut table = SimpleFiles::new();
    for (_, f) in files.iter() {
        table.add(f.name().to_owned(), f.text().to_owned());
    }
    let stream = StandardStream::stderr(ColorChoice::Auto);
    let styles = Styles::default();
    let mut writer = StylesWriter::new(stream.lock(), &styles);
    let config = Config::default();
    for d in diagnostics {
        let mut rich = match d.severity {
            Severity::Error => Rich::error(),
            Severity::Warning => Rich::warning(),
        }
        .with_code(d.code)
        .with_message(&d.message);
        if let Some(span) = d.span {
            rich = rich.with_label(Label::primary(
                span.file.0 as usize,
                span.start as usize..span.end as usize,
            ));
        } else {
            rich = rich.with_note(format!("in {default_file}"));
        }
        for related in &d.related {
            rich = rich.with_label(
                Label::secondary(
                    related.span.file.0 as usize,
                    related.span.start as usize..related.span.end as usize,
                )
                .with_message(&related.message),
            );
        }
        term::emit_to_write_style(&mut writer, &config, &table, &rich)?;
    }
    Ok(())
}

/// `dispatch eval`.
pub(crate) fn eval(input: &Input, raw: bool) -> Outcome {
    let limits = limits();
    if raw {
        let bytes = match input.read() {
            Ok(b) => b,
            Err(o) => return o,
        };
        let loader = input.loader();
        let options = input.parse_options(&loader);
        let parsed = parse(&bytes, &input.display_name(), &options, &limits);
        print_diagnostics(&parsed.diagnostics, &parsed.files, &input.display_name());
        return match parsed.document {
            Some(doc) => {
                print!("{}", raw_json(&doc.root));
                Outcome::Ok
            }
            None => Outcome::Invalid,
        };
    }
    match input.pipeline(&limits) {
        Ok((pipeline, files, diagnostics)) => {
            print_diagnostics(&diagnostics, &files, &input.display_name());
            print!("{}", to_canonical_json(&pipeline));
            Outcome::Ok
        }
        Err(o) => o,
    }
}

/// The document as pretty JSON in document order, numbers exactly as the frontend kept them
/// (CUE's `1E+3` stays `1E+3`, as `cue export` prints it), with a trailing newline.
pub(crate) fn raw_json(node: &dispatchfile_model::Node) -> String {
    let mut out = String::new();
    write_node(&mut out, node, 0);
    out.push('\n');
    out
}

fn write_node(out: &mut String, node: &dispatchfile_model::Node, indent: usize) {
    use dispatchfile_model::Value;
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n("  ", n));
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if serde_json::from_str::<serde_json::Number>(n).is_ok() => {
            out.push_str(n);
        }
        Value::Number(n) | Value::String(n) => {
            out.push_str(&serde_json::Value::String(n.clone()).to_string());
        }
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(entries) if entries.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 1);
                write_node(out, item, indent + 1);
            }
            out.push('\n');
            pad(out, indent);
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (i, e) in entries.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                pad(out, indent + 1);
                out.push_str(&serde_json::Value::String(e.key.clone()).to_string());
                out.push_str(": ");
                write_node(out, &e.value, indent + 1);
            }
            out.push('\n');
            pad(out, indent);
            out.push('}');
        }
    }
}

/// `dispatch validate`: every diagnostic, then `ok` or a count.
pub(crate) fn validate(input: &Input) -> Outcome {
    let limits = limits();
    let bytes = match input.read() {
        Ok(b) => b,
        Err(o) => return o,
    };
    let loader = input.loader();
    let options = input.parse_options(&loader);
    let evaluated = evaluate(&bytes, &input.display_name(), &options, &limits);
    let mut all = evaluated.diagnostics();
    if let Some(p) = &evaluated.decoded.pipeline {
        all.extend(crate::cmd_match::pattern_diagnostics(
            p,
            &evaluated.decoded.source_map,
            &limits,
        ));
        dispatchfile_model::sort_diagnostics(&mut all);
    }
    print_diagnostics(&all, &evaluated.parsed.files, &input.display_name());
    let errors = all.iter().filter(|d| d.is_error()).count();
    let warnings = all.len() - errors;
    if errors == 0 && warnings == 0 {
        println!("ok");
    } else {
        println!(
            "{errors} error{}, {warnings} warning{}",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        );
    }
    if errors > 0 {
        Outcome::Invalid
    } else {
        Outcome::Ok
    }
}
