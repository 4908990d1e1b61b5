//! Differential fuzzing of the glob dialect and the list rule against a plain reference: a
//! translation of the pattern to a `regex` written here from the documented syntax table, independent of
//! `dispatch-glob`'s parser and NFA.
//!
//! Input: the first line holds up to eight patterns separated by tabs; every line (patterns
//! included) is a name to match. Checked: `Glob::new` accepts exactly what the reference accepts
//! (same error code), prints back as written, equals `s.parse()`, matches exactly what the
//! reference regex matches, and a `GlobSet` follows the list rule over its members.
#![no_main]

use dispatch_glob::{Glob, GlobSetBuilder};
use regex::{Regex, RegexBuilder};

/// The default `max_pattern_len` and `max_depth` of `GlobBuilder` (those of `Limits`).
const MAX_LEN: usize = 1024;
const MAX_DEPTH: usize = 128;

/// Why the reference rejects a pattern: `invalid-pattern` or `limit-exceeded`.
type RefResult = Result<(bool, String), &'static str>;

/// Translates `pattern` into an anchored regex text, following the documented syntax table literally.
fn reference(pattern: &str) -> RefResult {
    if pattern.len() > MAX_LEN {
        return Err("limit-exceeded");
    }
    if pattern.is_empty() {
        return Err("invalid-pattern");
    }
    let (negated, body) = match pattern.strip_prefix('!') {
        Some("") => return Err("invalid-pattern"),
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let chars: Vec<char> = body.chars().collect();
    let mut pos = 0;
    let mut out = String::from("(?s)^(?:");
    translate(&chars, &mut pos, 0, &mut out)?;
    if pos < chars.len() {
        return Err("invalid-pattern"); // a `}` with no `{`
    }
    out.push_str(")$");
    Ok((negated, out))
}

fn lit(c: char, out: &mut String) {
    out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
}

fn class_char(c: char) -> String {
    format!("\\x{{{:x}}}", u32::from(c))
}

/// One sequence; inside braces (`depth > 0`) it stops before an unescaped `,` or `}`.
fn translate(
    chars: &[char],
    pos: &mut usize,
    depth: usize,
    out: &mut String,
) -> Result<(), &'static str> {
    while let Some(&c) = chars.get(*pos) {
        match c {
            '\\' => {
                let next = *chars.get(*pos + 1).ok_or("invalid-pattern")?;
                lit(next, out);
                *pos += 2;
            }
            '*' => {
                let start = *pos;
                while chars.get(*pos) == Some(&'*') {
                    *pos += 1;
                }
                if *pos - start == 1 {
                    out.push_str("[^/]*");
                } else if chars.get(*pos) == Some(&'/') {
                    *pos += 1;
                    out.push_str("(?:.*/)?"); // zero or more whole directories
                } else {
                    out.push_str(".*");
                }
            }
            '?' => {
                out.push_str("[^/]");
                *pos += 1;
            }
            '[' => {
                *pos += 1;
                let negated = matches!(chars.get(*pos), Some('!' | '^'));
                if negated {
                    *pos += 1;
                }
                let mut items = String::new();
                let mut count = 0;
                loop {
                    let c = *chars.get(*pos).ok_or("invalid-pattern")?;
                    if c == ']' {
                        if count == 0 {
                            return Err("invalid-pattern"); // `[]`
                        }
                        *pos += 1;
                        break;
                    }
                    let lo = if c == '\\' {
                        *pos += 2;
                        *chars.get(*pos - 1).ok_or("invalid-pattern")?
                    } else {
                        *pos += 1;
                        c
                    };
                    let dash_range = chars.get(*pos) == Some(&'-')
                        && !matches!(chars.get(*pos + 1), Some(']') | None);
                    if dash_range {
                        *pos += 1;
                        let h = *chars.get(*pos).ok_or("invalid-pattern")?;
                        let hi = if h == '\\' {
                            *pos += 2;
                            *chars.get(*pos - 1).ok_or("invalid-pattern")?
                        } else {
                            *pos += 1;
                            h
                        };
                        if hi < lo {
                            return Err("invalid-pattern");
                        }
                        items.push_str(&format!("{}-{}", class_char(lo), class_char(hi)));
                    } else {
                        items.push_str(&class_char(lo));
                    }
                    count += 1;
                }
                if negated {
                    out.push_str(&format!("[^/{items}]"));
                } else {
                    out.push_str(&format!("[[{items}]&&[^/]]"));
                }
            }
            '{' => {
                if depth + 1 > MAX_DEPTH {
                    return Err("limit-exceeded");
                }
                *pos += 1;
                out.push_str("(?:");
                loop {
                    translate(chars, pos, depth + 1, out)?;
                    match chars.get(*pos) {
                        Some(',') => {
                            out.push('|');
                            *pos += 1;
                        }
                        Some('}') => {
                            *pos += 1;
                            break;
                        }
                        _ => return Err("invalid-pattern"),
                    }
                }
                out.push(')');
            }
            '}' => return Ok(()),
            ',' if depth > 0 => return Ok(()),
            _ => {
                lit(c, out);
                *pos += 1;
            }
        }
    }
    Ok(())
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let patterns: Vec<&str> = lines.next().unwrap_or("").split('\t').take(8).collect();
    let mut names: Vec<&str> = lines.take(16).collect();
    names.extend(patterns.iter().copied());
    names.push("");

    let mut compiled = Vec::new();
    for &p in &patterns {
        let ours = Glob::new(p);
        let theirs = reference(p);
        match (&ours, &theirs) {
            (Err(e), Err(code)) => assert_eq!(e.code(), *code, "error code for {p:?}: {e}"),
            (Ok(_), Err(code)) => panic!("Glob::new accepted {p:?}, the reference says {code}"),
            (Err(e), Ok(_)) => panic!("Glob::new rejected {p:?} ({e}), the reference accepts it"),
            (Ok(glob), Ok((negated, re))) => {
                assert_eq!(glob.to_string(), p, "a glob prints back as written");
                assert_eq!(glob.glob(), p);
                assert_eq!(
                    p.parse::<Glob>().as_ref().ok(),
                    Some(glob),
                    "FromStr agrees with Glob::new"
                );
                assert_eq!(glob.is_negated(), *negated, "negation of {p:?}");
                // The reference is a plain regex; a pattern too big for it is not compared.
                let Ok(re) = RegexBuilder::new(re).size_limit(1 << 22).build() else {
                    continue;
                };
                let m = glob.compile_matcher();
                for name in &names {
                    assert_eq!(
                        m.is_match(name),
                        re.is_match(name),
                        "pattern {p:?} against {name:?} (regex {re})"
                    );
                }
                compiled.push((glob.clone(), re));
            }
        }
    }

    // The list rule over the patterns that compiled.
    let mut builder = GlobSetBuilder::new();
    for (g, _) in &compiled {
        builder.add(g.clone());
    }
    let set = builder
        .build()
        .expect("at most eight patterns are within max_patterns_per_list");
    assert_eq!(set.len(), compiled.len());
    let positives: Vec<&Regex> = compiled
        .iter()
        .filter(|(g, _)| !g.is_negated())
        .map(|(_, r)| r)
        .collect();
    let negatives: Vec<&Regex> = compiled
        .iter()
        .filter(|(g, _)| g.is_negated())
        .map(|(_, r)| r)
        .collect();
    for name in &names {
        let pos = positives.iter().any(|r| r.is_match(name));
        let neg = negatives.iter().any(|r| r.is_match(name));
        assert_eq!(
            set.matches_positive(name),
            pos,
            "positives of {set} against {name:?}"
        );
        assert_eq!(
            set.matches_negative(name),
            neg,
            "negatives of {set} against {name:?}"
        );
        assert_eq!(
            set.is_match(name),
            (positives.is_empty() || pos) && !neg,
            "list rule of {set} against {name:?}"
        );
        let want: Vec<usize> = compiled
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| r.is_match(name))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(set.matches(name), want, "matches of {set} against {name:?}");
    }
});
