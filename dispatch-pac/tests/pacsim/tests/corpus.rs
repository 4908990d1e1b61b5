//! The acceptance test of `dispatch pac`: for every corpus Dispatchfile that validates and a broad
//! set of events built from the file itself, the tasks the simulated PaC runs from the
//! translation equal the tasks `dispatch match` selects, each at most once, except where an
//! action the translation reported as inexpressible fires.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use dispatch_pac::{PacOptions, translate};
use dispatch_trigger::{
    Event, PullRequestAction, PullRequestCommentEvent, PullRequestEvent, PushEvent, TagEvent,
};
use dispatchfile_model::{ConditionKind, Limits, Pipeline};
use dispatchfile_parse::{ParseOptions, check};

use crate::event::{self, PacEvent, PrInfo, ZERO_SHA};
use crate::sim::simulate;

const COMMIT: &str = "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0";
const URL: &str = "https://github.com/example/app.git";
/// At most this many events per file (taken evenly from the full list) keep the test short.
const MAX_EVENTS_PER_FILE: usize = 160;

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("DISPATCH_SHARED").map(PathBuf::from);
    if dir.is_none() {
        eprintln!("skipped the corpus equivalence test: DISPATCH_SHARED is not set");
    }
    dir
}

/// Splits the `{…}` alternatives of `p` at top level; `p` starts after the `{`. Returns the
/// alternatives and the length consumed (through the closing `}`).
fn alternatives(p: &[char]) -> (Vec<Vec<char>>, usize) {
    let mut alts = vec![Vec::new()];
    let mut depth = 0;
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        match c {
            '\\' if i + 1 < p.len() => {
                if let Some(a) = alts.last_mut() {
                    a.extend([c, p[i + 1]]);
                }
                i += 2;
                continue;
            }
            '{' => depth += 1,
            '}' if depth == 0 => return (alts, i + 1),
            '}' => depth -= 1,
            ',' if depth == 0 => {
                alts.push(Vec::new());
                i += 1;
                continue;
            }
            _ => {}
        }
        if let Some(a) = alts.last_mut() {
            a.push(c);
        }
        i += 1;
    }
    (alts, p.len())
}

/// A string the Dispatch glob `p` matches (variant 0: short choices; 1: long ones).
fn sample(p: &[char], v: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        match c {
            '\\' if i + 1 < p.len() => {
                out.push(p[i + 1]);
                i += 2;
            }
            '*' if p.get(i + 1) == Some(&'*') => {
                if p.get(i + 2) == Some(&'/') {
                    out.push_str(if v == 0 { "" } else { "a/b/" });
                    i += 3;
                } else {
                    out.push_str(if v == 0 { "x" } else { "m/n" });
                    i += 2;
                }
            }
            '*' => {
                out.push_str(if v == 0 { "x" } else { "yy" });
                i += 1;
            }
            '?' => {
                out.push('q');
                i += 1;
            }
            '[' => {
                let end = p[i + 1..]
                    .iter()
                    .enumerate()
                    .skip(1)
                    .find(|(_, c)| **c == ']')
                    .map_or(p.len(), |(k, _)| i + 1 + k);
                let class: Vec<char> = p[i + 1..end.min(p.len())].to_vec();
                let neg = matches!(class.first(), Some('!' | '^'));
                if neg {
                    let inside: BTreeSet<char> = class[1..].iter().copied().collect();
                    let pick = ['z', 'q', '0', '_', 'Z']
                        .into_iter()
                        .find(|c| !inside.contains(c))
                        .unwrap_or('~');
                    out.push(pick);
                } else if let Some(&f) = class.first() {
                    out.push(if f == '\\' {
                        class.get(1).copied().unwrap_or('x')
                    } else {
                        f
                    });
                }
                i = end + 1;
            }
            '{' => {
                let (alts, used) = alternatives(&p[i + 1..]);
                let pick = if v == 0 { 0 } else { alts.len() - 1 };
                out.push_str(&sample(&alts[pick], v));
                i += 1 + used;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn samples(patterns: &[String], strip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for p in patterns {
        let p = p.strip_prefix('!').unwrap_or(p);
        let mut p = p;
        for s in strip {
            p = p.strip_prefix(s).unwrap_or(p);
        }
        let cs: Vec<char> = p.chars().collect();
        for v in 0..2 {
            let s = sample(&cs, v);
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

fn push_unique(v: &mut Vec<String>, more: impl IntoIterator<Item = String>, cap: usize) {
    for s in more {
        if v.len() >= cap {
            break;
        }
        if !v.contains(&s) {
            v.push(s);
        }
    }
}

/// One event of the test: Dispatch's view (if Dispatch sees it) and PaC's.
struct Case {
    what: String,
    dispatch: Option<Event>,
    pac: Option<PacEvent>,
}

fn dispatch_case(what: String, e: Event, files: &[String]) -> Case {
    let pac = PacEvent::from_dispatch(&e, files);
    Case {
        what,
        dispatch: Some(e),
        pac,
    }
}

/// The events for one pipeline, deterministic.
fn events(p: &Pipeline) -> Vec<Case> {
    let (mut branches, mut tags, mut paths, mut labels, mut words) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        BTreeSet::new(),
    );
    for a in &p.actions {
        match &a.on.kind {
            ConditionKind::Push(c) => {
                push_unique(&mut branches, samples(&c.branches, &["refs/heads/"]), 12);
                push_unique(&mut paths, samples(&c.paths, &[]), 10);
            }
            ConditionKind::Tag(c) => {
                push_unique(&mut tags, samples(&c.names, &["refs/tags/"]), 6);
            }
            ConditionKind::PullRequest(c) => {
                let targets: Vec<String> = c
                    .target_patterns()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect();
                push_unique(&mut branches, samples(&targets, &["refs/heads/"]), 12);
                push_unique(&mut branches, samples(&c.sources, &["refs/heads/"]), 14);
                push_unique(&mut paths, samples(&c.paths, &[]), 10);
                push_unique(&mut labels, samples(&c.labels, &[]), 4);
                words.extend(c.chatops.iter().cloned());
            }
            _ => {}
        }
    }
    push_unique(
        &mut branches,
        ["master", "main", "dev", "feature/x", "release/1.0"].map(str::to_owned),
        18,
    );
    push_unique(&mut tags, ["v1.0.0", "latest"].map(str::to_owned), 8);
    let mut path_sets: Vec<Vec<String>> = vec![
        vec![],
        vec!["README.md".into()],
        vec!["src/main.go".into(), "docs/a/b.md".into()],
    ];
    for s in &paths {
        path_sets.push(vec![s.clone()]);
        path_sets.push(vec![s.clone(), "README.md".into()]);
    }
    let mut label_sets: Vec<Vec<String>> = vec![vec![], vec!["bug".into()]];
    for l in &labels {
        label_sets.push(vec![l.clone()]);
    }
    let mut cases = Vec::new();
    for (i, b) in branches.iter().enumerate() {
        for (j, files) in path_sets.iter().enumerate() {
            if (i + j) % 2 == 1 && j > 2 {
                continue;
            }
            let e = Event::Push(PushEvent {
                branch: b.clone(),
                commit: COMMIT.into(),
                url: URL.into(),
                changed: Some(files.clone()),
            });
            cases.push(dispatch_case(format!("push {b} {files:?}"), e, files));
        }
    }
    for t in &tags {
        let e = Event::Tag(TagEvent {
            tag: t.clone(),
            commit: COMMIT.into(),
            url: URL.into(),
        });
        cases.push(dispatch_case(format!("tag {t}"), e, &[]));
    }
    let actions = [
        PullRequestAction::Opened,
        PullRequestAction::Synchronize,
        PullRequestAction::Reopened,
    ];
    let mut k = 0usize;
    for base in &branches {
        for ls in &label_sets {
            for files in path_sets.iter().take(4) {
                k += 1;
                let head = branches[k % branches.len()].clone();
                let e = Event::PullRequest(PullRequestEvent {
                    action: actions[k % 3],
                    number: 7,
                    base: base.clone(),
                    head: head.clone(),
                    commit: COMMIT.into(),
                    url: URL.into(),
                    labels: ls.clone(),
                    changed: Some(files.clone()),
                });
                cases.push(dispatch_case(
                    format!("pull_request {base}<-{head} {ls:?} {files:?}"),
                    e,
                    files,
                ));
            }
        }
    }
    let mut comments: Vec<String> = Vec::new();
    for w in &words {
        for c in [
            format!("/{w}"),
            format!("/{w} please now"),
            format!("  /{w}"),
            format!("\n/{w}\nthanks"),
            format!("/{w}\targ"),
            format!("/{w}\r\nmore"),
            format!("/{w}\u{a0}x"),
            format!("/{w}extra"),
            format!("hello /{w}"),
            format!("hello\n/{w}"),
            format!("/{}", w.to_uppercase()),
        ] {
            comments.push(c);
        }
    }
    for c in [
        "/test",
        "/test dispatch",
        "/test other",
        "/retest",
        "/retest dispatch",
        "/cancel",
        "/cancel dispatch",
        "/ok-to-test",
        "/ok-to-test 5f3c0ad",
        "lgtm",
        "/lgtm\n/test",
    ] {
        comments.push(c.to_owned());
    }
    for (i, c) in comments.iter().enumerate() {
        for j in 0..2 {
            let base = branches[(i + j) % branches.len()].clone();
            let ls = label_sets[(i + j) % label_sets.len()].clone();
            let files = path_sets[(i + 2 * j) % path_sets.len()].clone();
            let e = Event::PullRequestComment(PullRequestCommentEvent {
                number: 7,
                base: base.clone(),
                head: "feature/x".into(),
                commit: COMMIT.into(),
                url: URL.into(),
                comment: c.clone(),
                labels: ls.clone(),
                changed: Some(files.clone()),
            });
            cases.push(dispatch_case(
                format!("comment {c:?} on {base} {ls:?} {files:?}"),
                e,
                &files,
            ));
        }
    }
    // Events PaC receives and Dispatch never sees: nothing may run.
    for (i, base) in branches.iter().enumerate().take(4) {
        let info = PrInfo {
            base: base.clone(),
            head: "feature/x".into(),
            sha: COMMIT.into(),
            labels: label_sets[i % label_sets.len()].clone(),
            title: "t".into(),
            message: "a change".into(),
        };
        let files = path_sets[i % path_sets.len()].clone();
        for action in ["labeled", "closed", "ready_for_review", "edited"] {
            let body = event::pull_request_payload(action, 7, &info);
            cases.push(Case {
                what: format!("PaC-only pull_request {action} on {base}"),
                dispatch: None,
                pac: PacEvent::from_github("pull_request", body, None, files.clone()),
            });
        }
        let body = event::push_payload(&format!("refs/heads/{base}"), ZERO_SHA, "");
        cases.push(Case {
            what: format!("PaC-only deleted branch {base}"),
            dispatch: None,
            pac: PacEvent::from_github("push", body, None, files.clone()),
        });
    }
    if cases.len() > MAX_EVENTS_PER_FILE {
        let n = cases.len();
        let keep: BTreeSet<usize> = (0..MAX_EVENTS_PER_FILE)
            .map(|i| i * n / MAX_EVENTS_PER_FILE)
            .collect();
        // The PaC-only events are always kept.
        cases = cases
            .into_iter()
            .enumerate()
            .filter(|(i, c)| keep.contains(i) || c.dispatch.is_none())
            .map(|(_, c)| c)
            .collect();
    }
    cases
}

#[derive(Default)]
struct Totals {
    files: usize,
    translated: usize,
    stubs: usize,
    translate_errors: Vec<String>,
    events: usize,
    pairs: usize,
    inexpressible: usize,
    failures: Vec<String>,
}

fn check_file(name: &str, bytes: &[u8], t: &mut Totals) {
    let limits = Limits::default();
    let Ok(checked) = check(bytes, name, &ParseOptions::default(), &limits) else {
        return;
    };
    t.files += 1;
    let pipeline = checked.pipeline();
    let pac = match translate(pipeline, &PacOptions::default()) {
        Ok(p) => p,
        Err(d) => {
            t.translate_errors.push(format!(
                "{name}: {}",
                d.to_string().lines().next().unwrap_or("")
            ));
            return;
        }
    };
    let yaml = pac.to_yaml();
    if yaml.trim().is_empty() && pac.diagnostics().is_empty() {
        t.stubs += 1;
    }
    t.translated += 1;
    let inexpressible: BTreeSet<usize> = pac.inexpressible_actions().iter().copied().collect();
    for case in events(pipeline) {
        t.events += 1;
        let (expected, fired): (Vec<String>, Vec<usize>) = match &case.dispatch {
            Some(e) => {
                let m = checked.triggers().match_event(e);
                (m.tasks, m.actions)
            }
            None => (Vec::new(), Vec::new()),
        };
        if fired.iter().any(|a| inexpressible.contains(a)) {
            t.inexpressible += 1;
            continue;
        }
        t.pairs += 1;
        let got = match &case.pac {
            Some(pe) => simulate(&yaml, pe),
            None => crate::sim::SimResult::default(),
        };
        let ran = got.dispatch_tasks();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for x in &ran {
            *counts.entry(x.as_str()).or_default() += 1;
        }
        let twice: Vec<&str> = counts
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(k, _)| *k)
            .collect();
        let got_set: BTreeSet<&str> = counts.keys().copied().collect();
        let want_set: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
        if !twice.is_empty() || got_set != want_set {
            t.failures.push(format!(
                "{name}: {}: dispatch match runs {want_set:?} (actions {fired:?}), PaC runs {ran:?}{}{}",
                case.what,
                if twice.is_empty() { String::new() } else { format!(", twice: {twice:?}") },
                got.stopped.map(|s| format!(" (stopped: {s})")).unwrap_or_default()
            ));
        }
    }
}

#[test]
fn corpus_pac_runs_exactly_the_matched_tasks() {
    let Some(dir) = shared() else {
        return;
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("corpus/dispatchfiles"))
        .expect("the corpus folder is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x != "tsv"))
        .collect();
    entries.sort();
    let mut t = Totals::default();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).expect("corpus files are readable");
        check_file(&name, &bytes, &mut t);
    }
    if t.translated > 0 && t.stubs == t.translated {
        println!(
            "generator not present, skipped ({} files validate)",
            t.files
        );
        return;
    }
    println!(
        "pac corpus: {} files validate, {} translated ({} translate errors), {} events, {} pairs checked, {} skipped as inexpressible, {} mismatches",
        t.files,
        t.translated,
        t.translate_errors.len(),
        t.events,
        t.pairs,
        t.inexpressible,
        t.failures.len()
    );
    for e in &t.translate_errors {
        println!("  translate error: {e}");
    }
    assert!(
        t.failures.is_empty(),
        "{} (file, event) pairs differ; the first ones:\n{}",
        t.failures.len(),
        t.failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
