//! Value-mode evaluation: expressions evaluated to a `Val` (literals, interpolations,
//! references, calls), temporary and synthetic vertices, and concrete values for builtins
//! and operators.

use super::{
    BinOp, Bot, Concrete, Conj, EnvId, Eval, ExprId, ExprKind, Frame, InterpPart, Key, LIST,
    LabelKind, Leaf, R, Rc, Resolved, STRUCT, Scalar, Span, Src, State, VId, Val, span_of,
};

impl Eval<'_> {
    /// A temporary vertex holding one expression.
    pub(super) fn temp(&mut self, e: ExprId, env: EnvId) -> R<VId> {
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

    pub(super) fn env_vertex(&self, env: EnvId) -> Option<VId> {
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

    /// A struct made by a builtin: regular fields in the given order.
    pub(crate) fn synthetic_struct(&mut self, fields: Vec<(String, Val)>, span: Span) -> VId {
        let t = self.new_vertex(None);
        {
            let vx = self.vm(t);
            vx.synthetic = true;
            vx.saw_struct = true;
            vx.leaf.kinds = STRUCT;
            vx.value_span = Some(span);
            vx.state = State::Expanded;
        }
        for (name, it) in fields {
            let key = Key {
                sym: self.syms.intern(&name),
                kind: LabelKind::Regular,
            };
            let f = self.get_arc(t, key, span, false);
            self.fill_synthetic(f, it, span);
        }
        t
    }

    pub(super) fn fill_synthetic(&mut self, el: VId, it: Val, span: Span) {
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
    pub(super) fn pointee(&self, w: VId) -> Option<VId> {
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
    pub(super) fn eval_inner(&mut self, e: ExprId, env: EnvId) -> R<Val> {
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
    pub(super) fn eval_literal(&mut self, e: ExprId) -> R<Val> {
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
    pub(super) fn eval_interp(
        &mut self,
        parts: &[InterpPart],
        bytes: bool,
        env: EnvId,
        span: Span,
    ) -> R<Val> {
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
    pub(super) fn eval_ref(&mut self, e: ExprId, env: EnvId, span: Span) -> R<Val> {
        let r = self.resolve(e, env)?;
        self.resolved_val(r, span)
    }

    /// The value of a resolved reference; `span` is the reference's.
    ///
    /// A reference whose value is needed (`a0: a1 + 1`, `l0: list.Take(l1, 1)`) has its field
    /// evaluated first, inside the current evaluation: a chain of such references nests by
    /// nature and stops at `max_depth`, at the reference too deep. A plain reference
    /// (`a0: a1`) only copies conjuncts and does not nest: see `forward`.
    pub(super) fn resolved_val(&mut self, r: Resolved, span: Span) -> R<Val> {
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
    pub(super) fn eval_call(
        &mut self,
        f: ExprId,
        args: &[ExprId],
        env: EnvId,
        span: Span,
    ) -> R<Val> {
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
}
