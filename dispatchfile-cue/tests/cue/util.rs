//! Shared helpers: the corpus location, selector blanking, JSON comparison by value.

use dispatchfile_cue::{CueErrors, Exported, Options, evaluate};
use std::io::Write as _;
use std::path::PathBuf;

/// `$DISPATCH_SHARED`, or `None` when it is unset, after saying that the calling test skipped
/// `what`. The only place this crate's tests read the variable.
///
/// The notice is written to the process's stderr directly: libtest captures `println!` and
/// `eprintln!` of passing tests, so plain `cargo test` would not show it.
pub(crate) fn shared_dir(what: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("DISPATCH_SHARED").map(PathBuf::from);
    if dir.is_none() {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        let _ = writeln!(
            std::io::stderr(),
            "skipped {what} in {test}: DISPATCH_SHARED is not set"
        );
    }
    dir
}

/// The `#!` selector line is blanked, never deleted, so positions stay right.
pub(crate) fn blank_selector(src: &str) -> String {
    if src.starts_with("#!") {
        let end = src.find('\n').unwrap_or(src.len());
        format!("{}{}", "", &src[end..])
    } else {
        src.to_owned()
    }
}

pub(crate) fn eval(src: &str) -> Result<Exported, CueErrors> {
    evaluate(src, "test.cue", &Options::default())
}

pub(crate) fn eval_with(src: &str, opts: &Options) -> Result<Exported, CueErrors> {
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

/// Runs `f` on a thread with a 1 MiB stack, half what a test thread has, and returns its
/// result: evaluation within the depth limits needs well under that (see `hostile.rs`).
pub(crate) fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .expect("spawning a test thread works")
        .join()
        .expect("the evaluator does not panic or overflow its stack")
}
