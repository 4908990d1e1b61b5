//! A parsed glob written as a regular expression, for tools that match elsewhere (Go's RE2 in
//! Pipelines-as-Code CEL, for one). The text uses only syntax RE2 and the `regex` crate read the
//! same way, and holds no brace or quote: ASCII punctuation is written `\xHH`.

use std::fmt::Write;

use crate::parse::{Class, Tok};

/// Appends `c` so that a regular expression reads it as itself, outside or inside a class.
pub(crate) fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' || c == '/' {
        out.push(c);
    } else if c.is_ascii() {
        let _ = write!(out, "\\x{:02x}", u32::from(c));
    } else {
        out.push(c);
    }
}

/// Appends a sequence of tokens.
pub(crate) fn push_seq(out: &mut String, toks: &[Tok]) {
    for t in toks {
        match t {
            Tok::Lit(c) => push_literal(out, *c),
            Tok::Any => out.push_str("[^/]"),
            Tok::Star => out.push_str("[^/]*"),
            Tok::AnyStar => out.push_str(".*"),
            Tok::DirStar => out.push_str("(?:.*/)?"),
            Tok::Class(class) => push_class(out, class),
            Tok::Alt(alts) => {
                out.push_str("(?:");
                for (i, a) in alts.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    push_seq(out, a);
                }
                out.push(')');
            }
        }
    }
}

fn push_range(out: &mut String, lo: char, hi: char) {
    push_literal(out, lo);
    if hi != lo {
        out.push('-');
        push_literal(out, hi);
    }
}

/// A class from its parsed form: the ASCII members as runs, the non-ASCII ranges as written. A
/// negated class is written as `[^…]` of what it leaves out (`/` among them).
fn push_class(out: &mut String, class: &Class) {
    let negated = class.is_negated();
    let mut body = String::new();
    let mut b = 0u8;
    while b < 128 {
        if class.matches_ascii(b) != negated {
            let lo = b;
            while b < 127 && class.matches_ascii(b + 1) != negated {
                b += 1;
            }
            push_range(&mut body, char::from(lo), char::from(b));
        }
        b += 1;
    }
    for &(lo, hi) in class.non_ascii_ranges() {
        push_range(&mut body, lo.max('\u{80}'), hi);
    }
    if negated {
        out.push_str("[^");
        out.push_str(&body);
        out.push(']');
    } else if body.is_empty() {
        // Nothing matches (nothing follows the end of the text).
        out.push_str("(?:$.)");
    } else {
        out.push('[');
        out.push_str(&body);
        out.push(']');
    }
}
