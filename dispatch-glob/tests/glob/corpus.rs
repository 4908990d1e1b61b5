//! Differential test over `$DISPATCH_SHARED/corpus/globs`: the rows of other dialects' suites that
//! apply to ours, as each file's header explains. Every skipped category is counted and
//! printed; every mismatch is collected and reported at once.

#![allow(
    clippy::disallowed_methods,
    reason = "the test reads the shared corpus"
)]
#![allow(clippy::print_stderr, reason = "the test reports what it skipped")]

use std::collections::BTreeMap;

use dispatch_glob::Glob;

use super::common::corpus;

struct Row {
    pattern: String,
    input: String,
    expected: bool,
    notes: String,
}

fn rows(file: &str, dir: &std::path::Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join(file)).expect("corpus file is readable");
    let mut lines = text.lines();
    // Every line up to and including the column-name line is header.
    for line in lines.by_ref() {
        if line.starts_with("pattern\tinput\texpected") {
            break;
        }
    }
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                pattern: f[0].to_owned(),
                input: f.get(1).copied().unwrap_or("").to_owned(),
                expected: f.get(2) == Some(&"1"),
                notes: f.get(3).copied().unwrap_or("").to_owned(),
            }
        })
        .collect()
}

/// `**` touching something other than `/` or the pattern's ends: other dialects treat it as `*`,
/// ours as "anything".
fn mid_segment_double_star(p: &str) -> bool {
    let b = p.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'*' {
            let start = i;
            while i < b.len() && b[i] == b'*' {
                i += 1;
            }
            if i - start >= 2 {
                let before_ok = start == 0 || b[start - 1] == b'/';
                let after_ok = i == b.len() || b[i] == b'/';
                if !(before_ok && after_ok) {
                    return true;
                }
            }
            continue;
        }
        i += 1;
    }
    false
}

/// Dialect differences shared by all suites; `None` when the row applies so far.
fn common_skip(r: &Row) -> Option<&'static str> {
    if r.pattern.is_empty() {
        return Some("empty pattern (ours: rejected at load)");
    }
    if r.pattern.starts_with('!') {
        return Some(
            "leading ! (theirs: literal or whole-glob negation; ours: list-level exclusion)",
        );
    }
    if mid_segment_double_star(&r.pattern) {
        return Some("mid-segment ** (theirs: like *; ours: any characters)");
    }
    if r.pattern.contains("[[:") || r.pattern.contains("[:") && r.pattern.contains(":]") {
        return Some("POSIX character classes (not in our dialect)");
    }
    if r.pattern.contains("[]") || r.pattern.contains("[!]") || r.pattern.contains("[^]") {
        return Some("] first in a class (theirs: literal; ours: empty class, rejected at load)");
    }
    let classes = classes(&r.pattern);
    if classes.iter().any(|c| c.contains('\\')) {
        return Some("backslash inside a class (theirs: sometimes literal; ours: escape)");
    }
    if r.input.contains('/')
        && classes
            .iter()
            .any(|c| c.contains('/') || c.starts_with('!') || c.starts_with('^'))
    {
        return Some("class that could match / (theirs: may match /; ours: no class matches /)");
    }
    if r.input.ends_with('/') {
        return Some("input ending in / (a directory in their suites)");
    }
    if r.pattern.ends_with('/') {
        return Some("pattern ending in / (theirs: a directory)");
    }
    if r.expected
        && r.pattern.ends_with("/**")
        && Glob::new(&r.pattern)
            .is_ok_and(|g| g.compile_matcher().is_match(&format!("{}/", r.input)))
    {
        return Some("x/** against x (theirs: matches the directory; ours: no)");
    }
    if r.input.split('/').any(|s| s == "." || s == "..")
        || r.pattern.split('/').any(|s| s == "." || s == "..")
    {
        return Some(". and .. segments (theirs: normalized or never matched)");
    }
    if r.pattern.contains("]+") || r.pattern.contains("}+") || r.pattern.contains(")+") {
        return Some("+ after a class or group (theirs: repetition; ours: literal +)");
    }
    None
}

/// The bodies of the `[…]` classes of a pattern (without brackets), roughly as a glob parser
/// would find them.
fn classes(p: &str) -> Vec<String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '[' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                out.push(chars[start..j.min(chars.len())].iter().collect());
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

struct Tally {
    checked: usize,
    skipped: BTreeMap<&'static str, usize>,
    mismatches: Vec<String>,
}

fn check(file: &str, rows: &[Row], skip: impl Fn(&Row) -> Option<&'static str>, tally: &mut Tally) {
    for r in rows {
        if let Some(why) = skip(r) {
            *tally.skipped.entry(why).or_default() += 1;
            continue;
        }
        let got = Glob::new(&r.pattern).map(|g| g.compile_matcher().is_match(&r.input));
        if got.is_err() && r.expected {
            // Our dialect rejects malformed patterns at load (unclosed `[`, reversed range,
            // trailing `\`, unbalanced braces); other dialects often take them literally.
            *tally
                .skipped
                .entry("malformed in our dialect, taken literally by theirs")
                .or_default() += 1;
            continue;
        }
        tally.checked += 1;
        let ok = match &got {
            Ok(m) => *m == r.expected,
            Err(_) => !r.expected,
        };
        if !ok {
            tally.mismatches.push(format!(
                "{file}: pattern {:?} input {:?}: expected {}, got {:?} ({})",
                r.pattern, r.input, r.expected, got, r.notes
            ));
        }
    }
}

#[test]
fn glob_corpora_agree_where_the_dialects_do() {
    let Some(dir) = corpus("globs") else { return };
    let mut tally = Tally {
        checked: 0,
        skipped: BTreeMap::new(),
        mismatches: Vec::new(),
    };

    check(
        "globset.tsv",
        &rows("globset.tsv", &dir),
        |r| {
            if r.pattern.contains(",}") || r.pattern.contains("{,") || r.pattern.contains(",,") {
                return Some("empty brace alternative (globset: off unless empty_alternates)");
            }
            if !r.notes.contains("opts=default")
                && !r.notes.contains("opts=literal_separator(true)")
            {
                return Some(
                    "globset options we do not have (case_insensitive, backslash_escape, empty_alternates)",
                );
            }
            if r.notes.contains("opts=default") && r.input.contains('/') {
                return Some(
                    "globset default: * and ? match / (only rows without / in the input apply)",
                );
            }
            common_skip(r)
        },
        &mut tally,
    );

    check(
        "doublestar.tsv",
        &rows("doublestar.tsv", &dir),
        common_skip,
        &mut tally,
    );

    check(
        "git-wildmatch.tsv",
        &rows("git-wildmatch.tsv", &dir),
        |r| {
            if !r.notes.starts_with("flags=WM_PATHNAME;") {
                return Some("wildmatch without WM_PATHNAME or with WM_CASEFOLD");
            }
            common_skip(r)
        },
        &mut tally,
    );

    check(
        "glob-match.tsv",
        &rows("glob-match.tsv", &dir),
        common_skip,
        &mut tally,
    );

    check(
        "go-path-match.tsv",
        &rows("go-path-match.tsv", &dir),
        |r| {
            if classes(&r.pattern)
                .iter()
                .any(|c| c.starts_with('-') || c.ends_with('-') || c.matches('-').count() > 1)
            {
                return Some(
                    "- at the edge of a class or a double range (Go: malformed; ours: literal -)",
                );
            }
            if r.pattern.contains('{') || r.pattern.contains('}') {
                return Some("braces (Go: literal; ours: alternation)");
            }
            if r.pattern.contains("**") {
                return Some("** (Go: like *)");
            }
            common_skip(r)
        },
        &mut tally,
    );

    check(
        "gobwas-glob.tsv",
        &rows("gobwas-glob.tsv", &dir),
        |_| Some("gobwas rows compiled without the / separator"),
        &mut tally,
    );

    check(
        "minimatch.tsv",
        &rows("minimatch.tsv", &dir),
        |r| {
            if r.notes.starts_with("opts=default") && dotfile(&r.input) {
                return Some("dotfiles (minimatch/picomatch without dot: not matched by * or **)");
            }
            if !(r.notes.starts_with("opts=default") || r.notes.starts_with("opts={\"dot\":true}"))
            {
                return Some("minimatch/picomatch options we do not have");
            }
            js_skip(r).or_else(|| common_skip(r))
        },
        &mut tally,
    );

    check(
        "picomatch.tsv",
        &rows("picomatch.tsv", &dir),
        |r| {
            if r.notes.starts_with("opts=default") && dotfile(&r.input) {
                return Some("dotfiles (minimatch/picomatch without dot: not matched by * or **)");
            }
            if !(r.notes.starts_with("opts=default") || r.notes.starts_with("opts={\"dot\":true}"))
            {
                return Some("minimatch/picomatch options we do not have");
            }
            js_skip(r).or_else(|| common_skip(r))
        },
        &mut tally,
    );

    eprintln!("glob corpora: {} rows checked", tally.checked);
    for (why, n) in &tally.skipped {
        eprintln!("  skipped {n:5}: {why}");
    }
    assert!(
        tally.checked > 1000,
        "the corpus should give over a thousand applicable rows, got {}",
        tally.checked
    );
    assert!(
        tally.mismatches.is_empty(),
        "{} mismatches:\n{}",
        tally.mismatches.len(),
        tally.mismatches.join("\n")
    );
}

/// Whether some `{…}` holds no top-level comma (bash takes it literally).
fn brace_without_comma(p: &str) -> bool {
    let mut stack: Vec<bool> = Vec::new();
    let mut escaped = false;
    for c in p.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '{' => stack.push(false),
            ',' => {
                if let Some(top) = stack.last_mut() {
                    *top = true;
                }
            }
            '}' if stack.pop() == Some(false) => return true,
            _ => {}
        }
    }
    false
}

/// An input with a segment starting with `.`.
fn dotfile(input: &str) -> bool {
    input.split('/').any(|s| s.starts_with('.'))
}

/// minimatch and picomatch features that are not in our dialect.
fn js_skip(r: &Row) -> Option<&'static str> {
    let p = &r.pattern;
    if ["+(", "@(", "!(", "*(", "?("].iter().any(|x| p.contains(x)) {
        return Some("extglobs (not in our dialect)");
    }
    if p.contains("..") && p.contains('{') {
        return Some("brace ranges {1..3} (not in our dialect)");
    }
    if p.starts_with('#') {
        return Some("leading # comment (minimatch)");
    }
    if r.input.ends_with('/') || p.ends_with('/') {
        return Some("trailing / marks a directory (minimatch/picomatch)");
    }
    if p.contains('(') || r.notes.contains("file=test/regex-features.js") {
        return Some("regex groups and features (picomatch)");
    }
    if r.notes.contains("file=test/bash.js") && p.contains('\\') {
        return Some("shell quoting (bash rules in picomatch's bash tests)");
    }
    if (r.input.contains('[') || r.input.contains(']')) && p.contains('[') {
        return Some("brackets matched literally as a fallback (picomatch)");
    }
    if p.contains('"') || p.contains('\'') {
        return Some("shell quoting (bash rules in picomatch's bash tests)");
    }
    if p.starts_with("./") {
        return Some("leading ./ (theirs: removed; ours: never matches, a warning)");
    }
    if brace_without_comma(p) {
        return Some("brace set without a comma (theirs: literal)");
    }
    None
}
