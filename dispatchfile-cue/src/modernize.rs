//! The source-level rewrite of the 2019 dialect into modern CUE ([`crate::modernize`]).
//!
//! The parser reports each 2019 form with its positions; each becomes an edit (a byte range
//! replaced by new text and by ranges of the source, themselves rewritten), and every byte
//! outside the edits is copied as it is. References to 2019 definitions are found by lexical
//! lookup over the syntax tree, with an explicit work list (flat chains in the source are deep
//! trees).

use std::collections::HashSet;

use crate::ast::{
    Ast, Clause, Decl, Elem, ExprId, ExprKind, InterpPart, Label, LabelKind, Name, Sym, Tail,
};
use crate::error::{CueError, ErrorKind, Span};
use crate::parser::{OldForm, parse_with_old};
use crate::{Options, evaluate_all};

/// A piece of an edit's replacement.
#[derive(Debug)]
enum Piece {
    Text(&'static str),
    Owned(String),
    /// A range of the source, rewritten.
    Source(u32, u32),
}

#[derive(Debug)]
struct Edit {
    start: u32,
    end: u32,
    pieces: Vec<Piece>,
}

fn unsupported(msg: impl Into<String>, at: u32, end: u32) -> CueError {
    CueError::new(ErrorKind::Unsupported, msg, vec![Span::new(at, end)])
}

/// See [`crate::modernize`].
pub(crate) fn modernize(source: &str, options: &Options) -> Result<String, Vec<CueError>> {
    // Only a file that evaluates is rewritten; its export is what the result must give.
    let before = evaluate_all(source, options)?;
    let (ast, old) = parse_with_old(source, options.max_depth).map_err(|e| vec![e])?;
    if old.is_empty() {
        return Ok(source.to_owned());
    }
    let mut edits = Vec::new();
    let mut defs: HashSet<Sym> = HashSet::new();
    for form in &old {
        edit_of(source, form, &mut edits).map_err(|e| vec![e])?;
    }
    for form in &old {
        if let OldForm::Def { label, .. } = form {
            let name = source
                .get(label.start as usize..label.end as usize)
                .unwrap_or("");
            if let Some(sym) = ast.syms.get(name) {
                defs.insert(sym);
            }
        }
    }
    if !defs.is_empty() {
        references(&ast, source, &defs, &mut edits).map_err(|e| vec![e])?;
    }
    let out = render(source, edits, options.max_depth)?;
    // The result must be modern CUE, and mean the same.
    let (_, left) = parse_with_old(&out, options.max_depth).map_err(|e| {
        vec![CueError::new(
            ErrorKind::Unsupported,
            format!(
                "the rewrite into modern CUE does not parse: {}",
                e.message()
            ),
            Vec::new(),
        )]
    })?;
    if !left.is_empty() {
        return Err(vec![CueError::new(
            ErrorKind::Unsupported,
            "the rewrite into modern CUE left a 2019 form",
            Vec::new(),
        )]);
    }
    let after = evaluate_all(&out, options)?;
    if after.value.to_compact_json_string() != before.value.to_compact_json_string() {
        return Err(vec![CueError::new(
            ErrorKind::Unsupported,
            "the rewrite into modern CUE changes the value; nothing was rewritten",
            Vec::new(),
        )]);
    }
    Ok(out)
}

/// Whether `s[a..b]` holds only white space (what a move may drop).
fn check_gap(source: &str, a: u32, b: u32, what: &str) -> Result<(), CueError> {
    let gap = source.get(a as usize..b as usize).unwrap_or("");
    if gap.chars().all(char::is_whitespace) {
        Ok(())
    } else {
        Err(unsupported(
            format!("{what}: a comment between its parts cannot be carried over; move it"),
            a,
            b,
        ))
    }
}

fn edit_of(source: &str, form: &OldForm, edits: &mut Vec<Edit>) -> Result<(), CueError> {
    match *form {
        OldForm::LabelGap(at) => edits.push(Edit {
            start: at,
            end: at,
            pieces: vec![Piece::Text(":")],
        }),
        OldForm::Def { label, colon } => {
            edits.push(Edit {
                start: label.start,
                end: label.start,
                pieces: vec![Piece::Text("#")],
            });
            edits.push(Edit {
                start: colon.start,
                end: colon.end,
                pieces: vec![Piece::Text(":")],
            });
        }
        OldForm::TrailingList {
            start,
            expr_end,
            clauses_start,
            end,
            is_struct,
        } => {
            check_gap(
                source,
                expr_end,
                clauses_start,
                "trailing list comprehension",
            )?;
            let mut pieces = vec![Piece::Source(clauses_start, end), Piece::Text(" ")];
            if is_struct {
                pieces.push(Piece::Source(start, expr_end));
            } else {
                pieces.extend([
                    Piece::Text("{ "),
                    Piece::Source(start, expr_end),
                    Piece::Text(" }"),
                ]);
            }
            edits.push(Edit { start, end, pieces });
        }
        OldForm::TrailingField {
            start,
            value_end,
            clauses_start,
            end,
            wrap,
        } => {
            check_gap(
                source,
                value_end,
                clauses_start,
                "trailing field comprehension",
            )?;
            let mut pieces = Vec::new();
            if wrap {
                pieces.push(Piece::Text("{ "));
            }
            pieces.extend([
                Piece::Source(clauses_start, end),
                Piece::Text(" { "),
                Piece::Source(start, value_end),
                Piece::Text(" }"),
            ]);
            if wrap {
                pieces.push(Piece::Text(" }"));
            }
            edits.push(Edit { start, end, pieces });
        }
        OldForm::IntOp {
            name,
            start,
            lhs_end,
            rhs_start,
            end,
        } => {
            let op_at = source
                .get(lhs_end as usize..rhs_start as usize)
                .and_then(|g| g.find(name))
                .map_or(lhs_end, |i| lhs_end + i as u32);
            check_gap(source, lhs_end, op_at, "infix operator")?;
            check_gap(
                source,
                op_at + name.len() as u32,
                rhs_start,
                "infix operator",
            )?;
            edits.push(Edit {
                start,
                end,
                pieces: vec![
                    Piece::Owned(format!("{name}(")),
                    Piece::Source(start, lhs_end),
                    Piece::Text(", "),
                    Piece::Source(rhs_start, end),
                    Piece::Text(")"),
                ],
            });
        }
    }
    Ok(())
}

/// A lexical scope while looking up references.
enum Frame {
    Struct(u32),
    Bind(Vec<Sym>),
}

/// Adds a `#` before every reference to a 2019 definition (`defs`): identifiers that resolve
/// to one lexically, and selectors `a.x` of a name that is only ever a 2019 definition.
fn references(
    ast: &Ast,
    source: &str,
    defs: &HashSet<Sym>,
    edits: &mut Vec<Edit>,
) -> Result<(), CueError> {
    // Names also used for regular fields: a selector of one is ambiguous.
    let mut regular: HashSet<Sym> = HashSet::new();
    for st in &ast.structs {
        for d in &st.decls {
            if let Decl::Field(f) = d {
                match f.label {
                    Label::Ident(s, LabelKind::Regular) | Label::Str(s) => {
                        regular.insert(s);
                    }
                    _ => {}
                }
            }
        }
    }
    // Frames: (kind, parent).
    let mut frames: Vec<(Frame, Option<usize>)> = Vec::new();
    let mut work: Vec<(ExprId, Option<usize>)> = vec![(ast.root, None)];
    let mut renamed: HashSet<u32> = HashSet::new();
    while let Some((id, frame)) = work.pop() {
        let e = ast.expr(id);
        match &e.kind {
            ExprKind::Ident(sym) => {
                if defs.contains(sym)
                    && resolves_to_def(ast, &frames, frame, *sym)
                    && renamed.insert(e.span.start)
                {
                    edits.push(Edit {
                        start: e.span.start,
                        end: e.span.start,
                        pieces: vec![Piece::Text("#")],
                    });
                }
            }
            ExprKind::Select(x, sym, sp) => {
                work.push((*x, frame));
                if defs.contains(sym) {
                    let plain = source
                        .as_bytes()
                        .get(sp.start as usize)
                        .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'$'));
                    if regular.contains(sym) || !plain {
                        return Err(unsupported(
                            "a selector of a name that is both a 2019 definition and a regular field (or quoted): rename one of them",
                            sp.start,
                            sp.end,
                        ));
                    }
                    if renamed.insert(sp.start) {
                        edits.push(Edit {
                            start: sp.start,
                            end: sp.start,
                            pieces: vec![Piece::Text("#")],
                        });
                    }
                }
            }
            ExprKind::Interp(parts, _) => {
                for p in &**parts {
                    if let InterpPart::Expr(x) = p {
                        work.push((*x, frame));
                    }
                }
            }
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                work.push((*a, frame));
                work.push((*b, frame));
            }
            ExprKind::Call(f, args) => {
                work.push((*f, frame));
                work.extend(args.iter().map(|a| (*a, frame)));
            }
            ExprKind::Unary(_, x) => work.push((*x, frame)),
            ExprKind::Disj(terms) => work.extend(terms.iter().map(|(t, _)| (*t, frame))),
            ExprKind::Struct(s) => {
                frames.push((Frame::Struct(*s), frame));
                let here = Some(frames.len() - 1);
                for d in &ast.strukt(*s).decls {
                    match d {
                        Decl::Field(f) => {
                            if let Label::Interp(x) | Label::Dynamic(x) = f.label {
                                work.push((x, here));
                            }
                            work.push((f.value, here));
                        }
                        Decl::Embed(x) | Decl::Let(_, x) => work.push((*x, here)),
                        Decl::Ellipsis => {}
                        Decl::Comprehension(c) => {
                            comprehension(&c.clauses, c.body, here, &mut frames, &mut work);
                        }
                        Decl::Pattern {
                            alias,
                            pattern,
                            value,
                        } => {
                            work.push((*pattern, here));
                            let f = if let Some(a) = alias {
                                frames.push((Frame::Bind(vec![*a]), here));
                                Some(frames.len() - 1)
                            } else {
                                here
                            };
                            work.push((*value, f));
                        }
                    }
                }
            }
            ExprKind::List(l) => {
                let list = ast.list(*l);
                for el in &list.elems {
                    match el {
                        Elem::Expr(x) => work.push((*x, frame)),
                        Elem::Comprehension(c) => {
                            comprehension(&c.clauses, c.body, frame, &mut frames, &mut work);
                        }
                    }
                }
                if let Tail::Typed(x) = list.tail {
                    work.push((x, frame));
                }
            }
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Num(_)
            | ExprKind::Str(_)
            | ExprKind::Bytes(_)
            | ExprKind::Top
            | ExprKind::Bottom => {}
        }
    }
    Ok(())
}

fn comprehension(
    clauses: &[Clause],
    body: ExprId,
    frame: Option<usize>,
    frames: &mut Vec<(Frame, Option<usize>)>,
    work: &mut Vec<(ExprId, Option<usize>)>,
) {
    let mut cur = frame;
    for c in clauses {
        match c {
            Clause::For { key, value, source } => {
                work.push((*source, cur));
                let mut names = vec![*value];
                names.extend(key);
                frames.push((Frame::Bind(names), cur));
                cur = Some(frames.len() - 1);
            }
            Clause::If(x) => work.push((*x, cur)),
            Clause::Let(n, x) => {
                work.push((*x, cur));
                frames.push((Frame::Bind(vec![*n]), cur));
                cur = Some(frames.len() - 1);
            }
        }
    }
    work.push((body, cur));
}

/// Whether `sym`, looked up from `frame` outwards, names a 2019 definition.
fn resolves_to_def(
    ast: &Ast,
    frames: &[(Frame, Option<usize>)],
    mut frame: Option<usize>,
    sym: Sym,
) -> bool {
    while let Some(i) = frame {
        let Some((f, parent)) = frames.get(i) else {
            return false;
        };
        match f {
            Frame::Struct(s) => match ast.strukt(*s).name(sym) {
                Some(Name::Field(_, LabelKind::Def)) => return true,
                Some(_) => return false,
                None => {}
            },
            Frame::Bind(names) => {
                if names.contains(&sym) {
                    return false;
                }
            }
        }
        frame = *parent;
    }
    false
}

/// Applies the edits: each replaces its range by its pieces; edits inside a replaced range
/// apply where a piece copies the source they are in.
fn render(source: &str, mut edits: Vec<Edit>, max_depth: usize) -> Result<String, Vec<CueError>> {
    edits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut used = vec![false; edits.len()];
    let mut out = String::with_capacity(source.len() + source.len() / 8);
    render_range(
        source,
        &edits,
        &mut used,
        0,
        source.len() as u32,
        &mut out,
        max_depth.saturating_mul(8),
    )
    .map_err(|e| vec![e])?;
    if let Some(i) = used.iter().position(|u| !u) {
        let e = &edits[i];
        return Err(vec![unsupported(
            "a 2019 form here overlaps another one and cannot be rewritten",
            e.start,
            e.end,
        )]);
    }
    Ok(out)
}

fn render_range(
    source: &str,
    edits: &[Edit],
    used: &mut [bool],
    a: u32,
    b: u32,
    out: &mut String,
    depth: usize,
) -> Result<(), CueError> {
    if depth == 0 {
        return Err(unsupported("2019 forms nested too deeply to rewrite", a, b));
    }
    let mut cursor = a;
    let first = edits.partition_point(|e| e.start < a);
    for i in first..edits.len() {
        let e = &edits[i];
        if e.start >= b {
            break;
        }
        if used[i] || e.start < cursor || e.end > b {
            continue;
        }
        used[i] = true;
        out.push_str(source.get(cursor as usize..e.start as usize).unwrap_or(""));
        for p in &e.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Owned(t) => out.push_str(t),
                Piece::Source(x, y) => {
                    render_range(source, edits, used, *x, *y, out, depth - 1)?;
                }
            }
        }
        cursor = e.end;
    }
    out.push_str(source.get(cursor as usize..b as usize).unwrap_or(""));
    Ok(())
}
