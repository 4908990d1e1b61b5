//! Hostile and bulk input to decoding and validation: quantities and integers checked at their
//! field, diagnostics capped per code and in all (counted, not built, and still an error),
//! the decoded model's memory bounded, and validation linear on large graph shapes.

use dispatchfile_model::{
    Code, DecodeOptions, Decoded, Document, Limits, Node, Pipeline, Severity, SourceMap, Span,
    Task, decode, validate,
};
use serde_json::{Value, json};

use super::decode_json;

/// A pipeline with one task `t` whose only step is `{"name": "s", "image": "alpine"}` patched
/// with the entries of `step`.
fn with_step(step: Value) -> Value {
    let mut s = json!({"name": "s", "image": "alpine"});
    if let (Some(s), Value::Object(extra)) = (s.as_object_mut(), step) {
        s.extend(extra);
    }
    json!({"task": {"t": {"steps": [s]}}})
}

/// Decodes `doc` under `limits`.
fn decode_with(doc: &Value, limits: &Limits) -> Decoded {
    let doc = Document {
        root: Node::from_json(doc, Span::default()),
    };
    decode(&doc, &DecodeOptions::default(), limits)
}

/// A step field checked at the field: `Ok(())` when accepted, else the code, the element path
/// and a fragment of the message.
macro_rules! field_cases {
    ($($name:ident: $step:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let decoded = decode_json(&with_step($step));
            let errors: Vec<_> = decoded.diagnostics.iter().filter(|d| d.is_error()).collect();
            let want: Result<(), (Code, &str, &str)> = $want;
            match want {
                Ok(()) => {
                    assert!(errors.is_empty(), "{errors:#?}");
                    assert!(decoded.pipeline.is_some(), "accepted");
                }
                Err((code, path, fragment)) => {
                    assert_eq!(errors.len(), 1, "one error at the field: {errors:#?}");
                    assert_eq!(errors[0].code, code, "{errors:#?}");
                    assert_eq!(errors[0].path, path, "the field's own path");
                    assert!(errors[0].message.contains(fragment), "{:?} lacks {fragment:?}", errors[0].message);
                    assert!(decoded.pipeline.is_none(), "no pipeline with an error");
                }
            }
        }
    )*};
}

field_cases! {
    cpu_millicores: json!({"resources": {"limits": {"cpu": "500m"}}}) => Ok(());
    memory_binary: json!({"resources": {"requests": {"memory": "1.5Gi"}}}) => Ok(());
    cpu_as_a_number: json!({"resources": {"limits": {"cpu": 2}}}) => Ok(());
    memory_exponent: json!({"resources": {"limits": {"memory": "129e6"}}}) => Ok(());
    negative_cpu: json!({"resources": {"limits": {"cpu": "-1"}}})
        => Err((Code::InvalidQuantity, "/task/t/steps/0/resources/limits/cpu", "\"cpu\" is \"-1\", not a valid quantity: a quantity of a resource cannot be negative"));
    negative_request_number: json!({"resources": {"requests": {"memory": -5}}})
        => Err((Code::InvalidQuantity, "/task/t/steps/0/resources/requests/memory", "cannot be negative"));
    huge_memory: json!({"resources": {"limits": {"memory": "1e999"}}})
        => Err((Code::InvalidQuantity, "/task/t/steps/0/resources/limits/memory", "larger than 2^63 - 1"));
    unknown_suffix: json!({"resources": {"limits": {"memory": "2GB"}}})
        => Err((Code::InvalidQuantity, "/task/t/steps/0/resources/limits/memory", "expected a number with an optional suffix"));
    empty_quantity: json!({"resources": {"limits": {"cpu": ""}}})
        => Err((Code::InvalidQuantity, "/task/t/steps/0/resources/limits/cpu", "not a valid quantity"));
    port_in_range: json!({"ports": [{"containerPort": 8080}]}) => Ok(());
    port_past_32_bits: json!({"ports": [{"containerPort": 4_294_967_296_u64}]})
        => Err((Code::OutOfRange, "/task/t/steps/0/ports/0/containerPort", "\"containerPort\" is 4294967296, out of range for a 32-bit integer"));
    port_below_32_bits: json!({"ports": [{"containerPort": -2_147_483_649_i64}]})
        => Err((Code::OutOfRange, "/task/t/steps/0/ports/0/containerPort", "32-bit"));
    probe_port_int_or_string: json!({"livenessProbe": {"httpGet": {"port": 99_999_999_999_u64}}})
        => Err((Code::OutOfRange, "/task/t/steps/0/livenessProbe/httpGet/port", "32-bit"));
    probe_port_name: json!({"livenessProbe": {"httpGet": {"port": "http"}}}) => Ok(());
    int64_past_64_bits: json!({"livenessProbe": {"exec": {"command": ["x"]}, "terminationGracePeriodSeconds": u64::MAX}})
        => Err((Code::OutOfRange, "/task/t/steps/0/livenessProbe/terminationGracePeriodSeconds", "out of range for a 64-bit integer"));
    fractional_port: json!({"ports": [{"containerPort": 80.5}]})
        => Err((Code::Type, "/task/t/steps/0/ports/0/containerPort", "must be an integer"));
}

#[test]
fn volume_size_limits_are_quantities() {
    let doc = json!({"task": {"t": {
        "steps": [{"name": "s", "image": "alpine"}],
        "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "-1Gi"}}],
    }}});
    let decoded = decode_json(&doc);
    let d = decoded
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidQuantity)
        .expect("the size limit is checked");
    assert_eq!(d.path, "/task/t/volumes/0/emptyDir/sizeLimit");
}

#[test]
fn every_bad_field_of_a_step_is_reported() {
    // serde stopped at the first bad field and reported it at the whole step: each is its own
    // error now, at its own path.
    let decoded = decode_json(&with_step(json!({
        "ports": [{"containerPort": 4_294_967_296_u64}, {"containerPort": 70_000_000_000_u64}],
        "resources": {"limits": {"cpu": "-1", "memory": "1e999"}},
    })));
    let mut paths: Vec<&str> = decoded
        .diagnostics
        .iter()
        .map(|d| d.path.as_str())
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/task/t/steps/0/ports/0/containerPort",
            "/task/t/steps/0/ports/1/containerPort",
            "/task/t/steps/0/resources/limits/cpu",
            "/task/t/steps/0/resources/limits/memory",
        ]
    );
}

/// `n` empty steps in one task: two warnings each (no name, no image).
fn empty_steps(n: usize) -> Value {
    json!({"task": {"t": {"steps": vec![json!({}); n]}}})
}

/// Bulk diagnostics: `(steps, per code, total)` → `(shown, warnings not shown)`.
macro_rules! cap_cases {
    ($($name:ident: $steps:expr, per_code $per:expr, total $total:expr => ($shown:expr, $omitted:expr);)*) => {$(
        #[test]
        fn $name() {
            let mut limits = Limits::default();
            limits.max_diagnostics_per_code = $per;
            limits.max_diagnostics = $total;
            let decoded = decode_with(&empty_steps($steps), &limits);
            assert_eq!(decoded.diagnostics.len(), $shown, "kept");
            assert_eq!(decoded.omitted.warnings, $omitted, "counted, not kept");
            assert_eq!(decoded.omitted.errors, 0);
            assert!(decoded.pipeline.is_some(), "warnings only: the pipeline is valid");
            assert_eq!(decoded.diagnostics.len() + decoded.omitted.total(), 2 * $steps, "every diagnostic is kept or counted");
        }
    )*};
}

cap_cases! {
    under_the_caps: 10, per_code 100, total 1000 => (20, 0);
    per_code_cap: 1000, per_code 100, total 1000 => (200, 1800);
    total_cap: 1000, per_code 1000, total 150 => (150, 1850);
    default_caps_on_twenty_thousand_steps: 20_000, per_code 100, total 1000 => (200, 39_800);
}

#[test]
fn an_error_left_out_still_rejects_the_pipeline() {
    // 300 tasks without steps: 300 `missing-field` errors, 100 kept.
    let tasks: serde_json::Map<String, Value> = (0..300)
        .map(|i| (format!("t{i:03}"), json!({"steps": []})))
        .collect();
    let decoded = decode_json(&json!({ "task": tasks }));
    assert_eq!(decoded.diagnostics.len(), 100);
    assert_eq!(decoded.omitted.errors, 200);
    assert!(decoded.pipeline.is_none(), "errors left out are errors");
}

#[test]
fn an_error_is_shown_past_the_total_cap() {
    // The total cap is reached by warnings (no names, no images) before the error comes.
    let mut limits = Limits::default();
    limits.max_diagnostics = 10;
    let mut doc = empty_steps(50);
    doc["task"]["u"] = json!({"steps": []});
    let decoded = decode_with(&doc, &limits);
    assert!(
        decoded
            .diagnostics
            .iter()
            .any(|d| d.code == Code::MissingField),
        "the first error is shown"
    );
    assert_eq!(decoded.diagnostics.len(), 11);
    assert!(decoded.pipeline.is_none());
}

#[test]
fn validation_alone_caps_too() {
    let mut p = Pipeline::default();
    for i in 0..5_000 {
        p.tasks.insert(
            format!("t{i:05}"),
            Task {
                deps: vec![format!("missing-{i}")],
                ..Task::default()
            },
        );
    }
    let problems = validate(&p, &SourceMap::new()).expect_err("undefined deps, no steps");
    let limits = Limits::default();
    assert!(problems.len() <= limits.max_diagnostics);
    assert_eq!(problems.len() + problems.omitted().total(), 10_000);
    assert!(problems.has_errors());
    assert!(
        problems
            .to_string()
            .ends_with("… and 9,800 more diagnostics (9,800 errors, 0 warnings) not shown"),
        "the summary line is last"
    );
}

/// The decoded model's memory, as estimated, against `max_model_bytes`.
macro_rules! model_cases {
    ($($name:ident: $doc:expr => $over:expr;)*) => {$(
        #[test]
        fn $name() {
            let decoded = decode_json(&$doc);
            let over = decoded.diagnostics.iter().any(|d| {
                d.code == Code::LimitExceeded && d.message == "limit exceeded: max_model_bytes (134217728)"
            });
            assert_eq!(over, $over, "{:#?}", decoded.diagnostics.iter().filter(|d| d.is_error()).collect::<Vec<_>>());
            assert_eq!(decoded.pipeline.is_none(), $over);
        }
    )*};
}

model_cases! {
    // 2 KiB each in memory: 400,000 of them were a gigabyte.
    four_hundred_thousand_empty_steps: empty_steps(400_000) => true;
    forty_thousand_empty_steps: empty_steps(40_000) => false;
    many_empty_volumes: json!({"task": {"t": {"steps": [{"name": "s", "image": "i"}], "volumes": vec![json!({"name": "v", "emptyDir": {}}); 100_000]}}}) => true;
    a_thousand_realistic_steps: json!({"task": {"t": {"steps": (0..1000).map(|i| json!({
        "name": format!("s{i}"), "image": "golang:1.22", "command": ["go", "test", "./..."],
        "args": ["-v", "-race", "-count=1"], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
        "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}})).collect::<Vec<_>>()}}}) => false;
}

#[test]
fn the_model_limit_stops_decoding_at_once() {
    let mut limits = Limits::default();
    limits.max_model_bytes = 1 << 20;
    let decoded = decode_with(&empty_steps(100_000), &limits);
    let over: Vec<_> = decoded
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::LimitExceeded)
        .collect();
    assert_eq!(over.len(), 1, "reported once");
    assert_eq!(over[0].message, "limit exceeded: max_model_bytes (1048576)");
    assert!(
        over[0].path.starts_with("/task/t/steps/"),
        "at the step that crossed it: {}",
        over[0].path
    );
    // Steps after it were not decoded: their warnings were never made.
    assert!(decoded.diagnostics.len() + decoded.omitted.total() < 2_000);
}

/// 100,000 tasks in each shape; validation gives its answer (no timing is asserted: a
/// quadratic pass would hang the test instead).
mod shapes {
    use super::*;

    const N: usize = 100_000;

    fn task(inputs: Vec<String>, outputs: Vec<String>, deps: Vec<String>) -> Task {
        let step = k8s_openapi::api::core::v1::Container {
            name: "s".into(),
            image: Some("alpine".into()),
            ..Default::default()
        };
        Task {
            inputs,
            outputs,
            deps,
            steps: vec![step],
            ..Task::default()
        }
    }

    fn name(i: usize) -> String {
        format!("t{i:06}")
    }

    fn resource(p: &mut Pipeline, name: &str) {
        p.resources.insert(
            name.to_owned(),
            dispatchfile_model::Resource {
                kind: "storage".into(),
                ..Default::default()
            },
        );
    }

    fn codes(p: &Pipeline) -> Vec<(Severity, Code)> {
        match validate(p, &SourceMap::new()) {
            Ok(w) | Err(w) => w.iter().map(|d| (d.severity, d.code)).collect(),
        }
    }

    #[test]
    fn chain() {
        let mut p = Pipeline::default();
        for i in 0..N {
            let deps = if i == 0 { vec![] } else { vec![name(i - 1)] };
            p.tasks.insert(name(i), task(vec![], vec![], deps));
        }
        assert_eq!(codes(&p), []);
    }

    #[test]
    fn star_of_dependents() {
        let mut p = Pipeline::default();
        p.tasks.insert(name(0), task(vec![], vec![], vec![]));
        for i in 1..N {
            p.tasks.insert(name(i), task(vec![], vec![], vec![name(0)]));
        }
        assert_eq!(codes(&p), []);
    }

    #[test]
    fn wide_fan_in_through_one_resource() {
        // Every task writes `r` and the last reads it: one `multiple-producers` error naming
        // them all (this was quadratic).
        let mut p = Pipeline::default();
        resource(&mut p, "r");
        for i in 0..N {
            p.tasks
                .insert(name(i), task(vec![], vec!["r".into(), "r".into()], vec![]));
        }
        p.tasks
            .insert("z".into(), task(vec!["r".into()], vec![], vec![]));
        let problems = validate(&p, &SourceMap::new()).expect_err("many producers");
        let d = problems
            .iter()
            .find(|d| d.code == Code::MultipleProducers)
            .expect("reported");
        assert_eq!(d.message.matches(", ").count(), N - 1, "each producer once");
    }

    #[test]
    fn one_task_reading_everything() {
        let mut p = Pipeline::default();
        let mut inputs = Vec::new();
        for i in 0..N {
            let r = format!("r{i}");
            resource(&mut p, &r);
            p.tasks
                .insert(name(i), task(vec![], vec![r.clone()], vec![]));
            inputs.push(r);
        }
        p.tasks.insert("z".into(), task(inputs, vec![], vec![]));
        assert_eq!(codes(&p), []);
    }
}
