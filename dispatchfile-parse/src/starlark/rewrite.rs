//! Source rewriting that routes allocating method calls and slices through guarded natives.
//!
//! starlark 0.14 resolves `obj.name(…)` on builtin values through a static method table, and its
//! AST has no public mutator apart from `replace_binary_operators`, so a method call cannot be
//! intercepted after parsing. Instead the source text is rewritten and parsed again:
//!
//! | written | evaluated |
//! |---|---|
//! | `obj.name(args…)`, `name` in [`GUARDED`] | `_dispatch_method(obj, "name", args…)` |
//! | `obj.name` anywhere else, `name` in [`GUARDED`] | `_dispatch_attr(obj, "name")` |
//! | `x[a:b:c]` (any part may be missing) | `_dispatch_slice(x, a, b, c)` (`_dispatch_missing` for a missing part) |
//!
//! Everything else is copied byte for byte. The [`OffsetMap`] maps every position of the rewritten
//! text back to the original, so diagnostics point at what the author wrote: copied text maps
//! one-to-one, and inserted text maps to the start of the construct it belongs to (which is where
//! the parser puts the start of the original expression: after any parentheses around `obj`).
//!
//! The rewrite only needs the tokens between the AST children it keeps (`.`, the method name, `(`,
//! `[`, `:`, `]`, and closing parentheses of a parenthesised operand), which it finds by skipping
//! whitespace, line continuations and comments; string literals never occur there.

use std::collections::HashMap;

use starlark::syntax::AstModule;
use starlark_syntax::syntax::ast::{ArgumentP, AstExpr, ExprP};
use starlark_syntax::syntax::uniplate::Visit;

/// Method names whose calls go through `_dispatch_method` (see the module documentation of
/// `starlark` for why each one is guarded). The receiver decides whether a check applies: the
/// names are also ordinary struct fields, which pass through unchanged.
pub(crate) const GUARDED: [&str; 25] = [
    // str: results proportional to (or larger than) the receiver or the arguments.
    "capitalize",
    "codepoint_ords",
    "codepoints",
    "elem_ords",
    "elems",
    "format",
    "join",
    "lower",
    "lstrip",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "strip",
    "title",
    "upper",
    // list
    "extend",
    // dict
    "items",
    "keys",
    "values",
];

/// The guarded name equal to `name`, with a static lifetime.
pub(crate) fn guarded(name: &str) -> Option<&'static str> {
    GUARDED.iter().copied().find(|g| *g == name)
}

/// A source text after rewriting, with the way back to the original positions.
#[derive(Debug)]
pub(crate) struct Rewritten {
    /// The text to parse and evaluate.
    pub(crate) text: String,
    /// Rewritten positions → original positions.
    pub(crate) map: OffsetMap,
}

/// One piece of the rewritten text.
#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Start in the rewritten text.
    new_start: usize,
    /// Length in the rewritten text (never zero).
    len: usize,
    /// Copied text starts at this original position; inserted text maps here as a whole.
    orig_start: usize,
    /// Inserted text: where its end maps (copied text maps one-to-one instead).
    synthetic_end: Option<usize>,
}

/// Maps byte offsets of a rewritten text back to the original text.
#[derive(Debug, Default)]
pub(crate) struct OffsetMap {
    /// Pieces of the rewritten text in order; together they cover it without gaps.
    segments: Vec<Segment>,
}

impl OffsetMap {
    /// The original position of a span start at rewritten offset `n`.
    pub(crate) fn begin(&self, n: u32) -> u32 {
        let n = n as usize;
        // The segment that starts at or before `n` and contains it.
        let i = self.segments.partition_point(|s| s.new_start <= n);
        let Some(s) = i.checked_sub(1).and_then(|i| self.segments.get(i)) else {
            return n as u32;
        };
        let out = match s.synthetic_end {
            None => s.orig_start + (n - s.new_start).min(s.len),
            Some(end) if n >= s.new_start + s.len => end,
            Some(_) => s.orig_start,
        };
        out as u32
    }

    /// The original position of a span end at rewritten offset `n`.
    pub(crate) fn end(&self, n: u32) -> u32 {
        let n = n as usize;
        // The segment that contains `n` as an inner position or as its end.
        let i = self.segments.partition_point(|s| s.new_start < n);
        let Some(s) = i.checked_sub(1).and_then(|i| self.segments.get(i)) else {
            return self.begin(n as u32);
        };
        let out = match s.synthetic_end {
            None => s.orig_start + (n - s.new_start).min(s.len),
            Some(end) => end,
        };
        out as u32
    }
}

/// One change to the original text: `text` replaces `start..end` (an insertion when empty).
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
    /// Where inserted text maps back to (its start and its end).
    anchor: (usize, usize),
    /// Visiting order: of two insertions at the same place, the outer construct's comes first.
    seq: usize,
}

/// Why a rewrite could not be made (never expected for text the parser accepted).
#[derive(Debug)]
pub(crate) struct RewriteError(pub(crate) usize);

/// Rewrites `src` (already parsed into `ast`); `None` when nothing needs rewriting.
pub(crate) fn rewrite(src: &str, ast: &AstModule) -> Result<Option<Rewritten>, RewriteError> {
    let mut edits = Edits {
        src: src.as_bytes(),
        pairs: None,
        out: Vec::new(),
    };
    let mut stack = vec![Visit::Stmt(ast.statement())];
    while let Some(node) = stack.pop() {
        let Visit::Expr(e) = node else {
            node.visit_children(|c| stack.push(c));
            continue;
        };
        match &e.node {
            ExprP::Call(f, args) => {
                if let ExprP::Dot(obj, name) = &f.node
                    && guarded(&name.node).is_some()
                {
                    edits.method(
                        obj,
                        name.span.end().get() as usize,
                        &name.node,
                        !args.args.is_empty(),
                    )?;
                    stack.push(Visit::Expr(obj));
                    for a in &args.args {
                        match &a.node {
                            ArgumentP::Positional(x)
                            | ArgumentP::Named(_, x)
                            | ArgumentP::Args(x)
                            | ArgumentP::KwArgs(x) => stack.push(Visit::Expr(x)),
                        }
                    }
                    continue;
                }
            }
            ExprP::Dot(obj, name) if guarded(&name.node).is_some() => {
                edits.attr(obj, name.span.end().get() as usize, &name.node)?;
            }
            ExprP::Slice(x, a, b, c) => {
                edits.slice(e, x, a.as_deref(), b.as_deref(), c.as_deref())?;
            }
            _ => {}
        }
        node.visit_children(|c| stack.push(c));
    }
    if edits.out.is_empty() {
        return Ok(None);
    }
    Ok(Some(apply(src, edits.out)?))
}

/// Collects edits; knows how to find the tokens between AST children.
struct Edits<'a> {
    src: &'a [u8],
    /// Matching open bracket of every close bracket, by close position (computed on first use).
    pairs: Option<HashMap<usize, usize>>,
    out: Vec<Edit>,
}

impl Edits<'_> {
    fn push(&mut self, start: usize, end: usize, text: impl Into<String>, anchor: (usize, usize)) {
        let seq = self.out.len();
        self.out.push(Edit {
            start,
            end,
            text: text.into(),
            anchor,
            seq,
        });
    }

    /// The position after whitespace, line continuations and comments from `i`.
    fn skip_trivia(&self, mut i: usize) -> usize {
        let s = self.src;
        while i < s.len() {
            match s[i] {
                // A backslash here is a line continuation; the newline follows.
                b' ' | b'\t' | b'\r' | b'\n' | 0x0c | b'\\' => i += 1,
                b'#' => {
                    while i < s.len() && s[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        i
    }

    /// From the end of an operand, skips trivia and the closing parentheses around it; returns the
    /// next token's position and where the operand really starts (its outermost open parenthesis).
    fn after_operand(&mut self, operand: &AstExpr) -> Result<(usize, usize), RewriteError> {
        let mut i = self.skip_trivia(operand.span.end().get() as usize);
        let mut last_close = None;
        while self.src.get(i) == Some(&b')') {
            last_close = Some(i);
            i = self.skip_trivia(i + 1);
        }
        let start = match last_close {
            None => operand.span.begin().get() as usize,
            Some(c) => *self.pairs().get(&c).ok_or(RewriteError(c))?,
        };
        Ok((i, start))
    }

    /// Open bracket positions by close bracket position, outside strings and comments.
    fn pairs(&mut self) -> &HashMap<usize, usize> {
        let src = self.src;
        self.pairs.get_or_insert_with(|| bracket_pairs(src))
    }

    /// The position of `want` at the next token from `i`, or an error.
    fn expect(&self, i: usize, want: &[u8]) -> Result<usize, RewriteError> {
        let i = self.skip_trivia(i);
        match self.src.get(i) {
            Some(c) if want.contains(c) => Ok(i),
            _ => Err(RewriteError(i)),
        }
    }

    /// `obj.name(args…)` → `_dispatch_method(obj, "name", args…)`.
    fn method(
        &mut self,
        obj: &AstExpr,
        name_end: usize,
        name: &str,
        has_args: bool,
    ) -> Result<(), RewriteError> {
        let (dot, start) = self.after_operand(obj)?;
        let dot = self.expect(dot, b".")?;
        let paren = self.expect(name_end, b"(")?;
        let at = obj.span.begin().get() as usize;
        self.push(start, start, "_dispatch_method(", (at, at));
        let sep = if has_args { ", " } else { "" };
        self.push(
            dot,
            paren + 1,
            format!(", \"{name}\"{sep}"),
            (dot, paren + 1),
        );
        Ok(())
    }

    /// `obj.name` (not called) → `_dispatch_attr(obj, "name")`.
    fn attr(&mut self, obj: &AstExpr, name_end: usize, name: &str) -> Result<(), RewriteError> {
        let (dot, start) = self.after_operand(obj)?;
        let dot = self.expect(dot, b".")?;
        let at = obj.span.begin().get() as usize;
        self.push(start, start, "_dispatch_attr(", (at, at));
        self.push(dot, name_end, format!(", \"{name}\")"), (dot, name_end));
        Ok(())
    }

    /// `x[a:b:c]` → `_dispatch_slice(x, a, b, c)`, `_dispatch_missing` for each missing part.
    fn slice(
        &mut self,
        whole: &AstExpr,
        x: &AstExpr,
        a: Option<&AstExpr>,
        b: Option<&AstExpr>,
        c: Option<&AstExpr>,
    ) -> Result<(), RewriteError> {
        let (open, start) = self.after_operand(x)?;
        let open = self.expect(open, b"[")?;
        let at = x.span.begin().get() as usize;
        self.push(start, start, "_dispatch_slice(", (at, at));
        // A missing part is not `None`: starlark refuses `x[None:1]` but accepts `x[:1]`.
        let missing = |p: Option<&AstExpr>| {
            if p.is_some() {
                ", "
            } else {
                ", _dispatch_missing"
            }
        };
        self.push(open, open + 1, missing(a), (open, open + 1));
        let colon1 = match a {
            Some(a) => self.after_operand(a)?.0,
            None => open + 1,
        };
        let colon1 = self.expect(colon1, b":")?;
        self.push(colon1, colon1 + 1, missing(b), (colon1, colon1 + 1));
        let next = match b {
            Some(b) => self.after_operand(b)?.0,
            None => colon1 + 1,
        };
        let next = self.expect(next, b":]")?;
        let close = if self.src[next] == b':' {
            self.push(next, next + 1, missing(c), (next, next + 1));
            let close = match c {
                Some(c) => self.after_operand(c)?.0,
                None => next + 1,
            };
            let close = self.expect(close, b"]")?;
            self.push(close, close + 1, ")", (close, close + 1));
            close
        } else {
            self.push(next, next + 1, ", _dispatch_missing)", (next, next + 1));
            next
        };
        if close + 1 != whole.span.end().get() as usize {
            return Err(RewriteError(close));
        }
        Ok(())
    }
}

/// Matches brackets outside strings and comments: close position → open position.
fn bracket_pairs(src: &[u8]) -> HashMap<usize, usize> {
    let mut pairs = HashMap::new();
    let mut open = Vec::new();
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'#' => {
                while i < src.len() && src[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = super::guard::skip_string(src, i);
                continue;
            }
            b'(' | b'[' | b'{' => open.push(i),
            b')' | b']' | b'}' => {
                if let Some(o) = open.pop() {
                    pairs.insert(i, o);
                }
            }
            _ => {}
        }
        i += 1;
    }
    pairs
}

/// Applies `edits` to `src`, building the offset map as it goes.
fn apply(src: &str, mut edits: Vec<Edit>) -> Result<Rewritten, RewriteError> {
    edits.sort_by_key(|e| (e.start, e.seq));
    let extra: usize = edits.iter().map(|e| e.text.len()).sum();
    let mut text = String::with_capacity(src.len() + extra);
    let mut segments = Vec::with_capacity(edits.len() * 2 + 1);
    let mut cursor = 0;
    for e in edits {
        if e.start < cursor || e.end < e.start {
            return Err(RewriteError(e.start));
        }
        let copied = src.get(cursor..e.start).ok_or(RewriteError(cursor))?;
        if !copied.is_empty() {
            segments.push(Segment {
                new_start: text.len(),
                len: copied.len(),
                orig_start: cursor,
                synthetic_end: None,
            });
            text.push_str(copied);
        }
        segments.push(Segment {
            new_start: text.len(),
            len: e.text.len(),
            orig_start: e.anchor.0,
            synthetic_end: Some(e.anchor.1),
        });
        text.push_str(&e.text);
        cursor = e.end;
    }
    let rest = src.get(cursor..).ok_or(RewriteError(cursor))?;
    if !rest.is_empty() {
        segments.push(Segment {
            new_start: text.len(),
            len: rest.len(),
            orig_start: cursor,
            synthetic_end: None,
        });
        text.push_str(rest);
    }
    Ok(Rewritten {
        text,
        map: OffsetMap { segments },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use starlark::syntax::Dialect;

    fn rw(src: &str) -> String {
        let ast = AstModule::parse("t", src.to_owned(), &Dialect::Extended).expect("valid");
        match rewrite(src, &ast).expect("rewritable") {
            Some(r) => {
                AstModule::parse("t2", r.text.clone(), &Dialect::Extended)
                    .unwrap_or_else(|e| panic!("rewritten text parses: {e}\n{}", r.text));
                r.text
            }
            None => src.to_owned(),
        }
    }

    macro_rules! rewrite_cases {
        ($($name:ident: $src:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(rw($src), $want);
            }
        )*};
    }

    rewrite_cases! {
        untouched: "x = a.get(1) + b[1]\n" => "x = a.get(1) + b[1]\n";
        simple_call: "x = s.join(l)\n" => "x = _dispatch_method(s, \"join\", l)\n";
        no_args: "x = s.elems()\n" => "x = _dispatch_method(s, \"elems\")\n";
        chained: "x = a.replace(x, y).split(\",\")\n" => "x = _dispatch_method(_dispatch_method(a, \"replace\", x, y), \"split\", \",\")\n";
        nested_args: "x = s.join([t.strip() for t in l])\n" => "x = _dispatch_method(s, \"join\", [_dispatch_method(t, \"strip\") for t in l])\n";
        parenthesised_receiver: "x = (\"{0}\" * 3).format(s)\n" => "x = _dispatch_method((\"{0}\" * 3), \"format\", s)\n";
        doubly_parenthesised: "x = ((a)).upper()\n" => "x = _dispatch_method(((a)), \"upper\")\n";
        spread_over_lines: "x = s . join ( # c\n  l,\n)\n" => "x = _dispatch_method(s , \"join\",  # c\n  l,\n)\n";
        continuation: "x = s \\\n  .split(',')\n" => "x = _dispatch_method(s \\\n  , \"split\", ',')\n";
        bare_attribute: "f = s.join\n" => "f = _dispatch_attr(s, \"join\")\n";
        star_args: "x = s.format(*a, **k)\n" => "x = _dispatch_method(s, \"format\", *a, **k)\n";
        slice_full: "x = s[1:2:3]\n" => "x = _dispatch_slice(s, 1, 2, 3)\n";
        slice_explicit_none: "x = s[None:2]\n" => "x = _dispatch_slice(s, None, 2, _dispatch_missing)\n";
        slice_open: "x = s[:]\n" => "x = _dispatch_slice(s, _dispatch_missing, _dispatch_missing, _dispatch_missing)\n";
        slice_start: "x = s[1:]\n" => "x = _dispatch_slice(s, 1, _dispatch_missing, _dispatch_missing)\n";
        slice_step_only: "x = s[::-1]\n" => "x = _dispatch_slice(s, _dispatch_missing, _dispatch_missing, -1)\n";
        slice_parenthesised_parts: "x = (s)[(1):(2)]\n" => "x = _dispatch_slice((s), (1), (2), _dispatch_missing)\n";
        slice_of_call: "x = s.split(',')[1:]\n" => "x = _dispatch_slice(_dispatch_method(s, \"split\", ','), 1, _dispatch_missing, _dispatch_missing)\n";
        strings_with_dots_and_brackets: "x = \"a.join(b)[1:]\"\n" => "x = \"a.join(b)[1:]\"\n";
        assign_target: "s.join(l)[0] = 1\n" => "_dispatch_method(s, \"join\", l)[0] = 1\n";
    }

    #[test]
    fn positions_map_back() {
        let src = "x = (\"a\" +\n  b).join(l)\n";
        let ast = AstModule::parse("t", src.to_owned(), &Dialect::Extended).expect("valid");
        let r = rewrite(src, &ast).expect("ok").expect("rewritten");
        let new = AstModule::parse("t2", r.text.clone(), &Dialect::Extended).expect("parses");
        // The call's span in the rewritten text maps back to the original call's span.
        let mut spans = Vec::new();
        let mut stack = vec![Visit::Stmt(new.statement())];
        while let Some(n) = stack.pop() {
            if let Visit::Expr(e) = n
                && matches!(e.node, ExprP::Call(..))
            {
                spans.push((e.span.begin().get(), e.span.end().get()));
            }
            n.visit_children(|c| stack.push(c));
        }
        let (b, e) = spans[0];
        let orig = (r.map.begin(b) as usize, r.map.end(e) as usize);
        assert_eq!(&src[orig.0..orig.1], "\"a\" +\n  b).join(l)");
        // Copied text maps one-to-one.
        let l_new = r.text.find("l)").expect("l") as u32;
        assert_eq!(r.map.begin(l_new) as usize, src.find("l)").expect("l"));
    }
}
