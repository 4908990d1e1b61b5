#![doc = include_str!("../README.md")]

// The modules, each using only those above it (nothing uses a module below itself):
//
// - `budget`: the statement budget, the heap cap and the limit errors; knows nothing of
//   Starlark values. `schema`, `nesting`, `catalog`, `loader`: no dependencies here.
// - `rewrite` (source rewriting; uses `nesting`), `tabs`, `reserved`.
// - `store`: the per-evaluation state (the sources, the pipeline being built, the budget), the
//   store of the evaluation running on this thread, and the limit errors that note themselves
//   in it.
// - `message`: the value types (messages, constructors, quantities) and value inspection.
// - `chars`: the lazy `elems()`/`codepoints()` iterator value.
// - `estimate`: pure size estimates of values and native calls.
// - `compare`: comparisons with a nesting bound of their own.
// - `guard`: the estimates of each guarded call, charged against the budget.
// - `bound`: guarded method calls and bound methods: estimate, charge, then call the
//   original.
// - `convert`: values to document nodes, charged as they are made.
// - `value`: the builtins (`task`, `resource`, `action`, the guarded natives).
// - `errors`, `globals`, `loading`, `watch` (the cancellation check), then `eval`.
mod bound;
mod budget;
mod catalog;
mod chars;
mod compare;
mod convert;
#[cfg(test)]
mod coverage;
mod errors;
mod estimate;
mod eval;
mod globals;
mod guard;
mod loader;
mod loading;
mod message;
mod nesting;
mod reserved;
mod rewrite;
mod schema;
mod store;
mod tabs;
mod value;
mod watch;

use std::time::Duration;

use dispatchfile_model::{Diagnostic, Document, FileId, Files, Limits, Omitted};

pub use loader::{LoadError, ModuleLoader, ModuleRef, ModuleSource, Printer};

/// A monotonic clock supplied by the embedder: the library never reads the time on its own
/// (see [`Options::clock`]).
pub trait Clock: Sync {
    /// The time since a fixed origin of the clock's choosing; only differences are used.
    fn now(&self) -> Duration;
}

/// Which predeclared names a Dispatchfile sees.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Generation {
    /// `#!starlark` and image versions below `v0.5`: the legacy sugar of the catalog's first
    /// tag (`gitResource`, `dindTask`, …) is predeclared.
    Legacy,
    /// Later images: catalog functions are loaded explicitly.
    #[default]
    Modern,
}

/// Options for [`evaluate`].
#[non_exhaustive]
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// Loader for modules that are not embedded. Default: none (such loads fail).
    pub loader: Option<&'a dyn ModuleLoader>,
    /// Where `print()` output goes. Default: none (the output is dropped).
    pub printer: Option<&'a dyn Printer>,
    /// The clock that enforces [`Limits::eval_timeout`]. Default: none, and then no time limit
    /// applies.
    pub clock: Option<&'a dyn Clock>,
    /// The predeclared names. Default: [`Generation::Modern`].
    pub generation: Generation,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("loader", &self.loader.map(|_| "…"))
            .field("printer", &self.printer.map(|_| "…"))
            .field("clock", &self.clock.map(|_| "…"))
            .field("generation", &self.generation)
            .finish()
    }
}

/// What [`evaluate`] returns: the document and its warnings, or every error.
pub type FrontendResult = Result<(Document, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Evaluates the Starlark Dispatchfile `body` (already registered in `files` as `file`, under
/// the name `name`) into a document with data-format keys (`resource`, `task`, `actions`).
///
/// Modules it loads are added to `files`, so every diagnostic's span resolves there; warnings
/// left out by [`Limits::max_diagnostics_per_code`] are counted in `omitted`. Never panics:
/// every problem, limits included, is a positioned diagnostic.
///
/// # Examples
///
/// ```
/// use dispatchfile_model::{Files, Limits, Omitted};
/// use dispatchfile_starlark::{Options, evaluate};
/// let body = "task(\"test\", steps = [k8s.corev1.Container(name = \"t\", image = \"golang\")])\n";
/// let mut files = Files::new();
/// let file = files.add("Dispatchfile", body);
/// let mut omitted = Omitted::default();
/// let result = evaluate(body, file, "Dispatchfile", &Options::default(), &Limits::default(),
///     &mut files, &mut omitted);
/// assert!(result.is_ok());
/// ```
pub fn evaluate(
    body: &str,
    file: FileId,
    name: &str,
    options: &Options<'_>,
    limits: &Limits,
    files: &mut Files,
    omitted: &mut Omitted,
) -> FrontendResult {
    eval::evaluate(body, file, name, options, limits, files, omitted)
}
