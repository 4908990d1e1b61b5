//! Format detection from the first line (the selector line).

use std::fmt;

use dispatchfile_model::{Code, Diagnostic, FileId, Span};

/// A Dispatchfile format.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// CUE, the default.
    Cue,
    /// JSON (RFC 8259).
    Json,
    /// YAML 1.2.
    Yaml,
    /// Starlark with the Dispatch standard library.
    Starlark,
}

impl Format {
    /// The format's name as written in selectors (`cue`, `json`, `yaml`, `starlark`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Cue => "cue",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Starlark => "starlark",
        }
    }

    fn from_name(s: &str) -> Option<Format> {
        match s {
            "cue" => Some(Format::Cue),
            "json" => Some(Format::Json),
            "yaml" => Some(Format::Yaml),
            "starlark" => Some(Format::Starlark),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::from_name(s)
            .ok_or_else(|| format!("unknown format {s:?} (expected cue, json, yaml or starlark)"))
    }
}

/// Which Starlark standard library a Dispatchfile gets, decided by its selector line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Generation {
    /// `#!starlark` and image versions below `v0.5`: the legacy sugar is predeclared.
    Legacy,
    /// `v0.5` and later, and image selectors without a version.
    Modern,
}

/// What the first line said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// The image version (`v0.9`), when an image selector gave one.
    pub version: Option<String>,
    /// The Starlark generation the selector implies.
    pub generation: Generation,
    /// The body with the selector line blanked (same length in lines; offsets of later lines hold).
    pub body: String,
}

/// Detects the format of `text` and blanks the selector line.
///
/// `forced` overrides the selector (a conflicting selector gives a warning). Errors are
/// `unknown-format` diagnostics at 1:1.
pub fn detect(
    text: &str,
    file: FileId,
    forced: Option<Format>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Detected, Diagnostic> {
    // A leading BOM is ignored; it is replaced by spaces' worth of nothing so offsets stay: we keep
    // it out of the body by blanking it to the same number of bytes.
    let bom = text.starts_with('\u{feff}');
    let start = if bom { '\u{feff}'.len_utf8() } else { 0 };
    let rest = &text[start..];
    let line_len = rest.find('\n').unwrap_or(rest.len());
    let line = rest[..line_len].trim_end_matches('\r');
    let line_span = Span::new(file, start as u32, (start + line.len()) as u32);
    let mut found: Option<(Format, Option<String>, Generation)> = None;
    if let Some(sel) = line.strip_prefix("#!") {
        let sel = sel.trim();
        if let Some(f) = Format::from_name(sel) {
            found = Some((f, None, Generation::Legacy));
        } else if let Some(image) = image_selector(sel) {
            found = Some(image);
        } else if forced.is_none() {
            return Err(Diagnostic::error(
                Code::UnknownFormat,
                format!("unknown Dispatchfile format selector {line:?}"),
            )
            .at(Span::new(file, start as u32, start as u32 + 2)));
        }
    }
    let (format, version, mut generation) = match (forced, found) {
        (Some(f), Some((g, v, gen_))) => {
            if f != g {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::UnknownFormat,
                        format!("format forced to {f}, but the selector line says {g}"),
                    )
                    .at(line_span),
                );
            }
            (f, v, gen_)
        }
        (Some(f), None) => (f, None, Generation::Modern),
        (None, Some(x)) => x,
        (None, None) => (Format::Cue, None, Generation::Modern),
    };
    if let Some(v) = &version {
        if let Some((major, minor)) = parse_version(v) {
            generation = if (major, minor) < (0, 5) {
                Generation::Legacy
            } else {
                Generation::Modern
            };
        } else {
            generation = Generation::Modern;
            if format == Format::Starlark {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::UnknownFormat,
                        format!(
                            "cannot read selector version {v:?}; using the modern Starlark library"
                        ),
                    )
                    .at(line_span),
                );
            }
        }
    }
    // The selector line is blanked, not removed, so every later offset stays valid.
    let mut body = String::with_capacity(text.len());
    if line.starts_with("#!") || bom {
        body.extend(std::iter::repeat_n(' ', start));
        body.extend(std::iter::repeat_n(
            ' ',
            if line.starts_with("#!") {
                line.len()
            } else {
                0
            },
        ));
        body.push_str(
            &rest[if line.starts_with("#!") {
                line.len()
            } else {
                0
            }..],
        );
    } else {
        body.push_str(text);
    }
    Ok(Detected {
        format,
        version,
        generation,
        body,
    })
}

/// `(registry/owner/)dispatch-FORMAT(:VERSION)`.
fn image_selector(sel: &str) -> Option<(Format, Option<String>, Generation)> {
    if sel.contains(char::is_whitespace) {
        return None;
    }
    let image = sel.rsplit('/').next()?;
    let rest = image.strip_prefix("dispatch-")?;
    let (name, version) = match rest.split_once(':') {
        Some((n, v)) if !v.is_empty() => (n, Some(v.to_owned())),
        Some(_) => return None,
        None => (rest, None),
    };
    Some((Format::from_name(name)?, version, Generation::Modern))
}

/// `v0.9`, `0.4-beta1`, `v1.2.3` → (major, minor).
fn parse_version(v: &str) -> Option<(u64, u64)> {
    let v = v.strip_prefix('v').unwrap_or(v);
    let mut parts = v.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! detect_cases {
        ($($name:ident: $text:expr => $format:expr, $version:expr, $generation:expr;)*) => {$(
            #[test]
            fn $name() {
                let mut diags = Vec::new();
                let d = detect($text, FileId(0), None, &mut diags).expect("selector is valid");
                assert_eq!((d.format, d.version.as_deref(), d.generation), ($format, $version, $generation));
                assert_eq!(d.body.len(), $text.len(), "blanking keeps offsets");
            }
        )*};
    }

    detect_cases! {
        legacy_starlark: "#!starlark\nx = 1\n" => Format::Starlark, None, Generation::Legacy;
        legacy_with_spaces: "#! yaml \na: 1\n" => Format::Yaml, None, Generation::Legacy;
        image_modern: "#!mesosphere/dispatch-starlark:v0.9\n" => Format::Starlark, Some("v0.9"), Generation::Modern;
        image_old: "#!mesosphere/dispatch-starlark:v0.1\n" => Format::Starlark, Some("v0.1"), Generation::Legacy;
        image_no_version: "#!mesosphere/dispatch-starlark\n" => Format::Starlark, None, Generation::Modern;
        image_any_registry: "#!docker.io/mesosphere/dispatch-json:v0.6\n{}" => Format::Json, Some("v0.6"), Generation::Modern;
        beta_version: "#!takirala/dispatch-cue:v0.4-beta1\n" => Format::Cue, Some("v0.4-beta1"), Generation::Legacy;
        no_selector: "a: 1\n" => Format::Cue, None, Generation::Modern;
        bom_then_selector: "\u{feff}#!json\n{}" => Format::Json, None, Generation::Legacy;
    }

    #[test]
    fn unknown_selector_is_an_error_at_1_1() {
        let mut diags = Vec::new();
        let e = detect("#!python\n", FileId(0), None, &mut diags).expect_err("python is no format");
        assert_eq!(
            e.message,
            "unknown Dispatchfile format selector \"#!python\""
        );
        assert_eq!(e.span.map(|s| s.start), Some(0));
    }

    #[test]
    fn selector_line_is_blanked() {
        let mut diags = Vec::new();
        let d = detect("#!json\n{}", FileId(0), None, &mut diags).expect("valid");
        assert_eq!(d.body, "      \n{}");
    }

    #[test]
    fn forced_format_conflict_warns() {
        let mut diags = Vec::new();
        let d = detect("#!json\n{}", FileId(0), Some(Format::Yaml), &mut diags).expect("valid");
        assert_eq!(d.format, Format::Yaml);
        assert_eq!(diags.len(), 1);
    }
}
