//! The model crate's error type.

use std::fmt;

use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// What went wrong, as data.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text is not well-formed in its format.
    Syntax,
    /// The text is well-formed but evaluating it failed (CUE conflicts, Starlark errors).
    Evaluation,
    /// The document does not describe a valid pipeline.
    Validation,
    /// A module could not be loaded.
    Load,
    /// The input uses something this implementation does not support.
    Unsupported,
    /// A bound in [`crate::Limits`] was exceeded.
    LimitExceeded,
    /// An event or a webhook payload does not describe an event.
    Event,
}

impl ErrorKind {
    /// The name used in messages (`syntax`, `limit exceeded`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::Evaluation => "evaluation",
            ErrorKind::Validation => "validation",
            ErrorKind::Load => "load",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::LimitExceeded => "limit exceeded",
            ErrorKind::Event => "event",
        }
    }
}

/// An error with a kind, a diagnostic code, a message and (when the source has one) a span.
///
/// The representation is boxed so that `Result<T, Error>` stays one pointer wide.
#[derive(Clone, Debug, PartialEq)]
pub struct Error(Box<Repr>);

#[derive(Clone, Debug, PartialEq)]
struct Repr {
    kind: ErrorKind,
    code: Code,
    message: String,
    span: Option<Span>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error. `code` is a stable diagnostic code (`parse`, `type`, …).
    #[cold]
    #[must_use]
    pub fn new(
        kind: ErrorKind,
        code: Code,
        message: impl Into<String>,
        span: Option<Span>,
    ) -> Error {
        Error(Box::new(Repr {
            kind,
            code,
            message: message.into(),
            span,
        }))
    }

    /// A `limit exceeded` error naming the limit and its value.
    #[cold]
    #[must_use]
    pub fn limit(name: &str, value: impl fmt::Display, span: Option<Span>) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            Code::LimitExceeded,
            format!("limit exceeded: {name} ({value})"),
            span,
        )
    }

    /// The kind of error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The diagnostic code.
    #[must_use]
    pub fn code(&self) -> Code {
        self.0.code
    }

    /// The message, without position.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Where the problem is, when the source has a position.
    #[must_use]
    pub fn span(&self) -> Option<Span> {
        self.0.span
    }

    /// This error as an error-severity [`Diagnostic`].
    #[must_use]
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error(self.0.code, self.0.message.clone()).at(self.0.span)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

impl From<Error> for Diagnostic {
    fn from(e: Error) -> Diagnostic {
        e.to_diagnostic()
    }
}
