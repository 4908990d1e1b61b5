//! An ordered document tree and its YAML writer.
//!
//! Pipelines-as-Code replaces `{{ … }}` placeholders in the *text* of a PipelineRun before it
//! reads it as YAML, so the writer must keep every placeholder as written: a string holding
//! `{{` goes into a literal block scalar (`|-`), whose text is taken verbatim and in which the
//! substituted value needs no escaping, or into single quotes when a block cannot hold it. No
//! scalar is ever folded.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A YAML node, keys in insertion order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Y {
    Null,
    Bool(bool),
    /// A number, as JSON wrote it.
    Num(String),
    Str(String),
    /// A string always written in single quotes (a `{{ cel: … }}` param value).
    Single(String),
    Seq(Vec<Y>),
    Map(Vec<(String, Y)>),
}

impl Y {
    /// The value at `key` of a map.
    pub(crate) fn get(&self, key: &str) -> Option<&Y> {
        match self {
            Y::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Y::Str(s) | Y::Single(s) => Some(s),
            _ => None,
        }
    }

    /// A string node.
    pub(crate) fn s(s: impl Into<String>) -> Y {
        Y::Str(s.into())
    }

    /// Converts any serializable value, keeping the order in which it serializes its fields.
    pub(crate) fn from_serialize<T: serde::Serialize + ?Sized>(value: &T) -> Option<Y> {
        let text = serde_json::to_string(value).ok()?;
        serde_json::from_str(&text).ok()
    }
}

impl<'de> Deserialize<'de> for Y {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Y, D::Error> {
        d.deserialize_any(YVisitor)
    }
}

struct YVisitor;

impl<'de> Visitor<'de> for YVisitor {
    type Value = Y;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Y, E> {
        Ok(Y::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Y, E> {
        Ok(Y::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Y, E> {
        Ok(Y::Num(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Y, E> {
        Ok(Y::Num(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Y, E> {
        Ok(Y::Num(
            serde_json::Number::from_f64(v).map_or_else(|| "0".to_owned(), |n| n.to_string()),
        ))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Y, E> {
        Ok(Y::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Y, E> {
        Ok(Y::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Y, A::Error> {
        let mut v = Vec::new();
        while let Some(e) = seq.next_element()? {
            v.push(e);
        }
        Ok(Y::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Y, A::Error> {
        let mut v = Vec::new();
        while let Some((k, e)) = map.next_entry::<String, Y>()? {
            v.push((k, e));
        }
        Ok(Y::Map(v))
    }
}

/// Writes `doc` as one YAML document (no `---`), block style, two-space indentation.
pub(crate) fn write_document(out: &mut String, doc: &Y) {
    match doc {
        Y::Map(m) if !m.is_empty() => write_map(out, m, 0),
        Y::Seq(s) if !s.is_empty() => write_seq(out, s, 0),
        other => {
            write_inline(out, other);
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, m: &[(String, Y)], ind: usize) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        write_scalar(out, k, ind);
        out.push(':');
        write_value(out, v, ind);
    }
}

fn write_seq(out: &mut String, s: &[Y], ind: usize) {
    for (i, v) in s.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push('-');
        match v {
            Y::Map(m) if !m.is_empty() => {
                out.push(' ');
                write_map(out, m, ind + 2);
            }
            Y::Seq(s) if !s.is_empty() => {
                out.push(' ');
                write_seq(out, s, ind + 2);
            }
            _ => write_value(out, v, ind),
        }
    }
}

/// Writes what follows `key:` or `-`: a nested block, or ` scalar` and the line end.
fn write_value(out: &mut String, v: &Y, ind: usize) {
    match v {
        Y::Map(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_map(out, m, ind + 2);
        }
        Y::Seq(s) if !s.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            write_seq(out, s, ind + 2);
        }
        Y::Str(s) if s.contains("{{") || s.contains('\n') => {
            out.push(' ');
            if !write_block(out, s, ind + 2) {
                write_scalar(out, s, ind);
                out.push('\n');
            }
        }
        _ => {
            out.push(' ');
            write_inline(out, v);
            out.push('\n');
        }
    }
}

fn write_inline(out: &mut String, v: &Y) {
    match v {
        Y::Null => out.push_str("null"),
        Y::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Y::Num(n) => out.push_str(n),
        Y::Str(s) => write_scalar(out, s, 0),
        Y::Single(s) => single(out, s),
        Y::Seq(_) => out.push_str("[]"),
        Y::Map(_) => out.push_str("{}"),
    }
}

/// YAML's printable characters (c-printable), less the ones YAML 1.1 reads as line breaks and
/// the byte-order mark.
fn printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn single(out: &mut String, s: &str) {
    out.push('\'');
    out.push_str(&s.replace('\'', "''"));
    out.push('\'');
}

/// A literal block scalar holding `s` exactly, if one can; `false` (nothing written) if not.
fn write_block(out: &mut String, s: &str, content_indent: usize) -> bool {
    let ok = s.chars().all(|c| c == '\n' || printable(c))
        && s.lines().find(|l| !l.is_empty()).is_some_and(|first| {
            !first.starts_with(' ') && !first.starts_with('\t')
        })
        // Lines before the first non-empty one must be empty (they set no indentation).
        && !s.starts_with('\n');
    if !ok {
        return false;
    }
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, content_indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
    true
}

/// Words YAML 1.1 or 1.2 reads as something other than a string.
fn special(s: &str) -> bool {
    const WORDS: [&str; 12] = [
        "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~", "nan", "inf",
    ];
    WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

fn plain_ok(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/' || first == '_' || first == '$')
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ':' | '@' | '$' | '(' | ')')
        })
        && !s.ends_with(':')
        && !s.contains(":/") // keeps URLs quoted, as readers expect
        && !special(s)
}

/// A scalar on one line: plain when unambiguous, else double-quoted with escapes, or
/// single-quoted when it holds a placeholder (whose text must stay as written).
fn write_scalar(out: &mut String, s: &str, _ind: usize) {
    if plain_ok(s) {
        out.push_str(s);
    } else if s.contains("{{") && s.chars().all(printable) {
        single(out, s);
    } else {
        double(out, s);
    }
}

fn double(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                use std::fmt::Write as _;
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(y: &Y) -> String {
        let mut s = String::new();
        write_document(&mut s, y);
        s
    }

    #[test]
    fn shapes() {
        let y = Y::Map(vec![
            ("a".into(), Y::s("x")),
            (
                "b".into(),
                Y::Seq(vec![
                    Y::s("1"),
                    Y::Map(vec![("c".into(), Y::Bool(true)), ("d".into(), Y::s("yes"))]),
                ]),
            ),
            ("e".into(), Y::s("echo {{ revision }}\nls\n")),
            ("f".into(), Y::Single("{{ cel: \"a\" == x }}".into())),
            ("g".into(), Y::Map(vec![])),
            ("h".into(), Y::s("é\u{85}")),
        ]);
        assert_eq!(
            doc(&y),
            "a: x\nb:\n  - \"1\"\n  - c: true\n    d: \"yes\"\ne: |\n  echo {{ revision }}\n  ls\nf: '{{ cel: \"a\" == x }}'\ng: {}\nh: \"\\u00E9\\u0085\"\n"
        );
    }
}
