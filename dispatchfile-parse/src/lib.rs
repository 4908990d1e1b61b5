#![doc = include_str!("../README.md")]

mod convert;
mod cue;
mod detect;
mod json;
#[cfg(feature = "starlark")]
mod starlark;
mod yaml;

use std::sync::Arc;

use dispatch_trigger::Triggers;
use dispatchfile_model::{
    Code, DecodeOptions, Decoded, Diagnostic, Diagnostics, Document, FileId, Files, Limits,
    Omitted, Pipeline, SourceMap, Span, decode, has_errors, sort_diagnostics,
};

pub use convert::{
    Target, convert, modernize_dispatchfile, to_cue_dispatchfile, to_json_dispatchfile,
    to_yaml_dispatchfile,
};
pub use detect::{Detected, Format, Generation, detect};
pub use dispatchfile_cue::Clock;
#[cfg(feature = "starlark")]
pub use dispatchfile_starlark::{LoadError, ModuleLoader, ModuleRef, ModuleSource, Printer};

/// Options for [`parse`] and [`evaluate`].
#[non_exhaustive]
#[derive(Clone, Copy, Default)]
pub struct ParseOptions<'a> {
    /// Force a format instead of reading the selector line. Default: detect.
    pub format: Option<Format>,
    /// Loader for Starlark modules that are not embedded. Default: none (such loads fail).
    #[cfg(feature = "starlark")]
    pub loader: Option<&'a dyn ModuleLoader>,
    /// Where Starlark `print()` output goes. Default: none (the output is dropped).
    #[cfg(feature = "starlark")]
    pub printer: Option<&'a dyn Printer>,
    /// Unknown fields are errors instead of warnings. Default `false`.
    pub strict: bool,
    /// The clock that enforces [`Limits::eval_timeout`] for Starlark and CUE. Default: none, and
    /// then no time limit applies (the library never reads the time on its own).
    pub clock: Option<&'a dyn Clock>,
}

impl std::fmt::Debug for ParseOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("ParseOptions");
        s.field("format", &self.format);
        #[cfg(feature = "starlark")]
        s.field("loader", &self.loader.map(|_| "…"))
            .field("printer", &self.printer.map(|_| "…"));
        s.field("strict", &self.strict)
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
    pub files: Arc<Files>,
    /// Warnings and errors so far, sorted by position then code.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics counted but left out of `diagnostics` by [`Limits::max_diagnostics_per_code`]
    /// (Starlark `redefined` warnings repeated in bulk).
    pub omitted: Omitted,
}

/// Reads `source` (the bytes of a Dispatchfile named `name`) into a [`Document`].
///
/// Checks the size limit and UTF-8, detects the format from the first line and runs
/// the format's frontend. Never panics; every problem is a positioned diagnostic.
#[must_use]
pub fn parse(source: &[u8], name: &str, options: &ParseOptions<'_>, limits: &Limits) -> Parsed {
    let mut files = Files::new();
    let mut diagnostics = Vec::new();
    if source.len() > limits.max_source_bytes {
        let file = files.add(name, "");
        let d = Diagnostic::error(
            Code::LimitExceeded,
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
            files: Arc::new(files),
            diagnostics: vec![d],
            omitted: Omitted::default(),
        };
    }
    let text =
        match std::str::from_utf8(source) {
            Ok(t) => t.to_owned(),
            Err(e) => {
                let valid = e.valid_up_to();
                let lossy = String::from_utf8_lossy(source).into_owned();
                let file = files.add(name, lossy);
                let d = Diagnostic::error(Code::Parse, "the file is not valid UTF-8")
                    .at(Span::new(file, valid as u32, valid as u32 + 1));
                return Parsed {
                    document: None,
                    format: None,
                    files: Arc::new(files),
                    diagnostics: vec![d],
                    omitted: Omitted::default(),
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
                files: Arc::new(files),
                diagnostics,
                omitted: Omitted::default(),
            };
        }
    };
    // An empty Dispatchfile is a mistake in every format (CUE would read it as `{}`).
    if detected.body.trim().is_empty() {
        diagnostics.push(
            Diagnostic::error(
                Code::Parse,
                "the file is empty: a Dispatchfile must define a pipeline",
            )
            .at(Span::new(file, 0, 0)),
        );
        sort_diagnostics(&mut diagnostics);
        return Parsed {
            document: None,
            format: Some(detected.format),
            files: Arc::new(files),
            diagnostics,
            omitted: Omitted::default(),
        };
    }
    #[cfg_attr(
        not(feature = "starlark"),
        expect(unused_mut, reason = "only the Starlark frontend leaves warnings out")
    )]
    let mut omitted = Omitted::default();
    let result = match detected.format {
        Format::Json => json::parse(&detected.body, file, limits),
        Format::Yaml => yaml::parse(&detected.body, file, limits),
        Format::Cue => cue::evaluate(&detected.body, file, name, options, limits),
        #[cfg(feature = "starlark")]
        Format::Starlark => starlark::evaluate(
            &detected,
            file,
            name,
            options,
            limits,
            &mut files,
            &mut omitted,
        ),
        #[cfg(not(feature = "starlark"))]
        Format::Starlark => Err(vec![
            Diagnostic::error(
                Code::Unsupported,
                "Starlark Dispatchfiles are not supported by this build: dispatchfile-parse was built without its \"starlark\" feature",
            )
            .at(Span::new(file, 0, 0)),
        ]),
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
    if detected.format == Format::Cue && options.format.is_none() {
        hint_at_extension(name, &text, &mut diagnostics);
    }
    sort_diagnostics(&mut diagnostics);
    let document = if has_errors(&diagnostics) {
        None
    } else {
        document
    };
    Parsed {
        document,
        format: Some(detected.format),
        files: Arc::new(files),
        diagnostics,
        omitted,
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
    /// Every diagnostic of both steps, sorted, with the source texts they point into and the
    /// count of those left out by the caps of [`Limits`].
    #[must_use]
    pub fn diagnostics(&self) -> Diagnostics {
        let mut all = self.parsed.diagnostics.clone();
        all.extend(self.decoded.diagnostics.iter().cloned());
        Diagnostics::new(all)
            .with_sources(Arc::clone(&self.parsed.files))
            .with_omitted(self.parsed.omitted + self.decoded.omitted)
    }
}

/// Parses `source` and decodes it into a pipeline, with every validation rule the
/// model owns (glob patterns are checked when the actions are compiled; [`check`] does both).
///
/// The decoded source map carries the source texts, so later steps (trigger compilation,
/// lowering) can report printable, positioned diagnostics.
#[must_use]
pub fn evaluate(
    source: &[u8],
    name: &str,
    options: &ParseOptions<'_>,
    limits: &Limits,
) -> Evaluated {
    let parsed = parse(source, name, options, limits);
    let mut decoded = match &parsed.document {
        Some(doc) => {
            let mut o = DecodeOptions::default();
            o.strict = options.strict;
            decode(doc, &o, limits)
        }
        None => Decoded::default(),
    };
    decoded.source_map.set_sources(Arc::clone(&parsed.files));
    Evaluated { parsed, decoded }
}

/// A Dispatchfile that passed every check: the result of [`check`].
///
/// Holds the validated pipeline, its compiled actions (ready to match events), where each
/// element was written, and the warnings. Lower it with `dispatch_tekton::lower`, passing
/// [`Checked::source_map`] in the selection so lowering errors point into the file.
#[derive(Clone, Debug)]
pub struct Checked {
    pipeline: Pipeline,
    triggers: Triggers,
    source_map: SourceMap,
    format: Format,
    warnings: Diagnostics,
}

impl Checked {
    /// The pipeline.
    #[must_use]
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The compiled actions: [`Triggers::match_event`] says which fire for an event.
    #[must_use]
    pub fn triggers(&self) -> &Triggers {
        &self.triggers
    }

    /// Where each element of the pipeline was written; it also carries the source texts.
    #[must_use]
    pub fn source_map(&self) -> &SourceMap {
        &self.source_map
    }

    /// The format the file was read as.
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    /// Every warning of every step, sorted by position then code.
    #[must_use]
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The pipeline, by value.
    #[must_use]
    pub fn into_pipeline(self) -> Pipeline {
        self.pipeline
    }
}

/// Reads, evaluates, decodes and validates a Dispatchfile and compiles its actions' glob
/// patterns: every check `dispatch validate` makes, every problem reported at once.
///
/// # Errors
///
/// Every error and warning of every step that ran, sorted by position then code, with the
/// source texts attached: print it with `{}` to get `FILE:LINE:COL: error[CODE]: MESSAGE`
/// lines with the offending source line.
///
/// # Examples
///
/// ```
/// use dispatchfile_model::{Code, Limits};
/// use dispatchfile_parse::{ParseOptions, check};
/// let source = b"#!yaml\ntask:\n  test:\n    steps: [{name: test, image: golang}]\nactions:\n  - tasks: [test]\n    on: {push: {branches: [\"release/[\"]}}\n";
/// let problems = check(source, "Dispatchfile", &ParseOptions::default(), &Limits::default())
///     .expect_err("a malformed branch pattern");
/// assert_eq!(problems[0].code, Code::InvalidPattern);
/// assert!(problems.to_string().starts_with("Dispatchfile:7:28: error[invalid-pattern]: "));
/// ```
pub fn check(
    source: &[u8],
    name: &str,
    options: &ParseOptions<'_>,
    limits: &Limits,
) -> Result<Checked, Diagnostics> {
    let evaluated = evaluate(source, name, options, limits);
    let mut all = evaluated.diagnostics();
    let format = evaluated.parsed.format;
    let Decoded {
        pipeline,
        source_map,
        ..
    } = evaluated.decoded;
    let (Some(pipeline), Some(format)) = (pipeline, format) else {
        return Err(all);
    };
    if all.has_errors() {
        return Err(all);
    }
    match dispatch_trigger::compile_with_source_map(&pipeline, &source_map, limits) {
        Ok(triggers) => {
            all.append(triggers.warnings().clone());
            Ok(Checked {
                pipeline,
                triggers,
                source_map,
                format,
                warnings: all,
            })
        }
        Err(errors) => {
            all.append(errors);
            Err(all)
        }
    }
}

/// A file read as CUE only because it has no selector line, whose name says it is another
/// format, gets a hint on its first error: that is the usual reason a YAML or JSON
/// Dispatchfile fails with CUE syntax errors.
fn hint_at_extension(name: &str, text: &str, diagnostics: &mut [Diagnostic]) {
    if text.trim_start_matches('\u{feff}').starts_with("#!") {
        return;
    }
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    let is = |e: &str| extension.eq_ignore_ascii_case(e);
    let selector = if is("yaml") || is("yml") {
        "yaml"
    } else if is("json") {
        "json"
    } else if is("star") || is("starlark") || is("bzl") {
        "starlark"
    } else {
        return;
    };
    if let Some(first) = diagnostics.iter_mut().find(|d| d.is_error()) {
        first.notes.push(format!(
            "the file has no `#!` selector line, so it was read as CUE; if it is {}, make `#!{selector}` its first line (or force the format)",
            selector.to_ascii_uppercase().replace("STARLARK", "Starlark")
        ));
    }
}

/// A span in `file` over `start..end`.
pub(crate) fn span(file: FileId, start: usize, end: usize) -> Span {
    Span::new(file, start as u32, end as u32)
}

/// What a frontend returns: a document and its warnings, or every error.
pub(crate) type FrontendResult = Result<(Document, Vec<Diagnostic>), Vec<Diagnostic>>;
