//! The crate's error type.

use std::fmt;

/// What kind of problem an [`Error`] reports.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A malformed pattern: empty, a lone `!`, an unclosed `[`, an empty class `[]`, a reversed
    /// range, a trailing `\` or unbalanced braces. Code `invalid-pattern`.
    InvalidPattern,
    /// A pattern longer than [`GlobBuilder::max_pattern_len`](crate::GlobBuilder::max_pattern_len),
    /// braces nested deeper than [`GlobBuilder::max_depth`](crate::GlobBuilder::max_depth), or a
    /// list longer than
    /// [`GlobSetBuilder::max_patterns_per_list`](crate::GlobSetBuilder::max_patterns_per_list).
    /// Code `limit-exceeded`.
    LimitExceeded,
}

impl ErrorKind {
    /// The kind as the lower-case words used in diagnostics (`invalid pattern`, `limit exceeded`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidPattern => "invalid pattern",
            ErrorKind::LimitExceeded => "limit exceeded",
        }
    }

    /// The diagnostic code of the family: `invalid-pattern` or `limit-exceeded`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidPattern => "invalid-pattern",
            ErrorKind::LimitExceeded => "limit-exceeded",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error: a malformed pattern or a limit exceeded.
///
/// Kind and column are data; the message is for people and names the pattern as written
/// (`invalid pattern "release/[": unclosed "[" at column 9`) or the limit and its value
/// (`limit exceeded: max_depth (128)`).
///
/// ```
/// use dispatch_glob::{ErrorKind, Glob};
/// let err = Glob::new("release/[").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidPattern);
/// assert_eq!(err.code(), "invalid-pattern");
/// assert_eq!(err.column(), Some(9));
/// assert_eq!(err.message(), r#"invalid pattern "release/[": unclosed "[" at column 9"#);
/// assert_eq!(err.to_string(), err.message());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Repr>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Repr {
    kind: ErrorKind,
    message: String,
    column: Option<usize>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    #[cold]
    fn new(kind: ErrorKind, message: String, column: Option<usize>) -> Error {
        Error(Box::new(Repr {
            kind,
            message,
            column,
        }))
    }

    /// `invalid pattern "P": WHAT at column N` (1-based column in characters).
    #[cold]
    pub(crate) fn pattern(pattern: &str, what: &str, column: usize) -> Error {
        let message = format!("invalid pattern {pattern:?}: {what} at column {column}");
        Error::new(ErrorKind::InvalidPattern, message, Some(column))
    }

    /// `invalid pattern "P": WHAT` for problems of the whole pattern.
    #[cold]
    pub(crate) fn pattern_whole(pattern: &str, what: &str) -> Error {
        let message = format!("invalid pattern {pattern:?}: {what}");
        Error::new(ErrorKind::InvalidPattern, message, None)
    }

    /// `limit exceeded: NAME (VALUE)`.
    #[cold]
    pub(crate) fn limit(name: &str, value: usize) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            format!("limit exceeded: {name} ({value})"),
            None,
        )
    }

    /// The kind of problem.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The diagnostic code, as [`ErrorKind::code`]: `invalid-pattern` or `limit-exceeded`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// The 1-based column of a pattern error, in characters of the pattern as written (its `!` and
    /// any [`ref_prefix`](crate::GlobBuilder::ref_prefix) counted); `None` for problems of the whole
    /// pattern (empty, nothing after the prefix) and for limits.
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        self.0.column
    }

    /// The message (what [`Display`](fmt::Display) prints): lower case, no trailing period, the
    /// pattern quoted.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}
