//! Fuzz lowering of arbitrary valid pipelines.
//!
//! Input: one byte of options, then a pipeline as JSON. Every decodable pipeline is lowered with
//! all its tasks selected (and, chosen by the options byte, a subset). Checked on success: object
//! names, PipelineTask names and step names are DNS-1123 labels; PipelineTask names are unique;
//! `runAfter` names existing PipelineTasks and is acyclic; every Task workspace is bound by its
//! PipelineTask to a Pipeline workspace, and every Pipeline workspace is bound by the
//! PipelineRun; rendering is deterministic. On failure: only errors with a code come back.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};

use dispatch_tekton::{GitClone, LowerOptions, Object, Selection, Target, WorkspaceVolume, lower};
use dispatchfile_model::names::is_dns1123_label;
use dispatchfile_model::{DecodeOptions, Document, Limits, Node, Span, decode};

fn options(byte: u8) -> LowerOptions {
    let mut o = LowerOptions::default();
    o.target = if byte & 1 == 0 {
        Target::V1
    } else {
        Target::V1Beta1
    };
    let modes = ["bundles", "git", "hub", "cluster", "name", "inline"];
    o.git_clone = modes[usize::from(byte >> 1) % modes.len()]
        .parse::<GitClone>()
        .expect("a known mode");
    if byte & 0x80 != 0 {
        o.workspace_binding = WorkspaceVolume::Claim {
            name: "shared".to_owned(),
        };
    }
    o
}

fn check(objects: &[Object]) {
    let mut tasks: BTreeMap<&str, &dispatch_tekton::tekton::Task> = BTreeMap::new();
    let mut pipelines = Vec::new();
    let mut runs = Vec::new();
    for object in objects {
        let meta = object.metadata();
        if let Some(name) = &meta.name {
            assert!(
                is_dns1123_label(name),
                "{} name {name:?} is a DNS-1123 label",
                object.kind()
            );
        } else {
            let prefix = meta
                .generate_name
                .as_deref()
                .expect("a name or a generateName");
            assert!(
                is_dns1123_label(prefix.trim_end_matches('-')),
                "generateName {prefix:?}"
            );
        }
        match object {
            Object::Task(t) => {
                let name = meta.name.as_deref().expect("Tasks are named");
                assert!(tasks.insert(name, t).is_none(), "Task {name} emitted once");
                let mut steps = BTreeSet::new();
                for s in &t.spec.steps {
                    assert!(
                        is_dns1123_label(&s.name),
                        "step name {:?} of Task {name}",
                        s.name
                    );
                    assert!(
                        steps.insert(&s.name),
                        "step {:?} of Task {name} is unique",
                        s.name
                    );
                }
            }
            Object::Pipeline(p) => pipelines.push(p),
            Object::PipelineRun(r) => runs.push(r),
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
    assert_eq!(
        (pipelines.len(), runs.len()),
        (1, 1),
        "one Pipeline and one PipelineRun"
    );
    let (pipeline, run) = (pipelines[0], runs[0]);

    let pipeline_workspaces: BTreeSet<&str> = pipeline
        .spec
        .workspaces
        .iter()
        .map(|w| w.name.as_str())
        .collect();
    let run_workspaces: BTreeSet<&str> = run
        .spec
        .workspaces
        .iter()
        .map(|w| w.name.as_str())
        .collect();
    assert_eq!(
        pipeline_workspaces, run_workspaces,
        "the PipelineRun binds exactly the Pipeline's workspaces"
    );
    assert!(
        !pipeline.spec.tasks.is_empty(),
        "a lowered pipeline runs something"
    );

    let names: BTreeSet<&str> = pipeline
        .spec
        .tasks
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names.len(),
        pipeline.spec.tasks.len(),
        "PipelineTask names are unique"
    );
    for pt in &pipeline.spec.tasks {
        assert!(
            is_dns1123_label(&pt.name),
            "PipelineTask name {:?}",
            pt.name
        );
        for r in &pt.run_after {
            assert!(
                names.contains(r.as_str()),
                "runAfter {r:?} of {} names a PipelineTask",
                pt.name
            );
        }
        let bound: BTreeMap<&str, &str> = pt
            .workspaces
            .iter()
            .map(|b| (b.name.as_str(), b.workspace.as_str()))
            .collect();
        assert_eq!(
            bound.len(),
            pt.workspaces.len(),
            "workspace bindings of {} are unique",
            pt.name
        );
        for w in bound.values() {
            assert!(
                pipeline_workspaces.contains(w),
                "{} binds Pipeline workspace {w:?}, which exists",
                pt.name
            );
        }
        if let Some(task) = pt.task_ref.name.as_deref().and_then(|n| tasks.get(n)) {
            for decl in &task.spec.workspaces {
                assert!(
                    bound.contains_key(decl.name.as_str()),
                    "workspace {:?} of Task {:?} is bound",
                    decl.name,
                    pt.task_ref.name
                );
            }
            for b in bound.keys() {
                assert!(
                    task.spec.workspaces.iter().any(|d| d.name == *b),
                    "{} binds {b:?}, which its Task declares",
                    pt.name
                );
            }
        }
    }
    // Acyclic runAfter: Kahn's algorithm removes every PipelineTask.
    let mut indegree: BTreeMap<&str, usize> = pipeline
        .spec
        .tasks
        .iter()
        .map(|t| (t.name.as_str(), t.run_after.len()))
        .collect();
    let mut ready: Vec<&str> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(n, _)| *n)
        .collect();
    let mut removed = 0;
    while let Some(n) = ready.pop() {
        removed += 1;
        for t in &pipeline.spec.tasks {
            for _ in t.run_after.iter().filter(|r| r.as_str() == n) {
                let d = indegree.get_mut(t.name.as_str()).expect("known");
                *d -= 1;
                if *d == 0 {
                    ready.push(t.name.as_str());
                }
            }
        }
    }
    assert_eq!(removed, pipeline.spec.tasks.len(), "runAfter is acyclic");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&byte, json)) = data.split_first() else {
        return;
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    let mut limits = Limits::default();
    limits.max_depth = 48;
    let decoded = decode(
        &Document {
            root: Node::from_json(&value, Span::default()),
        },
        &DecodeOptions::default(),
        &limits,
    );
    let Some(pipeline) = decoded.pipeline else {
        return;
    };
    let all: Vec<&str> = pipeline.tasks.keys().map(String::as_str).collect();
    let some: Vec<&str> = all
        .iter()
        .copied()
        .step_by(usize::from(byte % 3) + 1)
        .collect();
    let options = options(byte);
    let all: Vec<String> = all.iter().map(ToString::to_string).collect();
    for chosen in [all, dispatch_trigger::closure(&pipeline, &some)] {
        let selection = Selection::manual(chosen.clone()).with_source_map(&decoded.source_map);
        match lower(&pipeline, &selection, &options) {
            Ok(lowered) => {
                check(lowered.objects());
                let again =
                    lower(&pipeline, &selection, &options).expect("lowering is deterministic");
                assert_eq!(
                    lowered.to_yaml(),
                    again.to_yaml(),
                    "YAML output is deterministic"
                );
                assert_eq!(
                    lowered.to_json(),
                    again.to_json(),
                    "JSON output is deterministic"
                );
                let parsed: serde_json::Value =
                    serde_json::from_str(&lowered.to_json()).expect("JSON output parses");
                assert_eq!(
                    parsed.as_array().map(Vec::len),
                    Some(lowered.objects().len()),
                    "one JSON document per object"
                );
            }
            Err(diags) => {
                assert!(
                    diags.iter().any(|d| d.is_error()),
                    "lowering fails only with an error: {diags:?}"
                );
                assert!(
                    !chosen.is_empty() || diags.iter().any(|d| d.code == "empty-selection"),
                    "{diags:?}"
                );
            }
        }
    }
});
