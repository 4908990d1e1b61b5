//! Parser for modern CUE (v0.4) and the 2019 Dispatch-era dialect, into [`Ast`].

use crate::ast::{
    Ast, Clause, Comprehension, Decl, ExprId, ExprKind, Field, Label, LabelKind, Name, Pkg,
    StructLit,
};
use crate::error::{CueError, ErrorKind, Span};
use crate::lexer::{Lexer, StrPart, StrTok, Tok, Token};
use std::collections::HashMap;

mod expr;

type Res<T> = Result<T, CueError>;

pub(crate) fn parse(src: &str, max_depth: usize) -> Res<Ast> {
    parse_with_old(src, max_depth).map(|(ast, _)| ast)
}

/// A 2019-dialect form found while parsing, with the positions the rewrite into modern CUE
/// needs (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum OldForm {
    /// Labels separated by a space (`a b: c`): a `:` goes at this offset.
    LabelGap(u32),
    /// A definition `x::`: the label and the `::`.
    Def { label: Span, colon: Span },
    /// A trailing list comprehension `[e for x in y]`: the element `start..expr_end`, the
    /// clauses `clauses_start..end`; `is_struct` when the element is a struct literal.
    TrailingList {
        start: u32,
        expr_end: u32,
        clauses_start: u32,
        end: u32,
        is_struct: bool,
    },
    /// A trailing field comprehension `l: v for x in y`: the field `start..value_end`, the
    /// clauses `clauses_start..end`; `wrap` when it is the value of an outer label.
    TrailingField {
        start: u32,
        value_end: u32,
        clauses_start: u32,
        end: u32,
        wrap: bool,
    },
    /// An infix integer operator `a div b`: the operands `start..lhs_end`, `rhs_start..end`.
    IntOp {
        name: &'static str,
        start: u32,
        lhs_end: u32,
        rhs_start: u32,
        end: u32,
    },
}

/// Parses and reports the 2019-dialect forms met, in source order of their ends.
pub(crate) fn parse_with_old(src: &str, max_depth: usize) -> Res<(Ast, Vec<OldForm>)> {
    let toks = Lexer::new(src, max_depth).tokens(false)?;
    let mut p = Parser {
        toks,
        pos: 0,
        ast: Ast::default(),
        depth: 0,
        rec: 0,
        max_depth,
        old: Vec::new(),
        chain_value: false,
        last_label_start: 0,
    };
    p.ast.add(ExprKind::Top, Span::default());
    let root = p.file()?;
    p.ast.root = root;
    Ok((p.ast, p.old))
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    ast: Ast,
    depth: usize,
    rec: usize,
    max_depth: usize,
    /// The 2019 forms met.
    old: Vec<OldForm>,
    /// Whether the field being parsed is the value of an outer label (`a: b: v`).
    chain_value: bool,
    /// Where the last label parsed starts (its alias included).
    last_label_start: u32,
}

fn unsupported(msg: impl Into<String>, span: Span) -> CueError {
    CueError::new(ErrorKind::Unsupported, msg, vec![span])
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("identifier {s:?}"),
        Tok::Num(s) => format!("number {s}"),
        Tok::Str(_) => "string".into(),
        Tok::Attr => "attribute".into(),
        Tok::Bottom => "'_|_'".into(),
        Tok::Eof => "end of file".into(),
        Tok::AutoComma => "newline".into(),
        other => {
            let s = match other {
                Tok::LBrace => "{",
                Tok::RBrace => "}",
                Tok::LBrack => "[",
                Tok::RBrack => "]",
                Tok::LParen => "(",
                Tok::RParen => ")",
                Tok::Comma => ",",
                Tok::Colon => ":",
                Tok::DColon => "::",
                Tok::Question => "?",
                Tok::Not => "!",
                Tok::Assign => "=",
                Tok::Dot => ".",
                Tok::Ellipsis => "...",
                Tok::And => "&",
                Tok::Or => "|",
                Tok::AndAnd => "&&",
                Tok::OrOr => "||",
                Tok::Plus => "+",
                Tok::Minus => "-",
                Tok::Star => "*",
                Tok::Slash => "/",
                Tok::Eq => "==",
                Tok::Ne => "!=",
                Tok::Lt => "<",
                Tok::Le => "<=",
                Tok::Gt => ">",
                Tok::Ge => ">=",
                Tok::Match => "=~",
                Tok::NotMatch => "!~",
                _ => "token",
            };
            format!("'{s}'")
        }
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(s, "for" | "if" | "let" | "in" | "import" | "package")
}

impl Parser {
    fn tok(&self) -> &Tok {
        self.tok_at(self.pos)
    }

    fn tok_at(&self, i: usize) -> &Tok {
        self.toks.get(i).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn span(&self) -> Span {
        self.span_at(self.pos)
    }

    fn span_at(&self, i: usize) -> Span {
        self.toks
            .get(i)
            .or(self.toks.last())
            .map_or(Span::default(), |t| t.span)
    }

    fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            0
        } else {
            self.span_at(self.pos - 1).end
        }
    }

    fn bump(&mut self) {
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
    }

    fn err_expected(&self, what: &str) -> CueError {
        CueError::syntax(
            format!("expected {what}, found {}", describe(self.tok())),
            self.span(),
        )
    }

    fn expect(&mut self, t: &Tok, what: &str) -> Res<Span> {
        if self.tok() == t {
            let s = self.span();
            self.bump();
            Ok(s)
        } else {
            Err(self.err_expected(what))
        }
    }

    /// Enters a nesting level (`{`, `[`, `(`, interpolation): bounded by `max_depth`.
    fn enter(&mut self) -> Res<()> {
        self.depth += 1;
        self.rec += 1;
        if self.depth > self.max_depth || self.rec > self.max_depth.saturating_mul(8) {
            return Err(CueError::limit(
                "max_depth",
                self.max_depth,
                Some(self.span()),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
        self.rec -= 1;
    }

    /// Enters a recursive rule that is not a nesting level (declarations, unary chains).
    fn enter_rec(&mut self) -> Res<()> {
        self.rec += 1;
        if self.rec > self.max_depth.saturating_mul(8) {
            return Err(CueError::limit(
                "max_depth",
                self.max_depth,
                Some(self.span()),
            ));
        }
        Ok(())
    }

    fn leave_rec(&mut self) {
        self.rec -= 1;
    }

    fn is_ident(&self, i: usize, word: &str) -> bool {
        matches!(self.tok_at(i), Tok::Ident(s) if &**s == word)
    }

    fn skip_attrs(&mut self) {
        while *self.tok() == Tok::Attr {
            self.bump();
        }
    }

    fn skip_commas(&mut self) {
        while matches!(self.tok(), Tok::Comma | Tok::AutoComma) {
            self.bump();
        }
    }

    // ---- file ----

    fn file(&mut self) -> Res<ExprId> {
        let start = self.span();
        self.skip_commas();
        self.skip_attrs();
        self.skip_commas();
        if self.is_ident(self.pos, "package") && matches!(self.tok_at(self.pos + 1), Tok::Ident(_))
        {
            self.pos += 2;
            self.skip_attrs();
            self.skip_commas();
        }
        while self.is_ident(self.pos, "import") && !self.is_field_start(self.pos) {
            self.bump();
            if *self.tok() == Tok::LParen {
                self.bump();
                self.skip_commas();
                while *self.tok() != Tok::RParen {
                    self.import_spec()?;
                    self.skip_commas();
                    if *self.tok() == Tok::Eof {
                        return Err(self.err_expected("')'"));
                    }
                }
                self.bump();
            } else {
                self.import_spec()?;
            }
            self.skip_commas();
        }
        let (id, _) = self.struct_body(true, start)?;
        Ok(id)
    }

    fn import_spec(&mut self) -> Res<()> {
        let alias = if let Tok::Ident(s) = self.tok() {
            let s = s.clone();
            self.bump();
            Some(s)
        } else {
            None
        };
        let span = self.span();
        let Tok::Str(st) = self.tok() else {
            return Err(self.err_expected("import path"));
        };
        let path = plain_string(st).ok_or_else(|| CueError::syntax("invalid import path", span))?;
        self.bump();
        let (pkg, base) = match path.as_str() {
            "strings" => (Pkg::Strings, "strings"),
            "list" => (Pkg::List, "list"),
            "math" => (Pkg::Math, "math"),
            "strconv" => (Pkg::Strconv, "strconv"),
            "regexp" => (Pkg::Regexp, "regexp"),
            "encoding/json" => (Pkg::Json, "json"),
            "encoding/yaml" => (Pkg::Yaml, "yaml"),
            _ => {
                return Err(unsupported(
                    format!(
                        "import {path:?} is not supported (only strings, list, math, strconv, regexp, encoding/json and encoding/yaml)"
                    ),
                    span,
                ));
            }
        };
        let name = alias.as_deref().unwrap_or(base).to_owned();
        let sym = self.ast.syms.intern(&name);
        self.ast.imports.push((sym, pkg));
        Ok(())
    }

    /// Parses declarations until `}` (or end of file at the top level) into a struct literal.
    fn struct_body(&mut self, top: bool, start: Span) -> Res<(ExprId, Span)> {
        let mut decls = Vec::new();
        loop {
            self.skip_commas();
            match self.tok() {
                Tok::Eof if top => break,
                Tok::RBrace if !top => break,
                Tok::Eof => return Err(self.err_expected("'}'")),
                _ => {}
            }
            if *self.tok() == Tok::Attr {
                self.bump();
                continue;
            }
            if self.is_ident(self.pos, "package")
                && matches!(self.tok_at(self.pos + 1), Tok::Ident(_))
            {
                return Err(CueError::syntax("unexpected package clause", self.span()));
            }
            if self.is_ident(self.pos, "import") && !self.is_field_start(self.pos) {
                return Err(CueError::syntax(
                    "imports must come before other declarations",
                    self.span(),
                ));
            }
            let d = self.decl()?;
            decls.push(d);
            self.skip_attrs();
            match self.tok() {
                Tok::Comma | Tok::AutoComma => self.bump(),
                Tok::RBrace if !top => {}
                Tok::Eof if top => {}
                _ => return Err(self.err_expected("',' or newline")),
            }
        }
        let end = self.prev_end().max(start.start);
        let span = Span::new(start.start, end);
        Ok((self.make_struct(decls, span)?, span))
    }

    fn make_struct(&mut self, decls: Vec<Decl>, span: Span) -> Res<ExprId> {
        let mut names: Vec<(u32, Name)> = Vec::new();
        // The first declaration of each name wins; a set keeps this linear in long literals.
        let mut seen: HashMap<u32, Name> = HashMap::new();
        let mut is_struct = decls.is_empty();
        for d in &decls {
            match d {
                Decl::Field(f) => {
                    let target = match f.label {
                        Label::Ident(s, k) => Some(Name::Field(s, k)),
                        Label::Str(s) => Some(Name::Field(s, LabelKind::Regular)),
                        _ => None,
                    };
                    if let (Some(a), Some(t)) = (f.alias, target)
                        && !seen.contains_key(&a)
                    {
                        seen.insert(a, t);
                        names.push((a, t));
                    }
                    if let Label::Ident(s, k) = f.label {
                        if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(s) {
                            slot.insert(Name::Field(s, k));
                            names.push((s, Name::Field(s, k)));
                        }
                        if k == LabelKind::Regular {
                            is_struct = true;
                        }
                    } else {
                        is_struct = true;
                    }
                }
                Decl::Let(s, e) => {
                    if seen.contains_key(s) {
                        return Err(CueError::syntax(
                            format!("duplicate let or field {:?}", self.ast.syms.name(*s)),
                            span,
                        ));
                    }
                    seen.insert(*s, Name::Let(*e));
                    names.push((*s, Name::Let(*e)));
                }
                Decl::Pattern { .. } | Decl::Ellipsis => is_struct = true,
                Decl::Embed(_) | Decl::Comprehension(_) => {}
            }
        }
        let index = (names.len() > StructLit::INDEXED).then_some(seen);
        let id = self.ast.structs.len() as u32;
        self.ast.structs.push(StructLit {
            decls,
            span,
            names,
            index,
            is_struct,
        });
        Ok(self.ast.add(ExprKind::Struct(id), span))
    }

    /// Whether tokens at `i` start a field: labels (space-separated in the 2019 dialect),
    /// optional `?`/`!`, then `:` or `::`. Linear in the labels: a long 2019 label chain is a
    /// field whatever its length, and `field` bounds its nesting by `max_depth`.
    fn is_field_start(&self, mut i: usize) -> bool {
        loop {
            match self.tok_at(i) {
                Tok::Ident(_) | Tok::Str(_) => {
                    i += 1;
                    if *self.tok_at(i) == Tok::Assign && matches!(self.tok_at(i - 1), Tok::Ident(_))
                    {
                        // Alias `X=label`.
                        i += 1;
                        continue;
                    }
                }
                Tok::LParen | Tok::LBrack => {
                    // Dynamic label or pattern: find the matching bracket.
                    let mut depth = 0usize;
                    loop {
                        match self.tok_at(i) {
                            Tok::LParen | Tok::LBrack | Tok::LBrace => depth += 1,
                            Tok::RParen | Tok::RBrack | Tok::RBrace => {
                                depth = depth.saturating_sub(1);
                                if depth == 0 {
                                    break;
                                }
                            }
                            Tok::Eof => return false,
                            _ => {}
                        }
                        i += 1;
                    }
                    i += 1;
                }
                Tok::Lt
                    if matches!(self.tok_at(i + 1), Tok::Ident(_))
                        && *self.tok_at(i + 2) == Tok::Gt =>
                {
                    i += 3;
                }
                _ => return false,
            }
            if matches!(self.tok_at(i), Tok::Question | Tok::Not) {
                i += 1;
            }
            match self.tok_at(i) {
                Tok::Colon | Tok::DColon => return true,
                Tok::Ident(_) | Tok::Str(_) => {}
                Tok::Lt
                    if matches!(self.tok_at(i + 1), Tok::Ident(_))
                        && *self.tok_at(i + 2) == Tok::Gt => {}
                _ => return false,
            }
        }
    }

    fn decl(&mut self) -> Res<Decl> {
        self.enter_rec()?;
        let r = self.decl_inner();
        self.leave_rec();
        r
    }

    // Nesting goes through `decl_inner` and `postfix`: their rarer branches are functions of
    // their own, so that each level of nesting takes little stack (in debug builds too).
    fn decl_inner(&mut self) -> Res<Decl> {
        if self.is_ident(self.pos, "let")
            && matches!(self.tok_at(self.pos + 1), Tok::Ident(_))
            && *self.tok_at(self.pos + 2) == Tok::Assign
        {
            return self.let_decl();
        }
        if (self.is_ident(self.pos, "for") || self.is_ident(self.pos, "if"))
            && !self.is_field_start(self.pos)
        {
            return self.comprehension_decl();
        }
        if *self.tok() == Tok::Ellipsis {
            return self.ellipsis_decl();
        }
        if *self.tok() == Tok::Lt
            && matches!(self.tok_at(self.pos + 1), Tok::Ident(_))
            && *self.tok_at(self.pos + 2) == Tok::Gt
        {
            return Err(unsupported(
                "templates (<Name>: T) are not supported; use a pattern constraint [Name=string]: T",
                self.span().to(self.span_at(self.pos + 2)),
            ));
        }
        if self.is_field_start(self.pos) {
            return self.field();
        }
        let e = self.expr()?;
        Ok(Decl::Embed(e))
    }

    #[inline(never)]
    fn let_decl(&mut self) -> Res<Decl> {
        let Tok::Ident(name) = self.tok_at(self.pos + 1).clone() else {
            return Err(self.err_expected("identifier"));
        };
        self.pos += 3;
        let e = self.expr()?;
        let s = self.ast.syms.intern(&name);
        Ok(Decl::Let(s, e))
    }

    #[inline(never)]
    fn comprehension_decl(&mut self) -> Res<Decl> {
        let start = self.span();
        let clauses = self.clauses()?;
        if *self.tok() != Tok::LBrace {
            return Err(self.err_expected("'{'"));
        }
        let body = self.operand()?;
        let span = start.to(self.ast.expr(body).span);
        Ok(Decl::Comprehension(Comprehension {
            clauses,
            body,
            span,
        }))
    }

    #[inline(never)]
    fn ellipsis_decl(&mut self) -> Res<Decl> {
        self.bump();
        // `...T` in a struct: the type is accepted and ignored.
        if !matches!(
            self.tok(),
            Tok::Comma | Tok::AutoComma | Tok::RBrace | Tok::Eof
        ) {
            self.expr()?;
        }
        Ok(Decl::Ellipsis)
    }

    /// The labels of a field up to its `:` (or 2019 `::`): one in modern CUE, several in a
    /// 2019 chain `a b c:`.
    #[inline(never)]
    fn field_labels(&mut self) -> Res<Vec<FieldLabel>> {
        // Collect labels up to the ':'.
        let mut labels: Vec<FieldLabel> = Vec::new();
        loop {
            self.last_label_start = self.span().start;
            let alias = if let (Tok::Ident(a), Tok::Assign) =
                (self.tok().clone(), self.tok_at(self.pos + 1).clone())
            {
                self.pos += 2;
                Some(self.ast.syms.intern(&a))
            } else {
                None
            };
            let (l, sp) = self.label()?;
            let mut optional = false;
            match self.tok() {
                Tok::Question => {
                    optional = true;
                    self.bump();
                }
                Tok::Not => {
                    return Err(unsupported(
                        "required fields (a!: T) are not supported (CUE v0.6 syntax)",
                        self.span(),
                    ));
                }
                _ => {}
            }
            labels.push((l, sp, optional, alias));
            // Every label after the first nests a struct (`a b c: 1` is `a: {b: {c: 1}}`).
            if self.depth + labels.len() - 1 > self.max_depth {
                return Err(CueError::limit("max_depth", self.max_depth, Some(sp)));
            }
            match self.tok() {
                Tok::Colon => {
                    self.bump();
                    break;
                }
                Tok::DColon => {
                    // 2019 definition `x::`.
                    let sp = self.span();
                    self.bump();
                    if let Some((LabelOrPattern::Label(Label::Ident(_, k)), lsp, _, _)) =
                        labels.last_mut()
                    {
                        self.old.push(OldForm::Def {
                            label: *lsp,
                            colon: sp,
                        });
                        if *k != LabelKind::Regular {
                            return Err(CueError::syntax(
                                "'::' needs a plain identifier label",
                                sp,
                            ));
                        }
                        *k = LabelKind::Def;
                    } else {
                        return Err(CueError::syntax("'::' needs an identifier label", sp));
                    }
                    break;
                }
                _ => self.old.push(OldForm::LabelGap(self.prev_end())),
            }
        }
        Ok(labels)
    }

    /// Parses a field, including label chains (`a: b: c`, 2019 `a b c:`) and a trailing
    /// 2019 field comprehension.
    fn field(&mut self) -> Res<Decl> {
        let chain_value = std::mem::take(&mut self.chain_value);
        let field_start = self.span().start;
        let labels = self.field_labels()?;
        // The innermost label (with its alias) starts at the field or after a 2019 label gap.
        let inner_start = if labels.len() > 1 {
            self.last_label_start
        } else {
            field_start
        };
        self.skip_attrs_inline();
        // The value: another field (label chain) or an expression.
        let value_start = self.span();
        let value = if self.is_field_start(self.pos)
            && !self.is_ident(self.pos, "for")
            && !self.is_ident(self.pos, "if")
        {
            // A label chain nests a struct per label: bounded like any nesting.
            self.enter()?;
            self.chain_value = true;
            let inner = self.field();
            self.leave();
            let d = inner?;
            let span = value_start.to(Span::new(self.prev_end(), self.prev_end()));
            self.make_struct(vec![d], span)?
        } else if let (Tok::Ident(a), Tok::Assign) =
            (self.tok().clone(), self.tok_at(self.pos + 1).clone())
        {
            // A value alias `label: X={…}`: `X` names the field's value inside it.
            let alias_span = self.span();
            self.pos += 2;
            let value = self.expr()?;
            let ExprKind::Struct(lit) = self.ast.expr(value).kind else {
                return Err(unsupported(
                    "a value alias (X=value) is supported on a struct value only",
                    alias_span,
                ));
            };
            let sym = self.ast.syms.intern(&a);
            let st = &mut self.ast.structs[lit as usize];
            // The struct's own fields and lets come first, as in any scope.
            if !st.names.iter().any(|(n, _)| *n == sym) {
                st.names.push((sym, Name::This));
                if let Some(ix) = st.index.as_mut() {
                    ix.insert(sym, Name::This);
                }
            }
            value
        } else {
            self.expr()?
        };
        // 2019 trailing field comprehension: `"\(k)": v for k, v in src`.
        let trailing = if self.is_ident(self.pos, "for") || self.is_ident(self.pos, "if") {
            let value_end = self.prev_end();
            let clauses_start = self.span().start;
            let clauses = self.clauses()?;
            self.old.push(OldForm::TrailingField {
                start: inner_start,
                value_end,
                clauses_start,
                end: self.prev_end(),
                wrap: chain_value || labels.len() > 1,
            });
            Some(clauses)
        } else {
            None
        };
        self.skip_attrs();
        self.nest_labels(labels, value, trailing, value_start)
    }

    /// The field declaration of `labels: value`, built from the innermost label outwards (each
    /// outer label holds a struct with the inner field), with a 2019 trailing comprehension.
    #[inline(never)]
    fn nest_labels(
        &mut self,
        mut labels: Vec<FieldLabel>,
        mut value: ExprId,
        trailing: Option<Vec<Clause>>,
        value_start: Span,
    ) -> Res<Decl> {
        // Build nested fields from the innermost label outwards.
        let mut comp = trailing;
        while let Some((l, sp, optional, alias)) = labels.pop() {
            let d = match l {
                LabelOrPattern::Label(label) => Decl::Field(Field {
                    label,
                    alias,
                    label_span: sp,
                    optional,
                    value,
                }),
                LabelOrPattern::Pattern(alias, pattern) => Decl::Pattern {
                    alias,
                    pattern,
                    value,
                },
            };
            let d = if let Some(clauses) = comp.take() {
                let span = sp.to(Span::new(self.prev_end(), self.prev_end()));
                let body = self.make_struct(vec![d], span)?;
                Decl::Comprehension(Comprehension {
                    clauses,
                    body,
                    span,
                })
            } else {
                d
            };
            if labels.is_empty() {
                return Ok(d);
            }
            let span = sp.to(Span::new(self.prev_end(), self.prev_end()));
            value = self.make_struct(vec![d], span)?;
        }
        Err(CueError::syntax("expected label", value_start))
    }

    fn skip_attrs_inline(&mut self) {
        self.skip_attrs();
    }

    fn label(&mut self) -> Res<(LabelOrPattern, Span)> {
        let start = self.span();
        let sp = self.span();
        match self.tok().clone() {
            Tok::Ident(s) => {
                self.bump();
                let k = LabelKind::of_ident(&s);
                let sym = self.ast.syms.intern(&s);
                Ok((LabelOrPattern::Label(Label::Ident(sym, k)), sp))
            }
            Tok::Str(st) => {
                self.bump();
                if st.bytes {
                    return Err(CueError::syntax("byte strings cannot be labels", sp));
                }
                if let Some(s) = plain_string(&st) {
                    let sym = self.ast.syms.intern(&s);
                    Ok((LabelOrPattern::Label(Label::Str(sym)), sp))
                } else {
                    let e = self.string_expr(&st, sp)?;
                    Ok((LabelOrPattern::Label(Label::Interp(e)), sp))
                }
            }
            Tok::LParen => {
                self.bump();
                let e = self.expr()?;
                self.expect(&Tok::RParen, "')'")?;
                Ok((
                    LabelOrPattern::Label(Label::Dynamic(e)),
                    start.to(Span::new(self.prev_end(), self.prev_end())),
                ))
            }
            Tok::LBrack => {
                self.bump();
                let alias = if let (Tok::Ident(a), Tok::Assign) =
                    (self.tok().clone(), self.tok_at(self.pos + 1).clone())
                {
                    self.pos += 2;
                    Some(self.ast.syms.intern(&a))
                } else {
                    None
                };
                let e = self.expr()?;
                self.skip_commas_before(&Tok::RBrack);
                self.expect(&Tok::RBrack, "']'")?;
                Ok((
                    LabelOrPattern::Pattern(alias, e),
                    start.to(Span::new(self.prev_end(), self.prev_end())),
                ))
            }
            Tok::Lt => Err(unsupported(
                "templates (<Name>: T) are not supported; use a pattern constraint [Name=string]: T",
                sp,
            )),
            _ => Err(self.err_expected("label")),
        }
    }

    fn skip_commas_before(&mut self, t: &Tok) {
        if *self.tok() == Tok::AutoComma && self.tok_at(self.pos + 1) == t {
            self.bump();
        }
    }

    fn clauses(&mut self) -> Res<Vec<Clause>> {
        let mut out = Vec::new();
        loop {
            if self.is_ident(self.pos, "for") {
                self.bump();
                let a = self.ident_name()?;
                let (key, value) = if *self.tok() == Tok::Comma {
                    self.bump();
                    let b = self.ident_name()?;
                    (Some(a), b)
                } else {
                    (None, a)
                };
                if !self.is_ident(self.pos, "in") {
                    return Err(self.err_expected("'in'"));
                }
                self.bump();
                let source = self.expr()?;
                out.push(Clause::For { key, value, source });
            } else if self.is_ident(self.pos, "if") {
                self.bump();
                let c = self.expr()?;
                out.push(Clause::If(c));
            } else if self.is_ident(self.pos, "let")
                && matches!(self.tok_at(self.pos + 1), Tok::Ident(_))
                && *self.tok_at(self.pos + 2) == Tok::Assign
            {
                self.bump();
                let n = self.ident_name()?;
                self.bump();
                let e = self.expr()?;
                out.push(Clause::Let(n, e));
            } else {
                break;
            }
        }
        Ok(out)
    }

    fn ident_name(&mut self) -> Res<u32> {
        if let Tok::Ident(s) = self.tok().clone() {
            self.bump();
            Ok(self.ast.syms.intern(&s))
        } else {
            Err(self.err_expected("identifier"))
        }
    }
}

/// A label of a field: the label or pattern, its position, whether it is optional, its alias.
type FieldLabel = (LabelOrPattern, Span, bool, Option<u32>);

enum LabelOrPattern {
    Label(Label),
    Pattern(Option<u32>, ExprId),
}

fn plain_bytes(st: &StrTok) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for p in &st.parts {
        match p {
            StrPart::Lit(b) => out.extend_from_slice(b),
            StrPart::Interp(..) => return None,
        }
    }
    Some(out)
}

fn plain_string(st: &StrTok) -> Option<String> {
    if st.bytes {
        return None;
    }
    String::from_utf8(plain_bytes(st)?).ok()
}
