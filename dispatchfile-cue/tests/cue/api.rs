//! The public API: spans, paths, error kinds, JSON output.

use super::util::eval;
use dispatchfile_cue::{ErrorKind, Value};

#[test]
fn field_spans_point_at_first_declaration() {
    let src = "a: 1\nb: {\n  c: \"x\"\n}\na: int\n";
    let out = eval(src).expect("valid CUE");
    let Value::Struct(fields) = &out.value else {
        panic!("top level is a struct");
    };
    assert_eq!(fields[0].name, "a");
    assert_eq!(
        &src[fields[0].name_span.start as usize..fields[0].name_span.end as usize],
        "a"
    );
    assert_eq!(
        &src[fields[0].value.span.start as usize..fields[0].value.span.end as usize],
        "1"
    );
    let Value::Struct(inner) = &fields[1].value.value else {
        panic!("b is a struct");
    };
    assert_eq!(
        &src[inner[0].value.span.start as usize..inner[0].value.span.end as usize],
        "\"x\""
    );
}

#[test]
fn error_has_path_kind_and_positions() {
    let src = "task: test: steps: [{image: string}]\n";
    let errs = eval(src).expect_err("incomplete");
    assert_eq!(errs[0].kind(), ErrorKind::Incomplete);
    assert_eq!(errs[0].path(), "task.test.steps.0.image");
    let sp = errs[0].spans()[0];
    assert_eq!(&src[sp.start as usize..sp.end as usize], "string");
}

#[test]
fn conflict_reports_both_positions() {
    let src = "a: 1\na: 2\n";
    let errs = eval(src).expect_err("conflict");
    assert_eq!(errs[0].kind(), ErrorKind::Evaluation);
    assert_eq!(errs[0].path(), "a");
    assert_eq!(errs[0].spans().len(), 2);
    assert!(
        errs[0].message().contains("conflicting values"),
        "{}",
        errs[0]
    );
}

#[test]
fn quoted_path_segments() {
    let errs = eval("resource: \"src-git\": type: string\n").expect_err("incomplete");
    assert_eq!(errs[0].path(), "resource.\"src-git\".type");
}

#[test]
fn syntax_error_kind() {
    let errs = eval("a: {\n").expect_err("syntax");
    assert_eq!(errs[0].kind(), ErrorKind::Syntax);
    assert!(!errs[0].spans().is_empty());
}

#[test]
fn unsupported_kinds() {
    for src in [
        "task <Name>: {name: Name}\n",
        "a!: int\n",
        "import \"net\"\na: 1\n",
    ] {
        let errs = eval(src).expect_err("unsupported");
        assert_eq!(errs[0].kind(), ErrorKind::Unsupported, "{src}: {}", errs[0]);
    }
}

#[test]
fn dispatch_context_variables_are_plain_text() {
    let out = eval("a: \"$(context.git.url)\"\n").expect("valid");
    assert_eq!(
        out.value.to_compact_json_string(),
        r#"{"a":"$(context.git.url)"}"#
    );
}

#[test]
fn numbers_keep_exact_text() {
    let out =
        eval("a: 2.50\nb: 123456789012345678901234567890\nc: 0.1 + 0.2\nd: 1e3\n").expect("valid");
    assert_eq!(
        out.value.to_compact_json_string(),
        r#"{"a":2.50,"b":123456789012345678901234567890,"c":0.3,"d":1E+3}"#
    );
}

#[test]
fn pretty_json_like_cue_export() {
    let out = eval("a: [1, {b: \"x\"}]\nc: {}\n").expect("valid");
    assert_eq!(
        out.to_json_string(),
        "{\n    \"a\": [\n        1,\n        {\n            \"b\": \"x\"\n        }\n    ],\n    \"c\": {}\n}"
    );
}

#[test]
fn display_is_the_message() {
    let errs = eval("a: 1 & 2\n").expect_err("conflict");
    assert_eq!(errs[0].to_string(), errs[0].message());
}
