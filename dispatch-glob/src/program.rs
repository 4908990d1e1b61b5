//! The general-case matcher: a Thompson NFA whose epsilon edges all point forward, simulated with a
//! bitset of states. Time O(states × input), memory O(states), no backtracking and no allocation
//! per match (state sets live on the stack for programs of up to 4,096 states).

use crate::parse::{Class, Tok};

#[derive(Clone, Debug)]
enum Inst {
    /// An ASCII byte; then the next instruction.
    Byte(u8),
    /// A non-ASCII character; then the next instruction.
    Char(char),
    /// One character other than `/`.
    AnyNoSlash,
    /// One character of a class.
    Class(u32),
    /// A loop over characters (other than `/` unless `any`): consuming stays here, and the next
    /// instruction is reachable without consuming.
    Star { any: bool },
    /// Either target (both after this instruction).
    Split(u32, u32),
    /// Go to the target (after this instruction).
    Jmp(u32),
    /// Accept.
    Match,
}

/// A compiled general glob.
#[derive(Clone, Debug)]
pub(crate) struct Program {
    insts: Vec<Inst>,
    classes: Vec<Class>,
    /// Bits of instructions with epsilon edges (`Split`, `Jmp`, `Star`).
    eps: Vec<u64>,
    /// The state set after the epsilon closure of instruction 0.
    start: Vec<u64>,
    /// Tables for programs of at most 64 states, which run on one `u64`.
    small: Option<Box<Small>>,
}

/// A program of at most 64 states as bit-parallel tables: for an ASCII byte, the states that accept
/// it are one table load, and a step is a few word operations.
#[derive(Clone, Debug)]
struct Small {
    /// States accepting each ASCII byte.
    byte_mask: [u64; 128],
    /// Consuming states that go on to the next state.
    forward: u64,
    /// Loop states (`*`, `**`) that stay.
    stay: u64,
    /// States with epsilon edges.
    eps: u64,
    /// The epsilon closure of each state (itself included).
    closure: [u64; 64],
    start: u64,
    accept: u64,
}

impl Program {
    pub(crate) fn compile(toks: &[Tok]) -> Program {
        let mut p = Program {
            insts: Vec::with_capacity(toks.len() + 1),
            classes: Vec::new(),
            eps: Vec::new(),
            start: Vec::new(),
            small: None,
        };
        p.emit(toks);
        p.insts.push(Inst::Match);
        let words = p.insts.len().div_ceil(64);
        p.eps = vec![0; words];
        for (i, inst) in p.insts.iter().enumerate() {
            if matches!(inst, Inst::Split(..) | Inst::Jmp(_) | Inst::Star { .. }) {
                p.eps[i / 64] |= 1 << (i % 64);
            }
        }
        let mut start = vec![0; words];
        start[0] = 1;
        p.closure(&mut start);
        p.start = start;
        if p.insts.len() <= 64 {
            p.small = Some(Box::new(p.small_tables()));
        }
        p
    }

    fn small_tables(&self) -> Small {
        let mut t = Small {
            byte_mask: [0; 128],
            forward: 0,
            stay: 0,
            eps: self.eps[0],
            closure: [0; 64],
            start: self.start[0],
            accept: 1 << (self.insts.len() - 1),
        };
        for (i, inst) in self.insts.iter().enumerate() {
            let bit = 1u64 << i;
            let mut accept = |f: &dyn Fn(u8) -> bool| {
                for b in 0u8..128 {
                    if f(b) {
                        t.byte_mask[usize::from(b)] |= bit;
                    }
                }
            };
            match inst {
                Inst::Byte(x) => {
                    t.byte_mask[usize::from(*x)] |= bit;
                    t.forward |= bit;
                }
                Inst::AnyNoSlash => {
                    accept(&|b| b != b'/');
                    t.forward |= bit;
                }
                Inst::Class(k) => {
                    let class = &self.classes[*k as usize];
                    accept(&|b| class.matches_ascii(b));
                    t.forward |= bit;
                }
                Inst::Star { any } => {
                    accept(&|b| *any || b != b'/');
                    t.stay |= bit;
                }
                Inst::Char(_) => t.forward |= bit,
                Inst::Split(..) | Inst::Jmp(_) | Inst::Match => {}
            }
            if t.eps & bit != 0 {
                let mut set = [bit];
                self.closure(&mut set);
                t.closure[i] = set[0];
            }
        }
        t
    }

    /// Which of the `active` states accept the character `c` (the slow path for non-ASCII input).
    fn accepting(&self, active: u64, c: char) -> u64 {
        let mut acc = 0;
        let mut bits = active;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let ok = match &self.insts[i] {
                Inst::Byte(x) => c == char::from(*x),
                Inst::Char(x) => c == *x,
                Inst::AnyNoSlash => c != '/',
                Inst::Class(k) => self.classes[*k as usize].matches(c),
                Inst::Star { any } => *any || c != '/',
                Inst::Split(..) | Inst::Jmp(_) | Inst::Match => false,
            };
            if ok {
                acc |= 1 << i;
            }
        }
        acc
    }

    /// The bit-parallel run of a program of at most 64 states.
    fn run_small(&self, t: &Small, input: &str) -> bool {
        let bytes = input.as_bytes();
        let mut cur = t.start;
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            let acc = if b < 0x80 {
                at += 1;
                cur & t.byte_mask[usize::from(b)]
            } else {
                let c = input[at..].chars().next().unwrap_or('\0');
                at += c.len_utf8();
                self.accepting(cur, c)
            };
            let mut next = ((acc & t.forward) << 1) | (acc & t.stay);
            if next == 0 {
                return false;
            }
            let mut e = next & t.eps;
            while e != 0 {
                next |= t.closure[e.trailing_zeros() as usize];
                e &= e - 1;
            }
            cur = next;
        }
        cur & t.accept != 0
    }

    fn emit(&mut self, toks: &[Tok]) {
        for tok in toks {
            match tok {
                Tok::Lit(c) => self.insts.push(if c.is_ascii() {
                    Inst::Byte(*c as u8)
                } else {
                    Inst::Char(*c)
                }),
                Tok::Any => self.insts.push(Inst::AnyNoSlash),
                Tok::Star => self.insts.push(Inst::Star { any: false }),
                Tok::AnyStar => self.insts.push(Inst::Star { any: true }),
                Tok::DirStar => {
                    // (.*/)?
                    let s = self.pos();
                    self.insts.push(Inst::Split(s + 1, s + 3));
                    self.insts.push(Inst::Star { any: true });
                    self.insts.push(Inst::Byte(b'/'));
                }
                Tok::Class(c) => {
                    self.insts.push(Inst::Class(self.classes.len() as u32));
                    self.classes.push((**c).clone());
                }
                Tok::Alt(alts) => {
                    let mut jumps = Vec::with_capacity(alts.len());
                    for (j, alt) in alts.iter().enumerate() {
                        if j + 1 < alts.len() {
                            let split = self.pos();
                            self.insts.push(Inst::Split(split + 1, 0));
                            self.emit(alt);
                            jumps.push(self.pos());
                            self.insts.push(Inst::Jmp(0));
                            let next = self.pos();
                            self.insts[split as usize] = Inst::Split(split + 1, next);
                        } else {
                            self.emit(alt);
                        }
                    }
                    let end = self.pos();
                    for j in jumps {
                        self.insts[j as usize] = Inst::Jmp(end);
                    }
                }
            }
        }
    }

    fn pos(&self) -> u32 {
        self.insts.len() as u32
    }

    /// Adds to `set` every state reachable without consuming. Epsilon edges point forward, so one
    /// sweep in index order reaches everything.
    #[inline]
    fn closure(&self, set: &mut [u64]) {
        for w in 0..set.len() {
            let mut bits = set[w] & self.eps[w];
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                let i = w * 64 + b;
                match self.insts[i] {
                    Inst::Split(a, c) => {
                        set_bit(set, a as usize);
                        set_bit(set, c as usize);
                    }
                    Inst::Jmp(t) => set_bit(set, t as usize),
                    Inst::Star { .. } => set_bit(set, i + 1),
                    _ => {}
                }
                // New bits can appear above `b` in this word; look again above it.
                bits = set[w] & self.eps[w] & (u64::MAX << b << 1);
            }
        }
    }

    /// Whether the program accepts `input` (whole string).
    pub(crate) fn is_match(&self, input: &str) -> bool {
        if let Some(t) = &self.small {
            return self.run_small(t, input);
        }
        match self.eps.len() {
            2 => self.run::<2>(input),
            3 | 4 => self.run::<4>(input),
            5..=8 => self.run::<8>(input),
            9..=16 => self.run::<16>(input),
            17..=64 => self.run::<64>(input),
            _ => self.run_heap(input),
        }
    }

    /// The general simulation even for a small program (tests compare both paths).
    #[cfg(test)]
    pub(crate) fn is_match_large(&self, input: &str) -> bool {
        self.run_heap(input)
    }

    fn run<const W: usize>(&self, input: &str) -> bool {
        let mut cur = [0u64; W];
        let mut next = [0u64; W];
        let words = self.eps.len();
        cur[..words].copy_from_slice(&self.start);
        self.sim(input, &mut cur[..words], &mut next[..words])
    }

    #[cold]
    fn run_heap(&self, input: &str) -> bool {
        let mut cur = self.start.clone();
        let mut next = vec![0; cur.len()];
        self.sim(input, &mut cur, &mut next)
    }

    #[inline]
    fn sim<'s>(&self, input: &str, mut cur: &'s mut [u64], mut next: &'s mut [u64]) -> bool {
        let bytes = input.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            let c = if b < 0x80 {
                at += 1;
                char::from(b)
            } else {
                let c = input[at..].chars().next().unwrap_or('\0');
                at += c.len_utf8();
                c
            };
            next.fill(0);
            let mut any = false;
            for (w, &word) in cur.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let to = match &self.insts[i] {
                        Inst::Byte(x) => (b == *x).then_some(i + 1),
                        Inst::Char(x) => (c == *x).then_some(i + 1),
                        Inst::AnyNoSlash => (c != '/').then_some(i + 1),
                        Inst::Class(k) => self.classes[*k as usize].matches(c).then_some(i + 1),
                        Inst::Star { any } => (*any || c != '/').then_some(i),
                        Inst::Split(..) | Inst::Jmp(_) | Inst::Match => None,
                    };
                    if let Some(t) = to {
                        set_bit(next, t);
                        any = true;
                    }
                }
            }
            if !any {
                return false;
            }
            self.closure(next);
            std::mem::swap(&mut cur, &mut next);
        }
        let m = self.insts.len() - 1;
        cur[m / 64] & (1 << (m % 64)) != 0
    }
}

#[inline]
fn set_bit(set: &mut [u64], i: usize) {
    set[i / 64] |= 1 << (i % 64);
}
