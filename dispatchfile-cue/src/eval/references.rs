//! References: lexical lookup through environments, selectors and indexes, and chains of
//! plain references.
//!
//! A name is looked up frame by frame outwards (struct frames find fields of the vertex
//! being built, binding frames find `let`s, comprehension variables and aliases), then among
//! the predeclared identifiers (defined here) and imported packages. Chains like `a0: a1, a1: a2, …` are
//! followed in a loop and remembered on each link, so they evaluate in linear steps.

use super::{
    BOOL, BYTES, Bot, Bound, Builtin, Concrete, Cons, EnvId, Eval, ExprId, ExprKind, FLOAT, Frame,
    Fwd, HashSet, INT, Key, LabelKind, Leaf, NUMBER, Name, Num, R, Rc, Resolved, STRING, Scalar,
    Span, Src, State, Sym, UnOp, VId, Val, span_of,
};

impl Eval<'_> {
    /// Whether `a` is `v` or one of its ancestors.
    pub(super) fn is_ancestor(&self, a: VId, v: VId) -> bool {
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

    /// The next link of a chain of plain references: when `w`'s only conjunct is a reference
    /// (`a`, `a.b.c`) to a field that can be found without evaluating anything, that field and
    /// the conjunct's closedness tokens. Only once `w`'s parent is complete: no conjunct is
    /// added to `w` after that.
    pub(super) fn forward_next(&mut self, w: VId) -> R<Option<(VId, Rc<[u32]>)>> {
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
    pub(super) fn peek_ref(&mut self, e: ExprId, env: EnvId) -> R<Option<VId>> {
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
    pub(super) fn forward(&mut self, w: VId) -> R<Option<Fwd>> {
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
    pub(super) fn inside_chain(&self, v: VId, t: VId) -> bool {
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

    pub(super) fn lookup(&mut self, name: Sym, env: EnvId, span: Span) -> R<Resolved> {
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
    pub(super) fn resolve_root(&mut self, root: ExprId, env: EnvId) -> R<Resolved> {
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
    pub(super) fn select_link(&mut self, base: Resolved, sel: Sym, ssp: Span) -> R<Resolved> {
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
    pub(super) fn index_link(
        &mut self,
        bv: Val,
        base: ExprId,
        idx: ExprId,
        env: EnvId,
    ) -> R<Resolved> {
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
                    Some(a) if a.optional => Ok(Resolved::Err(Bot::incomplete(
                        format!("cannot reference optional field {s}"),
                        vec![ispan],
                    ))),
                    Some(a) => Ok(Resolved::V(a.v)),
                    None => Ok(Resolved::Err(self.undefined(w, &s, ispan))),
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

    pub(super) fn undefined(&self, w: VId, name: &str, span: Span) -> Box<Bot> {
        let vx = self.v(w);
        if vx.disj.as_ref().is_some_and(|d| !d.has_default) || vx.err.is_some() {
            return Bot::incomplete(format!("undefined field {name:?}"), vec![span]);
        }
        if vx.state == State::Expanding {
            return Bot::incomplete(format!("undefined field {name:?}"), vec![span]);
        }
        Bot::eval(format!("undefined field {name:?}"), vec![span])
    }

    pub(super) fn select(&mut self, w: VId, sel: Sym, span: Span) -> R<Resolved> {
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
}

/// Predeclared identifiers: types, `len`, `close`, `and`, `or`, `div`, ...
pub(super) fn predeclared(name: &str, span: Span) -> Option<Resolved> {
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
