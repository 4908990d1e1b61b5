//! The JSON Schema of the data formats.

use serde_json::json;

use super::decode_json;

#[test]
fn schema_is_draft_2020_12_with_bundled_kubernetes_defs() {
    let schema = dispatchfile_model::json_schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let defs = schema["$defs"].as_object().expect("$defs is an object");
    for name in [
        "io.k8s.api.core.v1.Container",
        "io.k8s.api.core.v1.Volume",
        "io.k8s.api.core.v1.SecretKeySelector",
        "condition",
        "task",
    ] {
        assert!(defs.contains_key(name), "$defs lacks {name}");
    }
    assert_eq!(schema["properties"]["resources"]["deprecated"], true);
}

#[test]
fn canonical_output_validates_against_the_schema() {
    let schema = dispatchfile_model::json_schema();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let decoded = decode_json(&json!({
        "resource": {"src": {"type": "git", "param": {"url": "u"}, "secret": {"TOKEN": {"name": "s", "key": "k"}}}},
        "task": {"t": {"inputs": ["src"], "steps": [{"name": "s", "image": "a", "resources": {"limits": {"cpu": "1"}}}],
                       "volumes": [{"name": "d", "emptyDir": {}}], "timeout": "1h", "metadata": {"labels": {"a": "b"}}}},
        "actions": [{"tasks": ["t"], "on": {"git": {"push": {"branches": ["main"]}}}},
                    {"tasks": ["t"], "on": {"pull_request": {}}},
                    {"name": "n", "tasks": ["t"], "on": {"cron": {"schedule": "@daily", "git": {"revision": "main"}}}},
                    {"tasks": ["t"], "on": {"image": {"push": {"tags": ["v*"]}}}}]
    }));
    let text = dispatchfile_model::to_canonical_json(&decoded.pipeline.expect("valid"));
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn schema_rejects_two_condition_kinds() {
    let schema = dispatchfile_model::json_schema();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let bad = json!({"task": {"t": {"steps": [{"name": "s"}]}}, "actions": [{"tasks": ["t"], "on": {"push": {}, "tag": {}}}]});
    assert!(!validator.is_valid(&bad));
}
