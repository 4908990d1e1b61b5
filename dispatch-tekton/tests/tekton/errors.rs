//! Lowering errors and warnings: every one names the element, and points into the Dispatchfile.

use dispatch_tekton::{LowerOptions, Selection, lower};
use dispatchfile_model::Limits;
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

#[test]
fn step_result_variables_are_kept_with_a_warning() {
    let p = pipeline(&json!({"task": {
        "a": {"steps": [{"name": "s", "image": "alpine:3.20"}]},
        "b": {"inputs": ["a"], "steps": [{"name": "s", "image": "alpine:3.20", "args": ["$(inputs.tasks.a.s)"]}]}
    }}));
    let lowered = lower_push(&p, &["b"], &LowerOptions::default()).expect("lowers with a warning");
    assert_eq!(
        render_diagnostics(lowered.warnings()),
        "Dispatchfile: warning[unsupported-task-result]: step #0 of task \"b\": step result variable $(inputs.tasks.a.s) is not supported and is kept as written\n"
    );
    assert!(lowered.to_yaml().contains("args: [$(inputs.tasks.a.s)]"));
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
