//! Criterion benchmark: the glob hot path (patterns and lists) against globset and fast-glob.
//!
//! `glob_hot_path`: the same 10,000 branch names and changed paths against one list of 50 patterns
//! (positives and negatives), our `GlobSet::is_match` against globset (one set for the positives,
//! one for the negatives) and fast-glob; every engine's answers are checked equal before timing.
//! `glob_compile`: parsing and compiling the 50 patterns.
//!
//! `glob_paths/<list>` and `glob_refs/<list>`: the corpus's 10,637 real repository paths
//! (`$DISPATCH_SHARED/corpus/paths/tektoncd-pipeline.txt`) and 10,000 branch and tag names against
//! lists of 3 to 256 patterns in Dispatchfile shapes, ours against globset and fast-glob, with
//! `byte_scan` (a pass that only reads every byte of every input) as the floor; answers of all
//! three are asserted equal first, and a counting allocator asserts that our matching allocates
//! nothing. `glob_list_compile/<list>`: building each list. Skips the corpus groups with a message
//! when `DISPATCH_SHARED` is unset. In criterion's test mode (`cargo test --benches`) the inputs
//! are thinned to every 16th, so the smoke run stays quick.
//!
//! `glob_paths_new_order/<list>` and `glob_refs_new_order/<list>`: the same inputs and lists, ours
//! against globset, each pass taking the inputs in the next of 16 fixed shuffles
//! ([`dispatch_benches::glob::new_orders`]). Every other row goes through one order again and
//! again, and over thousands of passes the processor's branch predictor learns part of it; no real
//! stream of events repeats itself, so these rows are the nearer to what a caller sees.
//!
//! `glob_refs/11 classes and braces/by_hand`: that one list's rule written out as a Rust function
//! for it alone (`dispatch_benches::glob::by_hand`), checked against globset first: a reference
//! for what the list costs as direct code, not a peer.
#![allow(
    clippy::disallowed_methods,
    clippy::print_stderr,
    reason = "the bench reads the corpus named by $DISPATCH_SHARED and says when it skips"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use dispatch_benches::glob::{
    BY_HAND_LIST, FastGlobList, GlobsetList, PATTERNS, by_hand, dispatch_glob, inputs, new_orders,
    path_lists, ref_lists, refs,
};

/// The system allocator, counting allocations, so the bench can assert that matching allocates
/// nothing.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// The only hand-written `unsafe` of the workspace: a global allocator has to be an `unsafe impl`.
// It forwards every call to `System` unchanged, with the same arguments.
#[allow(
    unsafe_code,
    reason = "a counting global allocator forwarding to System"
)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with `layout` (every allocation here does).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as `dealloc`, and `new_size` is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Whether criterion measures (`cargo bench`) rather than runs each bench once (`cargo test`).
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The corpus's real repository paths, or `None` (after saying so) when `DISPATCH_SHARED` is unset.
fn corpus_paths() -> Option<Vec<String>> {
    let Some(shared) = std::env::var_os("DISPATCH_SHARED") else {
        eprintln!("glob corpus benches skipped: DISPATCH_SHARED is not set");
        return None;
    };
    let path = std::path::Path::new(&shared).join("corpus/paths/tektoncd-pipeline.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Some(text.lines().map(str::to_owned).collect())
}

/// One pass that reads every byte of every input: the floor for any matcher.
fn byte_scan(inputs: &[String]) -> usize {
    inputs
        .iter()
        .map(|s| black_box(s.as_str()).bytes().filter(|&b| b == b'/').count())
        .sum()
}

/// Lists of real shapes against real inputs: answers checked equal, allocations counted, then
/// timed per list size against the peers and the byte scan.
fn lists(c: &mut Criterion) {
    let Some(paths) = corpus_paths() else {
        return;
    };
    let thin = |v: Vec<String>| -> Vec<String> {
        if measuring() {
            v
        } else {
            v.into_iter().step_by(16).collect()
        }
    };
    let all_paths = paths;
    let lists_of_paths = path_lists(&all_paths);
    for (group, inputs, lists) in [
        ("glob_paths", thin(all_paths), lists_of_paths),
        ("glob_refs", thin(refs()), ref_lists()),
    ] {
        let mut g = c.benchmark_group(group);
        g.throughput(Throughput::Elements(inputs.len() as u64));
        g.bench_function("byte_scan", |b| b.iter(|| byte_scan(&inputs)));
        for (name, patterns) in &lists {
            let ours = dispatch_glob(patterns);
            let theirs = GlobsetList::new(patterns);
            let fast = FastGlobList::new(patterns);
            let mut matched = 0;
            for s in &inputs {
                let want = theirs.is_match(s);
                assert_eq!(
                    ours.is_match(s),
                    want,
                    "{group} {name}: dispatch-glob and globset disagree on {s:?}"
                );
                assert_eq!(
                    fast.is_match(s),
                    want,
                    "{group} {name}: fast-glob and globset disagree on {s:?}"
                );
                matched += usize::from(want);
            }
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let again = inputs.iter().filter(|s| ours.is_match(s)).count();
            let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
            assert_eq!(allocations, 0, "{group} {name}: matching allocated");
            assert_eq!(again, matched);
            eprintln!(
                "{group} {name}: {matched} of {} inputs match; 0 allocations in a pass",
                inputs.len()
            );
            g.bench_function(format!("{name}/dispatch_glob"), |b| {
                b.iter(|| {
                    inputs
                        .iter()
                        .filter(|s| ours.is_match(black_box(s)))
                        .count()
                });
            });
            g.bench_function(format!("{name}/globset"), |b| {
                b.iter(|| {
                    inputs
                        .iter()
                        .filter(|s| theirs.is_match(black_box(s)))
                        .count()
                });
            });
            g.bench_function(format!("{name}/fast_glob"), |b| {
                b.iter(|| {
                    inputs
                        .iter()
                        .filter(|s| fast.is_match(black_box(s)))
                        .count()
                });
            });
            if group == "glob_refs" && *name == BY_HAND_LIST {
                // The same list written out as code for it alone: a reference, not a peer.
                for s in &inputs {
                    assert_eq!(
                        by_hand(s),
                        theirs.is_match(s),
                        "{group} {name}: the hand-written list and globset disagree on {s:?}"
                    );
                }
                g.bench_function(format!("{name}/by_hand"), |b| {
                    b.iter(|| inputs.iter().filter(|s| by_hand(black_box(s))).count());
                });
            }
        }
        g.finish();
        new_order(c, group, &inputs, &lists);
        let mut g = c.benchmark_group(format!("{group}_compile"));
        for (name, patterns) in &lists {
            g.throughput(Throughput::Elements(patterns.len() as u64));
            g.bench_function(format!("{name}/dispatch_glob"), |b| {
                b.iter(|| dispatch_glob(black_box(patterns)));
            });
            g.bench_function(format!("{name}/globset"), |b| {
                b.iter(|| GlobsetList::new(black_box(patterns)));
            });
        }
        g.finish();
    }
}

/// How many orders of the inputs the new-order rows take in turn.
const ORDERS: usize = 16;

/// Ours against globset over the inputs in a new order on every pass (see the module's doc). The
/// answers were checked on the same inputs in [`lists`].
fn new_order(c: &mut Criterion, group: &str, inputs: &[String], lists: &[(&str, Vec<String>)]) {
    let orders = new_orders(inputs, ORDERS);
    let mut g = c.benchmark_group(format!("{group}_new_order"));
    g.throughput(Throughput::Elements(inputs.len() as u64));
    for (name, patterns) in lists {
        let ours = dispatch_glob(patterns);
        let theirs = GlobsetList::new(patterns);
        passes(&mut g, &format!("{name}/dispatch_glob"), &orders, |s| {
            ours.is_match(s)
        });
        passes(&mut g, &format!("{name}/globset"), &orders, |s| {
            theirs.is_match(s)
        });
    }
    g.finish();
}

/// Times `matches` over the next of `orders` on every pass.
fn passes(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    orders: &[Vec<String>],
    matches: impl Fn(&str) -> bool,
) {
    let mut pass = 0;
    g.bench_function(id, |b| {
        b.iter(|| {
            pass = (pass + 1) % orders.len();
            orders[pass]
                .iter()
                .filter(|s| matches(black_box(s)))
                .count()
        });
    });
}

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

/// The trigger's event path: a Dispatchfile of 100 push actions (branch lists and paths lists of
/// real shapes) against a push of 10,000 changed paths and against 10,000 branch pushes:
/// `Triggers::fire` against `Triggers::match_event` (which also explains every action) and
/// against evaluating each action's lists with globset on its own; answers asserted equal first.
fn events(c: &mut Criterion) {
    use dispatch_trigger::{Event, PushEvent};
    use dispatchfile_model::{
        Action, Condition, ConditionKind, Layout, Limits, Pipeline, PushCondition, Task,
    };

    let Some(paths) = corpus_paths() else {
        return;
    };
    let pool = path_lists(&paths).pop().expect("the 256-pattern list").1;
    let branch_lists: [&[&str]; 5] = [
        &["main"],
        &["main", "release/*"],
        &[],
        &["!dependabot/**"],
        &["feature/**", "!feature/wip-*"],
    ];
    let mut pipeline = Pipeline::default();
    let mut peers = Vec::new();
    for i in 0..100 {
        let branches: Vec<String> = branch_lists[i % 5]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let list: Vec<String> = (0..3)
            .map(|k| pool[(i * 5 + k * 7) % pool.len()].clone())
            .collect();
        peers.push((GlobsetList::new(&branches), GlobsetList::new(&list)));
        pipeline.tasks.insert(format!("t{i}"), Task::default());
        pipeline.actions.push(Action {
            name: None,
            tasks: vec![format!("t{i}")],
            on: Condition {
                kind: ConditionKind::Push(PushCondition {
                    branches,
                    paths: list,
                }),
                layout: Layout::Legacy,
            },
        });
    }
    let triggers = dispatch_trigger::compile(&pipeline, &Limits::default()).expect("valid");
    let per_action = |e: &PushEvent| -> Vec<usize> {
        peers
            .iter()
            .enumerate()
            .filter(|(_, (b, p))| {
                b.is_match(&e.branch)
                    && e.changed
                        .as_ref()
                        .is_none_or(|c| c.iter().any(|f| p.is_match(f)))
            })
            .map(|(i, _)| i)
            .collect()
    };
    let n = if measuring() { 10_000 } else { 200 };
    let push = |branch: &str, changed: Option<Vec<String>>| PushEvent {
        branch: branch.to_owned(),
        commit: "c0ffee".to_owned(),
        url: "https://example.invalid/r.git".to_owned(),
        changed,
    };
    // The changed paths of a big push, from the end of the tree (vendored code) forwards.
    let big = push("main", Some(paths.iter().rev().take(n).cloned().collect()));
    let branch_pushes: Vec<PushEvent> =
        refs().into_iter().take(n).map(|b| push(&b, None)).collect();
    for e in std::iter::once(&big).chain(&branch_pushes) {
        let event = Event::Push(e.clone());
        let fired = triggers.fire(&event);
        assert_eq!(
            fired.actions,
            triggers.match_event(&event).actions,
            "fire and match_event disagree on {:?}",
            e.branch
        );
        assert_eq!(
            fired.actions,
            per_action(e),
            "fire and globset disagree on {:?}",
            e.branch
        );
    }
    let big_event = Event::Push(big.clone());
    eprintln!(
        "trigger_events: {} of 100 actions fire on the push of {n} changed paths",
        triggers.fire(&big_event).actions.len()
    );
    let branch_events: Vec<Event> = branch_pushes.iter().cloned().map(Event::Push).collect();

    let mut g = c.benchmark_group("trigger_events");
    g.throughput(Throughput::Elements(1));
    g.bench_function("push_of_many_paths/fire", |b| {
        b.iter(|| triggers.fire(black_box(&big_event)));
    });
    g.bench_function("push_of_many_paths/match_event", |b| {
        b.iter(|| triggers.match_event(black_box(&big_event)));
    });
    g.bench_function("push_of_many_paths/globset_per_action", |b| {
        b.iter(|| per_action(black_box(&big)));
    });
    g.throughput(Throughput::Elements(branch_events.len() as u64));
    g.bench_function("branch_pushes/fire", |b| {
        b.iter(|| {
            branch_events
                .iter()
                .map(|e| triggers.fire(black_box(e)).actions.len())
                .sum::<usize>()
        });
    });
    g.bench_function("branch_pushes/match_event", |b| {
        b.iter(|| {
            branch_events
                .iter()
                .map(|e| triggers.match_event(black_box(e)).actions.len())
                .sum::<usize>()
        });
    });
    g.bench_function("branch_pushes/globset_per_action", |b| {
        b.iter(|| {
            branch_pushes
                .iter()
                .map(|e| per_action(black_box(e)).len())
                .sum::<usize>()
        });
    });
    g.finish();
}

criterion_group!(benches, hot_path, compile, lists, events);
criterion_main!(benches);
