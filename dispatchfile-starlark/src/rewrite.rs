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
//! | `[e for …]` | `[_dispatch_item[(e):] for …]` |
//! | `{k: v for …}` | `{_dispatch_entry[(k):]: _dispatch_item[(v):] for …}` (`v` unchanged when it is a name or a literal: it makes no new value) |
//! | `-x` | `_dispatch_item[(-x):]` |
//! | `d[k] = v` (also inside a tuple target, as a `for` or comprehension variable), `d` a name | `d[_dispatch_key[d:(k)]] = v` |
//! | the same with any other `d` | `d[_dispatch_entry[(k):]] = v` |
//! | `d.setdefault(k, …)`, `d` a name, `k` positional | `d.setdefault(_dispatch_key[d:(k)], …)` |
//! | `x *= n`, `x %= v` | `x = _dispatch_mul(x, (n))`, `x = _dispatch_percent(x, (v))` |
//! | `x \|= e` | `x \|= _dispatch_ior[x:(e)]` |
//! | `x += e` | `x += _dispatch_iadd[x:(e)]` |
//!
//! The element guards (the rows from `[e for …]` to `setdefault`) exist because one statement (a
//! comprehension) can build millions of elements, and a dict's entries live in the Rust heap,
//! where the arena's size does not show them, however many statements fill it. They are slices of
//! builtins rather than calls: hostile code runs them millions of times, and a slice has no
//! arguments to collect, no call frame, and no budget checks around it (starlark only folds a
//! slice with all three parts at compile time, and these have no stride). Each returns its operand
//! after checking the heap cap: `_dispatch_item` only checks it (list storage is in the arena),
//! adding the digits of a new big int (outside the arena); `_dispatch_entry` also records
//! `guard::DICT_ENTRY_BYTES` in `Store::outside` for the new entry; `_dispatch_key` records it
//! only when `d` is a dict that does not hold `k` yet, so overwriting entries costs nothing. `d`
//! is written again only when it is a name (reading it twice has no effect; starlark evaluates
//! the container before the key, so an unbound name still fails at the original `d`); any other
//! receiver may have effects and is charged for every assignment, which the statement budget
//! bounds. `d.setdefault(k, v)` adds `k` like `d[k] = v` and gets the same guard; other
//! `setdefault` calls and `update` are guarded methods (above). `list.append`/`insert` are not
//! rewritten: list storage lives in the arena, which the checks see.
//!
//! The augmented assignments (see [`Edits::augmented`]) are rewritten because
//! `replace_binary_operators` does not reach them: `l *= 1000000000` allocated 8 GB in one step,
//! and `d |= {i: i}` in a loop filled a dict unseen. `d[k] += v` needs no index guard (the key
//! must exist). `+=` extends a list in place: the arena shows that, but only to the
//! cancellation check, every thousand ticks, and `x += x` in a loop doubles `x` every tick, so
//! `_dispatch_iadd` checks the result's size first.
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
use starlark_syntax::syntax::ast::{
    ArgumentP, AssignOp, AssignTargetP, AstArgument, AstAssignTarget, AstExpr, AstNoPayload,
    Clause, ClauseP, ExprP, ForClause, StmtP,
};
use starlark_syntax::syntax::uniplate::Visit;

/// Method names whose calls go through `_dispatch_method` (see the module documentation of
/// `starlark` for why each one is guarded). The receiver decides whether a check applies: the
/// names are also ordinary struct fields, which pass through unchanged.
pub(crate) const GUARDED: [&str; 31] = [
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
    // list: `extend` grows the list; `index` and `remove` compare their argument with the
    // elements (a nesting check, see `compare`).
    "extend",
    "index",
    "remove",
    // dict: `get` and `pop` compare their key with the dict's on a hash collision (a nesting
    // check); the others make entries or lists of them.
    "get",
    "pop",
    "items",
    "keys",
    "setdefault",
    "update",
    "values",
];

/// The element guards, applied as slices (`_dispatch_item[(e):]`): a slice costs far less than a
/// call, and hostile code runs them millions of times.
const ITEM: &str = "_dispatch_item[";
const ENTRY: &str = "_dispatch_entry[";
const IOR: &str = "_dispatch_ior[";
const IADD: &str = "_dispatch_iadd[";

/// Whether reading the assignment target `t` again has no effect: a name, or an index or an
/// attribute of names and literals.
fn pure_target(t: &AstAssignTarget) -> bool {
    fn pure(e: &AstExpr) -> bool {
        match &e.node {
            ExprP::Identifier(_) | ExprP::Literal(_) => true,
            ExprP::Dot(x, _) => pure(x),
            ExprP::Index(xk) => pure(&xk.0) && pure(&xk.1),
            _ => false,
        }
    }
    match &t.node {
        AssignTargetP::Identifier(_) => true,
        AssignTargetP::Index(xk) => pure(&xk.0) && pure(&xk.1),
        AssignTargetP::Dot(x, _) => pure(x),
        AssignTargetP::Tuple(_) => false,
    }
}

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
/// Queues every argument of a call for a visit.
fn push_arguments<'a>(stack: &mut Vec<Visit<'a, AstNoPayload>>, args: &'a [AstArgument]) {
    for a in args {
        match &a.node {
            ArgumentP::Positional(x)
            | ArgumentP::Named(_, x)
            | ArgumentP::Args(x)
            | ArgumentP::KwArgs(x) => stack.push(Visit::Expr(x)),
        }
    }
}

pub(crate) fn rewrite(src: &str, ast: &AstModule) -> Result<Option<Rewritten>, RewriteError> {
    let mut edits = Edits {
        src: src.as_bytes(),
        pairs: None,
        out: Vec::new(),
    };
    let mut stack = vec![Visit::Stmt(ast.statement())];
    while let Some(node) = stack.pop() {
        let e = match node {
            Visit::Stmt(s) => {
                match &s.node {
                    StmtP::Assign(a) => edits.targets(&a.lhs)?,
                    StmtP::For(f) => edits.targets(&f.var)?,
                    StmtP::AssignModify(lhs, op, rhs) => edits.augmented(lhs, *op, rhs)?,
                    _ => {}
                }
                node.visit_children(|c| stack.push(c));
                continue;
            }
            Visit::Expr(e) => e,
        };
        match &e.node {
            ExprP::ListComprehension(x, first, clauses) => {
                let open = edits.expect(e.span.begin().get() as usize, b"[")?;
                edits.wrap(open, x, ITEM, ":]")?;
                edits.clauses(first, clauses)?;
            }
            ExprP::DictComprehension(kv, first, clauses) => {
                let (k, v) = &**kv;
                let open = edits.expect(e.span.begin().get() as usize, b"{")?;
                let colon = edits.wrap(open, k, ENTRY, ":]")?;
                let colon = edits.expect(colon, b":")?;
                // A name or a literal makes no new value: the key's check covers the element.
                if !matches!(v.node, ExprP::Identifier(_) | ExprP::Literal(_)) {
                    edits.wrap(colon, v, ITEM, ":]")?;
                }
                edits.clauses(first, clauses)?;
            }
            ExprP::Call(f, args) => {
                // `d.setdefault(k, v)`, `d` a name and `k` written first: the key guard of an
                // index assignment, `d.setdefault(_dispatch_key[d:(k)], v)`, which costs far
                // less than a guarded method call (a loop of them fills a dict like `d[k] = v`).
                if let ExprP::Dot(obj, name) = &f.node
                    && name.node == "setdefault"
                    && let ExprP::Identifier(d) = &obj.node
                    && let Some(ArgumentP::Positional(k)) = args.args.first().map(|a| &a.node)
                {
                    let paren = edits.expect(name.span.end().get() as usize, b"(")?;
                    edits.wrap(paren, k, &format!("_dispatch_key[{}:", d.node.ident), "]")?;
                    stack.push(Visit::Expr(obj));
                    push_arguments(&mut stack, &args.args);
                    continue;
                }
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
                    push_arguments(&mut stack, &args.args);
                    continue;
                }
            }
            ExprP::Dot(obj, name) if guarded(&name.node).is_some() => {
                edits.attr(obj, name.span.end().get() as usize, &name.node)?;
            }
            ExprP::Slice(x, a, b, c) => {
                edits.slice(e, x, a.as_deref(), b.as_deref(), c.as_deref())?;
            }
            // A negated literal is as small as the source text.
            ExprP::Minus(x) if !matches!(x.node, ExprP::Literal(_)) => {
                // `-x` of a big int is a new big int whose digits live outside the arena;
                // `_dispatch_item` records them (`l.append(-x)` in a loop grew unseen).
                let (start, end) = (e.span.begin().get() as usize, e.span.end().get() as usize);
                edits.push(start, start, format!("{ITEM}("), (start, start));
                edits.push(end, end, "):]", (end, end));
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

    /// Wraps the operand `e` that starts at the first token after `open` (a bracket or a colon):
    /// `e` → `before(e)after` (the parentheses keep whatever `e` is one operand). The wrapper maps
    /// back to `e` as written, parentheses included. Returns the position after the wrapped text.
    fn wrap(
        &mut self,
        open: usize,
        e: &AstExpr,
        before: &str,
        after: &str,
    ) -> Result<usize, RewriteError> {
        let start = self.skip_trivia(open + 1);
        // Closing parentheses of a parenthesised `e` follow its span (its opening ones precede
        // it, or sit inside it: `(x).strip()` starts at `x`).
        let mut end = e.span.end().get() as usize;
        loop {
            let i = self.skip_trivia(end);
            match self.src.get(i) {
                Some(b')') => end = i + 1,
                _ => break,
            }
        }
        if start > e.span.begin().get() as usize {
            return Err(RewriteError(start));
        }
        self.push(start, start, format!("{before}("), (start, start));
        self.push(end, end, format!("){after}"), (end, end));
        Ok(end)
    }

    /// Index targets of `target` (an assignment or a loop variable): `d[k] = v` →
    /// `d[_dispatch_key[d:(k)]] = v` when `d` is a name, `d[_dispatch_entry[(k):]] = v`
    /// otherwise.
    fn targets(&mut self, target: &AstAssignTarget) -> Result<(), RewriteError> {
        match &target.node {
            AssignTargetP::Tuple(xs) => {
                for x in xs {
                    self.targets(x)?;
                }
            }
            AssignTargetP::Index(dk) => {
                let (d, k) = &**dk;
                let (open, _) = self.after_operand(d)?;
                let open = self.expect(open, b"[")?;
                match &d.node {
                    ExprP::Identifier(name) => {
                        let before = format!("_dispatch_key[{}:", name.node.ident);
                        self.wrap(open, k, &before, "]")?
                    }
                    _ => self.wrap(open, k, ENTRY, ":]")?,
                };
            }
            AssignTargetP::Dot(..) | AssignTargetP::Identifier(_) => {}
        }
        Ok(())
    }

    /// `x *= n`, `x %= v` and `x |= e`, which `replace_binary_operators` does not reach:
    /// `x = _dispatch_mul(x, (n))` and `x = _dispatch_percent(x, (v))` (starlark's `*=` and `%=`
    /// make a new value, like `*` and `%`), and `x |= _dispatch_ior[x:(e)]` (a dict's `|=` adds
    /// to it in place; the guard charges the entries it gains). `x` is written twice only when
    /// reading it has no effect (a name, or an index or attribute of names and literals);
    /// otherwise `|=` becomes `x |= _dispatch_ior[(e):]` (every entry of `e` is charged) and
    /// `*=`, `%=` are left alone.
    fn augmented(
        &mut self,
        lhs: &AstAssignTarget,
        op: AssignOp,
        rhs: &AstExpr,
    ) -> Result<(), RewriteError> {
        let (operator, guard) = match op {
            AssignOp::Multiply => (Some("_dispatch_mul"), IOR),
            AssignOp::Percent => (Some("_dispatch_percent"), IOR),
            AssignOp::BitOr => (None, IOR),
            AssignOp::Add => (None, IADD),
            _ => return Ok(()),
        };
        // The operator follows the target and any closing parentheses around it.
        let mut at = self.skip_trivia(lhs.span.end().get() as usize);
        while self.src.get(at) == Some(&b')') {
            at = self.skip_trivia(at + 1);
        }
        let sign = self.expect(at, b"*%|+")?;
        let eq = self.expect(sign + 1, b"=")?;
        if eq != sign + 1 {
            return Err(RewriteError(eq));
        }
        let (begin, end) = (
            lhs.span.begin().get() as usize,
            lhs.span.end().get() as usize,
        );
        let target = if pure_target(lhs) {
            let text =
                std::str::from_utf8(&self.src[begin..end]).map_err(|_| RewriteError(begin))?;
            Some(text.to_owned())
        } else {
            None
        };
        match (operator, target) {
            (Some(f), Some(x)) => {
                self.push(sign, eq + 1, format!("= {f}({x},"), (begin, eq + 1));
                self.wrap(eq, rhs, "", ")")?;
            }
            (None, Some(x)) => {
                self.wrap(eq, rhs, &format!("{guard}{x}:"), "]")?;
            }
            (None, None) => {
                self.wrap(eq, rhs, guard, ":]")?;
            }
            (Some(_), None) => {}
        }
        Ok(())
    }

    /// The loop variables of a comprehension's clauses (index targets, see [`Edits::targets`]).
    fn clauses(&mut self, first: &ForClause, rest: &[Clause]) -> Result<(), RewriteError> {
        self.targets(&first.var)?;
        for c in rest {
            if let ClauseP::For(f) = c {
                self.targets(&f.var)?;
            }
        }
        Ok(())
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
                i = crate::nesting::skip_string(src, i);
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

/// Whether `s` ends with a character of a word (identifier, keyword or number).
fn ends_in_word(s: &str) -> bool {
    s.bytes()
        .last()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `s` starts with a character of a word.
fn starts_with_word(s: &str) -> bool {
    s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Before copying `next` after inserted text, keeps two words apart: the inserted text (the
/// last segment) grows by one space when it ends a word and `next` starts one.
fn separate(text: &mut String, segments: &mut [Segment], next: &str) {
    if let Some(last) = segments.last_mut()
        && last.synthetic_end.is_some()
        && ends_in_word(text)
        && starts_with_word(next)
    {
        text.push(' ');
        last.len += 1;
    }
}

/// Replaces each `(start, end, text)` of `edits` (sorted, not overlapping) in `src`; the map
/// leads each replacement back to the range it replaced.
pub(crate) fn replace(
    src: &str,
    edits: Vec<(usize, usize, String)>,
) -> Result<Rewritten, RewriteError> {
    let edits = edits
        .into_iter()
        .enumerate()
        .map(|(seq, (start, end, text))| Edit {
            start,
            end,
            text,
            anchor: (start, end),
            seq,
        })
        .collect();
    apply(src, edits)
}

/// Applies `edits` to `src`, building the offset map as it goes.
fn apply(src: &str, mut edits: Vec<Edit>) -> Result<Rewritten, RewriteError> {
    // At one position, insertions go before a replacement: an insertion there closes an operand
    // that ends where the replaced token (`]`, `:`, `.name(`) begins.
    edits.sort_by_key(|e| (e.start, e.end != e.start, e.seq));
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
            separate(&mut text, &mut segments, copied);
            segments.push(Segment {
                new_start: text.len(),
                len: copied.len(),
                orig_start: cursor,
                synthetic_end: None,
            });
            text.push_str(copied);
        }
        // Inserted text never glues onto a word before it: `return"{}".format(x)` must not
        // become `return_dispatch_method(…)`.
        let space = ends_in_word(&text) && starts_with_word(&e.text);
        segments.push(Segment {
            new_start: text.len(),
            len: e.text.len() + usize::from(space),
            orig_start: e.anchor.0,
            synthetic_end: Some(e.anchor.1),
        });
        if space {
            text.push(' ');
        }
        text.push_str(&e.text);
        cursor = e.end;
    }
    let rest = src.get(cursor..).ok_or(RewriteError(cursor))?;
    if !rest.is_empty() {
        separate(&mut text, &mut segments, rest);
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
        untouched: "x = a.count(1) + b[1]\n" => "x = a.count(1) + b[1]\n";
        lookup_compares_its_key: "x = d.get(k) or l.index(v)\n" => "x = _dispatch_method(d, \"get\", k) or _dispatch_method(l, \"index\", v)\n";
        simple_call: "x = s.join(l)\n" => "x = _dispatch_method(s, \"join\", l)\n";
        no_args: "x = s.elems()\n" => "x = _dispatch_method(s, \"elems\")\n";
        glued_to_a_keyword: "def f(n):\n    return\"{}\".format(n)\n" => "def f(n):\n    return _dispatch_method(\"{}\", \"format\", n)\n";
        chained: "x = a.replace(x, y).split(\",\")\n" => "x = _dispatch_method(_dispatch_method(a, \"replace\", x, y), \"split\", \",\")\n";
        nested_args: "x = s.join([t.strip() for t in l])\n" => "x = _dispatch_method(s, \"join\", [_dispatch_item[(_dispatch_method(t, \"strip\")):] for t in l])\n";
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
        assign_target: "s.join(l)[0] = 1\n" => "_dispatch_method(s, \"join\", l)[_dispatch_entry[(0):]] = 1\n";
        unary_minus: "x = -y\nz = [-(a) for a in l]\n" => "x = _dispatch_item[(-y):]\nz = [_dispatch_item[(_dispatch_item[(-(a)):]):] for a in l]\n";
        negated_literal_is_kept: "x = -1\n" => "x = -1\n";
        negated_slice_step: "x = s[::-n]\n" => "x = _dispatch_slice(s, _dispatch_missing, _dispatch_missing, _dispatch_item[(-n):])\n";
        list_comprehension: "x = [ (a) for a in l if a]\n" => "x = [ _dispatch_item[((a)):] for a in l if a]\n";
        comprehension_of_call: "x = [(t).strip() for t in l]\n" => "x = [_dispatch_item[(_dispatch_method((t), \"strip\")):] for t in l]\n";
        comprehension_of_slice: "x = [t[1:] for t in l]\n" => "x = [_dispatch_item[(_dispatch_slice(t, 1, _dispatch_missing, _dispatch_missing)):] for t in l]\n";
        dict_comprehension: "x = {k : (v) + 1 for k, v in l}\n" => "x = {_dispatch_entry[(k):] : _dispatch_item[((v) + 1):] for k, v in l}\n";
        dict_comprehension_of_names_and_literals: "x = {k : (v) for k, v in l}\ny = {k: 'a' for k in l}\n" => "x = {_dispatch_entry[(k):] : (v) for k, v in l}\ny = {_dispatch_entry[(k):]: 'a' for k in l}\n";
        nested_comprehension: "x = [[j for j in i] for i in l]\n" => "x = [_dispatch_item[([_dispatch_item[(j):] for j in i]):] for i in l]\n";
        index_assignment: "d[k + 1] = v\n" => "d[_dispatch_key[d:(k + 1)]] = v\n";
        index_tuple: "d[(1, 2)] = v\n" => "d[_dispatch_key[d:((1, 2))]] = v\n";
        index_in_tuple_and_loop: "for d[i], (e)[j] in l:\n  pass\n" => "for d[_dispatch_key[d:(i)]], (e)[_dispatch_key[e:(j)]] in l:\n  pass\n";
        index_of_call: "f()[k] = v\n" => "f()[_dispatch_entry[(k):]] = v\n";
        index_in_comprehension_loop: "x = [0 for d[i] in l]\n" => "x = [_dispatch_item[(0):] for d[_dispatch_key[d:(i)]] in l]\n";
        augmented_add_of_index: "d[k] += 1\n" => "d[k] += _dispatch_iadd[d[k]:(1)]\n";
        augmented_multiply: "x *= n\n" => "x = _dispatch_mul(x, (n))\n";
        augmented_without_spaces: "x*=2\n" => "x= _dispatch_mul(x,(2))\n";
        augmented_percent_of_index: "d[k] %= (a, b)\n" => "d[k] = _dispatch_percent(d[k], ((a, b)))\n";
        augmented_union: "d |= e\n" => "d |= _dispatch_ior[d:(e)]\n";
        augmented_union_of_attribute: "t.f.g |= {1: 2}\n" => "t.f.g |= _dispatch_ior[t.f.g:({1: 2})]\n";
        augmented_union_of_call: "f()[0] |= e\n" => "f()[0] |= _dispatch_ior[(e):]\n";
        augmented_add: "x += e\n" => "x += _dispatch_iadd[x:(e)]\n";
        augmented_add_of_call: "f()[0] += e\n" => "f()[0] += _dispatch_iadd[(e):]\n";
        augmented_multiply_of_call_untouched: "f()[0] *= 2\n" => "f()[0] *= 2\n";
        augmented_add_of_attribute: "t.f += y\n" => "t.f += _dispatch_iadd[t.f:(y)]\n";
        setdefault_key: "d.setdefault(k + 1, [])\n" => "d.setdefault(_dispatch_key[d:(k + 1)], [])\n";
        setdefault_of_call: "f().setdefault(k)\n" => "_dispatch_method(f(), \"setdefault\", k)\n";
        setdefault_star_args: "d.setdefault(*a)\n" => "_dispatch_method(d, \"setdefault\", *a)\n";
        update_is_guarded: "d.update(e)\n" => "_dispatch_method(d, \"update\", e)\n";
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
