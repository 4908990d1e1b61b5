//! Diagnostics: problems with a severity, a code, a message and a position (SPEC §1.6, §2).

use std::fmt::Write as _;

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

/// One problem found in a Dispatchfile.
///
/// Renders as `FILE:LINE:COL: error[CODE]: MESSAGE` (see [`Diagnostic::render`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code such as `undefined-task` (SPEC §2).
    pub code: &'static str,
    /// The message: lower case, no final period, naming the element.
    pub message: String,
    /// The offending text, when it has a position.
    pub span: Option<Span>,
    /// The element path (`/task/build/steps/0/image`), empty when not applicable.
    pub path: String,
    /// Further positions, such as the first definition of a duplicate.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// An error-severity diagnostic.
    #[must_use]
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            path: String::new(),
            related: Vec::new(),
        }
    }

    /// A warning-severity diagnostic.
    #[must_use]
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
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
        let _ = write!(
            out,
            "{}[{}]: {}",
            self.severity.as_str(),
            self.code,
            self.message
        );
        out
    }

    /// The one-line form followed by the source line and a caret under the offending text, and the
    /// same for every related position.
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
        out
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
/// duplicates, as SPEC §2 asks of every batch API.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.span.map(|s| (s.file, s.start));
        key(a)
            .cmp(&key(b))
            .then(a.code.cmp(b.code))
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
        Diagnostic::error("e", "m")
            .at(Span::new(id, start, end))
            .render_with_snippet(&files, "f")
    }

    #[test]
    fn short_lines_are_shown_whole() {
        assert_eq!(
            render("a: 1\nbb: \tx y\n", 10, 13),
            "f:2:6: error[e]: m\n  |\n2 | bb: \tx y\n  |     \t^^^"
        );
    }

    #[test]
    fn a_span_running_past_its_line_is_underlined_to_the_line_end() {
        assert_eq!(
            render("ab: cd\nef\n", 4, 9),
            "f:1:5: error[e]: m\n  |\n1 | ab: cd\n  |     ^^"
        );
    }

    #[test]
    fn long_lines_show_a_piece_around_the_caret() {
        let line = format!("{}NEEDLE{}", "a".repeat(5000), "b".repeat(5000));
        let out = render(&line, 5000, 5006);
        let want = format!(
            "f:1:5001: error[e]: m\n  |\n1 | …{}NEEDLE{}…\n  | {}^^^^^^",
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
}
