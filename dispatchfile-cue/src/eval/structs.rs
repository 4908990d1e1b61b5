//! Struct and list literals: adding their fields, pattern constraints, embeddings, `let`s
//! and elements to the vertex being built.
//!
//! Each struct literal opens an environment frame (for lexical references) and, in a
//! definition, a closedness group; comprehensions inside it are queued and run once the
//! plain fields are known (see `comprehensions`).

use super::{
    Bot, Build, Conj, Decl, Elem, Eval, ExprKind, Frame, HashMap, Key, LIST, Label, LabelKind,
    ListC, ListTail, Name, PatternC, Pending, R, STRUCT, Span, Src, Sym, Tail, VId,
};

impl Eval<'_> {
    pub(super) fn add_struct(
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
        // many): one step per note, each a hash lookup and an insert, so that such chains
        // stay within the budget in time as well as in count.
        let noted = label_groups.len().saturating_mul(lit.decls.len() + 1);
        self.charge(noted as u64)?;
        for &t in &label_groups {
            Self::group(b, t);
        }
        let inner_close = match g {
            Some(g) => Self::with_token(&c.close, g),
            None => c.close.clone(),
        };
        let dbg = self.alias_clash(id);
        if let Some(bot) = dbg {
            self.set_err(v, bot);
        }
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

    pub(super) fn add_list(
        &mut self,
        v: VId,
        id: u32,
        c: &Conj,
        b: &mut Build,
        span: Span,
    ) -> R<()> {
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

    /// The error of a struct literal that declares an alias (`X=a: …`, or the value alias of
    /// `a: X={…}`) and a field `X`: the name would mean both, which CUE v0.4 rejects ("cannot
    /// have both alias and field with name X in same scope"). Positioned at the field, or at
    /// the aliased value.
    fn alias_clash(&self, id: u32) -> Option<Box<Bot>> {
        let ast = self.ast;
        let lit = ast.strukt(id);
        // Each alias, with the position of the value it names for a value alias.
        let mut aliases: Vec<(Sym, Option<Span>)> = Vec::new();
        for d in &lit.decls {
            if let Decl::Field(f) = d {
                if let Some(a) = f.alias {
                    aliases.push((a, None));
                }
                // The parser notes a value alias last among its struct's names.
                if let ExprKind::Struct(inner) = ast.expr(f.value).kind
                    && let Some(&(a, Name::This)) = ast.strukt(inner).names.last()
                {
                    aliases.push((a, Some(ast.expr(f.value).span)));
                }
            }
        }
        if aliases.is_empty() {
            return None;
        }
        let mut fields: HashMap<Sym, Span> = HashMap::new();
        for d in &lit.decls {
            if let Decl::Field(f) = d
                && let Label::Ident(s, _) = f.label
            {
                fields.entry(s).or_insert(f.label_span);
            }
        }
        let (a, at) = aliases.into_iter().find_map(|(a, value)| {
            let field = *fields.get(&a)?;
            Some((a, value.unwrap_or(field)))
        })?;
        Some(Bot::eval(
            format!(
                "cannot have both alias and field with name {:?} in same scope",
                self.name(a)
            ),
            vec![at],
        ))
    }
}
