//! Every corpus Dispatchfile the project can evaluate, rendered for push, tag, pull-request and
//! comment events (and every task by hand), checked against the schemas and the conformance checks.

use std::collections::BTreeSet;

use dispatch_tekton::{LowerOptions, Selection, Target, lower};
use dispatch_trigger::{ContextVars, Event, compile};
use dispatchfile_model::{ConditionKind, Limits, Pipeline};
use dispatchfile_parse::{ParseOptions, evaluate};

use super::common::{problems, render_diagnostics, shared};

/// Corpus files whose builds must not lower, with the positioned error they must report and why:
/// the Dispatchfile is wrong, not us. Builds of these files that do lower are checked like any
/// other.
const EXPECTED_ERRORS: [(&str, &str, &str); 5] = [
    (
        "chhsia0-devx-dispatch-demo-9.star",
        "resource-variable",
        "$(resources.outputs.artifacts.path) in task \"run-jenkins\", whose output is \"jenkins-artifacts\"",
    ),
    (
        "mesosphere-dcos-docs-site-2.yaml",
        "resource-variable",
        "$(resources.inputs.helloworld-git.path) in a task that lists no inputs",
    ),
    (
        "mesosphere-kudo-cassandra-operator-2.star",
        "missing-image",
        "the step \"dump\" has no image",
    ),
    (
        "slavenay-cicd-hello-world-1.cue",
        "resource-variable",
        "$(inputs.resources.docker-image.url) in a task that only outputs the image",
    ),
    (
        "takirala-helloworld-7.star",
        "unsupported-variable",
        "task \"test\" echoes $(inputs.params.dispatch--version--version), a Tekton v1alpha1 variable",
    ),
];

const COMMIT: &str = "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0";
const URL: &str = "https://github.com/example/app.git";

/// The events a build is rendered for: push, tag, pull request, and a comment per chatops word.
fn events(p: &Pipeline) -> Vec<Event> {
    let mut words = BTreeSet::new();
    for a in &p.actions {
        if let ConditionKind::PullRequest(c) = &a.on.kind {
            words.extend(c.chatops.iter().cloned());
        }
    }
    if words.is_empty() {
        words.insert("test".to_owned());
    }
    let mut out = vec![
        format!(
            r#"{{"kind":"push","branch":"master","commit":"{COMMIT}","url":"{URL}","changed":["README.md","src/main.go"]}}"#
        ),
        format!(r#"{{"kind":"tag","tag":"v1.0.0","commit":"{COMMIT}","url":"{URL}"}}"#),
        format!(
            r#"{{"kind":"pull_request","action":"opened","number":7,"base":"master","head":"feature/x","commit":"{COMMIT}","url":"{URL}"}}"#
        ),
    ];
    for w in words {
        out.push(format!(
            r#"{{"kind":"pull_request_comment","number":7,"base":"master","head":"feature/x","commit":"{COMMIT}","url":"{URL}","comment":"/{w} now"}}"#
        ));
    }
    out.iter()
        .map(|e| Event::from_json(e).expect("test events parse"))
        .collect()
}

#[test]
fn corpus_builds_lower_to_conformant_tekton() {
    let Some(dir) = shared("the Dispatchfile corpus") else {
        return;
    };
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("corpus/dispatchfiles"))
        .expect("the corpus folder is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let limits = Limits::default();
    let (mut files, mut evaluated, mut builds, mut no_match, mut rejected) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for path in entries {
        files += 1;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).expect("corpus files are readable");
        let result = evaluate(&bytes, &name, &ParseOptions::default(), &limits);
        let Some(pipeline) = result.decoded.pipeline else {
            continue;
        };
        let Ok(triggers) = compile(&pipeline, &limits) else {
            continue;
        };
        evaluated += 1;
        let mut selections: Vec<(String, Selection<'_>)> = Vec::new();
        for event in events(&pipeline) {
            let m = triggers.match_event(&event);
            if m.actions.is_empty() {
                no_match += 1;
                continue;
            }
            selections.push((
                format!("{} event", event.kind()),
                Selection::new(m.actions, m.tasks, m.context)
                    .with_source_map(&result.decoded.source_map),
            ));
        }
        if !pipeline.tasks.is_empty() {
            selections.push((
                "every task".to_owned(),
                Selection::new(
                    Vec::new(),
                    pipeline.tasks.keys().cloned().collect(),
                    ContextVars::manual(),
                )
                .with_source_map(&result.decoded.source_map),
            ));
        }
        for (what, selection) in &selections {
            for target in [Target::V1, Target::V1Beta1] {
                let mut options = LowerOptions::default();
                options.target = target;
                builds += 1;
                match lower(&pipeline, selection, &options) {
                    Ok(lowered) => {
                        let p = problems(&lowered, target);
                        if !p.is_empty() {
                            failures.push(format!(
                                "{name} ({what}, {target:?}):\n  {}",
                                p.join("\n  ")
                            ));
                        }
                    }
                    Err(d) => {
                        let expected = EXPECTED_ERRORS
                            .iter()
                            .find(|(f, _, _)| *f == name)
                            .map(|(_, code, _)| *code);
                        // The expected error, pointing into the Dispatchfile.
                        let found = |code: &str| {
                            d.iter()
                                .any(|x| x.is_error() && x.code == code && x.span.is_some())
                        };
                        if expected.is_none_or(|code| !found(code)) {
                            failures.push(format!(
                                "{name} ({what}, {target:?}): does not lower:\n{}",
                                render_diagnostics(&d)
                            ));
                        } else {
                            rejected += 1;
                        }
                    }
                }
            }
        }
    }
    println!(
        "corpus: {files} files, {evaluated} evaluated, {builds} builds lowered ({rejected} rejected as expected; {no_match} events matched no action), {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} builds failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(evaluated > 0, "no corpus file could be evaluated");
}
