//! Differential test over `$DISPATCH_SHARED/corpus/cue-upstream`: CUE's own test inputs with the
//! output of real CUE. Prints passes per folder; asserts no panic and a minimum pass count.

use super::util::{json_eq, shared_dir};

/// Passes recorded when this test was last tuned; raise it as the evaluator improves.
const MIN_PASSES: usize = 300;

#[test]
fn cue_upstream_differential() {
    let Some(shared) = shared_dir("the CUE upstream corpus") else {
        return;
    };
    let root = shared.join("corpus/cue-upstream");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("cue-upstream is readable")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('_'))
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let (mut total, mut passes, mut json_total, mut json_passes) = (0, 0, 0, 0);
    let mut panics = Vec::new();
    for d in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&d)
            .expect("readable")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "cue"))
            .collect();
        files.sort();
        let (mut n, mut ok) = (0, 0);
        for f in files {
            let src = std::fs::read_to_string(&f).expect("readable");
            let want_json = std::fs::read_to_string(f.with_extension("json")).ok();
            let want_err = f.with_extension("err").exists();
            if want_json.is_none() && !want_err {
                continue;
            }
            n += 1;
            let handle = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || {
                    dispatchfile_cue::evaluate(&src, "x.cue", &dispatchfile_cue::Options::default())
                        .map(|v| v.to_json_string())
                })
                .expect("spawn");
            let Ok(result) = handle.join() else {
                panics.push(f.display().to_string());
                continue;
            };
            let is_json = want_json.is_some();
            let pass = match (result, want_json) {
                (Ok(ours), Some(want)) => json_eq(&ours, &want).is_ok(),
                (Err(_), None) => true,
                _ => false,
            };
            if is_json {
                json_total += 1;
                if pass {
                    json_passes += 1;
                }
            }
            if pass {
                ok += 1;
            } else if std::env::var_os("CUE_UPSTREAM_VERBOSE").is_some() {
                println!("  FAIL {}", f.display());
            }
        }
        let name = d
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("{name:24} {ok:3} / {n:3}");
        total += n;
        passes += ok;
    }
    println!(
        "cue-upstream: {passes} / {total} pass ({json_passes} / {json_total} with JSON output, the rest expected errors)"
    );
    assert!(panics.is_empty(), "panics on: {panics:?}");
    assert!(
        passes >= MIN_PASSES,
        "{passes} passes, expected at least {MIN_PASSES}"
    );
}
