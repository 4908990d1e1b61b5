//! Starlark errors as diagnostics: limits, messages without tracebacks.

use dispatchfile_model::{Code, Diagnostic, Limits, Span};

use starlark::eval::Evaluator;

use crate::budget::{Budget, LimitError, LimitValue};
use crate::message::DispatchError;

pub(crate) fn limit_diag(field: &str, value: impl std::fmt::Display, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::LimitExceeded,
        format!("limit exceeded: {field} ({value})"),
    )
    .at(span)
}

/// The starlark resource limit the evaluator `eval` has gone over, read from its public
/// counters: its ticks with the statements `budget` has settled (`Limits::starlark_max_statements`)
/// and the heap's peak (`Limits::starlark_max_heap_bytes`), both set as starlark's own limits.
pub(crate) fn over_limit(
    eval: &Evaluator<'_, '_, '_>,
    budget: &Budget,
    limits: &Limits,
) -> Option<LimitError> {
    if let Err(r) = budget.within(eval.get_total_tick_count()) {
        return Some(LimitError::from(r));
    }
    let heap = eval
        .heap()
        .peak_allocated_bytes()
        .saturating_add(eval.frozen_heap().allocated_bytes());
    if heap > limits.starlark_max_heap_bytes.max(1) {
        return Some(LimitError {
            field: "starlark_max_heap_bytes",
            value: LimitValue::from(limits.starlark_max_heap_bytes as u64),
        });
    }
    None
}

/// The limit a Starlark error reports, if it is one; `over` is what [`over_limit`] found in the
/// evaluator that failed.
pub(crate) fn limit_of(
    e: &starlark::Error,
    limits: &Limits,
    over: Option<LimitError>,
) -> Option<LimitError> {
    use starlark::ErrorKind;
    let inner = match e.kind() {
        ErrorKind::StackOverflow(_) => {
            return Some(LimitError {
                field: "starlark_max_call_depth",
                value: LimitValue::from(limits.starlark_max_call_depth as u64),
            });
        }
        ErrorKind::Native(a)
        | ErrorKind::Other(a)
        | ErrorKind::Value(a)
        | ErrorKind::Function(a) => a,
        _ => return None,
    };
    if let Some(l) = inner.downcast_ref::<LimitError>() {
        return Some(*l);
    }
    // starlark's own tick and heap limits fail with an `Other` error of a private type: the
    // evaluator's public counters say which one it was.
    if let (ErrorKind::Other(_), Some(l)) = (e.kind(), over) {
        return Some(l);
    }
    None
}

/// The message of a Starlark error, without its traceback.
pub(crate) fn error_message(e: &starlark::Error) -> String {
    use starlark::ErrorKind;
    let text = match e.kind() {
        ErrorKind::Native(a) if a.downcast_ref::<DispatchError>().is_some() => a.to_string(),
        ErrorKind::Fail(a) => format!("fail: {}", a.to_string().trim()),
        other => other.to_string(),
    };
    let line = text.lines().next().unwrap_or("").trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let line = line
        .replace("_dispatch_add", "+")
        .replace("_dispatch_mul", "*")
        .replace("_dispatch_percent", "%")
        .replace("_dispatch_or", "|");
    let line = crate::compare::Op::ALL
        .iter()
        .fold(line, |l, op| l.replace(op.native(), op.symbol()));
    // A catalog function used without its `load` (modern Dispatchfiles predeclare no sugar).
    if let Some(rest) = line.strip_prefix("Variable `") {
        let name = rest.split('`').next().unwrap_or("");
        if let Some((module, tag)) = crate::catalog::exporter(name) {
            return format!(
                "Variable `{name}` not found; it is not predeclared here: load it, for example with load(\"{}{module}@{tag}\", \"{name}\")",
                crate::catalog::PREFIX
            );
        }
    }
    line
}
