#![doc = include_str!("../README.md")]
#![allow(
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::unnecessary_box_returns,
    clippy::struct_excessive_bools,
    reason = "casts: lengths and indices are bounded by the limits and checked before signed/unsigned casts; errors are boxed to keep values small; vertex flags are independent"
)]

mod ast;
mod builtins;
mod error;
mod eval;
mod export;
mod lexer;
mod num;
mod parser;
mod regexes;
mod value;
mod yaml;

use std::time::Duration;

pub use error::{CueError, CueErrors, ErrorKind, Span};

/// A monotonic clock supplied by the embedder: the evaluator never reads the time on its own
/// (see [`Options::timeout`]).
pub trait Clock: Sync {
    /// The time since a fixed origin of the clock's choosing; only differences are used.
    fn now(&self) -> Duration;
}

/// Limits for one evaluation. `Default` gives the defaults listed on each field, the same as
/// `dispatchfile-model`'s `Limits`.
///
/// ```
/// let mut opts = dispatchfile_cue::Options::default();
/// opts.max_steps = 1_000;
/// assert_eq!(opts.max_depth, 128);
/// ```
#[non_exhaustive]
#[derive(Clone)]
pub struct Options<'a> {
    /// Largest accepted source, in bytes (default 1 MiB).
    pub max_source_bytes: usize,
    /// Deepest nesting of the source and of evaluation (default 128): brackets, braces,
    /// parentheses, interpolations, comprehension clauses, references evaluated to compute
    /// others. Chains flat in the source (`1 + 1 + …`, `a.b.c…`) are not nesting.
    pub max_depth: usize,
    /// Evaluation steps: unifications, expression evaluations, comprehension iterations, and
    /// the work of builtins, regular expressions and big numbers charged by its size
    /// (default 10,000,000).
    pub max_steps: u64,
    /// Live disjuncts of one disjunction (default 1,024).
    pub max_disjuncts: usize,
    /// Nodes of the exported value (default 1,000,000).
    pub max_nodes: usize,
    /// Bytes of text, counted twice over: the strings that string operations (`+`, `*`,
    /// interpolation, builtins, labels bound in comprehensions) make while evaluating, and the
    /// keys, strings and numbers of the exported value (default 16 MiB). Strings are shared,
    /// so references and unification cost nothing here; only new text does, and an export
    /// copies each string at every place it is used.
    pub max_bytes: usize,
    /// Wall-clock budget of one evaluation, checked every few thousand steps and after each
    /// large piece of work; enforced only when [`Options::clock`] is set (default none).
    pub timeout: Option<Duration>,
    /// The clock that measures [`Options::timeout`] (default none).
    pub clock: Option<&'a dyn Clock>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            max_source_bytes: 1 << 20,
            max_depth: 128,
            max_steps: 10_000_000,
            max_disjuncts: 1024,
            max_nodes: 1_000_000,
            max_bytes: 16 << 20,
            timeout: None,
            clock: None,
        }
    }
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("max_source_bytes", &self.max_source_bytes)
            .field("max_depth", &self.max_depth)
            .field("max_steps", &self.max_steps)
            .field("max_disjuncts", &self.max_disjuncts)
            .field("max_nodes", &self.max_nodes)
            .field("max_bytes", &self.max_bytes)
            .field("timeout", &self.timeout)
            .field("clock", &self.clock.map(|_| "…"))
            .finish()
    }
}

/// An exported value with the position it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    /// The value.
    pub value: Value,
    /// The position of the value's (first) expression; the whole source for the top level.
    pub span: Span,
}

/// A JSON-like value, as `cue export --out json` would print it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number as CUE prints it: integers as exact digits, decimals exactly (`0.30`, `1E+3`).
    Number(String),
    /// A string (bytes values are exported as base64 text, as JSON carries them).
    String(String),
    /// A list.
    List(Vec<Exported>),
    /// A struct: regular fields in first-declaration order.
    Struct(Vec<Field>),
}

/// A struct field of an exported value.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field name (unquoted).
    pub name: String,
    /// The position of the field's first declaration label.
    pub name_span: Span,
    /// The field's value.
    pub value: Exported,
}

impl Value {
    /// Pretty JSON like `cue export --out json` (4-space indent, no trailing newline).
    #[must_use]
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        export::write_json(self, &mut out, Some(4), 0);
        out
    }

    /// Compact JSON on one line.
    #[must_use]
    pub fn to_compact_json_string(&self) -> String {
        let mut out = String::new();
        export::write_json(self, &mut out, None, 0);
        out
    }
}

impl Exported {
    /// Pretty JSON of the value, like `cue export --out json`.
    #[must_use]
    pub fn to_json_string(&self) -> String {
        self.value.to_json_string()
    }
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Exported>();
    assert_send_sync::<CueError>();
    assert_send_sync::<CueErrors>();
    assert_send_sync::<Options>();
};

/// Evaluates one CUE file, in modern (v0.4) or 2019 syntax, and exports it like
/// `cue export --out json`.
///
/// `file_name` is only used for messages. A Dispatchfile's `#!` selector line must be blanked
/// (replaced by an empty line) by the caller.
///
/// # Errors
///
/// Every problem found: syntax errors, evaluation errors (conflicts, failed bounds, closedness,
/// cycles), incomplete values, unsupported constructs, or one `limit exceeded` error.
///
/// # Examples
///
/// ```
/// use dispatchfile_cue::{evaluate, Options, Value};
/// let out = evaluate("a: b: 1 + 2\n", "x.cue", &Options::default())?;
/// assert_eq!(out.value.to_compact_json_string(), r#"{"a":{"b":3}}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(source: &str, file_name: &str, options: &Options) -> Result<Exported, CueErrors> {
    let _ = file_name;
    evaluate_all(source, options).map_err(CueErrors::new)
}

/// [`evaluate`] with the errors as a vector.
fn evaluate_all(source: &str, options: &Options) -> Result<Exported, Vec<CueError>> {
    if source.len() > options.max_source_bytes {
        return Err(vec![CueError::limit(
            "max_source_bytes",
            options.max_source_bytes,
            Some(Span::new(0, 0)),
        )]);
    }
    if source.len() > u32::MAX as usize {
        return Err(vec![CueError::limit(
            "max_source_bytes",
            options.max_source_bytes,
            None,
        )]);
    }
    let mut ast = parser::parse(source, options.max_depth).map_err(|e| vec![e])?;
    let syms = std::mem::take(&mut ast.syms);
    let mut ev = eval::Eval::new(&ast, syms, options);
    let root = ev.root();
    export::export_root(&mut ev, root, Span::new(0, source.len() as u32))
}
