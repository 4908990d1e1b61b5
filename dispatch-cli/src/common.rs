//! Input handling, diagnostics printing and exit codes shared by every subcommand.

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use dispatchfile_model::{
    Code, Diagnostic, Diagnostics, DiagnosticsBuilder, Files, Limits, Omitted, Pipeline, Severity,
    to_canonical_json,
};
use dispatchfile_parse::{
    Checked, Clock, Evaluated, Format, ParseOptions, Printer, check, evaluate, parse,
};

use crate::read::{ReadError, read_bounded, utf8};
use crate::vendor::VendorLoader;

/// The Dispatchfile to read and how to read it.
#[derive(Debug, Args)]
pub(crate) struct Input {
    /// The Dispatchfile, or `-` for standard input.
    #[arg(default_value = "Dispatchfile")]
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

/// Writes a command's result to standard output.
///
/// A reader that closes the pipe early (`dispatch render | head`) has taken what it wanted: the
/// command then ends quietly with its normal exit code instead of panicking as `print!` would.
pub(crate) fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Writes one line to standard error; a closed standard error is not worth a panic.
pub(crate) fn err_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// How a command ended, mapped onto the CLI's exit codes (0 ok, 1 invalid input, 2 usage).
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
            Outcome::Ok if report().deny_warnings && WARNED.load(Ordering::Relaxed) => {
                if report().format == MessageFormat::Human {
                    err_line("dispatch: warnings are denied (--deny-warnings)");
                }
                ExitCode::from(1)
            }
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::Invalid => ExitCode::from(1),
            Outcome::Usage(msg) => {
                err_line(&format!("dispatch: {msg}"));
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

    /// Reads the file's bytes (stdin for `-`), at most `limits.max_source_bytes`: a larger
    /// input is reported (`limit exceeded: max_source_bytes`) without being read whole.
    pub(crate) fn read(&self, limits: &Limits) -> Result<Vec<u8>, Outcome> {
        read_input(
            std::path::Path::new(&self.file),
            "",
            limits.max_source_bytes,
            "max_source_bytes",
        )
    }

    /// Parse options for this input: the forced format, `--strict` and `loader`.
    pub(crate) fn parse_options<'a>(&self, loader: &'a VendorLoader) -> ParseOptions<'a> {
        let mut options = ParseOptions::default();
        options.format = self.format;
        options.strict = self.strict;
        options.loader = Some(loader);
        options.clock = Some(clock());
        options.printer = Some(&StderrPrinter);
        options
    }

    /// The vendor loader for this input, if `--vendor` was given or the file has a directory;
    /// modules are read up to `limits.max_source_bytes` (one byte more tells the frontend one is
    /// too large).
    pub(crate) fn loader(&self, limits: &Limits) -> VendorLoader {
        VendorLoader::new(
            self.vendor.clone(),
            (self.file != "-").then(|| PathBuf::from(&self.file)),
            limits.max_source_bytes,
        )
    }

    /// Reads and evaluates the Dispatchfile (without compiling its glob patterns), printing
    /// every diagnostic to stderr.
    ///
    /// Returns the pipeline, or the outcome to exit with.
    pub(crate) fn pipeline(&self, limits: &Limits) -> Result<Pipeline, Outcome> {
        let bytes = self.read(limits)?;
        let loader = self.loader(limits);
        let options = self.parse_options(&loader);
        let evaluated = evaluate(&bytes, &self.display_name(), &options, limits);
        let all = evaluated.diagnostics();
        report_diagnostics(&all, &self.display_name());
        let Evaluated { decoded, .. } = evaluated;
        match decoded.pipeline {
            Some(p) if !all.has_errors() => Ok(p),
            _ => Err(Outcome::Invalid),
        }
    }

    /// Reads the Dispatchfile and runs every check (including its glob patterns), printing every
    /// diagnostic to stderr.
    pub(crate) fn check(&self, limits: &Limits) -> Result<Checked, Outcome> {
        let bytes = self.read(limits)?;
        let loader = self.loader(limits);
        let options = self.parse_options(&loader);
        match check(&bytes, &self.display_name(), &options, limits) {
            Ok(checked) => {
                report_diagnostics(checked.warnings(), &self.display_name());
                Ok(checked)
            }
            Err(problems) => {
                report_diagnostics(&problems, &self.display_name());
                Err(Outcome::Invalid)
            }
        }
    }
}

/// How diagnostics are written to stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum MessageFormat {
    /// `FILE:LINE:COL: error[CODE]: MESSAGE` with the source line (in color on a terminal).
    #[default]
    Human,
    /// One JSON object per diagnostic and line.
    Json,
}

/// The options that shape every command's diagnostics, set once from the command line.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Report {
    pub(crate) format: MessageFormat,
    pub(crate) deny_warnings: bool,
}

static REPORT: OnceLock<Report> = OnceLock::new();
/// Whether any warning was printed (for `--deny-warnings`).
static WARNED: AtomicBool = AtomicBool::new(false);

/// Sets the report options; called once, before any command runs.
pub(crate) fn set_report(r: Report) {
    let _ = REPORT.set(r);
}

fn report() -> Report {
    REPORT.get().copied().unwrap_or_default()
}

/// Prints diagnostics that carry their sources (see [`print_diagnostics`]), and the count of
/// those the libraries left out.
pub(crate) fn report_diagnostics(diagnostics: &Diagnostics, default_file: &str) {
    let empty = Files::new();
    let files = diagnostics.sources().map_or(&empty, |f| &**f);
    print_capped(diagnostics, diagnostics.omitted(), files, default_file);
}

/// Reads an input named on the command line (`-`: standard input) through the one bounded
/// reader: unreadable (a missing file, a directory, a FIFO, a device) is a usage error; larger
/// than `limit` is invalid input, reported as `FILE:1:1: error[limit-exceeded]: limit exceeded:
/// NAME (VALUE): …` without reading the rest.
pub(crate) fn read_input(
    path: &std::path::Path,
    what: &str,
    limit: usize,
    limit_name: &'static str,
) -> Result<Vec<u8>, Outcome> {
    match read_bounded(path, what, limit, limit_name) {
        Ok(bytes) => Ok(bytes),
        Err(ReadError::Unreadable(msg)) => Err(Outcome::usage(msg)),
        Err(ReadError::TooLarge {
            limit_name,
            limit,
            size,
        }) => {
            let name = display_path(path);
            let mut files = Files::new();
            let file = files.add(name.clone(), "");
            let d = Diagnostic::error(
                Code::LimitExceeded,
                ReadError::limit_message(limit_name, limit, size),
            )
            .at(dispatchfile_model::Span::new(file, 0, 0));
            print_diagnostics(&[d], &files, &name);
            Err(Outcome::Invalid)
        }
    }
}

/// Reads an option's file as text (an event, a payload, pull request details, a pod
/// template): as [`read_input`], and text that is not UTF-8 is invalid input, reported with
/// `code` at its first bad byte. Returns the text and the name shown in messages.
pub(crate) fn read_text(
    path: &std::path::Path,
    what: &str,
    limit: usize,
    limit_name: &'static str,
    code: Code,
) -> Result<String, Outcome> {
    let bytes = read_input(path, what, limit, limit_name)?;
    utf8(bytes).map_err(|(lossy, at)| {
        let name = display_path(path);
        let mut files = Files::new();
        let file = files.add(name.clone(), lossy);
        let d = Diagnostic::error(code, format!("the {what} is not valid UTF-8")).at(
            dispatchfile_model::Span::new(file, at as u32, at as u32 + 1),
        );
        print_diagnostics(&[d], &files, &name);
        Outcome::Invalid
    })
}

/// The name of a file argument in messages (`<stdin>` for `-`).
pub(crate) fn display_path(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Starlark `print()` output goes to standard error, beside the diagnostics.
struct StderrPrinter;

impl Printer for StderrPrinter {
    fn print(&self, text: &str) {
        err_line(text);
    }
}

/// The CLI's limits: the library defaults plus a 10 s evaluation timeout, enforced with the
/// process clock.
pub(crate) fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.eval_timeout = Some(EVAL_TIMEOUT);
    limits
}

/// The CLI's wall-clock budget for evaluating one Dispatchfile (`Limits::eval_timeout`).
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

/// Prints diagnostics to stderr (see [`print_capped`]), none left out before.
pub(crate) fn print_diagnostics(diagnostics: &[Diagnostic], files: &Files, default_file: &str) {
    print_capped(diagnostics, Omitted::default(), files, default_file);
}

/// Prints diagnostics to stderr, at most `Limits::max_diagnostics_per_code` of one code and
/// `Limits::max_diagnostics` in all (the first error is shown whatever the caps), then, when
/// any were left out here or before (`omitted`), how many: a last line `… and N more
/// diagnostics (E errors, W warnings) not shown`, or in JSON a summary object.
///
/// With `--message-format json`: one JSON object per diagnostic and line, written as they are
/// made (no string of the whole output). Otherwise, piped or redirected (scripts, CI, editors):
/// `FILE:LINE:COL: error[CODE]: MESSAGE` followed by the source line and a caret, as rendered by
/// `dispatchfile-model`; on a terminal, rustc-style colored output from `codespan-reporting`,
/// with related positions as secondary labels. `NO_COLOR` selects the plain form on a terminal
/// too.
pub(crate) fn print_capped(
    diagnostics: &[Diagnostic],
    omitted: Omitted,
    files: &Files,
    default_file: &str,
) {
    let mut builder = DiagnosticsBuilder::new(&limits());
    builder.extend(diagnostics.iter().cloned());
    let (shown, left_out) = builder.into_parts();
    let omitted = omitted + left_out;
    if omitted.warnings > 0 || shown.iter().any(|d| !d.is_error()) {
        WARNED.store(true, Ordering::Relaxed);
    }
    let stderr = std::io::stderr();
    // A closed stderr is not a reason to stop: the exit code still tells.
    if report().format == MessageFormat::Json {
        let mut out = std::io::BufWriter::new(stderr.lock());
        for d in &shown {
            let _ = writeln!(out, "{}", d.to_json(files, default_file));
        }
        if !omitted.is_empty() {
            let _ = writeln!(out, "{}", omitted.to_json());
        }
        let _ = out.flush();
        return;
    }
    let terminal = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if !(terminal && print_rich(&shown, files, default_file).is_ok()) {
        let mut out = std::io::BufWriter::new(stderr.lock());
        for d in &shown {
            let _ = writeln!(out, "{}", d.render_with_snippet(files, default_file));
        }
        let _ = out.flush();
    }
    if !omitted.is_empty() {
        err_line(&omitted.to_string());
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
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_notes(d.notes.iter().map(|n| format!("help: {n}")).collect());
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
        let bytes = match input.read(&limits) {
            Ok(b) => b,
            Err(o) => return o,
        };
        let loader = input.loader(&limits);
        let options = input.parse_options(&loader);
        let parsed = parse(&bytes, &input.display_name(), &options, &limits);
        print_capped(
            &parsed.diagnostics,
            parsed.omitted,
            &parsed.files,
            &input.display_name(),
        );
        return match parsed.document {
            Some(doc) => {
                out(&raw_json(&doc.root));
                Outcome::Ok
            }
            None => Outcome::Invalid,
        };
    }
    match input.pipeline(&limits) {
        Ok(pipeline) => {
            out(&to_canonical_json(&pipeline));
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
    let bytes = match input.read(&limits) {
        Ok(b) => b,
        Err(o) => return o,
    };
    let loader = input.loader(&limits);
    let options = input.parse_options(&loader);
    let all = match check(&bytes, &input.display_name(), &options, &limits) {
        Ok(checked) => checked.warnings().clone(),
        Err(problems) => problems,
    };
    report_diagnostics(&all, &input.display_name());
    // Every diagnostic counts, shown or not.
    let errors = all.errors().count() + all.omitted().errors;
    let warnings = all.warnings().count() + all.omitted().warnings;
    if errors == 0 && warnings == 0 {
        out("ok\n");
    } else {
        out(&format!(
            "{errors} error{}, {warnings} warning{}\n",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        ));
    }
    if errors > 0 {
        Outcome::Invalid
    } else {
        Outcome::Ok
    }
}
