//! Operators on concrete values and the builtin functions (`len`, `strings`, `list`, `math`, ...).

use crate::ast::{BinOp, ExprId, LabelKind, Pkg};
use crate::error::Span;
use crate::eval::{Builtin, Concrete, EnvId, Eval, R, VId, Val};
use crate::num::Num;
use crate::value::{Bot, Scalar};
use num_bigint::BigInt;
use std::cmp::Ordering;

mod encoding;
mod regexp;

use encoding::{json_fn, yaml_fn};
use regexp::regexp_fn;

fn err(msg: impl Into<String>, span: Span) -> Val {
    Val::Err(Bot::eval(msg, vec![span]))
}

fn kind_word(c: &Concrete) -> &'static str {
    match c {
        Concrete::Scalar(Scalar::Null) => "null",
        Concrete::Scalar(Scalar::Bool(_)) => "bool",
        Concrete::Scalar(Scalar::Num(n)) => {
            if n.int {
                "int"
            } else {
                "float"
            }
        }
        Concrete::Scalar(Scalar::Str(_)) => "string",
        Concrete::Scalar(Scalar::Bytes(_)) => "bytes",
        Concrete::Struct(_) => "struct",
        Concrete::List(_) => "list",
    }
}

fn op_word(op: BinOp) -> &'static str {
    match op {
        BinOp::And => "&",
        BinOp::Or => "|",
        BinOp::AndAnd => "&&",
        BinOp::OrOr => "||",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::Match => "=~",
        BinOp::NotMatch => "!~",
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::IntDiv => "div",
        BinOp::IntMod => "mod",
        BinOp::IntQuo => "quo",
        BinOp::IntRem => "rem",
    }
}

fn num_result(r: Result<Num, String>, span: Span) -> Val {
    match r {
        Ok(n) => Val::Scalar(Scalar::Num(n), span),
        Err(m) => err(m, span),
    }
}

pub(crate) fn binop(
    ev: &mut Eval<'_>,
    op: BinOp,
    a: &Concrete,
    b: &Concrete,
    span: Span,
) -> R<Val> {
    use Concrete::{List, Scalar as S};
    let mismatch = |a: &Concrete, b: &Concrete| -> Val {
        err(
            format!(
                "invalid operation {} {} {} (mismatched types {} and {})",
                describe(a),
                op_word(op),
                describe(b),
                kind_word(a),
                kind_word(b)
            ),
            span,
        )
    };
    ev.charge(operands_cost(op, a, b))?;
    Ok(match op {
        BinOp::Eq | BinOp::Ne => {
            let eq = match (a, b) {
                (S(Scalar::Num(x)), S(Scalar::Num(y))) => x.value_eq(y),
                (S(Scalar::Null), S(_)) | (S(_), S(Scalar::Null)) => a_eq(a, b),
                (S(x), S(y)) if x.kind() == y.kind() => x == y,
                (List(x), List(y)) => list_eq(ev, *x, *y, span)?,
                _ => return Ok(mismatch(a, b)),
            };
            Val::Scalar(Scalar::Bool(eq == (op == BinOp::Eq)), span)
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let (S(x), S(y)) = (a, b) else {
                return Ok(mismatch(a, b));
            };
            let Some(o) = x.compare(y) else {
                return Ok(mismatch(a, b));
            };
            let r = match op {
                BinOp::Lt => o == Ordering::Less,
                BinOp::Le => o != Ordering::Greater,
                BinOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            };
            Val::Scalar(Scalar::Bool(r), span)
        }
        BinOp::Match | BinOp::NotMatch => {
            let (S(Scalar::Str(x)), S(Scalar::Str(p))) = (a, b) else {
                return Ok(mismatch(a, b));
            };
            match ev.regex_match(p, x)? {
                Ok(m) => Val::Scalar(Scalar::Bool(m == (op == BinOp::Match)), span),
                Err(m) => err(m, span),
            }
        }
        BinOp::Add => match (a, b) {
            (S(Scalar::Num(x)), S(Scalar::Num(y))) => num_result(x.add(y), span),
            (S(Scalar::Str(x)), S(Scalar::Str(y))) => {
                ev.spend_text(x.len() + y.len(), span)?;
                ev.charge_bytes(x.len() + y.len())?;
                Val::Scalar(Scalar::Str(format!("{x}{y}").into()), span)
            }
            (S(Scalar::Bytes(x)), S(Scalar::Bytes(y))) => {
                ev.spend_text(x.len() + y.len(), span)?;
                ev.charge_bytes(x.len() + y.len())?;
                Val::Scalar(Scalar::Bytes([&x[..], &y[..]].concat().into()), span)
            }
            (List(x), List(y)) => {
                let mut items: Vec<Val> = ev.v(*x).elems.iter().map(|&e| Val::V(e)).collect();
                items.extend(ev.v(*y).elems.iter().map(|&e| Val::V(e)));
                Val::V(ev.synthetic_list(items, span))
            }
            _ => mismatch(a, b),
        },
        BinOp::Sub => match (a, b) {
            (S(Scalar::Num(x)), S(Scalar::Num(y))) => num_result(x.sub(y), span),
            _ => mismatch(a, b),
        },
        BinOp::Mul => match (a, b) {
            (S(Scalar::Num(x)), S(Scalar::Num(y))) => num_result(x.mul(y), span),
            (S(Scalar::Str(s)), S(Scalar::Num(n))) | (S(Scalar::Num(n)), S(Scalar::Str(s)))
                if n.int =>
            {
                match repeat_count(n, s.len()) {
                    Ok(k) => {
                        ev.spend_text(s.len() * k, span)?;
                        ev.charge_bytes(s.len() * k)?;
                        Val::Scalar(Scalar::Str(s.repeat(k).into()), span)
                    }
                    Err(m) => err(m, span),
                }
            }
            (List(l), S(Scalar::Num(n))) | (S(Scalar::Num(n)), List(l)) if n.int => {
                let elems = ev.v(*l).elems.clone();
                match repeat_count(n, elems.len()) {
                    Ok(k) => {
                        let mut items = Vec::new();
                        for _ in 0..k {
                            ev.step()?;
                            items.extend(elems.iter().map(|&e| Val::V(e)));
                        }
                        Val::V(ev.synthetic_list(items, span))
                    }
                    Err(m) => err(m, span),
                }
            }
            _ => mismatch(a, b),
        },
        BinOp::Div => match (a, b) {
            (S(Scalar::Num(x)), S(Scalar::Num(y))) => num_result(x.quo(y), span),
            _ => mismatch(a, b),
        },
        BinOp::IntDiv | BinOp::IntMod | BinOp::IntQuo | BinOp::IntRem => match (a, b) {
            (S(Scalar::Num(x)), S(Scalar::Num(y))) => num_result(x.int_op(y, op_word(op)), span),
            _ => mismatch(a, b),
        },
        BinOp::And | BinOp::Or | BinOp::AndAnd | BinOp::OrOr => {
            err("internal: unexpected operator", span)
        }
    })
}

/// Steps for the work of `a op b` beyond one step: arithmetic and comparison of big numbers,
/// comparison of long strings (see `num::cost`; the text an operator makes is charged where it
/// is made).
fn operands_cost(op: BinOp, a: &Concrete, b: &Concrete) -> u64 {
    use Concrete::Scalar as S;
    match (a, b) {
        (S(Scalar::Num(x)), S(Scalar::Num(y))) => match op {
            BinOp::Mul
            | BinOp::Div
            | BinOp::IntDiv
            | BinOp::IntMod
            | BinOp::IntQuo
            | BinOp::IntRem => crate::num::mul_cost(x, y),
            _ => crate::num::cost(x, y),
        },
        (S(Scalar::Str(x)), S(Scalar::Str(y))) if op != BinOp::Add => {
            (x.len().min(y.len()) / crate::eval::BYTES_PER_STEP) as u64
        }
        (S(Scalar::Bytes(x)), S(Scalar::Bytes(y))) if op != BinOp::Add => {
            (x.len().min(y.len()) / crate::eval::BYTES_PER_STEP) as u64
        }
        _ => 0,
    }
}

fn a_eq(a: &Concrete, b: &Concrete) -> bool {
    matches!(
        (a, b),
        (
            Concrete::Scalar(Scalar::Null),
            Concrete::Scalar(Scalar::Null)
        )
    )
}

fn list_eq(ev: &mut Eval<'_>, x: VId, y: VId, span: Span) -> R<bool> {
    let xs = ev.v(x).elems.clone();
    let ys = ev.v(y).elems.clone();
    if xs.len() != ys.len() {
        return Ok(false);
    }
    for (a, b) in xs.into_iter().zip(ys) {
        ev.step()?;
        let ca = ev.concrete(Val::V(a), span)?;
        let cb = ev.concrete(Val::V(b), span)?;
        match (ca, cb) {
            (Ok(Concrete::Scalar(p)), Ok(Concrete::Scalar(q))) => {
                let (cp, cq) = (Concrete::Scalar(p), Concrete::Scalar(q));
                ev.charge(operands_cost(BinOp::Eq, &cp, &cq))?;
                let (Concrete::Scalar(p), Concrete::Scalar(q)) = (cp, cq) else {
                    return Ok(false);
                };
                let same = match (&p, &q) {
                    (Scalar::Num(m), Scalar::Num(n)) => m.value_eq(n),
                    _ => p == q,
                };
                if !same {
                    return Ok(false);
                }
            }
            (Ok(Concrete::List(p)), Ok(Concrete::List(q))) => {
                ev.enter(Some(span))?;
                let r = list_eq(ev, p, q, span);
                ev.leave();
                if !r? {
                    return Ok(false);
                }
            }
            _ => return Ok(false),
        }
    }
    Ok(true)
}

fn repeat_count(n: &Num, unit: usize) -> Result<usize, String> {
    let k = n.to_i64().ok_or("repeat count too large")?;
    if k < 0 {
        return Err("negative repeat count".into());
    }
    let k = k as usize;
    if k.saturating_mul(unit.max(1)) > 1 << 24 {
        return Err("result too large".into());
    }
    Ok(k)
}

fn describe(c: &Concrete) -> String {
    match c {
        Concrete::Scalar(s) => s.display(),
        Concrete::Struct(_) => "{...}".into(),
        Concrete::List(_) => "[...]".into(),
    }
}

fn str_arg(c: &Concrete) -> Option<&str> {
    match c {
        Concrete::Scalar(Scalar::Str(s)) => Some(s),
        _ => None,
    }
}

fn num_arg(c: &Concrete) -> Option<&Num> {
    match c {
        Concrete::Scalar(Scalar::Num(n)) => Some(n),
        _ => None,
    }
}

fn int_arg(c: &Concrete) -> Option<i64> {
    num_arg(c).filter(|n| n.int).and_then(Num::to_i64)
}

fn s(v: impl Into<String>, span: Span) -> Val {
    Val::Scalar(Scalar::Str(v.into().into()), span)
}

/// `x` cut at every `sep` (at every character when `sep` is empty), at most `k` pieces when `k`
/// is not negative, after charging the pieces' text: a long string split into characters
/// makes a string and a list element per byte.
fn split_pieces(ev: &mut Eval<'_>, x: &str, sep: &str, k: i64, span: Span) -> R<Val> {
    let limit = usize::try_from(k).unwrap_or(usize::MAX);
    if limit == 0 {
        return Ok(Val::V(ev.synthetic_list(Vec::new(), span)));
    }
    let count = if sep.is_empty() {
        x.chars().count().min(limit)
    } else {
        x.split(sep).take(limit).count()
    };
    ev.spend_text(x.len() + count * crate::eval::STRING_OVERHEAD, span)?;
    let parts: Vec<Val> = if sep.is_empty() {
        let mut parts: Vec<Val> = Vec::with_capacity(count);
        let mut rest = x;
        while let Some(c) = rest.chars().next() {
            if parts.len() + 1 == limit {
                parts.push(s(rest, span));
                break;
            }
            parts.push(s(c.to_string(), span));
            rest = &rest[c.len_utf8()..];
        }
        parts
    } else if k < 0 {
        x.split(sep).map(|p| s(p, span)).collect()
    } else {
        x.splitn(limit, sep).map(|p| s(p, span)).collect()
    };
    Ok(Val::V(ev.synthetic_list(parts, span)))
}

fn b(v: bool, span: Span) -> Val {
    Val::Scalar(Scalar::Bool(v), span)
}

fn int(v: i64, span: Span) -> Val {
    Val::Scalar(Scalar::Num(Num::from_i64(v)), span)
}

/// Concrete scalar values of a list's elements.
fn scalars(ev: &mut Eval<'_>, l: VId, span: Span) -> R<Result<Vec<Scalar>, Box<Bot>>> {
    let elems = ev.v(l).elems.clone();
    let mut out = Vec::with_capacity(elems.len());
    for e in elems {
        ev.step()?;
        match ev.concrete(Val::V(e), span)? {
            Ok(Concrete::Scalar(x)) => out.push(x),
            Ok(_) => return Ok(Err(Bot::eval("expected a list of scalars", vec![span]))),
            Err(b) => return Ok(Err(b)),
        }
    }
    Ok(Ok(out))
}

impl Eval<'_> {
    pub(crate) fn call(&mut self, f: Builtin, args: &[ExprId], env: EnvId, span: Span) -> R<Val> {
        // `close` takes its argument unevaluated (it closes the conjuncts).
        if f == Builtin::Close {
            return match args {
                [x] => self.close_value(*x, env),
                _ => Ok(err("close: expected 1 argument", span)),
            };
        }
        let mut vals = Vec::with_capacity(args.len());
        for &a in args {
            let v = self.eval(a, env)?;
            // `list.Sort(l, list.Ascending)`: keep builtin markers as they are.
            if let Val::Builtin(bi) = v {
                vals.push(Err(bi));
                continue;
            }
            match self.concrete(v, self.span(a))? {
                Ok(c) => vals.push(Ok(c)),
                Err(b) => return Ok(Val::Err(b)),
            }
        }
        let conc: Vec<Concrete> = vals
            .iter()
            .filter_map(|v| v.as_ref().ok().cloned())
            .collect();
        // Builtins read their text arguments through (at most a few times): charged by their
        // length. The text they make is charged in `eval_call`; lists cost a step per element
        // where they are walked.
        let read: usize = conc
            .iter()
            .map(|c| match c {
                Concrete::Scalar(Scalar::Str(x)) => x.len(),
                Concrete::Scalar(Scalar::Bytes(x)) => x.len(),
                _ => 0,
            })
            .sum();
        self.charge_bytes(read)?;
        let bad = |name: &str| err(format!("invalid arguments to {name}"), span);
        Ok(match f {
            Builtin::Len => match conc.as_slice() {
                [Concrete::Scalar(Scalar::Str(x))] => int(x.len() as i64, span),
                [Concrete::Scalar(Scalar::Bytes(x))] => int(x.len() as i64, span),
                [Concrete::List(l)] => int(self.v(*l).elems.len() as i64, span),
                [Concrete::Struct(st)] => {
                    self.charge_bytes(self.v(*st).arcs.len())?;
                    let n = self
                        .v(*st)
                        .arcs
                        .iter()
                        .filter(|a| a.key.kind == LabelKind::Regular && !a.optional)
                        .count();
                    int(n as i64, span)
                }
                _ => bad("len"),
            },
            Builtin::And | Builtin::Or => match conc.as_slice() {
                [Concrete::List(l)] => return self.and_or(*l, f == Builtin::Or, span),
                _ => bad(if f == Builtin::And { "and" } else { "or" }),
            },
            Builtin::Div | Builtin::Mod | Builtin::Quo | Builtin::Rem => {
                let name = match f {
                    Builtin::Div => "div",
                    Builtin::Mod => "mod",
                    Builtin::Quo => "quo",
                    _ => "rem",
                };
                match conc.as_slice() {
                    [a, c] => match (num_arg(a), num_arg(c)) {
                        (Some(x), Some(y)) => {
                            self.charge(crate::num::mul_cost(x, y))?;
                            num_result(x.int_op(y, name), span)
                        }
                        _ => bad(name),
                    },
                    _ => bad(name),
                }
            }
            Builtin::Close => bad("close"),
            Builtin::Pkg(p, name) => {
                let n = self.name(name).to_owned();
                let markers: Vec<String> = vals
                    .iter()
                    .filter_map(|v| match v {
                        Err(Builtin::Pkg(_, m)) => Some(self.name(*m).to_owned()),
                        _ => None,
                    })
                    .collect();
                match p {
                    Pkg::Strings => strings_fn(&n, &conc, span, self)?,
                    Pkg::List => list_fn(self, &n, &conc, &markers, span)?,
                    Pkg::Math => math_fn(self, &n, &conc, span)?,
                    Pkg::Strconv => strconv_fn(&n, &conc, span),
                    Pkg::Regexp => regexp_fn(self, &n, &conc, span)?,
                    Pkg::Json => json_fn(self, &n, &conc, span)?,
                    Pkg::Yaml => yaml_fn(self, &n, &conc, span)?,
                }
            }
        })
    }
}

fn strings_fn(n: &str, a: &[Concrete], span: Span, ev: &mut Eval<'_>) -> R<Val> {
    let bad = || err(format!("invalid arguments to strings.{n}"), span);
    let s0 = a.first().and_then(str_arg);
    let s1 = a.get(1).and_then(str_arg);
    Ok(match (n, a.len()) {
        ("ToUpper", 1) => s0.map_or_else(bad, |x| s(x.to_uppercase(), span)),
        ("ToLower", 1) => s0.map_or_else(bad, |x| s(x.to_lowercase(), span)),
        ("ToTitle", 1) => s0.map_or_else(bad, |x| s(x.to_uppercase(), span)),
        ("TrimSpace", 1) => s0.map_or_else(bad, |x| s(x.trim(), span)),
        ("HasPrefix", 2) => match (s0, s1) {
            (Some(x), Some(y)) => b(x.starts_with(y), span),
            _ => bad(),
        },
        ("HasSuffix", 2) => match (s0, s1) {
            (Some(x), Some(y)) => b(x.ends_with(y), span),
            _ => bad(),
        },
        ("Contains", 2) => match (s0, s1) {
            (Some(x), Some(y)) => b(x.contains(y), span),
            _ => bad(),
        },
        ("Index", 2) => match (s0, s1) {
            (Some(x), Some(y)) => int(x.find(y).map_or(-1, |i| i as i64), span),
            _ => bad(),
        },
        ("LastIndex", 2) => match (s0, s1) {
            (Some(x), Some(y)) => int(x.rfind(y).map_or(-1, |i| i as i64), span),
            _ => bad(),
        },
        ("Count", 2) => match (s0, s1) {
            (Some(x), Some(y)) => {
                let c = if y.is_empty() {
                    x.chars().count() + 1
                } else {
                    x.matches(y).count()
                };
                int(c as i64, span)
            }
            _ => bad(),
        },
        ("TrimPrefix", 2) => match (s0, s1) {
            (Some(x), Some(y)) => s(x.strip_prefix(y).unwrap_or(x), span),
            _ => bad(),
        },
        ("TrimSuffix", 2) => match (s0, s1) {
            (Some(x), Some(y)) => s(x.strip_suffix(y).unwrap_or(x), span),
            _ => bad(),
        },
        ("Trim", 2) => match (s0, s1) {
            (Some(x), Some(y)) => {
                let cut = cutset(y);
                s(x.trim_matches(|c| cut.binary_search(&c).is_ok()), span)
            }
            _ => bad(),
        },
        ("TrimLeft", 2) => match (s0, s1) {
            (Some(x), Some(y)) => {
                let cut = cutset(y);
                s(
                    x.trim_start_matches(|c| cut.binary_search(&c).is_ok()),
                    span,
                )
            }
            _ => bad(),
        },
        ("TrimRight", 2) => match (s0, s1) {
            (Some(x), Some(y)) => {
                let cut = cutset(y);
                s(x.trim_end_matches(|c| cut.binary_search(&c).is_ok()), span)
            }
            _ => bad(),
        },
        ("Repeat", 2) => match (s0, a.get(1).and_then(num_arg)) {
            (Some(x), Some(k)) => match repeat_count(k, x.len()) {
                Ok(k) => {
                    ev.check_text(x.len() * k, span)?;
                    s(x.repeat(k), span)
                }
                Err(m) => err(m, span),
            },
            _ => bad(),
        },
        ("Replace", 4) => match (
            s0,
            s1,
            a.get(2).and_then(str_arg),
            a.get(3).and_then(int_arg),
        ) {
            (Some(x), Some(old), Some(new), Some(k)) => {
                // Every replacement may add `new`: an empty `old` matches between all characters.
                let limit = usize::try_from(k).unwrap_or(usize::MAX);
                let matches = if old.is_empty() {
                    x.chars().count() + 1
                } else {
                    x.matches(old).count()
                };
                ev.check_text(
                    x.len()
                        .saturating_add(matches.min(limit).saturating_mul(new.len())),
                    span,
                )?;
                if k < 0 {
                    s(x.replace(old, new), span)
                } else {
                    s(x.replacen(old, new, k as usize), span)
                }
            }
            _ => bad(),
        },
        ("Split", 2) => match (s0, s1) {
            (Some(x), Some(sep)) => split_pieces(ev, x, sep, -1, span)?,
            _ => bad(),
        },
        ("SplitN", 3) => match (s0, s1, a.get(2).and_then(int_arg)) {
            (Some(x), Some(sep), Some(k)) => split_pieces(ev, x, sep, k, span)?,
            _ => bad(),
        },
        ("Fields", 1) => match s0 {
            Some(x) => {
                let count = x.split_whitespace().count();
                ev.spend_text(x.len() + count * crate::eval::STRING_OVERHEAD, span)?;
                let parts = x.split_whitespace().map(|p| s(p, span)).collect();
                Val::V(ev.synthetic_list(parts, span))
            }
            None => bad(),
        },
        ("Join", 2) => match (a.first(), s1) {
            (Some(Concrete::List(l)), Some(sep)) => {
                let sep = sep.to_owned();
                match scalars(ev, *l, span)? {
                    Ok(items) => {
                        let mut parts = Vec::new();
                        for it in items {
                            match it {
                                Scalar::Str(x) => parts.push(x),
                                _ => return Ok(bad()),
                            }
                        }
                        let size = parts.iter().map(|p| p.len()).sum::<usize>()
                            + sep.len() * parts.len().saturating_sub(1);
                        ev.check_text(size, span)?;
                        ev.charge_bytes(size)?;
                        s(parts.join(&sep), span)
                    }
                    Err(b) => Val::Err(b),
                }
            }
            _ => bad(),
        },
        _ => err(format!("unsupported builtin strings.{n}"), span),
    })
}

/// The characters of a cutset, sorted for binary search: trimming a long text with a long
/// cutset stays linear-logarithmic.
fn cutset(y: &str) -> Vec<char> {
    let mut cut: Vec<char> = y.chars().collect();
    cut.sort_unstable();
    cut.dedup();
    cut
}

/// Steps for sorting or searching scalars: comparisons of numbers by their size (see
/// `num::cost`), of text by its length; `rounds` comparisons per item (`log2 n` for a sort).
fn compare_cost(items: &[Scalar], rounds: u64) -> u64 {
    let per: u64 = items
        .iter()
        .map(|x| match x {
            Scalar::Num(n) => crate::num::cost(n, n),
            Scalar::Str(t) => (t.len() / crate::eval::BYTES_PER_STEP) as u64,
            Scalar::Bytes(t) => (t.len() / crate::eval::BYTES_PER_STEP) as u64,
            _ => 0,
        })
        .fold(0u64, u64::saturating_add);
    per.saturating_add(items.len() as u64)
        .saturating_mul(rounds)
}

fn sort_scalars(items: &mut [Scalar], desc: bool) -> Result<(), String> {
    let mut ok = true;
    items.sort_by(|x, y| {
        let o = x.compare(y).unwrap_or_else(|| {
            ok = false;
            Ordering::Equal
        });
        if desc { o.reverse() } else { o }
    });
    if ok {
        Ok(())
    } else {
        Err("cannot sort values of different types".into())
    }
}

fn list_fn(ev: &mut Eval<'_>, n: &str, a: &[Concrete], markers: &[String], span: Span) -> R<Val> {
    let bad = || err(format!("invalid arguments to list.{n}"), span);
    let to_vals = |v: Vec<Scalar>| {
        v.into_iter()
            .map(|x| Val::Scalar(x, span))
            .collect::<Vec<_>>()
    };
    Ok(match (n, a.first()) {
        ("Concat", Some(Concrete::List(l))) if a.len() == 1 => {
            let outer = ev.v(*l).elems.clone();
            let mut items = Vec::new();
            for e in outer {
                ev.step()?;
                match ev.concrete(Val::V(e), span)? {
                    Ok(Concrete::List(inner)) => {
                        items.extend(ev.v(inner).elems.iter().map(|&x| Val::V(x)));
                    }
                    Ok(_) => return Ok(bad()),
                    Err(b) => return Ok(Val::Err(b)),
                }
            }
            Val::V(ev.synthetic_list(items, span))
        }
        ("Contains", Some(Concrete::List(l))) if a.len() == 2 => {
            let Some(Concrete::Scalar(want)) = a.get(1) else {
                return Ok(bad());
            };
            match scalars(ev, *l, span)? {
                Ok(items) => b(
                    {
                        ev.charge(compare_cost(&items, 1))?;
                        items.iter()
                    }
                    .any(|x| match (x, want) {
                        (Scalar::Num(p), Scalar::Num(q)) => p.value_eq(q),
                        _ => x == want,
                    }),
                    span,
                ),
                Err(bo) => Val::Err(bo),
            }
        }
        ("FlattenN", Some(Concrete::List(l))) if a.len() == 2 => {
            let Some(depth) = a.get(1).and_then(int_arg) else {
                return Ok(bad());
            };
            let mut items = Vec::new();
            flatten(ev, *l, depth, &mut items, span)?;
            Val::V(ev.synthetic_list(items, span))
        }
        ("Sort" | "SortStable", Some(Concrete::List(l))) => {
            let desc = markers.iter().any(|m| m == "Descending");
            match scalars(ev, *l, span)? {
                Ok(mut items) => match charged_sort(ev, &mut items, desc)? {
                    Ok(()) => Val::V(ev.synthetic_list(to_vals(items), span)),
                    Err(m) => err(m, span),
                },
                Err(bo) => Val::Err(bo),
            }
        }
        ("SortStrings", Some(Concrete::List(l))) => match scalars(ev, *l, span)? {
            Ok(mut items) => match charged_sort(ev, &mut items, false)? {
                Ok(()) => Val::V(ev.synthetic_list(to_vals(items), span)),
                Err(m) => err(m, span),
            },
            Err(bo) => Val::Err(bo),
        },
        ("Range", _) if a.len() == 3 => {
            let (Some(start), Some(limit), Some(step)) =
                (num_arg(&a[0]), num_arg(&a[1]), num_arg(&a[2]))
            else {
                return Ok(bad());
            };
            if step.is_zero() {
                return Ok(err("list.Range: step must be non-zero", span));
            }
            let mut items = Vec::new();
            let mut cur = start.clone();
            let up = !step.is_neg();
            loop {
                let o = cur.cmp(limit);
                if (up && o != Ordering::Less) || (!up && o != Ordering::Greater) {
                    break;
                }
                ev.step()?;
                ev.charge(crate::num::cost(&cur, step).saturating_mul(2))?;
                if items.len() >= 1 << 20 {
                    return Ok(err("list.Range: too many elements", span));
                }
                items.push(Val::Scalar(Scalar::Num(cur.clone()), span));
                cur = match cur.add(step) {
                    Ok(c) => c,
                    Err(m) => return Ok(err(m, span)),
                };
            }
            Val::V(ev.synthetic_list(items, span))
        }
        ("Min" | "Max" | "Sum" | "Product" | "Avg", Some(Concrete::List(l))) if a.len() == 1 => {
            let items = match scalars(ev, *l, span)? {
                Ok(i) => i,
                Err(bo) => return Ok(Val::Err(bo)),
            };
            let mut nums = Vec::new();
            for it in items {
                match it {
                    Scalar::Num(x) => nums.push(x),
                    _ => return Ok(bad()),
                }
            }
            // Sums and extremes cost a step per element and the size of the numbers; a
            // product's numbers grow, so each multiplication is charged as it comes.
            let sizes: u64 = nums
                .iter()
                .map(|x| crate::num::cost(x, x))
                .fold(0, u64::saturating_add);
            ev.charge(sizes.saturating_mul(2))?;
            match n {
                "Sum" => {
                    let mut acc = Num::from_i64(0);
                    for x in &nums {
                        acc = match acc.add(x) {
                            Ok(v) => v,
                            Err(m) => return Ok(err(m, span)),
                        };
                    }
                    Val::Scalar(Scalar::Num(acc), span)
                }
                "Product" => {
                    let mut acc = Num::from_i64(1);
                    for x in &nums {
                        ev.charge(crate::num::mul_cost(&acc, x))?;
                        acc = match acc.mul(x) {
                            Ok(v) => v,
                            Err(m) => return Ok(err(m, span)),
                        };
                    }
                    Val::Scalar(Scalar::Num(acc), span)
                }
                "Avg" => {
                    if nums.is_empty() {
                        return Ok(err("list.Avg: empty list", span));
                    }
                    let mut acc = Num::from_i64(0);
                    for x in &nums {
                        acc = match acc.add(x) {
                            Ok(v) => v,
                            Err(m) => return Ok(err(m, span)),
                        };
                    }
                    num_result(acc.quo(&Num::from_i64(nums.len() as i64)), span)
                }
                _ => {
                    let want = if n == "Min" {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                    let mut best: Option<Num> = None;
                    for x in nums {
                        best = match best {
                            Some(cur) if x.cmp(&cur) != want => Some(cur),
                            _ => Some(x),
                        };
                    }
                    match best {
                        Some(x) => Val::Scalar(Scalar::Num(x), span),
                        None => err(format!("list.{n}: empty list"), span),
                    }
                }
            }
        }
        ("Take" | "Drop", Some(Concrete::List(l))) if a.len() == 2 => {
            let Some(k) = a.get(1).and_then(int_arg).filter(|k| *k >= 0) else {
                return Ok(bad());
            };
            let elems = ev.v(*l).elems.clone();
            let k = (k as usize).min(elems.len());
            let part = if n == "Take" {
                &elems[..k]
            } else {
                &elems[k..]
            };
            let items = part.iter().map(|&x| Val::V(x)).collect();
            Val::V(ev.synthetic_list(items, span))
        }
        _ => err(format!("unsupported builtin list.{n}"), span),
    })
}

/// Sorts scalars after charging the comparisons.
fn charged_sort(ev: &mut Eval<'_>, items: &mut [Scalar], desc: bool) -> R<Result<(), String>> {
    ev.charge(compare_cost(items, sort_rounds(items.len())))?;
    Ok(sort_scalars(items, desc))
}

/// Comparison rounds of a sort of `n` items: `log2 n`.
fn sort_rounds(n: usize) -> u64 {
    u64::from(usize::BITS - n.leading_zeros()).max(1)
}

fn flatten(ev: &mut Eval<'_>, l: VId, depth: i64, out: &mut Vec<Val>, span: Span) -> R<()> {
    let elems = ev.v(l).elems.clone();
    for e in elems {
        ev.step()?;
        if depth != 0
            && let Ok(Concrete::List(inner)) = ev.concrete(Val::V(e), span)?
        {
            ev.enter(Some(span))?;
            let r = flatten(ev, inner, depth - 1, out, span);
            ev.leave();
            r?;
            continue;
        }
        out.push(Val::V(e));
    }
    Ok(())
}

fn math_fn(ev: &mut Eval<'_>, n: &str, a: &[Concrete], span: Span) -> R<Val> {
    let bad = || err(format!("invalid arguments to math.{n}"), span);
    let Some(x) = a.first().and_then(num_arg) else {
        return Ok(bad());
    };
    // Rounding divides by a power of ten as long as the exponent: as costly as formatting.
    ev.charge(crate::num::scale_cost(x))?;
    let as_float = |v: BigInt| {
        Val::Scalar(
            Scalar::Num(Num {
                coef: v,
                exp: 0,
                int: false,
            }),
            span,
        )
    };
    // Integer part (truncated toward zero) and whether there is a fraction.
    let trunc = |x: &Num| -> (BigInt, bool) {
        if x.exp >= 0 {
            (x.to_bigint().unwrap_or_default(), false)
        } else {
            let d = BigInt::from(10u32).pow(x.exp.unsigned_abs());
            let q = &x.coef / &d;
            let r = &x.coef % &d;
            (q, r != BigInt::ZERO)
        }
    };
    Ok(match (n, a.len()) {
        ("Floor", 1) => {
            let (q, frac) = trunc(x);
            as_float(if frac && x.is_neg() { q - 1 } else { q })
        }
        ("Ceil", 1) => {
            let (q, frac) = trunc(x);
            as_float(if frac && !x.is_neg() { q + 1 } else { q })
        }
        ("Trunc", 1) => as_float(trunc(x).0),
        ("Round", 1) => {
            let (q, _) = trunc(x);
            // Half away from zero: compare twice the fraction with one.
            let frac = match x.sub(&Num::int(q.clone())) {
                Ok(f) => f,
                Err(m) => return Ok(err(m, span)),
            };
            let twice = match frac.mul(&Num::from_i64(2)) {
                Ok(f) => f,
                Err(m) => return Ok(err(m, span)),
            };
            let one = Num::from_i64(1);
            let r = if !x.is_neg() && twice.cmp(&one) != Ordering::Less {
                q + 1
            } else if x.is_neg() && twice.neg().cmp(&one) != Ordering::Less {
                q - 1
            } else {
                q
            };
            as_float(r)
        }
        ("Abs", 1) => Val::Scalar(
            Scalar::Num(if x.is_neg() { x.neg() } else { x.clone() }),
            span,
        ),
        ("Pow", 2) => {
            let Some(y) = a.get(1).and_then(num_arg) else {
                return Ok(bad());
            };
            let Some(k) = y.to_i64().filter(|k| (0..=4096).contains(k)) else {
                return Ok(err(
                    "math.Pow: only small non-negative integer exponents are supported",
                    span,
                ));
            };
            let mut acc = Num {
                coef: BigInt::from(1),
                exp: 0,
                int: false,
            };
            for _ in 0..k {
                ev.step()?;
                ev.charge(crate::num::mul_cost(&acc, x))?;
                acc = match acc.mul(x) {
                    Ok(v) => v,
                    Err(m) => return Ok(err(m, span)),
                };
            }
            acc.int = false;
            Val::Scalar(Scalar::Num(acc), span)
        }
        _ => err(format!("unsupported builtin math.{n}"), span),
    })
}

fn strconv_fn(n: &str, a: &[Concrete], span: Span) -> Val {
    let bad = || err(format!("invalid arguments to strconv.{n}"), span);
    match (n, a.first()) {
        ("Atoi", Some(Concrete::Scalar(Scalar::Str(x)))) => match x.trim().parse::<i64>() {
            Ok(v) if x.trim() == &**x => int(v, span),
            _ => err(
                format!(
                    "strconv.Atoi: parsing {}: invalid syntax",
                    Scalar::Str(x.clone()).display()
                ),
                span,
            ),
        },
        ("Itoa", Some(c)) => int_arg(c).map_or_else(bad, |v| s(v.to_string(), span)),
        ("FormatInt", Some(c)) => match (int_arg(c), a.get(1).and_then(int_arg)) {
            (Some(v), Some(base)) if (2..=36).contains(&base) => {
                let neg = v < 0;
                let mut m = v.unsigned_abs();
                let mut digits = Vec::new();
                loop {
                    let d = (m % base as u64) as u32;
                    digits.push(char::from_digit(d, base as u32).unwrap_or('0'));
                    m /= base as u64;
                    if m == 0 {
                        break;
                    }
                }
                if neg {
                    digits.push('-');
                }
                s(digits.into_iter().rev().collect::<String>(), span)
            }
            _ => bad(),
        },
        ("Quote", Some(Concrete::Scalar(Scalar::Str(x)))) => s(crate::value::quote(x), span),
        ("ParseBool", Some(Concrete::Scalar(Scalar::Str(x)))) => match &**x {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => b(true, span),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => b(false, span),
            _ => err(
                format!(
                    "strconv.ParseBool: parsing {}: invalid syntax",
                    Scalar::Str(x.clone()).display()
                ),
                span,
            ),
        },
        ("FormatBool", Some(Concrete::Scalar(Scalar::Bool(x)))) => s(x.to_string(), span),
        _ => err(format!("unsupported builtin strconv.{n}"), span),
    }
}
