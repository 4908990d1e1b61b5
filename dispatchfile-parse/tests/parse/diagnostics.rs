//! Snapshots of rendered diagnostics with source lines and carets.

use super::eval;

fn snapshot_text(text: &str) -> String {
    let e = eval(text);
    e.diagnostics()
        .iter()
        .map(|d| d.render_with_snippet(&e.parsed.files, "Dispatchfile") + "\n")
        .collect()
}

#[test]
fn undefined_task_and_input() {
    insta::assert_snapshot!(snapshot_text(
        "#!yaml\nresource:\n  src: {type: git}\ntask:\n  build:\n    inputs: [src, srx]\n    steps:\n      - {name: b, image: alpine}\nactions:\n  - tasks: [biuld]\n    on: {push: {branches: [main]}}\n"
    ));
}

#[test]
fn duplicate_key_with_first_definition() {
    insta::assert_snapshot!(snapshot_text(
        "#!json\n{\n  \"task\": {},\n  \"task\": {}\n}\n"
    ));
}

#[test]
fn condition_with_two_kinds_and_unknown_step_field() {
    insta::assert_snapshot!(snapshot_text(
        "#!yaml\ntask:\n  t:\n    steps:\n      - name: s\n        image: alpine\n        workingdir: /src\nactions:\n  - tasks: [t]\n    on: {push: {}, tag: {}}\n"
    ));
}

#[test]
fn unknown_selector() {
    insta::assert_snapshot!(snapshot_text("#!python\nprint('hi')\n"));
}

#[test]
fn a_cue_scalar_is_a_document_but_no_dispatchfile() {
    // `dispatch eval --raw` prints what CUE exports, a scalar too; decoding wants an object and
    // says so once.
    let e = eval("#!cue\n1 + 1\n");
    let root = &e
        .parsed
        .document
        .as_ref()
        .expect("CUE exports the number")
        .root;
    assert_eq!(root.to_json(), serde_json::json!(2));
    let problems: Vec<String> = e
        .diagnostics()
        .iter()
        .map(|d| d.render(&e.parsed.files, "Dispatchfile"))
        .collect();
    assert_eq!(
        problems,
        ["Dispatchfile:1:1: error[type]: a Dispatchfile must be an object, found number"]
    );
}
