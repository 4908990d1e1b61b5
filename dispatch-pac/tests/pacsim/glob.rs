//! gobwas/glob v0.2.3 compiled without separators, as PaC compiles its annotation globs:
//! `*` and `**` match any run of characters, `/` included; `?` one character; `[abc]`, `[a-z]`,
//! `[!…]` one character in (or not in) a set or range; `{a,b}` alternatives (nestable); `\`
//! escapes. The pattern is turned into an anchored Rust regex over characters.

use regex::Regex;

/// A compiled glob.
#[derive(Clone, Debug)]
pub(crate) struct Glob(Regex);

#[derive(Debug, PartialEq)]
enum Tok {
    Text(String),
    Any,
    Single,
    TermsOpen,
    Sep,
    TermsClose,
    Range { not: bool, lo: char, hi: char },
    List { not: bool, chars: String },
}

fn lex(p: &str) -> Result<Vec<Tok>, String> {
    let cs: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut terms = 0usize;
    while i < cs.len() {
        let c = cs[i];
        match c {
            '{' => {
                terms += 1;
                out.push(Tok::TermsOpen);
                i += 1;
            }
            ',' if terms > 0 => {
                out.push(Tok::Sep);
                i += 1;
            }
            '}' if terms > 0 => {
                terms -= 1;
                out.push(Tok::TermsClose);
                i += 1;
            }
            '?' => {
                out.push(Tok::Single);
                i += 1;
            }
            '*' => {
                out.push(Tok::Any);
                i += if cs.get(i + 1) == Some(&'*') { 2 } else { 1 };
            }
            '[' => {
                i += 1;
                let mut not = false;
                if cs.get(i) == Some(&'!') {
                    not = true;
                    i += 1;
                }
                let Some(&first) = cs.get(i) else {
                    return Err("unexpected end of input".into());
                };
                if cs.get(i + 1) == Some(&'-') {
                    let Some(&hi) = cs.get(i + 2) else {
                        return Err("unexpected end of input".into());
                    };
                    if cs.get(i + 3) != Some(&']') {
                        return Err("expected close range character".into());
                    }
                    if hi < first {
                        return Err("hi character should be greater than lo".into());
                    }
                    if first == '\0' || hi == '\0' {
                        return Err("could not parse range".into());
                    }
                    out.push(Tok::Range { not, lo: first, hi });
                    i += 4;
                } else {
                    let mut chars = String::new();
                    let mut escaped = false;
                    loop {
                        let Some(&k) = cs.get(i) else {
                            return Err("unexpected end of input".into());
                        };
                        if !escaped && k == '\\' {
                            escaped = true;
                            i += 1;
                            continue;
                        }
                        if !escaped && k == ']' {
                            break;
                        }
                        escaped = false;
                        chars.push(k);
                        i += 1;
                    }
                    i += 1;
                    if chars.is_empty() {
                        return Err("could not parse range".into());
                    }
                    out.push(Tok::List { not, chars });
                }
            }
            _ => {
                let mut text = String::new();
                let mut escaped = false;
                while i < cs.len() {
                    let k = cs[i];
                    if !escaped {
                        if k == '\\' {
                            escaped = true;
                            i += 1;
                            continue;
                        }
                        if matches!(k, '?' | '*' | '[' | '{')
                            || (terms > 0 && matches!(k, '}' | ','))
                        {
                            break;
                        }
                    }
                    escaped = false;
                    text.push(k);
                    i += 1;
                }
                if escaped {
                    return Err("trailing backslash".into());
                }
                if !text.is_empty() {
                    out.push(Tok::Text(text));
                }
            }
        }
    }
    Ok(out)
}

fn class_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || !c.is_ascii() {
        out.push(c);
    } else {
        out.push('\\');
        out.push(c);
    }
}

impl Glob {
    /// Compiles like `glob.Compile(pattern)` (no separators).
    pub(crate) fn new(pattern: &str) -> Result<Glob, String> {
        let toks = lex(pattern)?;
        let mut re = String::from(r"\A(?s:");
        // The parser keeps going past an unclosed `{` (the group ends at the end of input);
        // a `}` or `,` only counts inside a group, as lexed.
        let mut depth = 0usize;
        for t in &toks {
            match t {
                Tok::Text(s) => re.push_str(&regex::escape(s)),
                Tok::Any => re.push_str(".*"),
                Tok::Single => re.push('.'),
                Tok::TermsOpen => {
                    depth += 1;
                    re.push_str("(?:");
                }
                Tok::Sep => re.push('|'),
                Tok::TermsClose => {
                    depth -= 1;
                    re.push(')');
                }
                Tok::Range { not, lo, hi } => {
                    re.push('[');
                    if *not {
                        re.push('^');
                    }
                    class_char(&mut re, *lo);
                    re.push('-');
                    class_char(&mut re, *hi);
                    re.push(']');
                }
                Tok::List { not, chars } => {
                    re.push('[');
                    if *not {
                        re.push('^');
                    }
                    for c in chars.chars() {
                        class_char(&mut re, c);
                    }
                    re.push(']');
                }
            }
        }
        for _ in 0..depth {
            re.push(')');
        }
        re.push_str(r")\z");
        Regex::new(&re)
            .map(Glob)
            .map_err(|e| format!("glob {pattern:?}: {e}"))
    }

    /// Whether the whole of `s` matches.
    pub(crate) fn is_match(&self, s: &str) -> bool {
        self.0.is_match(s)
    }
}
