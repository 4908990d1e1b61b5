//! Fuzz trigger matching of arbitrary events against arbitrary pipelines.
//!
//! Input: a pipeline as JSON, a NUL byte, an event as JSON (the CLI's event file). Checked:
//! compile errors are errors with a code; matching is deterministic; there is one explain entry
//! per action and an action fires exactly when all its checks pass; only actions of the event's
//! kind fire; the task list is the closure of the fired actions' tasks, each task once, in an
//! order where everything a task needs comes before it.
#![no_main]

use std::collections::BTreeSet;

use dispatch_trigger::{Event, closure, compile};
use dispatchfile_model::{DecodeOptions, Document, Limits, Node, Span, decode};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let Ok(pipeline) = serde_json::from_slice::<serde_json::Value>(&data[..split]) else {
        return;
    };
    let Ok(event_text) = std::str::from_utf8(&data[split + 1..]) else {
        return;
    };
    let Ok(event) = Event::from_json(event_text) else {
        return;
    };
    let mut limits = Limits::default();
    limits.max_depth = 48;
    limits.max_patterns_per_list = 16;
    let decoded = decode(
        &Document {
            root: Node::from_json(&pipeline, Span::default()),
        },
        &DecodeOptions::default(),
        &limits,
    );
    let Some(pipeline) = decoded.pipeline else {
        return;
    };
    let triggers = match compile(&pipeline, &limits) {
        Ok(t) => t,
        Err(diags) => {
            assert!(
                diags.iter().any(|d| d.is_error()),
                "compile fails only with an error: {diags:?}"
            );
            for d in &diags {
                assert!(
                    matches!(d.code.as_str(), "invalid-pattern" | "limit-exceeded"),
                    "compile error code {}",
                    d.code
                );
            }
            return;
        }
    };
    assert_eq!(
        triggers.len(),
        pipeline.actions.len(),
        "one compiled action per action"
    );
    let result = triggers.match_event(&event);
    assert_eq!(
        result,
        triggers.match_event(&event),
        "matching is deterministic"
    );

    assert_eq!(
        result.explain.len(),
        pipeline.actions.len(),
        "one explain entry per action"
    );
    let mut fired = Vec::new();
    for (i, e) in result.explain.iter().enumerate() {
        assert_eq!(e.action, i, "explain entries in action order");
        assert_eq!(
            e.matched,
            e.checks.iter().all(|c| c.ok),
            "action #{i} fires iff all checks pass: {e:?}"
        );
        let event_kind = match event.kind() {
            "pull_request_comment" => "pull_request",
            k => k,
        };
        if e.matched {
            assert_eq!(e.kind, event_kind, "only actions of the event's kind fire");
            fired.push(i);
        }
    }
    assert_eq!(
        result.actions, fired,
        "actions are the fired explain entries, ascending"
    );

    let wanted: Vec<&str> = fired
        .iter()
        .flat_map(|&i| pipeline.actions[i].tasks.iter().map(String::as_str))
        .collect();
    assert_eq!(
        result.tasks,
        closure(&pipeline, &wanted),
        "the task list is the closure of the fired tasks"
    );
    let unique: BTreeSet<&String> = result.tasks.iter().collect();
    assert_eq!(unique.len(), result.tasks.len(), "each task once");
    for t in &wanted {
        assert!(result.tasks.iter().any(|x| x == t), "fired task {t} is run");
    }
    // Order: a task's deps and task inputs (that exist) come before it.
    for (i, name) in result.tasks.iter().enumerate() {
        let task = &pipeline.tasks[name];
        for need in task.deps.iter().chain(
            task.inputs
                .iter()
                .filter(|x| pipeline.tasks.contains_key(*x)),
        ) {
            if need == name {
                continue;
            }
            let at = result.tasks.iter().position(|x| x == need);
            assert!(
                at.is_some_and(|at| at < i),
                "{need} runs before {name}: {:?}",
                result.tasks
            );
        }
    }
});
