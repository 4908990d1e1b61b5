//! The checks of the guarded native calls (the table in the module documentation of `eval`):
//! each one's estimate (from `estimate`, or measured here when printing is involved) charged
//! against the budget of the running evaluation, and the limit errors they raise.

use std::collections::{HashMap, HashSet};

use starlark::eval::Evaluator;
use starlark::values::dict::DictRef;
use starlark::values::list::ListRef;
use starlark::values::tuple::TupleRef;
use starlark::values::{Heap, Value, ValueIdentity};

use crate::budget::{Budget, LimitError, LimitValue, Refused};
use crate::chars::Chars;
use crate::compare::Walk;
use crate::estimate::{
    ITEM, MAX_MEASURED, big_int_bytes, char_count, chars_estimate, is_container, item_count,
    join_estimate, list_result, parts, plain_size, seq_size, string_repr_len, string_result,
};
use crate::store::{Store, limit, limit_error, refused, with_current};

/// The limits of the running evaluation (defaults when no store is attached).
fn limits(eval: &Evaluator<'_, '_, '_>) -> (usize, u64) {
    if let Some(s) = Store::get(eval) {
        (
            s.limits.starlark_max_heap_bytes,
            s.limits.starlark_max_statements,
        )
    } else {
        let l = dispatchfile_model::Limits::default();
        (l.starlark_max_heap_bytes, l.starlark_max_statements)
    }
}

/// The arena's reserved bytes counted against `starlark_max_heap_bytes`: what is reserved now,
/// twice, because the arena grows by chunks as large as everything reserved so far, so the next
/// allocation may reserve as much again. Staying under the cap this way keeps the real
/// reservation under it too (a Dispatchfile can use about half the cap).
///
/// Dicts, structs and the pipeline's nodes live outside the arena, where the heap does not count
/// them; the guarded calls that make them record their estimate in [`Store::outside`], which is
/// added here (values are never freed during an evaluation: the garbage collector is off).
pub(crate) fn reserved(eval: &Evaluator<'_, '_, '_>) -> usize {
    let outside = Store::get(eval).map_or(0, |s| s.budget.outside());
    eval.heap()
        .allocated_bytes()
        .saturating_mul(2)
        .saturating_add(outside)
}

/// Refuses once `reserved` is over the heap cap (after a call that made a large value).
pub(crate) fn check_reserved(store: &Store, eval: &Evaluator<'_, '_, '_>) -> starlark::Result<()> {
    store
        .budget
        .fits(eval.heap().allocated_bytes().saturating_mul(2), 0)
        .map_err(refused)
}

/// Refuses `a + b` whose result would take the heap over the cap.
pub(crate) fn check_add<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    let (heap, _) = limits(eval);
    if a.get_type() == "int"
        && b.get_type() == "int"
        && (a.unpack_i32().is_none() || b.unpack_i32().is_none())
    {
        // A sum of big ints is as long as the longer one, and its digits live outside the
        // arena: `l.append(x + i)` in a loop would otherwise grow unseen.
        let bytes = |v: Value<'v>| big_int_bytes(v).unwrap_or(4);
        return within_outside(bytes(a).max(bytes(b)).saturating_add(8), eval);
    }
    if let (Some(x), Some(y)) = (seq_size(a), seq_size(b))
        && x.saturating_add(y).saturating_add(reserved(eval)) > heap
    {
        return Err(limit("starlark_max_heap_bytes", heap));
    }
    Ok(())
}

/// Refuses `a * b` (repetition, or a product of ints) whose result would exceed the heap cap.
pub(crate) fn check_mul<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
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
    if seq.get_type() == "int" {
        // A product has the bits of both factors, and the multiplication needs scratch space of
        // about that size again: squaring in a loop doubles the size every time. The digits live
        // outside the arena, so they are recorded like dict entries.
        if a.unpack_i32().is_none() || b.unpack_i32().is_none() {
            let bytes = |v: Value<'v>| big_int_bytes(v).unwrap_or(4);
            let (x, y) = (bytes(a), bytes(b));
            // The time of a product grows with the product of the lengths: one multiplication
            // of two 20 MB ints runs for minutes, between two statements, where neither the
            // statement budget nor `eval_timeout` can stop it. It is charged to the statement
            // budget as word products, `MUL_WORDS_PER_STATEMENT` to a statement.
            let words = ((x / 8 + 1) as u64).saturating_mul((y / 8 + 1) as u64);
            spend_statements(words / MUL_WORDS_PER_STATEMENT, eval)?;
            let need = x.saturating_add(y).saturating_mul(3);
            return within_outside(need, eval);
        }
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
pub(crate) fn check_range<'v>(
    args: &[Value<'v>],
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    let (_, statements) = limits(eval);
    let ints: Option<Vec<i64>> = args
        .iter()
        .map(|v| match v.unpack_i32() {
            Some(i) => Some(i64::from(i)),
            // The sign of an int beyond 32 bits, without printing it (quadratic in its size).
            None if v.get_type() == "int" => Some(
                if v.compare(eval.heap().alloc(0))
                    .is_ok_and(std::cmp::Ordering::is_lt)
                {
                    i64::MIN
                } else {
                    i64::MAX
                },
            ),
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
        return Err(limit_error(LimitError {
            field: "starlark_max_statements",
            value: LimitValue::from(statements),
        }));
    }
    Ok(())
}

/// The formatted sizes of values, as `str` prints them and as `repr` prints them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Printed {
    /// `str(v)`: a string prints as itself.
    pub(crate) str: usize,
    /// `repr(v)`: a string is quoted and escaped.
    pub(crate) repr: usize,
}

/// Walks `roots` once, without recursion and memoising shared containers: refuses values nested
/// deeper than `max_depth` (Starlark formats and hashes recursively, so a structure built by a long
/// loop, `x = [x]`, would overflow the stack), and returns each root's formatted size (saturating;
/// a container printed as `[...]` because it contains itself counts 5 bytes there).
///
/// String `repr` lengths use the bound 2 + 4 × length (`\x00` escapes) unless `exact`, when long
/// strings are measured exactly; a caller first tries the bound and measures again only when the
/// bound is over budget.
///
/// Formatting a big int in decimal takes time quadratic in its digits, so the bound pass also
/// charges the statement budget: at most (digits printed ÷ 19 per word) × (words of the widest
/// int) word operations, `MUL_WORDS_PER_STATEMENT` to a statement, as multiplying is charged.
pub(crate) fn measure<'v>(
    roots: &[Value<'v>],
    exact: bool,
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<Vec<Printed>> {
    let (printed, widest) = measure_sizes(roots, exact, eval)?;
    if !exact && widest > 0 {
        let digits = printed
            .iter()
            .fold(0u64, |n, p| n.saturating_add(p.repr as u64));
        let words = widest as u64 / 8 + 1;
        spend_statements(
            (digits / 19).saturating_mul(words) / MUL_WORDS_PER_STATEMENT,
            eval,
        )?;
    }
    Ok(printed)
}

/// [`measure`] without the charge: the sizes, and the bytes of the widest big int met (0 when
/// there is none).
fn measure_sizes<'v>(
    roots: &[Value<'v>],
    exact: bool,
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<(Vec<Printed>, usize)> {
    let widest = std::cell::Cell::new(0usize);
    let max = Store::get(eval).map_or(dispatchfile_model::Limits::default().max_depth, |s| {
        s.limits.max_depth
    });
    // Containers and leaves that are not plain, by identity: (depth, repr size).
    let mut memo: HashMap<ValueIdentity<'v>, (usize, usize)> = HashMap::new();
    let mut on_path: HashSet<ValueIdentity<'v>> = HashSet::new();
    let mut stack: Vec<(Value<'v>, bool)> = Vec::new();
    // A leaf that is not plain: a long string measured exactly, or something printing a short
    // text of its own (a function, a range, a float, a quantity) or a big int.
    let leaf = |v: Value<'v>| -> usize {
        if let Some(s) = v.unpack_str() {
            return string_repr_len(s);
        }
        if let Some(bytes) = big_int_bytes(v) {
            widest.set(widest.get().max(bytes));
            // Decimal digits: 8 bits are at most 2.41 digits.
            return bytes.saturating_mul(5) / 2 + 2;
        }
        v.to_repr().len()
    };
    for root in roots {
        if is_container(*root) {
            stack.push((*root, false));
        }
        while let Some((v, expanded)) = stack.pop() {
            let id = v.identity();
            if expanded {
                let mut depth = 0usize;
                let mut size = 0usize;
                let base = parts(v, |k, extra| {
                    let (d, s) = if let Some(s) = plain_size(k, exact) {
                        (1, s)
                    } else {
                        let kid = k.identity();
                        if let Some(m) = memo.get(&kid) {
                            *m
                        } else if on_path.contains(&kid) || is_container(k) {
                            // Printed as `[...]` (a container is always measured before the
                            // containers holding it, unless it holds them).
                            (0, 5)
                        } else {
                            *memo.entry(kid).or_insert_with(|| (1, leaf(k)))
                        }
                    };
                    depth = depth.max(d);
                    size = size.saturating_add(s).saturating_add(extra);
                });
                let depth = depth + 1;
                if depth > max {
                    return Err(limit("max_depth", max));
                }
                on_path.remove(&id);
                memo.insert(id, (depth, size.saturating_add(base.unwrap_or(0))));
                if memo.len() > MAX_MEASURED {
                    // Measuring more would itself take much memory; nothing this large is
                    // formatted by a Dispatchfile.
                    let (heap, _) = limits(eval);
                    return Err(limit("starlark_max_heap_bytes", heap));
                }
            } else {
                if memo.contains_key(&id) || on_path.contains(&id) {
                    continue;
                }
                on_path.insert(id);
                stack.push((v, true));
                parts(v, |k, _| {
                    if plain_size(k, exact).is_none() && is_container(k) {
                        stack.push((k, false));
                    }
                });
            }
        }
    }
    let printed = roots
        .iter()
        .map(|r| {
            let repr = match plain_size(*r, exact) {
                Some(s) => s,
                // Roots repeat too (`print(*[s] * 1000)`): each distinct one is measured once.
                None => memo.entry(r.identity()).or_insert_with(|| (1, leaf(*r))).1,
            };
            let str = r.unpack_str().map_or(repr, str::len);
            Printed { str, repr }
        })
        .collect();
    Ok((printed, widest.get()))
}

/// Refuses formatting values nested deeper than `max_depth` (see [`measure`]).
pub(crate) fn check_value_depth<'v>(
    roots: &[Value<'v>],
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    measure_sizes(roots, false, eval).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Size estimates of native calls

/// The heap cap and what is left of it now.
fn budget(eval: &Evaluator<'_, '_, '_>) -> (usize, usize) {
    let (cap, _) = limits(eval);
    (cap, cap.saturating_sub(reserved(eval)))
}

/// Refuses a call whose estimate is over what is left of the heap cap (and any call once the
/// heap is already over it).
fn within(need: usize, eval: &Evaluator<'_, '_, '_>) -> starlark::Result<()> {
    let (cap, _) = limits(eval);
    if reserved(eval).saturating_add(need) > cap {
        return Err(limit("starlark_max_heap_bytes", cap));
    }
    Ok(())
}

/// Word products of a big-int multiplication counted as one statement.
pub(crate) const MUL_WORDS_PER_STATEMENT: u64 = 16;

/// Spends `n` statements of the shared budget at once (work a single native call does).
fn spend_statements(n: u64, eval: &Evaluator<'_, '_, '_>) -> starlark::Result<()> {
    match Store::get(eval) {
        Some(store) => spend_store_statements(n, store, eval.get_total_tick_count()),
        None => Ok(()),
    }
}

/// [`spend_statements`] for a caller that holds the store (the pipeline conversion), with the
/// `running` ticks of its evaluator.
pub(crate) fn spend_store_statements(n: u64, store: &Store, running: u64) -> starlark::Result<()> {
    store.budget.spend(n, running).map_err(refused)
}

/// Like [`within`] for a result kept outside the arena (dict and struct entries, big-int digits):
/// also records the estimate, so later checks count it.
fn within_outside(need: usize, eval: &Evaluator<'_, '_, '_>) -> starlark::Result<()> {
    within(need, eval)?;
    if let Some(store) = Store::get(eval) {
        store.budget.record(need);
    }
    Ok(())
}

/// Non-overlapping occurrences of `needle` in the string `s`, counted by starlark's own
/// `str.count` (compiled with optimisations even in debug builds, unlike a loop here, which
/// matters for the hostile tests' time limit). `None` if that fails.
fn occurrences<'v>(s: Value<'v>, needle: &str, eval: &mut Evaluator<'v, '_, '_>) -> Option<usize> {
    let heap = eval.heap();
    let count = s.get_attr("count", heap).ok()??;
    let needle = heap.alloc_str(needle).to_value();
    let n = eval.eval_function(count, &[needle], &[]).ok()?;
    n.unpack_i32().and_then(|n| usize::try_from(n).ok())
}

/// `s.replace(old, new[, count])`: exact when the quick bound is over budget.
fn replace_estimate<'v>(
    recv: Value<'v>,
    s: &str,
    (old, new, count): (&str, &str, Option<usize>),
    left: usize,
    eval: &mut Evaluator<'v, '_, '_>,
) -> usize {
    let most = if old.is_empty() {
        s.len().saturating_add(1)
    } else {
        s.len() / old.len()
    };
    let most = count.map_or(most, |c| c.min(most));
    let grow = new.len().saturating_sub(old.len());
    let bound = string_result(s.len().saturating_add(most.saturating_mul(grow)));
    if bound <= left {
        return bound;
    }
    let found = if old.is_empty() {
        char_count(recv).map(|n| n.saturating_add(1))
    } else {
        occurrences(recv, old, eval)
    };
    let Some(found) = found else { return bound };
    let k = count.map_or(found, |c| c.min(found));
    let len = s
        .len()
        .saturating_sub(k.saturating_mul(old.len()))
        .saturating_add(k.saturating_mul(new.len()));
    string_result(len)
}

/// `s.split(sep, maxsplit)` and `rsplit`: a list of new strings.
fn split_estimate<'v>(
    recv: Value<'v>,
    s: &str,
    (sep, maxsplit): (Option<&str>, Option<usize>),
    left: usize,
    eval: &mut Evaluator<'v, '_, '_>,
) -> usize {
    let cost = |items: usize| {
        items
            .saturating_mul(ITEM)
            .saturating_add(s.len().saturating_mul(2))
    };
    let most = match sep {
        None => s.len() / 2 + 1,
        Some("") => s.len().saturating_add(2),
        Some(p) => s.len() / p.len() + 1,
    };
    let most = maxsplit.map_or(most, |m| m.saturating_add(1).min(most));
    if cost(most) <= left {
        return cost(most);
    }
    let found = match sep {
        None => {
            // Counting stops once the words alone are over budget.
            let stop = left / ITEM + 1;
            let mut words = 0usize;
            let mut in_word = false;
            for c in s.chars() {
                let ws = c.is_whitespace();
                if !ws && !in_word {
                    words += 1;
                    if words > stop {
                        break;
                    }
                }
                in_word = !ws;
            }
            Some(words)
        }
        Some("") => char_count(recv).map(|n| n.saturating_add(2)),
        Some(p) => occurrences(recv, p, eval).map(|n| n.saturating_add(1)),
    };
    let Some(found) = found else {
        return cost(most);
    };
    cost(maxsplit.map_or(found, |m| m.saturating_add(1).min(found)))
}

/// `s.format(*args, **kwargs)`: each placeholder prints at most the largest argument.
fn format_estimate<'v>(
    recv: Value<'v>,
    s: &str,
    args: &[Value<'v>],
    left: usize,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<usize> {
    if args.is_empty() {
        return Ok(string_result(s.len()));
    }
    let repr = s.contains("!r");
    let largest = |exact, eval: &Evaluator<'v, '_, '_>| -> starlark::Result<usize> {
        Ok(measure(args, exact, eval)?
            .iter()
            .map(|p| if repr { p.repr } else { p.str })
            .max()
            .unwrap_or(0))
    };
    // A placeholder takes at least two bytes (`{}`).
    let quick = |placeholders: usize, largest: usize| {
        string_result(s.len().saturating_add(placeholders.saturating_mul(largest)))
    };
    let mut big = largest(false, eval)?;
    let bound = quick(s.len() / 2 + 1, big);
    if bound <= left {
        return Ok(bound);
    }
    let Some(placeholders) = occurrences(recv, "{", eval) else {
        return Ok(bound);
    };
    if quick(placeholders, big) > left && repr {
        big = largest(true, eval)?;
    }
    Ok(quick(placeholders, big))
}

/// Arguments of a call, as the guards see them.
pub(crate) struct CallArgs<'a, 'v> {
    /// Positional arguments (after `*args` expansion).
    pub(crate) pos: &'a [Value<'v>],
    /// Named arguments (after `**kwargs` expansion).
    pub(crate) named: &'a [(&'a str, Value<'v>)],
}

impl<'v> CallArgs<'_, 'v> {
    fn pos_str(&self, i: usize) -> Option<&'v str> {
        self.pos.get(i).and_then(|v| v.unpack_str())
    }

    fn pos_usize(&self, i: usize) -> Option<usize> {
        self.pos
            .get(i)
            .and_then(|v| v.unpack_i32())
            .and_then(|n| usize::try_from(n).ok())
    }
}

/// Refuses a method call on a builtin value whose result (upper bound) would take the heap over
/// the cap. Names without an estimate, and other receivers, pass.
pub(crate) fn check_method<'v>(
    recv: Value<'v>,
    name: &str,
    args: &CallArgs<'_, 'v>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    let (_, left) = budget(eval);
    let need = if let Some(s) = recv.unpack_str() {
        // The exact character count, only when the byte length is not good enough.
        let chars = |quick: usize| {
            if quick <= left {
                None
            } else {
                char_count(recv)
            }
        };
        match name {
            "join" => args.pos.first().map_or(0, |it| {
                let counted = Chars::string_value(*it).and_then(|(v, _)| char_count(v));
                join_estimate(s.len(), *it, counted)
            }),
            "replace" => match (args.pos_str(0), args.pos_str(1)) {
                (Some(old), Some(new)) => {
                    replace_estimate(recv, s, (old, new, args.pos_usize(2)), left, eval)
                }
                _ => 0,
            },
            "format" => {
                let mut all: Vec<Value<'v>> = args.pos.to_vec();
                all.extend(args.named.iter().map(|(_, v)| *v));
                format_estimate(recv, s, &all, left, eval)?
            }
            "split" | "rsplit" => {
                let sep = args.pos_str(0);
                split_estimate(recv, s, (sep, args.pos_usize(1)), left, eval)
            }
            "splitlines" => {
                let most = s.len().saturating_add(1);
                let cost = |n: usize| n.saturating_mul(ITEM).saturating_add(s.len());
                if cost(most) <= left {
                    cost(most)
                } else {
                    match (occurrences(recv, "\n", eval), occurrences(recv, "\r", eval)) {
                        (Some(a), Some(b)) => cost(a.saturating_add(b).saturating_add(1)),
                        _ => cost(most),
                    }
                }
            }
            "elems" => chars_estimate(s, true, chars(chars_estimate(s, true, None))),
            "codepoints" | "elem_ords" | "codepoint_ords" => {
                chars_estimate(s, false, chars(chars_estimate(s, false, None)))
            }
            // Case mapping can triple the bytes of a character ('ΐ'.upper()); ASCII keeps them.
            "lower" | "upper" | "title" | "capitalize" => {
                let bound = string_result(s.len().saturating_mul(3));
                if bound <= left || !s.is_ascii() {
                    bound
                } else {
                    string_result(s.len())
                }
            }
            // Copies of at most the receiver.
            _ => string_result(s.len()),
        }
    } else if ListRef::from_value(recv).is_some() {
        if matches!(name, "index" | "remove")
            && let Some(needle) = args.pos.first()
        {
            Walk::new(eval).shallow(*needle, 1)?;
        }
        match name {
            // The list's storage grows to hold both (the old array stays until the end).
            "extend" => list_result(
                item_count(recv).saturating_add(args.pos.first().map_or(0, |v| item_count(*v))),
            ),
            _ => 0,
        }
    } else if let Some(d) = DictRef::from_value(recv) {
        if matches!(name, "get" | "pop")
            && let Some(key) = args.pos.first()
        {
            Walk::new(eval).shallow(*key, 1)?;
        }
        match name {
            // A list of (key, value) tuples: slot, tuple header and two values per entry.
            "items" => d.len().saturating_mul(56).saturating_add(64),
            "keys" | "values" => list_result(d.len()),
            // New entries, outside the arena: at most one per pair and keyword (what the dict
            // really gains is recorded after the call).
            "update" => {
                let pairs = args.pos.first().map_or(0, |v| item_count(*v));
                pairs
                    .saturating_add(args.named.len())
                    .saturating_mul(DICT_ENTRY_BYTES)
            }
            _ => 0,
        }
    } else {
        0
    };
    within(need, eval)
}

/// Refuses a call of a wrapped global function (`list`, `dict`, `str`, …) whose result (upper
/// bound) would take the heap over the cap; also refuses formatting values nested deeper than
/// `max_depth`.
pub(crate) fn check_global<'v>(
    name: &str,
    args: &CallArgs<'_, 'v>,
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    if matches!(name, "sorted" | "min" | "max") {
        // The elements are compared with one another (by starlark): none may nest deeper than
        // `max_depth`. With a `key` function, the keys are made during the call and go unchecked.
        let mut walk = Walk::new(eval);
        match args.pos {
            [one] => walk.shallow(*one, 0)?,
            several => {
                for v in several {
                    walk.shallow(*v, 1)?;
                }
            }
        }
    }
    let first = args.pos.first().map_or(0, |v| item_count(*v));
    let need = match name {
        "list" | "tuple" | "reversed" => list_result(first),
        "sorted" => list_result(first).saturating_add(first.saturating_mul(8)),
        // A list of (index, value) tuples.
        "enumerate" => first.saturating_mul(56).saturating_add(64),
        "zip" => {
            let n = args.pos.iter().map(|v| item_count(*v)).min().unwrap_or(0);
            n.saturating_mul(args.pos.len().saturating_mul(8).saturating_add(40))
        }
        // Dict entries, outside the arena.
        "dict" => {
            let n = first.saturating_add(args.named.len());
            return within_outside(n.saturating_mul(DICT_ENTRY_BYTES), eval);
        }
        "struct" => {
            let n = args.named.len().saturating_mul(48).saturating_add(64);
            return within_outside(n, eval);
        }
        "str" | "repr" | "print" | "fail" => return check_formatting(name, args, eval),
        // Parsing a decimal string into a big int takes time quadratic in its digits, like
        // formatting one: (digits ÷ 19 per word)² word operations.
        "int" => {
            let digits = args
                .pos
                .first()
                .and_then(|v| v.unpack_str())
                .map_or(0, str::len);
            let words = (digits / 19 + 1) as u64;
            return spend_statements(words.saturating_mul(words) / MUL_WORDS_PER_STATEMENT, eval);
        }
        _ => 0,
    };
    within(need, eval)
}

/// `str`, `repr`, `print` and `fail`: nesting and output size of their arguments.
fn check_formatting<'v>(
    name: &str,
    args: &CallArgs<'_, 'v>,
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    let mut all: Vec<Value<'v>> = args.pos.to_vec();
    all.extend(args.named.iter().map(|(_, v)| *v));
    let (_, left) = budget(eval);
    let size = |exact| -> starlark::Result<usize> {
        let printed = measure(&all, exact, eval)?;
        let pos = &printed[..args.pos.len().min(printed.len())];
        let text = match name {
            // `str` of a string is the string itself: nothing new.
            "str" => pos
                .iter()
                .zip(args.pos)
                .map(|(p, v)| if v.unpack_str().is_some() { 0 } else { p.repr })
                .sum(),
            "repr" => pos.iter().map(|p| p.repr).sum(),
            // Arguments joined by `sep` (print) or a space (fail).
            _ => {
                let sep = args
                    .named
                    .iter()
                    .find(|(k, _)| *k == "sep")
                    .and_then(|(_, v)| v.unpack_str())
                    .map_or(1, str::len);
                pos.iter()
                    .fold(0usize, |n, p| n.saturating_add(p.str).saturating_add(sep))
            }
        };
        Ok(string_result(text))
    };
    let need = size(false)?;
    if need <= left || name == "str" && args.pos.iter().all(|v| v.unpack_str().is_some()) {
        return Ok(());
    }
    within(size(true)?, eval)
}

/// `a % b` with a string format: the format plus every value printed once (starlark's `%` takes
/// one value per placeholder and has no widths).
pub(crate) fn check_percent<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
) -> starlark::Result<()> {
    let Some(format) = a.unpack_str() else {
        return check_value_depth(&[a, b], eval);
    };
    let values = TupleRef::from_value(b).map_or_else(|| vec![b], |t| t.content().to_vec());
    let repr = format.contains("%r");
    let (_, left) = budget(eval);
    let size = |exact| -> starlark::Result<usize> {
        let printed = measure(&values, exact, eval)?;
        let args = printed
            .iter()
            .map(|p| if repr { p.repr } else { p.str })
            .fold(0usize, usize::saturating_add);
        Ok(string_result(format.len().saturating_add(args)))
    };
    let need = size(false)?;
    if need <= left {
        return Ok(());
    }
    within(size(true)?, eval)
}

/// `x[a:b:c]`: at most a copy of `x`.
pub(crate) fn check_slice(x: Value<'_>, eval: &Evaluator<'_, '_, '_>) -> starlark::Result<()> {
    let need = if let Some(s) = x.unpack_str() {
        string_result(s.len())
    } else if ListRef::from_value(x).is_some() || TupleRef::from_value(x).is_some() {
        list_result(item_count(x))
    } else {
        0
    };
    within(need, eval)
}

/// `a | b` on dicts: a new dict with the entries of both.
pub(crate) fn check_union(
    a: Value<'_>,
    b: Value<'_>,
    eval: &Evaluator<'_, '_, '_>,
) -> starlark::Result<()> {
    let need = match (DictRef::from_value(a), DictRef::from_value(b)) {
        (Some(x), Some(y)) => x
            .len()
            .saturating_add(y.len())
            .saturating_mul(DICT_ENTRY_BYTES),
        _ => 0,
    };
    within_outside(need, eval)
}

/// Refuses materialising an iterator whose items would take the heap over the cap (`heap` is the
/// evaluation's heap; `cap` the limit recorded when the iterator was made).
pub(crate) fn check_materialise(need: usize, allocated: usize, cap: usize) -> starlark::Result<()> {
    if need.saturating_add(allocated.saturating_mul(2)) > cap {
        return Err(limit("starlark_max_heap_bytes", cap));
    }
    Ok(())
}

/// Bytes recorded outside the arena for every entry a dict gains (a comprehension, an index
/// assignment, `dict(…)`, `|`, `setdefault`, `update`). List slots need no such charge: a list's
/// storage lives in the arena.
///
/// A starlark dict is a `starlark_map::SmallMap`: an array of entries (key and value, 8 bytes
/// each, and a 4-byte hash: 20 bytes) and, past 32 entries, a hashbrown index (an 8-byte
/// position and a control byte per bucket: 9 bytes). Both double when full, and the old storage
/// stays until the new one is filled:
///
/// - the array grows when it holds a power of two, `n`, entries: old and new arrays hold 3n
///   slots, 60 bytes an entry;
/// - the index is at most 7/8 full, so at that moment it has 2n buckets, 18 bytes an entry (its
///   own doubling, 3 × 8/7 buckets an entry, 31 bytes, comes when the array has 8/7 slots an
///   entry, 23 bytes: 54 in all);
/// - the worst moment is thus 78 bytes an entry; the allocator may also keep the earlier, freed
///   arrays and tables (each half the next, so at most 20 + 18 bytes an entry more): 116 bytes,
///   rounded up to 128.
///
/// Keys and values themselves live in the arena (small ints in the value itself), which the
/// heap check counts.
pub(crate) const DICT_ENTRY_BYTES: usize = 128;

/// `_dispatch_item[v:]`, `_dispatch_entry[k:]` and `_dispatch_key[d:k]` (and their call forms):
/// one more element of a comprehension, or one more dict entry (`slot` bytes outside the
/// arena). An int beyond 32 bits also brings its digits, which live outside the arena (`[-x for
/// …]` makes a new one each time). Refuses the element when that takes `reserved` over the cap
/// (the arena grows within the statement too), and records the charge otherwise.
///
/// Hostile code runs this millions of times, in debug builds too (where the hostile tests' time
/// limits apply and this crate is unoptimised): it reads the current store once and does
/// nothing else.
pub(crate) fn check_element(v: Value<'_>, slot: usize, heap: Heap<'_>) -> starlark::Result<()> {
    charge(slot.saturating_add(big_int_bytes(v).unwrap_or(0)), heap)
}

/// Like [`within_outside`], for the element guards: the store is the current one of the thread.
fn charge(need: usize, heap: Heap<'_>) -> starlark::Result<()> {
    on_current_budget(need, heap, |budget, arena| budget.charge(arena, need))
}

/// Runs `check` on the budget of the thread's current store with the arena's reserved bytes;
/// outside an evaluation (a catalog module being frozen), checks `need` against the default heap
/// cap and records nothing.
fn on_current_budget(
    need: usize,
    heap: Heap<'_>,
    check: impl FnOnce(&Budget, usize) -> Result<(), Refused>,
) -> starlark::Result<()> {
    let arena = heap.allocated_bytes().saturating_mul(2);
    with_current(|store| {
        let Some(store) = store else {
            let cap = dispatchfile_model::Limits::default().starlark_max_heap_bytes;
            if arena.saturating_add(need) > cap {
                return Err(limit("starlark_max_heap_bytes", cap));
            }
            return Ok(());
        };
        check(&store.budget, arena).map_err(refused)
    })
}

/// `x |= e` (rewritten `x |= _dispatch_ior[x:(e)]`, or `_dispatch_ior[(e):]` when reading `x`
/// again could have effects, `x` then `None`): a dict's `|=` adds the entries of `e` it lacks, in
/// place. Without `x`, every entry of `e` is charged.
pub(crate) fn check_union_into<'v>(
    x: Option<Value<'v>>,
    e: Value<'v>,
    heap: Heap<'v>,
) -> starlark::Result<()> {
    let Some(new) = DictRef::from_value(e) else {
        // Not a dict union (ints), or a type error that `|=` reports.
        return Ok(());
    };
    let gained = match x {
        Some(x) if x.ptr_eq(e) => 0,
        Some(x) => match DictRef::from_value(x) {
            Some(old) => new
                .keys()
                .filter(|k| matches!(old.get(*k), Ok(None)))
                .count(),
            None => 0,
        },
        None => new.len(),
    };
    charge(gained.saturating_mul(DICT_ENTRY_BYTES), heap)
}

/// `x += e` (rewritten `x += _dispatch_iadd[x:(e)]`, or `_dispatch_iadd[(e):]` when reading `x`
/// again could have effects, `x` then `None`): a list's `+=` extends it in place, a string's or
/// a tuple's makes the concatenation, a big int's sum has the digits of the longer one (outside
/// the arena). Refuses when the result would take the heap over the cap; without `x`, `e` alone
/// is counted. `x += x` in a loop doubled a list between two cancellation checks.
pub(crate) fn check_add_into<'v>(
    x: Option<Value<'v>>,
    e: Value<'v>,
    heap: Heap<'v>,
) -> starlark::Result<()> {
    let ints = x.is_none_or(|x| x.get_type() == "int") && e.get_type() == "int";
    if ints {
        let bytes = |v: Value<'v>| big_int_bytes(v).unwrap_or(0);
        let longer = bytes(e).max(x.map_or(0, bytes));
        if longer == 0 {
            return Ok(());
        }
        return charge(longer.saturating_add(8), heap);
    }
    let size = |v: Value<'v>| {
        seq_size(v).or_else(|| TupleRef::from_value(v).map(|t| t.len().saturating_mul(8)))
    };
    let need = size(e)
        .unwrap_or(0)
        .saturating_add(x.and_then(size).unwrap_or(0));
    fits(need, heap)
}

/// Refuses `need` more bytes in the arena when, with `reserved`, they would be over the cap
/// (nothing is recorded: the arena itself will show them).
fn fits(need: usize, heap: Heap<'_>) -> starlark::Result<()> {
    on_current_budget(need, heap, |budget, arena| budget.fits(arena, need))
}

/// Records the entries a dict gained in `update`, outside the arena; the call was checked for
/// the most it could add before it ran.
pub(crate) fn record_entries(gained: usize, eval: &Evaluator<'_, '_, '_>) {
    if let Some(store) = Store::get(eval) {
        store.budget.record(gained.saturating_mul(DICT_ENTRY_BYTES));
    }
}

/// `d[k] = v` with `d` a dict that does not hold `k` yet: one more entry.
pub(crate) fn check_new_key<'v>(
    d: Value<'v>,
    k: Value<'v>,
    heap: Heap<'v>,
) -> starlark::Result<()> {
    let grows = match DictRef::from_value(d) {
        // An unhashable key fails in the assignment itself.
        Some(dict) => matches!(dict.get(k), Ok(None)),
        None => false,
    };
    check_element(k, if grows { DICT_ENTRY_BYTES } else { 0 }, heap)
}
