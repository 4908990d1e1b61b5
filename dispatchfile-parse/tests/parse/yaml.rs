//! The YAML frontend: YAML 1.2 core schema, one document, anchors bounded, spans.

use std::fmt::Write as _;

use dispatchfile_model::{Limits, Value};
use dispatchfile_parse::{ParseOptions, parse};

use super::{eval, rendered};

fn scalar(text: &str, key: &str) -> Value {
    let parsed = parse(
        format!("#!yaml\n{text}").as_bytes(),
        "f",
        &ParseOptions::default(),
        &Limits::default(),
    );
    let doc = parsed
        .document
        .unwrap_or_else(|| panic!("{text:?} should parse: {:?}", parsed.diagnostics));
    doc.root.get(key).expect("key present").value.value.clone()
}

macro_rules! scalar_cases {
    ($($name:ident: $text:literal => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(scalar($text, "a"), $want, "{}", $text);
        }
    )*};
}

fn s(x: &str) -> Value {
    Value::String(x.to_owned())
}
fn n(x: &str) -> Value {
    Value::Number(x.to_owned())
}

scalar_cases! {
    on_is_a_string: "a: on" => s("on");
    yes_is_a_string: "a: yes" => s("yes");
    off_is_a_string: "a: Off" => s("Off");
    true_is_a_bool: "a: True" => Value::Bool(true);
    tilde_is_null: "a: ~" => Value::Null;
    empty_is_null: "a:" => Value::Null;
    version_stays_exact: "a: 1.10" => n("1.10");
    hex_int: "a: 0x1F" => n("31");
    octal_int: "a: 0o17" => n("15");
    leading_zeros_are_decimal: "a: 007" => n("7");
    exponent: "a: 1e3" => n("1e3");
    quoted_number_is_a_string: "a: \"8080\"" => s("8080");
    str_tag: "a: !!str 8080" => s("8080");
    int_tag: "a: !!int \"5\"" => n("5");
    underscores_are_strings: "a: 1_000" => s("1_000");
    literal_block: "a: |\n  x\n  y\n" => s("x\ny\n");
    anchors_expand: "b: &x hello\na: *x" => s("hello");
}

#[test]
fn on_key_is_a_string_key() {
    let parsed = parse(
        b"#!yaml\non: push",
        "f",
        &ParseOptions::default(),
        &Limits::default(),
    );
    let root = parsed.document.expect("parses").root;
    assert!(root.get("on").is_some());
}

macro_rules! yaml_errors {
    ($($name:ident: $text:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(rendered(&eval($text)), $want);
        }
    )*};
}

yaml_errors! {
    duplicate_keys: "#!yaml\ntask: {}\ntask: {}\n" => "Dispatchfile:3:1: error[duplicate-key]: duplicate key \"task\"\n";
    two_documents: "#!yaml\ntask: {}\n---\ntask: {}\n" => "Dispatchfile:3:1: error[parse]: a Dispatchfile holds exactly one YAML document\n";
    custom_tag: "#!yaml\ntask: !custom {}\n" => "Dispatchfile:2:7: error[parse]: unsupported YAML tag \"!custom\" on a mapping\n";
    complex_key: "#!yaml\n? [a]\n: b\n" => "Dispatchfile:2:3: error[parse]: complex mapping keys are not supported; keys must be scalars\n";
    top_level_list: "#!yaml\n- a\n" => "Dispatchfile:2:1: error[type]: a YAML Dispatchfile must be a mapping, found array\n";
    empty_file: "#!yaml\n# nothing\n" => "Dispatchfile:1:1: error[parse]: the file is empty: a Dispatchfile must be a YAML mapping\n";
    tab_indentation: "#!yaml\ntask:\n\tx: 1\n" => "Dispatchfile:3:2: error[parse]: tabs disallowed within this context (block indentation)\n";
    merge_keys_are_plain_keys: "#!yaml\nbase: &b {type: git}\nresource:\n  r:\n    <<: *b\n"
        => "Dispatchfile:2:1: warning[empty-pipeline]: pipeline defines no tasks\nDispatchfile:2:1: warning[unknown-field]: pipeline: unknown field \"base\" (helper fields can be hidden as \"_base\")\nDispatchfile:4:3: error[missing-field]: resource \"r\": missing required field \"type\"\nDispatchfile:5:5: warning[unknown-field]: resource \"r\": unknown field \"<<\"\n";
    wrong_type_points_at_value: "#!yaml\ntask:\n  t:\n    steps:\n      - name: s\n        image: 1.10\n"
        => "Dispatchfile:6:16: error[type]: step #0 of task \"t\": \"image\" must be a string, found number\n";
}

#[test]
fn alias_bomb_is_a_limit_error() {
    let mut text = String::from("#!yaml\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = i - 1;
        let refs = vec![format!("*a{prev}"); 10].join(", ");
        let _ = writeln!(text, "a{i}: &a{i} [{refs}]");
    }
    let out = rendered(&eval(&text));
    assert!(
        out.contains("error[limit-exceeded]: limit exceeded: yaml_max_alias_nodes (100000)"),
        "{out}"
    );
}

#[test]
fn deep_nesting_is_a_limit_error() {
    let text = format!(
        "#!yaml\na: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let out = rendered(&eval(&text));
    assert!(
        out.contains("error[limit-exceeded]: limit exceeded: max_depth (128)"),
        "{out}"
    );
}

#[test]
fn json_and_yaml_give_identical_canonical_json() {
    let json = include_str!("../../../examples/Dispatchfile.json");
    let yaml = include_str!("../../../examples/Dispatchfile.yaml");
    let a = eval(json).decoded.pipeline.expect("json example is valid");
    let b = eval(yaml).decoded.pipeline.expect("yaml example is valid");
    assert_eq!(
        dispatchfile_model::to_canonical_json(&a),
        dispatchfile_model::to_canonical_json(&b)
    );
}

#[test]
fn aliases_of_a_long_string_are_a_limit_error() {
    // 60,000 aliases stay under `yaml_max_alias_nodes`, but each copies 800 kB.
    let text = format!(
        "#!yaml\ns: &a \"{}\"\nl: [{}]\n",
        "x".repeat(800_000),
        vec!["*a"; 60_000].join(", ")
    );
    let out = rendered(&eval(&text));
    assert!(
        out.contains(":3:81: error[limit-exceeded]: limit exceeded: max_document_bytes (16777216)"),
        "{}",
        &out[..out.len().min(400)]
    );
}

#[test]
fn document_bytes_count_keys_scalars_and_aliases() {
    let mut limits = Limits::default();
    limits.max_document_bytes = 20;
    let run = |text: &str| {
        let e =
            dispatchfile_parse::evaluate(text.as_bytes(), "f", &ParseOptions::default(), &limits);
        rendered(&e)
    };
    // "task" 4 + "a" 1 + "xxxxx" 5 + "b" 1 + alias 5 = 16 bytes.
    let ok = run("#!yaml\ntask: {}\na: &x xxxxx\nb: *x\n");
    assert!(!ok.contains("max_document_bytes"), "{ok}");
    // One more alias: 22 bytes.
    let over = run("#!yaml\ntask: {}\na: &x xxxxx\nb: *x\nc: *x\n");
    assert!(
        over.contains("f:5:4: error[limit-exceeded]: limit exceeded: max_document_bytes (20)"),
        "{over}"
    );
}
