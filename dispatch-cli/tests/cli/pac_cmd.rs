//! `dispatch pac`: the Pipelines-as-Code PipelineRun on stdout or in `--out DIR`, diagnostics on
//! stderr, exit codes like `render`.

use super::{run, stderr, stdout};

/// A push action, a pull-request action with a label filter, a chatops action, and two actions
/// Pipelines-as-Code cannot run (cron, and the chatops word `test`).
const FILE: &[u8] = br#"#!yaml
task:
  unit:
    steps: [{name: t, image: "golang:1.22", command: [go, test, ./...]}]
  say:
    steps: [{name: s, image: "alpine:3.20", args: [echo, "$(context.chatop.args)"]}]
actions:
  - tasks: [unit]
    on: {push: {branches: [main], paths: ["**/*.go"]}}
  - tasks: [unit]
    on: {pull_request: {labels: ["!wip"]}}
  - tasks: [say]
    on: {pull_request: {chatops: [echo]}}
  - {name: nightly, tasks: [unit], on: {cron: {schedule: "@daily"}}}
  - tasks: [unit]
    on: {pull_request: {chatops: [test]}}
"#;

#[test]
fn pac_prints_the_pipelinerun_and_warns_about_what_is_left_out() {
    let out = run(&["pac", "-"], FILE);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("pac_stdout", stdout(&out));
    insta::assert_snapshot!("pac_stderr", stderr(&out));
}

#[test]
fn pac_honours_the_render_options() {
    let out = run(
        &[
            "pac",
            "--name",
            "ci",
            "--git-clone",
            "inline",
            "--target",
            "v1beta1",
            "--service-account",
            "builder",
            "--pipeline-timeout",
            "30m",
            "--no-default-resources",
            "-",
        ],
        FILE,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("pac_options_stdout", stdout(&out));
}

#[test]
fn pac_out_writes_one_file_per_pipelinerun() {
    let dir = std::env::temp_dir().join(format!("dispatch-pac-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let target = dir.join(".tekton");
    let path = target.to_string_lossy().into_owned();
    let out = run(&["pac", "--out", &path, "-"], FILE);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let written = std::fs::read_to_string(target.join("dispatch.yaml")).expect("written");
    let printed = stdout(&run(&["pac", "-"], FILE));
    assert_eq!(written, printed);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pac_with_nothing_expressible_prints_nothing_and_succeeds() {
    let file = br#"#!yaml
task: {t: {steps: [{name: s, image: alpine}]}}
actions: [{name: nightly, tasks: [t], on: {cron: {schedule: "@daily"}}}]
"#;
    let out = run(&["pac", "-"], file);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("warning[pac-inexpressible]"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nothing to write"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pac_of_an_invalid_file_exits_1() {
    let out = run(
        &["pac", "-"],
        b"#!yaml\ntask: {t: {steps: [{name: s, image: alpine}]}}\nactions: [{tasks: [t], on: {push: {branches: [\"[\"]}}}]\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error[invalid-pattern]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn pac_usage_errors_exit_2() {
    for args in [
        &["pac", "--name", "Not_A_Name", "-"][..],
        &["pac", "--pipeline-timeout", "soon", "-"][..],
        &["pac", "--git-clone", "ftp", "-"][..],
    ] {
        let out = run(args, FILE);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
    }
}
