//! The crate's error type.

use std::fmt;

use dispatchfile_model::{Code, Diagnostic, FileId, Files, Span};

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
    code: Code,
    message: String,
    column: Option<usize>,
    /// The 1-based line in the event or payload text, for errors found while reading JSON.
    line: Option<usize>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    #[cold]
    fn new(kind: ErrorKind, code: Code, message: String, column: Option<usize>) -> Error {
        Error(Box::new(Repr {
            kind,
            code,
            message,
            column,
            line: None,
        }))
    }

    /// An error in a JSON text (event or payload), positioned where serde_json stopped.
    #[cold]
    pub(crate) fn in_json(code: Code, prefix: &str, e: &serde_json::Error) -> Error {
        // serde_json's message ends with its position; the position is kept as data instead.
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let bare = full.strip_suffix(&suffix).unwrap_or(&full);
        let mut error = Error::new(
            ErrorKind::Event,
            code,
            format!("{prefix}{bare}"),
            (e.line() > 0).then_some(e.column()),
        );
        error.0.line = (e.line() > 0).then_some(e.line());
        error
    }

    /// A payload that needs pull request details the caller did not give.
    #[cfg_attr(
        not(feature = "github"),
        allow(dead_code, reason = "used by the GitHub adapter")
    )]
    #[cold]
    pub(crate) fn missing_pr_details(message: &str) -> Error {
        Error::new(
            ErrorKind::Event,
            Code::MissingPrDetails,
            message.to_owned(),
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
        Error::new(ErrorKind::Event, Code::Payload, message, None)
    }

    /// `limit exceeded: NAME (VALUE)`, for an event or payload larger or deeper than `Limits`
    /// allows.
    #[cold]
    pub(crate) fn limit(name: &str, value: usize) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            Code::LimitExceeded,
            format!("limit exceeded: {name} ({value})"),
            None,
        )
    }

    /// This error at a 1-based line and column of the event or payload text (columns as
    /// serde_json counts them: the last byte of the token).
    #[cfg_attr(
        not(any(feature = "github", feature = "gitlab", feature = "gitea")),
        allow(dead_code, reason = "used by the adapters")
    )]
    #[must_use]
    pub(crate) fn at(mut self, position: Option<(usize, usize)>) -> Error {
        if let Some((line, column)) = position.filter(|(line, _)| *line > 0) {
            self.0.line = Some(line);
            self.0.column = Some(column);
        }
        self
    }

    /// The kind of error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The diagnostic code: `invalid-pattern`, `limit-exceeded`, `event` or `payload`.
    #[must_use]
    pub fn code(&self) -> Code {
        self.0.code
    }

    /// The 1-based column of the error, when it has one: in characters of the pattern for a
    /// pattern error, in bytes of the line for an error in an event or payload's JSON.
    #[must_use]
    pub fn column(&self) -> Option<usize> {
        self.0.column
    }

    /// The 1-based line of an error in an event or payload's JSON text, when it has one.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        self.0.line
    }

    /// This error as a diagnostic in `file` of `files` (the event or payload text it was read
    /// from), positioned at its line and column when it has them.
    #[must_use]
    pub fn to_diagnostic(&self, files: &Files, file: FileId) -> Diagnostic {
        let mut d = Diagnostic::error(self.0.code, self.0.message.clone());
        if let (Some(line), Some(f)) = (self.0.line, files.get(file)) {
            // serde_json's column is that of the last byte it read: the end of the token it
            // objects to.
            let at = f.offset_of(line as u32, self.0.column.unwrap_or(1) as u32) as usize;
            let text = f.text();
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            d = d.at(Span::new(file, string_start(text, at) as u32, end as u32));
        }
        d
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

/// When the token serde_json objects to is a string (a key or a value) and `last` is its closing
/// quote, the start of the string (its opening quote, on the same line); else `last`.
fn string_start(text: &str, last: usize) -> usize {
    let bytes = text.as_bytes();
    if bytes.get(last) != Some(&b'"') {
        return last;
    }
    let mut i = last;
    while i > 0 {
        i -= 1;
        match bytes[i] {
            b'\n' => return last,
            b'"' if bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0 => {
                return i;
            }
            _ => {}
        }
    }
    last
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

/// A glob error as this crate's error, message and column unchanged: a malformed pattern is
/// [`ErrorKind::Syntax`] with code `invalid-pattern`, a limit exceeded [`ErrorKind::LimitExceeded`]
/// with code `limit-exceeded`. So `?` carries a [`Glob`](crate::Glob) error into this crate's
/// [`Result`].
impl From<dispatch_glob::Error> for Error {
    #[cold]
    fn from(e: dispatch_glob::Error) -> Error {
        let (kind, code) = match e.kind() {
            dispatch_glob::ErrorKind::LimitExceeded => {
                (ErrorKind::LimitExceeded, Code::LimitExceeded)
            }
            _ => (ErrorKind::Syntax, Code::InvalidPattern),
        };
        Error::new(kind, code, e.message().to_owned(), e.column())
    }
}
