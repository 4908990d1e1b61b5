//! The evaluator: vertices (one per value), conjuncts, lexical environments, unification,
//! disjunctions, closedness, comprehensions. Budgets: steps, depth, disjuncts (see `Options`).
//!
//! # Model
//!
//! Evaluation builds a graph of [`Vertex`]es, one per value: the file's root, each field,
//! each list element, and temporaries. A vertex starts with a list of conjuncts ([`Conj`]:
//! an expression and the lexical [`Env`] it is evaluated in) and is *expanded* on demand,
//! lazily and at most once (see [`State`]): its conjuncts are processed in a work loop that
//! unifies them into a leaf (kinds, a scalar, bounds), arcs (fields, each its own vertex,
//! not yet expanded) and elements. Vertices and environments live in arenas (`Eval::verts`,
//! `Eval::envs`) and are named by index ([`VId`], [`EnvId`]); nothing is freed before the
//! evaluation ends, and creating either is charged (so the step budget also bounds memory).
//!
//! # Phases (submodules)
//!
//! - this module: the core types and the driver (`expand`, `build`): a vertex is built by
//!   processing its conjuncts, then completed, or rebuilt once per disjunct;
//! - `budget`: steps, text bytes, depth and the injected clock;
//! - `conjuncts`: the processing of one conjunct, and unification with other vertices;
//! - `structs`: struct and list literals; `comprehensions`: `for`/`if`/`let` clauses;
//! - `meet`: unification of leaves (scalars, kinds, bounds) and errors on vertices;
//! - `closedness`: closedness tokens, pattern constraints and the completion of a vertex;
//! - `disjunction`: trying disjuncts, validating and deduplicating them, defaults;
//! - `references`: lexical lookup, selectors, indexes, chains of references, predeclared
//!   identifiers;
//! - `expr` and `operators`: value-mode evaluation of expressions, operators and calls
//!   (builtins themselves are in `crate::builtins`, export in `crate::export`).

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

/// The index of a [`Vertex`] in `Eval::verts`.
pub(crate) type VId = u32;
/// The index of an [`Env`] in `Eval::envs`; 0 is the file's root environment.
pub(crate) type EnvId = u32;

/// A fatal condition: a limit was exceeded. `depth` marks recursion-depth exhaustion, which a
/// disjunct may recover from (the disjunct fails).
#[derive(Debug)]
pub(crate) struct Fatal {
    pub(crate) err: CueError,
    pub(crate) depth: bool,
}

/// The result of evaluator work: `Err` only for a [`Fatal`] condition. CUE errors (conflicts,
/// incomplete values) are values, not `Err`s: they are [`Bot`]s on vertices or in [`Val::Err`].
pub(crate) type R<T> = Result<T, Fatal>;

/// The label of an arc: an interned name and its kind (regular, definition, hidden). `a` and
/// `#a` are different keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    pub(crate) sym: Sym,
    pub(crate) kind: LabelKind,
}

/// What a name bound in an environment frame stands for.
#[derive(Clone, Debug)]
pub(crate) enum Bound {
    /// A value (a comprehension's value variable).
    Vertex(VId),
    /// A scalar (a comprehension's key or index, the label of a pattern constraint).
    Scalar(Scalar, Span),
    /// An expression evaluated where it is used (a `let` or a comprehension's `let` clause).
    Expr(ExprId, EnvId),
}

/// One frame of a lexical environment.
#[derive(Clone, Debug)]
pub(crate) enum Frame {
    /// The outermost frame: a name found in no frame is then looked up among the imports and
    /// the predeclared identifiers.
    Root,
    /// Inside struct literal number `lit`, whose fields are those of `vertex`: a name is
    /// looked up among the literal's declarations (fields, found as arcs of the vertex,
    /// `let`s and aliases).
    Struct { vertex: VId, lit: u32 },
    /// One name bound to a value (comprehension variables, `let`s, aliases).
    Bind { name: Sym, val: Bound },
}

/// A lexical environment: a frame and the environment around it. Environments are never
/// changed once made; the same struct literal unified into two vertices gets two of them.
#[derive(Clone, Debug)]
pub(crate) struct Env {
    pub(crate) parent: Option<EnvId>,
    pub(crate) frame: Frame,
}

/// What a conjunct contributes.
#[derive(Clone, Debug)]
pub(crate) enum Src {
    /// An expression of the source, evaluated in the conjunct's environment.
    Expr(ExprId),
    /// Unify with an already evaluated vertex, structurally (builtin results).
    Vertex(VId),
    /// A disjunction of vertices (from `or(list)`).
    DisjV(Rc<[(VId, bool)]>),
}

/// A conjunct: one of the values a vertex is the unification of.
#[derive(Clone, Debug)]
pub(crate) struct Conj {
    pub(crate) src: Src,
    /// The lexical environment its expression's names are looked up in.
    pub(crate) env: EnvId,
    /// The closedness tokens of the closed structs (definitions, `close()`) this conjunct came
    /// through, sorted and without duplicates: its fields must be allowed by each of them.
    pub(crate) close: Rc<[u32]>,
    /// The token of the struct this conjunct is embedded in, if any: the fields an embedding
    /// adds count as that struct's own declarations for closedness.
    pub(crate) embed: Option<u32>,
}

/// How far a vertex is evaluated. Expansion is lazy and happens once: a vertex met again
/// while `Expanding` is a reference to itself (a cycle), never expanded twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Only its conjuncts are known.
    New,
    /// Its conjuncts are being processed.
    Expanding,
    /// Its leaf, arcs and elements are final (the arcs themselves may still be `New`).
    Expanded,
}

/// A field of a struct vertex.
#[derive(Clone, Debug)]
pub(crate) struct Arc {
    pub(crate) key: Key,
    /// The field's value.
    pub(crate) v: VId,
    /// Declared only as optional (`a?: T`) so far: not exported, not required to be concrete.
    pub(crate) optional: bool,
    /// The label of the field's first declaration.
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

/// What is left of a disjunction on a vertex after its disjuncts were tried: the vertex holds
/// the default (or the first disjunct, when there is no single default: then incomplete).
#[derive(Clone, Debug)]
pub(crate) struct DisjInfo {
    pub(crate) has_default: bool,
    /// How many distinct disjuncts survived.
    pub(crate) count: usize,
}

/// One value of the evaluation: a field, a list element, the root, or a temporary.
///
/// Invariants: `conjs` only grows while the vertex is `New` (references may copy them);
/// `leaf`, `err`, `arcs` and `elems` are meaningful once it is `Expanded`; arcs keep their
/// first-declaration order (export order) and have distinct keys.
#[derive(Clone, Debug)]
pub(crate) struct Vertex {
    /// The enclosing struct or list (`None` for the root and free temporaries).
    pub(crate) parent: Option<VId>,
    /// The conjuncts this vertex is the unification of.
    pub(crate) conjs: Vec<Conj>,
    pub(crate) state: State,
    /// What the conjuncts say about a non-composite value: kinds, scalar, bounds.
    pub(crate) leaf: Leaf,
    /// The first error (a conflict, or an incomplete value) found on this vertex.
    pub(crate) err: Option<Box<Bot>>,
    /// A struct literal was among the conjuncts (`{}` is a struct even without fields).
    pub(crate) saw_struct: bool,
    /// A list literal was among the conjuncts.
    pub(crate) is_list: bool,
    /// Fields, in first-declaration order.
    pub(crate) arcs: Vec<Arc>,
    /// List elements, in order.
    pub(crate) elems: Vec<VId>,
    /// The list may have more elements (`[…, ...]`).
    pub(crate) list_open: bool,
    /// Set when the value came from a disjunction.
    pub(crate) disj: Option<DisjInfo>,
    /// The position of the first conjunct from the source, for errors.
    pub(crate) value_span: Option<Span>,
    /// Made by a builtin or an operator, not from the source: its value is final and it is
    /// unified structurally (it has no conjuncts to copy).
    pub(crate) synthetic: bool,
    /// `arcs` by key, built once a struct has more than a few fields.
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

/// What a reference names, before it is turned into a value.
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

/// A builtin function: predeclared (`len`, `close`, `and`, `or`, `div`, ...) or a function of
/// an imported package (`strings.ToUpper`).
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

/// The result of evaluating an expression in value mode: a scalar, a leaf (a type or bound
/// such as `int` or `>0`), a vertex (structs, lists, anything unified), an error, or a
/// function or package not yet applied.
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

/// The declarations of one closedness token seen while building a vertex: the labels and
/// patterns its structs allow, and whether one of them is open (`...`).
#[derive(Debug)]
struct Group {
    token: u32,
    /// A set: a closed struct with many fields checks each of them.
    keys: HashSet<Key>,
    patterns: Vec<(ExprId, EnvId)>,
    open: bool,
}

/// A pattern constraint `[pattern]: value` (with its label alias, if any) to apply to every
/// matching field once all fields are known.
#[derive(Debug)]
struct PatternC {
    alias: Option<Sym>,
    pattern: ExprId,
    value: ExprId,
    env: EnvId,
    close: Rc<[u32]>,
}

/// A field comprehension of struct literal `lit` (declaration `decl`), queued until the
/// plain fields are added.
#[derive(Debug)]
struct Pending {
    lit: u32,
    decl: usize,
    env: EnvId,
    close: Rc<[u32]>,
    embed: Option<u32>,
}

/// How a list literal ends: closed, open (`...`), or open with a type (`...T`).
#[derive(Debug)]
enum ListTail {
    Closed,
    Open,
    Typed(ExprId, EnvId, Rc<[u32]>),
}

/// One list literal seen while building a vertex: its element count and tail.
#[derive(Debug)]
struct ListC {
    n: usize,
    /// `None` for a closed list; `Some(None)` for `...`; `Some(Some(..))` for `...T`.
    tail: ListTail,
}

/// The state of building one vertex: what is gathered while processing its conjuncts and
/// checked by `finish` once they are all processed.
#[derive(Debug, Default)]
struct Build {
    /// Field comprehensions still to run.
    pending: std::collections::VecDeque<Pending>,
    /// Vertices whose conjuncts were already copied in (a reference seen twice adds nothing).
    copied: HashSet<VId>,
    /// `let`s already processed in an environment.
    lets: HashSet<(ExprId, EnvId)>,
    groups: Vec<Group>,
    /// `groups` by token.
    group_index: HashMap<u32, usize>,
    patterns: Vec<PatternC>,
    lists: Vec<ListC>,
    /// Disjunctions met so far in this build (the index of the next one's choice).
    disj_seen: usize,
    /// A disjunction met with no choice made for it yet: its terms (with default marks) and
    /// whether it has a default. Building stops and the driver tries each term.
    need: Option<(Vec<(Conj, bool)>, bool)>,
}

/// How building a vertex ended.
enum BuildOut {
    Done,
    /// A disjunction needs a choice: see `Build::need`.
    Need(Vec<(Conj, bool)>, bool),
}

/// One evaluation of one file: the arenas of vertices and environments, the budgets spent so
/// far, and caches. Made by `crate::evaluate`, used by the builtins and the export.
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
    /// Every vertex made, by [`VId`].
    pub(crate) verts: Vec<Vertex>,
    /// Every environment made, by [`EnvId`].
    envs: Vec<Env>,
    /// By closedness token: whether the token closes (a definition's, `close()`'s) or only
    /// groups the declarations of a struct with embeddings.
    closing: Vec<bool>,
    /// The closing token of each definition field, by struct and key, so that every conjunct
    /// of one definition shares it.
    def_tokens: HashMap<(VId, Key), u32>,
    /// Steps charged so far (`Options::max_steps`).
    steps: u64,
    /// Bytes of text made by string operations so far (`Options::max_bytes`).
    text: usize,
    /// Current recursion depth, and the most allowed (`Options::max_depth` plus room for
    /// the evaluator's own levels).
    depth: usize,
    depth_limit: usize,
    /// How many disjunct validations are nested (see `MAX_VALIDATE`).
    validating: usize,
    /// Values of `let`s, by expression and environment: a `let` is evaluated once.
    let_cache: HashMap<(ExprId, EnvId), Val>,
    /// Compiled regular expressions, bounded.
    regexes: crate::regexes::Cache,
    /// The empty token set, shared.
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

mod budget;
mod closedness;
mod comprehensions;
mod conjuncts;
mod disjunction;
mod expr;
mod meet;
mod operators;
mod references;
mod structs;

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

    pub(crate) fn name(&self, s: Sym) -> &str {
        self.syms.name(s)
    }

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

    pub(crate) fn span(&self, e: ExprId) -> Span {
        span_of(self.ast, e)
    }
}
