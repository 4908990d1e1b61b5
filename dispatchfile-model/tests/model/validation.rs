//! One named case per validation rule, valid and invalid.

use dispatchfile_model::Severity;
use serde_json::{Value, json};

use super::decode_json;

/// A minimal valid pipeline with one task `t` and one git resource `src`, patched by `f`.
fn base(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = json!({
        "resource": {"src": {"type": "git", "param": {"url": "$(context.git.url)"}}},
        "task": {"t": {"inputs": ["src"], "steps": [{"name": "s", "image": "alpine"}]}},
        "actions": [{"tasks": ["t"], "on": {"push": {"branches": ["main"]}}}]
    });
    f(&mut v);
    v
}

/// `(severity, code, message fragment)` triples expected for a document; nothing else may be reported.
macro_rules! rule_cases {
    ($($name:ident: $doc:expr => [$(($sev:ident, $code:literal, $frag:literal)),* $(,)?];)*) => {$(
        #[test]
        fn $name() {
            let decoded = decode_json(&$doc);
            let got: Vec<(Severity, &str, &str)> = decoded
                .diagnostics
                .iter()
                .map(|d| (d.severity, d.code.as_str(), d.message.as_str()))
                .collect();
            let want: Vec<(Severity, &str, &str)> = vec![$((Severity::$sev, $code, $frag)),*];
            assert_eq!(got.len(), want.len(), "diagnostics: {got:#?}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!((g.0, g.1), (w.0, w.1), "diagnostics: {got:#?}");
                assert!(g.2.contains(w.2), "message {:?} should contain {:?}", g.2, w.2);
            }
            let has_error = want.iter().any(|w| w.0 == Severity::Error);
            assert_eq!(decoded.pipeline.is_none(), has_error, "pipeline is returned iff no error");
        }
    )*};
}

rule_cases! {
    valid_base_pipeline: base(|_| {}) => [];
    r1_resource_needs_type: base(|v| { v["resource"]["src"] = json!({"param": {}}); })
        => [(Error, "missing-field", "resource \"src\": missing required field \"type\"")];
    r1_task_needs_steps: base(|v| { v["task"]["t"]["steps"] = json!([]); })
        => [(Error, "missing-field", "task \"t\": missing required field \"steps\"")];
    r1_action_needs_tasks: base(|v| { v["actions"][0]["tasks"] = json!([]); })
        => [(Error, "missing-field", "action #0: missing required field \"tasks\"")];
    r1_action_needs_on: base(|v| { v["actions"][0] = json!({"tasks": ["t"]}); })
        => [(Error, "missing-field", "action #0: missing required field \"on\"")];
    r1_cron_needs_schedule: base(|v| { v["actions"][0] = json!({"name": "n", "tasks": ["t"], "on": {"cron": {}}}); })
        => [(Error, "missing-field", "missing required field \"schedule\"")];
    r2_undefined_task: base(|v| { v["actions"][0]["tasks"] = json!(["unit-tests-simple"]); })
        => [(Error, "undefined-task", "undefined task \"unit-tests-simple\" in action #0")];
    r3_actions_without_tasks: json!({"actions": [{"tasks": ["x"], "on": {"push": {}}}]})
        => [(Error, "missing-field", "defines no tasks"), (Error, "undefined-task", "undefined task \"x\"")];
    r3_empty_pipeline_is_a_warning: json!({}) => [(Warning, "empty-pipeline", "pipeline defines no tasks")];
    r4_undefined_input: base(|v| { v["task"]["t"]["inputs"] = json!(["x"]); })
        => [(Error, "undefined-input", "task \"t\": input \"x\" is neither a resource nor a task")];
    r4_task_input_is_fine: base(|v| {
        v["task"]["u"] = json!({"inputs": ["t"], "steps": [{"name": "s", "image": "alpine"}]});
    }) => [];
    r4_ambiguous_input_prefers_the_resource: base(|v| {
        v["task"]["src"] = json!({"steps": [{"name": "s", "image": "alpine"}]});
    }) => [(Warning, "ambiguous-input", "input \"src\" names both a resource and a task")];
    r5_undefined_output: base(|v| { v["task"]["t"]["outputs"] = json!(["img"]); })
        => [(Error, "undefined-output", "task \"t\": output \"img\" is not a resource")];
    r5_undefined_dep: base(|v| { v["task"]["t"]["deps"] = json!(["nope"]); })
        => [(Error, "undefined-dep", "task \"t\": dependency \"nope\" is not a task")];
    r6_multiple_producers: base(|v| {
        v["resource"]["img"] = json!({"type": "image", "param": {"url": "x"}});
        v["task"]["a"] = json!({"outputs": ["img"], "steps": [{"name": "s", "image": "alpine"}]});
        v["task"]["b"] = json!({"outputs": ["img"], "steps": [{"name": "s", "image": "alpine"}]});
    }) => [(Error, "multiple-producers", "resource \"img\" is output by more than one task: \"a\", \"b\"")];
    r6_input_and_output_of_one_task_is_fine: base(|v| { v["task"]["t"]["outputs"] = json!(["src"]); }) => [];
    r7_two_kinds: base(|v| { v["actions"][0]["on"] = json!({"push": {}, "tag": {}}); })
        => [(Error, "condition-kind", "action #0: condition must set exactly one of push, tag, pull_request, release, cron, git, image (found push, tag)")];
    r7_no_kind: base(|v| { v["actions"][0]["on"] = json!({}); })
        => [(Error, "condition-kind", "(found none)")];
    r7_git_needs_one_member: base(|v| { v["actions"][0]["on"] = json!({"git": {"push": {}, "tag": {}}}); })
        => [(Error, "condition-kind", "\"git\" must set exactly one of")];
    r7_grouped_layout_is_fine: base(|v| { v["actions"][0]["on"] = json!({"git": {"pull_request": {"chatops": ["test"]}}}); }) => [];
    r7_image_push_is_fine: base(|v| { v["actions"][0]["on"] = json!({"image": {"push": {"tags": ["v*"]}}}); }) => [];
    r8_cron_needs_a_name: base(|v| { v["actions"][0]["on"] = json!({"cron": {"schedule": "0 * * * *"}}); })
        => [(Error, "cron-name", "action #0: cron actions need a \"name\"")];
    r8_cron_names_are_unique: base(|v| {
        let a = json!({"name": "nightly", "tasks": ["t"], "on": {"cron": {"schedule": "@daily"}}});
        v["actions"] = json!([a.clone(), a]);
    }) => [(Error, "cron-name", "action #1: cron action name \"nightly\" is already used by action #0")];
    r9_dependency_cycle: base(|v| {
        v["task"]["a"] = json!({"deps": ["b"], "steps": [{"name": "s", "image": "alpine"}]});
        v["task"]["b"] = json!({"inputs": ["a"], "steps": [{"name": "s", "image": "alpine"}]});
    }) => [(Error, "cycle", "dependency cycle: task \"a\" -> task \"b\" -> task \"a\"")];
    r9_producer_consumer_cycle: base(|v| {
        v["resource"]["img"] = json!({"type": "image", "param": {"url": "x"}});
        v["task"]["a"] = json!({"inputs": ["img"], "deps": ["b"], "steps": [{"name": "s", "image": "alpine"}]});
        v["task"]["b"] = json!({"outputs": ["img"], "deps": ["a"], "steps": [{"name": "s", "image": "alpine"}]});
    }) => [(Error, "cycle", "dependency cycle: task \"a\" -> task \"b\" -> task \"a\"")];
    r9_self_dependency: base(|v| { v["task"]["t"]["deps"] = json!(["t"]); })
        => [(Error, "cycle", "dependency cycle: task \"t\" -> task \"t\"")];
    r10_duplicate_step: base(|v| {
        v["task"]["t"]["steps"] = json!([{"name": "build", "image": "a"}, {"name": "x", "image": "a"}, {"name": "build", "image": "a"}]);
    }) => [(Error, "duplicate-step", "task \"t\": duplicate step name \"build\" (steps #0 and #2)")];
    r11_name_needs_sanitising: base(|v| {
        v["task"]["Build_All"] = json!({"steps": [{"name": "s", "image": "alpine"}]});
    }) => [(Warning, "invalid-name", "task \"Build_All\" will be named \"build-all\" in Kubernetes")];
    r11_name_without_label: base(|v| {
        v["resource"]["__"] = json!({"type": "git"});
    }) => [(Error, "invalid-name", "resource \"__\" has no usable Kubernetes name")];
    r12_invalid_duration: base(|v| { v["task"]["t"]["timeout"] = json!("10 minutes"); })
        => [(Error, "invalid-duration", "task \"t\": invalid timeout \"10 minutes\"")];
    r12_valid_duration: base(|v| { v["task"]["t"]["timeout"] = json!("1h30m"); }) => [];
    r13_invalid_label_value: base(|v| { v["task"]["t"]["metadata"] = json!({"labels": {"team": "a b"}}); })
        => [(Error, "invalid-label", "invalid value \"a b\" for label \"team\"")];
    r13_context_variable_values_wait_for_lowering: base(|v| { v["task"]["t"]["metadata"] = json!({"labels": {"build": "$(context.build.name)"}}); })
        => [];
    r13_literal_text_beside_a_context_variable_waits_for_lowering: base(|v| { v["task"]["t"]["metadata"] = json!({"labels": {"build": "a b-$(context.build.name)"}}); })
        => [];
    r13_label_key_beside_a_context_variable_value_is_checked: base(|v| { v["task"]["t"]["metadata"] = json!({"labels": {"no spaces": "$(context.git.branch)"}}); })
        => [(Error, "invalid-label", "invalid label key \"no spaces\"")];
    r13_unknown_context_variable_in_a_label_value_is_literal: base(|v| { v["task"]["t"]["metadata"] = json!({"labels": {"b": "$(context.git.sha)"}}); })
        => [(Error, "invalid-label", "invalid value \"$(context.git.sha)\" for label \"b\"")];
    r13_invalid_annotation_key: base(|v| { v["task"]["t"]["metadata"] = json!({"annotations": {"no spaces": "x"}}); })
        => [(Error, "invalid-label", "invalid annotation key \"no spaces\"")];
    r14_missing_step_name_and_image: base(|v| { v["task"]["t"]["steps"] = json!([{"command": ["true"]}]); })
        => [(Warning, "missing-image", "step #0 of task \"t\" has no image"), (Warning, "missing-step-name", "it will be named \"step-0\"")];
    r15_unknown_context_var: base(|v| { v["task"]["t"]["steps"][0]["args"] = json!(["$(context.git.sha)"]); })
        => [(Warning, "unknown-context-var", "task \"t\" step #0: unknown context variable $(context.git.sha)")];
    r15_tekton_context_is_fine: base(|v| { v["task"]["t"]["steps"][0]["args"] = json!(["$(context.pipelineRun.name)", "$(context.build.name)"]); }) => [];
    alias_params_warns: base(|v| { v["resource"]["src"] = json!({"type": "git", "params": {"url": "u"}}); })
        => [(Warning, "deprecated-alias", "\"params\" is a deprecated spelling of \"param\"")];
    alias_and_canonical_clash: base(|v| { v["resource"]["src"] = json!({"type": "git", "param": {}, "params": {}}); })
        => [(Warning, "deprecated-alias", "\"params\" is a deprecated spelling"), (Error, "duplicate-key", "\"param\" is set twice")];
    unknown_field_warns: base(|v| { v["task"]["t"]["steps"][0]["workingdir"] = json!("/x"); })
        => [(Warning, "unknown-field", "unknown field \"workingdir\"")];
    top_level_helper_field_warns: base(|v| { v["docker_user"] = json!("me"); })
        => [(Warning, "unknown-field", "hidden as \"_docker_user\"")];
    wrong_type_is_not_coerced: base(|v| { v["task"]["t"]["steps"][0]["image"] = json!(1.10); })
        => [(Error, "type", "\"image\" must be a string, found number")];
    quantities_accept_numbers: base(|v| { v["task"]["t"]["steps"][0]["resources"] = json!({"limits": {"cpu": 1, "memory": "2Gi"}}); }) => [];
    pr_branches_is_the_documented_field: base(|v| { v["actions"][0]["on"] = json!({"pull_request": {"branches": ["main"]}}); })
        => [];
    unknown_condition_field_fails_closed: base(|v| { v["actions"][0]["on"] = json!({"tag": {"tags": ["v*"]}}); })
        => [(Error, "unknown-field", "action #0: tag condition: unknown field \"tags\" (did you mean \"names\"?)")];
    unknown_condition_field_fails_closed_when_grouped: base(|v| { v["actions"][0]["on"] = json!({"git": {"pull_request": {"comment": ["test"]}}}); })
        => [(Error, "unknown-field", "unknown field \"comment\" (did you mean \"chatops\"?)")];
    unknown_condition_field_lists_the_fields: base(|v| { v["actions"][0]["on"] = json!({"push": {"refs": ["main"]}}); })
        => [(Error, "unknown-field", "unknown field \"refs\" (expected one of branches, paths, tags)")];
    unknown_field_beside_the_kind_fails_closed: base(|v| { v["actions"][0]["on"] = json!({"push": {}, "branch": ["main"]}); })
        => [(Error, "unknown-field", "action #0: condition: unknown field \"branch\"")];
    push_tags_is_the_2019_tag_condition: base(|v| { v["actions"][0]["on"] = json!({"push": {"tags": ["v*"]}}); })
        => [(Warning, "deprecated-field", "a push condition with \"tags\" is the 2019 spelling of a tag condition")];
    push_tags_beside_branches_needs_two_actions: base(|v| { v["actions"][0]["on"] = json!({"push": {"branches": ["main"], "tags": ["v*"]}}); })
        => [(Error, "condition-kind", "write two actions")];
    cron_revisions_conflict: base(|v| {
        v["actions"][0] = json!({"name": "n", "tasks": ["t"], "on": {"cron": {"schedule": "@daily", "revision": "a", "git": {"revision": "b"}}}});
    }) => [(Error, "duplicate-key", "differ")];
}

#[test]
fn diagnostics_are_sorted_by_position_then_code() {
    let decoded = decode_json(&base(|v| {
        v["actions"][0]["tasks"] = json!(["x"]);
        v["task"]["t"]["inputs"] = json!(["y"]);
    }));
    let codes: Vec<&str> = decoded
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    // Without spans every diagnostic sorts by code.
    assert_eq!(codes, ["undefined-input", "undefined-task"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let decoded = decode_json(&json!({
        "resource": {"r": {}},
        "task": {"a": {"steps": [], "deps": ["zz"]}},
        "actions": [{"tasks": ["nope"], "on": {"push": {}, "tag": {}}}]
    }));
    let codes: Vec<&str> = decoded
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    for want in [
        "missing-field",
        "undefined-dep",
        "undefined-task",
        "condition-kind",
    ] {
        assert!(codes.contains(&want), "{want} missing from {codes:?}");
    }
}

#[test]
fn push_tags_is_written_back_as_a_tag_condition() {
    let decoded = decode_json(&base(|v| {
        v["actions"][0]["on"] = json!({"push": {"tags": ["v*", "!v0.*"]}});
    }));
    let pipeline = decoded.pipeline.expect("a warning only");
    assert_eq!(
        pipeline.actions[0].on.kind,
        dispatchfile_model::ConditionKind::Tag(dispatchfile_model::TagCondition {
            names: vec!["v*".to_owned(), "!v0.*".to_owned()],
        }),
        "the tags become the tag condition's names"
    );
    let canonical = dispatchfile_model::to_canonical_json(&pipeline);
    assert!(
        canonical.contains("\"tag\": {\n          \"names\": ["),
        "canonical output writes a tag condition:\n{canonical}"
    );
}
