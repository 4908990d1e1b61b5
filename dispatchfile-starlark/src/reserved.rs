//! Names the frontend injects into the code it evaluates (see [`crate::rewrite`]) are reserved:
//! code that binds one would break every guarded expression after it with an error about code
//! its author never wrote, so binding one is refused up front, where it is written.

use starlark::syntax::AstModule;
use starlark_syntax::syntax::ast::{AstAssignIdent, AstParameter, ClauseP, ExprP, StmtP};
use starlark_syntax::syntax::uniplate::Visit;

/// Every name the frontend injects: the guarded natives the rewritten text calls.
pub(crate) const RESERVED: [&str; 21] = [
    "_dispatch_add",
    "_dispatch_mul",
    "_dispatch_percent",
    "_dispatch_or",
    "_dispatch_method",
    "_dispatch_attr",
    "_dispatch_slice",
    "_dispatch_missing",
    "_dispatch_item",
    "_dispatch_entry",
    "_dispatch_key",
    "_dispatch_ior",
    "_dispatch_iadd",
    "_dispatch_eq",
    "_dispatch_ne",
    "_dispatch_lt",
    "_dispatch_le",
    "_dispatch_gt",
    "_dispatch_ge",
    "_dispatch_in",
    "_dispatch_not_in",
];

/// The first binding of a reserved name in `ast` (an assignment, an augmented assignment, a
/// loop or comprehension variable, a `def` name or parameter, a lambda parameter or a `load`
/// alias): the name and the byte span of the binding. Walks the tree with an explicit stack.
pub(crate) fn first_reserved_binding(ast: &AstModule) -> Option<(String, (u32, u32))> {
    let mut found: Option<(String, (u32, u32))> = None;
    let mut note = |id: &AstAssignIdent| {
        if RESERVED.contains(&id.node.ident.as_str()) {
            let at = (id.span.begin().get(), id.span.end().get());
            if found.as_ref().is_none_or(|(_, f)| at < *f) {
                found = Some((id.node.ident.clone(), at));
            }
        }
    };
    let params = |ps: &[AstParameter], note: &mut dyn FnMut(&AstAssignIdent)| {
        for p in ps {
            if let Some(id) = p.node.ident() {
                note(id);
            }
        }
    };
    let mut stack = vec![Visit::Stmt(ast.statement())];
    while let Some(node) = stack.pop() {
        match &node {
            Visit::Stmt(s) => match &s.node {
                StmtP::Assign(a) => a.lhs.visit_lvalue(&mut note),
                StmtP::AssignModify(lhs, _, _) => lhs.visit_lvalue(&mut note),
                StmtP::For(f) => f.var.visit_lvalue(&mut note),
                StmtP::Def(d) => {
                    note(&d.name);
                    params(&d.params, &mut note);
                }
                StmtP::Load(l) => l.args.iter().for_each(|a| note(&a.local)),
                _ => {}
            },
            Visit::Expr(e) => match &e.node {
                ExprP::Lambda(l) => params(&l.params, &mut note),
                ExprP::ListComprehension(_, first, clauses)
                | ExprP::DictComprehension(_, first, clauses) => {
                    first.var.visit_lvalue(&mut note);
                    for c in clauses {
                        if let ClauseP::For(f) = c {
                            f.var.visit_lvalue(&mut note);
                        }
                    }
                }
                _ => {}
            },
        }
        node.visit_children(|c| stack.push(c));
    }
    found
}
