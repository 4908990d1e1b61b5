//! Export rules of `cue export`: concrete values only, hidden fields, definitions and
//! optional fields omitted, defaults resolved; plus JSON text.

use crate::ast::LabelKind;
use crate::error::{CueError, ErrorKind, Span};
use crate::eval::{Eval, Fatal, R, VId};
use crate::value::{Bot, STRUCT, Scalar};
use crate::{Exported, Field, Value};
use std::fmt::Write as _;

/// Most errors reported for one evaluation.
const MAX_ERRORS: usize = 64;

struct Ctx {
    path: Vec<String>,
    errs: Vec<CueError>,
    nodes: usize,
    /// Bytes of text (keys, strings, numbers) exported so far (`Options::max_bytes`).
    bytes: usize,
}

impl Ctx {
    /// Charges `n` bytes of exported text: a long string referenced many times is copied
    /// every time.
    fn spend(&mut self, n: usize, ev: &Eval<'_>, span: Option<Span>) -> R<()> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > ev.opts.max_bytes {
            return Err(Fatal {
                err: CueError::limit("max_bytes", ev.opts.max_bytes, span),
                depth: false,
            });
        }
        Ok(())
    }
}

fn is_ident(s: &str) -> bool {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) if c.is_alphabetic() || c == '_' || c == '$' || c == '#' => {}
        _ => return false,
    }
    cs.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

fn path_seg(name: &str) -> String {
    if is_ident(name) {
        name.to_owned()
    } else {
        crate::value::quote(name)
    }
}

impl Ctx {
    fn push_err(&mut self, b: &Bot) {
        if self.errs.len() >= MAX_ERRORS {
            return;
        }
        let e =
            CueError::new(b.kind, b.msg.clone(), b.spans.clone()).with_path(&self.path.join("."));
        if !self.errs.contains(&e) {
            self.errs.push(e);
        }
    }
}

pub(crate) fn export_root(
    ev: &mut Eval<'_>,
    root: VId,
    whole: Span,
) -> Result<Exported, Vec<CueError>> {
    let mut cx = Ctx {
        path: Vec::new(),
        errs: Vec::new(),
        nodes: 0,
        bytes: 0,
    };
    match export(ev, root, &mut cx) {
        Err(f) => Err(vec![fatal(f, &cx)]),
        Ok(v) => {
            if !cx.errs.is_empty() {
                let mut errs = cx.errs;
                errs.sort_by_key(|e| e.spans().first().map_or(u32::MAX, |s| s.start));
                return Err(errs);
            }
            match v {
                Some(mut x) => {
                    x.span = whole;
                    Ok(x)
                }
                None => Err(vec![CueError::new(
                    ErrorKind::Incomplete,
                    "incomplete value",
                    vec![whole],
                )]),
            }
        }
    }
}

fn fatal(f: Fatal, cx: &Ctx) -> CueError {
    f.err.with_path(&cx.path.join("."))
}

fn export(ev: &mut Eval<'_>, v: VId, cx: &mut Ctx) -> R<Option<Exported>> {
    ev.expand(v)?;
    // A step per node: `json.Marshal` exports a value each time it is called.
    ev.set_at(ev.v(v).value_span);
    ev.step()?;
    cx.nodes += 1;
    if cx.nodes > ev.opts.max_nodes {
        return Err(Fatal {
            err: CueError::limit("max_nodes", ev.opts.max_nodes, ev.v(v).value_span),
            depth: false,
        });
    }
    let span = ev.v(v).value_span.unwrap_or_default();
    if let Some(e) = ev.v(v).err.clone() {
        cx.push_err(&e);
        return Ok(None);
    }
    if ev.v(v).disj.as_ref().is_some_and(|d| !d.has_default) {
        let n = ev.v(v).disj.as_ref().map_or(0, |d| d.count);
        cx.push_err(&Bot {
            kind: ErrorKind::Incomplete,
            msg: format!("incomplete value: unresolved disjunction of {n} values"),
            spans: vec![span],
        });
        return Ok(None);
    }
    if let Some((s, _)) = ev.v(v).leaf.val.clone() {
        match &s {
            Scalar::Num(n) => ev.charge(crate::num::text_cost(n))?,
            Scalar::Str(t) => ev.charge_bytes(t.len())?,
            Scalar::Bytes(t) => ev.charge_bytes(t.len())?,
            _ => {}
        }
        let value = scalar_value(&s);
        if let Value::Number(text) | Value::String(text) = &value {
            cx.spend(text.len(), ev, Some(span))?;
        }
        return Ok(Some(Exported { value, span }));
    }
    ev.enter(Some(span))?;
    let r = export_composite(ev, v, cx, span);
    ev.leave();
    r
}

fn export_composite(ev: &mut Eval<'_>, v: VId, cx: &mut Ctx, span: Span) -> R<Option<Exported>> {
    let vx = ev.v(v);
    if vx.is_list {
        let elems = vx.elems.clone();
        let mut out = Vec::with_capacity(elems.len());
        let mut ok = true;
        for (i, e) in elems.into_iter().enumerate() {
            cx.path.push(i.to_string());
            let r = export(ev, e, cx);
            cx.path.pop();
            match r? {
                Some(x) => out.push(x),
                None => ok = false,
            }
        }
        return Ok(ok.then_some(Exported {
            value: Value::List(out),
            span,
        }));
    }
    if (vx.saw_struct || !vx.arcs.is_empty()) && vx.leaf.kinds & STRUCT != 0 {
        let arcs = vx.arcs.clone();
        let mut out = Vec::new();
        let mut ok = true;
        for a in arcs {
            cx.spend(ev.name(a.key.sym).len(), ev, Some(span))?;
            let name = ev.name(a.key.sym).to_owned();
            cx.path.push(path_seg(&name));
            let r = if a.optional {
                Ok(None)
            } else if a.key.kind == LabelKind::Regular {
                export(ev, a.v, cx).map(|x| x.map(|x| (x, true)))
            } else {
                check(ev, a.v, cx).map(|()| None)
            };
            cx.path.pop();
            match r? {
                Some((x, _)) => out.push(Field {
                    name,
                    name_span: a.span,
                    value: x,
                }),
                None => {
                    if a.key.kind == LabelKind::Regular && !a.optional {
                        ok = false;
                    }
                }
            }
        }
        return Ok(ok.then_some(Exported {
            value: Value::Struct(out),
            span,
        }));
    }
    let l = ev.v(v).leaf.display();
    cx.push_err(&Bot {
        kind: ErrorKind::Incomplete,
        msg: format!("incomplete value {l}"),
        spans: vec![span],
    });
    Ok(None)
}

/// Evaluates a hidden field or definition for errors (not for concreteness).
fn check(ev: &mut Eval<'_>, v: VId, cx: &mut Ctx) -> R<()> {
    ev.expand(v)?;
    ev.step()?;
    if let Some(e) = ev.v(v).err.clone() {
        if !e.is_incomplete() {
            cx.push_err(&e);
        }
        return Ok(());
    }
    let vx = ev.v(v);
    let kids: Vec<(String, VId)> = vx
        .arcs
        .iter()
        .filter(|a| !a.optional)
        .map(|a| (path_seg(ev.name(a.key.sym)), a.v))
        .chain(
            vx.elems
                .iter()
                .enumerate()
                .map(|(i, &e)| (i.to_string(), e)),
        )
        .collect();
    if kids.is_empty() {
        return Ok(());
    }
    match ev.enter(None) {
        Ok(()) => {}
        // Deep schemas (recursive definitions) are not errors by themselves.
        Err(f) if f.depth => return Ok(()),
        Err(f) => return Err(f),
    }
    for (seg, k) in kids {
        cx.path.push(seg);
        let r = check(ev, k, cx);
        cx.path.pop();
        if let Err(f) = r {
            ev.leave();
            if f.depth {
                return Ok(());
            }
            return Err(f);
        }
    }
    ev.leave();
    Ok(())
}

pub(crate) fn scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Num(n) => Value::Number(n.text()),
        Scalar::Str(s) => Value::String(s.to_string()),
        Scalar::Bytes(b) => Value::String(base64(b)),
    }
}

/// Standard base64 with padding, as JSON carries CUE bytes.
fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk.len();
        let x = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(char::from(T[((x >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn scalar_json(s: &Scalar) -> String {
    let mut out = String::new();
    write_json(
        &Exported {
            value: scalar_value(s),
            span: Span::default(),
        }
        .value,
        &mut out,
        None,
        0,
    );
    out
}

/// Compact JSON of a concrete value, for `json.Marshal`.
pub(crate) fn compact_json(ev: &mut Eval<'_>, v: VId) -> R<Result<String, Box<Bot>>> {
    Ok(export_value(ev, v)?.map(|x| {
        let mut out = String::new();
        if let Some(x) = x {
            write_json(&x, &mut out, None, 0);
        }
        out
    }))
}

/// The exported value of `v` (as `cue export` would give it), for the encoders; its first
/// error otherwise.
pub(crate) fn export_value(ev: &mut Eval<'_>, v: VId) -> R<Result<Option<Value>, Box<Bot>>> {
    let mut cx = Ctx {
        path: Vec::new(),
        errs: Vec::new(),
        nodes: 0,
        bytes: 0,
    };
    let r = export(ev, v, &mut cx)?;
    if let Some(e) = cx.errs.first() {
        return Ok(Err(Box::new(Bot {
            kind: e.kind(),
            msg: e.message().to_owned(),
            spans: e.spans().to_vec(),
        })));
    }
    Ok(Ok(r.map(|x| x.value)))
}

fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn newline(out: &mut String, indent: Option<usize>, level: usize) {
    if let Some(n) = indent {
        out.push('\n');
        for _ in 0..n * level {
            out.push(' ');
        }
    }
}

/// Writes JSON: `indent` `None` for compact, `Some(n)` for pretty with `n` spaces. A loop
/// with a stack of open lists and structs, not recursion: a [`Value`] built by a caller may be
/// nested deeper than evaluation allows.
pub(crate) fn write_json(v: &Value, out: &mut String, indent: Option<usize>, level: usize) {
    /// An open list or struct: its remaining members, its level, whether one was written.
    enum Open<'a> {
        List(std::slice::Iter<'a, Exported>, usize, bool),
        Struct(std::slice::Iter<'a, Field>, usize, bool),
    }
    let mut stack: Vec<Open<'_>> = Vec::new();
    let mut next = Some((v, level));
    loop {
        if let Some((v, level)) = next.take() {
            match v {
                Value::Null => out.push_str("null"),
                Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                Value::Number(n) => out.push_str(n),
                Value::String(s) => write_str(s, out),
                Value::List(items) if items.is_empty() => out.push_str("[]"),
                Value::Struct(fields) if fields.is_empty() => out.push_str("{}"),
                Value::List(items) => {
                    out.push('[');
                    stack.push(Open::List(items.iter(), level, false));
                }
                Value::Struct(fields) => {
                    out.push('{');
                    stack.push(Open::Struct(fields.iter(), level, false));
                }
            }
        }
        // The next member of the innermost open list or struct, or its end.
        let Some(top) = stack.last_mut() else {
            return;
        };
        let (member, level, wrote, close) = match top {
            Open::List(items, level, wrote) => {
                (items.next().map(|it| (None, &it.value)), *level, wrote, ']')
            }
            Open::Struct(fields, level, wrote) => (
                fields.next().map(|f| (Some(&f.name), &f.value.value)),
                *level,
                wrote,
                '}',
            ),
        };
        let Some((name, value)) = member else {
            newline(out, indent, level);
            out.push(close);
            stack.pop();
            continue;
        };
        if *wrote {
            out.push(',');
        }
        *wrote = true;
        newline(out, indent, level + 1);
        if let Some(name) = name {
            write_str(name, out);
            out.push(':');
            if indent.is_some() {
                out.push(' ');
            }
        }
        next = Some((value, level + 1));
    }
}
