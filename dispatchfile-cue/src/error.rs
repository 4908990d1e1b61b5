//! The crate's one error type.

use std::fmt;

/// A byte range in the evaluated source: `start..end`, both byte offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    #[must_use]
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    /// The smallest span covering `self` and `other`.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// What kind of problem a [`CueError`] reports.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The source is not valid CUE (in either dialect).
    Syntax,
    /// Evaluation failed: conflicting values, failed bounds, closedness, cycles, bad builtin calls.
    Evaluation,
    /// A value to export is not concrete (`string`, an ambiguous disjunction, `_`).
    Incomplete,
    /// A construct this evaluator does not implement (templates, required fields, other imports).
    Unsupported,
    /// A limit of [`Options`](crate::Options) was exceeded.
    LimitExceeded,
}

impl ErrorKind {
    /// The kind as the lower-case words used in diagnostics (`limit exceeded`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::Evaluation => "evaluation",
            ErrorKind::Incomplete => "incomplete",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::LimitExceeded => "limit exceeded",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from [`evaluate`](crate::evaluate): a kind, a message, the value path and positions.
#[derive(Clone, PartialEq, Eq)]
pub struct CueError(Box<Repr>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Repr {
    kind: ErrorKind,
    message: String,
    path: String,
    spans: Vec<Span>,
}

impl CueError {
    #[cold]
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>, spans: Vec<Span>) -> Self {
        CueError(Box::new(Repr {
            kind,
            message: message.into(),
            path: String::new(),
            spans,
        }))
    }

    #[cold]
    pub(crate) fn syntax(message: impl Into<String>, span: Span) -> Self {
        Self::new(ErrorKind::Syntax, message, vec![span])
    }

    #[cold]
    pub(crate) fn limit(field: &str, value: impl fmt::Display, span: Option<Span>) -> Self {
        Self::new(
            ErrorKind::LimitExceeded,
            format!("limit exceeded: {field} ({value})"),
            span.into_iter().collect(),
        )
    }

    pub(crate) fn with_path(mut self, path: &str) -> Self {
        path.clone_into(&mut self.0.path);
        self
    }

    /// The kind of problem.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message: lower case, no trailing period, input quoted.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The path of the value in error, like `task.test.steps.0.image`; empty at the top level or
    /// for syntax errors.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// Positions (byte offsets into the source), the primary one first; may be empty.
    #[must_use]
    pub fn spans(&self) -> &[Span] {
        &self.0.spans
    }
}

impl fmt::Debug for CueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CueError")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("path", &self.0.path)
            .field("spans", &self.0.spans)
            .finish()
    }
}

impl fmt::Display for CueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for CueError {}

/// Every error of one evaluation: what [`evaluate`](crate::evaluate) returns when it fails.
///
/// A `std::error::Error` whose `Display` prints one message per line; it derefs to a slice of
/// [`CueError`] for the kinds, messages and spans.
#[derive(Clone, Debug, PartialEq)]
pub struct CueErrors(Vec<CueError>);

impl CueErrors {
    pub(crate) fn new(errors: Vec<CueError>) -> CueErrors {
        CueErrors(errors)
    }

    /// The errors, as a vector.
    #[must_use]
    pub fn into_vec(self) -> Vec<CueError> {
        self.0
    }
}

impl std::ops::Deref for CueErrors {
    type Target = [CueError];

    fn deref(&self) -> &[CueError] {
        &self.0
    }
}

impl IntoIterator for CueErrors {
    type Item = CueError;
    type IntoIter = std::vec::IntoIter<CueError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a CueErrors {
    type Item = &'a CueError;
    type IntoIter = std::slice::Iter<'a, CueError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for CueErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CueErrors {}
