//! The worked example: the seed pipeline, push to `master`, renders byte for byte.

use std::fmt::Write as _;

use dispatch_tekton::{LowerOptions, Target};

use super::common::{assert_conformant, lower_push, pipeline, seed, shared};

/// The documented worked example, verbatim (`worked_example_matches_the_spec` keeps it in sync
/// with the design document when that is available).
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

#[test]
fn worked_example_matches_the_spec() {
    let Some(dir) = shared("the check against SPEC.md's worked example") else {
        return;
    };
    let spec = std::fs::read_to_string(dir.join("SPEC.md")).expect("SPEC.md is readable");
    let section = &spec[spec.find("### 5.5").expect("SPEC has §5.5")..];
    let start = section.find("```yaml\n").expect("§5.5 has a YAML block") + "```yaml\n".len();
    let end = start + section[start..].find("```\n").expect("the block ends");
    assert_eq!(
        &section[start..end],
        WORKED_EXAMPLE,
        "testdata/worked-example.yaml differs from SPEC §5.5"
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
