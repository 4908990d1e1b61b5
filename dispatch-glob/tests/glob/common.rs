//! Shared helpers: the corpus directory.

#![allow(
    clippy::disallowed_methods,
    reason = "tests read the shared corpus named by DISPATCH_SHARED"
)]

use std::io::Write as _;
use std::path::PathBuf;

/// `$DISPATCH_SHARED/corpus/<sub>`, or `None` when the variable is unset, after saying that the
/// calling test skipped that corpus. The only place this crate's tests read the variable.
///
/// The notice is written to the process's stderr directly: libtest captures `println!` and
/// `eprintln!` of passing tests, so plain `cargo test` would not show it.
pub(crate) fn corpus(sub: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("DISPATCH_SHARED") else {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("a test");
        let _ = writeln!(
            std::io::stderr(),
            "skipped the {sub} corpus in {test}: DISPATCH_SHARED is not set"
        );
        return None;
    };
    Some(PathBuf::from(dir).join("corpus").join(sub))
}
