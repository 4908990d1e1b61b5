//! Pure size estimates: how many bytes a value takes or a native call will make, computed
//! from lengths and counts, without charging anything (the guards charge them).

use starlark::values::dict::DictRef;
use starlark::values::list::ListRef;
use starlark::values::structs::StructRef;
use starlark::values::tuple::TupleRef;
use starlark::values::{UnpackValue, Value};

use crate::chars::Chars;
use crate::message::{list_items, view};

/// The size in bytes a sequence operand contributes (strings by length, lists 8 bytes an item).
pub(crate) fn seq_size(v: Value<'_>) -> Option<usize> {
    if let Some(s) = v.unpack_str() {
        return Some(s.len());
    }
    if let Some(items) = list_items(v) {
        return Some(items.len().saturating_mul(8));
    }
    None
}

/// Calls `f` with every part of `v` that `repr` prints, and the separator and name printed next
/// to it; returns what `v` prints around its parts, or `None` if `v` is not such a container.
/// Nothing is collected: lists of millions of items are walked in place.
pub(crate) fn parts<'v>(v: Value<'v>, mut f: impl FnMut(Value<'v>, usize)) -> Option<usize> {
    if let Some(l) = ListRef::from_value(v) {
        // `[a, b]`
        l.content().iter().for_each(|x| f(*x, 2));
        return Some(2);
    }
    if let Some(t) = TupleRef::from_value(v) {
        // `(a, b)` and `(a,)`
        t.content().iter().for_each(|x| f(*x, 2));
        return Some(3);
    }
    if let Some(d) = DictRef::from_value(v) {
        // `{k: v, …}`
        for (k, x) in d.iter() {
            f(k, 4);
            f(x, 0);
        }
        return Some(2);
    }
    if let Some(m) = view(v) {
        // `p.Task(name = v, …)`
        for (i, x) in &m.fields {
            f(*x, m.schema.fields[*i].name.len() + 5);
        }
        return Some(m.schema.name.len() + 2);
    }
    if let Some(st) = StructRef::from_value(v) {
        // `struct(name=v, …)`
        st.iter().for_each(|(k, x)| f(x, k.len() + 3));
        return Some(8);
    }
    None
}

/// Whether `v` is a container [`parts`] walks into.
pub(crate) fn is_container(v: Value<'_>) -> bool {
    ListRef::from_value(v).is_some()
        || TupleRef::from_value(v).is_some()
        || DictRef::from_value(v).is_some()
        || crate::message::schema_of(v).is_some()
        || StructRef::from_value(v).is_some()
}

/// The printed size of a value that is cheap to tell: strings (by the bound), small ints, `None`
/// and bools. Everything else goes through the memo.
pub(crate) fn plain_size(v: Value<'_>, exact: bool) -> Option<usize> {
    if let Some(s) = v.unpack_str() {
        if exact && s.len() >= EXACT_REPR_FROM {
            return None;
        }
        return Some(s.len().saturating_mul(4).saturating_add(2));
    }
    if v.unpack_i32().is_some() {
        return Some(11);
    }
    if v.is_none() || v.unpack_bool().is_some() {
        return Some(5);
    }
    None
}

/// The bytes an int beyond 32 bits takes (its digits live outside the arena), `None` for other
/// values. starlark 0.14 exposes no bit length: up to 2^1024 the float value gives it, and beyond
/// that the length of its hexadecimal text, which starlark computes in linear time (unlike the
/// decimal one). That text is left on the heap and counted like everything else there; no
/// Dispatchfile has such ints.
pub(crate) fn big_int_bytes(v: Value<'_>) -> Option<usize> {
    if v.unpack_i32().is_some() || v.get_type() != "int" {
        return None;
    }
    // starlark hands out a copy of the digits (a memcpy, cheap next to formatting them); the
    // bit length gives the size.
    let big = num_bigint::BigInt::unpack_value(v).ok()??;
    usize::try_from(big.bits() / 8 + 2).ok()
}

/// Stop measuring after this many distinct containers (the heap cap bounds them anyway).
pub(crate) const MAX_MEASURED: usize = 1 << 21;

/// Strings at least this long have their exact `repr` length computed (and memoised) when the
/// quick bound is over budget; shorter ones always use the bound.
pub(crate) const EXACT_REPR_FROM: usize = 4096;

/// The exact length of starlark's `repr` of a string (its escaping rules, string/repr.rs).
pub(crate) fn string_repr_len(s: &str) -> usize {
    let mut n = 2usize;
    for c in s.chars() {
        let u = c as u32;
        n = n.saturating_add(match c {
            '\n' | '\r' | '\t' | '\\' | '"' => 2,
            _ if u < 0x20 || (0x7f..=0xff).contains(&u) => 4,
            _ if u < 0x7f || c.is_alphanumeric() => c.len_utf8(),
            _ if u < 0x10000 => 6,
            _ => 10,
        });
    }
    n
}

/// The number of characters of the string `s` (starlark's `len`, optimised like `count`).
pub(crate) fn char_count(s: Value<'_>) -> Option<usize> {
    s.length().ok().and_then(|n| usize::try_from(n).ok())
}

/// Bytes per item of a list a call produces: the slot (8), the temporary vector starlark builds
/// it from (8–24) and, for strings, the new value's header (16).
pub(crate) const ITEM: usize = 48;

/// Bytes a new string of `len` bytes costs: starlark builds it in a Rust `String` that grows by
/// doubling (so it may hold up to twice the result) and then copies it onto the heap.
pub(crate) fn string_result(len: usize) -> usize {
    len.saturating_mul(3).saturating_add(32)
}

/// Bytes a list or tuple of `n` values costs: the result and the temporary vector.
pub(crate) fn list_result(n: usize) -> usize {
    n.saturating_mul(16).saturating_add(64)
}

/// How many items iterating `v` gives, when that is known without iterating.
pub(crate) fn item_count(v: Value<'_>) -> usize {
    if let Some(c) = chars_of(v) {
        return c.0.len();
    }
    v.length().map_or(0, |n| usize::try_from(n).unwrap_or(0))
}

/// The string and kind behind a guarded `elems()`/`codepoints()` iterator.
pub(crate) fn chars_of(v: Value<'_>) -> Option<(&str, bool)> {
    Chars::string_value(v).and_then(|(s, strings)| s.unpack_str().map(|s| (s, strings)))
}

/// The character count of the string behind a guarded iterator, or of a string.
pub(crate) fn chars_in(v: Value<'_>) -> Option<usize> {
    char_count(v)
}

/// Bytes iterating the characters of `s` allocates: a tuple slot and a vector slot per item,
/// plus a new string for each non-ASCII character when the items are strings. `chars` is the
/// character count when known; without it the byte length bounds it.
pub(crate) fn chars_estimate(s: &str, strings: bool, chars: Option<usize>) -> usize {
    // Every non-ASCII character takes at least two bytes: with `c` characters in `len` bytes, at
    // most min(c, len − c) of them are; without the count, at most len / 2.
    let (chars, wide) = match chars {
        Some(c) => (c, c.min(s.len().saturating_sub(c))),
        None => (s.len(), s.len() / 2),
    };
    let wide = if strings { wide } else { 0 };
    chars
        .saturating_mul(16)
        .saturating_add(wide.saturating_mul(24))
}

/// `sep.join(iterable)`: starlark reserves max(len(first), len(second)) × n + len(sep) × (n − 1)
/// + 20 bytes up front (string/methods.rs `join`), then copies the result onto the heap.
pub(crate) fn join_estimate(sep: usize, iterable: Value<'_>, chars: Option<usize>) -> usize {
    let (n, total, first_two) = if let Some(items) = list_items(iterable) {
        let len = |v: &Value<'_>| v.unpack_str().map_or(0, str::len);
        let total = items.iter().map(len).fold(0usize, usize::saturating_add);
        let first_two = items.iter().take(2).map(len).max().unwrap_or(0);
        (items.len(), total, first_two)
    } else if let Some(d) = DictRef::from_value(iterable) {
        let lens: Vec<usize> = d
            .keys()
            .map(|k| k.unpack_str().map_or(0, str::len))
            .collect();
        let total = lens.iter().copied().fold(0usize, usize::saturating_add);
        let first_two = lens.iter().take(2).copied().max().unwrap_or(0);
        (lens.len(), total, first_two)
    } else if let Some((s, strings)) = chars_of(iterable) {
        (
            chars.unwrap_or(s.len()),
            if strings { s.len() } else { 0 },
            4,
        )
    } else {
        (item_count(iterable), 0, 0)
    };
    if n < 2 {
        return 0;
    }
    let seps = sep.saturating_mul(n - 1);
    let guess = first_two
        .saturating_mul(n)
        .saturating_add(seps)
        .saturating_add(20);
    let actual = total.saturating_add(seps);
    // A result longer than the guess grows the buffer by doubling.
    let buffer = if actual <= guess {
        guess
    } else {
        actual.saturating_mul(2)
    };
    buffer.saturating_add(actual).saturating_add(32)
}
