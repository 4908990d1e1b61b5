//! Diagnostics: problems with a severity, a code, a message and a position, and
//! [`Diagnostics`], the error type every batch API of the family returns.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use crate::code::Code;
use crate::limits::Limits;
use crate::span::{Files, Span};

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The input is rejected.
    Error,
    /// The input is accepted; the author should look.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A second position that explains a diagnostic ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One problem found in a Dispatchfile (or an event, or while lowering).
///
/// Renders as `FILE:LINE:COL: error[CODE]: MESSAGE` with [`Diagnostic::render`], which needs the
/// [`Files`] its span points into; [`Diagnostics`] carries them, so it can be printed alone.
/// `Display` of a single diagnostic prints `error[CODE]: MESSAGE` without a position.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What the problem is about, as data.
    pub code: Code,
    /// The message: lower case, no final period, naming the element.
    pub message: String,
    /// The offending text, when it has a position.
    pub span: Option<Span>,
    /// The element path (`/task/build/steps/0/image`), empty when not applicable.
    pub path: String,
    /// Further positions, such as the first definition of a duplicate.
    pub related: Vec<Related>,
    /// Hints printed after the message (`help: …`), such as a likely fix.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error-severity diagnostic.
    #[must_use]
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            path: String::new(),
            related: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A warning-severity diagnostic.
    #[must_use]
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Sets the span.
    #[must_use]
    pub fn at(mut self, span: impl Into<Option<Span>>) -> Diagnostic {
        self.span = span.into();
        self
    }

    /// Sets the element path.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = path.into();
        self
    }

    /// Adds a related position.
    #[must_use]
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a hint, printed as `help: …` after the message.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The one-line form: `FILE:LINE:COL: error[CODE]: MESSAGE`, or `FILE: …` without a position.
    ///
    /// `default_file` names the input when the diagnostic has no span.
    #[must_use]
    pub fn render(&self, files: &Files, default_file: &str) -> String {
        let mut out = String::new();
        match self
            .span
            .and_then(|s| files.get(s.file).map(|f| (f, f.position(s.start))))
        {
            Some((file, pos)) => {
                let _ = write!(out, "{}:{}:{}: ", file.name(), pos.line, pos.column);
            }
            None => {
                let _ = write!(out, "{default_file}: ");
            }
        }
        let _ = write!(out, "{self}");
        out
    }

    /// The one-line form followed by the source line and a caret under the offending text, the
    /// same for every related position, and the hints.
    #[must_use]
    pub fn render_with_snippet(&self, files: &Files, default_file: &str) -> String {
        let mut out = self.render(files, default_file);
        if let Some(span) = self.span {
            snippet(&mut out, files, span, "");
        }
        for related in &self.related {
            if let Some(f) = files.get(related.span.file) {
                let pos = f.position(related.span.start);
                let _ = write!(
                    out,
                    "\n  note: {} at {}:{}:{}",
                    related.message,
                    f.name(),
                    pos.line,
                    pos.column
                );
                snippet(&mut out, files, related.span, "");
            }
        }
        for note in &self.notes {
            let _ = write!(out, "\n  help: {note}");
        }
        out
    }

    /// The diagnostic as one JSON object (what `dispatch --message-format json` prints, one per
    /// line): `severity`, `code`, `message`, `path`, `notes`, and, when positioned, `file`,
    /// `line`, `column`, `end_line`, `end_column` (1-based, columns in characters) and the byte
    /// offsets `start` and `end`; `related` holds the same position fields and a `message`.
    ///
    /// `default_file` names the input when the diagnostic has no span.
    #[must_use]
    pub fn to_json(&self, files: &Files, default_file: &str) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert("severity".into(), self.severity.as_str().into());
        object.insert("code".into(), self.code.as_str().into());
        object.insert("message".into(), self.message.clone().into());
        position_fields(&mut object, files, self.span, default_file);
        object.insert("path".into(), self.path.clone().into());
        let related = self
            .related
            .iter()
            .map(|r| {
                let mut o = serde_json::Map::new();
                o.insert("message".into(), r.message.clone().into());
                position_fields(&mut o, files, Some(r.span), default_file);
                serde_json::Value::Object(o)
            })
            .collect();
        object.insert("related".into(), serde_json::Value::Array(related));
        object.insert(
            "notes".into(),
            self.notes
                .iter()
                .map(|n| serde_json::Value::String(n.clone()))
                .collect(),
        );
        serde_json::Value::Object(object)
    }
}

/// `file` and, when `span` resolves, the line/column and byte fields of [`Diagnostic::to_json`].
fn position_fields(
    object: &mut serde_json::Map<String, serde_json::Value>,
    files: &Files,
    span: Option<Span>,
    default_file: &str,
) {
    match span.and_then(|s| files.get(s.file).map(|f| (s, f))) {
        Some((s, f)) => {
            let start = f.position(s.start);
            let end = f.position(s.end.max(s.start));
            object.insert("file".into(), f.name().into());
            object.insert("line".into(), start.line.into());
            object.insert("column".into(), start.column.into());
            object.insert("end_line".into(), end.line.into());
            object.insert("end_column".into(), end.column.into());
            object.insert("start".into(), s.start.into());
            object.insert("end".into(), s.end.max(s.start).into());
        }
        None => {
            object.insert("file".into(), default_file.into());
        }
    }
}

impl fmt::Display for Diagnostic {
    /// `error[CODE]: MESSAGE`, without a position (see [`Diagnostic::render`] for one).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.severity.as_str(),
            self.code,
            self.message
        )
    }
}

/// Every problem one step found, with the source texts their spans point into: the error type
/// of the family's batch APIs, and the warnings of their results.
///
/// It is a `std::error::Error`, so `?` carries it into `Box<dyn Error>` or `anyhow`; its
/// `Display` prints each diagnostic as `FILE:LINE:COL: error[CODE]: MESSAGE` with the source line
/// and a caret (or without a position when it has no sources), one after another. It derefs to a
/// slice of [`Diagnostic`], sorted by position then code.
///
/// ```
/// use dispatchfile_model::{Code, Diagnostic, Diagnostics, Files, Span};
/// let mut files = Files::new();
/// let file = files.add("Dispatchfile", "task: {}\n");
/// let problems = Diagnostics::new(vec![
///     Diagnostic::error(Code::MissingField, "pipeline defines no tasks").at(Span::new(file, 0, 4)),
/// ])
/// .with_sources(files.into());
/// assert!(problems.has_errors());
/// assert_eq!(problems[0].code, Code::MissingField);
/// assert_eq!(
///     problems.to_string(),
///     "Dispatchfile:1:1: error[missing-field]: pipeline defines no tasks\n  |\n1 | task: {}\n  | ^^^^"
/// );
/// ```
#[derive(Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    sources: Option<Arc<Files>>,
    omitted: Omitted,
}

impl Diagnostics {
    /// The diagnostics of `list`, sorted by position then code, exact duplicates removed; no
    /// sources yet (see [`Diagnostics::with_sources`]).
    #[must_use]
    pub fn new(mut list: Vec<Diagnostic>) -> Diagnostics {
        sort_diagnostics(&mut list);
        Diagnostics {
            list,
            sources: None,
            omitted: Omitted::default(),
        }
    }

    /// Records diagnostics that were counted but not kept (see [`DiagnosticsBuilder`]); they
    /// are added to those already recorded.
    #[must_use]
    pub fn with_omitted(mut self, omitted: Omitted) -> Diagnostics {
        self.omitted = self.omitted + omitted;
        self
    }

    /// How many diagnostics were left out by the caps of [`Limits::max_diagnostics_per_code`]
    /// and [`Limits::max_diagnostics`]: counted, but not in the list.
    #[must_use]
    pub fn omitted(&self) -> Omitted {
        self.omitted
    }

    /// Attaches the source texts the spans point into, so that `Display` shows positions.
    #[must_use]
    pub fn with_sources(mut self, sources: Arc<Files>) -> Diagnostics {
        self.sources = Some(sources);
        self
    }

    /// Attaches `sources` when there are any.
    #[must_use]
    pub fn with_sources_opt(mut self, sources: Option<Arc<Files>>) -> Diagnostics {
        if sources.is_some() {
            self.sources = sources;
        }
        self
    }

    /// The source texts the spans point into, when known.
    #[must_use]
    pub fn sources(&self) -> Option<&Arc<Files>> {
        self.sources.as_ref()
    }

    /// Whether any diagnostic is an error, including errors left out of the list by the caps
    /// (see [`Diagnostics::omitted`]).
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.omitted.errors > 0 || has_errors(&self.list)
    }

    /// The errors in the list (not those left out, see [`Diagnostics::omitted`]).
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter().filter(|d| d.is_error())
    }

    /// The warnings in the list (not those left out, see [`Diagnostics::omitted`]).
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter().filter(|d| !d.is_error())
    }

    /// The diagnostics, as a vector.
    #[must_use]
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }

    /// Adds `other`'s diagnostics (keeping the order sorted) and its count of omitted ones, and
    /// takes its sources if this has none.
    pub fn append(&mut self, other: Diagnostics) {
        if self.sources.is_none() {
            self.sources = other.sources;
        }
        self.omitted = self.omitted + other.omitted;
        self.list.extend(other.list);
        sort_diagnostics(&mut self.list);
    }

    /// The name of the first source file (the Dispatchfile), for diagnostics without a span.
    fn default_name(&self) -> &str {
        self.sources
            .as_deref()
            .and_then(|f| f.get(crate::span::FileId(0)))
            .map_or("", |f| f.name())
    }

    /// Each diagnostic in its one-line form with snippets, as [`Diagnostic::render_with_snippet`];
    /// `default_file` names the input for diagnostics without a position. When some were left
    /// out, a last line says how many ([`Omitted`]'s `Display`).
    #[must_use]
    pub fn render(&self, default_file: &str) -> String {
        let empty = Files::new();
        let files = self.sources.as_deref().unwrap_or(&empty);
        let mut out = String::new();
        for (i, d) in self.list.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&d.render_with_snippet(files, default_file));
        }
        if !self.omitted.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = write!(out, "{}", self.omitted);
        }
        out
    }

    /// Each diagnostic as one compact JSON object per line ([`Diagnostic::to_json`]), each line
    /// ending in a newline; when some were left out, a last line holds
    /// [`Omitted::to_json`].
    #[must_use]
    pub fn to_json_lines(&self, default_file: &str) -> String {
        let empty = Files::new();
        let files = self.sources.as_deref().unwrap_or(&empty);
        let mut out = String::new();
        for d in &self.list {
            out.push_str(&d.to_json(files, default_file).to_string());
            out.push('\n');
        }
        if !self.omitted.is_empty() {
            out.push_str(&self.omitted.to_json().to_string());
            out.push('\n');
        }
        out
    }
}

/// How many diagnostics were counted but not kept, because of the caps
/// [`Limits::max_diagnostics_per_code`] and [`Limits::max_diagnostics`].
///
/// `Display` gives the line printed after the diagnostics that were kept:
///
/// ```
/// use dispatchfile_model::Omitted;
/// let omitted = Omitted::new(2, 519_000);
/// assert_eq!(
///     omitted.to_string(),
///     "… and 519,002 more diagnostics (2 errors, 519,000 warnings) not shown"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Omitted {
    /// Errors left out.
    pub errors: usize,
    /// Warnings left out.
    pub warnings: usize,
}

impl Omitted {
    /// `errors` errors and `warnings` warnings left out.
    #[must_use]
    pub fn new(errors: usize, warnings: usize) -> Omitted {
        Omitted { errors, warnings }
    }

    /// Errors and warnings together.
    #[must_use]
    pub fn total(self) -> usize {
        self.errors.saturating_add(self.warnings)
    }

    /// Whether nothing was left out.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.total() == 0
    }

    /// Counts one diagnostic of `severity`.
    pub fn count(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors = self.errors.saturating_add(1),
            Severity::Warning => self.warnings = self.warnings.saturating_add(1),
        }
    }

    /// The summary object `dispatch --message-format json` prints last when diagnostics were
    /// left out: `{"summary": true, "message": …, "not_shown": N, "errors_not_shown": E,
    /// "warnings_not_shown": W}`, with the message of `Display`.
    #[must_use]
    pub fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "summary": true,
            "message": self.to_string(),
            "not_shown": self.total(),
            "errors_not_shown": self.errors,
            "warnings_not_shown": self.warnings,
        })
    }
}

impl std::ops::Add for Omitted {
    type Output = Omitted;

    fn add(self, other: Omitted) -> Omitted {
        Omitted {
            errors: self.errors.saturating_add(other.errors),
            warnings: self.warnings.saturating_add(other.warnings),
        }
    }
}

impl fmt::Display for Omitted {
    /// `… and N more diagnostics (E errors, W warnings) not shown`, numbers with thousands
    /// separators.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "… and {} more diagnostic{} ({} error{}, {} warning{}) not shown",
            Thousands(self.total()),
            plural(self.total()),
            Thousands(self.errors),
            plural(self.errors),
            Thousands(self.warnings),
            plural(self.warnings),
        )
    }
}

/// A number with `,` between groups of three digits.
struct Thousands(usize);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Collects diagnostics as they are found, keeping at most
/// [`Limits::max_diagnostics_per_code`] of each code and [`Limits::max_diagnostics`] in all, and
/// counting the rest: a step that finds a mistake repeated in bulk keeps memory and output
/// proportional to the caps, not to the input.
///
/// [`DiagnosticsBuilder::push_with`] builds a diagnostic only when it is kept, so messages past
/// the caps are never formatted. The first error is kept whatever the caps, so an error result
/// always shows one. [`DiagnosticsBuilder::has_errors`] counts the
/// errors that were left out too.
///
/// ```
/// use dispatchfile_model::{Code, Diagnostic, DiagnosticsBuilder, Limits, Severity};
/// let mut limits = Limits::default();
/// limits.max_diagnostics_per_code = 2;
/// let mut b = DiagnosticsBuilder::new(&limits);
/// for i in 0..5 {
///     b.push_with(Severity::Warning, Code::MissingImage, || {
///         Diagnostic::warning(Code::MissingImage, format!("step #{i} has no image"))
///     });
/// }
/// let d = b.build();
/// assert_eq!(d.len(), 2);
/// assert_eq!(d.omitted().warnings, 3);
/// assert!(!d.has_errors());
/// ```
#[derive(Clone, Debug)]
pub struct DiagnosticsBuilder {
    list: Vec<Diagnostic>,
    /// Diagnostics kept, by code (`Code as usize`).
    per_code: Vec<usize>,
    max_per_code: usize,
    max_total: usize,
    kept_errors: usize,
    omitted: Omitted,
}

impl Default for DiagnosticsBuilder {
    /// A builder with the caps of [`Limits::default`].
    fn default() -> DiagnosticsBuilder {
        DiagnosticsBuilder::new(&Limits::default())
    }
}

impl DiagnosticsBuilder {
    /// An empty builder with the caps of `limits`.
    #[must_use]
    pub fn new(limits: &Limits) -> DiagnosticsBuilder {
        DiagnosticsBuilder {
            list: Vec::new(),
            per_code: vec![0; Code::ALL.len()],
            max_per_code: limits.max_diagnostics_per_code,
            max_total: limits.max_diagnostics,
            kept_errors: 0,
            omitted: Omitted::default(),
        }
    }

    /// Whether a diagnostic of `severity` and `code` would be kept now: under both caps, or
    /// the first error (so that an error result always shows one).
    #[must_use]
    pub fn keeps(&self, severity: Severity, code: Code) -> bool {
        let of_code = self.per_code.get(code as usize).copied().unwrap_or(0);
        (of_code < self.max_per_code && self.list.len() < self.max_total)
            || (severity == Severity::Error && self.kept_errors == 0)
    }

    /// Adds `d`, or counts it when a cap is reached.
    pub fn push(&mut self, d: Diagnostic) {
        if self.keeps(d.severity, d.code) {
            self.keep(d);
        } else {
            self.omitted.count(d.severity);
        }
    }

    /// Adds the diagnostic `make` builds, calling it only when a diagnostic of `severity` and
    /// `code` is kept; otherwise counts one of `severity`.
    pub fn push_with(&mut self, severity: Severity, code: Code, make: impl FnOnce() -> Diagnostic) {
        if self.keeps(severity, code) {
            self.keep(make());
        } else {
            self.omitted.count(severity);
        }
    }

    /// Counts a diagnostic of `severity` as left out, for a caller that found with
    /// [`DiagnosticsBuilder::keeps`] that it would not be kept and so did not build it.
    pub fn omit(&mut self, severity: Severity) {
        self.omitted.count(severity);
    }

    fn keep(&mut self, d: Diagnostic) {
        if let Some(n) = self.per_code.get_mut(d.code as usize) {
            *n += 1;
        }
        if d.is_error() {
            self.kept_errors += 1;
        }
        self.list.push(d);
    }

    /// Adds every diagnostic of `diagnostics` (as [`DiagnosticsBuilder::push`]).
    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        for d in diagnostics {
            self.push(d);
        }
    }

    /// Adds the diagnostics of `other` (as [`DiagnosticsBuilder::push`]) and its count of
    /// omitted ones.
    pub fn append(&mut self, other: Diagnostics) {
        self.omitted = self.omitted + other.omitted;
        self.extend(other.list);
    }

    /// Whether an error was added, kept or not.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// How many errors were added, kept or not.
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.kept_errors.saturating_add(self.omitted.errors)
    }

    /// How many diagnostics are kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether nothing was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty() && self.omitted.is_empty()
    }

    /// The diagnostics kept so far, in the order they were added.
    #[must_use]
    pub fn kept(&self) -> &[Diagnostic] {
        &self.list
    }

    /// Drops the kept diagnostics for which `keep` is false (their slots are free again).
    pub fn retain(&mut self, mut keep: impl FnMut(&Diagnostic) -> bool) {
        let per_code = &mut self.per_code;
        let kept_errors = &mut self.kept_errors;
        self.list.retain(|d| {
            let k = keep(d);
            if !k {
                if let Some(n) = per_code.get_mut(d.code as usize) {
                    *n = n.saturating_sub(1);
                }
                if d.is_error() {
                    *kept_errors = kept_errors.saturating_sub(1);
                }
            }
            k
        });
    }

    /// How many diagnostics were counted but not kept.
    #[must_use]
    pub fn omitted(&self) -> Omitted {
        self.omitted
    }

    /// The kept diagnostics, sorted as [`sort_diagnostics`] sorts them, and the count of the
    /// others.
    #[must_use]
    pub fn into_parts(mut self) -> (Vec<Diagnostic>, Omitted) {
        sort_diagnostics(&mut self.list);
        (self.list, self.omitted)
    }

    /// The diagnostics, sorted, with the count of those left out.
    #[must_use]
    pub fn build(self) -> Diagnostics {
        let (list, omitted) = self.into_parts();
        Diagnostics {
            list,
            sources: None,
            omitted,
        }
    }
}

impl std::ops::Deref for Diagnostics {
    type Target = [Diagnostic];

    fn deref(&self) -> &[Diagnostic] {
        &self.list
    }
}

impl fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.list).finish()
    }
}

impl PartialEq for Diagnostics {
    /// Equal when the diagnostics and the counts of omitted ones are (the sources are not
    /// compared).
    fn eq(&self, other: &Diagnostics) -> bool {
        self.list == other.list && self.omitted == other.omitted
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sources.is_some() {
            return f.write_str(&self.render(self.default_name()));
        }
        for (i, d) in self.list.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
            if !d.path.is_empty() {
                write!(f, " (at {})", d.path)?;
            }
        }
        if !self.omitted.is_empty() {
            if !self.list.is_empty() {
                f.write_str("\n")?;
            }
            write!(f, "{}", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics::new(vec![d])
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(list: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics::new(list)
    }
}

impl From<Diagnostics> for Vec<Diagnostic> {
    fn from(d: Diagnostics) -> Vec<Diagnostic> {
        d.list
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// Bytes of a source line shown before the start of a span, and from it: a long line (a
/// minified JSON file, a YAML flow list) shows only the piece around the caret, cut with `…`.
const SHOWN_BEFORE: usize = 60;
const SHOWN_AFTER: usize = 100;

/// Appends `  |` lines with the text of the span's first line and carets under the span.
fn snippet(out: &mut String, files: &Files, span: Span, label: &str) {
    let Some(file) = files.get(span.file) else {
        return;
    };
    let start = file.position(span.start);
    let end = file.position(span.end.max(span.start));
    let (piece, from, cut_before, cut_after) =
        file.line_piece(span.start, SHOWN_BEFORE, SHOWN_AFTER);
    // Offsets into the piece, moved forward to character boundaries (an offset may fall inside
    // a character): `a..b` then holds the characters that start in it.
    let boundary = |offset: usize| {
        let mut i = offset.clamp(from, from + piece.len()) - from;
        while !piece.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let at = boundary(span.start as usize);
    let lead = if cut_before { "…" } else { "" };
    let width = if end.line == start.line {
        piece[at..boundary(span.end as usize)]
            .chars()
            .count()
            .max(1)
    } else {
        // To the end of the line (or of the piece shown).
        piece[at..].chars().count().max(1)
    };
    let gutter = start.line.to_string();
    let pad = " ".repeat(gutter.len());
    let trail = if cut_after { "…" } else { "" };
    let _ = write!(out, "\n{pad} |\n{gutter} | {lead}{piece}{trail}\n{pad} | ");
    // Keep tabs so the caret lines up under tab-indented text.
    let before = &piece[..at];
    if before.contains('\t') {
        for c in lead.chars().chain(before.chars()) {
            out.push(if c == '\t' { '\t' } else { ' ' });
        }
    } else {
        let n = lead.chars().count() + before.chars().count();
        out.extend(std::iter::repeat_n(' ', n));
    }
    out.push_str(&"^".repeat(width));
    if !label.is_empty() {
        out.push(' ');
        out.push_str(label);
    }
}

/// Sorts diagnostics by position (unpositioned first), then code, then message, and removes exact
/// duplicates, the order every API that reports a batch of diagnostics uses.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.span.map(|s| (s.file, s.start));
        key(a)
            .cmp(&key(b))
            .then(a.code.as_str().cmp(b.code.as_str()))
            .then(a.message.cmp(&b.message))
    });
    diagnostics.dedup();
}

/// Whether any diagnostic is an error.
#[must_use]
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, start: u32, end: u32) -> String {
        let mut files = Files::new();
        let id = files.add("f", text);
        Diagnostic::error(Code::Parse, "m")
            .at(Span::new(id, start, end))
            .render_with_snippet(&files, "f")
    }

    #[test]
    fn short_lines_are_shown_whole() {
        assert_eq!(
            render("a: 1\nbb: \tx y\n", 10, 13),
            "f:2:6: error[parse]: m\n  |\n2 | bb: \tx y\n  |     \t^^^"
        );
    }

    #[test]
    fn a_span_running_past_its_line_is_underlined_to_the_line_end() {
        assert_eq!(
            render("ab: cd\nef\n", 4, 9),
            "f:1:5: error[parse]: m\n  |\n1 | ab: cd\n  |     ^^"
        );
    }

    #[test]
    fn long_lines_show_a_piece_around_the_caret() {
        let line = format!("{}NEEDLE{}", "a".repeat(5000), "b".repeat(5000));
        let out = render(&line, 5000, 5006);
        let want = format!(
            "f:1:5001: error[parse]: m\n  |\n1 | …{}NEEDLE{}…\n  | {}^^^^^^",
            "a".repeat(SHOWN_BEFORE),
            "b".repeat(SHOWN_AFTER - 6),
            " ".repeat(SHOWN_BEFORE + 1),
        );
        assert_eq!(out, want);
    }

    #[test]
    fn carets_stop_where_the_piece_does() {
        let line = "c".repeat(1000);
        let out = render(&line, 10, 900);
        let last = out.lines().last().unwrap_or_default();
        assert_eq!(
            last,
            format!("  | {}{}", " ".repeat(10), "^".repeat(SHOWN_AFTER))
        );
        assert!(
            out.contains(&format!("1 | {}…", "c".repeat(10 + SHOWN_AFTER))),
            "{out}"
        );
    }

    fn two_problems() -> Diagnostics {
        let mut files = Files::new();
        let id = files.add("Dispatchfile", "task:\n  b: {}\n");
        Diagnostics::new(vec![
            Diagnostic::warning(Code::EmptyPipeline, "pipeline defines no tasks"),
            Diagnostic::error(Code::MissingField, "task \"b\" has no steps")
                .at(Span::new(id, 8, 9))
                .with_path("/task/b")
                .with_note("add a step"),
        ])
        .with_sources(Arc::new(files))
    }

    #[test]
    fn diagnostics_display_renders_every_problem_with_its_source() {
        assert_eq!(
            two_problems().to_string(),
            "Dispatchfile: warning[empty-pipeline]: pipeline defines no tasks\n\
             Dispatchfile:2:3: error[missing-field]: task \"b\" has no steps\n  |\n2 |   b: {}\n  |   ^\n  help: add a step"
        );
    }

    #[test]
    fn diagnostics_display_without_sources_names_paths() {
        let d = Diagnostics::new(vec![
            Diagnostic::error(
                Code::UndefinedDep,
                "task \"a\": dependency \"x\" is not a task",
            )
            .with_path("/task/a/deps/0"),
        ]);
        assert_eq!(
            d.to_string(),
            "error[undefined-dep]: task \"a\": dependency \"x\" is not a task (at /task/a/deps/0)"
        );
    }

    #[test]
    fn diagnostics_sort_and_split_errors_from_warnings() {
        let d = two_problems();
        assert!(d.has_errors());
        assert_eq!(d.errors().count(), 1);
        assert_eq!(d.warnings().count(), 1);
        assert_eq!(d[0].code, Code::EmptyPipeline, "unpositioned first");
    }

    #[test]
    fn append_keeps_the_order_and_the_sources() {
        let mut d = Diagnostics::new(vec![Diagnostic::error(Code::Cycle, "c")]);
        d.append(two_problems());
        assert!(d.sources().is_some());
        let codes: Vec<_> = d.iter().map(|x| x.code.as_str()).collect();
        assert_eq!(codes, ["cycle", "empty-pipeline", "missing-field"]);
    }

    #[test]
    fn json_lines_carry_positions_and_notes() {
        let lines = two_problems().to_json_lines("Dispatchfile");
        let second = lines.lines().nth(1).expect("two lines");
        let v: serde_json::Value = serde_json::from_str(second).expect("JSON");
        assert_eq!(v["code"], "missing-field");
        assert_eq!(v["severity"], "error");
        assert_eq!(
            (v["line"].as_u64(), v["column"].as_u64()),
            (Some(2), Some(3))
        );
        assert_eq!((v["start"].as_u64(), v["end"].as_u64()), (Some(8), Some(9)));
        assert_eq!(v["file"], "Dispatchfile");
        assert_eq!(v["path"], "/task/b");
        assert_eq!(v["notes"][0], "add a step");
        let first: serde_json::Value =
            serde_json::from_str(lines.lines().next().expect("a line")).expect("JSON");
        assert_eq!(first["file"], "Dispatchfile");
        assert!(first.get("line").is_none(), "no position, no line");
    }

    /// `(severity, code)` pushed in order, with caps `(per code, total)` → `(kept codes,
    /// omitted errors, omitted warnings)`.
    macro_rules! builder_cases {
        ($($name:ident: caps ($per:expr, $total:expr), [$(($sev:ident, $code:ident)),* $(,)?] => ([$($kept:ident),* $(,)?], $oe:expr, $ow:expr);)*) => {$(
            #[test]
            fn $name() {
                let mut limits = Limits::default();
                limits.max_diagnostics_per_code = $per;
                limits.max_diagnostics = $total;
                let mut b = DiagnosticsBuilder::new(&limits);
                let mut built = 0;
                $(
                    b.push_with(Severity::$sev, Code::$code, || {
                        built += 1;
                        Diagnostic { severity: Severity::$sev, ..Diagnostic::error(Code::$code, format!("m{built}")) }
                    });
                )*
                let errors_seen = b.error_count();
                let d = b.build();
                let kept: Vec<Code> = d.iter().map(|x| x.code).collect();
                let want: Vec<Code> = vec![$(Code::$kept),*];
                assert_eq!(kept, want, "kept");
                assert_eq!((d.omitted().errors, d.omitted().warnings), ($oe, $ow), "omitted");
                assert_eq!(built, want.len(), "only kept diagnostics are built");
                assert_eq!(errors_seen, d.errors().count() + $oe, "every error counts");
            }
        )*};
    }

    builder_cases! {
        nothing_capped: caps (10, 10), [(Warning, Cycle), (Error, Parse)] => ([Cycle, Parse], 0, 0);
        per_code: caps (2, 10), [(Warning, Cycle), (Warning, Cycle), (Warning, Cycle), (Error, Parse)] => ([Cycle, Cycle, Parse], 0, 1);
        total: caps (10, 2), [(Warning, Cycle), (Warning, Type), (Warning, Parse)] => ([Cycle, Type], 0, 1);
        first_error_past_the_total: caps (10, 2), [(Warning, Cycle), (Warning, Type), (Error, Parse), (Error, Load)] => ([Cycle, Parse, Type], 1, 0);
        errors_counted_when_capped: caps (1, 10), [(Error, Parse), (Error, Parse), (Error, Parse)] => ([Parse], 2, 0);
        zero_caps_keep_one_error: caps (0, 0), [(Warning, Cycle), (Error, Parse), (Error, Load)] => ([Parse], 1, 1);
        first_error_past_its_code_cap: caps (1, 10), [(Warning, UnknownField), (Error, UnknownField), (Error, UnknownField)] => ([UnknownField, UnknownField], 1, 0);
    }

    #[test]
    fn retained_away_diagnostics_free_their_slots() {
        let limits = Limits {
            max_diagnostics_per_code: 1,
            ..Limits::default()
        };
        let mut b = DiagnosticsBuilder::new(&limits);
        b.push(Diagnostic::error(Code::Parse, "a"));
        b.retain(|d| d.message != "a");
        assert!(!b.has_errors(), "the only error was dropped");
        b.push(Diagnostic::error(Code::Parse, "b"));
        assert_eq!(b.build().len(), 1, "its slot was free again");
    }

    #[test]
    fn omitted_counts_render_last_and_as_json() {
        let d = two_problems().with_omitted(Omitted::new(1, 1_234_567));
        let text = d.to_string();
        assert!(
            text.ends_with(
                "\n… and 1,234,568 more diagnostics (1 error, 1,234,567 warnings) not shown"
            ),
            "{text}"
        );
        let lines = d.to_json_lines("Dispatchfile");
        let last: serde_json::Value =
            serde_json::from_str(lines.lines().last().expect("lines")).expect("JSON");
        assert_eq!(last["summary"], true);
        assert_eq!(last["not_shown"], 1_234_568);
        assert_eq!(last["errors_not_shown"], 1);
        assert_eq!(last["warnings_not_shown"], 1_234_567);
        let mut other = Diagnostics::default();
        other.append(d);
        assert_eq!(
            other.omitted(),
            Omitted::new(1, 1_234_567),
            "append keeps the counts"
        );
        assert!(
            Diagnostics::default()
                .with_omitted(Omitted::new(1, 0))
                .has_errors(),
            "an error not shown is an error"
        );
    }

    #[test]
    fn diagnostics_are_an_error_for_question_mark() {
        fn fails() -> Result<(), Box<dyn std::error::Error>> {
            Err(two_problems())?;
            Ok(())
        }
        let err = fails().expect_err("an error");
        assert!(err.to_string().contains("error[missing-field]"));
    }
}
