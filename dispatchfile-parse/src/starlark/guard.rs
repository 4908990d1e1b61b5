//! Bounds on hostile Starlark (SPEC §6, ECOSYSTEM §1.5): a nesting estimate before parsing, an
//! exact AST depth check without recursion, guarded `+`, `*` and `range`, and a statement hook that
//! spends the statement budget and checks the heap cap before every statement.

use std::fmt;

use starlark::codemap::FileSpanRef;
use starlark::eval::{BeforeStmtFuncDyn, Evaluator};
use starlark::syntax::AstModule;
use std::collections::{HashMap, HashSet};

use starlark::values::Value;
use starlark::values::dict::DictRef;
use starlark::values::structs::StructRef;
use starlark_syntax::syntax::uniplate::Visit;

use super::value::{Store, list_items, view};

/// A limit of [`dispatchfile_model::Limits`] was exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitError {
    /// The `Limits` field.
    pub(crate) field: &'static str,
    /// Its value.
    pub(crate) value: u64,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "limit exceeded: {} ({})", self.field, self.value)
    }
}

impl std::error::Error for LimitError {}

fn limit(field: &'static str, value: usize) -> starlark::Error {
    starlark::Error::new_native(LimitError {
        field,
        value: value as u64,
    })
}

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

/// The index just past the string literal starting at `start` (a quote character).
fn skip_string(bytes: &[u8], start: usize) -> usize {
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
        node.visit_children(|c| stack.push((c, depth + 1)));
    }
    max
}

/// The limits of the running evaluation (defaults when no store is attached).
fn limits(eval: &Evaluator<'_, '_, '_>) -> (usize, u64) {
    let default = dispatchfile_model::Limits::default();
    let l = Store::get(eval).map_or(&default, |s| &s.limits);
    (l.starlark_max_heap_bytes, l.starlark_max_statements)
}

/// The size in bytes a sequence operand contributes (strings by length, lists 8 bytes an item).
fn seq_size(v: Value<'_>) -> Option<usize> {
    if let Some(s) = v.unpack_str() {
        return Some(s.len());
    }
    if let Some(items) = list_items(v) {
        return Some(items.len().saturating_mul(8));
    }
    None
}

/// The arena's reserved bytes counted against `starlark_max_heap_bytes`: what is reserved now,
/// twice, because the arena grows by chunks as large as everything reserved so far, so the next
/// allocation may reserve as much again. Staying under the cap this way keeps the real
/// reservation under it too (a Dispatchfile can use about half the cap).
pub(crate) fn reserved(eval: &Evaluator<'_, '_, '_>) -> usize {
    eval.heap().allocated_bytes().saturating_mul(2)
}

/// Refuses `a + b` whose result would take the heap over the cap.
pub(crate) fn check_add<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'_, '_, '_>,
) -> starlark::Result<()> {
    let (heap, _) = limits(eval);
    if let (Some(x), Some(y)) = (seq_size(a), seq_size(b))
        && x.saturating_add(y).saturating_add(reserved(eval)) > heap
    {
        return Err(limit("starlark_max_heap_bytes", heap));
    }
    Ok(())
}

/// Refuses `a * b` (repetition) whose result would exceed the heap cap.
pub(crate) fn check_mul<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'_, '_, '_>,
) -> starlark::Result<()> {
    let (heap, _) = limits(eval);
    let (n, seq) = if a.get_type() == "int" {
        (a, b)
    } else {
        (b, a)
    };
    if n.get_type() != "int" {
        return Ok(());
    }
    let Some(size) = seq_size(seq) else {
        return Ok(());
    };
    let times = match n.unpack_i32() {
        Some(t) => usize::try_from(t).unwrap_or(0),
        // An int beyond 32 bits: any non-empty operand is far too large.
        None => usize::MAX,
    };
    if size > 0 && size.saturating_mul(times).saturating_add(reserved(eval)) > heap {
        return Err(limit("starlark_max_heap_bytes", heap));
    }
    Ok(())
}

/// Refuses a `range` longer than the statement budget: iterating or materialising it could not
/// finish within the budget anyway, and `list(range(…))` would allocate at once.
pub(crate) fn check_range(
    args: &[Value<'_>],
    eval: &Evaluator<'_, '_, '_>,
) -> starlark::Result<()> {
    let (_, statements) = limits(eval);
    let ints: Option<Vec<i64>> = args
        .iter()
        .map(|v| match v.unpack_i32() {
            Some(i) => Some(i64::from(i)),
            None if v.get_type() == "int" => Some(if v.to_repr().starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            }),
            None => None,
        })
        .collect();
    let Some(ints) = ints else { return Ok(()) };
    let (first, end, stride) = match ints.as_slice() {
        [e] => (0, *e, 1),
        [f, e] => (*f, *e, 1),
        [f, e, s] => (*f, *e, *s),
        _ => return Ok(()),
    };
    let (first, end, stride) = (i128::from(first), i128::from(end), i128::from(stride));
    let len = if stride > 0 && end > first {
        (end - first + stride - 1) / stride
    } else if stride < 0 && end < first {
        (first - end - stride - 1) / -stride
    } else {
        0
    };
    if len > i128::from(statements) {
        return Err(starlark::Error::new_native(LimitError {
            field: "starlark_max_statements",
            value: statements,
        }));
    }
    Ok(())
}

/// The containers directly inside `v`.
fn children(v: Value<'_>) -> Vec<Value<'_>> {
    if let Some(items) = list_items(v) {
        return items;
    }
    if let Some(d) = DictRef::from_value(v) {
        return d.iter().flat_map(|(k, x)| [k, x]).collect();
    }
    if let Some(m) = view(v) {
        return m.fields.into_iter().map(|(_, x)| x).collect();
    }
    if let Some(s) = StructRef::from_value(v) {
        return s.iter().map(|(_, x)| x).collect();
    }
    Vec::new()
}

/// Stop measuring after this many distinct containers (the heap cap bounds them anyway).
const MAX_MEASURED: usize = 1 << 21;

/// Refuses values nested deeper than `max_depth` before an operation that formats them
/// (`str`, `repr`, `print`, `fail`, `%`): Starlark formats recursively, so a structure built by
/// a long loop (`x = [x]`) would overflow the stack. The longest path is measured without
/// recursion (post-order with memoised depths; cycles count once, as `repr` prints `[...]`).
pub(crate) fn check_value_depth<'v>(
    roots: &[Value<'v>],
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    let max = Store::get(eval).map_or(dispatchfile_model::Limits::default().max_depth, |s| {
        s.limits.max_depth
    });
    let mut memo: HashMap<starlark::values::ValueIdentity<'v>, usize> = HashMap::new();
    let mut on_path: HashSet<starlark::values::ValueIdentity<'v>> = HashSet::new();
    let mut stack: Vec<(Value<'v>, bool)> = roots.iter().map(|v| (*v, false)).collect();
    while let Some((v, expanded)) = stack.pop() {
        let id = v.identity();
        if expanded {
            let depth = 1 + children(v)
                .iter()
                .map(|k| memo.get(&k.identity()).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            if depth > max {
                return Err(limit("max_depth", max));
            }
            on_path.remove(&id);
            memo.insert(id, depth);
            if memo.len() > MAX_MEASURED {
                return Ok(());
            }
        } else {
            if memo.contains_key(&id) || on_path.contains(&id) {
                continue;
            }
            let kids = children(v);
            if kids.is_empty() {
                memo.insert(id, 1);
                continue;
            }
            on_path.insert(id);
            stack.push((v, true));
            stack.extend(kids.into_iter().map(|k| (k, false)));
        }
    }
    Ok(())
}

/// Runs before every statement of code compiled while it is installed: spends the statement
/// budget (all modules share it) and checks the heap cap, so runaway loops and doubling end with
/// `limit exceeded` at the statement that crossed the line.
#[derive(Debug, Default)]
pub(crate) struct StatementHook;

impl<'e> BeforeStmtFuncDyn<'e> for StatementHook {
    fn call<'v>(
        &mut self,
        span: FileSpanRef,
        continued: bool,
        eval: &mut Evaluator<'v, '_, 'e>,
    ) -> starlark::Result<()> {
        let Some(store) = Store::get(eval) else {
            return Ok(());
        };
        // Errors without a position of their own (limits found between operations) are
        // reported at the statement that was running.
        *store.last_statement.borrow_mut() = Some(span.to_file_span());
        if !continued {
            let n = store.statements.get() + 1;
            store.statements.set(n);
            if n > store.limits.starlark_max_statements {
                return Err(starlark::Error::new_native(LimitError {
                    field: "starlark_max_statements",
                    value: store.limits.starlark_max_statements,
                }));
            }
        }
        let cap = store.limits.starlark_max_heap_bytes;
        if reserved(eval) > cap {
            return Err(limit("starlark_max_heap_bytes", cap));
        }
        Ok(())
    }
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
