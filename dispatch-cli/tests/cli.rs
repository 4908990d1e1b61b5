//! Integration tests for the `dispatch` binary.
#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "the CLI tests run the binary, write temporary files and read their settings from the environment"
)]

mod cli {
    mod conventions;
    mod convert_cmd;
    mod eval_cmd;
    mod graph_cmd;
    mod hostile;
    mod match_cmd;
    mod pac_cmd;
    mod render_cmd;

    use std::io::Write;
    use std::process::{Command, Output, Stdio};

    /// Runs `dispatch ARGS` with `stdin` on standard input.
    pub(crate) fn run(args: &[&str], stdin: &[u8]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dispatch"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the dispatch binary starts");
        if let Some(mut input) = child.stdin.take() {
            // A command that exits early closes its end; that is not a test failure.
            let _ = input.write_all(stdin);
        }
        child
            .wait_with_output()
            .expect("the dispatch binary finishes")
    }

    /// Standard error as text.
    pub(crate) fn stderr(o: &Output) -> String {
        String::from_utf8_lossy(&o.stderr).into_owned()
    }

    /// Standard output as text.
    pub(crate) fn stdout(o: &Output) -> String {
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `$DISPATCH_SHARED`, or `None` when it is unset, after saying that the calling test skipped
    /// `what`. The only place this crate's tests read the variable.
    ///
    /// The notice is written to the process's stderr directly: libtest captures `println!` and
    /// `eprintln!` of passing tests, so plain `cargo test` would not show it.
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
