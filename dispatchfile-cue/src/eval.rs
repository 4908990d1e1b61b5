//! The evaluator: vertices (one per value), conjuncts, lexical environments, unification,
//! disjunctions, closedness, comprehensions. Budgets: steps, depth, disjuncts (see `Options`).

use crate::Options;
use crate::ast::{
    Ast, BinOp, Clause, Comprehension, Decl, Elem, ExprId, ExprKind, Interner, InterpPart, Label,
    LabelKind, Name, Pkg, Sym, Tail, UnOp,
};
use crate::error::{CueError, Span};
use crate::num::Num;
use crate::regexes::Compiled;
use crate::value::{
    BOOL, BYTES, Bot, Cons, FLOAT, INT, LIST, Leaf, NUMBER, STRING, STRUCT, Scalar, TOP,
    bound_kinds, check_cons, kind_name,
};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

pub(crate) type VId = u32;
pub(crate) type EnvId = u32;

/// A fatal condition: a limit was exceeded. `depth` marks recursion-depth exhaustion, which a
/// disjunct may recover from (the disjunct fails).
#[derive(Debug)]
pub(crate) struct Fatal {
    pub(crate) err: CueError,
    pub(crate) depth: bool,
}

pub(crate) type R<T> = Result<T, Fatal>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) sym: Sym,
    pub(crate) kind: LabelKind,
}

#[derive(Clone, Debug)]
pub(crate) enum Bound {
    Vertex(VId),
    Scalar(Scalar, Span),
    Expr(ExprId, EnvId),
}

#[derive(Clone, Debug)]
pub(crate) enum Frame {
    Root,
    Struct { vertex: VId, lit: u32 },
    Bind { name: Sym, val: Bound },
}

#[derive(Clone, Debug)]
pub(crate) struct Env {
    pub(crate) parent: Option<EnvId>,
    pub(crate) frame: Frame,
}

#[derive(Clone, Debug)]
pub(crate) enum Src {
    Expr(ExprId),
    /// Unify with an already evaluated vertex, structurally (builtin results).
    Vertex(VId),
    /// A disjunction of vertices (from `or(list)`).
    DisjV(Rc<[(VId, bool)]>),
}

#[derive(Clone, Debug)]
pub(crate) struct Conj {
    pub(crate) src: Src,
    pub(crate) env: EnvId,
    pub(crate) close: Rc<[u32]>,
    pub(crate) embed: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    New,
    Expanding,
    Expanded,
}

#[derive(Clone, Debug)]
pub(crate) struct Arc {
    pub(crate) key: Key,
    pub(crate) v: VId,
    pub(crate) optional: bool,
    pub(crate) span: Span,
}

/// Where a chain of plain references leads (see `Eval::forward`).
#[derive(Clone, Debug)]
pub(crate) enum Fwd {
    /// To this vertex, meeting these closedness tokens on the way.
    To(VId, Rc<[u32]>),
    /// Into a reference cycle: the chain adds no value.
    Cycle,
}

#[derive(Clone, Debug)]
pub(crate) struct DisjInfo {
    pub(crate) has_default: bool,
    pub(crate) count: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Vertex {
    pub(crate) parent: Option<VId>,
    pub(crate) conjs: Vec<Conj>,
    pub(crate) state: State,
    pub(crate) leaf: Leaf,
    pub(crate) err: Option<Box<Bot>>,
    pub(crate) saw_struct: bool,
    pub(crate) is_list: bool,
    pub(crate) arcs: Vec<Arc>,
    pub(crate) elems: Vec<VId>,
    pub(crate) list_open: bool,
    pub(crate) disj: Option<DisjInfo>,
    pub(crate) value_span: Option<Span>,
    pub(crate) synthetic: bool,
    index: Option<HashMap<Key, usize>>,
    /// Set once this vertex is known to be a link of a chain of plain references.
    fwd: Option<Fwd>,
}

impl Vertex {
    fn new(parent: Option<VId>) -> Vertex {
        Vertex {
            parent,
            conjs: Vec::new(),
            state: State::New,
            leaf: Leaf::default(),
            err: None,
            saw_struct: false,
            is_list: false,
            arcs: Vec::new(),
            elems: Vec::new(),
            list_open: false,
            disj: None,
            value_span: None,
            synthetic: false,
            index: None,
            fwd: None,
        }
    }

    pub(crate) fn arc(&self, k: Key) -> Option<&Arc> {
        if let Some(ix) = &self.index {
            return ix.get(&k).and_then(|&i| self.arcs.get(i));
        }
        self.arcs.iter().find(|a| a.key == k)
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Resolved {
    V(VId),
    Conj(ExprId, EnvId),
    Scalar(Scalar, Span),
    Leaf(Leaf),
    Builtin(Builtin),
    Pkg(Pkg),
    Err(Box<Bot>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Len,
    Close,
    And,
    Or,
    Div,
    Mod,
    Quo,
    Rem,
    Pkg(Pkg, Sym),
}

#[derive(Clone, Debug)]
pub(crate) enum Val {
    Scalar(Scalar, Span),
    Leaf(Leaf),
    V(VId),
    Err(Box<Bot>),
    Builtin(Builtin),
    Pkg(Pkg),
}

/// A concrete value for operators and builtins.
#[derive(Clone, Debug)]
pub(crate) enum Concrete {
    Scalar(Scalar),
    Struct(VId),
    List(VId),
}

#[derive(Debug)]
struct Group {
    token: u32,
    /// A set: a closed struct with many fields checks each of them.
    keys: HashSet<Key>,
    patterns: Vec<(ExprId, EnvId)>,
    open: bool,
}

#[derive(Debug)]
struct PatternC {
    alias: Option<Sym>,
    pattern: ExprId,
    value: ExprId,
    env: EnvId,
    close: Rc<[u32]>,
}

#[derive(Debug)]
struct Pending {
    lit: u32,
    decl: usize,
    env: EnvId,
    close: Rc<[u32]>,
    embed: Option<u32>,
}

#[derive(Debug)]
enum ListTail {
    Closed,
    Open,
    Typed(ExprId, EnvId, Rc<[u32]>),
}

#[derive(Debug)]
struct ListC {
    n: usize,
    /// `None` for a closed list; `Some(None)` for `...`; `Some(Some(..))` for `...T`.
    tail: ListTail,
}

#[derive(Debug, Default)]
struct Build {
    pending: std::collections::VecDeque<Pending>,
    copied: HashSet<VId>,
    lets: HashSet<(ExprId, EnvId)>,
    groups: Vec<Group>,
    /// `groups` by token.
    group_index: HashMap<u32, usize>,
    patterns: Vec<PatternC>,
    lists: Vec<ListC>,
    disj_seen: usize,
    need: Option<(Vec<(Conj, bool)>, bool)>,
}

enum BuildOut {
    Done,
    Need(Vec<(Conj, bool)>, bool),
}

pub(crate) struct Eval<'a> {
    pub(crate) ast: &'a Ast,
    pub(crate) syms: Interner,
    pub(crate) opts: &'a Options<'a>,
    /// The clock reading at the start, when a wall-clock budget is enforced.
    started: Option<std::time::Duration>,
    /// The step count at which the clock is read next (never without a clock).
    clock_at: u64,
    /// Where evaluation is: the expression or value being evaluated, for the position of a
    /// budget (`max_steps`, `eval_timeout`) that runs out.
    at: Option<Span>,
    pub(crate) verts: Vec<Vertex>,
    envs: Vec<Env>,
    closing: Vec<bool>,
    def_tokens: HashMap<(VId, Key), u32>,
    steps: u64,
    /// Bytes of text made by string operations so far (`Options::max_bytes`).
    text: usize,
    depth: usize,
    depth_limit: usize,
    validating: usize,
    let_cache: HashMap<(ExprId, EnvId), Val>,
    regexes: crate::regexes::Cache,
    empty: Rc<[u32]>,
}

/// Bytes charged besides its text for each string a label or a split makes: its allocation's
/// header and the value that holds it.
pub(crate) const STRING_OVERHEAD: usize = 32;

/// Steps charged for creating a vertex (its memory dominates an evaluation's footprint). With
/// the default budget of 10,000,000 steps, a weight of 16 keeps a runaway evaluation (such as a
/// comprehension producing ten million elements) below a few hundred megabytes.
const VERTEX_STEPS: u64 = 16;

/// How many steps pass between two readings of an injected clock: a reading costs far more than
/// a step, and a few thousand steps take well under a millisecond.
const CLOCK_STEPS: u64 = 4096;

/// Steps charged for creating an environment (a comprehension iteration or a `let` binding).
const ENV_STEPS: u64 = 4;

/// Bytes of text read or written per step charged by builtins, operators and exports (copying
/// or scanning 16 bytes takes a few nanoseconds; a step is about 20).
pub(crate) const BYTES_PER_STEP: usize = 16;

/// Bounds of one value are deduplicated while fewer than this.
const DEDUP_BOUNDS: usize = 64;

/// Steps for comparing two scalars for unification: big numbers by their size, distinct long
/// strings by their length (shared strings compare by pointer).
fn same_cost(a: &Scalar, b: &Scalar) -> u64 {
    match (a, b) {
        (Scalar::Num(x), Scalar::Num(y)) => crate::num::cost(x, y),
        (Scalar::Str(x), Scalar::Str(y)) if !Rc::ptr_eq(x, y) => {
            (x.len().min(y.len()) / BYTES_PER_STEP) as u64
        }
        (Scalar::Bytes(x), Scalar::Bytes(y)) if !Rc::ptr_eq(x, y) => {
            (x.len().min(y.len()) / BYTES_PER_STEP) as u64
        }
        _ => 0,
    }
}

/// How deep disjuncts inside disjuncts are validated (see `Eval::validate`).
const MAX_VALIDATE: usize = 4;

fn span_of(ast: &Ast, e: ExprId) -> Span {
    ast.expr(e).span
}

impl<'a> Eval<'a> {
    pub(crate) fn new(ast: &'a Ast, syms: Interner, opts: &'a Options<'a>) -> Self {
        Eval {
            started: opts
                .clock
                .filter(|_| opts.timeout.is_some())
                .map(crate::Clock::now),
            clock_at: if opts.clock.is_some() && opts.timeout.is_some() {
                CLOCK_STEPS
            } else {
                u64::MAX
            },
            at: None,
            ast,
            syms,
            opts,
            verts: Vec::new(),
            envs: vec![Env {
                parent: None,
                frame: Frame::Root,
            }],
            closing: Vec::new(),
            def_tokens: HashMap::new(),
            steps: 0,
            text: 0,
            depth: 0,
            depth_limit: opts.max_depth.saturating_add(32),
            validating: 0,
            let_cache: HashMap::new(),
            regexes: crate::regexes::Cache::default(),
            empty: Rc::from(Vec::new()),
        }
    }

    /// Creates the root vertex for the file.
    pub(crate) fn root(&mut self) -> VId {
        let v = self.new_vertex(None);
        let c = Conj {
            src: Src::Expr(self.ast.root),
            env: 0,
            close: self.empty.clone(),
            embed: None,
        };
        self.add_conj(v, c);
        v
    }

    // ---- budgets ----

    pub(crate) fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > self.opts.max_steps {
            return Err(self.out_of_steps());
        }
        if self.steps >= self.clock_at {
            self.clock_at = self.steps.saturating_add(CLOCK_STEPS);
            self.check_clock()?;
        }
        Ok(())
    }

    /// Charges `n` steps for work about to be done in one go (a builtin over long text, a
    /// regular expression, arithmetic on big numbers), so that `max_steps` and the timeout
    /// bound it like any other: fails before the work once the budget would be passed, and
    /// after large work reads the clock at the next step.
    pub(crate) fn charge(&mut self, n: u64) -> R<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.opts.max_steps {
            return Err(self.out_of_steps());
        }
        if self.steps >= self.clock_at {
            self.clock_at = self.steps.saturating_add(CLOCK_STEPS);
            self.check_clock()?;
        }
        if n >= CLOCK_STEPS && self.clock_at != u64::MAX {
            self.clock_at = self.steps;
        }
        Ok(())
    }

    /// Charges the work of reading or writing `n` bytes of text.
    pub(crate) fn charge_bytes(&mut self, n: usize) -> R<()> {
        self.charge((n / BYTES_PER_STEP) as u64)
    }

    /// The `max_steps` error, at the expression being evaluated.
    #[cold]
    fn out_of_steps(&self) -> Fatal {
        Fatal {
            err: CueError::limit("max_steps", self.opts.max_steps, self.at),
            depth: false,
        }
    }

    /// Notes where evaluation is (see `at`) and returns where it was.
    pub(crate) fn set_at(&mut self, span: Option<Span>) -> Option<Span> {
        if span.is_some() {
            std::mem::replace(&mut self.at, span)
        } else {
            self.at
        }
    }

    /// Restores a position returned by `set_at`.
    pub(crate) fn reset_at(&mut self, at: Option<Span>) {
        self.at = at;
    }

    /// Charges `n` bytes of text about to be made by a string operation; fails, before anything
    /// is allocated, once `Options::max_bytes` would be passed.
    pub(crate) fn spend_text(&mut self, n: usize, span: Span) -> R<()> {
        self.text = self.text.saturating_add(n);
        if self.text > self.opts.max_bytes {
            return Err(Fatal {
                err: CueError::limit("max_bytes", self.opts.max_bytes, Some(span)),
                depth: false,
            });
        }
        Ok(())
    }

    /// Fails when `n` more bytes of text would pass `Options::max_bytes`, without charging them:
    /// for a builtin about to make a string, which is charged once it is returned.
    pub(crate) fn check_text(&self, n: usize, span: Span) -> R<()> {
        if self.text.saturating_add(n) > self.opts.max_bytes {
            return Err(Fatal {
                err: CueError::limit("max_bytes", self.opts.max_bytes, Some(span)),
                depth: false,
            });
        }
        Ok(())
    }

    /// A string for a label: `len` bytes and the string's own overhead (labels are copied at
    /// every comprehension iteration and pattern match).
    fn label_text(&mut self, sym: Sym, span: Span) -> R<Rc<str>> {
        let n = self.name(sym).len();
        self.spend_text(n + STRING_OVERHEAD, span)?;
        Ok(Rc::from(self.name(sym)))
    }

    /// Fails once the wall-clock budget is spent (only with an injected clock).
    #[cold]
    fn check_clock(&self) -> R<()> {
        if let (Some(started), Some(clock), Some(timeout)) =
            (self.started, self.opts.clock, self.opts.timeout)
            && clock.now().saturating_sub(started) > timeout
        {
            return Err(Fatal {
                err: CueError::limit("eval_timeout", format!("{timeout:?}"), self.at),
                depth: false,
            });
        }
        Ok(())
    }

    pub(crate) fn enter(&mut self, span: Option<Span>) -> R<()> {
        self.depth += 1;
        if self.depth > self.depth_limit {
            self.depth -= 1;
            return Err(Fatal {
                err: CueError::limit("max_depth", self.opts.max_depth, span.or(self.at)),
                depth: true,
            });
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(crate) fn v(&self, id: VId) -> &Vertex {
        &self.verts[id as usize]
    }

    fn vm(&mut self, id: VId) -> &mut Vertex {
        &mut self.verts[id as usize]
    }

    pub(crate) fn new_vertex(&mut self, parent: Option<VId>) -> VId {
        // Vertices cost steps too, so the step budget also bounds memory.
        self.steps += VERTEX_STEPS;
        self.verts.push(Vertex::new(parent));
        (self.verts.len() - 1) as VId
    }

    fn new_env(&mut self, parent: EnvId, frame: Frame) -> EnvId {
        self.steps += ENV_STEPS;
        self.envs.push(Env {
            parent: Some(parent),
            frame,
        });
        (self.envs.len() - 1) as EnvId
    }

    fn new_token(&mut self, closing: bool) -> u32 {
        self.closing.push(closing);
        (self.closing.len() - 1) as u32
    }

    fn add_conj(&mut self, v: VId, c: Conj) {
        let span = match &c.src {
            Src::Expr(e) => Some(span_of(self.ast, *e)),
            _ => None,
        };
        let vx = self.vm(v);
        if vx.value_span.is_none() {
            vx.value_span = span;
        }
        vx.conjs.push(c);
    }

    /// The compiled expression of `p`, from the cache or compiled under the smallest size
    /// limit it fits, each attempt charged before it is made (see `regexes`). `Err` is the
    /// message of an invalid or too large pattern.
    pub(crate) fn regex(&mut self, p: &str) -> R<Result<Rc<Compiled>, String>> {
        if let Some(r) = self.regexes.get(p) {
            return Ok(Ok(r));
        }
        let invalid = |e: &str| {
            let shown = Scalar::Str(Rc::from(p)).display();
            format!("invalid regular expression {shown}: {e}")
        };
        self.charge((p.len() / 16) as u64)?;
        let shape = match crate::regexes::shape(p) {
            Ok(s) => s,
            Err(e) => return Ok(Err(invalid(&e))),
        };
        for (tier, steps) in crate::regexes::tier_steps(p.len()) {
            self.charge(steps)?;
            match crate::regexes::compile(p, shape, tier) {
                Ok(Some(c)) => {
                    let c = Rc::new(c);
                    self.regexes.insert(p, Rc::clone(&c));
                    return Ok(Ok(c));
                }
                Ok(None) => {}
                Err(e) => return Ok(Err(invalid(&e))),
            }
        }
        Ok(Err(invalid("compiled size exceeds the limit")))
    }

    /// Whether `p` matches `s`: the search is charged by the length of `s` and the cost of `p`.
    pub(crate) fn regex_match(&mut self, p: &str, s: &str) -> R<Result<bool, String>> {
        let re = match self.regex(p)? {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        self.charge((s.len() as u64).saturating_mul(re.shape.steps_per_byte()))?;
        Ok(Ok(re.re.is_match(s)))
    }

    /// Checks a concrete value against a constraint, charging regular expressions and
    /// comparisons of big numbers by their work.
    fn check_cons(&mut self, val: &Scalar, c: &Cons) -> R<Result<(), String>> {
        let work = match (val, &c.val) {
            (Scalar::Num(a), Scalar::Num(b)) => crate::num::cost(a, b),
            // Bounds compare texts byte by byte, even a text with itself.
            (Scalar::Str(a), Scalar::Str(b)) => (a.len().min(b.len()) / BYTES_PER_STEP) as u64,
            (Scalar::Bytes(a), Scalar::Bytes(b)) => (a.len().min(b.len()) / BYTES_PER_STEP) as u64,
            _ => 0,
        };
        self.charge(work)?;
        let mut fatal = None;
        let r = {
            let mut re = |p: &str, s: &str| match self.regex_match(p, s) {
                Ok(r) => r,
                Err(f) => {
                    fatal = Some(f);
                    Err(String::new())
                }
            };
            check_cons(val, c, &mut re)
        };
        match fatal {
            Some(f) => Err(f),
            None => Ok(r),
        }
    }

    pub(crate) fn name(&self, s: Sym) -> &str {
        self.syms.name(s)
    }

    // ---- errors on vertices ----

    fn set_err(&mut self, v: VId, b: Box<Bot>) {
        let vx = self.vm(v);
        match &vx.err {
            None => vx.err = Some(b),
            // A real error beats an incomplete one.
            Some(old) if old.is_incomplete() && !b.is_incomplete() => vx.err = Some(b),
            _ => {}
        }
    }

    fn has_hard_err(&self, v: VId) -> bool {
        self.v(v).err.as_ref().is_some_and(|e| !e.is_incomplete())
    }

    // ---- leaf unification ----

    fn unify_kind(&mut self, v: VId, k: u16, span: Span) {
        let old = self.v(v).leaf.kinds;
        let new = old & k;
        if new == 0 {
            let l = &self.v(v).leaf;
            let a = l.display();
            let mut spans = vec![span];
            if let Some(s) = l.val.as_ref().map(|x| x.1).or(l.kind_span) {
                spans.insert(0, s);
            }
            let b = kind_name(k);
            let msg = format!(
                "conflicting values {a} and {b} (mismatched types {} and {})",
                kind_name(if l.val.is_some() { l.kinds } else { old }),
                b
            );
            self.set_err(v, Bot::eval(msg, spans));
            return;
        }
        let vx = self.vm(v);
        vx.leaf.kinds = new;
        if new != old && vx.leaf.kind_span.is_none() {
            vx.leaf.kind_span = Some(span);
        }
    }

    fn unify_scalar(&mut self, v: VId, s: Scalar, span: Span) -> R<()> {
        let k = s.kind();
        if let Some((old, _)) = &self.v(v).leaf.val {
            let work = same_cost(old, &s);
            self.charge(work)?;
        }
        if let Some((old, osp)) = &self.v(v).leaf.val {
            if !old.same(&s) {
                let msg = if old.kind() == k {
                    format!("conflicting values {} and {}", s.display(), old.display())
                } else {
                    format!(
                        "conflicting values {} and {} (mismatched types {} and {})",
                        s.display(),
                        old.display(),
                        kind_name(k),
                        kind_name(old.kind())
                    )
                };
                let spans = vec![*osp, span];
                self.set_err(v, Bot::eval(msg, spans));
            }
            return Ok(());
        }
        let kinds = self.v(v).leaf.kinds;
        if kinds & k == 0 {
            let l = self.v(v).leaf.clone();
            let mut spans = vec![span];
            if let Some(ks) = l.kind_span {
                spans.insert(0, ks);
            }
            let msg = format!(
                "conflicting values {} and {} (mismatched types {} and {})",
                s.display(),
                l.display(),
                kind_name(k),
                kind_name(kinds)
            );
            self.set_err(v, Bot::eval(msg, spans));
            return Ok(());
        }
        if let Scalar::Num(n) = &s {
            self.charge(crate::num::copy_cost(n))?;
        }
        let vx = self.vm(v);
        vx.leaf.kinds = k;
        vx.leaf.val = Some((s, span));
        Ok(())
    }

    fn unify_leaf(&mut self, v: VId, l: Leaf, span: Span) -> R<()> {
        if l.kinds != TOP {
            self.unify_kind(v, l.kinds, l.kind_span.unwrap_or(span));
        }
        for c in l.cons {
            // Duplicates are dropped while the list is short; a long list (`>0 & >1 & …`) is
            // only appended to, so that adding a bound stays constant work.
            let cons = &self.v(v).leaf.cons;
            let dup = if cons.len() < DEDUP_BOUNDS {
                let work = cons
                    .iter()
                    .map(|o| same_cost(&o.val, &c.val))
                    .fold(cons.len() as u64, u64::saturating_add);
                let dup = cons.iter().any(|o| o.op == c.op && o.val.same(&c.val));
                self.charge(work)?;
                dup
            } else {
                false
            };
            if !dup {
                self.vm(v).leaf.cons.push(c);
            }
        }
        if let Some((s, sp)) = l.val {
            self.unify_scalar(v, s, sp)?;
        }
        Ok(())
    }

    /// Checks constraints against the concrete value at the end of expansion.
    fn check_leaf(&mut self, v: VId) -> R<()> {
        let Some((val, vsp)) = self.v(v).leaf.val.clone() else {
            return Ok(());
        };
        let cons = self.v(v).leaf.cons.clone();
        for c in &cons {
            if let Err(msg) = self.check_cons(&val, c)? {
                self.set_err(v, Bot::eval(msg, vec![vsp, c.span]));
                return Ok(());
            }
        }
        Ok(())
    }

    // ---- expansion ----

    /// Evaluates a vertex's own value and arcs (not the arcs' values).
    pub(crate) fn expand(&mut self, v: VId) -> R<()> {
        if self.v(v).state != State::New {
            return Ok(());
        }
        self.vm(v).state = State::Expanding;
        let at = self.set_at(self.v(v).value_span);
        self.enter(self.v(v).value_span)?;
        let conjs = self.v(v).conjs.clone();
        let r = self.build(v, conjs.clone(), &[]);
        let r = match r {
            Ok(BuildOut::Done) => Ok(()),
            Ok(BuildOut::Need(..)) => {
                self.reset(v);
                self.expand_disj(v, &conjs)
            }
            Err(e) => Err(e),
        };
        self.leave();
        self.reset_at(at);
        self.vm(v).state = State::Expanded;
        r
    }

    fn reset(&mut self, v: VId) {
        let vx = self.vm(v);
        vx.leaf = Leaf::default();
        vx.err = None;
        vx.saw_struct = false;
        vx.is_list = false;
        vx.arcs.clear();
        vx.elems.clear();
        vx.list_open = false;
        vx.index = None;
    }

    fn expand_disj(&mut self, v: VId, conjs: &[Conj]) -> R<()> {
        let parent = self.v(v).parent;
        let mut stack: Vec<Vec<(usize, bool)>> = vec![Vec::new()];
        let mut results: Vec<(VId, bool)> = Vec::new();
        let mut first_err: Option<Box<Bot>> = None;
        while let Some(ch) = stack.pop() {
            self.step()?;
            let c = self.new_vertex(parent);
            self.vm(c).conjs = conjs.to_vec();
            self.vm(c).state = State::Expanding;
            let idx: Vec<usize> = ch.iter().map(|x| x.0).collect();
            let out = match self.build(c, conjs.to_vec(), &idx) {
                Ok(o) => o,
                Err(f) if f.depth => {
                    if first_err.is_none() {
                        first_err = Some(Bot::eval("structural cycle", f.err.spans().to_vec()));
                    }
                    continue;
                }
                Err(f) => return Err(f),
            };
            if self.has_hard_err(c) {
                if first_err.is_none() {
                    first_err.clone_from(&self.v(c).err);
                }
                continue;
            }
            match out {
                BuildOut::Need(terms, has_default) => {
                    for (j, (_, d)) in terms.iter().enumerate().rev() {
                        let mut n = ch.clone();
                        n.push((j, *d || !has_default));
                        stack.push(n);
                    }
                }
                BuildOut::Done => {
                    self.vm(c).state = State::Expanded;
                    results.push((c, ch.iter().all(|x| x.1)));
                    if results.len() > self.opts.max_disjuncts {
                        return Err(Fatal {
                            err: CueError::limit(
                                "max_disjuncts",
                                self.opts.max_disjuncts,
                                self.v(v).value_span.or(self.at),
                            ),
                            depth: false,
                        });
                    }
                }
            }
        }
        // Several disjuncts: drop those that fail deeper down, then duplicates.
        if results.len() > 1 {
            let mut kept = Vec::new();
            for (c, d) in results {
                match self.validate(c) {
                    Ok(None) => kept.push((c, d)),
                    Ok(Some(b)) => {
                        if first_err.is_none() {
                            first_err = Some(b);
                        }
                    }
                    Err(f) if f.depth => {}
                    Err(f) => return Err(f),
                }
            }
            results = kept;
        }
        if results.len() > 1 {
            let mut uniq: Vec<(VId, bool, String)> = Vec::new();
            for (c, d) in results {
                let key = self.repr(c, 0)?;
                if let Some(u) = uniq.iter_mut().find(|u| u.2 == key) {
                    u.1 |= d;
                } else {
                    uniq.push((c, d, key));
                }
            }
            results = uniq.into_iter().map(|(c, d, _)| (c, d)).collect();
        }
        match results.len() {
            0 => {
                let (msg, spans) = match first_err {
                    Some(b) => (format!("empty disjunction: {}", b.msg), b.spans.clone()),
                    None => (
                        "empty disjunction".to_owned(),
                        self.v(v).value_span.into_iter().collect(),
                    ),
                };
                self.set_err(v, Bot::eval(msg, spans));
            }
            1 => {
                let c = results[0].0;
                self.adopt(v, c);
            }
            n => {
                let defaults: Vec<VId> = results.iter().filter(|r| r.1).map(|r| r.0).collect();
                if defaults.len() == 1 {
                    self.adopt(v, defaults[0]);
                    self.vm(v).disj = Some(DisjInfo {
                        has_default: true,
                        count: n,
                    });
                } else {
                    // Keep the first for structure; the vertex stays incomplete.
                    let c = results[0].0;
                    self.adopt(v, c);
                    self.vm(v).disj = Some(DisjInfo {
                        has_default: false,
                        count: n,
                    });
                }
            }
        }
        Ok(())
    }

    fn adopt(&mut self, v: VId, c: VId) {
        let src = self.v(c).clone();
        let vx = self.vm(v);
        vx.leaf = src.leaf;
        vx.err = src.err;
        vx.saw_struct = src.saw_struct;
        vx.is_list = src.is_list;
        vx.arcs = src.arcs;
        vx.elems = src.elems;
        vx.list_open = src.list_open;
        vx.index = src.index;
        vx.disj = src.disj;
    }

    /// Whether `a` is `v` or one of its ancestors.
    fn is_ancestor(&self, a: VId, v: VId) -> bool {
        let mut cur = Some(v);
        let mut n = 0;
        while let Some(x) = cur {
            if x == a {
                return true;
            }
            n += 1;
            if n > 100_000 {
                return false;
            }
            cur = self.v(x).parent;
        }
        false
    }

    fn build(&mut self, v: VId, conjs: Vec<Conj>, choices: &[usize]) -> R<BuildOut> {
        let mut b = Build::default();
        let mut work: Vec<Conj> = conjs;
        work.reverse();
        loop {
            while let Some(c) = work.pop() {
                if let Src::Expr(e) = c.src {
                    self.at = Some(span_of(self.ast, e));
                }
                self.step()?;
                self.process(v, c, &mut b, &mut work, choices)?;
                if let Some((terms, d)) = b.need.take() {
                    return Ok(BuildOut::Need(terms, d));
                }
                if self.has_hard_err(v) {
                    return Ok(BuildOut::Done);
                }
            }
            if let Some(p) = b.pending.pop_front() {
                self.run_field_comprehension(v, &p, &mut work)?;
                continue;
            }
            break;
        }
        self.finish(v, &mut b)?;
        Ok(BuildOut::Done)
    }

    /// The union of two sets of closedness tokens (kept sorted); charged by its size, since
    /// chains of definitions can gather many tokens.
    fn merge_close(&mut self, a: &Rc<[u32]>, b: &Rc<[u32]>) -> R<Rc<[u32]>> {
        if b.is_empty() || Rc::ptr_eq(a, b) {
            return Ok(a.clone());
        }
        if a.is_empty() {
            return Ok(b.clone());
        }
        self.charge(((a.len() + b.len()) / BYTES_PER_STEP) as u64)?;
        let mut v: Vec<u32> = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => {
                    v.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    v.push(b[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    v.push(a[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        v.extend_from_slice(&a[i..]);
        v.extend_from_slice(&b[j..]);
        if v.len() == a.len() {
            return Ok(a.clone());
        }
        Ok(Rc::from(v))
    }

    /// `a` with the token `t` (kept sorted).
    fn with_token(a: &Rc<[u32]>, t: u32) -> Rc<[u32]> {
        match a.binary_search(&t) {
            Ok(_) => a.clone(),
            Err(i) => {
                let mut v = a.to_vec();
                v.insert(i, t);
                Rc::from(v)
            }
        }
    }

    /// Copies the conjuncts of `w` into the work list of a vertex, as a reference does;
    /// `extra` holds closedness tokens met on a chain of references leading to `w`.
    fn copy_conjs(&mut self, w: VId, c: &Conj, extra: &Rc<[u32]>, work: &mut Vec<Conj>) -> R<()> {
        if self.v(w).synthetic {
            let close = match c.embed {
                Some(g) => {
                    if !extra.is_empty() {
                        self.mark_closing(g);
                    }
                    c.close.clone()
                }
                None => self.merge_close(&c.close, extra)?,
            };
            work.push(Conj {
                src: Src::Vertex(w),
                env: c.env,
                close,
                embed: c.embed,
            });
            return Ok(());
        }
        let wc = self.v(w).conjs.clone();
        if let Some(g) = c.embed
            && wc.is_empty()
            && !extra.is_empty()
        {
            self.mark_closing(g);
        }
        for x in wc.into_iter().rev() {
            let xc = self.merge_close(extra, &x.close)?;
            let close = match c.embed {
                Some(g) if !xc.is_empty() => {
                    self.mark_closing(g);
                    c.close.clone()
                }
                Some(_) => c.close.clone(),
                None => self.merge_close(&c.close, &xc)?,
            };
            work.push(Conj {
                src: x.src,
                env: x.env,
                close,
                embed: c.embed,
            });
        }
        Ok(())
    }

    fn mark_closing(&mut self, g: u32) {
        if let Some(f) = self.closing.get_mut(g as usize) {
            *f = true;
        }
    }

    /// The next link of a chain of plain references: when `w`'s only conjunct is a reference
    /// (`a`, `a.b.c`) to a field that can be found without evaluating anything, that field and
    /// the conjunct's closedness tokens. Only once `w`'s parent is complete: no conjunct is
    /// added to `w` after that.
    fn forward_next(&mut self, w: VId) -> R<Option<(VId, Rc<[u32]>)>> {
        let vx = self.v(w);
        if vx.synthetic || vx.conjs.len() != 1 {
            return Ok(None);
        }
        let Some(p) = vx.parent else {
            return Ok(None);
        };
        let c = &vx.conjs[0];
        let (Src::Expr(e), env, close) = (&c.src, c.env, c.close.clone()) else {
            return Ok(None);
        };
        let e = *e;
        if self.v(p).state != State::Expanded {
            return Ok(None);
        }
        Ok(self.peek_ref(e, env)?.map(|next| (next, close)))
    }

    /// The field a reference `a` or `a.b.c` names, when finding it evaluates nothing: every
    /// struct on the way is already evaluated and has the field.
    fn peek_ref(&mut self, e: ExprId, env: EnvId) -> R<Option<VId>> {
        let ast = self.ast;
        let mut selectors = Vec::new();
        let mut root = e;
        while let ExprKind::Select(base, sel, _) = &ast.expr(root).kind {
            selectors.push(*sel);
            root = *base;
        }
        let ExprKind::Ident(name) = ast.expr(root).kind else {
            return Ok(None);
        };
        let Resolved::V(mut w) = self.lookup(name, env, span_of(ast, root))? else {
            return Ok(None);
        };
        for &sel in selectors.iter().rev() {
            // Only complete structs: one being evaluated may still be rebuilt (disjunctions).
            let wx = self.v(w);
            if wx.state != State::Expanded || wx.err.is_some() {
                return Ok(None);
            }
            let kind = LabelKind::of_ident(self.name(sel));
            let mut key = Key { sym: sel, kind };
            let mut found = wx.arc(key).map(|a| a.v);
            if found.is_none() && kind == LabelKind::Regular {
                key.kind = LabelKind::Def;
                found = wx.arc(key).map(|a| a.v);
            }
            match found {
                Some(x) => w = x,
                None => return Ok(None),
            }
        }
        Ok(Some(w))
    }

    /// Where the chain of plain references starting at `w` leads (`a0: a1, a1: a2, …,
    /// an: value`), when `w` is a link of one. Copying a link copies the conjuncts of the end
    /// of its chain in the end (see `copy_conjs`), with the closedness tokens of the links met
    /// on the way; each link remembers that, so a reference into a chain costs a step and a
    /// chain of any length evaluates in linear steps, not in quadratic ones (every field of the
    /// chain would otherwise walk the rest of it). The walk is a loop: no recursion.
    fn forward(&mut self, w: VId) -> R<Option<Fwd>> {
        if let Some(f) = &self.v(w).fwd {
            return Ok(Some(f.clone()));
        }
        let mut path: Vec<(VId, Rc<[u32]>)> = Vec::new();
        let mut on_path: HashSet<VId> = HashSet::new();
        let mut cur = w;
        let tail = loop {
            if cur != w
                && let Some(f) = &self.v(cur).fwd
            {
                break f.clone();
            }
            let Some((next, close)) = self.forward_next(cur)? else {
                break Fwd::To(cur, self.empty.clone());
            };
            self.step()?;
            on_path.insert(cur);
            path.push((cur, close));
            if on_path.contains(&next) {
                break Fwd::Cycle;
            }
            cur = next;
        };
        let mut acc = None;
        let mut f = tail;
        for (m, close) in path.into_iter().rev() {
            f = match f {
                Fwd::Cycle => Fwd::Cycle,
                Fwd::To(t, u) => Fwd::To(t, self.merge_close(&close, &u)?),
            };
            self.vm(m).fwd = Some(f.clone());
            acc = Some(f.clone());
        }
        Ok(acc)
    }

    /// Whether a proper ancestor of `v` is `t` or a link of a chain leading to `t`: a
    /// reference from `v` through such a chain would then contain itself (a structural cycle).
    fn inside_chain(&self, v: VId, t: VId) -> bool {
        let mut cur = self.v(v).parent;
        let mut n = 0;
        while let Some(a) = cur {
            if (a == t && !self.v(t).synthetic)
                || matches!(&self.v(a).fwd, Some(Fwd::To(x, _)) if *x == t)
            {
                return true;
            }
            n += 1;
            if n > 100_000 {
                return false;
            }
            cur = self.v(a).parent;
        }
        false
    }

    fn process(
        &mut self,
        v: VId,
        c: Conj,
        b: &mut Build,
        work: &mut Vec<Conj>,
        choices: &[usize],
    ) -> R<()> {
        let e = match &c.src {
            Src::Expr(e) => *e,
            _ => return self.process_other(v, &c, b, work, choices),
        };
        let ast = self.ast;
        let ex = ast.expr(e);
        let span = ex.span;
        self.at = Some(span);
        match &ex.kind {
            ExprKind::Struct(id) => self.add_struct(v, *id, &c, b, work)?,
            ExprKind::List(id) => self.add_list(v, *id, &c, b, span)?,
            ExprKind::Binary(BinOp::And, l, r) => {
                work.push(Conj {
                    src: Src::Expr(*r),
                    ..c.clone()
                });
                work.push(Conj {
                    src: Src::Expr(*l),
                    ..c
                });
            }
            ExprKind::Disj(terms) => {
                let k = b.disj_seen;
                b.disj_seen += 1;
                let has_default = terms.iter().any(|t| t.1);
                if let Some(&j) = choices.get(k) {
                    if let Some(&(t, _)) = terms.get(j) {
                        work.push(Conj {
                            src: Src::Expr(t),
                            ..c
                        });
                    }
                } else {
                    let ts = terms
                        .iter()
                        .map(|&(t, d)| {
                            (
                                Conj {
                                    src: Src::Expr(t),
                                    ..c.clone()
                                },
                                d,
                            )
                        })
                        .collect();
                    b.need = Some((ts, has_default));
                }
            }
            ExprKind::Unary(UnOp::Default, x) => work.push(Conj {
                src: Src::Expr(*x),
                ..c
            }),
            ExprKind::Top => {}
            ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                self.process_ref(v, e, c, b, work, span)?;
            }
            _ => self.process_value(v, e, &c, work, span)?,
        }
        Ok(())
    }

    #[inline(never)]
    fn process_other(
        &mut self,
        v: VId,
        c: &Conj,
        b: &mut Build,
        work: &mut Vec<Conj>,
        choices: &[usize],
    ) -> R<()> {
        match &c.src {
            Src::Expr(_) => {}
            Src::Vertex(w) => {
                let w = *w;
                return self.unify_vertex(v, w, c);
            }
            Src::DisjV(terms) => {
                let k = b.disj_seen;
                b.disj_seen += 1;
                let has_default = terms.iter().any(|t| t.1);
                if let Some(&j) = choices.get(k) {
                    if let Some(&(t, _)) = terms.get(j) {
                        let none = self.empty.clone();
                        self.copy_conjs(t, c, &none, work)?;
                    }
                } else {
                    let ts = terms
                        .iter()
                        .map(|&(t, d)| {
                            (
                                Conj {
                                    src: Src::Vertex(t),
                                    env: c.env,
                                    close: c.close.clone(),
                                    embed: c.embed,
                                },
                                d,
                            )
                        })
                        .collect();
                    b.need = Some((ts, has_default));
                }
                return Ok(());
            }
        }
        Ok(())
    }

    #[inline(never)]
    fn process_value(
        &mut self,
        v: VId,
        e: ExprId,
        c: &Conj,
        work: &mut Vec<Conj>,
        span: Span,
    ) -> R<()> {
        let val = self.eval(e, c.env)?;
        self.unify_val(v, val, span, c, work)
    }

    #[inline(never)]
    fn process_ref(
        &mut self,
        v: VId,
        e: ExprId,
        c: Conj,
        b: &mut Build,
        work: &mut Vec<Conj>,
        span: Span,
    ) -> R<()> {
        match self.resolve(e, c.env)? {
            Resolved::V(w) => {
                if w == v || b.copied.contains(&w) {
                    return Ok(());
                }
                if self.is_ancestor(w, v) && !self.v(w).synthetic {
                    self.set_err(v, Bot::eval("structural cycle", vec![span]));
                    return Ok(());
                }
                b.copied.insert(w);
                match self.forward(w)? {
                    None => {
                        let none = self.empty.clone();
                        self.copy_conjs(w, &c, &none, work)?;
                    }
                    // A chain into a reference cycle adds nothing (as `a: b, b: a` does).
                    Some(Fwd::Cycle) => {}
                    Some(Fwd::To(t, extra)) => {
                        if t == v || b.copied.contains(&t) {
                            return Ok(());
                        }
                        if self.inside_chain(v, t) {
                            self.set_err(v, Bot::eval("structural cycle", vec![span]));
                            return Ok(());
                        }
                        b.copied.insert(t);
                        self.copy_conjs(t, &c, &extra, work)?;
                    }
                }
            }
            Resolved::Conj(x, env) => {
                if !b.lets.insert((x, env)) {
                    self.set_err(
                        v,
                        Bot::eval("cyclic references in let clause or alias", vec![span]),
                    );
                    return Ok(());
                }
                work.push(Conj {
                    src: Src::Expr(x),
                    env,
                    close: c.close,
                    embed: c.embed,
                });
            }
            Resolved::Scalar(s, _) => self.unify_scalar(v, s, span)?,
            Resolved::Leaf(l) => self.unify_leaf(v, l, span)?,
            Resolved::Builtin(_) | Resolved::Pkg(_) => {
                self.set_err(
                    v,
                    Bot::eval(
                        "cannot use a builtin function or package as a value",
                        vec![span],
                    ),
                );
            }
            Resolved::Err(bot) => self.set_err(v, bot),
        }
        Ok(())
    }

    fn unify_val(&mut self, v: VId, val: Val, span: Span, c: &Conj, work: &mut Vec<Conj>) -> R<()> {
        match val {
            Val::Scalar(s, _) => self.unify_scalar(v, s, span)?,
            Val::Leaf(l) => self.unify_leaf(v, l, span)?,
            Val::V(w) => {
                if self.v(w).synthetic {
                    work.push(Conj {
                        src: Src::Vertex(w),
                        env: c.env,
                        close: c.close.clone(),
                        embed: c.embed,
                    });
                } else {
                    let none = self.empty.clone();
                    self.copy_conjs(w, c, &none, work)?;
                }
            }
            Val::Err(b) => self.set_err(v, b),
            Val::Builtin(_) | Val::Pkg(_) => self.set_err(
                v,
                Bot::eval(
                    "cannot use a builtin function or package as a value",
                    vec![span],
                ),
            ),
        }
        Ok(())
    }

    /// Structural unification with an evaluated vertex (builtin results, `or` terms).
    fn unify_vertex(&mut self, v: VId, w: VId, c: &Conj) -> R<()> {
        if !self.v(w).synthetic {
            // Process immediately: these are rare (disjunction terms from `or`, list elements
            // that point at others). A pointer to a pointer recurses: bounded by `max_depth`.
            self.enter(self.v(w).value_span)?;
            let r = self.unify_conjs_of(v, w, c);
            self.leave();
            return r;
        }
        self.expand(w)?;
        let wx = self.v(w).clone();
        if let Some(e) = wx.err {
            self.set_err(v, e);
            return Ok(());
        }
        let sp = wx.value_span.unwrap_or_default();
        self.unify_leaf(v, wx.leaf, sp)?;
        if wx.saw_struct {
            self.vm(v).saw_struct = true;
        }
        for a in &wx.arcs {
            let arc = self.get_arc(v, a.key, a.span, a.optional);
            self.add_conj(
                arc,
                Conj {
                    src: Src::Vertex(a.v),
                    env: c.env,
                    close: c.close.clone(),
                    embed: None,
                },
            );
        }
        if wx.is_list {
            self.vm(v).is_list = true;
            let n = wx.elems.len();
            for (i, e) in wx.elems.iter().enumerate() {
                let el = self.get_elem(v, i);
                self.add_conj(
                    el,
                    Conj {
                        src: Src::Vertex(*e),
                        env: c.env,
                        close: c.close.clone(),
                        embed: None,
                    },
                );
            }
            let cur = self.v(v).elems.len();
            if !wx.list_open && cur != n {
                self.set_err(
                    v,
                    Bot::eval(
                        format!("incompatible list lengths ({cur} and {n})"),
                        vec![sp],
                    ),
                );
            }
        }
        Ok(())
    }

    fn unify_conjs_of(&mut self, v: VId, w: VId, c: &Conj) -> R<()> {
        let mut work = Vec::new();
        let none = self.empty.clone();
        self.copy_conjs(w, c, &none, &mut work)?;
        let mut b = Build::default();
        work.reverse();
        while let Some(x) = work.pop() {
            self.step()?;
            self.process(v, x, &mut b, &mut work, &[])?;
        }
        self.finish(v, &mut b)
    }

    pub(crate) fn get_arc(&mut self, v: VId, key: Key, span: Span, optional: bool) -> VId {
        if let Some(i) = self.arc_index(v, key) {
            let a = &mut self.vm(v).arcs[i];
            if !optional {
                a.optional = false;
            }
            return a.v;
        }
        let n = self.new_vertex(Some(v));
        let vx = self.vm(v);
        vx.arcs.push(Arc {
            key,
            v: n,
            optional,
            span,
        });
        let len = vx.arcs.len();
        if let Some(ix) = &mut vx.index {
            ix.insert(key, len - 1);
        } else if len > 16 {
            let ix: HashMap<Key, usize> = vx
                .arcs
                .iter()
                .enumerate()
                .map(|(i, a)| (a.key, i))
                .collect();
            vx.index = Some(ix);
        }
        n
    }

    fn arc_index(&self, v: VId, key: Key) -> Option<usize> {
        let vx = self.v(v);
        if let Some(ix) = &vx.index {
            return ix.get(&key).copied();
        }
        vx.arcs.iter().position(|a| a.key == key)
    }

    pub(crate) fn get_elem(&mut self, v: VId, i: usize) -> VId {
        while self.v(v).elems.len() <= i {
            let e = self.new_vertex(Some(v));
            self.vm(v).elems.push(e);
        }
        self.v(v).elems[i]
    }

    fn group(b: &mut Build, t: u32) -> &mut Group {
        if let Some(&i) = b.group_index.get(&t) {
            return &mut b.groups[i];
        }
        b.group_index.insert(t, b.groups.len());
        b.groups.push(Group {
            token: t,
            keys: HashSet::new(),
            patterns: Vec::new(),
            open: false,
        });
        let n = b.groups.len() - 1;
        &mut b.groups[n]
    }

    fn label_key(&mut self, l: &Label, env: EnvId, span: Span) -> R<Result<Key, Box<Bot>>> {
        Ok(Ok(match l {
            Label::Ident(s, k) => Key { sym: *s, kind: *k },
            Label::Str(s) => Key {
                sym: *s,
                kind: LabelKind::Regular,
            },
            Label::Interp(e) | Label::Dynamic(e) => {
                let val = self.eval(*e, env)?;
                match self.concrete(val, span)? {
                    Ok(Concrete::Scalar(Scalar::Str(s))) => Key {
                        sym: self.syms.intern(&s),
                        kind: LabelKind::Regular,
                    },
                    Ok(_) => {
                        return Ok(Err(Bot::eval(
                            "invalid label: dynamic labels must be strings",
                            vec![span],
                        )));
                    }
                    Err(b) => return Ok(Err(b)),
                }
            }
        }))
    }

    fn add_struct(
        &mut self,
        v: VId,
        id: u32,
        c: &Conj,
        b: &mut Build,
        work: &mut Vec<Conj>,
    ) -> R<()> {
        let ast = self.ast;
        let lit = ast.strukt(id);
        let frame = self.new_env(c.env, Frame::Struct { vertex: v, lit: id });
        self.vm(v).saw_struct = true;
        if lit.is_struct {
            self.unify_kind(v, STRUCT, lit.span);
        }
        let has_embeds = lit
            .decls
            .iter()
            .any(|d| matches!(d, Decl::Embed(_) | Decl::Comprehension(_)));
        let g = if has_embeds {
            Some(self.new_token(false))
        } else {
            None
        };
        let mut label_groups: Vec<u32> = c.close.to_vec();
        if let Some(g) = g {
            label_groups.push(g);
        }
        // Each declaration is noted in each closedness group (chains of definitions make
        // many): charged, so that such chains stay within the budget.
        let noted = label_groups.len().saturating_mul(lit.decls.len() + 1);
        self.charge((noted / BYTES_PER_STEP) as u64)?;
        for &t in &label_groups {
            Self::group(b, t);
        }
        let inner_close = match g {
            Some(g) => Self::with_token(&c.close, g),
            None => c.close.clone(),
        };
        let mut embeds = Vec::new();
        for (i, d) in lit.decls.iter().enumerate() {
            match d {
                Decl::Field(f) => {
                    let key = match self.label_key(&f.label, frame, f.label_span)? {
                        Ok(k) => k,
                        Err(bot) => {
                            if bot.is_incomplete() {
                                // An incomplete dynamic label: the struct is incomplete.
                                self.set_err(v, bot);
                            } else {
                                self.set_err(v, bot);
                            }
                            continue;
                        }
                    };
                    // A 2019 `x::` definition and a regular `x` may not coexist.
                    if key.kind == LabelKind::Def || key.kind == LabelKind::Regular {
                        let other = Key {
                            sym: key.sym,
                            kind: if key.kind == LabelKind::Def {
                                LabelKind::Regular
                            } else {
                                LabelKind::Def
                            },
                        };
                        if self.arc_index(v, other).is_some() {
                            let n = self.name(key.sym).to_owned();
                            self.set_err(
                                v,
                                Bot::eval(
                                    format!("field {n:?} declared both as a definition and as a regular field"),
                                    vec![f.label_span],
                                ),
                            );
                            continue;
                        }
                    }
                    let child_close = if key.kind == LabelKind::Def {
                        let t = if let Some(&t) = self.def_tokens.get(&(v, key)) {
                            t
                        } else {
                            let t = self.new_token(true);
                            self.def_tokens.insert((v, key), t);
                            t
                        };
                        Self::with_token(&c.close, t)
                    } else {
                        c.close.clone()
                    };
                    let arc = self.get_arc(v, key, f.label_span, f.optional);
                    self.add_conj(
                        arc,
                        Conj {
                            src: Src::Expr(f.value),
                            env: frame,
                            close: child_close,
                            embed: None,
                        },
                    );
                    for &t in &label_groups {
                        Self::group(b, t).keys.insert(key);
                    }
                }
                Decl::Pattern {
                    alias,
                    pattern,
                    value,
                    ..
                } => {
                    b.patterns.push(PatternC {
                        alias: *alias,
                        pattern: *pattern,
                        value: *value,
                        env: frame,
                        close: c.close.clone(),
                    });
                    for &t in &label_groups {
                        Self::group(b, t).patterns.push((*pattern, frame));
                    }
                }
                Decl::Ellipsis => {
                    for &t in &label_groups {
                        Self::group(b, t).open = true;
                    }
                }
                Decl::Let(..) => {}
                Decl::Embed(e) => embeds.push(Conj {
                    src: Src::Expr(*e),
                    env: frame,
                    close: inner_close.clone(),
                    embed: g,
                }),
                Decl::Comprehension(_) => b.pending.push_back(Pending {
                    lit: id,
                    decl: i,
                    env: frame,
                    close: inner_close.clone(),
                    embed: g,
                }),
            }
        }
        for e in embeds.into_iter().rev() {
            work.push(e);
        }
        Ok(())
    }

    fn add_list(&mut self, v: VId, id: u32, c: &Conj, b: &mut Build, span: Span) -> R<()> {
        let ast = self.ast;
        let lit = ast.list(id);
        self.unify_kind(v, LIST, span);
        self.vm(v).is_list = true;
        let mut n = 0usize;
        for el in &lit.elems {
            match el {
                Elem::Expr(e) => {
                    let x = self.get_elem(v, n);
                    self.add_conj(
                        x,
                        Conj {
                            src: Src::Expr(*e),
                            env: c.env,
                            close: c.close.clone(),
                            embed: None,
                        },
                    );
                    n += 1;
                }
                Elem::Comprehension(comp) => {
                    let mut envs = Vec::new();
                    if let Err(bot) = self.run_clauses(comp, 0, c.env, &mut envs)? {
                        self.set_err(v, bot);
                        continue;
                    }
                    for env in envs {
                        self.step()?;
                        let x = self.get_elem(v, n);
                        self.add_conj(
                            x,
                            Conj {
                                src: Src::Expr(comp.body),
                                env,
                                close: c.close.clone(),
                                embed: None,
                            },
                        );
                        n += 1;
                    }
                }
            }
        }
        let tail = match lit.tail {
            Tail::Closed => ListTail::Closed,
            Tail::Open => ListTail::Open,
            Tail::Typed(e) => ListTail::Typed(e, c.env, c.close.clone()),
        };
        b.lists.push(ListC { n, tail });
        Ok(())
    }

    /// Runs comprehension clauses from `i`, pushing one environment per produced value.
    fn run_clauses(
        &mut self,
        comp: &Comprehension,
        i: usize,
        env: EnvId,
        out: &mut Vec<EnvId>,
    ) -> R<Result<(), Box<Bot>>> {
        let Some(cl) = comp.clauses.get(i) else {
            out.push(env);
            return Ok(Ok(()));
        };
        self.enter(Some(comp.span))?;
        let r = self.run_clause(comp, cl, i, env, out);
        self.leave();
        r
    }

    fn run_clause(
        &mut self,
        comp: &Comprehension,
        cl: &Clause,
        i: usize,
        env: EnvId,
        out: &mut Vec<EnvId>,
    ) -> R<Result<(), Box<Bot>>> {
        match cl {
            Clause::If(cond) => {
                let val = self.eval(*cond, env)?;
                match self.concrete(val, span_of(self.ast, *cond))? {
                    Ok(Concrete::Scalar(Scalar::Bool(true))) => {
                        self.run_clauses(comp, i + 1, env, out)
                    }
                    Ok(Concrete::Scalar(Scalar::Bool(false))) => Ok(Ok(())),
                    Ok(_) => Ok(Err(Bot::eval(
                        "invalid condition: comprehension guard must be a bool",
                        vec![span_of(self.ast, *cond)],
                    ))),
                    Err(b) => Ok(Err(b)),
                }
            }
            Clause::Let(name, e) => {
                let env2 = self.new_env(
                    env,
                    Frame::Bind {
                        name: *name,
                        val: Bound::Expr(*e, env),
                    },
                );
                self.run_clauses(comp, i + 1, env2, out)
            }
            Clause::For { key, value, source } => {
                let sspan = span_of(self.ast, *source);
                let val = self.eval(*source, env)?;
                let items: Vec<(Bound, VId)> = match self.concrete(val, sspan)? {
                    Ok(Concrete::List(w)) => {
                        let elems = self.v(w).elems.clone();
                        elems
                            .iter()
                            .enumerate()
                            .map(|(i, &e)| {
                                (
                                    Bound::Scalar(Scalar::Num(Num::from_i64(i as i64)), sspan),
                                    e,
                                )
                            })
                            .collect()
                    }
                    Ok(Concrete::Struct(w)) => {
                        let arcs = self.v(w).arcs.clone();
                        let mut items = Vec::new();
                        for a in arcs
                            .iter()
                            .filter(|a| a.key.kind == LabelKind::Regular && !a.optional)
                        {
                            let label = self.label_text(a.key.sym, sspan)?;
                            items.push((Bound::Scalar(Scalar::Str(label), sspan), a.v));
                        }
                        items
                    }
                    Ok(Concrete::Scalar(s)) => {
                        return Ok(Err(Bot::eval(
                            format!("cannot range over {}", s.display()),
                            vec![sspan],
                        )));
                    }
                    Err(b) => return Ok(Err(b)),
                };
                for (k, item) in items {
                    self.step()?;
                    let mut e2 = env;
                    if let Some(kn) = key {
                        e2 = self.new_env(e2, Frame::Bind { name: *kn, val: k });
                    }
                    e2 = self.new_env(
                        e2,
                        Frame::Bind {
                            name: *value,
                            val: Bound::Vertex(item),
                        },
                    );
                    if let Err(b) = self.run_clauses(comp, i + 1, e2, out)? {
                        return Ok(Err(b));
                    }
                }
                Ok(Ok(()))
            }
        }
    }

    fn run_field_comprehension(&mut self, v: VId, p: &Pending, work: &mut Vec<Conj>) -> R<()> {
        let ast = self.ast;
        let Some(Decl::Comprehension(comp)) = ast.strukt(p.lit).decls.get(p.decl) else {
            return Ok(());
        };
        let mut envs = Vec::new();
        if let Err(b) = self.run_clauses(comp, 0, p.env, &mut envs)? {
            self.set_err(v, b);
            return Ok(());
        }
        for env in envs.into_iter().rev() {
            work.push(Conj {
                src: Src::Expr(comp.body),
                env,
                close: p.close.clone(),
                embed: p.embed,
            });
        }
        Ok(())
    }

    /// Completes a vertex after its conjuncts: list lengths, patterns, closedness, bounds.
    fn finish(&mut self, v: VId, b: &mut Build) -> R<()> {
        // Lists.
        if !b.lists.is_empty() {
            let closed: Vec<usize> = b
                .lists
                .iter()
                .filter(|l| matches!(l.tail, ListTail::Closed))
                .map(|l| l.n)
                .collect();
            let len = if let Some(&first) = closed.first() {
                if let Some(&other) = closed.iter().find(|&&n| n != first) {
                    let sp = self.v(v).value_span.unwrap_or_default();
                    self.set_err(
                        v,
                        Bot::eval(
                            format!("incompatible list lengths ({first} and {other})"),
                            vec![sp],
                        ),
                    );
                    return Ok(());
                }
                if let Some(l) = b
                    .lists
                    .iter()
                    .find(|l| !matches!(l.tail, ListTail::Closed) && l.n > first)
                {
                    let sp = self.v(v).value_span.unwrap_or_default();
                    let msg = format!("incompatible list lengths ({first} and {})", l.n);
                    self.set_err(v, Bot::eval(msg, vec![sp]));
                    return Ok(());
                }
                self.vm(v).list_open = false;
                first
            } else {
                self.vm(v).list_open = true;
                b.lists.iter().map(|l| l.n).max().unwrap_or(0)
            };
            let lists = std::mem::take(&mut b.lists);
            for l in &lists {
                if let ListTail::Typed(t, env, close) = &l.tail {
                    for i in l.n..len {
                        let x = self.get_elem(v, i);
                        self.add_conj(
                            x,
                            Conj {
                                src: Src::Expr(*t),
                                env: *env,
                                close: close.clone(),
                                embed: None,
                            },
                        );
                    }
                }
            }
            // Elements beyond `len` can only come from mismatched unification; trim defensively.
            self.vm(v).elems.truncate(len);
        }
        // Pattern constraints.
        if !b.patterns.is_empty() {
            let arcs = self.v(v).arcs.clone();
            let patterns = std::mem::take(&mut b.patterns);
            for a in arcs.iter().filter(|a| a.key.kind == LabelKind::Regular) {
                let label = self.label_text(a.key.sym, a.span)?;
                for p in &patterns {
                    if self.label_matches(p.pattern, p.env, &label)? {
                        let env = match p.alias {
                            Some(n) => self.new_env(
                                p.env,
                                Frame::Bind {
                                    name: n,
                                    val: Bound::Scalar(Scalar::Str(Rc::clone(&label)), a.span),
                                },
                            ),
                            None => p.env,
                        };
                        self.add_conj(
                            a.v,
                            Conj {
                                src: Src::Expr(p.value),
                                env,
                                close: p.close.clone(),
                                embed: None,
                            },
                        );
                    }
                }
            }
        }
        // Closedness.
        let enforced: Vec<usize> = b
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| {
                !g.open && self.closing.get(g.token as usize).copied().unwrap_or(false)
            })
            .map(|(i, _)| i)
            .collect();
        if !enforced.is_empty() {
            let arcs = self.v(v).arcs.clone();
            let checks = arcs.len().saturating_mul(enforced.len());
            self.charge((checks / BYTES_PER_STEP) as u64)?;
            for a in arcs.iter().filter(|a| a.key.kind == LabelKind::Regular) {
                let mut allowed = true;
                for &gi in &enforced {
                    let g = &b.groups[gi];
                    if g.keys.contains(&a.key) {
                        continue;
                    }
                    let pats = g.patterns.clone();
                    let label = self.label_text(a.key.sym, a.span)?;
                    let mut any = false;
                    for (p, env) in pats {
                        if self.label_matches(p, env, &label)? {
                            any = true;
                            break;
                        }
                    }
                    if !any {
                        allowed = false;
                        break;
                    }
                }
                if !allowed {
                    let n = self.name(a.key.sym).to_owned();
                    self.set_err(
                        a.v,
                        Bot::eval(format!("field {n:?} not allowed"), vec![a.span]),
                    );
                }
            }
        }
        self.check_leaf(v)
    }

    fn label_matches(&mut self, pattern: ExprId, env: EnvId, label: &Rc<str>) -> R<bool> {
        let val = self.eval(pattern, env)?;
        let s = Scalar::Str(Rc::clone(label));
        self.val_accepts(val, &s)
    }

    /// Whether a scalar unifies with a value (used for pattern labels).
    fn val_accepts(&mut self, val: Val, s: &Scalar) -> R<bool> {
        Ok(match val {
            Val::Scalar(x, _) => x.same(s),
            Val::Leaf(l) => self.leaf_accepts(&l, s)?,
            Val::V(w) => {
                self.expand(w)?;
                if self.v(w).err.is_some() {
                    return Ok(false);
                }
                if self.v(w).disj.is_some() {
                    // Check each disjunct of the original expression.
                    let conjs = self.v(w).conjs.clone();
                    for c in conjs {
                        if let Src::Expr(e) = c.src
                            && let ExprKind::Disj(terms) = &self.ast.expr(e).kind
                        {
                            for &(t, _) in terms {
                                let tv = self.eval(t, c.env)?;
                                if self.val_accepts(tv, s)? {
                                    return Ok(true);
                                }
                            }
                            return Ok(false);
                        }
                    }
                }
                let l = self.v(w).leaf.clone();
                self.leaf_accepts(&l, s)?
            }
            _ => false,
        })
    }

    fn leaf_accepts(&mut self, l: &Leaf, s: &Scalar) -> R<bool> {
        if l.kinds & s.kind() == 0 {
            return Ok(false);
        }
        if let Some((x, _)) = &l.val {
            return Ok(x.same(s));
        }
        for c in &l.cons {
            if self.check_cons(s, c)?.is_err() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Fully evaluates a disjunct; returns its first hard error. Nested validations (disjuncts
    /// within disjuncts) stop at `MAX_VALIDATE` levels, which bounds recursive schemas like
    /// `#a: string | {c: [#a]}`: deeper values are assumed valid.
    fn validate(&mut self, v: VId) -> R<Option<Box<Bot>>> {
        if self.validating >= MAX_VALIDATE {
            return Ok(None);
        }
        self.validating += 1;
        let r = self.validate_inner(v);
        self.validating -= 1;
        r
    }

    fn validate_inner(&mut self, v: VId) -> R<Option<Box<Bot>>> {
        self.expand(v)?;
        if let Some(e) = &self.v(v).err
            && !e.is_incomplete()
        {
            return Ok(Some(e.clone()));
        }
        self.enter(None)?;
        let kids: Vec<VId> = self
            .v(v)
            .arcs
            .iter()
            .filter(|a| a.key.kind == LabelKind::Regular && !a.optional)
            .map(|a| a.v)
            .chain(self.v(v).elems.iter().copied())
            .collect();
        for k in kids {
            self.step()?;
            if let Some(e) = self.validate_inner(k)? {
                self.leave();
                return Ok(Some(e));
            }
        }
        self.leave();
        Ok(None)
    }

    /// A canonical text of a value, to merge equal disjuncts.
    fn repr(&mut self, v: VId, d: usize) -> R<String> {
        self.expand(v)?;
        self.step()?;
        if d > 64 {
            return Ok(format!("#{v}"));
        }
        let vx = self.v(v).clone();
        let mut s = String::new();
        if let Some(e) = &vx.err {
            s.push_str("_|_");
            s.push_str(&e.msg);
            return Ok(s);
        }
        let work = vx
            .leaf
            .scalars()
            .map(|x| match x {
                Scalar::Num(n) => crate::num::text_cost(n),
                Scalar::Str(t) => (t.len() / BYTES_PER_STEP) as u64,
                Scalar::Bytes(t) => (t.len() / BYTES_PER_STEP) as u64,
                _ => 0,
            })
            .fold(0, u64::saturating_add);
        self.charge(work)?;
        s.push_str(&vx.leaf.key());
        if vx.is_list {
            s.push('[');
            for e in &vx.elems {
                s.push_str(&self.repr(*e, d + 1)?);
                s.push(',');
            }
            if vx.list_open {
                s.push_str("...");
            }
            s.push(']');
        } else if vx.saw_struct || !vx.arcs.is_empty() {
            s.push('{');
            for a in &vx.arcs {
                if a.key.kind != LabelKind::Regular {
                    continue;
                }
                s.push_str(self.name(a.key.sym));
                if a.optional {
                    s.push('?');
                }
                s.push(':');
                s.push_str(&self.repr(a.v, d + 1)?);
                s.push(',');
            }
            s.push('}');
        }
        Ok(s)
    }

    // ---- references ----

    fn lookup(&mut self, name: Sym, env: EnvId, span: Span) -> R<Resolved> {
        let mut cur = Some(env);
        let mut n = 0usize;
        while let Some(id) = cur {
            n += 1;
            if n.is_multiple_of(64) {
                self.step()?;
            }
            let Some(en) = self.envs.get(id as usize) else {
                break;
            };
            let parent = en.parent;
            match &en.frame {
                Frame::Root => break,
                Frame::Bind { name: bn, val } if *bn == name => {
                    return Ok(match val.clone() {
                        Bound::Vertex(w) => Resolved::V(w),
                        Bound::Scalar(s, sp) => Resolved::Scalar(s, sp),
                        Bound::Expr(e, env) => Resolved::Conj(e, env),
                    });
                }
                Frame::Bind { .. } => {}
                &Frame::Struct { vertex, lit } => {
                    if let Some(d) = self.ast.strukt(lit).name(name) {
                        return Ok(match d {
                            Name::Let(e) => Resolved::Conj(e, id),
                            Name::This => Resolved::V(vertex),
                            Name::Field(sym, kind) => {
                                let key = Key { sym, kind };
                                match self.v(vertex).arc(key) {
                                    // An optional field has no value to refer to (yet): the
                                    // reference is incomplete, as in CUE v0.4.
                                    Some(a) if a.optional => Resolved::Err(Bot::incomplete(
                                        format!(
                                            "cannot reference optional field {}",
                                            self.name(name)
                                        ),
                                        vec![span],
                                    )),
                                    Some(a) => Resolved::V(a.v),
                                    None => Resolved::Err(Bot::incomplete(
                                        format!(
                                            "reference {:?} not yet available",
                                            self.name(name)
                                        ),
                                        vec![span],
                                    )),
                                }
                            }
                        });
                    }
                }
            }
            cur = parent;
        }
        // Imports, then predeclared identifiers.
        if let Some(&(_, p)) = self.ast.imports.iter().find(|(s, _)| *s == name) {
            return Ok(Resolved::Pkg(p));
        }
        let text = self.name(name).to_owned();
        Ok(predeclared(&text, span).unwrap_or_else(|| {
            Resolved::Err(Bot::eval(
                format!("reference {text:?} not found"),
                vec![span],
            ))
        }))
    }

    /// Resolves a reference. A selector or index chain (`a.b[0].c…`) is flat in the source: it
    /// is followed left to right in a loop, so its length is not nesting depth and a chain of
    /// any length needs no stack (each link costs a step, as the `eval` it replaces did).
    pub(crate) fn resolve(&mut self, e: ExprId, env: EnvId) -> R<Resolved> {
        let ast = self.ast;
        let mut links: Vec<ExprId> = Vec::new();
        let mut root = e;
        while let ExprKind::Select(base, ..) | ExprKind::Index(base, _) = &ast.expr(root).kind {
            links.push(root);
            root = *base;
        }
        let mut cur = self.resolve_root(root, env)?;
        for &link in links.iter().rev() {
            self.step()?;
            cur = match &ast.expr(link).kind {
                ExprKind::Select(_, sel, ssp) => self.select_link(cur, *sel, *ssp)?,
                ExprKind::Index(base, idx) => {
                    let bv = self.resolved_val(cur, span_of(ast, *base))?;
                    self.index_link(bv, *base, *idx, env)?
                }
                _ => cur,
            };
        }
        Ok(cur)
    }

    /// The start of a reference: a name, or any expression that `.sel` or `[i]` follow.
    #[inline(never)]
    fn resolve_root(&mut self, root: ExprId, env: EnvId) -> R<Resolved> {
        let ast = self.ast;
        Ok(match &ast.expr(root).kind {
            ExprKind::Ident(s) => self.lookup(*s, env, span_of(ast, root))?,
            _ => match self.eval(root, env)? {
                Val::V(w) => Resolved::V(w),
                Val::Scalar(s, sp) => Resolved::Scalar(s, sp),
                Val::Leaf(l) => Resolved::Leaf(l),
                Val::Err(b) => Resolved::Err(b),
                Val::Builtin(b) => Resolved::Builtin(b),
                Val::Pkg(p) => Resolved::Pkg(p),
            },
        })
    }

    /// `base.sel` for a resolved `base`.
    fn select_link(&mut self, base: Resolved, sel: Sym, ssp: Span) -> R<Resolved> {
        let w = match base {
            Resolved::Pkg(p) => return Ok(Resolved::Builtin(Builtin::Pkg(p, sel))),
            Resolved::V(w) => w,
            Resolved::Conj(x, env2) => match self.eval(x, env2)? {
                Val::V(w) => w,
                Val::Err(b) => return Ok(Resolved::Err(b)),
                _ => {
                    return Ok(Resolved::Err(Bot::eval(
                        format!("invalid selector {:?}: not a struct", self.name(sel)),
                        vec![ssp],
                    )));
                }
            },
            Resolved::Err(b) => return Ok(Resolved::Err(b)),
            _ => {
                return Ok(Resolved::Err(Bot::eval(
                    format!("invalid selector {:?}: not a struct", self.name(sel)),
                    vec![ssp],
                )));
            }
        };
        self.select(w, sel, ssp)
    }

    /// `base[idx]` for the value `bv` of `base`.
    #[inline(never)]
    fn index_link(&mut self, bv: Val, base: ExprId, idx: ExprId, env: EnvId) -> R<Resolved> {
        let ast = self.ast;
        let iv = self.eval(idx, env)?;
        let ispan = span_of(ast, idx);
        let bc = match self.concrete(bv, span_of(ast, base))? {
            Ok(c) => c,
            Err(b) => return Ok(Resolved::Err(b)),
        };
        let ic = match self.concrete(iv, ispan)? {
            Ok(c) => c,
            Err(b) => return Ok(Resolved::Err(b)),
        };
        match (bc, ic) {
            (Concrete::List(w), Concrete::Scalar(Scalar::Num(n))) if n.int => {
                let len = self.v(w).elems.len();
                match n.to_i64() {
                    Some(i) if i >= 0 && (i as usize) < len => {
                        Ok(Resolved::V(self.v(w).elems[i as usize]))
                    }
                    _ => Ok(Resolved::Err(Bot::eval(
                        format!(
                            "index out of range [{}] with length {len}",
                            Scalar::Num(n).display()
                        ),
                        vec![ispan],
                    ))),
                }
            }
            (Concrete::Struct(w), Concrete::Scalar(Scalar::Str(s))) => {
                let sym = self.syms.intern(&s);
                let key = Key {
                    sym,
                    kind: LabelKind::Regular,
                };
                match self.v(w).arc(key) {
                    Some(a) if !a.optional => Ok(Resolved::V(a.v)),
                    _ => Ok(Resolved::Err(self.undefined(w, &s, ispan))),
                }
            }
            (Concrete::Scalar(Scalar::Str(s)), Concrete::Scalar(Scalar::Num(n))) if n.int => {
                // Indexing strings is not allowed in CUE v0.4.
                let _ = s;
                Ok(Resolved::Err(Bot::eval(
                    "cannot index a string",
                    vec![ispan],
                )))
            }
            _ => Ok(Resolved::Err(Bot::eval("invalid index", vec![ispan]))),
        }
    }

    fn undefined(&self, w: VId, name: &str, span: Span) -> Box<Bot> {
        let vx = self.v(w);
        if vx.disj.as_ref().is_some_and(|d| !d.has_default) || vx.err.is_some() {
            return Bot::incomplete(format!("undefined field {name:?}"), vec![span]);
        }
        if vx.state == State::Expanding {
            return Bot::incomplete(format!("undefined field {name:?}"), vec![span]);
        }
        Bot::eval(format!("undefined field {name:?}"), vec![span])
    }

    fn select(&mut self, w: VId, sel: Sym, span: Span) -> R<Resolved> {
        self.expand(w)?;
        if let Some(e) = &self.v(w).err {
            return Ok(Resolved::Err(e.clone()));
        }
        let text = self.name(sel).to_owned();
        let kind = LabelKind::of_ident(&text);
        let mut key = Key { sym: sel, kind };
        let mut found = self.v(w).arc(key).cloned();
        if found.is_none() && kind == LabelKind::Regular {
            key.kind = LabelKind::Def;
            found = self.v(w).arc(key).cloned();
        }
        match found {
            Some(a) if a.optional => Ok(Resolved::Err(Bot::incomplete(
                format!("cannot reference optional field {text}"),
                vec![span],
            ))),
            Some(a) => Ok(Resolved::V(a.v)),
            None => Ok(Resolved::Err(self.undefined(w, &text, span))),
        }
    }

    // ---- value-mode evaluation ----

    /// A temporary vertex holding one expression.
    fn temp(&mut self, e: ExprId, env: EnvId) -> R<VId> {
        let parent = self.env_vertex(env);
        let t = self.new_vertex(parent);
        // Temporaries are not part of the tree; their parent only serves cycle checks.
        let c = Conj {
            src: Src::Expr(e),
            env,
            close: self.empty.clone(),
            embed: None,
        };
        self.add_conj(t, c);
        self.expand(t)?;
        Ok(t)
    }

    fn env_vertex(&self, env: EnvId) -> Option<VId> {
        let mut cur = Some(env);
        while let Some(id) = cur {
            let en = self.envs.get(id as usize)?;
            if let Frame::Struct { vertex, .. } = en.frame {
                return Some(vertex);
            }
            cur = en.parent;
        }
        None
    }

    pub(crate) fn synthetic_list(&mut self, items: Vec<Val>, span: Span) -> VId {
        let t = self.new_vertex(None);
        {
            let vx = self.vm(t);
            vx.synthetic = true;
            vx.is_list = true;
            vx.leaf.kinds = LIST;
            vx.value_span = Some(span);
            vx.state = State::Expanded;
        }
        for (i, it) in items.into_iter().enumerate() {
            let el = self.get_elem(t, i);
            self.fill_synthetic(el, it, span);
        }
        t
    }

    fn fill_synthetic(&mut self, el: VId, it: Val, span: Span) {
        let empty = self.empty.clone();
        // An element that only points at another vertex (made by an earlier list operation)
        // stands for that vertex: point past it, so that a chain of list operations
        // (`l1: l0 + [1]`, `l2: l1 + [1]`, …) makes no chain of pointers to follow.
        let it = match it {
            Val::V(mut w) => {
                while let Some(t) = self.pointee(w) {
                    w = t;
                }
                Val::V(w)
            }
            other => other,
        };
        let vx = self.vm(el);
        vx.synthetic = true;
        vx.state = State::Expanded;
        vx.value_span = Some(span);
        match it {
            Val::Scalar(s, sp) => {
                vx.leaf.kinds = s.kind();
                vx.leaf.val = Some((s, sp));
            }
            Val::Leaf(l) => vx.leaf = l,
            Val::V(w) => {
                // Point at the source vertex: copy its evaluated structure.
                vx.state = State::New;
                vx.synthetic = false;
                vx.conjs.push(Conj {
                    src: Src::Vertex(w),
                    env: 0,
                    close: empty,
                    embed: None,
                });
            }
            Val::Err(b) => vx.err = Some(b),
            Val::Builtin(_) | Val::Pkg(_) => {
                vx.err = Some(Bot::eval("cannot use a builtin as a value", vec![span]));
            }
        }
    }

    /// The vertex `w` stands for when its only conjunct points at it, as `fill_synthetic`
    /// makes them: nothing else is unified in, so `w` is that vertex. Pointers only point at
    /// older vertices, so following them ends.
    fn pointee(&self, w: VId) -> Option<VId> {
        let wx = self.v(w);
        if wx.synthetic || wx.conjs.len() != 1 {
            return None;
        }
        match &wx.conjs[0] {
            Conj {
                src: Src::Vertex(t),
                close,
                embed: None,
                ..
            } if close.is_empty() && *t < w => Some(*t),
            _ => None,
        }
    }

    pub(crate) fn eval(&mut self, e: ExprId, env: EnvId) -> R<Val> {
        let ast = self.ast;
        let ex = ast.expr(e);
        let at = self.set_at(Some(ex.span));
        self.step()?;
        self.enter(Some(ex.span))?;
        let r = self.eval_inner(e, env);
        self.leave();
        self.reset_at(at);
        r
    }

    // `eval_inner` is on every path of nested evaluation: it only dispatches (literals and
    // the rest have functions of their own), so each level takes little stack.
    fn eval_inner(&mut self, e: ExprId, env: EnvId) -> R<Val> {
        let ast = self.ast;
        let ex = ast.expr(e);
        let span = ex.span;
        match &ex.kind {
            ExprKind::Interp(parts, bytes) => self.eval_interp(parts, *bytes, env, span),
            ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                self.eval_ref(e, env, span)
            }
            ExprKind::Unary(op, x) => self.eval_unary(*op, *x, env, span),
            ExprKind::Binary(BinOp::And, ..)
            | ExprKind::Disj(_)
            | ExprKind::Struct(_)
            | ExprKind::List(_) => self.temp(e, env).map(Val::V),
            ExprKind::Binary(..) => self.binary_chain(e, env),
            ExprKind::Call(f, args) => self.eval_call(*f, args, env, span),
            _ => self.eval_literal(e),
        }
    }

    #[inline(never)]
    fn eval_literal(&mut self, e: ExprId) -> R<Val> {
        let ex = self.ast.expr(e);
        let span = ex.span;
        Ok(match &ex.kind {
            ExprKind::Null => Val::Scalar(Scalar::Null, span),
            ExprKind::Bool(b) => Val::Scalar(Scalar::Bool(*b), span),
            ExprKind::Num(n) => {
                self.charge(crate::num::copy_cost(n))?;
                Val::Scalar(Scalar::Num(n.clone()), span)
            }
            ExprKind::Str(s) => Val::Scalar(Scalar::Str(Rc::clone(s)), span),
            ExprKind::Bytes(b) => Val::Scalar(Scalar::Bytes(Rc::clone(b)), span),
            ExprKind::Bottom => Val::Err(Bot::eval(
                "explicit error (_|_ literal) in source",
                vec![span],
            )),
            _ => Val::Leaf(Leaf::default()),
        })
    }

    #[inline(never)]
    fn eval_interp(&mut self, parts: &[InterpPart], bytes: bool, env: EnvId, span: Span) -> R<Val> {
        let ast = self.ast;
        Ok({
            let mut out: Vec<u8> = Vec::new();
            for p in parts {
                match p {
                    InterpPart::Lit(b) => out.extend_from_slice(b),
                    InterpPart::Expr(x) => {
                        let xs = span_of(ast, *x);
                        let val = self.eval(*x, env)?;
                        match self.concrete(val, xs)? {
                            Ok(Concrete::Scalar(s)) => match s {
                                Scalar::Str(s) => {
                                    self.spend_text(s.len(), span)?;
                                    self.charge_bytes(s.len())?;
                                    out.extend_from_slice(s.as_bytes());
                                }
                                Scalar::Bytes(b) => {
                                    self.spend_text(b.len(), span)?;
                                    self.charge_bytes(b.len())?;
                                    out.extend_from_slice(&b);
                                }
                                Scalar::Num(n) => {
                                    self.charge(crate::num::text_cost(&n))?;
                                    let text = n.text();
                                    self.spend_text(text.len(), span)?;
                                    out.extend_from_slice(text.as_bytes());
                                }
                                Scalar::Bool(b) => out.extend_from_slice(b.to_string().as_bytes()),
                                Scalar::Null => {
                                    return Ok(Val::Err(Bot::eval(
                                        "invalid interpolation: cannot use null as string",
                                        vec![xs],
                                    )));
                                }
                            },
                            Ok(_) => {
                                return Ok(Val::Err(Bot::eval(
                                    "invalid interpolation: cannot use a struct or list as string",
                                    vec![xs],
                                )));
                            }
                            Err(b) => return Ok(Val::Err(b)),
                        }
                    }
                }
            }
            if bytes {
                Val::Scalar(Scalar::Bytes(out.into()), span)
            } else {
                match String::from_utf8(out) {
                    Ok(s) => Val::Scalar(Scalar::Str(s.into()), span),
                    Err(_) => Val::Err(Bot::eval("invalid UTF-8 in interpolation", vec![span])),
                }
            }
        })
    }

    #[inline(never)]
    fn eval_ref(&mut self, e: ExprId, env: EnvId, span: Span) -> R<Val> {
        let r = self.resolve(e, env)?;
        self.resolved_val(r, span)
    }

    /// The value of a resolved reference; `span` is the reference's.
    ///
    /// A reference whose value is needed (`a0: a1 + 1`, `l0: list.Take(l1, 1)`) has its field
    /// evaluated first, inside the current evaluation: a chain of such references nests by
    /// nature and stops at `max_depth`, at the reference too deep. A plain reference
    /// (`a0: a1`) only copies conjuncts and does not nest: see `forward`.
    fn resolved_val(&mut self, r: Resolved, span: Span) -> R<Val> {
        Ok(match r {
            Resolved::V(w) => {
                if self.v(w).state == State::Expanding {
                    return Ok(Val::Err(Bot::eval("cycle error", vec![span])));
                }
                self.expand(w)?;
                Val::V(w)
            }
            Resolved::Conj(x, env2) => {
                // `let` values are evaluated once per environment.
                if let Some(v) = self.let_cache.get(&(x, env2)) {
                    return Ok(v.clone());
                }
                let v = self.eval(x, env2)?;
                self.let_cache.insert((x, env2), v.clone());
                v
            }
            Resolved::Scalar(s, sp) => Val::Scalar(s, sp),
            Resolved::Leaf(l) => Val::Leaf(l),
            Resolved::Builtin(b) => Val::Builtin(b),
            Resolved::Pkg(p) => Val::Pkg(p),
            Resolved::Err(b) => Val::Err(b),
        })
    }

    #[inline(never)]
    fn eval_unary(&mut self, op: UnOp, x: ExprId, env: EnvId, span: Span) -> R<Val> {
        let ast = self.ast;
        let (op, x) = (&op, &x);
        Ok({
            let xs = span_of(ast, *x);
            if *op == UnOp::Default {
                return self.eval(*x, env);
            }
            let val = self.eval(*x, env)?;
            let c = match self.concrete(val, xs)? {
                Ok(Concrete::Scalar(s)) => s,
                Ok(_) => {
                    return Ok(Val::Err(Bot::eval(
                        format!("invalid operand for unary {}", crate::value::op_text(*op)),
                        vec![xs],
                    )));
                }
                Err(b) => return Ok(Val::Err(b)),
            };
            match op {
                UnOp::Neg | UnOp::Pos => match c {
                    Scalar::Num(n) => Val::Scalar(
                        Scalar::Num(if *op == UnOp::Neg { n.neg() } else { n }),
                        span,
                    ),
                    other => Val::Err(Bot::eval(
                        format!(
                            "invalid operation {}{} (operand must be a number)",
                            crate::value::op_text(*op),
                            other.display()
                        ),
                        vec![span],
                    )),
                },
                UnOp::Not => match c {
                    Scalar::Bool(b) => Val::Scalar(Scalar::Bool(!b), span),
                    other => Val::Err(Bot::eval(
                        format!(
                            "invalid operation !{} (operand must be a bool)",
                            other.display()
                        ),
                        vec![span],
                    )),
                },
                _ => {
                    if matches!(op, UnOp::Match | UnOp::NotMatch) {
                        if let Scalar::Str(p) = &c {
                            if let Err(m) = self.regex(p)? {
                                return Ok(Val::Err(Bot::eval(m, vec![xs])));
                            }
                        } else {
                            return Ok(Val::Err(Bot::eval(
                                "regular expression must be a string",
                                vec![xs],
                            )));
                        }
                    }
                    let kinds = bound_kinds(*op, &c);
                    Val::Leaf(Leaf {
                        kinds,
                        val: None,
                        cons: vec![Cons {
                            op: *op,
                            val: c,
                            span,
                        }],
                        kind_span: Some(span),
                    })
                }
            }
        })
    }

    #[inline(never)]
    fn eval_call(&mut self, f: ExprId, args: &[ExprId], env: EnvId, span: Span) -> R<Val> {
        let ast = self.ast;
        let f = &f;
        Ok({
            let fv = self.eval(*f, env)?;
            match fv {
                Val::Builtin(b) => {
                    let v = self.call(b, args, env, span)?;
                    // Builtins that could make far more text than they get check before
                    // making it; the others make at most a few times their input.
                    if let Val::Scalar(Scalar::Str(s), _) = &v {
                        self.spend_text(s.len(), span)?;
                        self.charge_bytes(s.len())?;
                    }
                    v
                }
                Val::Err(b) => Val::Err(b),
                _ => Val::Err(Bot::eval(
                    "cannot call non-function",
                    vec![span_of(ast, *f)],
                )),
            }
        })
    }

    /// Reduces a value to something concrete: a scalar, a struct or a list.
    pub(crate) fn concrete(&mut self, val: Val, span: Span) -> R<Result<Concrete, Box<Bot>>> {
        Ok(match val {
            Val::Scalar(s, _) => Ok(Concrete::Scalar(s)),
            Val::Leaf(l) => match l.val {
                Some((s, _)) => Ok(Concrete::Scalar(s)),
                None => Err(Bot::incomplete(
                    format!("incomplete value {}", l.display()),
                    vec![span],
                )),
            },
            Val::Err(b) => Err(b),
            Val::Builtin(_) | Val::Pkg(_) => {
                Err(Bot::eval("cannot use a builtin as a value", vec![span]))
            }
            Val::V(w) => {
                if self.v(w).state == State::Expanding {
                    return Ok(Err(Bot::eval("cycle error", vec![span])));
                }
                self.expand(w)?;
                let vx = self.v(w);
                if let Some(e) = &vx.err {
                    return Ok(Err(e.clone()));
                }
                if vx.disj.as_ref().is_some_and(|d| !d.has_default) {
                    return Ok(Err(Bot::incomplete(
                        "incomplete value: unresolved disjunction",
                        vec![span],
                    )));
                }
                if let Some((s, _)) = &vx.leaf.val {
                    Ok(Concrete::Scalar(s.clone()))
                } else if vx.is_list {
                    Ok(Concrete::List(w))
                } else if (vx.saw_struct || !vx.arcs.is_empty()) && vx.leaf.kinds & STRUCT != 0 {
                    Ok(Concrete::Struct(w))
                } else {
                    Err(Bot::incomplete(
                        format!("incomplete value {}", vx.leaf.display()),
                        vec![span],
                    ))
                }
            }
        })
    }

    /// Evaluates a binary operation (not `&`). Operators are left-associative, so a chain like
    /// `1 + 1 + … + 1` or `a && b && …` is flat in the source but nests to the left in the
    /// tree: its left spine is walked in a loop, so a chain's length is not nesting depth. Right
    /// operands nest only through precedence or parentheses, which the parser bounds.
    #[inline(never)]
    fn binary_chain(&mut self, e: ExprId, env: EnvId) -> R<Val> {
        let ast = self.ast;
        let mut spine = Vec::new();
        let mut first = e;
        while let ExprKind::Binary(op, l, _) = &ast.expr(first).kind
            && *op != BinOp::And
        {
            spine.push(first);
            first = *l;
        }
        let mut acc = self.eval(first, env)?;
        for &node in spine.iter().rev() {
            let ex = ast.expr(node);
            let ExprKind::Binary(op, l, r) = &ex.kind else {
                continue;
            };
            self.at = Some(ex.span);
            if node != e {
                // The step `eval` would have charged for this operation (`e`'s was charged).
                self.step()?;
            }
            acc = self.binary(*op, acc, *l, *r, env, ex.span)?;
        }
        Ok(acc)
    }

    /// `l op r` where `lv` is the value of `l`.
    fn binary(
        &mut self,
        op: BinOp,
        lv: Val,
        l: ExprId,
        r: ExprId,
        env: EnvId,
        span: Span,
    ) -> R<Val> {
        let ast = self.ast;
        let (ls, rs) = (span_of(ast, l), span_of(ast, r));
        // Short-circuit logic.
        if matches!(op, BinOp::AndAnd | BinOp::OrOr) {
            let a = match self.concrete(lv, ls)? {
                Ok(Concrete::Scalar(Scalar::Bool(b))) => b,
                Ok(_) => {
                    return Ok(Val::Err(Bot::eval(
                        "operand of logical operator must be a bool",
                        vec![ls],
                    )));
                }
                Err(b) => return Ok(Val::Err(b)),
            };
            if (op == BinOp::AndAnd && !a) || (op == BinOp::OrOr && a) {
                return Ok(Val::Scalar(Scalar::Bool(a), span));
            }
            let rv = self.eval(r, env)?;
            return Ok(match self.concrete(rv, rs)? {
                Ok(Concrete::Scalar(Scalar::Bool(b))) => Val::Scalar(Scalar::Bool(b), span),
                Ok(_) => Val::Err(Bot::eval(
                    "operand of logical operator must be a bool",
                    vec![rs],
                )),
                Err(b) => Val::Err(b),
            });
        }
        let rv = self.eval(r, env)?;
        let a = match self.concrete(lv, ls)? {
            Ok(c) => c,
            Err(b) => return Ok(Val::Err(b)),
        };
        let b = match self.concrete(rv, rs)? {
            Ok(c) => c,
            Err(b) => return Ok(Val::Err(b)),
        };
        crate::builtins::binop(self, op, &a, &b, span)
    }
}

/// Predeclared identifiers: types, `len`, `close`, `and`, `or`, `div`, ...
fn predeclared(name: &str, span: Span) -> Option<Resolved> {
    let k = |kinds: u16| Some(Resolved::Leaf(Leaf::kind(kinds, span)));
    let int_range = |lo: i128, hi: i128| {
        let mut l = Leaf::kind(INT, span);
        l.cons.push(Cons {
            op: UnOp::Ge,
            val: Scalar::Num(Num::int(num_bigint::BigInt::from(lo))),
            span,
        });
        l.cons.push(Cons {
            op: UnOp::Le,
            val: Scalar::Num(Num::int(num_bigint::BigInt::from(hi))),
            span,
        });
        Some(Resolved::Leaf(l))
    };
    match name {
        "string" => k(STRING),
        "int" => k(INT),
        "float" | "float32" | "float64" => k(FLOAT),
        "number" => k(NUMBER),
        "bool" => k(BOOL),
        "bytes" => k(BYTES),
        "null" => Some(Resolved::Scalar(Scalar::Null, span)),
        "uint" => {
            let mut l = Leaf::kind(INT, span);
            l.cons.push(Cons {
                op: UnOp::Ge,
                val: Scalar::Num(Num::from_i64(0)),
                span,
            });
            Some(Resolved::Leaf(l))
        }
        "int8" => int_range(-128, 127),
        "int16" => int_range(-32768, 32767),
        "int32" => int_range(i128::from(i32::MIN), i128::from(i32::MAX)),
        "int64" => int_range(i128::from(i64::MIN), i128::from(i64::MAX)),
        "int128" => int_range(i128::MIN, i128::MAX),
        "uint8" | "byte" => int_range(0, 255),
        "uint16" => int_range(0, 65535),
        "uint32" => int_range(0, i128::from(u32::MAX)),
        "uint64" => int_range(0, i128::from(u64::MAX)),
        "uint128" => {
            let mut l = Leaf::kind(INT, span);
            l.cons.push(Cons {
                op: UnOp::Ge,
                val: Scalar::Num(Num::from_i64(0)),
                span,
            });
            l.cons.push(Cons {
                op: UnOp::Le,
                val: Scalar::Num(Num::int(num_bigint::BigInt::from(u128::MAX))),
                span,
            });
            Some(Resolved::Leaf(l))
        }
        "rune" => int_range(0, 0x10_FFFF),
        "len" => Some(Resolved::Builtin(Builtin::Len)),
        "close" => Some(Resolved::Builtin(Builtin::Close)),
        "and" => Some(Resolved::Builtin(Builtin::And)),
        "or" => Some(Resolved::Builtin(Builtin::Or)),
        "div" => Some(Resolved::Builtin(Builtin::Div)),
        "mod" => Some(Resolved::Builtin(Builtin::Mod)),
        "quo" => Some(Resolved::Builtin(Builtin::Quo)),
        "rem" => Some(Resolved::Builtin(Builtin::Rem)),
        _ => None,
    }
}

impl Eval<'_> {
    /// `close(x)`: a temporary with `x`'s conjuncts under a fresh closing token.
    pub(crate) fn close_value(&mut self, x: ExprId, env: EnvId) -> R<Val> {
        let t = self.new_token(true);
        let parent = self.env_vertex(env);
        let v = self.new_vertex(parent);
        let close: Rc<[u32]> = Rc::from(vec![t]);
        self.add_conj(
            v,
            Conj {
                src: Src::Expr(x),
                env,
                close,
                embed: None,
            },
        );
        self.expand(v)?;
        Ok(Val::V(v))
    }

    /// `and(list)` / `or(list)` over a list's elements.
    pub(crate) fn and_or(&mut self, list: VId, is_or: bool, span: Span) -> R<Val> {
        let elems = self.v(list).elems.clone();
        let v = self.new_vertex(None);
        if is_or {
            if elems.is_empty() {
                return Ok(Val::Err(Bot::eval("empty disjunction", vec![span])));
            }
            let terms: Rc<[(VId, bool)]> = elems.iter().map(|&e| (e, false)).collect();
            self.add_conj(
                v,
                Conj {
                    src: Src::DisjV(terms),
                    env: 0,
                    close: self.empty.clone(),
                    embed: None,
                },
            );
        } else {
            for e in elems {
                let wc = self.v(e).conjs.clone();
                if self.v(e).synthetic {
                    self.add_conj(
                        v,
                        Conj {
                            src: Src::Vertex(e),
                            env: 0,
                            close: self.empty.clone(),
                            embed: None,
                        },
                    );
                } else {
                    for c in wc {
                        self.add_conj(v, c);
                    }
                }
            }
        }
        self.vm(v).value_span = Some(span);
        self.expand(v)?;
        Ok(Val::V(v))
    }

    pub(crate) fn span(&self, e: ExprId) -> Span {
        span_of(self.ast, e)
    }
}
