//! Criterion benchmark: evaluating the corpus's CUE Dispatchfiles.
//!
//! `cue/corpus_dispatchfiles`: every `$DISPATCH_SHARED/corpus/dispatchfiles/*.cue` (selector line
//! blanked) evaluated and exported once per iteration; `cue/largest_file`: the largest one alone.
//! Skips with a message when `DISPATCH_SHARED` is unset. The peer, real CUE v0.4 in wasm
//! (shared/tools/cue-oracle), runs as a separate process, so its timing is taken by hand and
//! recorded in the dispatchfile-cue report rather than here.
#![allow(
    clippy::disallowed_methods,
    clippy::print_stderr,
    reason = "the bench reads the corpus named by $DISPATCH_SHARED and says when it skips"
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dispatchfile_cue::{Options, evaluate};

/// The corpus's CUE files with the `#!` selector line blanked, largest last.
fn corpus() -> Option<Vec<(String, String)>> {
    let shared = std::path::PathBuf::from(std::env::var_os("DISPATCH_SHARED")?);
    let dir = shared.join("corpus/dispatchfiles");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&dir).ok()? {
        let path = e.ok()?.path();
        if path.extension().is_some_and(|x| x == "cue") {
            let mut src = std::fs::read_to_string(&path).ok()?;
            if src.starts_with("#!") {
                let end = src.find('\n').unwrap_or(src.len());
                src.replace_range(..end, "");
            }
            let name = path.file_name()?.to_string_lossy().into_owned();
            files.push((name, src));
        }
    }
    files.sort_by_key(|(n, s)| (s.len(), n.clone()));
    Some(files)
}

fn cue(c: &mut Criterion) {
    let Some(files) = corpus() else {
        eprintln!("cue benches skipped: DISPATCH_SHARED is not set");
        return;
    };
    let opts = Options::default();
    let ok = files
        .iter()
        .filter(|(n, s)| evaluate(s, n, &opts).is_ok())
        .count();
    // Seven corpus files fail as the real CUE v0.4 does (their expectations in
    // dispatchfile-cue/testdata/corpus are `.err` files); every other one evaluates.
    assert!(
        ok + 7 >= files.len(),
        "only {ok} of {} corpus files evaluate",
        files.len()
    );
    let bytes: usize = files.iter().map(|(_, s)| s.len()).sum();

    let mut g = c.benchmark_group("cue");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("corpus_dispatchfiles", |b| {
        b.iter(|| {
            for (name, src) in &files {
                let _ = black_box(evaluate(black_box(src), name, &opts));
            }
        });
    });
    if let Some((name, src)) = files.last() {
        g.throughput(Throughput::Bytes(src.len() as u64));
        g.bench_function("largest_file", |b| {
            b.iter(|| black_box(evaluate(black_box(src), name, &opts)));
        });
    }
    g.finish();
}

criterion_group!(benches, cue);
criterion_main!(benches);
