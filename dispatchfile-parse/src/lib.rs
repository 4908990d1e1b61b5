#![doc = include_str!("../README.md")]

/// The workspace README's embedding example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

mod cue;
mod detect;
mod json;
mod loader;
mod starlark;
mod yaml;

use dispatchfile_model::{
    DecodeOptions, Decoded, Diagnostic, Document, FileId, Files, Limits, Span, decode, has_errors,
    sort_diagnostics,
};

pub use detect::{Detected, Format, Generation, detect};
pub use dispatchfile_cue::Clock;
pub use loader::{LoadError, ModuleLoader, ModuleRef, ModuleSource};

/// Options for [`parse`] and [`evaluate`].
#[non_exhaustive]
#[derive(Clone, Copy, Default)]
pub struct ParseOptions<'a> {
    /// Force a format instead of reading the selector line. Default: detect (SPEC §3.1).
    pub format: Option<Format>,
    /// Loader for Starlark modules that are not embedded. Default: none (such loads fail).
    pub loader: Option<&'a dyn ModuleLoader>,
    /// Unknown fields are errors instead of warnings. Default `false`.
    pub strict: bool,
    /// The clock that enforces [`Limits::eval_timeout`] for Starlark and CUE. Default: none, and
    /// then no time limit applies (the library never reads the time on its own). A clock is
    /// process-wide state, hence `'static`: the Starlark interpreter only accepts statement hooks
    /// that own what they hold.
    pub clock: Option<&'static dyn Clock>,
}

impl std::fmt::Debug for ParseOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseOptions")
            .field("format", &self.format)
            .field("loader", &self.loader.map(|_| "…"))
            .field("strict", &self.strict)
            .field("clock", &self.clock.map(|_| "…"))
            .finish()
    }
}

/// The result of reading one Dispatchfile into a [`Document`].
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The document; `None` exactly when `diagnostics` holds an error.
    pub document: Option<Document>,
    /// The detected (or forced) format.
    pub format: Option<Format>,
    /// Every source text spans point into: the Dispatchfile first, then loaded modules.
    pub files: Files,
    /// Warnings and errors so far, sorted by position then code.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads `source` (the bytes of a Dispatchfile named `name`) into a [`Document`].
///
/// Checks the size limit and UTF-8, detects the format from the first line (SPEC §3.1) and runs
/// the format's frontend. Never panics; every problem is a positioned diagnostic.
#[must_use]
pub fn parse(source: &[u8], name: &str, options: &ParseOptions<'_>, limits: &Limits) -> Parsed {
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    if source.len() > limits.max_source_bytes {
        let file = files.add(name, "");
        let d = Diagnostic::error(
            "limit-exceeded",
            format!(
                "limit exceeded: max_source_bytes ({}): the file has {} bytes",
                limits.max_source_bytes,
                source.len()
            ),
        )
        .at(Span::new(file, 0, 0));
        return Parsed {
            document: None,
            format: None,
            files,
            diagnostics: vec![d],
        };
    }
    let text = match std::str::from_utf8(source) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            let valid = e.valid_up_to();
            let lossy = String::from_utf8_lossy(source).into_owned();
            let file = files.add(name, lossy);
            let d = Diagnostic::error("parse", "the file is not valid UTF-8").at(Span::new(
                file,
                valid as u32,
                valid as u32 + 1,
            ));
            return Parsed {
                document: None,
                format: None,
                files,
                diagnostics: vec![d],
            };
        }
    };
    let file = files.add(name, text.clone());
    let detected = match detect(&text, file, options.format, &mut diagnostics) {
        Ok(d) => d,
        Err(d) => {
            diagnostics.push(d);
            return Parsed {
                document: None,
                format: None,
                files,
                diagnostics,
            };
        }
    };
    // An empty Dispatchfile is a mistake in every format (CUE would read it as `{}`).
    if detected.body.trim().is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "parse",
                "the file is empty: a Dispatchfile must define a pipeline",
            )
            .at(Span::new(file, 0, 0)),
        );
        sort_diagnostics(&mut diagnostics);
        return Parsed {
            document: None,
            format: Some(detected.format),
            files,
            diagnostics,
        };
    }
    let result = match detected.format {
        Format::Json => json::parse(&detected.body, file, limits),
        Format::Yaml => yaml::parse(&detected.body, file, limits),
        Format::Cue => cue::evaluate(&detected.body, file, name, options, limits),
        Format::Starlark => starlark::evaluate(&detected, file, name, options, limits, &mut files),
    };
    let document = match result {
        Ok((doc, mut warnings)) => {
            diagnostics.append(&mut warnings);
            Some(doc)
        }
        Err(mut errors) => {
            diagnostics.append(&mut errors);
            None
        }
    };
    sort_diagnostics(&mut diagnostics);
    let document = if has_errors(&diagnostics) {
        None
    } else {
        document
    };
    Parsed {
        document,
        format: Some(detected.format),
        files,
        diagnostics,
    }
}

/// The result of [`evaluate`]: the parse and the decode together.
#[derive(Clone, Debug)]
pub struct Evaluated {
    /// The parse step's result (document, files, format).
    pub parsed: Parsed,
    /// The decoded pipeline and the model's diagnostics (empty when parsing failed).
    pub decoded: Decoded,
}

impl Evaluated {
    /// Every diagnostic of both steps, sorted.
    #[must_use]
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.parsed.diagnostics.clone();
        all.extend(self.decoded.diagnostics.iter().cloned());
        sort_diagnostics(&mut all);
        all
    }
}

/// Parses `source` and decodes it into a pipeline, with every validation rule of SPEC §2 that the
/// model owns (glob patterns are checked by `dispatch-trigger`).
#[must_use]
pub fn evaluate(
    source: &[u8],
    name: &str,
    options: &ParseOptions<'_>,
    limits: &Limits,
) -> Evaluated {
    let parsed = parse(source, name, options, limits);
    let decoded = match &parsed.document {
        Some(doc) => {
            let mut o = DecodeOptions::default();
            o.strict = options.strict;
            decode(doc, &o, limits)
        }
        None => Decoded::default(),
    };
    Evaluated { parsed, decoded }
}

/// A span in `file` over `start..end`.
pub(crate) fn span(file: FileId, start: usize, end: usize) -> Span {
    Span::new(file, start as u32, end as u32)
}

/// What a frontend returns: a document and its warnings, or every error.
pub(crate) type FrontendResult = Result<(Document, Vec<Diagnostic>), Vec<Diagnostic>>;
