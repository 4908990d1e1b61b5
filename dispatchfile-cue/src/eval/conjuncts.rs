//! Processing conjuncts: the work loop that turns each conjunct of a vertex into arcs,
//! elements, leaf constraints or more conjuncts.
//!
//! A conjunct is an expression in an environment (or an already evaluated vertex). Struct and
//! list literals add arcs and elements (see `structs`), references copy the conjuncts of what
//! they name (see `references` and `closedness`), disjunctions ask the driver for a choice
//! (see `disjunction`), and everything else is evaluated to a value and unified.

use super::{
    Arc, BinOp, Bot, Build, Concrete, Conj, EnvId, Eval, ExprId, ExprKind, Fwd, HashMap, Key,
    Label, LabelKind, R, Resolved, Scalar, Span, Src, UnOp, VId, Val,
};

impl Eval<'_> {
    pub(super) fn process(
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
    pub(super) fn process_other(
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
    pub(super) fn process_value(
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
    pub(super) fn process_ref(
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

    pub(super) fn unify_val(
        &mut self,
        v: VId,
        val: Val,
        span: Span,
        c: &Conj,
        work: &mut Vec<Conj>,
    ) -> R<()> {
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
    pub(super) fn unify_vertex(&mut self, v: VId, w: VId, c: &Conj) -> R<()> {
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

    pub(super) fn unify_conjs_of(&mut self, v: VId, w: VId, c: &Conj) -> R<()> {
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

    pub(super) fn arc_index(&self, v: VId, key: Key) -> Option<usize> {
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

    pub(super) fn label_key(
        &mut self,
        l: &Label,
        env: EnvId,
        span: Span,
    ) -> R<Result<Key, Box<Bot>>> {
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
}
