//! YAML text of an exported value, as CUE v0.4's `encoding/yaml` writes it: block style with
//! two-space indentation (a list under a key is indented too), `{}` and `[]` for empty
//! values, and strings plain whenever a YAML reader would read them back as the same string.
//!
//! A string is double-quoted when it would otherwise read as another type (null, a boolean,
//! including the YAML 1.1 words such as `on`, `yes` and `n`, a number, a timestamp) or holds
//! characters that need escapes; single-quoted when its first character or some sequence in
//! it is YAML syntax (`- x`, `a: b`, `#x`, surrounding spaces); written as a literal block
//! (`|`) when it has several lines. Numbers keep the text the export gives them.

use crate::{Field, Value};
use std::fmt::Write as _;

/// The YAML document of `v`, ending with a newline.
pub(crate) fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    if is_empty_or_scalar(v) {
        scalar(&mut out, v, 2);
    } else {
        node(&mut out, v, 0, false);
    }
    out
}

/// Whether `v` is written on one line (`{}` and `[]` included).
fn is_empty_or_scalar(v: &Value) -> bool {
    match v {
        Value::Struct(f) => f.is_empty(),
        Value::List(l) => l.is_empty(),
        _ => true,
    }
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A non-empty struct or list at `indent`; `inline_first` when its first line continues a
/// line already begun (after `- `).
fn node(out: &mut String, v: &Value, indent: usize, inline_first: bool) {
    match v {
        Value::Struct(fields) => {
            for (i, Field { name, value, .. }) in fields.iter().enumerate() {
                if i > 0 || !inline_first {
                    pad(out, indent);
                }
                key(out, name);
                out.push(':');
                match &value.value {
                    c if !is_empty_or_scalar(c) => {
                        out.push('\n');
                        node(out, c, indent + 2, false);
                    }
                    c => {
                        out.push(' ');
                        scalar(out, c, indent + 2);
                    }
                }
            }
        }
        Value::List(items) => {
            for (i, it) in items.iter().enumerate() {
                if i > 0 || !inline_first {
                    pad(out, indent);
                }
                out.push_str("- ");
                match &it.value {
                    c if !is_empty_or_scalar(c) => node(out, c, indent + 2, true),
                    c => scalar(out, c, indent + 2),
                }
            }
        }
        other => scalar(out, other, indent),
    }
}

/// A scalar (or an empty struct or list) and its line end; a literal block's lines at
/// `indent`.
fn scalar(out: &mut String, v: &Value, indent: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => match style(s) {
            Style::Literal => {
                literal(out, s, indent);
                return;
            }
            st => quoted(out, s, st),
        },
        Value::List(_) => out.push_str("[]"),
        Value::Struct(_) => out.push_str("{}"),
    }
    out.push('\n');
}

/// A struct key: a string written on one line.
fn key(out: &mut String, s: &str) {
    match style(s) {
        Style::Literal => quoted(out, s, Style::Double),
        st => quoted(out, s, st),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

fn quoted(out: &mut String, s: &str, st: Style) {
    match st {
        Style::Single => {
            out.push('\'');
            out.push_str(&s.replace('\'', "''"));
            out.push('\'');
        }
        Style::Double => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\r' => out.push_str("\\r"),
                    '\n' => out.push_str("\\n"),
                    '\u{85}' => out.push_str("\\N"),
                    c if (c as u32) < 0x20 || c == '\u{7f}' => {
                        let _ = write!(out, "\\x{:02x}", c as u32);
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        _ => out.push_str(s),
    }
}

/// `|` block of a string with line breaks: chomping `-` without a final line break, `+` with
/// more than one, an indentation indicator when the text starts with a space or a break.
fn literal(out: &mut String, s: &str, indent: usize) {
    out.push('|');
    if s.starts_with([' ', '\n']) {
        out.push('2');
    }
    let body = s.trim_end_matches('\n');
    match s.len() - body.len() {
        0 => out.push('-'),
        1 if !body.is_empty() => {}
        _ => out.push('+'),
    }
    out.push('\n');
    if !body.is_empty() {
        for line in body.split('\n') {
            if !line.is_empty() {
                pad(out, indent);
                out.push_str(line);
            }
            out.push('\n');
        }
    }
    for _ in 1..s.len() - body.len() {
        out.push('\n');
    }
}

fn style(s: &str) -> Style {
    if s.is_empty() {
        return Style::Double;
    }
    if s.chars().any(|c| {
        (c != '\n' && (c as u32) < 0x20) || c == '\u{7f}' || c == '\u{85}' || c == '\u{feff}'
    }) {
        return Style::Double;
    }
    if s.contains('\n') {
        return Style::Literal;
    }
    if reads_as_other(s) || s == "---" {
        return Style::Double;
    }
    if needs_single(s) {
        return Style::Single;
    }
    Style::Plain
}

/// Whether YAML (1.2 as read by Go, or the 1.1 words readers still honour) would read the
/// plain text `s` as something other than this string.
fn reads_as_other(s: &str) -> bool {
    matches!(
        s,
        "~" | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "y"
            | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "t"
            | "T"
            | "f"
            | "F"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
            | ".nan"
            | ".NaN"
            | ".NAN"
    ) || number(s)
        || timestamp(s)
}

/// An integer or float in any notation YAML readers accept: decimal with `_`, `0x`, `0o`,
/// `0b`, exponents, a leading or trailing `.`, or base 60 (`1:20`).
fn number(s: &str) -> bool {
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    let b = t.as_bytes();
    if b.is_empty() {
        return false;
    }
    for (prefix, ok) in [
        ("0x", u8::is_ascii_hexdigit as fn(&u8) -> bool),
        ("0o", |c: &u8| (b'0'..=b'7').contains(c)),
        ("0b", |c: &u8| *c == b'0' || *c == b'1'),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return !rest.is_empty() && rest.bytes().all(|c| c == b'_' || ok(&c));
        }
    }
    if !(b[0].is_ascii_digit() || b[0] == b'.') {
        return false;
    }
    // Base 60: digits, then `:` groups of one or two digits.
    if t.contains(':') {
        let mut parts = t.split(':');
        let first = parts.next().unwrap_or_default();
        return first.bytes().all(|c| c.is_ascii_digit() || c == b'_')
            && parts.all(|p| {
                let p = p.split('.').next().unwrap_or_default();
                (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit())
            });
    }
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], Some(&t[i + 1..])),
        None => (t, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let dots = mantissa.bytes().filter(|&c| c == b'.').count();
    let mantissa_ok = digits > 0
        && dots <= 1
        && mantissa
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'_' || c == b'.');
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
    });
    mantissa_ok && exp_ok
}

/// A date (`2001-12-14`) or a date and time: YAML readers take it for a timestamp.
fn timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if !(digits(0..4) && b.get(4) == Some(&b'-')) {
        return false;
    }
    let rest = &s[5..];
    let mut parts = rest.splitn(3, '-');
    let month = parts.next().unwrap_or_default();
    let day: String = parts
        .next()
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (1..=2).contains(&month.len())
        && month.bytes().all(|c| c.is_ascii_digit())
        && (1..=2).contains(&day.len())
}

/// Whether plain text `s` would be read as YAML syntax: an indicator first (`-`, `?` and
/// `:` only before a space or alone), spaces around, `: ` or ` #` inside, `:` last, a
/// document marker, or a line separator.
fn needs_single(s: &str) -> bool {
    let b = s.as_bytes();
    let first = b[0];
    if b",[]{}#&*!|>'\"%@`".contains(&first) {
        return true;
    }
    if b"-?:".contains(&first) && b.get(1).is_none_or(|&c| c == b' ') {
        return true;
    }
    s.starts_with(' ')
        || s.ends_with(' ')
        || s.ends_with(':')
        || s.contains(": ")
        || s.contains(" #")
        || s.starts_with("---")
        || s.starts_with("...")
        || s.contains(['\u{2028}', '\u{2029}'])
}
