//! Nesting limits checked before evaluation: a linear-time token estimate (the parser, the
//! compiler and the syntax tree's drop recurse, so text that could nest beyond what the
//! evaluation thread's stack holds is refused before parsing), the depth of brackets as written,
//! and the depth of the syntax tree (found with an explicit stack).
//!
//! A left-associative chain of binary operators (`1 + 1 + … + 1`) counts as one level however
//! long it is: it is a sequence, not nesting.

use starlark::syntax::AstModule;
use starlark_syntax::syntax::ast::ExprP;
use starlark_syntax::syntax::uniplate::Visit;

/// An estimate above this many nested tokens is refused before parsing: the parser and the AST's
/// drop recurse, and a 2,000-deep chain is well inside what the evaluation thread's stack holds.
pub(crate) const MAX_NESTING_ESTIMATE: usize = 4_000;

/// An upper bound on the AST depth of `src`, from tokens alone (no recursion, linear time).
///
/// Within one bracket level, tokens between commas form a segment; an expression of `k` tokens
/// cannot nest deeper than `k`. The estimate at any point is the indentation width plus the sum
/// of the open segments plus the number of open brackets; the result is the maximum.
pub(crate) fn nesting_estimate(src: &str) -> usize {
    let bytes = src.as_bytes();
    let mut segments: Vec<usize> = vec![0];
    // The sum of `segments`, kept up to date so each token costs O(1) (deep nesting stays linear).
    let mut open = 0usize;
    let mut indent = 0usize;
    let mut at_line_start = true;
    let mut max = 0usize;
    let mut i = 0usize;
    let bump = |segments: &mut Vec<usize>, open: &mut usize, indent: usize, max: &mut usize| {
        if let Some(last) = segments.last_mut() {
            *last += 1;
            *open += 1;
        }
        let depth = indent + *open + segments.len();
        *max = (*max).max(depth);
    };
    while i < bytes.len() {
        let c = bytes[i];
        if at_line_start && segments.len() == 1 {
            let start = i;
            while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
                i += 1;
            }
            indent = i - start;
            at_line_start = false;
            continue;
        }
        match c {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\n' => {
                if segments.len() == 1 {
                    segments[0] = 0;
                    open = 0;
                    at_line_start = true;
                }
                i += 1;
            }
            b'\\' => i += 2,
            b'(' | b'[' | b'{' => {
                bump(&mut segments, &mut open, indent, &mut max);
                segments.push(0);
                i += 1;
            }
            b')' | b']' | b'}' => {
                if segments.len() > 1 {
                    open -= segments.pop().unwrap_or(0);
                }
                i += 1;
            }
            b',' | b';' => {
                if let Some(last) = segments.last_mut() {
                    open -= *last;
                    *last = 0;
                }
                i += 1;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i);
                bump(&mut segments, &mut open, indent, &mut max);
            }
            b' ' | b'\t' | b'\r' => i += 1,
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                // A string prefix (r"…", b'…') belongs to the string that follows.
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    continue;
                }
                bump(&mut segments, &mut open, indent, &mut max);
            }
            _ => {
                bump(&mut segments, &mut open, indent, &mut max);
                i += 1;
            }
        }
    }
    max
}

/// The offset of the first bracket (`(`, `[`, `{`) opened inside `max` others, if any: brackets
/// nest in the source whether or not the syntax tree keeps a node for them (`((x))` does not).
pub(crate) fn bracket_over(src: &str, max: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' => i += 2,
            b'"' | b'\'' => i = skip_string(bytes, i),
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index just past the string literal starting at `start` (a quote character).
pub(crate) fn skip_string(bytes: &[u8], start: usize) -> usize {
    let q = bytes[start];
    let triple = bytes.len() >= start + 3 && bytes[start + 1] == q && bytes[start + 2] == q;
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return i,
            c if c == q => {
                if !triple {
                    return i + 1;
                }
                if bytes.len() >= i + 3 && bytes[i + 1] == q && bytes[i + 2] == q {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The depth of the deepest AST node and its byte span, found with an explicit stack.
pub(crate) fn ast_depth(ast: &AstModule) -> (usize, (u32, u32)) {
    let mut stack = vec![(Visit::Stmt(ast.statement()), 1usize)];
    let mut max = (0usize, (0u32, 0u32));
    while let Some((node, depth)) = stack.pop() {
        if depth > max.0 {
            let span = match &node {
                Visit::Stmt(s) => s.span,
                Visit::Expr(e) => e.span,
            };
            max = (depth, (span.begin().get(), span.end().get()));
        }
        // The left operand of a binary operator is as deep as the operator: `1 + 2 + 3` is
        // `(1 + 2) + 3`, a chain as long as the sum but no deeper than one operation.
        if let Visit::Expr(e) = &node
            && let ExprP::Op(left, _, right) = &e.node
        {
            stack.push((Visit::Expr(left.as_ref()), depth));
            stack.push((Visit::Expr(right.as_ref()), depth + 1));
            continue;
        }
        node.visit_children(|c| stack.push((c, depth + 1)));
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! estimate_cases {
        ($($name:ident: $src:expr => $range:expr;)*) => {$(
            #[test]
            fn $name() {
                let src: String = $src;
                let got = nesting_estimate(&src);
                assert!($range.contains(&got), "estimate {got} for {:?}", &src[..src.len().min(60)]);
            }
        )*};
    }

    estimate_cases! {
        empty_file: String::new() => 0..=0;
        simple_call: "task(\"t\", steps = [x])\n".to_owned() => 1..=20;
        long_list_is_shallow: format!("x = [{}]\n", "1, ".repeat(100_000)) => 1..=10;
        plus_chain_is_deep: format!("x = {}1\n", "1 + ".repeat(5_000)) => 10_000..=10_010;
        nested_brackets_are_deep: format!("x = {}{}\n", "[".repeat(3_000), "]".repeat(3_000)) => 6_000..=6_010;
        strings_hide_brackets: "x = \"((((((((\" + '[[[['\n".to_owned() => 1..=10;
        triple_quoted_strings: "x = \"\"\"\n((((\n\"\"\"\ny = 1\n".to_owned() => 1..=10;
        comments_are_skipped: "# ((((((((((\nx = 1\n".to_owned() => 1..=10;
    }

    #[test]
    fn ast_depth_counts_nesting() {
        let dialect = starlark::syntax::Dialect::Extended;
        let shallow = AstModule::parse("a", "x = 1\n".to_owned(), &dialect).expect("valid");
        let deep = AstModule::parse(
            "b",
            format!("x = {}1{}\n", "[".repeat(50), "]".repeat(50)),
            &dialect,
        )
        .expect("valid");
        let (d1, _) = ast_depth(&shallow);
        let (d2, _) = ast_depth(&deep);
        assert!(d1 < 6, "shallow depth {d1}");
        assert!(d2 > 50, "deep depth {d2}");
    }
}
