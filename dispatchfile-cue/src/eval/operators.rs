//! Operators: unary operators (bounds, negation, `!`) and binary ones (arithmetic,
//! comparison, `&`, `|`, `&&`, `||`, regular-expression matches). Flat chains such as
//! `a + b + c + …` are evaluated in a loop, not by recursion.

use super::{
    BinOp, Bot, Concrete, Cons, EnvId, Eval, ExprId, ExprKind, Leaf, R, Scalar, Span, UnOp, Val,
    bound_kinds, span_of,
};

impl Eval<'_> {
    #[inline(never)]
    pub(super) fn eval_unary(&mut self, op: UnOp, x: ExprId, env: EnvId, span: Span) -> R<Val> {
        let ast = self.ast;
        let (op, x) = (&op, &x);
        Ok({
            let xs = span_of(ast, *x);
            if *op == UnOp::Default {
                return self.eval(*x, env);
            }
            let val = self.eval(*x, env)?;
            let c = match self.concrete(val, xs)? {
                Ok(Concrete::Scalar(s)) => s,
                Ok(_) => {
                    return Ok(Val::Err(Bot::eval(
                        format!("invalid operand for unary {}", crate::value::op_text(*op)),
                        vec![xs],
                    )));
                }
                Err(b) => return Ok(Val::Err(b)),
            };
            match op {
                UnOp::Neg | UnOp::Pos => match c {
                    Scalar::Num(n) => Val::Scalar(
                        Scalar::Num(if *op == UnOp::Neg { n.neg() } else { n }),
                        span,
                    ),
                    other => Val::Err(Bot::eval(
                        format!(
                            "invalid operation {}{} (operand must be a number)",
                            crate::value::op_text(*op),
                            other.display()
                        ),
                        vec![span],
                    )),
                },
                UnOp::Not => match c {
                    Scalar::Bool(b) => Val::Scalar(Scalar::Bool(!b), span),
                    other => Val::Err(Bot::eval(
                        format!(
                            "invalid operation !{} (operand must be a bool)",
                            other.display()
                        ),
                        vec![span],
                    )),
                },
                _ => {
                    if matches!(op, UnOp::Match | UnOp::NotMatch) {
                        if let Scalar::Str(p) = &c {
                            if let Err(m) = self.regex(p)? {
                                return Ok(Val::Err(Bot::eval(m, vec![xs])));
                            }
                        } else {
                            return Ok(Val::Err(Bot::eval(
                                "regular expression must be a string",
                                vec![xs],
                            )));
                        }
                    }
                    let kinds = bound_kinds(*op, &c);
                    Val::Leaf(Leaf {
                        kinds,
                        val: None,
                        cons: vec![Cons {
                            op: *op,
                            val: c,
                            span,
                        }],
                        kind_span: Some(span),
                    })
                }
            }
        })
    }

    /// Evaluates a binary operation (not `&`). Operators are left-associative, so a chain like
    /// `1 + 1 + … + 1` or `a && b && …` is flat in the source but nests to the left in the
    /// tree: its left spine is walked in a loop, so a chain's length is not nesting depth. Right
    /// operands nest only through precedence or parentheses, which the parser bounds.
    #[inline(never)]
    pub(super) fn binary_chain(&mut self, e: ExprId, env: EnvId) -> R<Val> {
        let ast = self.ast;
        let mut spine = Vec::new();
        let mut first = e;
        while let ExprKind::Binary(op, l, _) = &ast.expr(first).kind
            && *op != BinOp::And
        {
            spine.push(first);
            first = *l;
        }
        let mut acc = self.eval(first, env)?;
        for &node in spine.iter().rev() {
            let ex = ast.expr(node);
            let ExprKind::Binary(op, l, r) = &ex.kind else {
                continue;
            };
            self.at = Some(ex.span);
            if node != e {
                // The step `eval` would have charged for this operation (`e`'s was charged).
                self.step()?;
            }
            acc = self.binary(*op, acc, *l, *r, env, ex.span)?;
        }
        Ok(acc)
    }

    /// `l op r` where `lv` is the value of `l`.
    pub(super) fn binary(
        &mut self,
        op: BinOp,
        lv: Val,
        l: ExprId,
        r: ExprId,
        env: EnvId,
        span: Span,
    ) -> R<Val> {
        let ast = self.ast;
        let (ls, rs) = (span_of(ast, l), span_of(ast, r));
        // Short-circuit logic.
        if matches!(op, BinOp::AndAnd | BinOp::OrOr) {
            let a = match self.concrete(lv, ls)? {
                Ok(Concrete::Scalar(Scalar::Bool(b))) => b,
                Ok(_) => {
                    return Ok(Val::Err(Bot::eval(
                        "operand of logical operator must be a bool",
                        vec![ls],
                    )));
                }
                Err(b) => return Ok(Val::Err(b)),
            };
            if (op == BinOp::AndAnd && !a) || (op == BinOp::OrOr && a) {
                return Ok(Val::Scalar(Scalar::Bool(a), span));
            }
            let rv = self.eval(r, env)?;
            return Ok(match self.concrete(rv, rs)? {
                Ok(Concrete::Scalar(Scalar::Bool(b))) => Val::Scalar(Scalar::Bool(b), span),
                Ok(_) => Val::Err(Bot::eval(
                    "operand of logical operator must be a bool",
                    vec![rs],
                )),
                Err(b) => Val::Err(b),
            });
        }
        let rv = self.eval(r, env)?;
        let a = match self.concrete(lv, ls)? {
            Ok(c) => c,
            Err(b) => return Ok(Val::Err(b)),
        };
        let b = match self.concrete(rv, rs)? {
            Ok(c) => c,
            Err(b) => return Ok(Val::Err(b)),
        };
        crate::builtins::binop(self, op, &a, &b, span)
    }
}
