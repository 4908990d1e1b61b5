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
mod modernize;
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

/// Rewrites a CUE file written in the 2019 dialect into modern CUE, at the source level.
///
/// Each 2019 form becomes its modern spelling, and every other byte stays as it is: comments,
/// layout, string forms, helper fields and the order of declarations.
///
/// - labels separated by spaces, `a b c: v`, become `a: b: c: v`;
/// - a definition `x:: v` becomes `#x: v`, and every reference to it `#x` (`a.x` too);
/// - a trailing list comprehension `[e for k, v in src if c]` becomes
///   `[for k, v in src if c { e }]` (a struct literal `e` is the body as it is);
/// - a trailing field comprehension `l: v for k, v in src` becomes `for k, v in src { l: v }`;
/// - the infix integer operators `a div b` (`mod`, `quo`, `rem`) become calls `div(a, b)`.
///
/// Modern input comes back unchanged. The result uses only syntax that CUE v0.4 and later
/// accept, and it is checked: it must parse as modern CUE and export the same value as the
/// input. A Dispatchfile's `#!` selector line must be removed or made a comment by the caller.
///
/// # Errors
///
/// The input's errors when it does not evaluate (a file is only rewritten when it evaluates);
/// an `unsupported` error at a 2019 form that cannot be carried over exactly (a comment between
/// an element and its trailing `for`, a selector of a name that is both a definition and a
/// regular field); the limits of `options` as for [`evaluate`].
///
/// # Examples
///
/// ```
/// use dispatchfile_cue::{modernize, Options};
/// let old = "apps:: [\"a\", \"b\"] // the apps\ntask \"t\": {n: [x for x in apps]}\n";
/// let new = modernize(old, &Options::default())?;
/// assert_eq!(new, "#apps: [\"a\", \"b\"] // the apps\ntask: \"t\": {n: [for x in #apps { x }]}\n");
/// assert_eq!(modernize(&new, &Options::default())?, new);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn modernize(source: &str, options: &Options) -> Result<String, CueErrors> {
    modernize::modernize(source, options).map_err(CueErrors::new)
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
