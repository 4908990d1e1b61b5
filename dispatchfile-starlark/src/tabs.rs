//! Tab characters where go.starlark.net (the interpreter Dispatch ran) accepts them.
//!
//! The `starlark` crate rejects every tab outside string literals and comments ("tabs are not
//! allowed"). go.starlark.net treats a tab as white space wherever space is allowed, and in the
//! indentation of a statement it counts as `8 - (n % 8)` columns, `n` being the number of
//! white-space characters before it on the line (its scanner counts characters, not screen
//! columns). Before parsing, every such tab becomes what the `starlark` crate reads the same way:
//! one space (offsets unchanged) between tokens, inside brackets and on blank or comment-only
//! lines, and the indentation of a statement outside brackets becomes as many spaces as
//! go.starlark.net counts columns. Tabs inside string literals stay: they are content. The
//! [`OffsetMap`] of the result leads every position back to the text as written.

use super::rewrite::{self, Rewritten};
use crate::nesting::skip_string;

/// The text with tabs replaced as described in the module documentation, or `None` when it has
/// no tab to replace.
pub(crate) fn normalize(text: &str) -> Option<Rewritten> {
    if !text.contains('\t') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut depth = 0usize;
    let mut line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        if line_start {
            line_start = false;
            let end = i + bytes[i..]
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            let run = &bytes[i..end];
            if run.contains(&b'\t') {
                let blank = matches!(bytes.get(end), None | Some(b'\n' | b'\r' | b'#'));
                if depth == 0 && !blank {
                    edits.push((i, end, " ".repeat(columns(run))));
                } else {
                    edits.extend(tabs_in(run, i));
                }
            }
            i = end;
            continue;
        }
        match bytes[i] {
            b'#' => {
                i += bytes[i..].iter().take_while(|b| **b != b'\n').count();
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'\n' => line_start = true,
            // A line continuation: the next line goes on with this statement.
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 2,
            b'\t' => edits.push((i, i + 1, " ".to_owned())),
            _ => {}
        }
        i += 1;
    }
    if edits.is_empty() {
        return None;
    }
    rewrite::replace(text, edits).ok()
}

/// The indentation go.starlark.net reads from a run of spaces and tabs.
fn columns(run: &[u8]) -> usize {
    run.iter().enumerate().fold(0, |col, (n, b)| {
        if *b == b'\t' {
            col + 8 - n % 8
        } else {
            col + 1
        }
    })
}

/// One-space replacements of the tabs of `run`, which starts at `at`.
fn tabs_in(run: &[u8], at: usize) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    run.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\t')
        .map(move |(n, _)| (at + n, at + n + 1, " ".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(src: &str) -> String {
        normalize(src).map_or_else(|| src.to_owned(), |r| r.text)
    }

    macro_rules! tab_cases {
        ($($name:ident: $src:literal => $want:literal;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(norm($src), $want);
            }
        )*};
    }

    tab_cases! {
        no_tabs: "x = 1\n" => "x = 1\n";
        between_tokens: "x =\t1\n" => "x = 1\n";
        inside_brackets_at_line_start: "f(a,\n\t\tb)\n" => "f(a,\n  b)\n";
        inside_strings_kept: "x = \"a\tb\"\ny = '''\n\tc'''\n" => "x = \"a\tb\"\ny = '''\n\tc'''\n";
        comments_left_alone: "x = 1 # a\tb\n" => "x = 1 # a\tb\n";
        indentation_of_a_block: "if x:\n\ty = 1\n" => "if x:\n        y = 1\n";
        // go.starlark.net counts characters before the tab, not screen columns: "\t\t" is 15.
        two_tabs: "if x:\n\t\ty = 1\n" => "if x:\n               y = 1\n";
        space_then_tab: "if x:\n \ty = 1\n" => "if x:\n        y = 1\n";
        blank_line_with_tabs: "if x:\n\t\n\ty = 1\n" => "if x:\n \n        y = 1\n";
        after_a_continuation: "x = 1 + \\\n\t2\n" => "x = 1 + \\\n 2\n";
    }

    #[test]
    fn positions_lead_back_to_the_tabs() {
        let r = normalize("if x:\n\ty = 1\n").expect("a tab to replace");
        // `y` is at byte 14 of the normalized text and at byte 7 of the original.
        assert_eq!(r.map.begin(14), 7);
        assert_eq!(r.map.begin(0), 0);
    }
}
