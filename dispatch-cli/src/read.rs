//! Reading every input of the command (the Dispatchfile, standard input, `--event`,
//! `--payload`, `--pr-details`, `--pod-template`, vendored modules) through one bounded helper.
//!
//! Nothing is read whole before its limit is checked: at most the limit plus one byte is read,
//! so `/dev/zero` or a gigabyte file costs a megabyte, and the extra byte tells "at the limit"
//! from "over it". Only regular files (and `-`, standard input) are read: a FIFO would block
//! forever, a device can be endless, a directory is a mistake. Files are opened with
//! `O_NONBLOCK` on Unix, so opening a FIFO does not block either (without it, `open` waits for a
//! writer), and the kind is checked on the opened file, not on the path.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why an input could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Cannot be opened, is not a regular file, or reading failed: a usage error (exit 2).
    Unreadable(String),
    /// Larger than `limit` bytes: invalid input (exit 1), reported as `limit exceeded`.
    TooLarge {
        /// The field of `Limits` (`max_source_bytes`).
        limit_name: &'static str,
        /// Its value.
        limit: usize,
        /// The size, when the file says it (not for standard input).
        size: Option<u64>,
    },
}

impl ReadError {
    /// `limit exceeded: NAME (VALUE): the file has N bytes` (or `more than VALUE bytes`).
    pub(crate) fn limit_message(limit_name: &str, limit: usize, size: Option<u64>) -> String {
        let size = match size {
            Some(n) => format!("the file has {n} bytes"),
            None => format!("the input has more than {limit} bytes"),
        };
        format!("limit exceeded: {limit_name} ({limit}): {size}")
    }
}

/// Reads `path` (`-`: standard input), at most `limit` bytes; `what` names it in messages
/// (`event`, `payload`), and `limit_name` is the field of `Limits` that `limit` comes from.
pub(crate) fn read_bounded(
    path: &Path,
    what: &str,
    limit: usize,
    limit_name: &'static str,
) -> Result<Vec<u8>, ReadError> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut buf)
            .map_err(|e| {
                let sep = if what.is_empty() { "" } else { " " };
                ReadError::Unreadable(format!("cannot read {what}{sep}from standard input: {e}"))
            })?;
        return over(buf, limit, limit_name, None);
    }
    // `what` is empty for the Dispatchfile: `cannot read FILE: …`.
    let sep = if what.is_empty() { "" } else { " " };
    let unreadable = |why: String| {
        ReadError::Unreadable(format!("cannot read {what}{sep}{}: {why}", path.display()))
    };
    let file = open(path).map_err(|e| unreadable(e.to_string()))?;
    let meta = file.metadata().map_err(|e| unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(unreadable(kind_of(&meta).to_owned()));
    }
    if meta.len() > cap - 1 {
        return Err(ReadError::TooLarge {
            limit_name,
            limit,
            size: Some(meta.len()),
        });
    }
    // The file may grow after the check: the read stays bounded anyway.
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(limit));
    file.take(cap)
        .read_to_end(&mut buf)
        .map_err(|e| unreadable(e.to_string()))?;
    over(buf, limit, limit_name, Some(meta.len()))
}

/// `buf`, or `TooLarge` when it holds more than `limit` bytes.
fn over(
    buf: Vec<u8>,
    limit: usize,
    limit_name: &'static str,
    size: Option<u64>,
) -> Result<Vec<u8>, ReadError> {
    if buf.len() > limit {
        return Err(ReadError::TooLarge {
            limit_name,
            limit,
            size: size.filter(|n| *n > limit as u64),
        });
    }
    Ok(buf)
}

/// Opens `path` for reading without blocking on a FIFO.
#[cfg(unix)]
fn open(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

/// Opens `path` for reading.
#[cfg(not(unix))]
fn open(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// What a file that is not a regular file is, for the message.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "it is a FIFO (named pipe), not a regular file; pipe it to standard input with `-` instead";
        }
        if t.is_char_device() || t.is_block_device() {
            return "it is a device, not a regular file";
        }
        if t.is_socket() {
            return "it is a socket, not a regular file";
        }
    }
    if meta.is_dir() {
        "it is a directory, not a file"
    } else {
        "it is not a regular file"
    }
}

/// `bytes` as text, or where the first byte that is not UTF-8 is: its 1-based line and its
/// column (in characters), with the text up to there made lossless for a snippet.
pub(crate) fn utf8(bytes: Vec<u8>) -> Result<String, (String, usize)> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        (String::from_utf8_lossy(e.as_bytes()).into_owned(), at)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in a fresh temporary directory.
    fn temp(name: &str, contents: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("dispatch-read-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("temp file is writable");
        path
    }

    /// Contents and limit → the bytes read, or the size a `TooLarge` reports.
    macro_rules! bounded_cases {
        ($($name:ident: $contents:expr, limit $limit:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                let path = temp(stringify!($name), $contents);
                let got = read_bounded(&path, "input", $limit, "max_source_bytes");
                let _ = std::fs::remove_file(&path);
                let got = match got {
                    Ok(bytes) => Ok(bytes),
                    Err(ReadError::TooLarge { size, limit, limit_name }) => {
                        assert_eq!((limit, limit_name), ($limit, "max_source_bytes"));
                        Err(size)
                    }
                    Err(e) => panic!("{e:?}"),
                };
                let want: Result<&[u8], Option<u64>> = $want;
                assert_eq!(got.as_deref().map_err(|size| *size), want);
            }
        )*};
    }

    bounded_cases! {
        under_the_limit: b"abc", limit 4 => Ok(b"abc");
        at_the_limit: b"abcd", limit 4 => Ok(b"abcd");
        one_over_the_limit: b"abcde", limit 4 => Err(Some(5));
        empty: b"", limit 0 => Ok(b"");
        one_byte_over_nothing: b"a", limit 0 => Err(Some(1));
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = std::env::temp_dir();
        let got = read_bounded(&dir, "input", 10, "max_source_bytes");
        assert!(
            matches!(&got, Err(ReadError::Unreadable(m)) if m.contains("directory")),
            "{got:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_unread() {
        let got = read_bounded(Path::new("/dev/zero"), "input", 10, "max_source_bytes");
        assert!(
            matches!(&got, Err(ReadError::Unreadable(m)) if m.contains("device")),
            "{got:?}"
        );
    }

    #[test]
    fn a_missing_file_is_unreadable() {
        let got = read_bounded(
            Path::new("/nonexistent/dispatchfile"),
            "input",
            10,
            "max_source_bytes",
        );
        assert!(matches!(got, Err(ReadError::Unreadable(_))), "{got:?}");
    }

    #[test]
    fn invalid_utf8_is_located() {
        assert_eq!(
            utf8(b"ab\xffc".to_vec()),
            Err(("ab\u{fffd}c".to_owned(), 2))
        );
        assert_eq!(utf8(b"abc".to_vec()), Ok("abc".to_owned()));
    }

    #[test]
    fn limit_messages_name_the_limit() {
        assert_eq!(
            ReadError::limit_message("max_source_bytes", 1_048_576, Some(2_000_000)),
            "limit exceeded: max_source_bytes (1048576): the file has 2000000 bytes"
        );
        assert_eq!(
            ReadError::limit_message("max_event_bytes", 10, None),
            "limit exceeded: max_event_bytes (10): the input has more than 10 bytes"
        );
    }
}
