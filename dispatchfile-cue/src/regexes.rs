//! Regular expressions of `=~`, `!~`, pattern labels and the `regexp` package: what compiling
//! and matching cost (in evaluation steps), a cap on counted repetitions and on compiled size,
//! and a bounded cache of compiled expressions.
//!
//! The cost model comes from measurements of the `regex` crate: matching is linear in the text,
//! but one byte can cost time in proportion to the positions of the pattern (the states its
//! automaton tracks at once: `(a{1000}){3}x` over a megabyte of `a` takes tens of seconds when
//! the lazy DFA gives up), and compiling costs time in proportion to the compiled size, which
//! the size limit bounds. Steps charged before the work keep `max_steps` and the timeout honest.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

/// Largest count of a counted repetition `x{n}`, `x{n,}`, `x{n,m}`: Go's regexp, which real CUE
/// uses, rejects larger ones ("invalid repeat count").
pub(crate) const MAX_REPEAT: u64 = 1000;

/// Compiled-size limits tried in turn (`RegexBuilder::size_limit`): a pattern pays for the
/// smallest one it fits and for the attempts before, since a compile stops when it passes its
/// limit. The last one is the cap: above it a pattern is an error.
const TIERS: [usize; 3] = [4 << 10, 64 << 10, 1 << 20];

/// Steps charged per byte of a compile's size limit (compiling takes up to about 15 µs per
/// kilobyte, for Unicode classes; a step is about 20 ns).
const COMPILE_BYTES_PER_STEP: usize = 1;

/// The lazy DFA cache of one expression (`RegexBuilder::dfa_size_limit`); a search that would
/// need more falls back to slower engines, which the cost model charges for.
const DFA_BYTES: usize = 256 << 10;

/// Most expressions kept compiled at once.
const MAX_CACHED: usize = 64;

/// Most compiled-size limit (summed over the cached expressions) kept at once: with the DFA
/// caches this bounds the cache to a few tens of megabytes.
const MAX_CACHED_BYTES: usize = 8 << 20;

/// Positions a character class (`.`, `[a-z]`, `\w`, `\pL`) counts for: a Unicode class is an
/// automaton of several byte ranges, all tracked at once.
const CLASS_POSITIONS: u64 = 8;

/// What a pattern's text says about the cost of using it, found in one pass without
/// compiling it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Positions of the pattern with counted repetitions multiplied out (saturating).
    pub(crate) positions: u64,
    /// Longest match in bytes, when no `*`, `+` or `{n,}` makes it unbounded.
    pub(crate) max_len: Option<u64>,
}

impl Shape {
    /// Steps charged per byte of text searched: one per position (measured: up to about 20 ns
    /// per position and byte when the lazy DFA gives up, about what a step takes).
    pub(crate) fn steps_per_byte(self) -> u64 {
        1 + self.positions
    }
}

/// One group (or the whole pattern) while scanning: its alternatives so far and its last atom.
#[derive(Clone, Copy, Default)]
struct Frame {
    /// Positions of the finished alternatives (all are tracked at once, so they add up).
    done_positions: u64,
    /// Longest finished alternative; `None` once one is unbounded.
    done_len: Option<u64>,
    /// The current alternative.
    positions: u64,
    len: Option<u64>,
    /// The last atom of the current alternative, for a quantifier after it.
    last: Option<(u64, Option<u64>)>,
}

impl Frame {
    fn new() -> Frame {
        Frame {
            done_len: Some(0),
            len: Some(0),
            ..Frame::default()
        }
    }

    fn atom(&mut self, positions: u64, len: Option<u64>) {
        self.positions = self.positions.saturating_add(positions);
        self.len = add_len(self.len, len);
        self.last = Some((positions, len));
    }

    /// Replaces the last atom `(p, l)` by `(p * times, l * max)`, `max` `None` for unbounded.
    fn repeat(&mut self, times: u64, max: Option<u64>) {
        let Some((p, l)) = self.last.take() else {
            return;
        };
        let np = p.saturating_mul(times.max(1));
        let nl = match (l, max) {
            (Some(l), Some(m)) => Some(l.saturating_mul(m)),
            _ => None,
        };
        self.positions = self.positions.saturating_sub(p).saturating_add(np);
        self.len = match (self.len, l) {
            (Some(t), Some(l)) => add_len(Some(t - l.min(t)), nl),
            _ => None,
        };
    }

    fn alternative(&mut self) {
        self.done_positions = self.done_positions.saturating_add(self.positions);
        self.done_len = max_len(self.done_len, self.len);
        self.positions = 0;
        self.len = Some(0);
        self.last = None;
    }

    fn finish(mut self) -> (u64, Option<u64>) {
        self.alternative();
        (self.done_positions, self.done_len)
    }
}

fn add_len(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    Some(a?.saturating_add(b?))
}

fn max_len(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    Some(a?.max(b?))
}

/// Scans a pattern: its [`Shape`], or an error for a counted repetition above [`MAX_REPEAT`].
/// Syntax errors are left to the compiler; an odd construct is counted generously.
pub(crate) fn shape(p: &str) -> Result<Shape, String> {
    let b = p.as_bytes();
    let mut stack: Vec<Frame> = vec![Frame::new()];
    let mut i = 0;
    while i < b.len() {
        let top = stack.len() - 1;
        match b[i] {
            b'\\' => {
                i += 1;
                match b.get(i) {
                    // Classes and escapes with a braced argument: `\p{Greek}`, `\x{263a}`.
                    Some(b'p' | b'P' | b'x' | b'u' | b'U') if b.get(i + 1) == Some(&b'{') => {
                        while i < b.len() && b[i] != b'}' {
                            i += 1;
                        }
                        stack[top].atom(CLASS_POSITIONS, Some(4));
                    }
                    Some(b'p' | b'P') => {
                        i += 1;
                        stack[top].atom(CLASS_POSITIONS, Some(4));
                    }
                    Some(b'x') => {
                        i += 2;
                        stack[top].atom(1, Some(4));
                    }
                    Some(b'd' | b'D' | b'w' | b'W' | b's' | b'S') => {
                        stack[top].atom(CLASS_POSITIONS, Some(4));
                    }
                    Some(b'b' | b'B' | b'A' | b'z') => stack[top].atom(1, Some(0)),
                    _ => stack[top].atom(1, Some(4)),
                }
                i += 1;
            }
            b'[' => {
                i = skip_class(b, i);
                stack[top].atom(CLASS_POSITIONS, Some(4));
            }
            b'(' => {
                i += 1;
                if b.get(i) == Some(&b'?') {
                    // `(?flags)` sets flags; `(?flags:…)`, `(?P<name>…)`, `(?<name>…)` group.
                    let mut j = i + 1;
                    while j < b.len() && !matches!(b[j], b')' | b':' | b'<') {
                        j += 1;
                    }
                    if b.get(j) == Some(&b')') {
                        i = j + 1;
                        continue;
                    }
                    if b.get(j) == Some(&b'<') {
                        while j < b.len() && b[j] != b'>' {
                            j += 1;
                        }
                    }
                    i = j + 1;
                }
                stack.push(Frame::new());
            }
            b')' => {
                i += 1;
                if stack.len() > 1 {
                    let (positions, len) = stack.pop().map_or((0, Some(0)), Frame::finish);
                    let top = stack.len() - 1;
                    stack[top].atom(positions, len);
                }
            }
            b'|' => {
                i += 1;
                stack[top].alternative();
            }
            b'*' | b'+' => {
                i += 1;
                stack[top].repeat(1, None);
                i += usize::from(b.get(i) == Some(&b'?'));
            }
            b'?' => {
                i += 1;
                i += usize::from(b.get(i) == Some(&b'?'));
            }
            b'{' => {
                if let Some((min, max, end)) = counted(b, i) {
                    let big = max.unwrap_or(min).max(min);
                    if big > MAX_REPEAT {
                        return Err(format!(
                            "invalid repeat count {} (at most {MAX_REPEAT})",
                            &p[i..end]
                        ));
                    }
                    // `x{n,}` is `x` n times, then `x*`.
                    let times = if max.is_none() { min + 1 } else { big };
                    stack[top].repeat(times, max);
                    i = end;
                    i += usize::from(b.get(i) == Some(&b'?'));
                } else {
                    // Not a repetition: a literal brace.
                    i += 1;
                    stack[top].atom(1, Some(1));
                }
            }
            b'^' | b'$' => {
                i += 1;
                stack[top].atom(1, Some(0));
            }
            b'.' => {
                i += 1;
                stack[top].atom(CLASS_POSITIONS, Some(4));
            }
            c => {
                // One character, whatever its length in bytes.
                let n = if c < 0x80 {
                    1
                } else {
                    p[i..].chars().next().map_or(1, char::len_utf8)
                };
                i += n;
                stack[top].atom(1, Some(n as u64));
            }
        }
    }
    // Unclosed groups are a syntax error for the compiler; count them anyway.
    while stack.len() > 1 {
        let (positions, len) = stack.pop().map_or((0, Some(0)), Frame::finish);
        let top = stack.len() - 1;
        stack[top].atom(positions, len);
    }
    let (positions, max_len) = stack.pop().map_or((0, Some(0)), Frame::finish);
    Ok(Shape {
        positions: positions.max(1),
        max_len,
    })
}

/// The index after the class that starts at `b[i] == b'['` (nested classes and `[:alpha:]`
/// included; a `]` right after `[` or `[^` is a literal).
fn skip_class(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'[' => {
                depth += 1;
                i += 1;
                if b.get(i) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    i += 1;
                }
            }
            b']' => {
                i += 1;
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    i
}

/// A counted repetition at `b[i] == b'{'`: `{n}`, `{n,}` or `{n,m}` as (n, Some(m) or None for
/// unbounded, index after `}`); `None` if the braces are not one.
fn counted(b: &[u8], i: usize) -> Option<(u64, Option<u64>, usize)> {
    let mut j = i + 1;
    let num = |j: &mut usize| -> Option<u64> {
        let start = *j;
        let mut v: u64 = 0;
        while *j < b.len() && b[*j].is_ascii_digit() {
            v = v.saturating_mul(10).saturating_add(u64::from(b[*j] - b'0'));
            *j += 1;
        }
        (*j > start).then_some(v)
    };
    let min = num(&mut j)?;
    match b.get(j)? {
        b'}' => Some((min, Some(min), j + 1)),
        b',' => {
            j += 1;
            if b.get(j) == Some(&b'}') {
                return Some((min, None, j + 1));
            }
            let max = num(&mut j)?;
            (b.get(j) == Some(&b'}')).then_some((min, Some(max), j + 1))
        }
        _ => None,
    }
}

/// A compiled expression with what using it costs.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) re: regex::Regex,
    pub(crate) shape: Shape,
    /// The size limit it was compiled under.
    tier: usize,
}

/// The steps of each compile attempt: what to charge before trying a tier.
pub(crate) fn tier_steps(pattern_len: usize) -> impl Iterator<Item = (usize, u64)> {
    TIERS.into_iter().map(move |t| {
        let steps = (t + pattern_len) / COMPILE_BYTES_PER_STEP;
        (t, steps as u64)
    })
}

/// Compiles `p` under the size limit `tier`: `Ok(None)` when it does not fit.
pub(crate) fn compile(p: &str, shape: Shape, tier: usize) -> Result<Option<Compiled>, String> {
    match regex::RegexBuilder::new(p)
        .size_limit(tier)
        .dfa_size_limit(DFA_BYTES)
        .build()
    {
        Ok(re) => Ok(Some(Compiled { re, shape, tier })),
        Err(regex::Error::CompiledTooBig(_)) if tier < TIERS[TIERS.len() - 1] => Ok(None),
        Err(regex::Error::CompiledTooBig(limit)) => {
            Err(format!("compiled size exceeds the limit of {limit} bytes"))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Compiled expressions by pattern, oldest evicted first once [`MAX_CACHED`] expressions or
/// [`MAX_CACHED_BYTES`] of size limits are held.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    map: HashMap<Rc<str>, Rc<Compiled>>,
    order: VecDeque<Rc<str>>,
    bytes: usize,
}

impl Cache {
    pub(crate) fn get(&self, p: &str) -> Option<Rc<Compiled>> {
        self.map.get(p).cloned()
    }

    pub(crate) fn insert(&mut self, p: &str, c: Rc<Compiled>) {
        let key: Rc<str> = Rc::from(p);
        let bytes = c.tier;
        if let Some(old) = self.map.insert(Rc::clone(&key), c) {
            self.bytes -= old.tier;
        } else {
            self.order.push_back(key);
        }
        self.bytes += bytes;
        while self.map.len() > MAX_CACHED || self.bytes > MAX_CACHED_BYTES {
            let Some(k) = self.order.pop_front() else {
                break;
            };
            if let Some(old) = self.map.remove(&k) {
                self.bytes -= old.tier;
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{Cache, MAX_CACHED, MAX_CACHED_BYTES, Shape, compile, shape};
    use std::rc::Rc;

    macro_rules! shape_cases {
        ($($name:ident: $p:literal => $positions:literal, $len:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(
                    shape($p),
                    Ok(Shape { positions: $positions, max_len: $len }),
                    "shape of {:?}",
                    $p
                );
            }
        )*};
    }

    shape_cases! {
        literal: "abc" => 3, Some(3);
        counted_literal: "a{1000}x" => 1001, Some(1001);
        nested_counts_multiply: "(a{10}){5}x" => 51, Some(51);
        range_uses_the_larger_count: "a{2,7}" => 7, Some(7);
        open_count_is_unbounded: "a{3,}" => 4, None;
        star_is_unbounded: "ab*" => 2, None;
        optional_keeps_the_bound: "ab?" => 2, Some(2);
        alternatives_add_positions: "ab|cde" => 5, Some(3);
        class_counts_more: "[a-z]{3}" => 24, Some(12);
        escaped_brace_is_a_literal: r"a\{1000}" => 7, Some(10);
        brace_in_a_class_is_not_a_count: "[{]{2}" => 16, Some(8);
        flags_are_not_a_group: "(?i)a{4}" => 4, Some(4);
        named_group: "(?P<n>ab){3}" => 6, Some(6);
        not_a_count: "a{x}" => 4, Some(4);
        empty: "" => 1, Some(0);
    }

    macro_rules! repeat_errors {
        ($($name:ident: $p:literal;)*) => {$(
            #[test]
            fn $name() {
                let e = shape($p).expect_err("counts above 1000 are refused");
                assert!(e.contains("invalid repeat count"), "{e}");
            }
        )*};
    }

    repeat_errors! {
        count_above_the_cap: "a{1001}";
        range_above_the_cap: "a{1,1001}";
        open_range_above_the_cap: "a{5000,}";
        huge_count: "a{99999999999999999999999}";
    }

    #[test]
    fn compiled_size_is_capped() {
        let p = "(a{1000}){1000}";
        let s = shape(p).expect("each count is within the cap");
        let last = super::TIERS[super::TIERS.len() - 1];
        let e = compile(p, s, last).expect_err("too big to compile");
        assert!(e.contains("compiled size exceeds"), "{e}");
    }

    #[test]
    fn cache_holds_a_bounded_number_of_expressions() {
        let mut cache = Cache::default();
        for i in 0..(MAX_CACHED * 3) {
            let p = format!("a{i}");
            let s = shape(&p).expect("valid");
            let c = compile(&p, s, super::TIERS[0])
                .expect("compiles")
                .expect("fits the first tier");
            cache.insert(&p, Rc::new(c));
            assert!(cache.len() <= MAX_CACHED, "{} cached", cache.len());
        }
        assert!(cache.get("a0").is_none(), "the oldest was evicted");
        assert!(cache.get(&format!("a{}", MAX_CACHED * 3 - 1)).is_some());
    }

    #[test]
    fn cache_holds_a_bounded_size() {
        let mut cache = Cache::default();
        let last = super::TIERS[super::TIERS.len() - 1];
        for i in 0..20 {
            let p = format!("b{i}");
            let s = shape(&p).expect("valid");
            let c = compile(&p, s, last).expect("compiles").expect("fits");
            cache.insert(&p, Rc::new(c));
            assert!(cache.bytes <= MAX_CACHED_BYTES, "{} bytes", cache.bytes);
        }
        assert_eq!(cache.len(), MAX_CACHED_BYTES / last);
    }
}
