//! The crate's error type.

use std::fmt;

pub use dispatchfile_model::ErrorKind;

/// An error: a malformed glob, a limit exceeded, or an event or webhook payload that cannot be read.
///
/// Kind, code and position are data; the message is for people (`invalid pattern "release/[":
/// unclosed "[" at column 9`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<Repr>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Repr {
    kind: ErrorKind,
    code: &'static str,
    message: String,
    column: Option<usize>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    #[cold]
    fn new(kind: ErrorKind, code: &'static str, message: String, column: Option<usize>) -> Error {
        Error(Box::new(Repr {
            kind,
            code,
            message,
            column,
        }))
    }

    /// `invalid pattern "P": WHAT at column N` (1-based column in characters).
    #[cold]
    pub(crate) fn pattern(pattern: &str, what: &str, column: usize) -> Error {
        let message = format!("invalid pattern {pattern:?}: {what} at column {column}");
        Error::new(ErrorKind::Syntax, "invalid-pattern", message, Some(column))
    }

    /// `invalid pattern "P": WHAT` for problems of the whole pattern.
    #[cold]
    pub(crate) fn pattern_whole(pattern: &str, what: &str) -> Error {
        let message = format!("invalid pattern {pattern:?}: {what}");
        Error::new(ErrorKind::Syntax, "invalid-pattern", message, None)
    }

    /// `limit exceeded: NAME (VALUE)`.
    #[cold]
    pub(crate) fn limit(name: &str, value: impl fmt::Display) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            "limit-exceeded",
            format!("limit exceeded: {name} ({value})"),
            None,
        )
    }

    /// An event file that does not describe an event.
    #[cold]
    pub(crate) fn event(message: &str) -> Error {
        Error::new(
            ErrorKind::Syntax,
            "event",
            format!("invalid event: {message}"),
            None,
        )
    }

    /// A webhook payload that cannot be turned into an event.
    #[cfg_attr(
        not(any(feature = "github", feature = "gitlab")),
        allow(dead_code, reason = "used by the adapters")
    )]
    #[cold]
    pub(crate) fn payload(message: String) -> Error {
        Error::new(ErrorKind::Syntax, "payload", message, None)
    }

    /// The kind of error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The diagnostic code: `invalid-pattern`, `limit-exceeded`, `event` or `payload`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// The 1-based column (in characters) of a pattern error, when it has one.
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        self.0.column
    }

    /// The message.
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
