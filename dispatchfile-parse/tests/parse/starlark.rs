//! The Starlark frontend and the Dispatch standard library: builtins, the embedded
//! catalog, loads, positions, hostile input and the shared corpus.

mod big_ints;
mod builtins;
mod catalog;
mod corpus;
mod diagnostics;
mod document_size;
mod hostile;
mod loads;
mod rewritten;

use std::collections::BTreeMap;

use dispatchfile_model::{Diagnostic, Limits};
use dispatchfile_parse::{
    Evaluated, LoadError, ModuleLoader, ModuleRef, ModuleSource, ParseOptions, evaluate,
};

/// The selector line of a modern-generation Dispatchfile.
pub(crate) const MODERN: &str = "#!mesosphere/dispatch-starlark:v0.9\n";

/// An in-memory module loader: module reference (as displayed) → source.
#[derive(Debug, Default)]
pub(crate) struct MemLoader(pub(crate) BTreeMap<String, String>);

impl MemLoader {
    pub(crate) fn with(mut self, reference: &str, source: &str) -> MemLoader {
        self.0.insert(reference.to_owned(), source.to_owned());
        self
    }
}

impl ModuleLoader for MemLoader {
    fn load(&self, module: &ModuleRef) -> Result<ModuleSource, LoadError> {
        let key = module.to_string();
        match self.0.get(&key) {
            Some(text) => Ok(ModuleSource {
                name: format!("vendor/{key}.star"),
                text: text.clone(),
            }),
            None => Err(LoadError {
                message: format!("cannot load \"{key}\": not vendored"),
            }),
        }
    }
}

/// Evaluates `src` (a whole Dispatchfile with its selector line).
pub(crate) fn star(src: &str) -> Evaluated {
    star_with(src, None, &Limits::default())
}

/// Evaluates `src` with a loader and limits.
pub(crate) fn star_with(
    src: &str,
    loader: Option<&dyn ModuleLoader>,
    limits: &Limits,
) -> Evaluated {
    let mut options = ParseOptions::default();
    options.loader = loader;
    evaluate(src.as_bytes(), "Dispatchfile", &options, limits)
}

/// The evaluated document as compact JSON (keys sorted), before model decoding.
pub(crate) fn raw(e: &Evaluated) -> String {
    match &e.parsed.document {
        Some(d) => serde_json::to_string(&d.root.to_json()).expect("documents serialise"),
        None => format!("no document:\n{}", rendered(e)),
    }
}

/// The evaluated document as indented JSON (keys sorted), for snapshots.
pub(crate) fn pretty(e: &Evaluated) -> String {
    match &e.parsed.document {
        Some(d) => serde_json::to_string_pretty(&d.root.to_json()).expect("documents serialise"),
        None => format!("no document:\n{}", rendered(e)),
    }
}

/// Every diagnostic in one line each.
pub(crate) fn rendered(e: &Evaluated) -> String {
    e.diagnostics()
        .iter()
        .map(|d: &Diagnostic| d.render(&e.parsed.files, "Dispatchfile") + "\n")
        .collect()
}

/// The first error, rendered, or an empty string.
pub(crate) fn first_error(e: &Evaluated) -> String {
    e.diagnostics()
        .iter()
        .find(|d| d.is_error())
        .map(|d| d.render(&e.parsed.files, "Dispatchfile"))
        .unwrap_or_default()
}
