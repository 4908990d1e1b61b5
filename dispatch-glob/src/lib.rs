#![doc = include_str!("../README.md")]

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

mod dfa;
mod error;
mod parse;
mod program;
mod regex;
mod strategy;
mod trie;

pub use error::{Error, ErrorKind, Result};

use parse::{ParseOptions, Tok};
use strategy::{Strategies, Strategy};

/// A parsed glob pattern of the Dispatch dialect.
///
/// Case-sensitive and anchored at both ends: `*` and `?` never match `/`, `**/` matches zero or more
/// whole directories, any other `**` matches anything, `[…]` classes never match `/`, `{a,b}`
/// alternates, `\c` is `c`. A leading `!` marks a negative pattern, which only a [`GlobSet`] acts on.
/// A `Glob` is not its matcher: call [`Glob::compile_matcher`] or add it to a [`GlobSetBuilder`].
///
/// ```
/// use dispatch_glob::Glob;
/// let glob = Glob::new("docs/**/*.md")?;
/// let m = glob.compile_matcher();
/// assert!(m.is_match("docs/README.md"));
/// assert!(m.is_match("docs/a/b/c.md"));
/// assert!(!m.is_match("src/docs/x.md"));
/// assert_eq!(glob.to_string(), "docs/**/*.md");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    // Shared: a set holds its own copy of each pattern, and copying is then a count.
    text: Arc<str>,
    negated: bool,
    toks: Arc<[Tok]>,
    warning: Option<&'static str>,
}

impl Glob {
    /// Parses a pattern with the dialect's defaults (negation on, no prefix, the default limits of
    /// [`GlobBuilder`]).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPattern`] (`invalid-pattern`) for an empty pattern, a lone `!`, an
    /// unclosed `[`, an empty class `[]`, a reversed range, a trailing `\` or unbalanced braces (the
    /// message names the pattern and, where it can, a 1-based [`Error::column`]);
    /// [`ErrorKind::LimitExceeded`] (`limit-exceeded`) for a pattern over
    /// [`GlobBuilder::DEFAULT_MAX_PATTERN_LEN`] bytes or braces nested deeper than
    /// [`GlobBuilder::DEFAULT_MAX_DEPTH`].
    pub fn new(pattern: &str) -> Result<Glob> {
        GlobBuilder::new(pattern).build()
    }

    /// The pattern as written (with its `!` and any `refs/…` prefix).
    #[must_use]
    pub fn glob(&self) -> &str {
        &self.text
    }

    /// The pattern (without its `!` and prefix) as a regular expression that matches what
    /// [`GlobMatcher::is_match`] matches, for matching outside Rust: anchor it as `^(?s:…)$`.
    /// It uses only syntax that Go's RE2 and the `regex` crate read the same way, and holds no
    /// brace and no quote (ASCII punctuation is written `\xHH`), so it can sit in a string of
    /// another language.
    ///
    /// ```
    /// use dispatch_glob::Glob;
    /// assert_eq!(Glob::new("docs/**/*.md")?.to_regex(), r"docs/(?:.*/)?[^/]*\x2emd");
    /// assert_eq!(Glob::new("!{a,b}")?.to_regex(), "(?:a|b)");
    /// # Ok::<(), dispatch_glob::Error>(())
    /// ```
    #[must_use]
    pub fn to_regex(&self) -> String {
        let mut out = String::new();
        regex::push_seq(&mut out, &self.toks);
        out
    }

    /// Whether the pattern starts with `!` (a negative pattern of a list).
    #[must_use]
    pub fn is_negated(&self) -> bool {
        self.negated
    }

    /// Why the pattern can never match in practice (a leading `/` or `./`), if it can't.
    #[must_use]
    pub fn warning(&self) -> Option<&'static str> {
        self.warning
    }

    /// A matcher for this pattern, negation ignored: `!docs/**` matches what `docs/**` matches.
    #[must_use]
    pub fn compile_matcher(&self) -> GlobMatcher {
        GlobMatcher {
            strategies: strategy::strategies(&self.toks),
        }
    }
}

impl FromStr for Glob {
    type Err = Error;

    fn from_str(s: &str) -> Result<Glob> {
        Glob::new(s)
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Builds a [`Glob`] with non-default options.
///
/// ```
/// use dispatch_glob::GlobBuilder;
/// let glob = GlobBuilder::new("!refs/heads/release/*").ref_prefix("refs/heads/").build()?;
/// assert!(glob.is_negated());
/// assert!(glob.compile_matcher().is_match("release/1.0"));
/// let literal = GlobBuilder::new("!important").negation(false).build()?;
/// assert!(literal.compile_matcher().is_match("!important"));
/// let err = GlobBuilder::new("{a,{b,c}}").max_depth(1).build().unwrap_err();
/// assert_eq!(err.to_string(), "limit exceeded: max_depth (1)");
/// # Ok::<(), dispatch_glob::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GlobBuilder<'a> {
    pattern: &'a str,
    negation: bool,
    ref_prefix: Option<&'a str>,
    max_len: usize,
    max_depth: usize,
}

impl<'a> GlobBuilder<'a> {
    /// The default of [`GlobBuilder::max_pattern_len`]: 1,024 bytes (`Limits::max_pattern_len` of
    /// `dispatchfile-model`).
    pub const DEFAULT_MAX_PATTERN_LEN: usize = 1024;

    /// The default of [`GlobBuilder::max_depth`]: 128 levels of nested braces (`Limits::max_depth`
    /// of `dispatchfile-model`).
    pub const DEFAULT_MAX_DEPTH: usize = 128;

    /// A builder for `pattern` with the dialect's defaults.
    #[must_use]
    pub fn new(pattern: &'a str) -> GlobBuilder<'a> {
        GlobBuilder {
            pattern,
            negation: true,
            ref_prefix: None,
            max_len: Self::DEFAULT_MAX_PATTERN_LEN,
            max_depth: Self::DEFAULT_MAX_DEPTH,
        }
    }

    /// Whether a leading `!` marks a negative pattern. Default: `true`; when `false`, `!` is literal.
    pub fn negation(&mut self, yes: bool) -> &mut GlobBuilder<'a> {
        self.negation = yes;
        self
    }

    /// A prefix removed from the pattern (after its `!`) before parsing, as Dispatchfiles do with
    /// `refs/heads/` in branch lists and `refs/tags/` in tag lists. Default: none. Error columns still
    /// count in the pattern as written.
    pub fn ref_prefix(&mut self, prefix: &'a str) -> &mut GlobBuilder<'a> {
        self.ref_prefix = Some(prefix);
        self
    }

    /// The longest pattern accepted, in bytes of the pattern as written; a longer one is a
    /// `limit-exceeded` error `limit exceeded: max_pattern_len (N)`. Default:
    /// [`GlobBuilder::DEFAULT_MAX_PATTERN_LEN`] (1,024).
    pub fn max_pattern_len(&mut self, bytes: usize) -> &mut GlobBuilder<'a> {
        self.max_len = bytes;
        self
    }

    /// The deepest brace nesting accepted (`{a,{b,c}}` is 2); deeper is a `limit-exceeded` error
    /// `limit exceeded: max_depth (N)`. Default: [`GlobBuilder::DEFAULT_MAX_DEPTH`] (128).
    pub fn max_depth(&mut self, levels: usize) -> &mut GlobBuilder<'a> {
        self.max_depth = levels;
        self
    }

    /// Parses the pattern.
    ///
    /// # Errors
    ///
    /// As [`Glob::new`].
    pub fn build(&self) -> Result<Glob> {
        let opts = ParseOptions {
            negation: self.negation,
            ref_prefix: self.ref_prefix,
            max_len: self.max_len,
            max_depth: self.max_depth,
        };
        let parsed = parse::parse(self.pattern, &opts)?;
        Ok(Glob {
            text: self.pattern.into(),
            negated: parsed.negated,
            toks: parsed.toks.into(),
            warning: parsed.warning,
        })
    }
}

/// `text` as a regular expression matching exactly `text`, in the style of [`Glob::to_regex`].
///
/// ```
/// assert_eq!(dispatch_glob::regex_escape("refs/heads/"), "refs/heads/");
/// assert_eq!(dispatch_glob::regex_escape("a.b{"), r"a\x2eb\x7b");
/// ```
#[must_use]
pub fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        regex::push_literal(&mut out, c);
    }
    out
}

/// A compiled single glob: [`GlobMatcher::is_match`] tests one string. Immutable, `Send + Sync`.
#[derive(Clone, Debug)]
pub struct GlobMatcher {
    strategies: Vec<Strategy>,
}

impl GlobMatcher {
    /// Whether the whole of `s` matches the pattern. Linear in pattern × input; no allocation.
    #[must_use]
    pub fn is_match(&self, s: &str) -> bool {
        self.strategies.iter().any(|st| st.is_match(s))
    }
}

/// A compiled list of positive and negative globs with the [list rule](crate#lists).
///
/// `s` matches iff (there are no positive patterns, or one matches) and no negative pattern matches;
/// order does not matter. An empty set matches everything ("no filter"). All patterns form one
/// lazily built DFA whose states carry the list's verdict: an input is read once, from its start or
/// its end, usually only in part, whatever the number of patterns. Where the DFA cannot serve (its
/// memory limit reached, its cache busy on another thread, non-ASCII distinctions, and long inputs
/// for a list that never stops early unless the list is long enough to need the strategy
/// matcher's tries), a strategy matcher answers: literal, prefix and suffix checks and tries, and a
/// linear-time NFA behind literal prefilters. A short list that never stops early has no DFA: the
/// strategy matcher answers every input.
///
/// ```
/// use dispatch_glob::{Glob, GlobSetBuilder};
/// let set = GlobSetBuilder::new()
///     .add(Glob::new("v*")?)
///     .add(Glob::new("!v0.*")?)
///     .build()?;
/// assert!(set.is_match("v1.0"));
/// assert!(!set.is_match("v0.9"));
/// assert!(!set.is_match("x1"));
/// assert_eq!(set.to_string(), "[v*, !v0.*]");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct GlobSet {
    globs: Vec<Glob>,
    /// Each pattern's own matcher (made with the strategy matcher).
    matchers: OnceLock<Vec<GlobMatcher>>,
    /// The whole list as one lazy DFA (made by `build`, its states by matching), when the list
    /// can be one.
    dfa: Option<dfa::Dfa>,
    /// The strategy matcher (made by `build`, or on first need when the DFA answers every
    /// input).
    engine: OnceLock<Engine>,
    has_positive: bool,
    has_negative: bool,
}

/// The strategy matcher (boxed either way: it is moved into its cell).
#[derive(Clone, Debug)]
enum Engine {
    /// A short list: its positive then its negative strategies, tried one by one, which beats
    /// walking the shared structures when there are only a few.
    Flat(Box<Flat>),
    /// Positive and negative patterns in one structure, each entry tagged with its class.
    Shared(Box<Strategies>),
}

/// A short list's strategies in a row: `checks[..positives]` positive, the rest negative; two
/// tables say, from an input's first and last bytes, which of them can match at all, so most
/// inputs are decided with two lookups and few strategies are tried.
#[derive(Clone, Debug)]
struct Flat {
    checks: Box<[Check]>,
    positives: usize,
    /// Bit `i` of `first[b] | any_first`: strategy `i` can match an input starting with byte `b`.
    first: Box<[u64; 256]>,
    /// Bit `i` of `last[b] | any_last`: strategy `i` can match an input ending with byte `b`.
    last: Box<[u64; 256]>,
    /// The strategies that can match inputs starting with any byte.
    any_first: u64,
    /// The strategies that can match inputs ending with any byte.
    any_last: u64,
}

/// A strategy of a [`Flat`] list: a simple check, or another strategy (tried as it is).
#[derive(Clone, Debug)]
enum Check {
    Simple(strategy::Simple),
    Other(Strategy),
}

impl Check {
    #[inline]
    fn is_match(&self, s: &str) -> bool {
        match self {
            Check::Simple(c) => c.is_match(s.as_bytes()),
            Check::Other(st) => st.is_match(s),
        }
    }
}

impl Flat {
    /// A list of at most this many strategies is always tried one by one.
    const SHORT: usize = 16;

    /// A list of up to this many strategies is tried one by one when its byte tables leave few
    /// candidates for any input ([`Flat::CROWDED`]); above it, or more crowded, the tries win
    /// (measured: lists of 50 real patterns ran 1.5 to 2.5 times as fast one by one).
    const MAX: usize = 64;

    /// The most candidates any pair of first and last bytes may leave for a list longer than
    /// [`Flat::SHORT`] to be tried one by one.
    const CROWDED: u32 = 24;

    /// The most strategies that read whole inputs ([`Strategy::scans_whole`]) a list longer than
    /// [`Flat::SHORT`] may have to be tried one by one: tried one by one, each reads every input
    /// again, where the tries read an input's directories once for all of them.
    const SCANS: usize = 2;

    /// The most candidates that a pair of first and last bytes leaves.
    fn crowded(first: &[u64; 256], any_first: u64, last: &[u64; 256], any_last: u64) -> u32 {
        let distinct = |t: &[u64; 256], any: u64| {
            let mut v: Vec<u64> = t.iter().map(|m| m | any).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (firsts, lasts) = (distinct(first, any_first), distinct(last, any_last));
        firsts
            .iter()
            .flat_map(|f| lasts.iter().map(move |l| (f & l).count_ones()))
            .max()
            .unwrap_or(0)
    }

    /// The flat list of `all` (its first `positives` positive, at most [`Flat::MAX`]), or `all`
    /// back when there are more than [`Flat::SHORT`] and they are too crowded.
    fn new(all: Vec<Strategy>, positives: usize) -> Result<Flat, Vec<Strategy>> {
        let mut first = Box::new([0u64; 256]);
        let mut last = Box::new([0u64; 256]);
        let (mut any_first, mut any_last) = (0, 0);
        for (i, st) in all.iter().enumerate() {
            let bit = 1u64 << i;
            let (f, l) = st.end_bytes();
            for (table, any, only) in [
                (&mut first, &mut any_first, f),
                (&mut last, &mut any_last, l),
            ] {
                match only {
                    strategy::EndBytes::Any => *any |= bit,
                    strategy::EndBytes::Some(bytes) => {
                        for &b in bytes {
                            table[usize::from(b)] |= bit;
                        }
                    }
                }
            }
        }
        if all.len() > Flat::SHORT
            && (all.iter().filter(|st| st.scans_whole()).count() > Flat::SCANS
                || Flat::crowded(&first, any_first, &last, any_last) > Flat::CROWDED)
        {
            return Err(all);
        }
        let checks = all
            .into_iter()
            .map(|st| match strategy::Simple::take(st) {
                Ok(simple) => Check::Simple(simple),
                Err(st) => Check::Other(st),
            })
            .collect();
        Ok(Flat {
            checks,
            positives,
            first,
            last,
            any_first,
            any_last,
        })
    }

    /// Whether one of the strategies of `mask` matches `s`.
    #[inline]
    fn any(&self, mut mask: u64, s: &str) -> bool {
        while mask != 0 {
            if self.checks[mask.trailing_zeros() as usize].is_match(s) {
                return true;
            }
            mask &= mask - 1;
        }
        false
    }

    #[inline]
    fn is_match(&self, s: &str) -> bool {
        let b = s.as_bytes();
        let candidates = match (b.first(), b.last()) {
            (Some(&f), Some(&l)) => {
                (self.first[usize::from(f)] | self.any_first)
                    & (self.last[usize::from(l)] | self.any_last)
            }
            _ => low_bits(self.checks.len()),
        };
        let positive = low_bits(self.positives);
        (self.positives == 0 || self.any(candidates & positive, s))
            && !self.any(candidates & !positive, s)
    }

    fn positive(&self, s: &str) -> bool {
        self.checks[..self.positives].iter().any(|c| c.is_match(s))
    }

    fn negative(&self, s: &str) -> bool {
        self.checks[self.positives..].iter().any(|c| c.is_match(s))
    }
}

/// The `n` (at most 64) lowest bits.
#[inline]
fn low_bits(n: usize) -> u64 {
    ((1u128 << n) - 1) as u64
}

impl GlobSet {
    /// An empty set (matches everything).
    #[must_use]
    pub fn empty() -> GlobSet {
        GlobSet {
            globs: Vec::new(),
            matchers: OnceLock::from(Vec::new()),
            dfa: None,
            engine: OnceLock::from(Engine::Shared(Box::default())),
            has_positive: false,
            has_negative: false,
        }
    }

    /// Whether `s` passes the list rule. Linear in the input; no allocation once the DFA's cache
    /// holds the states the input needs.
    #[must_use]
    #[inline]
    pub fn is_match(&self, s: &str) -> bool {
        if let Some(dfa) = &self.dfa
            && dfa.suits(s.len())
            && let Some(yes) = dfa.is_match(s)
        {
            return yes;
        }
        self.engine_match(s)
    }

    /// [`GlobSet::is_match`] by the strategy matcher (kept out of line: the DFA's path stays
    /// small).
    #[inline(never)]
    fn engine_match(&self, s: &str) -> bool {
        self.engine()
            .is_match(s, self.has_positive, self.has_negative)
    }

    /// The matcher by strategies (see the `engine` field).
    fn engine(&self) -> &Engine {
        self.engine.get_or_init(|| {
            let matchers = match self.matchers.get() {
                Some(m) => m.clone(),
                None => self.globs.iter().map(Glob::compile_matcher).collect(),
            };
            Engine::new(&self.globs, matchers)
        })
    }

    /// Each pattern's own matcher (made with the strategy matcher).
    fn matchers(&self) -> &[GlobMatcher] {
        self.matchers
            .get_or_init(|| self.globs.iter().map(Glob::compile_matcher).collect())
    }

    /// Whether some positive pattern matches `s` (false when there are none).
    #[must_use]
    pub fn matches_positive(&self, s: &str) -> bool {
        match self.engine() {
            Engine::Flat(f) => f.positive(s),
            Engine::Shared(st) => st.is_match(s, strategy::POS),
        }
    }

    /// Whether some negative pattern matches `s` (false when there are none).
    #[must_use]
    pub fn matches_negative(&self, s: &str) -> bool {
        match self.engine() {
            Engine::Flat(f) => f.negative(s),
            Engine::Shared(st) => st.is_match(s, strategy::NEG),
        }
    }

    /// Whether the set has a positive pattern.
    #[must_use]
    pub fn has_positive(&self) -> bool {
        self.has_positive
    }

    /// Indices of the patterns whose body matches `s` (negation ignored), ascending.
    #[must_use]
    pub fn matches(&self, s: &str) -> Vec<usize> {
        self.matchers()
            .iter()
            .enumerate()
            .filter(|(_, m)| m.is_match(s))
            .map(|(i, _)| i)
            .collect()
    }

    /// The patterns, in the order they were added.
    #[must_use]
    pub fn globs(&self) -> &[Glob] {
        &self.globs
    }

    /// The number of patterns.
    #[must_use]
    pub fn len(&self) -> usize {
        self.globs.len()
    }

    /// Whether the set has no pattern (and so matches everything).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }
}

impl Default for GlobSet {
    fn default() -> GlobSet {
        GlobSet::empty()
    }
}

/// Prints the patterns as written: `[main, release/*, !release/old]`.
impl fmt::Display for GlobSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, g) in self.globs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(g.glob())?;
        }
        f.write_str("]")
    }
}

/// Builds a [`GlobSet`].
///
/// ```
/// use dispatch_glob::{Glob, GlobSetBuilder};
/// let mut builder = GlobSetBuilder::new();
/// builder.max_patterns_per_list(2);
/// for p in ["main", "release/*", "!release/old"] {
///     builder.add(Glob::new(p)?);
/// }
/// let err = builder.build().unwrap_err();
/// assert_eq!(err.to_string(), "limit exceeded: max_patterns_per_list (2)");
/// # Ok::<(), dispatch_glob::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GlobSetBuilder {
    globs: Vec<Glob>,
    max_patterns: usize,
    dfa_memory: usize,
}

impl Default for GlobSetBuilder {
    fn default() -> GlobSetBuilder {
        GlobSetBuilder::new()
    }
}

impl GlobSetBuilder {
    /// The default of [`GlobSetBuilder::max_patterns_per_list`]: 256 patterns
    /// (`Limits::max_patterns_per_list` of `dispatchfile-model`).
    pub const DEFAULT_MAX_PATTERNS_PER_LIST: usize = 256;

    /// An empty builder with the default limit.
    #[must_use]
    pub fn new() -> GlobSetBuilder {
        GlobSetBuilder {
            globs: Vec::new(),
            max_patterns: Self::DEFAULT_MAX_PATTERNS_PER_LIST,
            dfa_memory: Self::DEFAULT_DFA_MEMORY,
        }
    }

    /// Adds a pattern.
    pub fn add(&mut self, glob: Glob) -> &mut GlobSetBuilder {
        self.globs.push(glob);
        self
    }

    /// The most patterns a set may hold; more is a `limit-exceeded` error
    /// `limit exceeded: max_patterns_per_list (N)` from [`GlobSetBuilder::build`]. Default:
    /// [`GlobSetBuilder::DEFAULT_MAX_PATTERNS_PER_LIST`] (256).
    pub fn max_patterns_per_list(&mut self, patterns: usize) -> &mut GlobSetBuilder {
        self.max_patterns = patterns;
        self
    }

    /// The default of [`GlobSetBuilder::dfa_memory`]: 4 MiB.
    pub const DEFAULT_DFA_MEMORY: usize = 4 << 20;

    /// The most memory, in bytes, the set's DFA may use for its states and transitions. When the
    /// DFA reaches it, the states it holds stay and inputs that need more are matched by the
    /// strategy matcher instead (same answers, one pass per pattern shape rather than one per
    /// input); `0` turns the DFA off. Default: [`GlobSetBuilder::DEFAULT_DFA_MEMORY`] (4 MiB).
    pub fn dfa_memory(&mut self, bytes: usize) -> &mut GlobSetBuilder {
        self.dfa_memory = bytes;
        self
    }

    /// Compiles the patterns into one set.
    ///
    /// # Errors
    ///
    /// `limit-exceeded` when there are more than `max_patterns_per_list` patterns.
    pub fn build(&self) -> Result<GlobSet> {
        if self.globs.len() > self.max_patterns {
            return Err(Error::limit("max_patterns_per_list", self.max_patterns));
        }
        // The work of compiling is done here: the DFA's automaton (its states are added by
        // matching, as inputs reach them; a list the DFA cannot hold gets none) and, unless the
        // DFA answers every input itself, the strategy matcher that reads the inputs it leaves.
        // A DFA that answers every input needs the strategy matcher only when its memory limit
        // is reached (or another thread holds its lock): that fallback is made on first need.
        // A short list that the DFA would read to the end of long inputs gets no DFA: its
        // strategies, tried one by one after two table lookups, answer every input as fast.
        // (A pattern that tells non-ASCII characters apart makes `Dfa::new` give none.)
        let mut set = GlobSet {
            dfa: None,
            engine: OnceLock::new(),
            has_positive: self.globs.iter().any(|g| !g.negated),
            has_negative: self.globs.iter().any(|g| g.negated),
            globs: self.globs.clone(),
            matchers: OnceLock::new(),
        };
        if self.dfa_memory == 0 || self.globs.is_empty() {
            set.engine();
            return Ok(set);
        }
        let patterns = || self.globs.iter().map(|g| (&*g.toks, g.negated));
        let direction = dfa::complete_direction(patterns());
        if direction.is_none()
            && matches!(set.engine(), Engine::Flat(f) if f.checks.len() <= Flat::SHORT)
        {
            return Ok(set);
        }
        set.dfa = dfa::Dfa::new(patterns(), direction, self.dfa_memory);
        if !set.dfa.as_ref().is_some_and(dfa::Dfa::complete) {
            // A list that needs the tries reads long inputs faster through the DFA, even to
            // their end (measured on real paths: lists of 64 to 256 patterns, 1.04 to 1.9 times
            // as fast); a shorter list's strategies, tried one by one, are faster still.
            if matches!(set.engine(), Engine::Shared(_))
                && let Some(dfa) = set.dfa.as_mut()
            {
                dfa.read_long_inputs();
            }
        }
        Ok(set)
    }
}

impl Engine {
    /// The engine of `globs`, whose matchers (in the same order) are `matchers`; it takes their
    /// strategies over.
    fn new(globs: &[Glob], matchers: Vec<GlobMatcher>) -> Engine {
        let class = |negated: bool| {
            if negated {
                strategy::NEG
            } else {
                strategy::POS
            }
        };
        let count: usize = matchers.iter().map(|m| m.strategies.len()).sum();
        if count > Flat::MAX {
            let tagged = globs.iter().zip(&matchers).flat_map(|(g, m)| {
                let c = class(g.negated);
                m.strategies.iter().map(move |st| (st, c))
            });
            return Engine::Shared(Box::new(Strategies::new(tagged)));
        }
        // A short list is tried one by one and needs no shared structures.
        let (mut all, mut negatives) = (Vec::with_capacity(count), Vec::new());
        for (g, m) in globs.iter().zip(matchers) {
            if g.negated {
                negatives.extend(m.strategies);
            } else {
                all.extend(m.strategies);
            }
        }
        let positives = all.len();
        all.append(&mut negatives);
        match Flat::new(all, positives) {
            Ok(flat) => Engine::Flat(Box::new(flat)),
            Err(all) => {
                let tagged = (all.iter().enumerate()).map(|(i, st)| (st, class(i >= positives)));
                Engine::Shared(Box::new(Strategies::new(tagged)))
            }
        }
    }

    #[inline]
    fn is_match(&self, s: &str, has_positive: bool, has_negative: bool) -> bool {
        let strategies = match self {
            Engine::Flat(flat) => return flat.is_match(s),
            Engine::Shared(strategies) => strategies,
        };
        if !has_positive {
            return strategies.find(s, strategy::NEG, strategy::NEG) == 0;
        }
        // The structures holding positives first, negatives looked for on the way (one walk
        // where most lists put both); only when a positive matched, the structures holding
        // negatives alone.
        let found = strategies.find_in(
            s,
            |u| u & strategy::POS != 0,
            if has_negative {
                strategy::POS | strategy::NEG
            } else {
                strategy::POS
            },
            strategy::NEG,
        );
        found == strategy::POS
            && (!has_negative
                || strategies.find_in(
                    s,
                    |u| u & strategy::NEG != 0 && u & strategy::POS == 0,
                    strategy::NEG,
                    strategy::NEG,
                ) == 0)
    }
}

/// Several [`GlobSet`]s compiled into one structure that reads an input once and tells which of
/// the lists it passes (each with its own [list rule](crate#lists)): what a Dispatchfile needs to
/// test one changed path, or one branch, against the lists of all its actions at once.
///
/// Matching fills a reusable [`ListMatches`]: no allocation per input.
///
/// ```
/// use dispatch_glob::{Glob, GlobLists, GlobSet, GlobSetBuilder, ListMatches};
/// let set = |pats: &[&str]| -> Result<GlobSet, dispatch_glob::Error> {
///     let mut b = GlobSetBuilder::new();
///     for p in pats {
///         b.add(Glob::new(p)?);
///     }
///     b.build()
/// };
/// let lists = GlobLists::new(&[set(&["docs/**"])?, set(&["!**/*.md"])?, set(&["**/*.go", "!vendor/**"])?]);
/// let mut m = ListMatches::new(&lists);
/// lists.matches_into("docs/README.md", &mut m);
/// assert_eq!(m.passing().collect::<Vec<_>>(), vec![0]);
/// lists.matches_into("pkg/a.go", &mut m);
/// assert_eq!(m.passing().collect::<Vec<_>>(), vec![1, 2]);
/// # Ok::<(), dispatch_glob::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct GlobLists {
    /// Every pattern of every list, tagged `2 × list + negated + 1`.
    strategies: Strategies,
    /// Bit `i`: list `i` has a positive pattern.
    has_positive: Vec<u64>,
    lists: usize,
}

impl GlobLists {
    /// Compiles `sets` (list `i` is `sets[i]`) into one structure.
    #[must_use]
    pub fn new(sets: &[GlobSet]) -> GlobLists {
        let words = sets.len().div_ceil(64);
        let mut has_positive = vec![0u64; words];
        for (i, set) in sets.iter().enumerate() {
            if set.has_positive {
                has_positive[i / 64] |= 1 << (i % 64);
            }
        }
        let strategies = Strategies::new(sets.iter().enumerate().flat_map(|(i, set)| {
            set.globs
                .iter()
                .zip(set.matchers())
                .flat_map(move |(g, m)| {
                    // Never 0: a structure is skipped when its tags OR to nothing.
                    let tag = (i as u32) * 2 + u32::from(g.negated) + 1;
                    m.strategies.iter().map(move |st| (st, tag))
                })
        }));
        GlobLists {
            strategies,
            has_positive,
            lists: sets.len(),
        }
    }

    /// The number of lists.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lists
    }

    /// Whether there is no list.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lists == 0
    }

    /// Which lists `s` passes, into `out` (made by [`ListMatches::new`] for these lists).
    /// Reads `s` once for all lists; no allocation.
    pub fn matches_into(&self, s: &str, out: &mut ListMatches) {
        let words = self.has_positive.len();
        out.pos.clear();
        out.pos.resize(words, 0);
        out.neg.clear();
        out.neg.resize(words, 0);
        let (pos, neg) = (&mut out.pos, &mut out.neg);
        self.strategies.visit(
            s,
            |u| u != 0,
            |_| true,
            |tag| {
                let list = ((tag - 1) / 2) as usize;
                let bits = if (tag - 1) & 1 == 0 {
                    &mut *pos
                } else {
                    &mut *neg
                };
                bits[list / 64] |= 1 << (list % 64);
                false
            },
        );
        out.passing.clear();
        out.passing.extend(
            (0..words)
                .map(|w| (out.pos[w] | !self.has_positive[w]) & !out.neg[w] & mask(self.lists, w)),
        );
    }
}

/// The bits of word `w` that are lists (of `lists`).
fn mask(lists: usize, w: usize) -> u64 {
    let rest = lists - w * 64;
    if rest >= 64 {
        u64::MAX
    } else {
        (1u64 << rest) - 1
    }
}

/// Which lists of a [`GlobLists`] an input passes; reused from input to input.
#[derive(Clone, Debug, Default)]
pub struct ListMatches {
    pos: Vec<u64>,
    neg: Vec<u64>,
    passing: Vec<u64>,
}

impl ListMatches {
    /// Room for the lists of `lists` (the only allocation).
    #[must_use]
    pub fn new(lists: &GlobLists) -> ListMatches {
        let words = lists.has_positive.len();
        ListMatches {
            pos: Vec::with_capacity(words),
            neg: Vec::with_capacity(words),
            passing: Vec::with_capacity(words),
        }
    }

    /// Whether the last input passed list `list`.
    #[must_use]
    pub fn is_match(&self, list: usize) -> bool {
        self.passing
            .get(list / 64)
            .is_some_and(|w| w & (1 << (list % 64)) != 0)
    }

    /// The lists the last input passed, as words of 64 bits (bit `i % 64` of word `i / 64` is
    /// list `i`).
    #[must_use]
    pub fn words(&self) -> &[u64] {
        &self.passing
    }

    /// The lists the last input passed, ascending.
    pub fn passing(&self) -> impl Iterator<Item = usize> + '_ {
        self.passing.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let i = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    w * 64 + i
                })
            })
        })
    }
}

// Compiled values are plain data: `Send + Sync`, checked at compile time.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Error>();
    assert_send_sync::<Glob>();
    assert_send_sync::<GlobMatcher>();
    assert_send_sync::<GlobSet>();
    assert_send_sync::<GlobLists>();
};

#[cfg(test)]
mod tests;
