//! Every CUE Dispatchfile of `$DISPATCH_SHARED/corpus/dispatchfiles` evaluates to the JSON that
//! real CUE v0.4 gives for a hand-translated modern version (testdata/corpus/<name>.json), or
//! fails where real CUE fails too (testdata/corpus/<name>.err says why).

use super::util::{blank_selector, json_eq, on_small_stack, shared_dir};
use std::path::Path;

#[test]
fn corpus_dispatchfiles() {
    let Some(shared) = shared_dir("the CUE Dispatchfile corpus") else {
        return;
    };
    let dir = shared.join("corpus/dispatchfiles");
    let expect_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus directory is readable")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| Path::new(n).extension().is_some_and(|x| x == "cue"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no CUE files in {}", dir.display());
    let (mut evaluated, mut failed_as_expected) = (0, 0);
    let mut problems = Vec::new();
    for name in &names {
        let src = blank_selector(&std::fs::read_to_string(dir.join(name)).expect("readable"));
        let stem = name.trim_end_matches(".cue");
        let result = on_small_stack(move || {
            dispatchfile_cue::evaluate(&src, "Dispatchfile", &dispatchfile_cue::Options::default())
        });
        let want_json = std::fs::read_to_string(expect_dir.join(format!("{stem}.json"))).ok();
        let want_err = expect_dir.join(format!("{stem}.err")).exists();
        match (&result, want_json, want_err) {
            (Ok(v), Some(want), _) => match json_eq(&v.to_json_string(), &want) {
                Ok(()) => {
                    evaluated += 1;
                    println!("ok      {name}");
                }
                Err(d) => problems.push(format!("{name}: JSON differs:\n{d}")),
            },
            (Err(e), None, true) => {
                failed_as_expected += 1;
                println!("error   {name}: {} ({})", e[0], e[0].path());
            }
            (Ok(_), None, true) => problems.push(format!("{name}: evaluated, but real CUE fails")),
            (Err(e), Some(_), _) => problems.push(format!("{name}: {} at {}", e[0], e[0].path())),
            (_, None, false) => problems.push(format!("{name}: no expectation in testdata/corpus")),
        }
    }
    println!(
        "corpus: {evaluated} of {} CUE Dispatchfiles evaluated to the oracle's JSON, {failed_as_expected} failed as real CUE does",
        names.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
