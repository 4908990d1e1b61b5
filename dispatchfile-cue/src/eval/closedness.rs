//! Closedness and completion of a vertex: definitions, `close()`, pattern constraints,
//! list lengths and tails.
//!
//! Closedness is tracked with tokens: every closed struct (a definition's or a `close()`d
//! one) gets a token, and each conjunct carries the sorted set of tokens of the closed
//! structs it came through. Once all conjuncts are processed, `finish` checks every field
//! against the fields and patterns of each group of the same token, applies pattern
//! constraints, reconciles list lengths and typed tails, and checks the leaf.

use super::{
    BYTES_PER_STEP, Bot, Bound, Build, Conj, EnvId, Eval, ExprId, ExprKind, Frame, Group, HashSet,
    LabelKind, Leaf, ListTail, R, Rc, Scalar, Src, VId, Val,
};

impl Eval<'_> {
    /// The union of two sets of closedness tokens (kept sorted); charged by its size, since
    /// chains of definitions can gather many tokens.
    pub(super) fn merge_close(&mut self, a: &Rc<[u32]>, b: &Rc<[u32]>) -> R<Rc<[u32]>> {
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
    pub(super) fn with_token(a: &Rc<[u32]>, t: u32) -> Rc<[u32]> {
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
    pub(super) fn copy_conjs(
        &mut self,
        w: VId,
        c: &Conj,
        extra: &Rc<[u32]>,
        work: &mut Vec<Conj>,
    ) -> R<()> {
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

    pub(super) fn mark_closing(&mut self, g: u32) {
        if let Some(f) = self.closing.get_mut(g as usize) {
            *f = true;
        }
    }

    pub(super) fn group(b: &mut Build, t: u32) -> &mut Group {
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

    /// Completes a vertex after its conjuncts: list lengths, patterns, closedness, bounds.
    pub(super) fn finish(&mut self, v: VId, b: &mut Build) -> R<()> {
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
            // One step per (field, group) check: each is a hash lookup.
            self.charge(checks as u64)?;
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

    pub(super) fn label_matches(
        &mut self,
        pattern: ExprId,
        env: EnvId,
        label: &Rc<str>,
    ) -> R<bool> {
        let val = self.eval(pattern, env)?;
        let s = Scalar::Str(Rc::clone(label));
        self.val_accepts(val, &s)
    }

    /// Whether a scalar unifies with a value (used for pattern labels).
    pub(super) fn val_accepts(&mut self, val: Val, s: &Scalar) -> R<bool> {
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

    pub(super) fn leaf_accepts(&mut self, l: &Leaf, s: &Scalar) -> R<bool> {
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
}
