//! Criterion benchmark: the glob hot path (patterns and lists) against globset and fast-glob.
//!
//! `glob_hot_path`: the same 10,000 branch names and changed paths against one list of 50 patterns
//! (positives and negatives), our `GlobSet::is_match` against globset (one set for the positives,
//! one for the negatives) and fast-glob; every engine's answers are checked equal before timing.
//! `glob_compile`: parsing and compiling the 50 patterns.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dispatch_benches::glob::{FastGlobList, GlobsetList, PATTERNS, dispatch_glob, inputs};

fn hot_path(c: &mut Criterion) {
    let inputs = inputs();
    let ours = dispatch_glob(&PATTERNS);
    let theirs = GlobsetList::new(&PATTERNS);
    let fast = FastGlobList::new(&PATTERNS);
    let mut matched = 0;
    for s in &inputs {
        let want = theirs.is_match(s);
        assert_eq!(
            ours.is_match(s),
            want,
            "dispatch-glob and globset disagree on {s:?}"
        );
        assert_eq!(
            fast.is_match(s),
            want,
            "fast-glob and globset disagree on {s:?}"
        );
        matched += usize::from(want);
    }
    // The inputs are a real mix: neither almost all nor almost none match.
    assert!(
        (2_000..8_000).contains(&matched),
        "{matched} of 10,000 inputs match"
    );

    let mut g = c.benchmark_group("glob_hot_path");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.bench_function("dispatch_glob", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter(|s| ours.is_match(black_box(s)))
                .count()
        });
    });
    g.bench_function("globset", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter(|s| theirs.is_match(black_box(s)))
                .count()
        });
    });
    g.bench_function("fast_glob", |b| {
        b.iter(|| {
            inputs
                .iter()
                .filter(|s| fast.is_match(black_box(s)))
                .count()
        });
    });
    g.finish();
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("glob_compile");
    g.throughput(Throughput::Elements(PATTERNS.len() as u64));
    g.bench_function("dispatch_glob", |b| {
        b.iter(|| dispatch_glob(black_box(&PATTERNS)));
    });
    g.bench_function("globset", |b| {
        b.iter(|| GlobsetList::new(black_box(&PATTERNS)));
    });
    g.finish();
}

criterion_group!(benches, hot_path, compile);
criterion_main!(benches);
