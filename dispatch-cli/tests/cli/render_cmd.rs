//! `dispatch render`: events, `--task`, every option, and errors through the binary.

use super::{run, stderr, stdout};

const EXAMPLE: &str = "../examples/Dispatchfile.yaml";
const PUSH: &str = "../examples/push-master.json";
/// The documented worked example, shared with dispatch-tekton's tests.
const WORKED_EXAMPLE: &str =
    include_str!("../../../dispatch-tekton/tests/testdata/worked-example.yaml");

#[test]
fn render_prints_the_worked_example() {
    let out = run(&["render", EXAMPLE, "--event", PUSH], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), WORKED_EXAMPLE);
    assert_eq!(stderr(&out), "", "no warnings for the seed pipeline");
}

#[test]
fn render_reads_the_event_from_stdin_and_prints_json() {
    let event = std::fs::read(PUSH).expect("the example event is readable");
    let out = run(&["render", EXAMPLE, "--event", "-", "-o", "json"], &event);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let docs: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    let kinds: Vec<&str> = docs
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|d| d["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["Task", "Pipeline", "PipelineRun"]);
}

#[test]
fn an_event_that_matches_nothing_renders_nothing() {
    let tag = br#"{"kind":"tag","tag":"v1.0.0","commit":"abc","url":"https://github.com/example/app.git"}"#;
    let out = run(&["render", EXAMPLE, "--event", "-"], tag);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "dispatch: no action matches the tag event; nothing to render\n"
    );
}

#[test]
fn a_comment_renders_with_its_chatops_context() {
    let comment = br#"{"kind":"pull_request_comment","number":12,"base":"master","head":"feature/x","commit":"abc123","url":"https://github.com/example/app.git","comment":"/test please"}"#;
    let out = run(&["render", EXAMPLE, "--event", "-"], comment);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("dispatch.d2iq.io/actions: \"1\"\n"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("dispatch.d2iq.io/build-name: pr-12\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn tasks_render_without_an_event() {
    let out = run(&["render", EXAMPLE, "--task", "test"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("dispatch.d2iq.io/build-name: manual"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("dispatch.d2iq.io/actions: \"\""),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains(
            "warning[empty-resource-param]: resource \"src-git\": param \"url\" is empty"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn options_reach_the_output() {
    let pod_template = br#"{"nodeSelector": {"kubernetes.io/arch": "arm64"}}"#;
    let out = run(
        &[
            "render",
            EXAMPLE,
            "--task",
            "test",
            "--target",
            "v1beta1",
            "--git-clone",
            "inline",
            "--service-account",
            "ci-bot",
            "--pod-template",
            "-",
            "--pipeline-timeout",
            "2h30m",
            "--no-default-resources",
        ],
        pod_template,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = stdout(&out);
    for want in [
        "apiVersion: tekton.dev/v1beta1\n",
        "  serviceAccountName: ci-bot\n",
        "  podTemplate: {nodeSelector: {kubernetes.io/arch: arm64}, securityContext: {fsGroup: 65532}}\n",
        "    - name: src-git-clone\n",
        "  timeouts: {pipeline: 2h30m0s}\n",
        "{name: src-git, emptyDir: {}}",
    ] {
        assert!(yaml.contains(want), "missing {want:?} in\n{yaml}");
    }
    assert!(
        !yaml.contains("resources:"),
        "--no-default-resources leaves steps alone:\n{yaml}"
    );
}

#[test]
fn git_clone_modes_pick_the_resolver() {
    for (mode, want) in [
        ("bundles", "resolver: bundles"),
        ("git", "resolver: git"),
        ("hub", "resolver: hub"),
        ("cluster", "resolver: cluster"),
        ("name", "taskRef: {name: git-clone}"),
    ] {
        let out = run(
            &["render", EXAMPLE, "--event", PUSH, "--git-clone", mode],
            b"",
        );
        assert_eq!(out.status.code(), Some(0), "{mode}: {}", stderr(&out));
        assert!(stdout(&out).contains(want), "{mode}: missing {want:?}");
    }
}

#[test]
fn lowering_errors_are_positioned_and_exit_1() {
    let file = b"#!yaml\ntask:\n  web:\n    steps:\n      - name: serve\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n";
    let out = run(&["render", "-", "--task", "web"], file);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "<stdin>:7:9: error[unsupported-step-field]: step #0 of task \"web\": field \"ports\" is not allowed in a Tekton step"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["render", EXAMPLE],
        vec![
            "render",
            EXAMPLE,
            "--task",
            "test",
            "--pipeline-timeout",
            "soon",
        ],
        vec!["render", EXAMPLE, "--task", "test", "--git-clone", "svn"],
        vec!["render", EXAMPLE, "--event", "no-such-event.json"],
        vec!["render", EXAMPLE, "--task", "test", "--target", "v1alpha1"],
    ] {
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
fn invalid_events_and_pod_templates_are_invalid_input() {
    let out = run(&["render", EXAMPLE, "--event", "-"], br#"{"kind":"push"}"#);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .starts_with("<stdin>:1:15: error[event]: invalid event: missing field `branch`"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &["render", EXAMPLE, "--task", "test", "--pod-template", "-"],
        br#"{"nodeSelectr": {}}"#,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown field `nodeSelectr`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn github_webhooks_render_through_the_adapter() {
    let push = br#"{"ref":"refs/heads/master","before":"1111111111111111111111111111111111111111",
        "after":"5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0","created":false,"deleted":false,
        "commits":[{"added":[],"modified":["main.go"],"removed":[]}],
        "repository":{"clone_url":"https://github.com/example/app.git"}}"#;
    let out = run(
        &[
            "render",
            EXAMPLE,
            "--github-event",
            "push",
            "--payload",
            "-",
        ],
        push,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        WORKED_EXAMPLE,
        "a GitHub push renders like the same event file"
    );

    let deleted = br#"{"ref":"refs/heads/master","deleted":true,"after":"0000000000000000000000000000000000000000",
        "repository":{"clone_url":"https://github.com/example/app.git"}}"#;
    let out = run(
        &[
            "render",
            EXAMPLE,
            "--github-event",
            "push",
            "--payload",
            "-",
        ],
        deleted,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("dispatch: ignoring the GitHub"),
        "{}",
        stderr(&out)
    );
}
