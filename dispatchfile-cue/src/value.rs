//! Scalars, kinds and leaf constraints shared by the evaluator and the builtins.

use crate::ast::UnOp;
use crate::error::{ErrorKind, Span};
use crate::num::Num;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::rc::Rc;

pub(crate) const NULL: u16 = 1;
pub(crate) const BOOL: u16 = 2;
pub(crate) const INT: u16 = 4;
pub(crate) const FLOAT: u16 = 8;
pub(crate) const STRING: u16 = 16;
pub(crate) const BYTES: u16 = 32;
pub(crate) const STRUCT: u16 = 64;
pub(crate) const LIST: u16 = 128;
pub(crate) const NUMBER: u16 = INT | FLOAT;
pub(crate) const TOP: u16 = 255;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Num(Num),
    /// Shared: references, unification and exports copy the pointer, not the text.
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
}

impl Scalar {
    pub(crate) fn kind(&self) -> u16 {
        match self {
            Scalar::Null => NULL,
            Scalar::Bool(_) => BOOL,
            Scalar::Num(n) => {
                if n.int {
                    INT
                } else {
                    FLOAT
                }
            }
            Scalar::Str(_) => STRING,
            Scalar::Bytes(_) => BYTES,
        }
    }

    /// Equality as CUE unification sees it (numbers by value).
    pub(crate) fn same(&self, o: &Scalar) -> bool {
        match (self, o) {
            (Scalar::Num(a), Scalar::Num(b)) => a.int == b.int && a.value_eq(b),
            _ => self == o,
        }
    }

    /// CUE source-like text, used in messages: long strings are cut and huge numbers
    /// approximated (see [`Scalar::key`] for the exact text).
    pub(crate) fn display(&self) -> String {
        self.render(false)
    }

    /// The exact text: different values have different keys. Costs time in proportion to
    /// the value's length (quadratic in a number's, see `num::text_cost`).
    pub(crate) fn key(&self) -> String {
        self.render(true)
    }

    fn render(&self, exact: bool) -> String {
        match self {
            Scalar::Null => "null".into(),
            Scalar::Bool(b) => b.to_string(),
            Scalar::Num(n) if !exact && n.coef.bits() > SHOWN_BITS => n.approx_text(),
            Scalar::Num(n) => n.text(),
            Scalar::Str(s) if exact => quote(s),
            Scalar::Str(s) => {
                let (text, more) = shortened(s);
                quote(text) + more
            }
            Scalar::Bytes(b) => {
                let shown = if exact { b.len() } else { SHOWN_BYTES };
                let more = if b.len() > shown { "…" } else { "" };
                let text = String::from_utf8_lossy(&b[..b.len().min(shown)]);
                format!("'{text}'{more}")
            }
        }
    }

    pub(crate) fn compare(&self, o: &Scalar) -> Option<Ordering> {
        match (self, o) {
            (Scalar::Num(a), Scalar::Num(b)) => Some(a.cmp(b)),
            (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
            (Scalar::Bytes(a), Scalar::Bytes(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// Values longer than this are cut in messages: an error about a long string, repeated at
/// every place that string is used, would otherwise take the string's size each time.
const SHOWN_BYTES: usize = 256;

/// Numbers larger than this (in bits, about 1,200 digits) are approximated in messages: their
/// exact decimal text takes time quadratic in their length.
const SHOWN_BITS: u64 = 4096;

/// `s`, cut to at most `SHOWN_BYTES` at a character boundary, and `"…"` when it was cut.
fn shortened(s: &str) -> (&str, &'static str) {
    if s.len() <= SHOWN_BYTES {
        return (s, "");
    }
    let mut end = SHOWN_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], "…")
}

pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(crate) fn kind_name(k: u16) -> String {
    let names = [
        (NULL, "null"),
        (BOOL, "bool"),
        (INT, "int"),
        (FLOAT, "float"),
        (STRING, "string"),
        (BYTES, "bytes"),
        (STRUCT, "struct"),
        (LIST, "list"),
    ];
    if k == TOP {
        return "_".into();
    }
    if k == NUMBER {
        return "number".into();
    }
    let mut parts = Vec::new();
    let mut k = k;
    if k & NUMBER == NUMBER {
        parts.push("number".to_owned());
        k &= !NUMBER;
    }
    for (bit, n) in names {
        if k & bit != 0 {
            parts.push(n.to_owned());
        }
    }
    if parts.is_empty() {
        "_|_".into()
    } else {
        parts.join("|")
    }
}

pub(crate) fn op_text(op: UnOp) -> &'static str {
    match op {
        UnOp::Lt => "<",
        UnOp::Le => "<=",
        UnOp::Gt => ">",
        UnOp::Ge => ">=",
        UnOp::Ne => "!=",
        UnOp::Match => "=~",
        UnOp::NotMatch => "!~",
        UnOp::Neg => "-",
        UnOp::Pos => "+",
        UnOp::Not => "!",
        UnOp::Default => "*",
    }
}

/// A bottom value: an error carried as a value during evaluation.
#[derive(Clone, Debug)]
pub(crate) struct Bot {
    pub(crate) kind: ErrorKind,
    pub(crate) msg: String,
    pub(crate) spans: Vec<Span>,
}

impl Bot {
    pub(crate) fn eval(msg: impl Into<String>, spans: Vec<Span>) -> Box<Bot> {
        Box::new(Bot {
            kind: ErrorKind::Evaluation,
            msg: msg.into(),
            spans,
        })
    }

    pub(crate) fn incomplete(msg: impl Into<String>, spans: Vec<Span>) -> Box<Bot> {
        Box::new(Bot {
            kind: ErrorKind::Incomplete,
            msg: msg.into(),
            spans,
        })
    }

    pub(crate) fn is_incomplete(&self) -> bool {
        self.kind == ErrorKind::Incomplete
    }
}

/// A bound or validator: `<5`, `!="x"`, `=~"^a"`.
#[derive(Clone, Debug)]
pub(crate) struct Cons {
    pub(crate) op: UnOp,
    pub(crate) val: Scalar,
    pub(crate) span: Span,
}

impl Cons {
    pub(crate) fn display(&self) -> String {
        format!("{}{}", op_text(self.op), self.val.display())
    }

    fn key(&self) -> String {
        format!("{}{}", op_text(self.op), self.val.key())
    }
}

/// The non-structural part of a value: allowed kinds, a concrete scalar, constraints.
#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    pub(crate) kinds: u16,
    pub(crate) val: Option<(Scalar, Span)>,
    pub(crate) cons: Vec<Cons>,
    /// Where the kind was first restricted, for messages.
    pub(crate) kind_span: Option<Span>,
}

impl Default for Leaf {
    fn default() -> Self {
        Leaf {
            kinds: TOP,
            val: None,
            cons: Vec::new(),
            kind_span: None,
        }
    }
}

impl Leaf {
    pub(crate) fn kind(k: u16, span: Span) -> Leaf {
        Leaf {
            kinds: k,
            val: None,
            cons: Vec::new(),
            kind_span: Some(span),
        }
    }

    pub(crate) fn display(&self) -> String {
        self.render(false)
    }

    /// The exact text (see [`Scalar::key`]).
    pub(crate) fn key(&self) -> String {
        self.render(true)
    }

    /// The scalars the text of [`Leaf::key`] is made of.
    pub(crate) fn scalars(&self) -> impl Iterator<Item = &Scalar> {
        self.val
            .iter()
            .map(|v| &v.0)
            .chain(self.cons.iter().map(|c| &c.val))
    }

    fn render(&self, exact: bool) -> String {
        if let Some((v, _)) = &self.val {
            return v.render(exact);
        }
        let mut parts = Vec::new();
        if self.kinds != TOP || self.cons.is_empty() {
            parts.push(kind_name(self.kinds));
        }
        for c in &self.cons {
            parts.push(if exact { c.key() } else { c.display() });
        }
        parts.join(" & ")
    }
}

/// Checks a concrete scalar against a constraint; `Err` carries the failure message.
pub(crate) fn check_cons(
    v: &Scalar,
    c: &Cons,
    is_match: &mut dyn FnMut(&str, &str) -> Result<bool, String>,
) -> Result<(), String> {
    let ok = match c.op {
        UnOp::Ne => !v.same(&c.val) && *v != c.val,
        UnOp::Lt | UnOp::Le | UnOp::Gt | UnOp::Ge => match v.compare(&c.val) {
            Some(o) => match c.op {
                UnOp::Lt => o == Ordering::Less,
                UnOp::Le => o != Ordering::Greater,
                UnOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            },
            None => {
                return Err(format!(
                    "invalid value {} (mismatched types for bound {})",
                    v.display(),
                    c.display()
                ));
            }
        },
        UnOp::Match | UnOp::NotMatch => {
            let (Scalar::Str(s), Scalar::Str(p)) = (v, &c.val) else {
                return Err(format!(
                    "invalid value {} (mismatched types for {})",
                    v.display(),
                    c.display()
                ));
            };
            is_match(p, s)? == (c.op == UnOp::Match)
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid value {} (out of bound {})",
            v.display(),
            c.display()
        ))
    }
}

/// The kinds a bound applies to.
pub(crate) fn bound_kinds(op: UnOp, v: &Scalar) -> u16 {
    match op {
        UnOp::Match | UnOp::NotMatch => STRING | BYTES,
        UnOp::Ne => TOP,
        _ => match v {
            Scalar::Num(_) => NUMBER,
            Scalar::Str(_) => STRING,
            Scalar::Bytes(_) => BYTES,
            _ => TOP,
        },
    }
}
