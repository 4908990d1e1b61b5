//! A broad, deterministic set of events for one pipeline: pushes to several branches with
//! several changed-path sets, tags, pull requests (actions, branches, labels, paths) and
//! comments (each chatops word, with arguments and on later lines, and PaC's own commands).

use std::collections::BTreeSet;

use dispatch_trigger::{
    Event, PullRequestAction, PullRequestCommentEvent, PullRequestEvent, PushEvent, TagEvent,
};
use dispatchfile_model::{ConditionKind, Pipeline};

const URL: &str = "https://github.com/example/app.git";
const SHA: &str = "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0";

/// A string that a glob probably matches: glob syntax replaced by plain text.
fn instance(pattern: &str, star: &str) -> String {
    let p = pattern.trim_start_matches('!');
    let p = p
        .strip_prefix("refs/heads/")
        .or_else(|| p.strip_prefix("refs/tags/"))
        .unwrap_or(p);
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => {
                while chars.peek() == Some(&'*') {
                    chars.next();
                }
                out.push_str(star);
            }
            '?' => out.push('q'),
            '\\' => out.extend(chars.next()),
            '[' => {
                let mut first = None;
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    if first.is_none() && d != '!' && d != '^' {
                        first = Some(d);
                    }
                }
                out.push(first.unwrap_or('x'));
            }
            '{' => {
                // The first alternative.
                let mut depth = 1;
                let mut taking = true;
                for d in chars.by_ref() {
                    match d {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        ',' if depth == 1 => taking = false,
                        _ if taking => out.push(d),
                        _ => {}
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn instances(patterns: &[String], into: &mut BTreeSet<String>) {
    for p in patterns {
        for star in ["x", "a/b", ""] {
            let s = instance(p, star);
            if !s.is_empty() && !s.starts_with('/') {
                into.insert(s);
            }
        }
    }
}

/// Events for `pipeline`.
pub(crate) fn events(pipeline: &Pipeline) -> Vec<Event> {
    let mut branches: BTreeSet<String> = [
        "main",
        "master",
        "develop",
        "feature/x",
        "feature/x/y",
        "release/1.0",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let mut tags: BTreeSet<String> = ["v1.0.0", "v0.9", "latest", "v2.0.0-rc.1"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut paths: BTreeSet<String> = ["README.md", "src/main.go", "docs/a.md", "Dispatchfile"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut labels: BTreeSet<String> = ["bug", "wip"].into_iter().map(str::to_owned).collect();
    let mut words: BTreeSet<String> = BTreeSet::new();
    for a in &pipeline.actions {
        match &a.on.kind {
            ConditionKind::Push(c) => {
                instances(&c.branches, &mut branches);
                instances(&c.paths, &mut paths);
            }
            ConditionKind::Tag(c) => instances(&c.names, &mut tags),
            ConditionKind::PullRequest(c) => {
                instances(&c.targets, &mut branches);
                instances(&c.branches, &mut branches);
                instances(&c.sources, &mut branches);
                instances(&c.paths, &mut paths);
                instances(&c.labels, &mut labels);
                words.extend(c.chatops.iter().cloned());
            }
            _ => {}
        }
    }
    let branches: Vec<String> = branches.into_iter().take(24).collect();
    let paths: Vec<String> = paths.into_iter().take(24).collect();
    let labels: Vec<String> = labels.into_iter().take(8).collect();
    let mut file_sets: Vec<Vec<String>> = vec![Vec::new()];
    for (i, p) in paths.iter().enumerate() {
        file_sets.push(vec![p.clone()]);
        if i + 1 < paths.len() {
            file_sets.push(vec![p.clone(), paths[i + 1].clone()]);
        }
    }
    let mut label_sets: Vec<Vec<String>> = vec![Vec::new()];
    for l in &labels {
        label_sets.push(vec![l.clone()]);
    }
    if labels.len() > 1 {
        label_sets.push(labels.clone());
    }
    let mut out = Vec::new();
    for (i, b) in branches.iter().enumerate() {
        for (j, files) in file_sets.iter().enumerate() {
            if (i + j) % 3 != 0 && j > 2 {
                continue;
            }
            out.push(Event::Push(PushEvent {
                branch: b.clone(),
                commit: SHA.into(),
                url: URL.into(),
                changed: Some(files.clone()),
            }));
        }
    }
    for t in tags {
        out.push(Event::Tag(TagEvent {
            tag: t,
            commit: SHA.into(),
            url: URL.into(),
        }));
    }
    let actions = [
        PullRequestAction::Opened,
        PullRequestAction::Synchronize,
        PullRequestAction::Reopened,
    ];
    let mut k = 0usize;
    for base in &branches {
        for head in branches.iter().take(6) {
            k += 1;
            let files = &file_sets[k % file_sets.len()];
            let labels = &label_sets[k % label_sets.len()];
            out.push(Event::PullRequest(PullRequestEvent {
                action: actions[k % 3],
                number: 7,
                base: base.clone(),
                head: head.clone(),
                commit: SHA.into(),
                url: URL.into(),
                labels: labels.clone(),
                changed: Some(files.clone()),
            }));
        }
    }
    let mut comments: Vec<String> = vec![
        "/test".into(),
        "/test dispatch".into(),
        "/test please".into(),
        "/retest".into(),
        "/cancel".into(),
        "/ok-to-test".into(),
        "LGTM".into(),
        String::new(),
    ];
    for w in &words {
        comments.push(format!("/{w}"));
        comments.push(format!("/{w} now please"));
        comments.push(format!("  \n /{w}\r\nthanks"));
        comments.push(format!("please /{w}"));
        comments.push(format!("/{w}x"));
        comments.push(format!("/{w}\n/test"));
        comments.push(format!("/{w} it's \"quoted\" {{{{ revision }}}}"));
    }
    for (i, c) in comments.iter().enumerate() {
        for (j, base) in branches.iter().take(4).enumerate() {
            let files = &file_sets[(i + j) % file_sets.len()];
            let labels = &label_sets[(i + j) % label_sets.len()];
            out.push(Event::PullRequestComment(PullRequestCommentEvent {
                number: 7,
                base: base.clone(),
                head: branches[(i + j + 3) % branches.len()].clone(),
                commit: SHA.into(),
                url: URL.into(),
                comment: c.clone(),
                labels: labels.clone(),
                changed: Some(files.clone()),
            }));
        }
    }
    out
}
