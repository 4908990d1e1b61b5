//! The two CEL environments of PaC on cel-rust.
//!
//! - The matcher's (`pkg/matcher/cel.go`): standard CEL, the PaC variables, `pathChanged`; no
//!   extension library.
//! - The placeholders' (`pkg/cel/cel.go`): standard CEL, `body`/`headers`/`pac`/`files` and the
//!   direct variables, with `ext.Strings()` and `ext.Lists()`.
//!
//! cel-go type-checks before it evaluates: an undeclared variable or function is an error even
//! where evaluation would not reach it. cel-rust only fails when it evaluates one, so the free
//! identifiers and function names are checked against the environment first. cel-go's `matches`
//! is RE2: calls to `matches` are rewritten to an RE2 implementation (the `re2` module) before
//! compiling. Optional syntax (`a.?b`) is off, as in cel-go without `OptionalTypes`.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use cel::common::types::{BOOL_TYPE, CelBool, CelString, STRING_TYPE};
use cel::common::value::CowVal;
use cel::objects::Key;
use cel::{Context, Env, ExecutionError, Program, Value};

use crate::glob::Glob;
use crate::re2::Re2;

const RE2_MATCHES: &str = "__pacsim_re2_matches";

/// Which environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Which {
    /// `on-cel-expression`.
    Matcher,
    /// `{{ cel: … }}` and `{{ body… }}` placeholders.
    Placeholder,
}

/// Word-named functions of standard cel-go (operators are not words).
const STANDARD_FUNCTIONS: [&str; 22] = [
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "duration",
    "timestamp",
    "getFullYear",
    "getMonth",
    "getDate",
    "getDayOfMonth",
    "getDayOfWeek",
    "getDayOfYear",
    "getHours",
];
const MORE_STANDARD_FUNCTIONS: [&str; 3] = ["getMinutes", "getSeconds", "getMilliseconds"];
/// `ext.Strings()` and `ext.Lists()` (placeholders only).
const EXT_FUNCTIONS: [&str; 22] = [
    "charAt",
    "indexOf",
    "lastIndexOf",
    "join",
    "lowerAscii",
    "upperAscii",
    "trim",
    "replace",
    "split",
    "substring",
    "format",
    "strings.quote",
    "reverse",
    "slice",
    "flatten",
    "distinct",
    "sort",
    "sortBy",
    "lists.range",
    "first",
    "last",
    "quote",
];
/// Type names usable as identifiers.
const TYPE_IDENTS: [&str; 11] = [
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "dyn",
];

/// The matcher's variables.
pub(crate) const MATCHER_VARS: [&str; 10] = [
    "event",
    "event_type",
    "headers",
    "body",
    "event_title",
    "target_branch",
    "source_branch",
    "target_url",
    "source_url",
    "files",
];

/// The placeholder environment's variables.
pub(crate) const PLACEHOLDER_VARS: [&str; 22] = [
    "body",
    "headers",
    "pac",
    "files",
    "event",
    "event_type",
    "target_branch",
    "source_branch",
    "target_url",
    "source_url",
    "event_title",
    "revision",
    "repo_owner",
    "repo_name",
    "sender",
    "repo_url",
    "git_tag",
    "target_namespace",
    "trigger_comment",
    "pull_request_labels",
    "pull_request_number",
    "git_auth_secret",
];

/// A compiled program or why it does not compile.
type Compiled = Result<Rc<Checked>, String>;

thread_local! {
    static FILES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    static PANICKED: RefCell<Option<String>> = const { RefCell::new(None) };
    static REGEXES: RefCell<HashMap<String, Result<Re2, String>>> = RefCell::new(HashMap::new());
    static PROGRAMS: RefCell<HashMap<(Which, String), Compiled>> = RefCell::new(HashMap::new());
}

fn string_arg<'a>(v: &'a CowVal<'_, '_>) -> Result<&'a str, ExecutionError> {
    v.downcast_ref::<CelString>()
        .map(CelString::inner)
        .ok_or_else(|| ExecutionError::function_error("matches", "expected a string"))
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the signature of cel-rust's overloads"
)]
fn re2_matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s, p] = args.as_slice() else {
        return Err(ExecutionError::invalid_argument_count(2, args.len()));
    };
    let (s, p) = (string_arg(s)?, string_arg(p)?);
    let r = REGEXES.with(|m| {
        m.borrow_mut()
            .entry(p.to_owned())
            .or_insert_with(|| Re2::new(p))
            .clone()
    });
    match r {
        Ok(re) => Ok(CowVal::owned(CelBool::from(re.is_match(s)))),
        Err(e) => Err(ExecutionError::function_error("matches", e)),
    }
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the signature of cel-rust's overloads"
)]
fn path_changed<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [p] = args.as_slice() else {
        return Err(ExecutionError::invalid_argument_count(1, args.len()));
    };
    let p = string_arg(p)?.to_owned();
    FILES.with(|f| {
        let files = f.borrow();
        for file in files.iter() {
            match Glob::new(&p) {
                Ok(g) => {
                    if g.is_match(file) {
                        return Ok(CowVal::owned(CelBool::from(true)));
                    }
                }
                Err(e) => {
                    // glob.MustCompile panics.
                    PANICKED.with(|x| *x.borrow_mut() = Some(format!("pathChanged: {e}")));
                    return Err(ExecutionError::function_error("pathChanged", e));
                }
            }
        }
        Ok(CowVal::owned(CelBool::from(false)))
    })
}

fn env(which: Which) -> Arc<Env> {
    static MATCHER: OnceLock<Arc<Env>> = OnceLock::new();
    static PLACEHOLDER: OnceLock<Arc<Env>> = OnceLock::new();
    let cell = match which {
        Which::Matcher => &MATCHER,
        Which::Placeholder => &PLACEHOLDER,
    };
    Arc::clone(cell.get_or_init(|| {
        let mut e = Env::stdlib().with_optional_support(false);
        e.add_overload(
            RE2_MATCHES,
            "pacsim_re2_matches",
            vec![STRING_TYPE, STRING_TYPE],
            re2_matches,
        )
        .expect("a new overload");
        e.add_member_overload(
            RE2_MATCHES,
            "pacsim_re2_matches_member",
            STRING_TYPE,
            vec![STRING_TYPE],
            re2_matches,
        )
        .expect("a new overload");
        match which {
            Which::Matcher => {
                e.add_member_overload(
                    "pathChanged",
                    "pacsim_path_changed",
                    STRING_TYPE,
                    vec![],
                    path_changed,
                )
                .expect("a new overload");
            }
            Which::Placeholder => {
                e.add_extension(cel::extensions::strings)
                    .expect("ext strings");
                e.add_extension(cel::extensions::lists).expect("ext lists");
            }
        }
        let _ = BOOL_TYPE;
        Arc::new(e)
    }))
}

/// Rewrites calls of `matches` (outside string literals) to the RE2 implementation.
pub(crate) fn rewrite_matches(src: &str) -> String {
    let cs: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    while i < cs.len() {
        let c = cs[i];
        // String literals, with an optional r/b prefix, single or triple quoted.
        if c == '"' || c == '\'' {
            let raw = i > 0
                && matches!(cs[i - 1], 'r' | 'R')
                && (i < 2 || !ident(cs[i - 2]) || matches!(cs[i - 2], 'b' | 'B'));
            let triple = cs.get(i + 1) == Some(&c) && cs.get(i + 2) == Some(&c);
            let q = if triple { 3 } else { 1 };
            out.extend(&cs[i..i + q]);
            i += q;
            while i < cs.len() {
                if !raw && cs[i] == '\\' {
                    out.extend(cs.get(i..(i + 2).min(cs.len())).unwrap_or(&[]));
                    i += 2;
                    continue;
                }
                if cs[i] == c
                    && (!triple || (cs.get(i + 1) == Some(&c) && cs.get(i + 2) == Some(&c)))
                {
                    out.extend(&cs[i..i + q]);
                    i += q;
                    break;
                }
                if !triple && (cs[i] == '\n' || cs[i] == '\r') {
                    break;
                }
                out.push(cs[i]);
                i += 1;
            }
            continue;
        }
        if ident(c) && (i == 0 || !ident(cs[i - 1])) {
            let start = i;
            while i < cs.len() && ident(cs[i]) {
                i += 1;
            }
            let word: String = cs[start..i].iter().collect();
            let mut j = i;
            while j < cs.len() && cs[j].is_whitespace() {
                j += 1;
            }
            if word == "matches" && cs.get(j) == Some(&'(') {
                out.push_str(RE2_MATCHES);
            } else {
                out.push_str(&word);
            }
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// A compiled, checked expression.
pub(crate) struct Checked {
    program: Program,
}

impl Checked {
    /// The root expression.
    pub(crate) fn expr(&self) -> &IdedExpr {
        self.program.expression()
    }
}

fn check(e: &IdedExpr, which: Which, bound: &mut Vec<String>, errs: &mut Vec<String>) {
    match &e.expr {
        Expr::Ident(name) => {
            if name.starts_with('@') || bound.iter().any(|b| b == name) {
                return;
            }
            let vars: &[&str] = match which {
                Which::Matcher => &MATCHER_VARS,
                Which::Placeholder => &PLACEHOLDER_VARS,
            };
            if !vars.contains(&name.as_str()) && !TYPE_IDENTS.contains(&name.as_str()) {
                errs.push(format!("undeclared reference to '{name}'"));
            }
        }
        Expr::Call(c) => {
            let f = c.func_name.as_str();
            let word = f.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic());
            if word && f != RE2_MATCHES {
                let ok = STANDARD_FUNCTIONS.contains(&f)
                    || MORE_STANDARD_FUNCTIONS.contains(&f)
                    || (which == Which::Matcher && f == "pathChanged")
                    || (which == Which::Placeholder && EXT_FUNCTIONS.contains(&f));
                if !ok {
                    errs.push(format!("undeclared reference to '{f}'"));
                }
            }
            if let Some(t) = &c.target {
                check(t, which, bound, errs);
            }
            for a in &c.args {
                check(a, which, bound, errs);
            }
        }
        Expr::Comprehension(c) => {
            check(&c.iter_range, which, bound, errs);
            let n = bound.len();
            bound.push(c.accu_var.clone());
            check(&c.accu_init, which, bound, errs);
            bound.push(c.iter_var.clone());
            if let Some(v) = &c.iter_var2 {
                bound.push(v.clone());
            }
            check(&c.loop_cond, which, bound, errs);
            check(&c.loop_step, which, bound, errs);
            check(&c.result, which, bound, errs);
            bound.truncate(n);
        }
        Expr::List(l) => {
            for x in &l.elements {
                check(x, which, bound, errs);
            }
        }
        Expr::Map(m) => {
            for x in &m.entries {
                match &x.expr {
                    EntryExpr::StructField(f) => check(&f.value, which, bound, errs),
                    EntryExpr::MapEntry(m) => {
                        check(&m.key, which, bound, errs);
                        check(&m.value, which, bound, errs);
                    }
                }
            }
        }
        Expr::Struct(s) => {
            errs.push(format!("undeclared reference to '{}'", s.type_name));
        }
        Expr::Select(s) => check(&s.operand, which, bound, errs),
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// Parses and checks `src` for an environment (cached).
pub(crate) fn compile(which: Which, src: &str) -> Result<Rc<Checked>, String> {
    PROGRAMS.with(|m| {
        if let Some(r) = m.borrow().get(&(which, src.to_owned())) {
            return r.clone();
        }
        let r = (|| {
            let rewritten = rewrite_matches(src);
            let program = env(which)
                .compile(&rewritten)
                .map_err(|e| format!("failed to parse expression {src:?}: {e}"))?;
            let mut errs = Vec::new();
            check(program.expression(), which, &mut Vec::new(), &mut errs);
            if let Some(e) = errs.into_iter().next() {
                return Err(format!("expression {src:?} check failed: {e}"));
            }
            Ok(Rc::new(Checked { program }))
        })();
        m.borrow_mut().insert((which, src.to_owned()), r.clone());
        r
    })
}

/// Walks `e` (like PaC's `walkExprAST`): whether `f` holds for some node.
pub(crate) fn walk(e: &IdedExpr, f: &dyn Fn(&IdedExpr) -> bool) -> bool {
    if f(e) {
        return true;
    }
    match &e.expr {
        Expr::Call(c) => {
            c.target.as_deref().is_some_and(|t| walk(t, f)) || c.args.iter().any(|a| walk(a, f))
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, f)
                || walk(&c.accu_init, f)
                || walk(&c.loop_cond, f)
                || walk(&c.loop_step, f)
                || walk(&c.result, f)
        }
        Expr::List(l) => l.elements.iter().any(|x| walk(x, f)),
        Expr::Map(m) => m.entries.iter().any(|x| match &x.expr {
            EntryExpr::StructField(s) => walk(&s.value, f),
            EntryExpr::MapEntry(m) => walk(&m.key, f) || walk(&m.value, f),
        }),
        Expr::Struct(s) => s.entries.iter().any(|x| match &x.expr {
            EntryExpr::StructField(s) => walk(&s.value, f),
            EntryExpr::MapEntry(m) => walk(&m.key, f) || walk(&m.value, f),
        }),
        Expr::Select(s) => walk(&s.operand, f),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => false,
    }
}

/// Whether the identifier `name` occurs.
pub(crate) fn has_ident(e: &IdedExpr, name: &str) -> bool {
    walk(e, &|x| matches!(&x.expr, Expr::Ident(n) if n == name))
}

/// The string value of a string literal node.
pub(crate) fn string_literal(e: &IdedExpr) -> Option<&str> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner()),
        _ => None,
    }
}

/// Whether a string literal containing `refs/heads/` occurs (`containsRefsHeadsLiteral`).
pub(crate) fn has_refs_heads_literal(e: &IdedExpr) -> bool {
    walk(e, &|x| {
        string_literal(x).is_some_and(|s| s.contains("refs/heads/"))
    })
}

/// The label-event rule: the expression mentions `event_type`, a field `labels` or
/// `pull_request_labels`, or indexes with one of those string keys.
pub(crate) fn mentions_labels(e: &IdedExpr) -> bool {
    walk(e, &|x| match &x.expr {
        Expr::Ident(n) => n == "event_type",
        Expr::Select(s) => s.field == "labels" || s.field == "pull_request_labels",
        Expr::Call(c) => {
            c.func_name == "_[_]"
                && c.args.len() == 2
                && string_literal(&c.args[1])
                    .is_some_and(|k| k == "labels" || k == "pull_request_labels")
        }
        _ => false,
    })
}

/// JSON (as Go's `json.Unmarshal` into `any` reads it: numbers are doubles) to a CEL value.
pub(crate) fn json_to_cel(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(json_to_cel).collect())),
        serde_json::Value::Object(o) => {
            let m: HashMap<Key, Value> = o
                .iter()
                .map(|(k, v)| (Key::from(k.clone()), json_to_cel(v)))
                .collect();
            Value::from(m)
        }
    }
}

/// A string map as a CEL map.
pub(crate) fn string_map(m: &[(String, String)]) -> Value {
    let h: HashMap<Key, Value> = m
        .iter()
        .map(|(k, v)| (Key::from(k.clone()), Value::String(Arc::new(v.clone()))))
        .collect();
    Value::from(h)
}

/// A list of strings.
pub(crate) fn string_list(v: &[String]) -> Value {
    Value::List(Arc::new(
        v.iter()
            .map(|s| Value::String(Arc::new(s.clone())))
            .collect(),
    ))
}

/// The outcome of an evaluation.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A value.
    Value(Value),
    /// An error (cel-go's compile, check or evaluation error).
    Error(String),
    /// The expression made PaC panic (a malformed glob in `pathChanged`).
    Panic(String),
}

/// Evaluates a checked program with `vars`; `files` feeds `pathChanged`.
pub(crate) fn run(
    checked: &Checked,
    which: Which,
    vars: Vec<(&str, Value)>,
    files: &[String],
) -> Outcome {
    let mut ctx = Context::with_env(env(which));
    for (k, v) in vars {
        ctx.add_variable_from_value(k, v);
    }
    FILES.with(|f| *f.borrow_mut() = files.to_vec());
    PANICKED.with(|p| *p.borrow_mut() = None);
    let r = checked.program.execute(&ctx);
    if let Some(p) = PANICKED.with(|p| p.borrow_mut().take()) {
        return Outcome::Panic(p);
    }
    match r {
        Ok(v) => Outcome::Value(v),
        Err(e) => Outcome::Error(e.to_string()),
    }
}

/// The distinct free identifiers of an expression (for tests).
pub(crate) fn idents(e: &IdedExpr) -> BTreeSet<String> {
    let out = RefCell::new(BTreeSet::new());
    walk(e, &|x| {
        if let Expr::Ident(n) = &x.expr {
            out.borrow_mut().insert(n.clone());
        }
        false
    });
    out.into_inner()
}
