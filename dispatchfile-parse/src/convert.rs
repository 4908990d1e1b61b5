//! `dispatch convert`: a pipeline written out as a YAML, JSON or CUE Dispatchfile, and a CUE
//! Dispatchfile in the 2019 dialect rewritten into modern CUE at the source level.

use std::fmt::Write as _;

use dispatchfile_model::{
    Code, Diagnostic, Diagnostics, Limits, Pipeline, to_canonical_json, to_canonical_value,
};
use serde_json::Value as Json;

use crate::{Format, ParseOptions, evaluate};

/// The format [`convert`] writes.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// CUE: a CUE file rewritten into modern CUE, any other format as CUE data.
    Cue,
    /// YAML with a `#!yaml` selector line.
    Yaml,
    /// JSON with a `#!json` selector line.
    Json,
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cue" => Ok(Target::Cue),
            "yaml" => Ok(Target::Yaml),
            "json" => Ok(Target::Json),
            _ => Err(format!("unknown target {s:?} (cue, yaml or json)")),
        }
    }
}

/// The pipeline as a JSON Dispatchfile: the `#!json` selector line, then its canonical JSON.
///
/// ```
/// let p: dispatchfile_model::Pipeline = Default::default();
/// assert_eq!(dispatchfile_parse::to_json_dispatchfile(&p), "#!json\n{}\n");
/// ```
#[must_use]
pub fn to_json_dispatchfile(pipeline: &Pipeline) -> String {
    format!("#!json\n{}", to_canonical_json(pipeline))
}

/// The pipeline as a YAML Dispatchfile: the `#!yaml` selector line, then its canonical form in
/// block style, keys sorted, and every string that YAML 1.1 or 1.2 could read as something
/// else (`on`, `yes`, `1.10`, `08`, `null`, `*…`) quoted.
///
/// ```
/// let p: dispatchfile_model::Pipeline = Default::default();
/// assert_eq!(dispatchfile_parse::to_yaml_dispatchfile(&p), "#!yaml\n{}\n");
/// ```
#[must_use]
pub fn to_yaml_dispatchfile(pipeline: &Pipeline) -> String {
    let mut out = String::from("#!yaml\n");
    let v = to_canonical_value(pipeline);
    match &v {
        Json::Object(m) if !m.is_empty() => yaml_map(&mut out, m, 0),
        other => {
            yaml_inline(&mut out, other);
            out.push('\n');
        }
    }
    out
}

/// The pipeline as CUE data: its canonical form as CUE fields (keys sorted, single-field
/// structs written as label chains `on: push: branches: [...]`), no selector line needed.
///
/// ```
/// let p: dispatchfile_model::Pipeline = Default::default();
/// assert_eq!(dispatchfile_parse::to_cue_dispatchfile(&p), "{}\n");
/// ```
#[must_use]
pub fn to_cue_dispatchfile(pipeline: &Pipeline) -> String {
    let mut out = String::new();
    if let Json::Object(m) = to_canonical_value(pipeline) {
        for (k, v) in sorted(&m) {
            cue_field(&mut out, k, v, 0);
        }
    }
    if out.is_empty() {
        // An empty file is not a Dispatchfile: the empty pipeline is an empty struct.
        out.push_str("{}\n");
    }
    out
}

fn sorted(m: &serde_json::Map<String, Json>) -> Vec<(&String, &Json)> {
    let mut v: Vec<_> = m.iter().collect();
    v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    v
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push_str("  ");
    }
}

// ---- YAML ----

fn yaml_map(out: &mut String, m: &serde_json::Map<String, Json>, indent: usize) {
    for (i, (k, v)) in sorted(m).into_iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        yaml_string(out, k, indent);
        out.push(':');
        yaml_value_after_key(out, v, indent);
    }
}

/// A value after `key:`: inline for scalars and empty collections, else on the next lines.
fn yaml_value_after_key(out: &mut String, v: &Json, indent: usize) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            out.push('\n');
            pad(out, indent + 1);
            yaml_map(out, m, indent + 1);
        }
        Json::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_seq(out, a, indent + 1);
        }
        other => {
            out.push(' ');
            yaml_scalar(out, other, indent + 1);
            out.push('\n');
        }
    }
}

fn yaml_seq(out: &mut String, a: &[Json], indent: usize) {
    for v in a {
        pad(out, indent);
        out.push('-');
        yaml_item(out, v, indent);
    }
}

/// A sequence item after its `-`.
fn yaml_item(out: &mut String, v: &Json, indent: usize) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            out.push(' ');
            yaml_map(out, m, indent + 1);
        }
        Json::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_seq(out, a, indent + 1);
        }
        other => {
            out.push(' ');
            yaml_scalar(out, other, indent + 1);
            out.push('\n');
        }
    }
}

fn yaml_scalar(out: &mut String, v: &Json, indent: usize) {
    match v {
        Json::String(s) => yaml_string(out, s, indent),
        other => yaml_inline(out, other),
    }
}

/// Scalars and empty collections on one line.
fn yaml_inline(out: &mut String, v: &Json) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => double_quoted(out, s),
        Json::Array(a) if a.is_empty() => out.push_str("[]"),
        Json::Object(m) if m.is_empty() => out.push_str("{}"),
        // Not reached: non-empty collections are written in block style.
        other => out.push_str(&other.to_string()),
    }
}

/// A string: plain where no YAML 1.1 or 1.2 reader could take it for anything else, a literal
/// block for multi-line text, else double-quoted.
fn yaml_string(out: &mut String, s: &str, indent: usize) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else if is_block_safe(s) {
        literal_block(out, s, indent);
    } else {
        double_quoted(out, s);
    }
}

/// Words YAML 1.1 reads as booleans or null (YAML 1.2 as null), compared ignoring case.
const YAML_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // Letters, `_`, `/` and `$` start a plain scalar that no schema reads as a number, date,
    // boolean or null, and that no indicator begins.
    if !(first.is_ascii_alphabetic() || matches!(first, '_' | '/' | '$')) {
        return false;
    }
    if YAML_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
        return false;
    }
    if s.ends_with([' ', ':']) || s.contains(": ") || s.contains(" #") || s.contains("  ") {
        return false;
    }
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '_' | '-' | '.' | '/' | ':' | '$' | '(' | ')' | '=' | '+' | '@' | '~' | '%'
            )
    })
}

/// Multi-line text that a literal block (`|`) carries exactly: printable, no line with
/// trailing spaces, not starting with a space or a line end.
fn is_block_safe(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && s.chars()
            .all(|c| c == '\n' || (!c.is_control() && is_yaml_printable(c)))
        && s.split('\n').all(|l| !l.ends_with([' ', '\t']))
}

fn literal_block(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

fn is_yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// A double-quoted string for YAML or CUE: `"`, `\` and everything not printable escaped.
fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || !is_yaml_printable(c) || c == '\u{85}' => {
                if (c as u32) > 0xffff {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                } else {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---- CUE ----

fn cue_field(out: &mut String, key: &str, v: &Json, indent: usize) {
    pad(out, indent);
    cue_label(out, key);
    out.push_str(": ");
    // Single-field structs become label chains: `on: push: branches: [...]`.
    let mut v = v;
    while let Json::Object(m) = v {
        if m.len() != 1 {
            break;
        }
        let Some((k, inner)) = m.iter().next() else {
            break;
        };
        cue_label(out, k);
        out.push_str(": ");
        v = inner;
    }
    cue_value(out, v, indent);
    out.push('\n');
}

fn cue_value(out: &mut String, v: &Json, indent: usize) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => double_quoted(out, s),
        Json::Array(a) if a.is_empty() => out.push_str("[]"),
        Json::Object(m) if m.is_empty() => out.push_str("{}"),
        Json::Array(a) => {
            let simple = a
                .iter()
                .all(|x| !matches!(x, Json::Array(_) | Json::Object(_)));
            if simple {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    cue_value(out, x, indent);
                }
                out.push(']');
            } else {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    pad(out, indent + 1);
                    cue_value(out, x, indent + 1);
                }
                out.push('\n');
                pad(out, indent);
                out.push(']');
            }
        }
        Json::Object(m) => {
            out.push_str("{\n");
            for (k, x) in sorted(m) {
                cue_field(out, k, x, indent + 1);
            }
            pad(out, indent);
            out.push('}');
        }
    }
}

/// Words CUE gives a meaning of their own: quoted when used as labels.
const CUE_WORDS: &[&str] = &[
    "for", "in", "if", "let", "import", "package", "true", "false", "null", "_", "div", "mod",
    "quo", "rem",
];

fn cue_label(out: &mut String, key: &str) {
    let ident = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$'))
        && !CUE_WORDS.contains(&key);
    if ident {
        out.push_str(key);
    } else {
        double_quoted(out, key);
    }
}

// ---- the whole conversion ----

/// Converts a Dispatchfile to `target`, after checking that it evaluates.
///
/// YAML and JSON (and CUE from a non-CUE file) are written from the evaluated pipeline; a CUE
/// file converted to CUE is rewritten at the source level ([`dispatchfile_cue::modernize`]),
/// keeping comments, layout, definitions and comprehensions, with its `#!` selector line
/// turned into a `//` comment. Every result is evaluated again and must give the same
/// canonical pipeline as the input.
///
/// # Errors
///
/// The input's diagnostics when it does not evaluate; an `unsupported`-style diagnostic at the
/// construct the CUE rewrite cannot carry over exactly.
pub fn convert(
    source: &[u8],
    name: &str,
    target: Target,
    options: &ParseOptions<'_>,
    limits: &Limits,
) -> Result<String, Diagnostics> {
    let evaluated = evaluate(source, name, options, limits);
    let all = evaluated.diagnostics();
    let format = evaluated.parsed.format;
    let files = std::sync::Arc::clone(&evaluated.parsed.files);
    let Some(pipeline) = evaluated.decoded.pipeline.filter(|_| !all.has_errors()) else {
        return Err(all);
    };
    let out = match (target, format) {
        (Target::Json, _) => to_json_dispatchfile(&pipeline),
        (Target::Yaml, _) => to_yaml_dispatchfile(&pipeline),
        (Target::Cue, Some(Format::Cue)) => {
            let text = std::str::from_utf8(source).unwrap_or_default();
            modernize_dispatchfile(text, limits).map_err(|errors| {
                let file = files.iter().next().map(|(id, _)| id);
                let ds = errors
                    .iter()
                    .map(|e| {
                        let mut d = Diagnostic::error(Code::Cue, e.message().to_owned());
                        if let (Some(file), Some(s)) = (file, e.spans().first()) {
                            // The rewrite saw the text without a byte order mark (3 bytes
                            // fewer) and with the selector line a comment (3 bytes more).
                            let bom = text.starts_with('\u{feff}');
                            let selector = text.trim_start_matches('\u{feff}').starts_with("#!");
                            let (less, more) =
                                (if bom { 3 } else { 0 }, if selector { 3 } else { 0 });
                            let at = |x: u32| (x + less).saturating_sub(more);
                            let start = at(s.start);
                            let end = at(s.end).max(start);
                            d = d.at(dispatchfile_model::Span::new(file, start, end));
                        }
                        d
                    })
                    .collect();
                Diagnostics::new(ds).with_sources(std::sync::Arc::clone(&files))
            })?
        }
        (Target::Cue, _) => to_cue_dispatchfile(&pipeline),
    };
    // The result must describe the same pipeline.
    let mut forced = *options;
    forced.format = None;
    let again = evaluate(out.as_bytes(), name, &forced, limits);
    let clean = !again.diagnostics().has_errors();
    let same = again
        .decoded
        .pipeline
        .filter(|_| clean)
        .is_some_and(|p| to_canonical_json(&p) == to_canonical_json(&pipeline));
    if !same {
        let d = Diagnostic::error(
            Code::Cue,
            "the converted file does not evaluate to the same pipeline; nothing was converted",
        );
        return Err(Diagnostics::new(vec![d]).with_sources(files));
    }
    Ok(out)
}

/// A CUE Dispatchfile rewritten into modern CUE: a leading byte order mark is dropped, the `#!`
/// selector line (if any) becomes a `//` comment, the rest goes through
/// [`dispatchfile_cue::modernize`].
///
/// # Errors
///
/// The rewrite's errors, positioned in the text with the selector line as a comment.
pub fn modernize_dispatchfile(
    text: &str,
    limits: &Limits,
) -> Result<String, dispatchfile_cue::CueErrors> {
    // A byte order mark is dropped: the selector line must come first to become a comment.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let commented;
    let body = if text.starts_with("#!") {
        commented = format!("// {text}");
        &commented
    } else {
        text
    };
    let mut options = dispatchfile_cue::Options::default();
    options.max_source_bytes = limits.max_source_bytes.saturating_add(3);
    options.max_depth = limits.max_depth;
    dispatchfile_cue::modernize(body, &options)
}
