//! Conventions every subcommand shares: the default FILE, `--message-format json`,
//! `--deny-warnings`, shell completions, and hints for a file read in the wrong format.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{run, stderr, stdout};

/// A fresh directory for one test, holding `files`.
fn dir_with(test: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dispatch-conv-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).expect("temp file");
    }
    dir
}

/// Runs `dispatch ARGS` in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dispatch"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the dispatch binary runs")
}

const VALID: &str = "#!yaml\ntask:\n  test:\n    steps: [{name: t, image: alpine}]\nactions:\n  - tasks: [test]\n    on: {push: {branches: [main]}}\n";
/// Valid, with one warning (an unknown context variable).
const WARNS: &str = "#!yaml\ntask:\n  test:\n    steps: [{name: t, image: alpine, command: [\"$(context.nope)\"]}]\n";

#[test]
fn file_defaults_to_dispatchfile_in_the_current_directory() {
    let dir = dir_with("default", &[("Dispatchfile", VALID)]);
    let out = run_in(&dir, &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "ok\n");
    let out = run_in(&dir, &["eval"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"alpine\""));
}

#[test]
fn a_missing_default_file_is_a_usage_error_naming_it() {
    let dir = dir_with("nodefault", &[]);
    let out = run_in(&dir, &["validate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read Dispatchfile"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn message_format_json_prints_one_object_per_diagnostic() {
    let out = run(
        &["validate", "--message-format", "json", "-"],
        b"#!yaml\ntask:\n  t:\n    steps: [{image: alpine}]\nactions:\n  - tasks: [x]\n    on: {push: {}}\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let objects: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is a JSON object"))
        .collect();
    assert_eq!(objects.len(), 2, "{err}");
    let undefined = objects
        .iter()
        .find(|o| o["code"] == "undefined-task")
        .expect("the undefined task");
    assert_eq!(undefined["severity"], "error");
    assert_eq!(undefined["file"], "<stdin>");
    assert_eq!(
        (undefined["line"].as_u64(), undefined["column"].as_u64()),
        (Some(6), Some(13))
    );
    assert_eq!(undefined["path"], "/actions/0/tasks/0");
    assert_eq!(
        stdout(&out),
        "1 error, 1 warning\n",
        "the summary stays on stdout"
    );
}

#[test]
fn message_format_is_accepted_before_the_subcommand() {
    let out = run(
        &["--message-format", "json", "eval", "-"],
        b"#!json\n{\"task\": 1}",
    );
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stderr(&out).trim()).expect("one JSON object");
    assert_eq!(v["code"], "type");
}

#[test]
fn deny_warnings_turns_a_warning_into_exit_1() {
    let out = run(&["validate", "-"], WARNS.as_bytes());
    assert_eq!(
        out.status.code(),
        Some(0),
        "a warning alone passes: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("warning[unknown-context-var]"),
        "{}",
        stderr(&out)
    );
    for args in [
        ["validate", "--deny-warnings", "-"],
        ["eval", "--deny-warnings", "-"],
    ] {
        let out = run(&args, WARNS.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("warnings are denied (--deny-warnings)"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = run(&["validate", "--deny-warnings", "-"], VALID.as_bytes());
    assert_eq!(out.status.code(), Some(0), "no warning, no failure");
}

#[test]
fn completions_are_printed_for_every_shell() {
    for (shell, marker) in [
        ("bash", "_dispatch()"),
        ("zsh", "#compdef dispatch"),
        ("fish", "complete -c dispatch"),
        ("elvish", "edit:completion:arg-completer[dispatch]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run(&["completions", shell], b"");
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains(marker), "{shell}");
        assert!(
            stdout(&out).contains("validate"),
            "{shell} completes subcommands"
        );
    }
    let out = run(&["completions", "tcsh"], b"");
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

macro_rules! extension_hints {
    ($($name:ident: $file:literal, $text:literal => $hint:expr;)*) => {$(
        #[test]
        fn $name() {
            let dir = dir_with(stringify!($name), &[($file, $text)]);
            let out = run_in(&dir, &["validate", $file]);
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            let hint: Option<&str> = $hint;
            match hint {
                Some(h) => assert!(stderr(&out).contains(h), "{}", stderr(&out)),
                None => assert!(!stderr(&out).contains("help:"), "{}", stderr(&out)),
            }
        }
    )*};
}

extension_hints! {
    hint_for_yaml_without_selector: "pipeline.yaml", "task:\n  t:\n    steps:\n      - name: s\n" =>
        Some("help: the file has no `#!` selector line, so it was read as CUE; if it is YAML, make `#!yaml` its first line");
    hint_for_yml_without_selector: "ci.yml", "- a\n- b: [c\n" => Some("make `#!yaml` its first line");
    hint_for_json_without_selector: "pipeline.json", "{\"task\": {\"t\": {\"steps\": [1 2]}}}" =>
        Some("if it is JSON, make `#!json` its first line");
    hint_for_starlark_without_selector: "Dispatchfile.star", "def f():\n    return 1\n" =>
        Some("if it is Starlark, make `#!starlark` its first line");
    no_hint_with_a_selector_line: "pipeline.yaml", "#!yaml\ntask: [\n" => None;
    no_hint_for_a_cue_name: "Dispatchfile", "task: {\n" => None;
}

#[test]
fn starlark_print_goes_to_stderr() {
    let out = run(
        &["validate", "-"],
        b"#!starlark\nprint(\"hello from starlark\")\ntask(\"t\", steps=[k8s.corev1.Container(name=\"s\", image=\"a\")])\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "ok\n");
    assert!(
        stderr(&out).contains("hello from starlark"),
        "{}",
        stderr(&out)
    );
}

/// A reader that closes the pipe early (`dispatch … | head`) ends the command quietly: no panic
/// message and the command's normal exit code, for every command that writes to standard output.
#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    // Enough chained tasks that every output is larger than a pipe's buffer, so the write must
    // fail; rendering the last task renders them all.
    let mut tasks = String::new();
    for i in 0..400 {
        if i == 0 {
            writeln!(tasks, "  t{i}:").expect("writing to a String works");
        } else {
            writeln!(tasks, "  t{i}:\n    deps: [t{}]", i - 1).expect("writing to a String works");
        }
        writeln!(
            tasks,
            "    steps: [{{name: s, image: alpine, args: [\"{}\"]}}]",
            "x".repeat(100)
        )
        .expect("writing to a String works");
    }
    let names: Vec<String> = (0..400).map(|i| format!("t{i}")).collect();
    let file = format!(
        "#!yaml\ntask:\n{tasks}actions:\n  - tasks: [{}]\n    on: {{push: {{branches: [main]}}}}\n",
        names.join(", ")
    );
    let dir = dir_with("pipe", &[("Dispatchfile", &file)]);
    let cases: &[(&str, &[&str])] = &[
        ("eval", &["eval"]),
        ("render", &["render", "--task", "t399"]),
        ("graph", &["graph"]),
        ("schema", &["schema"]),
        ("completions", &["completions", "bash"]),
    ];
    for (name, args) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dispatch"))
            .args(*args)
            .current_dir(&dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the dispatch binary runs");
        // Close the reading end at once: the command's writes find no reader.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("dispatch ends");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(out.status.code(), Some(0), "{name}: {err}");
    }
}
