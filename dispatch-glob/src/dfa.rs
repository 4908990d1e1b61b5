//! One lazy DFA for a whole list: every pattern of the list in one NFA over bytes, whose states are
//! determinised on demand, each DFA state carrying the list's verdict for an input ending there and
//! whether that verdict can still change.
//!
//! Bytes, not characters: the input is UTF-8, so a continuation byte (`0x80..=0xBF`) never starts a
//! character. The automaton reads it as "stay where you are", and reads a leading byte of a
//! multi-byte character as that whole character. This is exact as long as no pattern tells one
//! non-ASCII character from another (no non-ASCII literal, no class with a non-ASCII range): such
//! lists are not compiled to a DFA.
//!
//! Branch and directory names often open with a long literal (`feature/`, `release/`,
//! `dependabot/`): when most patterns of a list do, the DFA keeps their 8-byte openings in a small
//! hash table, and the start state's transition on an opening's first byte carries a flag. The walk
//! then compares the next 8 bytes with the table in one probe and, on a hit, lands on the state
//! after them instead of taking eight transitions. The start state's transitions are also kept
//! in a row indexed by byte, so that a walk's first step needs no byte class and no table lookup.
//!
//! The transition table lives behind `&self`: it is an array of atomics, read with plain loads, in
//! generations of growing capacity published once each. A missing transition is computed under a
//! mutex (taken with `try_lock`: when another thread holds it, or the cache is full, the caller
//! falls back to its other matcher), so matching never blocks and never uses `unsafe`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::parse::Tok;

/// A set of bytes.
type ByteSet = [u64; 4];

// A transition value is the offset of the target state's row in the table, or one of these three:
// the walk stops on any of them.
/// A transition not computed yet.
const UNKNOWN: u32 = u32::MAX;
/// The list's verdict is no, whatever follows.
const SETTLED_NO: u32 = u32::MAX - 1;
/// The list's verdict is yes, whatever follows.
const SETTLED_YES: u32 = u32::MAX - 2;
/// Bit of a transition value: the target state stays where it is on all bytes but one (its
/// "escape" byte, stored in its row), so the walk jumps to the next such byte of the input.
const SKIP: u32 = 1 << 31;
/// Bit of a transition value from the start state: the byte read may open one of the list's
/// known 8-byte openings, so the walk may jump over all eight (see `Dfa::jump`).
const JUMP: u32 = 1 << 30;
/// The walk leaves its loop on every value at or above this.
const STOP: u32 = JUMP;

/// The capacity, in states, of the first table generation.
const FIRST_CAPACITY: usize = 16;
/// Generations of doubling capacity.
const GENERATIONS: usize = 24;

fn contains(set: &ByteSet, b: u8) -> bool {
    set[usize::from(b >> 6)] & (1 << (b & 63)) != 0
}

fn add(set: &mut ByteSet, b: u8) {
    set[usize::from(b >> 6)] |= 1 << (b & 63);
}

/// Lead bytes of multi-byte characters (each stands for its whole character).
fn lead_bytes(set: &mut ByteSet) {
    for b in 0xC0..=0xFF {
        add(set, b);
    }
}

#[derive(Clone, Copy, Debug)]
enum Inst {
    /// Consumes one byte of a set, then the next instruction.
    Byte(u32),
    /// Consumes any number of bytes of a set; the next instruction is reachable without consuming.
    Loop(u32),
    /// Either target (both after this instruction).
    Split(u32, u32),
    /// Go to the target (after this instruction).
    Jmp(u32),
    /// The pattern of this index matched.
    Match,
}

/// The NFA of a list.
#[derive(Clone, Debug)]
struct Nfa {
    insts: Vec<Inst>,
    /// Per instruction: it belongs to a negative pattern.
    neg: Vec<bool>,
    /// Per instruction: a loop over every character from which its pattern matches without
    /// consuming more (whatever follows, the pattern matches).
    univ: Vec<bool>,
    sets: Vec<ByteSet>,
    starts: Vec<u32>,
    has_positive: bool,
    /// Byte classes: bytes no set tells apart share a class.
    classes: [u8; 256],
    stride: u32,
}

const SET_NOSLASH: u32 = 0;
const SET_ALL: u32 = 1;
const SET_SLASH: u32 = 2;

struct NfaBuilder {
    nfa: Nfa,
    /// Set index of each literal ASCII byte, or `u32::MAX`.
    lit: [u32; 128],
    owner_neg: bool,
}

impl NfaBuilder {
    fn new() -> NfaBuilder {
        // ASCII but `/`, and the lead bytes of multi-byte characters (`0xC0..=0xFF`).
        let noslash = [!(1 << b'/'), u64::MAX, 0, u64::MAX];
        let mut all = noslash;
        add(&mut all, b'/');
        let mut slash = [0u64; 4];
        add(&mut slash, b'/');
        let mut lit = [u32::MAX; 128];
        lit[usize::from(b'/')] = SET_SLASH;
        NfaBuilder {
            nfa: Nfa {
                insts: Vec::new(),
                neg: Vec::new(),
                univ: Vec::new(),
                sets: vec![noslash, all, slash],
                starts: Vec::new(),
                has_positive: false,
                classes: [0; 256],
                stride: 0,
            },
            lit,
            owner_neg: false,
        }
    }

    fn pos(&self) -> u32 {
        self.nfa.insts.len() as u32
    }

    fn push(&mut self, inst: Inst) {
        self.nfa.insts.push(inst);
        self.nfa.neg.push(self.owner_neg);
    }

    fn set(&mut self, set: ByteSet) -> u32 {
        if let Some(i) = self.nfa.sets.iter().position(|s| *s == set) {
            return i as u32;
        }
        self.nfa.sets.push(set);
        (self.nfa.sets.len() - 1) as u32
    }

    /// Emits a sequence, reversed when `rev`; `None` when it has a non-ASCII distinction.
    fn seq(&mut self, toks: &[Tok], rev: bool) -> Option<()> {
        for i in 0..toks.len() {
            let tok = if rev {
                &toks[toks.len() - 1 - i]
            } else {
                &toks[i]
            };
            match tok {
                Tok::Lit(c) => {
                    if !c.is_ascii() {
                        return None;
                    }
                    let b = *c as u8;
                    let mut k = self.lit[usize::from(b)];
                    if k == u32::MAX {
                        let mut s = [0u64; 4];
                        add(&mut s, b);
                        self.nfa.sets.push(s);
                        k = (self.nfa.sets.len() - 1) as u32;
                        self.lit[usize::from(b)] = k;
                    }
                    self.push(Inst::Byte(k));
                }
                Tok::Any => self.push(Inst::Byte(SET_NOSLASH)),
                Tok::Star => self.push(Inst::Loop(SET_NOSLASH)),
                Tok::AnyStar => self.push(Inst::Loop(SET_ALL)),
                Tok::DirStar => {
                    // Zero or more whole directories: `(.*/)?`, reversed `(/.*)?`.
                    let s = self.pos();
                    self.push(Inst::Split(s + 1, s + 3));
                    if rev {
                        self.push(Inst::Byte(SET_SLASH));
                        self.push(Inst::Loop(SET_ALL));
                    } else {
                        self.push(Inst::Loop(SET_ALL));
                        self.push(Inst::Byte(SET_SLASH));
                    }
                }
                Tok::Class(class) => {
                    if !class.non_ascii_ranges().is_empty() {
                        return None;
                    }
                    let [low, high] = class.ascii_bits();
                    let mut s = [low, high, 0, 0];
                    if class.is_negated() {
                        lead_bytes(&mut s);
                    }
                    let k = self.set(s);
                    self.push(Inst::Byte(k));
                }
                Tok::Alt(alts) => {
                    let mut jumps = Vec::with_capacity(alts.len());
                    for (j, alt) in alts.iter().enumerate() {
                        if j + 1 < alts.len() {
                            let split = self.pos();
                            self.push(Inst::Split(split + 1, 0));
                            self.seq(alt, rev)?;
                            jumps.push(self.pos());
                            self.push(Inst::Jmp(0));
                            let next = self.pos();
                            self.nfa.insts[split as usize] = Inst::Split(split + 1, next);
                        } else {
                            self.seq(alt, rev)?;
                        }
                    }
                    let end = self.pos();
                    for j in jumps {
                        self.nfa.insts[j as usize] = Inst::Jmp(end);
                    }
                }
            }
        }
        Some(())
    }

    fn finish(mut self) -> Nfa {
        let nfa = &mut self.nfa;
        // Per instruction, following epsilon edges only (they all point forward, so one sweep
        // from the end decides): whether the pattern's match is reached (`reach`); whether a loop
        // is reached after which the pattern matches whatever follows (`any`); whether a `/` is
        // reached after which it does (`slash`).
        let n = nfa.insts.len();
        let (mut reach, mut any, mut slash) =
            (vec![false; n + 1], vec![false; n + 1], vec![false; n + 1]);
        let mut univ = vec![false; n];
        for i in (0..n).rev() {
            let (r, a, s) = match nfa.insts[i] {
                Inst::Match => (true, false, false),
                Inst::Split(x, y) => {
                    let (x, y) = (x as usize, y as usize);
                    (reach[x] || reach[y], any[x] || any[y], slash[x] || slash[y])
                }
                Inst::Jmp(t) => (reach[t as usize], any[t as usize], slash[t as usize]),
                Inst::Loop(k) => {
                    // `**` then the match, or `*` then the match or a `/` and the same.
                    univ[i] = reach[i + 1] && (k == SET_ALL || (k == SET_NOSLASH && slash[i + 1]));
                    (reach[i + 1], any[i + 1] || univ[i], slash[i + 1])
                }
                Inst::Byte(k) => (false, false, k == SET_SLASH && any[i + 1]),
            };
            reach[i] = r;
            any[i] = a;
            slash[i] = s;
        }
        nfa.univ = univ;
        // Byte classes: bytes that no set tells apart share a class. From three classes
        // (continuation bytes, which no set holds; `/`; the other bytes), each set of more than one
        // byte splits every class it cuts in two, then each literal byte gets a class of its own.
        // The classes are byte sets, so a set is applied with a few word operations.
        let mut cont = [0u64; 4];
        for b in 0x80..0xC0 {
            add(&mut cont, b);
        }
        let slash = nfa.sets[SET_SLASH as usize];
        let rest: ByteSet = std::array::from_fn(|w| !(cont[w] | slash[w]));
        let mut parts: Vec<ByteSet> = vec![rest, cont, slash];
        let mut alone = [0u64; 4];
        for set in &nfa.sets[3..] {
            if set.iter().map(|w| w.count_ones()).sum::<u32>() == 1 {
                for w in 0..4 {
                    alone[w] |= set[w];
                }
                continue;
            }
            for p in 0..parts.len() {
                let inside: ByteSet = std::array::from_fn(|w| parts[p][w] & set[w]);
                let outside: ByteSet = std::array::from_fn(|w| parts[p][w] & !set[w]);
                if inside != [0; 4] && outside != [0; 4] {
                    parts[p] = inside;
                    parts.push(outside);
                }
            }
        }
        for b in 0..=255u8 {
            if contains(&alone, b)
                && let Some(p) = parts.iter().position(|p| contains(p, b))
                && parts[p].iter().map(|w| w.count_ones()).sum::<u32>() > 1
            {
                parts[p][usize::from(b >> 6)] &= !(1 << (b & 63));
                let mut one = [0u64; 4];
                add(&mut one, b);
                parts.push(one);
            }
        }
        let mut class = [0u8; 256];
        for (k, part) in parts.iter().enumerate() {
            for (w, &word) in part.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    class[w * 64 + bits.trailing_zeros() as usize] = k as u8;
                    bits &= bits - 1;
                }
            }
        }
        nfa.classes = class;
        nfa.stride = parts.len() as u32;
        self.nfa
    }
}

/// The end a list's DFA reads inputs from when it reads inputs of every length
/// ([`Dfa::complete`]): the start (`Some(false)`) when every pattern's `**` comes last, else the
/// end (`Some(true)`) when every `**` comes first; `None` when neither.
pub(crate) fn complete_direction<'a>(
    mut patterns: impl Iterator<Item = (&'a [Tok], bool)> + Clone,
) -> Option<bool> {
    if patterns.clone().all(|(t, _)| !loops_inside(t, false)) {
        Some(false)
    } else if patterns.all(|(t, _)| !loops_inside(t, true)) {
        Some(true)
    } else {
        None
    }
}

/// Whether a pattern, read forwards (backwards when `rev`), has a `**` anywhere but at its very
/// end, where reaching it settles the match.
fn loops_inside(toks: &[Tok], rev: bool) -> bool {
    let n = toks.len();
    toks.iter().enumerate().any(|(i, t)| {
        let last = if rev { i == 0 } else { i + 1 == n };
        match t {
            Tok::AnyStar => !last,
            // Forwards, `**/` at the end still wants a `/` last: the walk goes on to the end.
            Tok::DirStar => !(last && rev),
            Tok::Alt(alts) => alts.iter().any(|a| {
                loops_inside(a, rev) || a.iter().any(|t| matches!(t, Tok::AnyStar | Tok::DirStar))
            }),
            _ => false,
        }
    })
}

/// Where a pattern's unbounded loops sit: whether its first (last) element may run over any
/// number of directories, so that reading the input from that end can never stop early.
fn opens_with_anystar(toks: &[Tok], rev: bool) -> bool {
    let first = if rev { toks.last() } else { toks.first() };
    match first {
        Some(Tok::AnyStar | Tok::DirStar) => true,
        Some(Tok::Alt(alts)) => alts.iter().any(|a| {
            opens_with_anystar(a, rev)
                || (a.is_empty() && {
                    let rest = if rev {
                        &toks[..toks.len() - 1]
                    } else {
                        &toks[1..]
                    };
                    opens_with_anystar(rest, rev)
                })
        }),
        _ => false,
    }
}

/// The mutable part: state sets and the set-to-state map.
#[derive(Debug, Default)]
struct Cache {
    /// The NFA instructions of each state (index 0 unused).
    states: Vec<Box<[u32]>>,
    map: HashMap<Box<[u32]>, u32>,
    seen: Vec<u32>,
    stamp: u32,
    stack: Vec<u32>,
    next: Vec<u32>,
    /// Bytes held by the tables and state sets.
    memory: usize,
    full: bool,
}

/// A lazy DFA for a list.
pub(crate) struct Dfa {
    nfa: Nfa,
    /// Whether inputs are read from their end.
    reverse: bool,
    /// Whether no pattern loops over directories at the end the DFA reads from: the walk usually
    /// stops early, so the DFA suits long inputs too.
    bounded: bool,
    /// Whether the walk takes inputs of every length: when `bounded`, or when the list is long
    /// enough that its strategy matcher costs more per byte ([`Dfa::read_long_inputs`]).
    long_inputs: bool,
    start: u32,
    generations: [OnceLock<Box<[AtomicU32]>>; GENERATIONS],
    current: AtomicUsize,
    cache: Mutex<Cache>,
    max_memory: usize,
    /// Known 8-byte openings (in reading order: the input's last 8 bytes when reading from the
    /// end) and the state the walk reaches after them (`UNKNOWN` until an input finds it, `0` when
    /// the walk stops within them), by multiplicative hash; `u64::MAX` marks an empty slot (no
    /// UTF-8 text holds the byte 0xFF). Empty unless most patterns open with 8 literal bytes.
    jumps: Box<[(u64, AtomicU32)]>,
    jump_shift: u32,
    /// The first bytes (in reading order) of the openings: other inputs skip the probe.
    jump_first: ByteSet,
    /// The start state's transitions by byte (not by class), filled as they are computed: the
    /// first step of a walk needs neither the class table nor the current generation's table.
    first: Box<[AtomicU32]>,
}

impl std::fmt::Debug for Dfa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dfa")
            .field("insts", &self.nfa.insts.len())
            .field("classes", &self.nfa.stride)
            .field("reverse", &self.reverse)
            .field("bounded", &self.bounded)
            .finish_non_exhaustive()
    }
}

impl Clone for Dfa {
    fn clone(&self) -> Dfa {
        let mut dfa = Dfa::from_nfa(
            self.nfa.clone(),
            self.reverse,
            self.bounded,
            self.max_memory,
        )
        .unwrap_or_else(|| Dfa::empty(self.nfa.clone(), self.reverse, self.bounded));
        let keys: Vec<u64> = self
            .jumps
            .iter()
            .map(|(k, _)| *k)
            .filter(|&k| k != u64::MAX)
            .collect();
        dfa.long_inputs = self.long_inputs;
        dfa.prime(&keys);
        dfa
    }
}

impl Dfa {
    /// The DFA of a list of `(tokens, negated)` patterns, or `None` when a pattern tells non-ASCII
    /// characters apart or the start state alone is over `max_memory` bytes.
    pub(crate) fn new<'a>(
        patterns: impl Iterator<Item = (&'a [Tok], bool)> + Clone,
        direction: Option<bool>,
        max_memory: usize,
    ) -> Option<Dfa> {
        // Read from an end where every pattern's `**` comes last, if there is one
        // ([`complete_direction`]): then the walk stops early (a mismatch, or a trailing `**`
        // reached) whatever the input's length. Else from the end where fewer patterns open with
        // a directory loop.
        let (reverse, bounded) = if let Some(reverse) = direction {
            (reverse, true)
        } else {
            let opening = |rev: bool| {
                patterns
                    .clone()
                    .filter(|(t, _)| opens_with_anystar(t, rev))
                    .count()
            };
            (opening(true) < opening(false), false)
        };
        let mut b = NfaBuilder::new();
        // Openings, if most patterns have one: else most inputs would pay the jump's probe for
        // nothing.
        let (mut keys, mut stack, mut opening, mut count) = (Vec::new(), Vec::new(), 0, 0);
        for (toks, _) in patterns.clone() {
            let (held, mut budget) = (keys.len(), 64);
            stack.clear();
            stack.push(toks);
            openings(&mut stack, reverse, ([0; 8], 0), &mut keys, &mut budget);
            opening += usize::from(keys.len() > held);
            count += 1;
        }
        if opening * 2 < count {
            keys.clear();
        }
        for (toks, negated) in patterns {
            b.owner_neg = negated;
            b.nfa.has_positive |= !negated;
            b.nfa.starts.push(b.pos());
            b.seq(toks, reverse)?;
            b.push(Inst::Match);
        }
        let mut dfa = Dfa::from_nfa(b.finish(), reverse, bounded, max_memory)?;
        dfa.prime(&keys);
        Some(dfa)
    }

    /// Makes the jump table of `keys` (8-byte openings in reading order); the state each leads
    /// to is found by the first input that opens with it.
    fn prime(&mut self, keys: &[u64]) {
        // At most 1,024 openings (a table of 32 KiB), counted in the DFA's memory.
        let keys = &keys[..keys.len().min(1024)];
        let bits = (keys.len() * 2).next_power_of_two().trailing_zeros().max(3);
        let bytes = (1usize << bits) * size_of::<(u64, AtomicU32)>();
        let Ok(cache) = self.cache.get_mut() else {
            return;
        };
        if keys.is_empty() || cache.memory + bytes > self.max_memory {
            return;
        }
        cache.memory += bytes;
        let mut jumps: Box<[(u64, AtomicU32)]> = (0..1usize << bits)
            .map(|_| (u64::MAX, AtomicU32::new(UNKNOWN)))
            .collect();
        self.jump_shift = 64 - bits;
        for &k in keys {
            // The first byte read: the lowest when reading forward, the highest from the end.
            let first = if self.reverse { k >> 56 } else { k & 0xFF };
            add(&mut self.jump_first, first as u8);
            if let Some(slot) = jumps.get_mut(jump_slot(k, self.jump_shift))
                && slot.0 == u64::MAX
            {
                slot.0 = k;
            }
        }
        self.jumps = jumps;
    }

    /// The state after the 8 bytes read from the start state at `at` (bytes already read), if
    /// they are a known opening.
    #[inline]
    fn jump<const REV: bool>(&self, bytes: &[u8], at: usize) -> Option<u32> {
        let n = bytes.len();
        let word = if REV {
            bytes.get(n.checked_sub(at + 8)?..n - at)?
        } else {
            bytes.get(at..at + 8)?
        };
        let key = u64::from_le_bytes(word.try_into().ok()?);
        let (k, slot) = self.jumps.get(jump_slot(key, self.jump_shift))?;
        if *k != key {
            return None;
        }
        // Acquire: the state's row is written before its offset is stored here.
        let s = slot.load(Ordering::Acquire);
        if is_found(s) {
            Some(s)
        } else if s == UNKNOWN {
            self.find_jump::<REV>(word, slot)
        } else {
            None
        }
    }

    /// The state after the 8-byte opening of `bytes` whose slot is `slot`, recorded there
    /// (`None` when a transition cannot be computed now, or the walk stops within it).
    #[cold]
    #[inline(never)]
    fn find_jump<const REV: bool>(&self, bytes: &[u8], slot: &AtomicU32) -> Option<u32> {
        let n = bytes.len();
        let mut v = self.start;
        for i in 0..8 {
            let b = if REV { bytes[n - 1 - i] } else { bytes[i] };
            let at = v as usize + usize::from(self.nfa.classes[usize::from(b)]);
            let mut next = self.table()?.get(at)?.load(Ordering::Acquire);
            if next == UNKNOWN {
                next = self.compute(v, b)?;
            }
            if next >= SKIP {
                // No jump for this opening (0 is no state's offset).
                slot.store(0, Ordering::Relaxed);
                return None;
            }
            v = next & !JUMP;
        }
        slot.store(v, Ordering::Release);
        Some(v)
    }

    fn empty(nfa: Nfa, reverse: bool, bounded: bool) -> Dfa {
        Dfa {
            nfa,
            reverse,
            bounded,
            long_inputs: bounded,
            start: UNKNOWN,
            generations: std::array::from_fn(|_| OnceLock::new()),
            current: AtomicUsize::new(0),
            cache: Mutex::new(Cache {
                full: true,
                ..Cache::default()
            }),
            max_memory: 0,
            jumps: Box::default(),
            jump_shift: 0,
            jump_first: [0; 4],
            first: Box::default(),
        }
    }

    fn from_nfa(nfa: Nfa, reverse: bool, bounded: bool, max_memory: usize) -> Option<Dfa> {
        let mut dfa = Dfa::empty(nfa, reverse, bounded);
        dfa.max_memory = max_memory;
        let mut cache = Cache {
            seen: vec![0; dfa.nfa.insts.len()],
            states: vec![Box::new([])],
            ..Cache::default()
        };
        cache.stamp = 1;
        for &s in &dfa.nfa.starts {
            closure(&dfa.nfa, &mut cache, s);
        }
        let stride = dfa.nfa.stride as usize + 2;
        let first = (FIRST_CAPACITY * stride * 4 + cache.next.len() * 8) > max_memory;
        if first {
            return None;
        }
        let table: Box<[AtomicU32]> = (0..FIRST_CAPACITY * stride)
            .map(|_| AtomicU32::new(UNKNOWN))
            .collect();
        cache.memory = FIRST_CAPACITY * stride * 4 + 256 * 4;
        dfa.first = (0..256).map(|_| AtomicU32::new(UNKNOWN)).collect();
        let _ = dfa.generations[0].set(table);
        dfa.start = dfa.state_of(&mut cache, false)?;
        cache.full = false;
        dfa.cache = Mutex::new(cache);
        Some(dfa)
    }

    /// Whether the DFA is worth running on an input of `len` bytes (rather than the other
    /// matcher): always when it usually stops early or the list needs the other matcher's tries,
    /// else for short inputs.
    #[inline]
    pub(crate) fn suits(&self, len: usize) -> bool {
        self.long_inputs || len <= 24
    }

    /// Makes the walk take long inputs too, where it may read them to the end: for a list whose
    /// strategy matcher needs its tries, whose cost per byte grows with the list where the walk's
    /// does not.
    pub(crate) fn read_long_inputs(&mut self) {
        self.long_inputs = true;
    }

    /// Whether the DFA has a table of openings.
    #[cfg(test)]
    pub(crate) fn has_jumps(&self) -> bool {
        !self.jumps.is_empty()
    }

    /// How many openings have their target state found.
    #[cfg(test)]
    pub(crate) fn jumps_found(&self) -> usize {
        self.jumps
            .iter()
            .filter(|(_, s)| is_found(s.load(Ordering::Relaxed)))
            .count()
    }

    /// Whether the DFA reads inputs of every length (then the strategy matcher is needed only
    /// at the memory limit).
    pub(crate) fn complete(&self) -> bool {
        self.bounded
    }

    /// The list's verdict on `s`, or `None` when the cache is full or busy.
    #[inline]
    pub(crate) fn is_match(&self, s: &str) -> Option<bool> {
        if self.start >= STOP {
            return (self.start != UNKNOWN).then_some(self.start == SETTLED_YES);
        }
        if self.reverse {
            self.walk::<true>(s.as_bytes())
        } else {
            self.walk::<false>(s.as_bytes())
        }
    }

    #[inline]
    fn table(&self) -> Option<&[AtomicU32]> {
        let g = self.current.load(Ordering::Acquire);
        self.generations.get(g)?.get().map(|t| &**t)
    }

    /// Reads `bytes` from the start (or from the end when `REV`), one transition per byte.
    #[inline]
    fn walk<const REV: bool>(&self, bytes: &[u8]) -> Option<bool> {
        let n = bytes.len();
        let mut v = self.start;
        let mut i = 0;
        if let Some(&b) = if REV { bytes.last() } else { bytes.first() } {
            // The first transition comes from the start state's own row, indexed by byte.
            // Acquire: a new state's row is written before a transition to it is stored.
            let next = self.first.get(usize::from(b))?.load(Ordering::Acquire);
            if next < STOP {
                v = next;
                i = 1;
            } else if next < SKIP {
                // The first byte of an opening.
                v = next & !JUMP;
                i = 1;
                if let Some(to) = self.jump::<REV>(bytes, 0) {
                    v = to;
                    i = 8;
                }
            } else if next == SETTLED_NO || next == SETTLED_YES {
                return Some(next == SETTLED_YES);
            } else if next != UNKNOWN {
                // A state that only its escape byte leaves.
                v = next & !SKIP;
                i = self.skip::<REV>(self.table()?, bytes, v, 1)?;
            }
            // Else (not known yet) the loop takes the first byte too.
        }
        let mut t = self.table()?;
        while i < n {
            let b = if REV { bytes[n - 1 - i] } else { bytes[i] };
            i += 1;
            let at = v as usize + usize::from(self.nfa.classes[usize::from(b)]);
            // Acquire: a new state's row is written before the transition to it is stored.
            let mut next = t.get(at)?.load(Ordering::Acquire);
            if next >= STOP {
                if next == UNKNOWN {
                    next = self.compute(v, b)?;
                    t = self.table()?;
                }
                if next >= SETTLED_YES {
                    return Some(next == SETTLED_YES);
                }
                // (A value computed just now may be a plain state: then neither applies.)
                if next >= SKIP {
                    // A state that only its escape byte leaves: on to that byte, or to the end.
                    next &= !SKIP;
                    i = self.skip::<REV>(t, bytes, next, i)?;
                } else if next >= JUMP {
                    // The first byte of an opening (the start state is met again).
                    next &= !JUMP;
                    if let Some(to) = self.jump::<REV>(bytes, i - 1) {
                        next = to;
                        i += 7;
                        t = self.table()?;
                    }
                }
            }
            v = next;
        }
        // After the transitions, a row holds the verdict for an input ending there.
        Some(
            t.get(v as usize + self.nfa.stride as usize)?
                .load(Ordering::Relaxed)
                != 0,
        )
    }

    /// Where the walk goes on from `state`, a state that only its escape byte leaves, with `i`
    /// bytes read: at the next escape byte (the count of bytes read before it), or at the end.
    #[inline]
    fn skip<const REV: bool>(
        &self,
        t: &[AtomicU32],
        bytes: &[u8],
        state: u32,
        i: usize,
    ) -> Option<usize> {
        let n = bytes.len();
        let escape = t.get(state as usize + self.nfa.stride as usize + 1)?;
        let escape = u8::try_from(escape.load(Ordering::Relaxed)).ok()?;
        let found = if REV {
            bytes[..n - i]
                .iter()
                .rposition(|&x| x == escape)
                .map(|p| n - 1 - p)
        } else {
            bytes[i..].iter().position(|&x| x == escape).map(|p| p + i)
        };
        Some(found.unwrap_or(n))
    }

    /// Computes (and records) the transition of state `from` on byte `b`.
    #[cold]
    #[inline(never)]
    fn compute(&self, from: u32, b: u8) -> Option<u32> {
        let mut cache = self.cache.try_lock().ok()?;
        if cache.full {
            return None;
        }
        let stride = self.nfa.stride as usize + 2;
        let row = from as usize;
        let at = row + usize::from(self.nfa.classes[usize::from(b)]);
        let known = self.table()?.get(at)?.load(Ordering::Relaxed);
        if known != UNKNOWN {
            return Some(known);
        }
        let cache = &mut *cache;
        fresh_stamp(cache);
        cache.next.clear();
        let state = std::mem::take(&mut cache.states[row / stride]);
        for &i in &*state {
            match self.nfa.insts[i as usize] {
                Inst::Byte(k) if contains(&self.nfa.sets[k as usize], b) => {
                    closure(&self.nfa, cache, i + 1);
                }
                Inst::Loop(k) if contains(&self.nfa.sets[k as usize], b) => {
                    closure(&self.nfa, cache, i);
                }
                _ => {}
            }
        }
        cache.states[row / stride] = state;
        let v = self.state_of(cache, true);
        let Some(mut v) = v else {
            cache.full = true;
            return None;
        };
        if from == self.start && v < STOP && contains(&self.jump_first, b) {
            v |= JUMP;
        }
        self.table()?.get(at)?.store(v, Ordering::Release);
        if from == self.start {
            // Every byte of the class has this transition.
            let class = self.nfa.classes[usize::from(b)];
            for (x, first) in self.first.iter().enumerate() {
                if self.nfa.classes.get(x) == Some(&class) {
                    first.store(v, Ordering::Release);
                }
            }
        }
        Some(v)
    }

    /// The transition value of the state whose instructions are in `cache.next` (made if new);
    /// `None` when the memory limit is reached.
    fn state_of(&self, cache: &mut Cache, skip: bool) -> Option<u32> {
        cache.next.sort_unstable();
        let (mut pos_match, mut neg_match, mut pos_alive, mut neg_alive) =
            (false, false, false, false);
        let (mut pos_univ, mut neg_univ) = (false, false);
        for &i in &cache.next {
            let i = i as usize;
            let neg = self.nfa.neg[i];
            match self.nfa.insts[i] {
                Inst::Match if neg => neg_match = true,
                Inst::Match => pos_match = true,
                _ if neg => {
                    neg_alive = true;
                    neg_univ |= self.nfa.univ[i];
                }
                _ => {
                    pos_alive = true;
                    pos_univ |= self.nfa.univ[i];
                }
            }
        }
        let has_positive = self.nfa.has_positive;
        let accept = (!has_positive || pos_match) && !neg_match;
        if neg_univ || (has_positive && !pos_alive && !accept) {
            return Some(SETTLED_NO);
        }
        if (pos_univ || !has_positive) && !neg_alive && accept {
            return Some(SETTLED_YES);
        }
        if let Some(&v) = cache.map.get(cache.next.as_slice()) {
            return Some(v);
        }
        let stride = self.nfa.stride as usize + 2;
        let index = cache.states.len();
        let bytes = cache.next.len() * 8 + 64;
        if cache.memory + bytes > self.max_memory {
            return None;
        }
        let g = self.current.load(Ordering::Acquire);
        let mut table = self.generations.get(g)?.get()?;
        if (index + 1) * stride > table.len() {
            // A new generation of twice the capacity, the known transitions copied.
            let grown = table.len() * 2;
            if cache.memory + grown * 4 > self.max_memory {
                return None;
            }
            let new: Box<[AtomicU32]> = (0..grown)
                .map(|k| {
                    AtomicU32::new(table.get(k).map_or(UNKNOWN, |e| e.load(Ordering::Relaxed)))
                })
                .collect();
            let slot = self.generations.get(g + 1)?;
            slot.set(new).ok()?;
            self.current.store(g + 1, Ordering::Release);
            cache.memory += grown * 4;
            table = slot.get()?;
        }
        cache.memory += bytes;
        let v = u32::try_from(index * stride)
            .ok()
            .filter(|o| *o < STOP / 2)?;
        // A continuation byte stays in the state; after the transitions come the verdict and the
        // escape byte.
        let cont = usize::from(self.nfa.classes[0x80]);
        table
            .get(index * stride + cont)?
            .store(v, Ordering::Relaxed);
        table
            .get(index * stride + stride - 2)?
            .store(u32::from(accept), Ordering::Relaxed);
        let key: Box<[u32]> = cache.next.as_slice().into();
        let escape = if skip { self.escape(cache, &key) } else { None };
        let value = match escape {
            Some(e) => {
                table
                    .get(index * stride + stride - 1)?
                    .store(u32::from(e), Ordering::Relaxed);
                v | SKIP
            }
            None => v,
        };
        cache.states.push(key.clone());
        cache.map.insert(key, value);
        Some(value)
    }

    /// The one byte that leaves the state of `key` when every other byte leads back to it: its
    /// consuming instructions are all loops, their sets leave out the same single byte, and taking
    /// one of the other bytes gives the state again.
    fn escape(&self, cache: &mut Cache, key: &[u32]) -> Option<u8> {
        let mut stay = self.nfa.sets[SET_ALL as usize];
        let mut loops = 0;
        for &i in key {
            match self.nfa.insts[i as usize] {
                Inst::Loop(k) => {
                    loops += 1;
                    let set = &self.nfa.sets[k as usize];
                    for w in 0..4 {
                        stay[w] &= set[w];
                    }
                }
                Inst::Match => {}
                _ => return None,
            }
        }
        let all = &self.nfa.sets[SET_ALL as usize];
        let left: u32 = (0..4).map(|w| (all[w] & !stay[w]).count_ones()).sum();
        if loops == 0 || left != 1 {
            return None;
        }
        let w = (0..4).find(|&w| all[w] & !stay[w] != 0)?;
        let escape = (w * 64) as u32 + (all[w] & !stay[w]).trailing_zeros();
        let stay_byte = (0..=255u8).find(|&b| contains(&stay, b))?;
        fresh_stamp(cache);
        cache.next.clear();
        for &i in key {
            if let Inst::Loop(k) = self.nfa.insts[i as usize]
                && contains(&self.nfa.sets[k as usize], stay_byte)
            {
                closure(&self.nfa, cache, i);
            }
        }
        cache.next.sort_unstable();
        (cache.next.as_slice() == key)
            .then(|| u8::try_from(escape).ok())
            .flatten()
    }
}

/// Whether a jump slot's value is a state (not `0`, "no jump", nor `UNKNOWN`).
#[inline]
fn is_found(slot: u32) -> bool {
    slot.wrapping_sub(1) < STOP - 1
}

/// The slot of an opening in a jump table of `64 - shift` bits.
#[inline]
fn jump_slot(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

/// Appends to `out` the 8-byte literal openings of a pattern (in reading order: its last 8 bytes
/// when `rev`), one per brace alternative, while `budget` lasts. `stack` holds the token runs still
/// to read, the next on top; `acc` the bytes read so far.
fn openings(
    stack: &mut Vec<&[Tok]>,
    rev: bool,
    mut acc: ([u8; 8], usize),
    out: &mut Vec<u64>,
    budget: &mut usize,
) {
    loop {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let Some(top) = stack.pop() else { return };
        let Some((tok, rest)) = (if rev {
            top.split_last()
        } else {
            top.split_first()
        }) else {
            continue;
        };
        stack.push(rest);
        match tok {
            Tok::Lit(c) => {
                let mut buf = [0; 4];
                let bytes = c.encode_utf8(&mut buf).as_bytes();
                let mut put = |b: &u8| {
                    if let Some(slot) = acc.0.get_mut(acc.1) {
                        *slot = *b;
                    }
                    acc.1 += 1;
                };
                if rev {
                    bytes.iter().rev().for_each(&mut put);
                } else {
                    bytes.iter().for_each(&mut put);
                }
                if acc.1 >= 8 {
                    if rev {
                        acc.0.reverse();
                    }
                    out.push(u64::from_le_bytes(acc.0));
                    return;
                }
            }
            Tok::Alt(alts) => {
                for alt in alts {
                    let mut branch = stack.clone();
                    branch.push(alt);
                    openings(&mut branch, rev, acc, out, budget);
                }
                return;
            }
            _ => return,
        }
    }
}

/// A stamp no instruction is marked with yet.
fn fresh_stamp(cache: &mut Cache) {
    cache.stamp = cache.stamp.wrapping_add(1);
    if cache.stamp == 0 {
        cache.seen.iter_mut().for_each(|s| *s = 0);
        cache.stamp = 1;
    }
}

/// Adds to `cache.next` the consuming instructions and matches reachable from `from` without
/// consuming.
fn closure(nfa: &Nfa, cache: &mut Cache, from: u32) {
    cache.stack.push(from);
    while let Some(i) = cache.stack.pop() {
        let seen = &mut cache.seen[i as usize];
        if *seen == cache.stamp {
            continue;
        }
        *seen = cache.stamp;
        match nfa.insts[i as usize] {
            Inst::Byte(_) | Inst::Match => cache.next.push(i),
            Inst::Loop(_) => {
                cache.next.push(i);
                cache.stack.push(i + 1);
            }
            Inst::Split(a, c) => {
                cache.stack.push(c);
                cache.stack.push(a);
            }
            Inst::Jmp(t) => cache.stack.push(t),
        }
    }
}
