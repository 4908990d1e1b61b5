//! The JSON frontend: RFC 8259, spans, duplicate keys, limits.

use dispatchfile_model::{Limits, Value};
use dispatchfile_parse::{ParseOptions, parse};

use super::{eval, rendered};

/// `text` → the one-line diagnostics it produces (empty for success).
macro_rules! json_cases {
    ($($name:ident: $text:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let e = eval($text);
            assert_eq!(rendered(&e), $want);
        }
    )*};
}

json_cases! {
    minimal_object: "#!json\n{}" => "Dispatchfile:2:1: warning[empty-pipeline]: pipeline defines no tasks\n";
    trailing_comma: "#!json\n{\"task\": {},}" => "Dispatchfile:2:12: error[parse]: trailing comma before '}'\n";
    comment_is_not_json: "#!json\n{ // no\n}" => "Dispatchfile:2:3: error[parse]: unexpected '/', expected a string key\n";
    top_level_array: "#!json\n[]" => "Dispatchfile:2:1: error[parse]: a JSON Dispatchfile must be an object\n";
    empty_body: "#!json\n" => "Dispatchfile:1:1: error[parse]: the file is empty: a Dispatchfile must define a pipeline\n";
    whitespace_body: "#!json\n  \n" => "Dispatchfile:1:1: error[parse]: the file is empty: a Dispatchfile must define a pipeline\n";
    only_whitespace_before_text: "#!json\n \n true" => "Dispatchfile:3:2: error[parse]: a JSON Dispatchfile must be an object\n";
    unterminated_string: "#!json\n{\"a" => "Dispatchfile:2:2: error[parse]: unterminated string\n";
    duplicate_key: "#!json\n{\"task\": {}, \"task\": {}}" => "Dispatchfile:2:14: error[duplicate-key]: duplicate key \"task\"\n";
    leading_zero: "#!json\n{\"a\": 01}" => "Dispatchfile:2:7: error[parse]: numbers cannot have leading zeros\n";
    bad_escape: "#!json\n{\"a\": \"\\q\"}" => "Dispatchfile:2:8: error[parse]: invalid escape sequence\n";
    raw_control_character: "#!json\n{\"a\": \"x\u{1}\"}" => "Dispatchfile:2:9: error[parse]: control characters must be escaped in strings\n";
    nul_byte: "#!json\n{\u{0}}" => "Dispatchfile:2:2: error[parse]: unexpected '\\0', expected a string key\n";
    text_after_object: "#!json\n{} x" => "Dispatchfile:2:4: error[parse]: unexpected text after the top-level object\n";
    wrong_type_position: "#!json\n{\"task\": {\"t\": {\"steps\": [{\"name\": \"s\", \"image\": 5}]}}}"
        => "Dispatchfile:2:50: error[type]: step #0 of task \"t\": \"image\" must be a string, found number\n";
    non_ascii_columns_count_characters: "#!json\n{\"é\": 1, \"task\": []}"
        => "Dispatchfile:2:2: warning[unknown-field]: pipeline: unknown field \"é\" (helper fields can be hidden as \"_é\")\nDispatchfile:2:18: error[type]: \"task\" must be a map of names to objects, found array\n";
}

#[test]
fn numbers_keep_their_exact_text() {
    let parsed = parse(
        b"#!json\n{\"a\": 1.10, \"b\": -0.0e+5, \"c\": 123456789012345678901234567890}",
        "f",
        &ParseOptions::default(),
        &Limits::default(),
    );
    let root = parsed.document.expect("valid JSON").root;
    let texts: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|k| match &root.get(k).expect("key").value.value {
            Value::Number(n) => n.clone(),
            other => panic!("{k} is {other:?}"),
        })
        .collect();
    assert_eq!(texts, ["1.10", "-0.0e+5", "123456789012345678901234567890"]);
}

#[test]
fn escapes_decode() {
    let parsed = parse(
        br#"#!json
{"a": "\u00e9\ud83d\ude00\n\"\/"}"#,
        "f",
        &ParseOptions::default(),
        &Limits::default(),
    );
    let root = parsed.document.expect("valid JSON").root;
    assert_eq!(
        root.get("a").and_then(|e| e.value.as_str()),
        Some("é😀\n\"/")
    );
}

#[test]
fn deep_nesting_is_a_limit_error_not_a_stack_overflow() {
    let text = format!(
        "#!json\n{{\"a\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = eval(&text);
    let out = rendered(&e);
    assert!(
        out.starts_with("Dispatchfile:2:")
            && out.contains("error[limit-exceeded]: limit exceeded: max_depth (128)"),
        "{out}"
    );
}

#[test]
fn oversized_input_is_a_limit_error() {
    let mut limits = Limits::default();
    limits.max_source_bytes = 16;
    let e = dispatchfile_parse::evaluate(
        b"#!json\n{\"task\": {}, \"x\": 1}",
        "f",
        &ParseOptions::default(),
        &limits,
    );
    let out = rendered(&e);
    assert!(
        out.contains("error[limit-exceeded]: limit exceeded: max_source_bytes (16)"),
        "{out}"
    );
}

#[test]
fn invalid_utf8_is_positioned() {
    let e = dispatchfile_parse::evaluate(
        b"#!json\n{\"a\": \"\xff\"}",
        "f",
        &ParseOptions::default(),
        &Limits::default(),
    );
    assert_eq!(
        rendered(&e),
        "f:2:8: error[parse]: the file is not valid UTF-8\n"
    );
}

#[test]
fn document_bytes_limit_counts_keys_strings_and_numbers() {
    let mut limits = Limits::default();
    limits.max_document_bytes = 16;
    let run = |text: &[u8]| {
        rendered(&dispatchfile_parse::evaluate(
            text,
            "f",
            &ParseOptions::default(),
            &limits,
        ))
    };
    // "task" 4 + "x" 1 + "12345" 5 + "y" 1 + "ab" 2 = 13 bytes.
    let ok = run(b"#!json\n{\"task\": {}, \"x\": 12345, \"y\": \"ab\"}");
    assert!(!ok.contains("max_document_bytes"), "{ok}");
    let over = run(b"#!json\n{\"task\": {}, \"x\": 12345, \"y\": \"abcdef\"}");
    assert!(
        over.contains("f:2:31: error[limit-exceeded]: limit exceeded: max_document_bytes (16)"),
        "{over}"
    );
}
