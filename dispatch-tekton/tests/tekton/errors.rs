//! Lowering errors and warnings: every one names the element, and points into the Dispatchfile.

use dispatch_tekton::{LowerOptions, Selection, lower};
use dispatchfile_model::Limits;
use dispatchfile_model::k8s_openapi::api::core::v1::Container;
use dispatchfile_parse::{ParseOptions, evaluate};
use serde_json::json;

use super::common::{lower_push, pipeline, render_diagnostics};

macro_rules! error_cases {
    ($($name:ident: $pipeline:expr, $tasks:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let p = pipeline(&$pipeline);
            let errors = lower_push(&p, &$tasks, &LowerOptions::default()).expect_err("lowering must fail");
            assert_eq!(render_diagnostics(&errors), $want);
        }
    )*};
}

fn one_step(step: &serde_json::Value) -> serde_json::Value {
    json!({"resource": {
            "src": {"type": "git", "param": {"url": "https://github.com/example/app.git"}},
            "img": {"type": "image", "param": {"url": "example/app"}},
            "blob": {"type": "storage"}
          },
          "task": {"t": {"inputs": ["src", "img"], "outputs": ["blob"], "steps": [step]}}})
}

error_cases! {
    ports_and_probes_are_not_step_fields: one_step(&json!({"name": "s", "image": "alpine:3.20", "ports": [{"containerPort": 80}], "tty": true})), ["t"]
        => "Dispatchfile: error[unsupported-step-field]: step #0 of task \"t\": field \"ports\" is not allowed in a Tekton step\n\
            Dispatchfile: error[unsupported-step-field]: step #0 of task \"t\": field \"tty\" is not allowed in a Tekton step\n";
    a_step_needs_an_image: one_step(&json!({"name": "s"})), ["t"]
        => "Dispatchfile: error[missing-image]: step #0 of task \"t\" has no image\n";
    variables_name_listed_resources: one_step(&json!({"name": "s", "image": "alpine:3.20", "args": ["$(outputs.resources.src.path)", "$(inputs.resources.nope.url)"]})), ["t"]
        => "Dispatchfile: error[resource-variable]: step #0 of task \"t\": $(inputs.resources.nope.url) names resource \"nope\", which is not an input of task \"t\"\n\
            Dispatchfile: error[resource-variable]: step #0 of task \"t\": $(outputs.resources.src.path) names resource \"src\", which is not an output of task \"t\"\n";
    absent_keys_are_errors: one_step(&json!({"name": "s", "image": "alpine:3.20", "args": ["$(inputs.resources.src.revision)", "$(resources.inputs.img.digest)", "$(inputs.resources.src.nokey)"]})), ["t"]
        => "Dispatchfile: error[resource-variable]: step #0 of task \"t\": $(inputs.resources.src.nokey): resource \"src\" has no param \"nokey\"\n\
            Dispatchfile: error[resource-variable]: step #0 of task \"t\": $(inputs.resources.src.revision): resource \"src\" has no param \"revision\"\n\
            Dispatchfile: error[resource-variable]: step #0 of task \"t\": $(resources.inputs.img.digest): resource \"img\" has no param \"digest\"\n";
    image_inputs_have_no_path: one_step(&json!({"name": "s", "image": "alpine:3.20", "args": ["$(inputs.resources.img.path)"]})), ["t"]
        => "Dispatchfile: error[resource-variable]: step #0 of task \"t\": $(inputs.resources.img.path): an input image has no path (only outputs are written to /workspace/output/img)\n";
    output_images_have_no_digest: json!({"resource": {"img": {"type": "image", "param": {"url": "example/app"}}},
        "task": {"t": {"outputs": ["img"], "steps": [{"name": "s", "image": "alpine:3.20", "args": ["$(outputs.resources.img.digest)"]}]}}}), ["t"]
        => "Dispatchfile: error[resource-variable]: step #0 of task \"t\": $(outputs.resources.img.digest): an output image has no digest before the build\n";
    other_resource_types_are_not_lowered: json!({"resource": {"pr": {"type": "pullRequest"}},
        "task": {"t": {"inputs": ["pr"], "steps": [{"name": "s", "image": "alpine:3.20"}]}}}), ["t"]
        => "Dispatchfile: error[unsupported-resource-type]: resource \"pr\": type \"pullRequest\" cannot be lowered (only git, image and storage)\n";
    git_resources_need_a_url: json!({"resource": {"src": {"type": "git"}},
        "task": {"t": {"inputs": ["src"], "steps": [{"name": "s", "image": "alpine:3.20"}]}}}), ["t"]
        => "Dispatchfile: error[missing-resource-param]: resource \"src\": a git resource needs a \"url\" param\n";
    image_outputs_need_a_url: json!({"resource": {"img": {"type": "image"}},
        "task": {"t": {"outputs": ["img"], "steps": [{"name": "s", "image": "alpine:3.20"}]}}}), ["t"]
        => "Dispatchfile: error[missing-resource-param]: resource \"img\": an image output needs a \"url\" param\n";
    resource_params_refer_only_to_themselves: json!({"resource": {"img": {"type": "image", "param": {"url": "example/app@$(inputs.resources.other.digest)"}}},
        "task": {"t": {"outputs": ["img"], "steps": [{"name": "s", "image": "alpine:3.20"}]}}}), ["t"]
        => "Dispatchfile: error[resource-variable]: resource \"img\": param \"url\" refers to a resource variable (\"example/app@$(inputs.resources.other.digest)\"); only a reference to itself is allowed\n";
    undefined_tasks_are_errors: json!({"task": {"t": {
        "steps": [{"name": "s", "image": "alpine:3.20"}]}}}), ["nope"]
        => "Dispatchfile: error[undefined-task]: undefined task \"nope\" in the selection\n";
    undefined_tasks_get_a_hint_when_a_name_is_close: json!({"task": {
        "build": {"steps": [{"name": "s", "image": "alpine:3.20"}]},
        "test": {"steps": [{"name": "s", "image": "alpine:3.20"}]}}}), ["test", "biuld"]
        => "Dispatchfile: error[undefined-task]: undefined task \"biuld\" in the selection (did you mean \"build\"?)\n";
    empty_selections_are_errors: json!({"task": {"t": {"steps": [{"name": "s", "image": "alpine:3.20"}]}}}), []
        => "Dispatchfile: error[empty-selection]: no task selected: nothing to lower\n";
}

#[test]
fn invalid_pipeline_timeout_is_an_error() {
    let p = pipeline(&json!({"task": {"t": {"steps": [{"name": "s", "image": "alpine:3.20"}]}}}));
    let mut o = LowerOptions::default();
    o.pipeline_timeout = "1 day".to_owned();
    let errors = lower_push(&p, &["t"], &o).expect_err("a bad timeout");
    assert_eq!(errors[0].code, "invalid-duration");
}

/// A producer `a` whose step `s` prints, and readers of its result.
fn step_result_reader(reader: &serde_json::Value) -> serde_json::Value {
    json!({"task": {
        "a": {"steps": [{"name": "s", "image": "alpine:3.20", "command": ["echo", "1.0"]},
                        {"name": "quiet", "image": "alpine:3.20"}]},
        "b": reader
    }})
}

error_cases! {
    step_results_need_their_task_in_the_build: step_result_reader(&json!({"steps": [{"name": "s", "image": "alpine:3.20", "args": ["$(inputs.tasks.a.s)"]}]})), ["b"]
        => "Dispatchfile: error[unsupported-task-result]: step #0 of task \"b\": $(inputs.tasks.a.s) is a result of task \"a\", which is not part of this build: list \"a\" in the inputs of task \"b\"\n";
    step_results_need_a_command_to_capture: step_result_reader(&json!({"inputs": ["a"], "steps": [{"name": "s", "image": "alpine:3.20", "args": ["$(inputs.tasks.a.quiet)"]}]})), ["b"]
        => "Dispatchfile: error[unsupported-task-result]: step #0 of task \"b\": $(inputs.tasks.a.quiet): step \"quiet\" of task \"a\" has no command, so its output cannot be captured as a result\n";
    step_results_name_a_step: step_result_reader(&json!({"inputs": ["a"], "steps": [{"name": "s", "image": "alpine:3.20", "args": ["$(inputs.tasks.a.nope)", "$(inputs.tasks.zz.s)"]}]})), ["b"]
        => "Dispatchfile: error[unsupported-task-result]: step #0 of task \"b\": $(inputs.tasks.a.nope) names step \"nope\", which task \"a\" does not have\n\
            Dispatchfile: error[unsupported-task-result]: step #0 of task \"b\": $(inputs.tasks.zz.s) names task \"zz\", which the pipeline does not define\n";
    tekton_v1alpha1_variables_have_no_v1_form: one_step(&json!({"name": "s", "image": "alpine:3.20", "args": ["$(inputs.params.x)", "$(outputs.foo)", "$(inputs)"]})), ["t"]
        => "Dispatchfile: error[unsupported-variable]: step #0 of task \"t\": $(inputs.params.x) is neither a resource nor a step-result variable; Tekton v1 has no such variable (a Task param is $(params.NAME))\n\
            Dispatchfile: error[unsupported-variable]: step #0 of task \"t\": $(outputs.foo) is neither a resource nor a step-result variable; Tekton v1 has no such variable (a Task param is $(params.NAME))\n";
}

#[test]
fn label_values_are_checked_after_substitution() {
    // Valid for a push to master, invalid for a push to feature/x: the error names the variable
    // and its value.
    let p = pipeline(
        &json!({"task": {"t": {"metadata": {"labels": {"build": "$(context.build.name)", "branch": "$(context.git.branch)"}},
        "steps": [{"name": "s", "image": "alpine:3.20"}]}}}),
    );
    lower_push(&p, &["t"], &LowerOptions::default()).expect("master is a valid label value");
    let event = dispatch_trigger::Event::from_json(
        r#"{"kind":"push","branch":"feature/x","commit":"5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0","url":"https://github.com/example/app.git"}"#,
    )
    .expect("an event");
    let selection = Selection::new(
        vec![],
        vec!["t".to_owned()],
        dispatch_trigger::ContextVars::for_event(&event, None),
    );
    let errors = lower(&p, &selection, &LowerOptions::default())
        .expect_err("feature/x is not a label value");
    assert_eq!(
        render_diagnostics(&errors),
        "Dispatchfile: error[invalid-label]: task \"t\": label \"branch\" is \"feature/x\" for this event ($(context.git.branch) = \"feature/x\"), which is not a valid label value (at most 63 characters from [A-Za-z0-9_.-], starting and ending with a letter or digit)\n"
    );
}

#[test]
fn label_value_with_literal_text_is_checked_only_after_substitution() {
    // Validation leaves a value holding a context variable alone, whatever text is around it;
    // lowering checks what the event makes of it and names the variable.
    let p = pipeline(
        &json!({"task": {"t": {"metadata": {"labels": {"build": "-$(context.git.branch)"}},
        "steps": [{"name": "s", "image": "alpine:3.20"}]}}}),
    );
    let errors =
        lower_push(&p, &["t"], &LowerOptions::default()).expect_err("-master is not a label value");
    assert_eq!(
        render_diagnostics(&errors),
        "Dispatchfile: error[invalid-label]: task \"t\": label \"build\" is \"-master\" for this event ($(context.git.branch) = \"master\"), which is not a valid label value (at most 63 characters from [A-Za-z0-9_.-], starting and ending with a letter or digit)\n"
    );
}

/// Errors point at the offending text of the Dispatchfile.
#[test]
fn errors_are_positioned() {
    let source = "#!mesosphere/dispatch-yaml:v0.3\n\
        resource:\n  \
          src:\n    \
            type: git\n    \
            param: {url: https://github.com/example/app.git}\n  \
          pr:\n    \
            type: cluster\n\
        task:\n  \
          build:\n    \
            inputs: [src, pr]\n    \
            steps:\n      \
              - name: build\n        \
                image: golang:1.22\n        \
                ports: [{containerPort: 8080}]\n        \
                args: [\"$(outputs.resources.src.path)\"]\n      \
              - name: no-image\n";
    let evaluated = evaluate(
        source.as_bytes(),
        "Dispatchfile",
        &ParseOptions::default(),
        &Limits::default(),
    );
    let pipeline = evaluated
        .decoded
        .pipeline
        .clone()
        .expect("the Dispatchfile is valid");
    let selection = Selection::manual(["build"]).with_source_map(&evaluated.decoded.source_map);
    let errors =
        lower(&pipeline, &selection, &LowerOptions::default()).expect_err("lowering fails");
    let text: String = errors
        .iter()
        .map(|d| d.render_with_snippet(&evaluated.parsed.files, "Dispatchfile") + "\n")
        .collect();
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("positioned_errors", text);
    });
}

/// A pipeline built in code, not through `decode`: `lower` validates it anyway.
fn unchecked_pipeline(tasks: &[(&str, &[&str], bool)]) -> dispatchfile_model::Pipeline {
    let mut p = dispatchfile_model::Pipeline::default();
    for (name, deps, with_step) in tasks {
        let steps = if *with_step {
            vec![Container {
                name: "s".to_owned(),
                image: Some("alpine:3.20".to_owned()),
                ..Container::default()
            }]
        } else {
            Vec::new()
        };
        let t = dispatchfile_model::Task {
            deps: deps.iter().map(|d| (*d).to_owned()).collect(),
            steps,
            ..dispatchfile_model::Task::default()
        };
        p.tasks.insert((*name).to_owned(), t);
    }
    p
}

macro_rules! refused_cases {
    ($($name:ident: $tasks:expr, $actions:expr => $code:literal;)*) => {$(
        #[test]
        fn $name() {
            let p = unchecked_pipeline(&$tasks);
            let mut selection = Selection::manual(["a"]);
            selection.actions = $actions;
            let problems = lower(&p, &selection, &LowerOptions::default())
                .expect_err("lowering refuses what validation rejects");
            assert!(
                problems.errors().any(|d| d.code == $code),
                "want {}: {problems}",
                $code
            );
        }
    )*};
}

refused_cases! {
    lower_refuses_a_self_dependency: [("a", &["a"][..], true)], vec![] => "cycle";
    lower_refuses_a_missing_dependency: [("a", &["ghost"][..], true)], vec![] => "undefined-dep";
    lower_refuses_a_task_without_steps: [("a", &[][..], false)], vec![] => "missing-field";
    lower_refuses_an_unknown_action_index: [("a", &[][..], true)], vec![3] => "undefined-action";
}

#[test]
fn a_match_result_becomes_the_selection() {
    let source = b"#!yaml\ntask:\n  test:\n    steps: [{name: t, image: alpine}]\nactions:\n  - tasks: [test]\n    on: {push: {branches: [main]}}\n";
    let checked = dispatchfile_parse::check(
        source,
        "Dispatchfile",
        &ParseOptions::default(),
        &Limits::default(),
    )
    .expect("valid");
    let event = dispatch_trigger::Event::from_json(
        r#"{"kind": "push", "branch": "main", "commit": "c0ffee", "url": "u"}"#,
    )
    .expect("an event");
    let matched = checked.triggers().match_event(&event);
    let selection = Selection::from(&matched);
    assert_eq!(selection.actions, matched.actions);
    assert_eq!(selection.tasks, matched.tasks);
    assert_eq!(selection.context, matched.context);
    let lowered = lower(checked.pipeline(), &selection, &LowerOptions::default()).expect("lowers");
    assert!(
        lowered
            .to_yaml()
            .contains("dispatch.d2iq.io/actions: \"0\"")
    );
}
