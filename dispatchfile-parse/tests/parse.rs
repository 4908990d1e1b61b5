//! Integration tests for dispatchfile-parse.
#![allow(
    clippy::print_stdout,
    reason = "tests report what they skipped and what the corpus gave"
)]

mod parse {
    mod corpus;
    mod diagnostics;
    mod hardening;
    mod json;
    #[cfg(feature = "starlark")]
    mod starlark;
    mod timeout;
    #[cfg(not(feature = "starlark"))]
    mod without_starlark;
    mod yaml;

    use std::io::Write as _;

    use dispatchfile_model::{Diagnostic, Limits};
    use dispatchfile_parse::{Evaluated, ParseOptions, evaluate};

    /// Evaluates `text` named `Dispatchfile` with default options and limits.
    pub(crate) fn eval(text: &str) -> Evaluated {
        evaluate(
            text.as_bytes(),
            "Dispatchfile",
            &ParseOptions::default(),
            &Limits::default(),
        )
    }

    /// Every diagnostic rendered in one line each.
    pub(crate) fn rendered(e: &Evaluated) -> String {
        e.diagnostics()
            .iter()
            .map(|d: &Diagnostic| d.render(&e.parsed.files, "Dispatchfile") + "\n")
            .collect()
    }

    /// The shared corpus folder, or `None` when `DISPATCH_SHARED` is unset, after saying that the
    /// calling test skipped `what`. The only place this crate's tests read the variable.
    ///
    /// The notice is written to the process's stderr directly: libtest captures `println!` and
    /// `eprintln!` of passing tests, so plain `cargo test` would not show it.
    #[allow(
        clippy::disallowed_methods,
        reason = "tests locate the shared corpus through the environment"
    )]
    pub(crate) fn shared(what: &str) -> Option<std::path::PathBuf> {
        let dir = std::env::var_os("DISPATCH_SHARED").map(std::path::PathBuf::from);
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
}
