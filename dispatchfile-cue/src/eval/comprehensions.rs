//! Comprehensions: running `for`, `if` and `let` clauses and adding the body of each
//! iteration (a field comprehension's struct or a list comprehension's element).
//!
//! Each iteration binds its variables in a fresh environment (charged like any other), so the
//! bodies it yields are ordinary conjuncts.

use super::{
    Bot, Bound, Clause, Comprehension, Concrete, Conj, Decl, EnvId, Eval, Frame, LabelKind, Num,
    Pending, R, Scalar, Src, VId, span_of,
};

impl Eval<'_> {
    /// Runs comprehension clauses from `i`, pushing one environment per produced value.
    pub(super) fn run_clauses(
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

    pub(super) fn run_clause(
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

    pub(super) fn run_field_comprehension(
        &mut self,
        v: VId,
        p: &Pending,
        work: &mut Vec<Conj>,
    ) -> R<()> {
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
}
