//! Expression parsing: operators, operands, lists and strings.

use super::{OldForm, Parser, Res, is_keyword, plain_bytes, plain_string, unsupported};
use crate::ast::{BinOp, Comprehension, Elem, ExprId, ExprKind, InterpPart, ListLit, Tail, UnOp};
use crate::error::{CueError, Span};
use crate::lexer::{StrPart, StrTok, Tok};
use crate::num::Num;

/// Longest number literal, in digits.
const MAX_NUMBER_DIGITS: usize = 20_000;

impl Parser {
    pub(super) fn expr(&mut self) -> Res<ExprId> {
        self.enter_rec()?;
        let r = self.binary(1);
        self.leave_rec();
        r
    }

    pub(super) fn binop(&self) -> Option<(BinOp, u8)> {
        Some(match self.tok() {
            Tok::Or => (BinOp::Or, 1),
            Tok::And => (BinOp::And, 2),
            Tok::OrOr => (BinOp::OrOr, 3),
            Tok::AndAnd => (BinOp::AndAnd, 4),
            Tok::Eq => (BinOp::Eq, 5),
            Tok::Ne => (BinOp::Ne, 5),
            Tok::Lt => (BinOp::Lt, 5),
            Tok::Le => (BinOp::Le, 5),
            Tok::Gt => (BinOp::Gt, 5),
            Tok::Ge => (BinOp::Ge, 5),
            Tok::Match => (BinOp::Match, 5),
            Tok::NotMatch => (BinOp::NotMatch, 5),
            Tok::Plus => (BinOp::Add, 6),
            Tok::Minus => (BinOp::Sub, 6),
            Tok::Star => (BinOp::Mul, 7),
            Tok::Slash => (BinOp::Div, 7),
            Tok::Ident(s) => match &**s {
                // 2019 infix integer operators.
                "div" => (BinOp::IntDiv, 7),
                "mod" => (BinOp::IntMod, 7),
                "quo" => (BinOp::IntQuo, 7),
                "rem" => (BinOp::IntRem, 7),
                _ => return None,
            },
            _ => return None,
        })
    }

    pub(super) fn binary(&mut self, min_prec: u8) -> Res<ExprId> {
        let start = self.span().start;
        let mut lhs = self.unary()?;
        while let Some((op, prec)) = self.binop() {
            if prec < min_prec {
                break;
            }
            self.bump();
            if op == BinOp::Or {
                // Flatten a disjunction chain, keeping default marks.
                let mut terms = vec![self.default_term(lhs)];
                loop {
                    let t = self.binary(2)?;
                    terms.push(self.default_term(t));
                    if *self.tok() == Tok::Or {
                        self.bump();
                    } else {
                        break;
                    }
                }
                let span = self
                    .ast
                    .expr(terms[0].0)
                    .span
                    .to(Span::new(self.prev_end(), self.prev_end()));
                let span = Span::new(self.ast.expr(lhs).span.start.min(span.start), span.end);
                lhs = self.ast.add(ExprKind::Disj(terms.into()), span);
                continue;
            }
            let lhs_end = self
                .toks
                .get(self.pos.wrapping_sub(2))
                .map_or(start, |t| t.span.end);
            let rhs_start = self.span().start;
            let rhs = self.binary(prec + 1)?;
            if let BinOp::IntDiv | BinOp::IntMod | BinOp::IntQuo | BinOp::IntRem = op {
                self.old.push(OldForm::IntOp {
                    name: match op {
                        BinOp::IntDiv => "div",
                        BinOp::IntMod => "mod",
                        BinOp::IntQuo => "quo",
                        _ => "rem",
                    },
                    start,
                    lhs_end,
                    rhs_start,
                    end: self.prev_end(),
                });
            }
            let span = self.ast.expr(lhs).span.to(self.ast.expr(rhs).span);
            lhs = self.ast.add(ExprKind::Binary(op, lhs, rhs), span);
        }
        Ok(lhs)
    }

    pub(super) fn default_term(&self, e: ExprId) -> (ExprId, bool) {
        match self.ast.expr(e).kind {
            ExprKind::Unary(UnOp::Default, inner) => (inner, true),
            _ => (e, false),
        }
    }

    pub(super) fn unary(&mut self) -> Res<ExprId> {
        let start = self.span();
        let op = match self.tok() {
            Tok::Minus => UnOp::Neg,
            Tok::Plus => UnOp::Pos,
            Tok::Not => UnOp::Not,
            Tok::Star => UnOp::Default,
            Tok::Lt => UnOp::Lt,
            Tok::Le => UnOp::Le,
            Tok::Gt => UnOp::Gt,
            Tok::Ge => UnOp::Ge,
            Tok::Ne => UnOp::Ne,
            Tok::Match => UnOp::Match,
            Tok::NotMatch => UnOp::NotMatch,
            _ => return self.postfix(),
        };
        self.bump();
        self.enter_rec()?;
        let inner = self.unary();
        self.leave_rec();
        let inner = inner?;
        let span = start.to(self.ast.expr(inner).span);
        Ok(self.ast.add(ExprKind::Unary(op, inner), span))
    }

    pub(super) fn postfix(&mut self) -> Res<ExprId> {
        let mut e = self.operand()?;
        loop {
            e = match self.tok() {
                Tok::Dot => self.select_suffix(e)?,
                Tok::LBrack => self.index_suffix(e)?,
                Tok::LParen => self.call_suffix(e)?,
                _ => return Ok(e),
            };
        }
    }

    /// `e.name` or `e."name"`, at the `.`.
    #[inline(never)]
    pub(super) fn select_suffix(&mut self, e: ExprId) -> Res<ExprId> {
        self.bump();
        let sp = self.span();
        let name = match self.tok().clone() {
            Tok::Ident(s) => s.to_string(),
            Tok::Str(st) => {
                plain_string(&st).ok_or_else(|| CueError::syntax("invalid selector", sp))?
            }
            _ => return Err(self.err_expected("selector")),
        };
        self.bump();
        let sym = self.ast.syms.intern(&name);
        let span = self.ast.expr(e).span.to(sp);
        Ok(self.ast.add(ExprKind::Select(e, sym, sp), span))
    }

    /// `e[i]`, at the `[`. The index is nested in the brackets: `a[b[c[…]]]` counts as depth
    /// (a chain `a[0][1][2]…` does not: `postfix` loops over it).
    #[inline(never)]
    pub(super) fn index_suffix(&mut self, e: ExprId) -> Res<ExprId> {
        self.bump();
        self.enter()?;
        let i = self.expr();
        self.leave();
        let i = i?;
        if *self.tok() == Tok::Colon {
            return Err(unsupported(
                "slice expressions are not supported",
                self.span(),
            ));
        }
        self.expect(&Tok::RBrack, "']'")?;
        let span = self
            .ast
            .expr(e)
            .span
            .to(Span::new(self.prev_end(), self.prev_end()));
        Ok(self.ast.add(ExprKind::Index(e, i), span))
    }

    /// `e(args)`, at the `(`. Arguments are nested in the parentheses: `f(f(f(…)))` counts as
    /// depth.
    #[inline(never)]
    pub(super) fn call_suffix(&mut self, e: ExprId) -> Res<ExprId> {
        self.bump();
        self.enter()?;
        let args = self.call_args();
        self.leave();
        let args = args?;
        self.bump();
        let span = self
            .ast
            .expr(e)
            .span
            .to(Span::new(self.prev_end(), self.prev_end()));
        Ok(self.ast.add(ExprKind::Call(e, args.into()), span))
    }

    /// Call arguments after `(`, up to (not past) the closing `)`.
    pub(super) fn call_args(&mut self) -> Res<Vec<ExprId>> {
        let mut args = Vec::new();
        self.skip_commas_before(&Tok::RParen);
        while *self.tok() != Tok::RParen {
            args.push(self.expr()?);
            match self.tok() {
                Tok::Comma => {
                    self.bump();
                    self.skip_commas_before(&Tok::RParen);
                }
                Tok::AutoComma => self.skip_commas_before(&Tok::RParen),
                Tok::RParen => {}
                _ => return Err(self.err_expected("',' or ')'")),
            }
            if *self.tok() == Tok::AutoComma {
                return Err(self.err_expected("',' or ')'"));
            }
        }
        Ok(args)
    }

    pub(super) fn operand(&mut self) -> Res<ExprId> {
        let sp = self.span();
        match self.tok() {
            Tok::Ident(_) | Tok::Bottom | Tok::Num(_) | Tok::Str(_) => self.leaf_operand(),
            Tok::LParen => {
                self.bump();
                self.enter()?;
                let e = self.expr();
                self.leave();
                let e = e?;
                self.skip_commas_before(&Tok::RParen);
                self.expect(&Tok::RParen, "')'")?;
                Ok(e)
            }
            Tok::LBrace => {
                self.bump();
                self.enter()?;
                let r = self.struct_body(false, sp);
                self.leave();
                let (id, _) = r?;
                let end = self.expect(&Tok::RBrace, "'}'")?;
                let span = sp.to(end);
                if let Some(x) = self.ast.exprs.get_mut(id as usize) {
                    x.span = span;
                }
                if let ExprKind::Struct(s) = self.ast.expr(id).kind
                    && let Some(st) = self.ast.structs.get_mut(s as usize)
                {
                    st.span = span;
                }
                Ok(id)
            }
            Tok::LBrack => {
                self.bump();
                self.enter()?;
                let r = self.list(sp);
                self.leave();
                r
            }
            _ => Err(self.err_expected("expression")),
        }
    }

    /// An identifier, `_|_`, number or string operand.
    #[inline(never)]
    pub(super) fn leaf_operand(&mut self) -> Res<ExprId> {
        let sp = self.span();
        let t = self.tok().clone();
        match t {
            Tok::Ident(s) => {
                self.bump();
                let kind = match &*s {
                    "null" => ExprKind::Null,
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    "_" => ExprKind::Top,
                    w if is_keyword(w) && !matches!(w, "in") => {
                        return Err(CueError::syntax(format!("unexpected keyword {w:?}"), sp));
                    }
                    _ => ExprKind::Ident(self.ast.syms.intern(&s)),
                };
                Ok(self.ast.add(kind, sp))
            }
            Tok::Bottom => {
                self.bump();
                Ok(self.ast.add(ExprKind::Bottom, sp))
            }
            Tok::Num(n) => {
                self.bump();
                // Reading decimal digits into binary is quadratic: refuse literals far beyond
                // what arithmetic accepts (64 kilobits, about 19,700 digits).
                let digits = n.bytes().filter(u8::is_ascii_alphanumeric).count();
                if digits > MAX_NUMBER_DIGITS {
                    return Err(CueError::syntax(
                        format!("number too large ({digits} digits, at most {MAX_NUMBER_DIGITS})"),
                        sp,
                    ));
                }
                let v = Num::parse(&n)
                    .ok_or_else(|| CueError::syntax(format!("invalid number {n:?}"), sp))?;
                Ok(self.ast.add(ExprKind::Num(v), sp))
            }
            Tok::Str(st) => {
                self.bump();
                self.string_expr(&st, sp)
            }
            _ => Err(self.err_expected("expression")),
        }
    }

    pub(super) fn list(&mut self, start: Span) -> Res<ExprId> {
        let mut elems = Vec::new();
        let mut tail = Tail::Closed;
        loop {
            self.skip_commas_before(&Tok::RBrack);
            if *self.tok() == Tok::RBrack {
                break;
            }
            if *self.tok() == Tok::Ellipsis {
                self.bump();
                if matches!(self.tok(), Tok::Comma | Tok::AutoComma | Tok::RBrack) {
                    tail = Tail::Open;
                } else {
                    tail = Tail::Typed(self.expr()?);
                }
                if *self.tok() == Tok::Comma {
                    self.bump();
                }
                self.skip_commas_before(&Tok::RBrack);
                break;
            }
            if self.is_ident(self.pos, "for") || self.is_ident(self.pos, "if") {
                let cstart = self.span();
                let clauses = self.clauses()?;
                if *self.tok() != Tok::LBrace {
                    return Err(self.err_expected("'{'"));
                }
                let body = self.operand()?;
                let span = cstart.to(self.ast.expr(body).span);
                elems.push(Elem::Comprehension(Comprehension {
                    clauses,
                    body,
                    span,
                }));
            } else {
                let start = self.span().start;
                let start_tok = self.pos;
                let e = self.expr()?;
                if self.is_ident(self.pos, "for") {
                    // 2019 trailing list comprehension: `[ e for k, v in src if c ]`.
                    let expr_end = self.prev_end();
                    // A struct literal `{…}` alone is the comprehension's body as it is.
                    let is_struct = matches!(self.ast.expr(e).kind, ExprKind::Struct(_))
                        && self
                            .toks
                            .get(start_tok)
                            .is_some_and(|t| t.tok == Tok::LBrace)
                        && self
                            .toks
                            .get(self.pos.wrapping_sub(1))
                            .is_some_and(|t| t.tok == Tok::RBrace);
                    let clauses_start = self.span().start;
                    let clauses = self.clauses()?;
                    self.old.push(OldForm::TrailingList {
                        start,
                        expr_end,
                        clauses_start,
                        end: self.prev_end(),
                        is_struct,
                    });
                    let span = self
                        .ast
                        .expr(e)
                        .span
                        .to(Span::new(self.prev_end(), self.prev_end()));
                    elems.push(Elem::Comprehension(Comprehension {
                        clauses,
                        body: e,
                        span,
                    }));
                } else {
                    elems.push(Elem::Expr(e));
                }
            }
            match self.tok() {
                Tok::Comma => self.bump(),
                Tok::AutoComma => {
                    if *self.tok_at(self.pos + 1) != Tok::RBrack {
                        return Err(CueError::syntax(
                            "missing ',' before newline in list literal",
                            self.span_at(self.pos + 1),
                        ));
                    }
                }
                Tok::RBrack => {}
                _ => return Err(self.err_expected("',' or ']'")),
            }
        }
        let end = self.expect(&Tok::RBrack, "']'")?;
        let id = self.ast.lists.len() as u32;
        self.ast.lists.push(ListLit { elems, tail });
        Ok(self.ast.add(ExprKind::List(id), start.to(end)))
    }

    pub(super) fn string_expr(&mut self, st: &StrTok, sp: Span) -> Res<ExprId> {
        if let Some(s) = plain_bytes(st) {
            if st.bytes {
                return Ok(self.ast.add(ExprKind::Bytes(s.into()), sp));
            }
            let s = String::from_utf8(s)
                .map_err(|_| CueError::syntax("invalid UTF-8 in string", sp))?;
            return Ok(self.ast.add(ExprKind::Str(s.into()), sp));
        }
        let mut parts = Vec::new();
        for p in &st.parts {
            match p {
                StrPart::Lit(b) => parts.push(InterpPart::Lit(b.clone())),
                StrPart::Interp(toks, isp) => {
                    let saved = std::mem::replace(&mut self.toks, toks.clone());
                    let saved_pos = self.pos;
                    self.pos = 0;
                    self.enter()?;
                    let r = (|| {
                        self.skip_commas();
                        let e = self.expr()?;
                        self.skip_commas();
                        if *self.tok() != Tok::Eof {
                            return Err(self.err_expected("')'"));
                        }
                        Ok(e)
                    })();
                    self.leave();
                    self.toks = saved;
                    self.pos = saved_pos;
                    let e = r.map_err(|e| {
                        if e.spans().is_empty() {
                            CueError::syntax(e.message().to_owned(), *isp)
                        } else {
                            e
                        }
                    })?;
                    parts.push(InterpPart::Expr(e));
                }
            }
        }
        Ok(self.ast.add(ExprKind::Interp(parts.into(), st.bytes), sp))
    }
}
