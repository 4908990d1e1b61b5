//! The worked example: the seed pipeline, push to `master`, renders byte for byte.

use std::fmt::Write as _;

use dispatch_tekton::{LowerOptions, Target};

use super::common::{assert_conformant, lower_push, pipeline, seed};

/// The documented worked example, verbatim (`worked_example_matches_the_lowering_guide` keeps it
/// in sync with the guide).
const WORKED_EXAMPLE: &str = include_str!("../testdata/worked-example.yaml");

#[test]
fn worked_example_renders_byte_for_byte() {
    let lowered = lower_push(&pipeline(&seed()), &["test"], &LowerOptions::default())
        .expect("the seed pipeline lowers");
    let yaml = lowered.to_yaml();
    assert!(
        yaml == WORKED_EXAMPLE,
        "rendered:\n{yaml}\n--- diff against testdata/worked-example.yaml ---\n{}",
        diff(WORKED_EXAMPLE, &yaml)
    );
    assert!(lowered.warnings().is_empty(), "{:?}", lowered.warnings());
    assert_conformant(&lowered, Target::V1);
}

/// The worked example in the lowering guide (`docs/lowering.md`) is the rendered output, byte for
/// byte, so the guide cannot drift from what `dispatch render` prints.
#[test]
fn worked_example_matches_the_lowering_guide() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/lowering.md");
    let Ok(guide) = std::fs::read_to_string(path) else {
        // A packaged crate has no workspace docs beside it.
        eprintln!("skipped the lowering guide check: {path} is not there");
        return;
    };
    let section = &guide[guide
        .find("## Worked example")
        .expect("the guide has a worked example")..];
    let start = section
        .find("```yaml\n")
        .expect("the worked example has a YAML block")
        + "```yaml\n".len();
    let end = start + section[start..].find("```\n").expect("the block ends");
    assert_eq!(
        &section[start..end],
        WORKED_EXAMPLE,
        "tests/testdata/worked-example.yaml differs from the worked example of docs/lowering.md"
    );
}

fn diff(want: &str, got: &str) -> String {
    let mut out = String::new();
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            let _ = writeln!(out, "line {}:\n  want: {w}\n  got:  {g}", i + 1);
        }
    }
    if want.lines().count() != got.lines().count() {
        let _ = writeln!(
            out,
            "want {} lines, got {}",
            want.lines().count(),
            got.lines().count()
        );
    }
    out
}
