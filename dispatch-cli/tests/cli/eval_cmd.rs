//! `dispatch eval`, `validate` and `schema`, and bad input through the binary.

use super::{run, stderr, stdout};

#[test]
fn eval_prints_the_canonical_seed_pipeline() {
    let json = run(&["eval", "../examples/Dispatchfile.json"], b"");
    let yaml = run(&["eval", "../examples/Dispatchfile.yaml"], b"");
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    assert_eq!(yaml.status.code(), Some(0), "{}", stderr(&yaml));
    assert_eq!(
        stdout(&json),
        stdout(&yaml),
        "every format gives the same bytes"
    );
    assert!(stdout(&json).starts_with("{\n  \"actions\": [\n"));
    assert!(stdout(&json).ends_with("}\n"));
}

#[test]
fn eval_raw_keeps_document_order() {
    let out = run(&["eval", "--raw", "-"], b"#!yaml\ntask: {}\nresource: {}\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "{\n  \"task\": {},\n  \"resource\": {}\n}\n");
}

#[test]
fn stdin_is_named_stdin_in_diagnostics() {
    let out = run(&["eval", "-"], b"#!json\n{\"task\": 1}");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).starts_with(
            "<stdin>:2:10: error[type]: \"task\" must be a map of names to objects, found number"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_file_is_a_usage_error() {
    let out = run(&["eval", "no/such/Dispatchfile"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read no/such/Dispatchfile"));
}

#[test]
fn bad_flag_is_a_usage_error() {
    let out = run(&["eval", "--frobnicate", "x"], b"");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_counts_problems() {
    let out = run(&["validate", "-"], b"#!yaml\ntask:\n  t:\n    steps: [{image: alpine}]\nactions:\n  - tasks: [x]\n    on: {push: {}}\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "1 error, 1 warning\n");
    assert!(
        stderr(&out)
            .contains("<stdin>:6:13: error[undefined-task]: undefined task \"x\" in action #0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn validate_says_ok() {
    let out = run(&["validate", "../examples/Dispatchfile.yaml"], b"");
    assert_eq!(
        (out.status.code(), stdout(&out).as_str()),
        (Some(0), "ok\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn strict_turns_unknown_fields_into_errors() {
    let text = b"#!yaml\ntask:\n  t:\n    steps: [{name: s, image: alpine, workingdir: /x}]\n";
    assert_eq!(run(&["eval", "-"], text).status.code(), Some(0));
    let strict = run(&["eval", "--strict", "-"], text);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).contains("error[unknown-field]"));
}

#[test]
fn schema_is_json() {
    let out = run(&["schema"], b"");
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

/// Bad input of every kind ends with exit 1 and a positioned message, never a crash.
macro_rules! bad_input {
    ($($name:ident: $input:expr => $fragment:literal;)*) => {$(
        #[test]
        fn $name() {
            let input: Vec<u8> = $input;
            let out = run(&["eval", "-"], &input);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{err}");
            assert!(err.starts_with("<stdin>:"), "positioned: {err}");
            assert!(err.contains($fragment), "{err}");
        }
    )*};
}

bad_input! {
    malformed_json: b"#!json\n{\"task\": [}".to_vec() => "error[parse]";
    malformed_yaml: b"#!yaml\ntask: [a, b\n".to_vec() => "error[parse]";
    wrong_types: b"#!yaml\ntask: 5\n".to_vec() => "error[type]";
    empty_file: Vec::new() => "the file is empty";
    empty_yaml: b"#!yaml\n".to_vec() => "the file is empty";
    invalid_utf8: b"#!yaml\ntask: \xc3\x28\n".to_vec() => "not valid UTF-8";
    nul_bytes: b"#!json\n{\"a\": \0}".to_vec() => "error[parse]";
    deep_json: format!("#!json\n{{\"a\": {}", "[".repeat(100_000)).into_bytes() => "limit exceeded: max_depth (128)";
    deep_yaml: format!("#!yaml\na: {}", "{a: ".repeat(100_000)).into_bytes() => "limit exceeded: max_depth (128)";
    oversized: format!("#!yaml\na: \"{}\"\n", "x".repeat(2 << 20)).into_bytes() => "limit exceeded: max_source_bytes (1048576)";
    unknown_selector: b"#!python\nprint(1)\n".to_vec() => "unknown Dispatchfile format selector";
}
