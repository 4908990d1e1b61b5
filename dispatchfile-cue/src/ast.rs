//! The syntax tree: arenas of expressions, struct and list literals, with spans on every node.

use crate::error::Span;
use crate::num::Num;
use std::collections::HashMap;

pub(crate) type ExprId = u32;
pub(crate) type Sym = u32;

/// Interned identifiers and labels.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    map: HashMap<Box<str>, Sym>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.names.len() as Sym;
        self.names.push(s.into());
        self.map.insert(s.into(), id);
        id
    }

    /// The symbol of `s`, if it was interned.
    pub(crate) fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    pub(crate) fn name(&self, s: Sym) -> &str {
        self.names.get(s as usize).map_or("", |b| b)
    }
}

/// How a label is treated: exported, hidden (`_x`), or a definition (`#x`, 2019 `x::`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum LabelKind {
    Regular,
    Hidden,
    Def,
}

impl LabelKind {
    pub(crate) fn of_ident(name: &str) -> LabelKind {
        if name.starts_with('#') || name.starts_with("_#") {
            LabelKind::Def
        } else if name.starts_with('_') {
            LabelKind::Hidden
        } else {
            LabelKind::Regular
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOp {
    Neg,
    Pos,
    Not,
    Default,
    Lt,
    Le,
    Gt,
    Ge,
    Ne,
    Match,
    NotMatch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    And,
    Or,
    AndAnd,
    OrOr,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
    Add,
    Sub,
    Mul,
    Div,
    IntDiv,
    IntMod,
    IntQuo,
    IntRem,
}

#[derive(Clone, Debug)]
pub(crate) enum InterpPart {
    Lit(Vec<u8>),
    Expr(ExprId),
}

#[derive(Clone, Debug)]
pub(crate) enum ExprKind {
    Null,
    Bool(bool),
    Num(Num),
    Str(std::rc::Rc<str>),
    Bytes(std::rc::Rc<[u8]>),
    Interp(Box<[InterpPart]>, bool),
    Top,
    Bottom,
    Ident(Sym),
    Select(ExprId, Sym, Span),
    Index(ExprId, ExprId),
    Call(ExprId, Box<[ExprId]>),
    Unary(UnOp, ExprId),
    Binary(BinOp, ExprId, ExprId),
    /// A flattened `a | *b | c` chain: (term, marked default).
    Disj(Box<[(ExprId, bool)]>),
    Struct(u32),
    List(u32),
}

#[derive(Clone, Debug)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) span: Span,
}

#[derive(Clone, Debug)]
pub(crate) enum Label {
    /// An identifier label (`a`, `_a`, `#a`), or a 2019 `a::` definition when `kind` is `Def`.
    Ident(Sym, LabelKind),
    /// A quoted label without interpolation: always regular.
    Str(Sym),
    /// An interpolated string label.
    Interp(ExprId),
    /// A parenthesised dynamic label `(expr)`.
    Dynamic(ExprId),
}

#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub(crate) label: Label,
    /// `X=label`: `X` refers to this field.
    pub(crate) alias: Option<Sym>,
    pub(crate) label_span: Span,
    pub(crate) optional: bool,
    pub(crate) value: ExprId,
}

#[derive(Clone, Debug)]
pub(crate) enum Clause {
    For {
        key: Option<Sym>,
        value: Sym,
        source: ExprId,
    },
    If(ExprId),
    Let(Sym, ExprId),
}

#[derive(Clone, Debug)]
pub(crate) struct Comprehension {
    pub(crate) clauses: Vec<Clause>,
    /// The body: a struct literal for field comprehensions, any expression for list elements.
    pub(crate) body: ExprId,
    pub(crate) span: Span,
}

#[derive(Clone, Debug)]
pub(crate) enum Decl {
    Field(Field),
    Embed(ExprId),
    Ellipsis,
    Let(Sym, ExprId),
    Comprehension(Comprehension),
    Pattern {
        alias: Option<Sym>,
        pattern: ExprId,
        value: ExprId,
    },
}

/// What an identifier declared in a struct literal refers to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Name {
    Field(Sym, LabelKind),
    Let(ExprId),
    /// A value alias `label: X={…}`: `X` is the struct being declared (the field's value).
    This,
}

#[derive(Clone, Debug)]
pub(crate) struct StructLit {
    pub(crate) decls: Vec<Decl>,
    pub(crate) span: Span,
    /// Identifiers this literal declares, for lexical lookup.
    pub(crate) names: Vec<(Sym, Name)>,
    /// `names` by identifier, for literals with many names: every reference looks a name up
    /// in each enclosing literal, so a linear search would make a long file quadratic.
    pub(crate) index: Option<HashMap<Sym, Name>>,
    /// Whether the literal declares a regular or optional field, or is empty.
    pub(crate) is_struct: bool,
}

impl StructLit {
    /// Literals with more names than this get an index.
    pub(crate) const INDEXED: usize = 16;

    pub(crate) fn name(&self, s: Sym) -> Option<Name> {
        if let Some(ix) = &self.index {
            return ix.get(&s).copied();
        }
        self.names.iter().find(|(n, _)| *n == s).map(|(_, d)| *d)
    }
}

#[derive(Clone, Debug)]
pub(crate) enum Elem {
    Expr(ExprId),
    Comprehension(Comprehension),
}

/// The end of a list literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tail {
    /// No `...`: the list is closed.
    Closed,
    /// `...`: any further elements.
    Open,
    /// `...T`: further elements of type `T`.
    Typed(ExprId),
}

#[derive(Clone, Debug)]
pub(crate) struct ListLit {
    pub(crate) elems: Vec<Elem>,
    /// `...` or `...T` at the end.
    pub(crate) tail: Tail,
}

/// Standard packages that can be imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pkg {
    Strings,
    List,
    Math,
    Strconv,
    Regexp,
    Json,
    Yaml,
}

#[derive(Debug, Default)]
pub(crate) struct Ast {
    pub(crate) exprs: Vec<Expr>,
    pub(crate) structs: Vec<StructLit>,
    pub(crate) lists: Vec<ListLit>,
    pub(crate) syms: Interner,
    pub(crate) imports: Vec<(Sym, Pkg)>,
    pub(crate) root: ExprId,
}

impl Ast {
    pub(crate) fn expr(&self, e: ExprId) -> &Expr {
        // Ids come from this arena; index 0 always exists after parsing.
        self.exprs.get(e as usize).unwrap_or(&self.exprs[0])
    }

    pub(crate) fn add(&mut self, kind: ExprKind, span: Span) -> ExprId {
        self.exprs.push(Expr { kind, span });
        (self.exprs.len() - 1) as ExprId
    }

    pub(crate) fn strukt(&self, id: u32) -> &StructLit {
        &self.structs[id as usize]
    }

    pub(crate) fn list(&self, id: u32) -> &ListLit {
        &self.lists[id as usize]
    }
}
