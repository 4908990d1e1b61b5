//! Matching strategies: most Dispatchfile globs are a literal, a prefix, a suffix or an extension,
//! matched with byte comparisons; the rest run the NFA of [`crate::program`], behind literal
//! prefilters.

use crate::parse::{Class as CharClass, Tok};
use crate::program::Program;
use crate::trie::Trie;

/// How many brace alternatives a pattern may be expanded into for classification (an optimisation,
/// not a limit: larger brace sets run as one NFA).
const MAX_EXPANSION: usize = 16;

/// What must hold after a literal prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tail {
    /// Anything (`p**`).
    Any,
    /// No `/` (`p*`).
    NoSlash,
    /// Ends with the suffix, anything between (`p**s`, `p/**/*s`).
    Suffix(Box<[u8]>),
    /// Ends with the suffix, no `/` between (`p*s`).
    NoSlashSuffix(Box<[u8]>),
    /// Ends with the suffix after nothing or after a run ending in `/` (`p**/s`).
    DirSuffix(Box<[u8]>),
}

/// What must hold before a literal suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Head {
    /// Anything (`**s`, `**/*s` when `s` has no `/`).
    Any,
    /// No `/` (`*s`).
    NoSlash,
    /// Nothing, or anything ending in `/` (`**/s`).
    Dir,
}

/// Where a literal must occur inside the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Infix {
    /// Anywhere (`**x**`).
    Any,
    /// At the start or after a `/` (`**/x/**`; the needle is stored as `/x/`).
    Dir,
    /// In an input with no `/` (`*x*`, `x` without `/`).
    NoSlash,
}

/// A general pattern with literal prefilters.
#[derive(Clone, Debug)]
pub(crate) struct General {
    prefix: Box<[u8]>,
    suffix: Box<[u8]>,
    /// A literal that must occur somewhere (empty: none).
    inner: Box<str>,
    /// When there is no literal prefix: the few bytes a match can start with (empty: unknown).
    first: Box<[u8]>,
    min_len: usize,
    /// What lies between the prefix and the suffix.
    middle: Middle,
}

/// The part of a general pattern between its literal prefix and suffix.
#[derive(Clone, Debug)]
enum Middle {
    /// One-character steps, then maybe a star (`[0-9]*`, `??-*`, `*` between literals): checked
    /// character by character, then the rest with one scan.
    Steps(Box<[Step]>, Option<bool>),
    /// Anything else: the NFA, run on the middle only.
    Program(Program),
}

/// One character of a [`Middle::Steps`].
#[derive(Clone, Debug)]
enum Step {
    Char(char),
    AnyNoSlash,
    Class(Box<CharClass>),
}

impl General {
    #[inline]
    fn is_match(&self, s: &str) -> bool {
        let b = s.as_bytes();
        if !(b.len() >= self.min_len
            && starts_with(b, &self.prefix)
            && ends_with(b, &self.suffix)
            && contains(b, self.inner.as_bytes()))
        {
            return false;
        }
        // Prefix and suffix are literal text, so both ends fall on character boundaries, and
        // `min_len` counts both, so they do not overlap.
        let Some(mid) = s.get(self.prefix.len()..s.len() - self.suffix.len()) else {
            return false;
        };
        match &self.middle {
            Middle::Steps(steps, tail) => {
                let mut chars = mid.chars();
                for step in steps {
                    let Some(c) = chars.next() else {
                        return false;
                    };
                    let ok = match step {
                        Step::Char(x) => c == *x,
                        Step::AnyNoSlash => c != '/',
                        Step::Class(k) => k.matches(c),
                    };
                    if !ok {
                        return false;
                    }
                }
                let rest = chars.as_str().as_bytes();
                match tail {
                    None => rest.is_empty(),
                    Some(_any @ true) => true,
                    Some(false) => !rest.contains(&b'/'),
                }
            }
            Middle::Program(p) => p.is_match(mid),
        }
    }
}

/// One way to match one (brace-free, or brace-heavy) alternative of a glob.
#[derive(Clone, Debug)]
pub(crate) enum Strategy {
    /// `**`: everything.
    Everything,
    /// `*`: no `/`.
    NoSlash,
    /// The exact string.
    Literal(Box<[u8]>),
    /// A literal prefix, then a tail condition.
    Prefix(Box<[u8]>, Tail),
    /// A head condition, then a literal suffix.
    Suffix(Box<[u8]>, Head),
    /// A literal somewhere inside.
    Infix(Box<str>, Infix),
    /// Anything else.
    General(Box<General>),
}

/// The bytes an input can start (or end) with to match a strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EndBytes<'a> {
    /// Any byte.
    Any,
    /// Only these (none: no non-empty input matches).
    Some(&'a [u8]),
}

impl Strategy {
    /// Whether checking this strategy may read the whole input, whatever its first and last
    /// bytes: a literal looked for inside, or a general pattern with no literal or known byte at
    /// either end.
    pub(crate) fn scans_whole(&self) -> bool {
        match self {
            Strategy::Infix(..) => true,
            Strategy::General(_) => self.end_bytes() == (EndBytes::Any, EndBytes::Any),
            _ => false,
        }
    }

    /// The bytes a non-empty input matching this strategy can start with, and end with.
    pub(crate) fn end_bytes(&self) -> (EndBytes<'_>, EndBytes<'_>) {
        fn head(x: &[u8]) -> EndBytes<'_> {
            x.first_chunk::<1>()
                .map_or(EndBytes::Any, |c| EndBytes::Some(c))
        }
        fn tail(x: &[u8]) -> EndBytes<'_> {
            x.last_chunk::<1>()
                .map_or(EndBytes::Any, |c| EndBytes::Some(c))
        }
        match self {
            Strategy::Everything | Strategy::NoSlash | Strategy::Infix(..) => {
                (EndBytes::Any, EndBytes::Any)
            }
            // The empty literal matches no non-empty input.
            Strategy::Literal(l) if l.is_empty() => (EndBytes::Some(&[]), EndBytes::Some(&[])),
            Strategy::Literal(l) => (head(l), tail(l)),
            Strategy::Prefix(p, t) => (
                head(p),
                match t {
                    Tail::Any | Tail::NoSlash => EndBytes::Any,
                    Tail::Suffix(x) | Tail::NoSlashSuffix(x) | Tail::DirSuffix(x) => tail(x),
                },
            ),
            Strategy::Suffix(x, _) => (EndBytes::Any, tail(x)),
            Strategy::General(g) => (
                if g.prefix.is_empty() && !g.first.is_empty() {
                    EndBytes::Some(&g.first)
                } else {
                    head(&g.prefix)
                },
                tail(&g.suffix),
            ),
        }
    }

    #[inline]
    pub(crate) fn is_match(&self, s: &str) -> bool {
        let b = s.as_bytes();
        match self {
            Strategy::Everything => true,
            Strategy::NoSlash => !b.contains(&b'/'),
            Strategy::Literal(l) => bytes_eq(b, l),
            Strategy::Prefix(p, tail) => starts_with(b, p) && tail_ok(&b[p.len()..], tail),
            Strategy::Suffix(x, head) => ends_with(b, x) && head_ok(&b[..b.len() - x.len()], head),
            Strategy::Infix(x, kind) => infix_ok(s, x, kind),
            Strategy::General(g) => g.is_match(s),
        }
    }
}

/// What must hold between the literal ends of a [`Simple`] check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mid {
    /// Nothing (an exact string).
    Empty,
    /// Anything.
    Any,
    /// No `/`.
    NoSlash,
    /// Nothing, or a run ending in `/`.
    Dir,
}

/// The common strategies (an exact string, a prefix, a suffix, both, `*`, `**`) as one check with
/// a single code path: a literal prefix, a literal suffix, and a condition on what lies between.
/// Trying a short list's strategies one by one then costs no jump per strategy kind.
#[derive(Clone, Debug)]
pub(crate) struct Simple {
    pre: Box<[u8]>,
    suf: Box<[u8]>,
    mid: Mid,
}

impl Simple {
    /// The strategy as a simple check, if it is one of the common kinds (its bytes moved over),
    /// or the strategy back.
    pub(crate) fn take(st: Strategy) -> Result<Simple, Strategy> {
        let none = Box::<[u8]>::default;
        let (pre, suf, mid) = match st {
            Strategy::Everything => (none(), none(), Mid::Any),
            Strategy::NoSlash => (none(), none(), Mid::NoSlash),
            Strategy::Literal(l) => (l, none(), Mid::Empty),
            Strategy::Prefix(p, t) => match t {
                Tail::Any => (p, none(), Mid::Any),
                Tail::NoSlash => (p, none(), Mid::NoSlash),
                Tail::Suffix(x) => (p, x, Mid::Any),
                Tail::NoSlashSuffix(x) => (p, x, Mid::NoSlash),
                Tail::DirSuffix(x) => (p, x, Mid::Dir),
            },
            Strategy::Suffix(x, h) => match h {
                Head::Any => (none(), x, Mid::Any),
                Head::NoSlash => (none(), x, Mid::NoSlash),
                Head::Dir => (none(), x, Mid::Dir),
            },
            other @ (Strategy::Infix(..) | Strategy::General(_)) => return Err(other),
        };
        Ok(Simple { pre, suf, mid })
    }

    #[inline]
    pub(crate) fn is_match(&self, b: &[u8]) -> bool {
        let n = b.len();
        let (p, x) = (self.pre.len(), self.suf.len());
        if n < p + x || !bytes_eq(&b[..p], &self.pre) || !bytes_eq(&b[n - x..], &self.suf) {
            return false;
        }
        let mid = &b[p..n - x];
        match self.mid {
            Mid::Empty => mid.is_empty(),
            Mid::Any => true,
            Mid::NoSlash => !mid.contains(&b'/'),
            Mid::Dir => mid.last().is_none_or(|&c| c == b'/'),
        }
    }
}

#[inline]
fn infix_ok(s: &str, needle: &str, kind: &Infix) -> bool {
    let (b, n) = (s.as_bytes(), needle.as_bytes());
    match kind {
        Infix::Any => contains(b, n),
        Infix::NoSlash => !b.contains(&b'/') && contains(b, n),
        Infix::Dir => starts_with(b, &n[1..]) || contains(b, n),
    }
}

/// Whether `needle` occurs in `hay`. Candidates are the places where the needle's first two bytes
/// occur, found eight places at a time, and each is checked with [`bytes_eq`]. O(hay × needle) at
/// worst, which is fine: inputs are short. (A directory name such as `/testdata/` opens with a
/// `/`, which a path has many of; the pair of bytes leaves few candidates.)
#[inline]
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let n = needle.len();
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < n {
        return false;
    }
    let last_start = hay.len() - n;
    let Some(&second) = rest.first() else {
        return hay.contains(&first);
    };
    let (a, b) = (
        u64::from_le_bytes([first; 8]),
        u64::from_le_bytes([second; 8]),
    );
    // Eight bytes the loop below knows are there (unlike `head_word`, no check for fewer).
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&hay[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let mut at = 0;
    // Eight places `at..at + 8` at a time, while both words can be read (the second ends one
    // byte further).
    while at + 9 <= hay.len() && at <= last_start {
        let mut m = zero_bytes(word(at) ^ a) & zero_bytes(word(at + 1) ^ b);
        while m != 0 {
            let p = at + (m.trailing_zeros() / 8) as usize;
            if p > last_start {
                return false;
            }
            if bytes_eq(&hay[p..p + n], needle) {
                return true;
            }
            m &= m - 1;
        }
        at += 8;
    }
    (at..=last_start).any(|p| hay[p] == first && bytes_eq(&hay[p..p + n], needle))
}

/// Byte equality without a call into libc: patterns and inputs are short, and a `memcmp` call
/// costs more than the comparison (measured: an empty-slice `memcmp` dominated a profile).
#[inline]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    #[inline]
    fn word(s: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    }
    #[inline]
    fn half(s: &[u8], at: usize) -> u32 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u32::from_ne_bytes(w)
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => {
            let mut i = 0;
            while i + 8 < n {
                if word(a, i) != word(b, i) {
                    return false;
                }
                i += 8;
            }
            word(a, n - 8) == word(b, n - 8)
        }
    }
}

#[inline]
fn starts_with(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len() && bytes_eq(&s[..p.len()], p)
}

#[inline]
fn ends_with(s: &[u8], x: &[u8]) -> bool {
    s.len() >= x.len() && bytes_eq(&s[s.len() - x.len()..], x)
}

#[inline]
fn tail_ok(rest: &[u8], tail: &Tail) -> bool {
    match tail {
        Tail::Any => true,
        Tail::NoSlash => !rest.contains(&b'/'),
        Tail::Suffix(x) => ends_with(rest, x),
        Tail::DirSuffix(x) => {
            ends_with(rest, x) && {
                let mid = &rest[..rest.len() - x.len()];
                mid.last().is_none_or(|&c| c == b'/')
            }
        }
        Tail::NoSlashSuffix(x) => {
            ends_with(rest, x) && !rest[..rest.len() - x.len()].contains(&b'/')
        }
    }
}

#[inline]
fn head_ok(head: &[u8], kind: &Head) -> bool {
    match kind {
        Head::Any => true,
        Head::NoSlash => !head.contains(&b'/'),
        Head::Dir => head.last().is_none_or(|&c| c == b'/'),
    }
}

/// The strategies for one parsed glob (one per brace alternative when braces expand cheaply).
pub(crate) fn strategies(toks: &[Tok]) -> Vec<Strategy> {
    if toks.iter().any(|t| matches!(t, Tok::Alt(_))) {
        if let Some(alts) = expand(toks) {
            return alts.iter().map(|a| classify(a)).collect();
        }
        return vec![general(toks)];
    }
    vec![classify(toks)]
}

/// Expands braces into brace-free alternatives, if there are at most [`MAX_EXPANSION`].
fn expand(toks: &[Tok]) -> Option<Vec<Vec<Tok>>> {
    let mut out: Vec<Vec<Tok>> = vec![Vec::new()];
    for tok in toks {
        if let Tok::Alt(alts) = tok {
            let mut choices = Vec::new();
            for alt in alts {
                choices.extend(expand(alt)?);
                if choices.len() > MAX_EXPANSION {
                    return None;
                }
            }
            if out.len() * choices.len() > MAX_EXPANSION {
                return None;
            }
            let mut grown = Vec::with_capacity(out.len() * choices.len());
            for head in &out {
                for c in &choices {
                    let mut v = head.clone();
                    v.extend(c.iter().cloned());
                    grown.push(v);
                }
            }
            out = grown;
        } else {
            for v in &mut out {
                v.push(tok.clone());
            }
        }
    }
    Some(out)
}

/// Literal text of `toks`, if all are literals.
fn literal(toks: &[Tok]) -> Option<Box<[u8]>> {
    // Checked first, so that a sequence that is not all literal allocates nothing.
    if !toks.iter().all(|t| matches!(t, Tok::Lit(_))) {
        return None;
    }
    let mut s = String::with_capacity(toks.len());
    for t in toks {
        if let Tok::Lit(c) = t {
            s.push(*c);
        }
    }
    Some(s.into_bytes().into_boxed_slice())
}

/// The longest all-literal run at the start of `toks`, and where it ends.
fn literal_prefix(toks: &[Tok]) -> (Box<[u8]>, usize) {
    let n = toks.iter().take_while(|t| matches!(t, Tok::Lit(_))).count();
    (literal(&toks[..n]).unwrap_or_default(), n)
}

/// The longest all-literal run at the end of `toks`, and where it starts.
fn literal_suffix(toks: &[Tok]) -> (Box<[u8]>, usize) {
    let n = toks
        .iter()
        .rev()
        .take_while(|t| matches!(t, Tok::Lit(_)))
        .count();
    let start = toks.len() - n;
    (literal(&toks[start..]).unwrap_or_default(), start)
}

/// Picks the cheapest exact strategy for a brace-free sequence.
fn classify(toks: &[Tok]) -> Strategy {
    if let Some(l) = literal(toks) {
        return Strategy::Literal(l);
    }
    // `*x*` (no `/` in `x`).
    if let [Tok::Star, inner @ .., Tok::Star] = toks
        && let Some(x) = literal(inner).filter(|x| !x.is_empty() && !x.contains(&b'/'))
    {
        let x = String::from_utf8(x.into_vec()).unwrap_or_default();
        return Strategy::Infix(x.into_boxed_str(), Infix::NoSlash);
    }
    // `**x**` and `**/x/**`.
    if let [first, inner @ .., Tok::AnyStar] = toks
        && let Some(x) = literal(inner).filter(|x| !x.is_empty())
    {
        let x = String::from_utf8(x.into_vec()).unwrap_or_default();
        match first {
            Tok::AnyStar => return Strategy::Infix(x.into_boxed_str(), Infix::Any),
            Tok::DirStar if x.ends_with('/') => {
                return Strategy::Infix(format!("/{x}").into_boxed_str(), Infix::Dir);
            }
            _ => {}
        }
    }
    let (prefix, p_end) = literal_prefix(toks);
    let (suffix, s_start) = literal_suffix(toks);
    let middle = &toks[p_end..s_start.max(p_end)];
    let no_slash = |b: &[u8]| !b.contains(&b'/');
    match (prefix.is_empty(), middle, suffix.is_empty()) {
        (true, [Tok::AnyStar] | [Tok::DirStar, Tok::Star], true) => Strategy::Everything,
        (true, [Tok::Star], true) => Strategy::NoSlash,
        (false, [Tok::AnyStar] | [Tok::DirStar, Tok::Star], true) => {
            Strategy::Prefix(prefix, Tail::Any)
        }
        (false, [Tok::Star], true) => Strategy::Prefix(prefix, Tail::NoSlash),
        (false, [Tok::AnyStar], false) => Strategy::Prefix(prefix, Tail::Suffix(suffix)),
        (false, [Tok::DirStar, Tok::Star], false) if no_slash(&suffix) => {
            Strategy::Prefix(prefix, Tail::Suffix(suffix))
        }
        (false, [Tok::Star], false) => Strategy::Prefix(prefix, Tail::NoSlashSuffix(suffix)),
        (false, [Tok::DirStar], false) => Strategy::Prefix(prefix, Tail::DirSuffix(suffix)),
        (true, [Tok::AnyStar], false) => Strategy::Suffix(suffix, Head::Any),
        (true, [Tok::DirStar, Tok::Star], false) if no_slash(&suffix) => {
            Strategy::Suffix(suffix, Head::Any)
        }
        (true, [Tok::Star], false) => Strategy::Suffix(suffix, Head::NoSlash),
        (true, [Tok::DirStar], false) => Strategy::Suffix(suffix, Head::Dir),
        _ => general(toks),
    }
}

fn general(toks: &[Tok]) -> Strategy {
    let (prefix, p_end) = literal_prefix(toks);
    let (suffix, s_start) = literal_suffix(&toks[p_end..]);
    let inner = longest_literal_run(&toks[p_end..p_end + s_start]);
    let first = match toks.first() {
        Some(Tok::Class(c)) if prefix.is_empty() => {
            c.few_ascii(16).unwrap_or_default().into_boxed_slice()
        }
        _ => Box::default(),
    };
    let middle = &toks[p_end..p_end + s_start];
    Strategy::General(Box::new(General {
        prefix,
        suffix,
        inner,
        first,
        min_len: min_len(toks),
        middle: steps(middle).unwrap_or_else(|| Middle::Program(Program::compile(middle))),
    }))
}

/// The middle as one-character steps and at most one final star, if it is one.
fn steps(toks: &[Tok]) -> Option<Middle> {
    let (body, tail) = match toks {
        [body @ .., Tok::Star] => (body, Some(false)),
        [body @ .., Tok::AnyStar] => (body, Some(true)),
        _ => (toks, None),
    };
    let steps = body
        .iter()
        .map(|t| match t {
            Tok::Lit(c) => Some(Step::Char(*c)),
            Tok::Any => Some(Step::AnyNoSlash),
            Tok::Class(k) => Some(Step::Class(k.clone())),
            _ => None,
        })
        .collect::<Option<Box<[Step]>>>()?;
    Some(Middle::Steps(steps, tail))
}

/// The longest run of two or more literals in `toks` (top level only), or empty.
fn longest_literal_run(toks: &[Tok]) -> Box<str> {
    let mut best: &[Tok] = &[];
    for run in toks.split(|t| !matches!(t, Tok::Lit(_))) {
        if run.len() > best.len() {
            best = run;
        }
    }
    if best.len() < 2 {
        return Box::default();
    }
    best.iter()
        .filter_map(|t| if let Tok::Lit(c) = t { Some(*c) } else { None })
        .collect::<String>()
        .into_boxed_str()
}

/// The fewest bytes a sequence can match.
fn min_len(toks: &[Tok]) -> usize {
    toks.iter()
        .map(|t| match t {
            Tok::Lit(c) => c.len_utf8(),
            Tok::Any | Tok::Class(_) => 1,
            Tok::Star | Tok::AnyStar | Tok::DirStar => 0,
            Tok::Alt(alts) => alts.iter().map(|a| min_len(a)).min().unwrap_or(0),
        })
        .sum()
}

/// The high bit of each byte of `x` that is zero, and no other bit (exact: no borrow from one byte
/// reaches the next).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Up to the first 8 bytes of `b` as a little-endian word, zero-padded.
#[inline]
fn head_word(b: &[u8]) -> u64 {
    if let Some(w) = b.first_chunk::<8>() {
        return u64::from_le_bytes(*w);
    }
    // A loop of shifts rather than a variable-length copy, which compiles to a `memcpy` call.
    let mut w = 0u64;
    for (i, &c) in b.iter().enumerate().take(8) {
        w |= u64::from(c) << (8 * i);
    }
    w
}

/// The tag of a pattern in a [`Strategies`]: for a list, its class, positive or negative (a bit,
/// so that a walk can look for both at once); for several lists, an index.
pub(crate) type Class = u32;
/// A positive pattern.
pub(crate) const POS: Class = 1;
/// A negative pattern.
pub(crate) const NEG: Class = 2;

/// What follows a literal prefix in the prefix trie.
#[derive(Clone, Debug)]
enum After {
    /// Nothing (an exact string).
    Exact,
    /// A tail condition.
    Tail(Tail),
    /// A general pattern with this prefix (index into `general`).
    General(usize),
}

/// What precedes a literal suffix in the suffix trie.
#[derive(Clone, Debug)]
enum Before {
    /// A head condition.
    Head(Head),
    /// A general pattern with this suffix and no prefix (index into `general`).
    General(usize),
}

/// A trie entry: a literal and what to check when an input has it, with the entry's tag.
type Keyed<T> = (Box<[u8]>, (T, Class));

/// The `/` positions of an input, found on first use and then remembered.
struct Slashes<'b> {
    b: &'b [u8],
    first: Option<usize>,
    last: Option<usize>,
}

impl<'b> Slashes<'b> {
    fn new(b: &'b [u8]) -> Slashes<'b> {
        Slashes {
            b,
            first: None,
            last: None,
        }
    }

    /// The index of the first `/`, or the length when there is none.
    #[inline]
    fn first(&mut self) -> usize {
        *self.first.get_or_insert_with(|| {
            self.b
                .iter()
                .position(|&c| c == b'/')
                .unwrap_or(self.b.len())
        })
    }

    /// One past the index of the last `/`, or 0 when there is none.
    #[inline]
    fn after_last(&mut self) -> usize {
        *self
            .last
            .get_or_insert_with(|| self.b.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1))
    }
}

/// All the strategies of a list, positive and negative, in one structure read once per input:
/// literal prefixes (exact strings, prefixes, general patterns with a literal prefix) in one radix
/// trie walked from the input's start, literal suffixes in one walked from its end, the directory
/// names of `**/name/**` patterns in a third one probed with each directory of the input; only
/// the rare rest (other infixes, general patterns with no literal at either end) is tried one by
/// one. Each entry carries its tag ([`Class`]), and a walk stops as soon as the answer is known.
#[derive(Clone, Debug, Default)]
pub(crate) struct Strategies {
    everything: Vec<Class>,
    no_slash: Vec<Class>,
    empty: Vec<Class>,
    prefixes: Trie<(After, Class)>,
    suffixes: Trie<(Before, Class)>,
    dirs: Trie<Class>,
    infixes: Vec<(Box<str>, Infix, Class)>,
    /// General patterns with neither a literal prefix nor a literal suffix (indices into `general`).
    floating: Vec<(usize, Class)>,
    general: Vec<General>,
    /// The union of the tags in `prefixes`, `suffixes`, `dirs`, and `infixes` with `floating`:
    /// a walk skips a structure holding none of the tags it looks for.
    unions: [Class; 4],
}

impl Strategies {
    pub(crate) fn new<'a>(all: impl IntoIterator<Item = (&'a Strategy, Class)>) -> Strategies {
        let mut s = Strategies::default();
        let mut prefixes: Vec<Keyed<After>> = Vec::new();
        let mut suffixes: Vec<Keyed<Before>> = Vec::new();
        let mut dirs: Vec<(Box<[u8]>, Class)> = Vec::new();
        for (st, class) in all {
            match st {
                Strategy::Everything => s.everything.push(class),
                Strategy::NoSlash => s.no_slash.push(class),
                Strategy::Literal(l) if l.is_empty() => s.empty.push(class),
                Strategy::Literal(l) => prefixes.push((l.clone(), (After::Exact, class))),
                Strategy::Prefix(p, t) => {
                    prefixes.push((p.clone(), (After::Tail(t.clone()), class)));
                }
                Strategy::Suffix(x, h) => {
                    suffixes.push((x.clone(), (Before::Head(h.clone()), class)));
                }
                Strategy::Infix(x, Infix::Dir) if !x[1..x.len() - 1].contains('/') => {
                    dirs.push((x.as_bytes()[1..x.len() - 1].into(), class));
                }
                Strategy::Infix(x, k) => s.infixes.push((x.clone(), k.clone(), class)),
                Strategy::General(g) => {
                    let i = s.general.len();
                    if !g.prefix.is_empty() {
                        prefixes.push((g.prefix.clone(), (After::General(i), class)));
                    } else if !g.first.is_empty() {
                        for b in &g.first {
                            prefixes.push((Box::new([*b]), (After::General(i), class)));
                        }
                    } else if !g.suffix.is_empty() {
                        suffixes.push((g.suffix.clone(), (Before::General(i), class)));
                    } else {
                        s.floating.push((i, class));
                    }
                    s.general.push((**g).clone());
                }
            }
        }
        let union = |tags: &mut dyn Iterator<Item = Class>| tags.fold(0, |a, t| a | t);
        s.unions = [
            union(&mut prefixes.iter().map(|(_, (_, t))| *t)),
            union(&mut suffixes.iter().map(|(_, (_, t))| *t)),
            union(&mut dirs.iter().map(|(_, t)| *t)),
            union(
                &mut s
                    .infixes
                    .iter()
                    .map(|(_, _, t)| *t)
                    .chain(s.floating.iter().map(|(_, t)| *t)),
            ),
        ];
        s.prefixes = Trie::new(prefixes, false);
        s.suffixes = Trie::new(suffixes, true);
        s.dirs = Trie::new(dirs, false);
        s
    }

    /// The classes among `want` of the strategies matching `s`. Stops as soon as all of `want`
    /// is found or one of `stop` is (the list rule stops at the first negative match).
    #[inline]
    pub(crate) fn find(&self, s: &str, want: Class, stop: Class) -> Class {
        self.find_in(s, |u| u & want != 0, want, stop)
    }

    /// [`Strategies::find`] in the structures `walk` accepts (by the union of their tags).
    #[inline]
    pub(crate) fn find_in(
        &self,
        s: &str,
        walk: impl Fn(Class) -> bool,
        want: Class,
        stop: Class,
    ) -> Class {
        let found = std::cell::Cell::new(0);
        self.visit(
            s,
            // A structure with none of the classes still looked for is skipped.
            |u| walk(u) && u & want & !found.get() != 0,
            |tag| tag & want & !found.get() != 0,
            |tag| {
                let f = found.get() | (tag & want);
                found.set(f);
                f & stop != 0 || f == want
            },
        );
        found.get()
    }

    /// Calls `hit(tag)` for matching entries whose tag `need` accepts (others are not
    /// evaluated), until `hit` says stop; a structure is walked only when `walk` accepts the union of
    /// its tags. The input is read once per structure: the prefix trie
    /// from its start, the suffix trie from its end, the directory trie once per directory.
    #[inline]
    pub(crate) fn visit(
        &self,
        s: &str,
        walk: impl Fn(Class) -> bool,
        need: impl Fn(Class) -> bool,
        mut hit: impl FnMut(Class) -> bool,
    ) {
        let b = s.as_bytes();
        // Reports `$tag` when needed and `$cond` holds; returns when `hit` says stop.
        macro_rules! hit {
            ($tag:expr, $cond:expr) => {{
                let tag: Class = $tag;
                if need(tag) && $cond && hit(tag) {
                    return;
                }
            }};
        }
        for &tag in &self.everything {
            hit!(tag, true);
        }
        if !self.no_slash.is_empty() && !b.contains(&b'/') {
            for &tag in &self.no_slash {
                hit!(tag, true);
            }
        }
        if b.is_empty() {
            for &tag in &self.empty {
                hit!(tag, true);
            }
        }
        let mut slashes = Slashes::new(b);
        if walk(self.unions[0]) {
            let done = self.prefixes.walk(b, |depth, outs| {
                for &(ref after, tag) in outs {
                    if !need(tag) {
                        continue;
                    }
                    let ok = match after {
                        After::Exact => b.len() == depth,
                        After::Tail(Tail::Any) => true,
                        After::Tail(Tail::NoSlash) => slashes.after_last() <= depth,
                        After::Tail(t) => tail_ok(&b[depth..], t),
                        After::General(i) => self.general[*i].is_match(s),
                    };
                    if ok && hit(tag) {
                        return true;
                    }
                }
                false
            });
            if done {
                return;
            }
        }
        if walk(self.unions[1]) {
            let done = self.suffixes.walk(b, |depth, outs| {
                for &(ref before, tag) in outs {
                    if !need(tag) {
                        continue;
                    }
                    let head = b.len() - depth;
                    let ok = match before {
                        Before::Head(Head::Any) => true,
                        Before::Head(Head::NoSlash) => slashes.first() >= head,
                        Before::Head(Head::Dir) => head == 0 || b[head - 1] == b'/',
                        Before::General(i) => self.general[*i].is_match(s),
                    };
                    if ok && hit(tag) {
                        return true;
                    }
                }
                false
            });
            if done {
                return;
            }
        }
        if walk(self.unions[2]) {
            let mut start = 0;
            let mut done = false;
            for_each_slash(b, |i| {
                let seg = &b[start..i];
                start = i + 1;
                self.dirs.walk(seg, |depth, outs| {
                    if depth == seg.len() {
                        done = outs.iter().any(|&tag| need(tag) && hit(tag));
                        // Every entry of this key is seen at once: the segment is finished.
                        return true;
                    }
                    false
                });
                !done
            });
            if done {
                return;
            }
        }
        if !walk(self.unions[3]) {
            return;
        }
        for (x, k, tag) in &self.infixes {
            hit!(*tag, infix_ok(s, x, k));
        }
        for (i, tag) in &self.floating {
            hit!(*tag, self.general[*i].is_match(s));
        }
    }

    /// Whether any strategy matches `s`.
    #[inline]
    pub(crate) fn is_match(&self, s: &str, class: Class) -> bool {
        self.find(s, class, 0) != 0
    }
}

/// Calls `f` with the index of every `/` in `b`, in order, eight bytes at a time, until `f` says
/// stop.
#[inline]
fn for_each_slash(b: &[u8], mut f: impl FnMut(usize) -> bool) {
    const SLASHES: u64 = 0x2f2f_2f2f_2f2f_2f2f;
    let mut at = 0;
    while at < b.len() {
        let rest = &b[at..];
        let n = rest.len().min(8);
        // A `/` in the input is a zero byte here.
        let mut zeros = zero_bytes(head_word(rest) ^ SLASHES);
        if n < 8 {
            zeros &= (1u64 << (8 * n)) - 1;
        }
        while zeros != 0 {
            if !f(at + zeros.trailing_zeros() as usize / 8) {
                return;
            }
            zeros &= zeros - 1;
        }
        at += 8;
    }
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn contains_finds_needles_at_every_place() {
        let hay = b"vendor/a/testdata/x/testdat";
        for (needle, want) in [
            (&b""[..], true),
            (b"v", true),
            (b"z", false),
            (b"/testdata/", true),
            (b"/testdat", true),
            (b"testdat", true),
            (b"ata/", true),
            (b"dat/", false),
            (b"x/testdat", true),
            (b"x/testdata", false),
            (b"vendor/a/testdata/x/testdat", true),
            (b"vendor/a/testdata/x/testdatx", false),
            (b"vendor/a/testdata/x/testdat!", false),
        ] {
            assert_eq!(
                contains(hay, needle),
                want,
                "{:?}",
                String::from_utf8_lossy(needle)
            );
        }
    }

    proptest::proptest! {
        /// The same answer as a plain search over every window, for short and long haystacks
        /// over a small alphabet (so that needles occur, partly and wholly, at any place).
        #[test]
        fn contains_agrees_with_a_plain_search(
            hay in proptest::collection::vec(proptest::sample::select(&b"ab/\xff"[..]), 0..40),
            needle in proptest::collection::vec(proptest::sample::select(&b"ab/\xff"[..]), 0..6),
        ) {
            let plain = needle.is_empty() || hay.windows(needle.len()).any(|w| w == &needle[..]);
            proptest::prop_assert_eq!(contains(&hay, &needle), plain);
        }
    }
}
