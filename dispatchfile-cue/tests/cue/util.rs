//! Shared helpers: the corpus location, selector blanking, JSON comparison by value.

use dispatchfile_cue::{CueError, Exported, Options, evaluate};
use std::path::PathBuf;

/// `$DISPATCH_SHARED`, or `None` (the caller prints that it skipped).
pub(crate) fn shared_dir() -> Option<PathBuf> {
    std::env::var_os("DISPATCH_SHARED").map(PathBuf::from)
}

/// SPEC §3.1: the `#!` selector line is blanked, never deleted, so positions stay right.
pub(crate) fn blank_selector(src: &str) -> String {
    if src.starts_with("#!") {
        let end = src.find('\n').unwrap_or(src.len());
        format!("{}{}", "", &src[end..])
    } else {
        src.to_owned()
    }
}

pub(crate) fn eval(src: &str) -> Result<Exported, Vec<CueError>> {
    evaluate(src, "test.cue", &Options::default())
}

pub(crate) fn eval_with(src: &str, opts: &Options) -> Result<Exported, Vec<CueError>> {
    evaluate(src, "test.cue", opts)
}

/// Compares JSON texts by value: objects as maps, numbers by value.
pub(crate) fn json_eq(ours: &str, want: &str) -> Result<(), String> {
    let a: serde_json::Value = serde_json::from_str(ours).map_err(|e| format!("our JSON: {e}"))?;
    let b: serde_json::Value =
        serde_json::from_str(want).map_err(|e| format!("expected JSON: {e}"))?;
    if value_eq(&a, &b) {
        Ok(())
    } else {
        Err(format!("got:\n{ours}\nwant:\n{want}"))
    }
}

fn value_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (a, b) {
        (J::Number(x), J::Number(y)) => {
            x == y || x.as_f64().zip(y.as_f64()).is_some_and(|(p, q)| p == q)
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| value_eq(p, q))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| value_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Runs `f` on a thread with a 2 MiB stack, as the test harness does, and returns its result.
pub(crate) fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawning a test thread works")
        .join()
        .expect("the evaluator does not panic or overflow its stack")
}
