//! Go RE2 (`regexp`) semantics on top of the `regex` crate.
//!
//! Go's Perl classes are ASCII (`\s` = `[\t\n\f\r ]`, `\d` = `[0-9]`, `\w` = `[0-9A-Za-z_]`,
//! `\b` an ASCII word boundary) where Rust's are Unicode; Go reads `[` inside a class, a `{` that
//! starts no repetition, `&&`/`--`/`~~` in classes and `\Q…\E` literally or differently; Go refuses
//! repetition counts over 1000 and the flags `x`, `u`, `R`. A pattern is rewritten so that the
//! Rust regex accepts and matches what Go's does, or refused where Go refuses it.

use regex::Regex;

const SPACE: &str = r"\t\n\x0C\r ";
const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";

/// A compiled Go regular expression.
#[derive(Clone, Debug)]
pub(crate) struct Re2(Regex);

impl Re2 {
    /// Compiles `pattern` as Go's `regexp.Compile` would.
    pub(crate) fn new(pattern: &str) -> Result<Re2, String> {
        let rust = translate(pattern)?;
        regex::RegexBuilder::new(&rust)
            .size_limit(1 << 24)
            .build()
            .map(Re2)
            .map_err(|e| format!("regexp {pattern:?}: {e}"))
    }

    /// Go's `MatchString`: unanchored search.
    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }

    /// The capture groups of the leftmost match (Go's `FindStringSubmatch`).
    pub(crate) fn captures(&self, s: &str) -> Option<Vec<Option<String>>> {
        self.0
            .captures(s)
            .map(|c| c.iter().map(|m| m.map(|m| m.as_str().to_owned())).collect())
    }
}

fn escape_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || !c.is_ascii() || c == '_' {
        out.push(c);
    } else if c == ' ' {
        out.push(' ');
    } else {
        out.push('\\');
        out.push(c);
    }
}

/// Reads `{n}`, `{n,}` or `{n,m}` at the start of `rest`; `None` when it is no repetition.
/// The upper bound of a repetition.
#[derive(Clone, Copy)]
enum Max {
    /// `{n}`.
    Exact,
    /// `{n,}`.
    Open,
    /// `{n,m}`.
    Upto(u32),
}

/// Reads `{n}`, `{n,}` or `{n,m}`: (length in chars, max, min).
fn repetition(rest: &[char]) -> Option<(usize, Max, u32)> {
    if rest.first() != Some(&'{') {
        return None;
    }
    let mut i = 1;
    let start = i;
    while i < rest.len() && rest[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return None;
    }
    let min: u32 = rest[start..i].iter().collect::<String>().parse().ok()?;
    if rest.get(i) == Some(&'}') {
        return Some((i + 1, Max::Exact, min));
    }
    if rest.get(i) != Some(&',') {
        return None;
    }
    i += 1;
    let s2 = i;
    while i < rest.len() && rest[i].is_ascii_digit() {
        i += 1;
    }
    if rest.get(i) != Some(&'}') {
        return None;
    }
    let max = if i == s2 {
        Max::Open
    } else {
        Max::Upto(rest[s2..i].iter().collect::<String>().parse().ok()?)
    };
    Some((i + 1, max, min))
}

/// Rewrites a Go pattern into an equivalent Rust pattern.
pub(crate) fn translate(pattern: &str) -> Result<String, String> {
    let cs: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        match c {
            '\\' => {
                let Some(&n) = cs.get(i + 1) else {
                    return Err("trailing backslash at end of expression".into());
                };
                i += 2;
                match n {
                    'd' => out.push_str("[0-9]"),
                    'D' => out.push_str("[^0-9]"),
                    's' => out.push_str(concat!("[", r"\t\n\x0C\r ", "]")),
                    'S' => out.push_str(concat!("[^", r"\t\n\x0C\r ", "]")),
                    'w' => out.push_str("[0-9A-Za-z_]"),
                    'W' => out.push_str("[^0-9A-Za-z_]"),
                    'b' => out.push_str(r"(?-u:\b)"),
                    'B' => out.push_str(r"(?-u:\B)"),
                    'Q' => {
                        while i < cs.len() {
                            if cs[i] == '\\' && cs.get(i + 1) == Some(&'E') {
                                i += 2;
                                break;
                            }
                            escape_char(&mut out, cs[i]);
                            i += 1;
                        }
                    }
                    'p' | 'P' | 'x' => {
                        out.push('\\');
                        out.push(n);
                        if cs.get(i) == Some(&'{') {
                            while i < cs.len() {
                                out.push(cs[i]);
                                i += 1;
                                if cs[i - 1] == '}' {
                                    break;
                                }
                            }
                        } else if let Some(&k) = cs.get(i) {
                            out.push(k);
                            i += 1;
                        }
                    }
                    '1'..='9' => return Err("invalid escape sequence (backreference)".into()),
                    'C' | 'Z' | 'c' | 'e' | 'G' | 'h' | 'H' | 'k' | 'K' | 'R' | 'X' | 'N' | 'V'
                    | 'g' | 'o' | 'u' | 'U' | 'l' | 'L' | 'y' | 'Y' | 'i' | 'I' | 'j' | 'J'
                    | 'm' | 'M' | 'O' | 'q' | 'T' | 'E' | '<' | '>' => {
                        return Err(format!("invalid escape sequence \\{n}"));
                    }
                    _ => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' => {
                i = class(&cs, i, &mut out)?;
            }
            '{' => {
                if let Some((len, max, min)) = repetition(&cs[i..]) {
                    if min > 1000 || matches!(max, Max::Upto(m) if m > 1000 || m < min) {
                        return Err("invalid repeat count".into());
                    }
                    out.extend(&cs[i..i + len]);
                    i += len;
                } else {
                    out.push_str(r"\{");
                    i += 1;
                }
            }
            '}' => {
                out.push_str(r"\}");
                i += 1;
            }
            '(' if cs.get(i + 1) == Some(&'?') => {
                // (?flags) (?flags:…) (?P<name>…) (?<name>…)
                let mut j = i + 2;
                if matches!(cs.get(j), Some('P' | '<')) {
                    out.push('(');
                    out.push('?');
                    i += 2;
                    continue;
                }
                let mut flags = String::new();
                while j < cs.len() && cs[j] != ')' && cs[j] != ':' {
                    flags.push(cs[j]);
                    j += 1;
                }
                if j >= cs.len() || flags.chars().any(|f| !"imsU-".contains(f)) {
                    return Err(format!("invalid or unsupported Perl syntax: (?{flags}"));
                }
                out.push_str("(?");
                out.push_str(&flags);
                i = j;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Translates the class starting at `cs[start]` (`[`); returns the index after it.
fn class(cs: &[char], start: usize, out: &mut String) -> Result<usize, String> {
    let mut i = start + 1;
    out.push('[');
    if cs.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&c) = cs.get(i) else {
            return Err("missing closing ]".into());
        };
        if c == ']' && !first {
            out.push(']');
            return Ok(i + 1);
        }
        first = false;
        match c {
            '[' if cs.get(i + 1) == Some(&':') => {
                // [:name:] or a literal [
                let rest: String = cs[i..].iter().take(12).collect();
                if let Some(end) = rest.find(":]") {
                    let name = &rest[2..end];
                    let known = [
                        "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower",
                        "print", "punct", "space", "upper", "word", "xdigit",
                    ];
                    let bare = name.strip_prefix('^').unwrap_or(name);
                    if known.contains(&bare) {
                        out.push_str(&rest[..end + 2]);
                        i += rest[..end + 2].chars().count();
                        continue;
                    }
                }
                out.push_str(r"\[");
                i += 1;
            }
            '\\' => {
                let Some(&n) = cs.get(i + 1) else {
                    return Err("trailing backslash".into());
                };
                i += 2;
                match n {
                    'd' => out.push_str(DIGIT),
                    'D' => out.push_str("[^0-9]"),
                    's' => out.push_str(SPACE),
                    'S' => out.push_str(concat!("[^", r"\t\n\x0C\r ", "]")),
                    'w' => out.push_str(WORD),
                    'W' => out.push_str("[^0-9A-Za-z_]"),
                    'p' | 'P' | 'x' => {
                        out.push('\\');
                        out.push(n);
                        if cs.get(i) == Some(&'{') {
                            while i < cs.len() {
                                out.push(cs[i]);
                                i += 1;
                                if cs[i - 1] == '}' {
                                    break;
                                }
                            }
                        } else if let Some(&k) = cs.get(i) {
                            out.push(k);
                            i += 1;
                        }
                    }
                    _ if n.is_ascii_alphanumeric() && !"afnrtvx0".contains(n) => {
                        return Err(format!("invalid escape sequence \\{n}"));
                    }
                    _ => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            '-' if cs.get(i + 1) == Some(&'-') => {
                out.push_str(r"\-");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
}
