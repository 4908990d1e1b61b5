//! Lowering large graph shapes: every selected task comes out with the `runAfter` its edges
//! give. No time is measured: a quadratic pass (runAfter scanned the fetch tasks for every git
//! input of every task) would hang the test instead.

use dispatch_tekton::tekton::Object;
use dispatch_tekton::{LowerOptions, Selection, lower};
use dispatchfile_model::{Code, Pipeline, Resource, Task};
use k8s_openapi::api::core::v1::Container;

fn name(i: usize) -> String {
    format!("t{i:05}")
}

fn task(inputs: Vec<String>, deps: Vec<String>) -> Task {
    Task {
        inputs,
        deps,
        steps: vec![Container {
            name: "s".into(),
            image: Some("alpine".into()),
            ..Container::default()
        }],
        ..Task::default()
    }
}

fn git(p: &mut Pipeline, r: &str) {
    let mut res = Resource {
        kind: "git".into(),
        ..Resource::default()
    };
    res.params
        .insert("url".into(), "https://example.com/r.git".into());
    p.resources.insert(r.to_owned(), res);
}

/// The runAfter of every PipelineTask of the lowered build, by name.
fn run_after(p: &Pipeline, selected: &[String]) -> Vec<(String, Vec<String>)> {
    let lowered = lower(
        p,
        &Selection::manual(selected.iter().cloned()),
        &LowerOptions::default(),
    )
    .unwrap_or_else(|d| panic!("lowers: {d}"));
    lowered
        .objects()
        .iter()
        .find_map(|o| match o {
            Object::Pipeline(pl) => Some(
                pl.spec
                    .tasks
                    .iter()
                    .map(|t| (t.name.clone(), t.run_after.clone()))
                    .collect(),
            ),
            _ => None,
        })
        .expect("a Pipeline object")
}

#[test]
fn every_task_with_its_own_git_resource() {
    // 20,000 tasks, 20,000 fetch tasks: each task runs after its own fetch task.
    const N: usize = 20_000;
    let mut p = Pipeline::default();
    let mut all = Vec::new();
    for i in 0..N {
        let r = format!("src{i:05}");
        git(&mut p, &r);
        p.tasks.insert(name(i), task(vec![r], vec![]));
        all.push(name(i));
    }
    let tasks = run_after(&p, &all);
    assert_eq!(
        tasks.len(),
        2 * N,
        "a fetch task per resource, then the tasks"
    );
    for (i, (t, after)) in tasks[N..].iter().enumerate() {
        assert_eq!(*t, name(i));
        assert_eq!(*after, [format!("src{i:05}-fetch")], "task #{i}");
    }
}

#[test]
fn chain() {
    const N: usize = 20_000;
    let mut p = Pipeline::default();
    for i in 0..N {
        let deps = if i == 0 { vec![] } else { vec![name(i - 1)] };
        p.tasks.insert(name(i), task(vec![], deps));
    }
    let tasks = run_after(&p, &[name(N - 1)]);
    assert_eq!(tasks.len(), N);
    assert!(tasks[0].1.is_empty());
    for (i, (_, after)) in tasks.iter().enumerate().skip(1) {
        assert_eq!(*after, [name(i - 1)]);
    }
}

#[test]
fn wide_fan_in() {
    // One task waits for 20,000 others.
    const N: usize = 20_000;
    let mut p = Pipeline::default();
    let all: Vec<String> = (0..N).map(name).collect();
    for n in &all {
        p.tasks.insert(n.clone(), task(vec![], vec![]));
    }
    p.tasks.insert("zz".into(), task(vec![], all.clone()));
    let tasks = run_after(&p, &["zz".to_owned()]);
    assert_eq!(tasks.len(), N + 1);
    let (last, after) = &tasks[N];
    assert_eq!(last, "zz");
    assert_eq!(after.len(), N);
}

#[test]
fn lowering_diagnostics_are_capped() {
    // 5,000 tasks each with a step field Tekton steps lack: 5,000 errors, 100 kept.
    let mut p = Pipeline::default();
    let mut all = Vec::new();
    for i in 0..5_000 {
        let mut t = task(vec![], vec![]);
        t.steps[0].ports = Some(vec![k8s_openapi::api::core::v1::ContainerPort {
            container_port: 80,
            ..Default::default()
        }]);
        p.tasks.insert(name(i), t);
        all.push(name(i));
    }
    let problems = lower(&p, &Selection::manual(all), &LowerOptions::default())
        .expect_err("ports are not allowed in steps");
    assert_eq!(problems.len(), 100);
    assert!(
        problems
            .iter()
            .all(|d| d.code == Code::UnsupportedStepField)
    );
    assert_eq!(problems.omitted().errors, 4_900);
    assert!(problems.has_errors());
}

#[test]
fn one_task_reading_twenty_thousand_resources() {
    // Each input was looked up in the task's resources so far (a scan per input).
    const N: usize = 20_000;
    let mut p = Pipeline::default();
    let mut inputs = Vec::new();
    for i in 0..N {
        let r = format!("data{i:05}");
        p.resources.insert(
            r.clone(),
            Resource {
                kind: "storage".into(),
                ..Resource::default()
            },
        );
        p.tasks.insert(
            name(i),
            Task {
                outputs: vec![r.clone()],
                ..task(vec![], vec![])
            },
        );
        inputs.push(r);
    }
    p.tasks.insert("zz".into(), task(inputs, vec![]));
    let tasks = run_after(&p, &["zz".to_owned()]);
    assert_eq!(tasks.len(), N + 1);
    assert_eq!(tasks[N].1.len(), N, "zz runs after every producer");
}

/// Hostile shapes of 100,000 tasks through validation, the task closure and the lowering. The
/// time bound is only a hang guard (a quadratic pass over 100,000 tasks takes far longer).
mod hundred_thousand {
    use std::sync::mpsc;
    use std::time::Duration;

    use dispatchfile_model::{Pipeline, SourceMap, validate};

    use super::{name, run_after, task};

    const N: usize = 100_000;
    /// A case still running after this long hangs: the test fails.
    const HANG_GUARD: Duration = Duration::from_mins(10);

    /// Runs `f` on its own thread and fails the test when it does not finish within the guard.
    fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                let _ = tx.send(f());
            })
            .expect("a thread");
        rx.recv_timeout(HANG_GUARD)
            .unwrap_or_else(|e| panic!("the case hangs or panicked: {e}"))
    }

    /// Validates `p`, closes `selected` over it and lowers it: (closure length, runAfter lists).
    fn through_all(p: &Pipeline, selected: &[String]) -> (usize, Vec<(String, Vec<String>)>) {
        let diags = validate(p, &SourceMap::new()).unwrap_or_else(|d| panic!("valid: {d}"));
        assert!(!diags.has_errors());
        let names: Vec<&str> = selected.iter().map(String::as_str).collect();
        let closure = dispatch_trigger::closure(p, &names);
        (closure.len(), run_after(p, selected))
    }

    #[test]
    fn chain_of_100000_tasks() {
        let (closed, tasks) = guarded(|| {
            let mut p = Pipeline::default();
            for i in 0..N {
                let deps = if i == 0 { vec![] } else { vec![name(i - 1)] };
                p.tasks.insert(name(i), task(vec![], deps));
            }
            through_all(&p, &[name(N - 1)])
        });
        assert_eq!(closed, N);
        assert_eq!(tasks.len(), N);
        assert!(tasks[0].1.is_empty());
        for (i, (t, after)) in tasks.iter().enumerate().skip(1) {
            assert_eq!(*t, name(i));
            assert_eq!(*after, [name(i - 1)]);
        }
    }

    #[test]
    fn fan_in_of_100000_tasks() {
        let (closed, tasks) = guarded(|| {
            let mut p = Pipeline::default();
            let all: Vec<String> = (0..N).map(name).collect();
            for t in &all {
                p.tasks.insert(t.clone(), task(vec![], vec![]));
            }
            p.tasks.insert("zz".into(), task(vec![], all));
            through_all(&p, &["zz".to_owned()])
        });
        assert_eq!(closed, N + 1);
        assert_eq!(tasks.len(), N + 1);
        let (last, after) = &tasks[N];
        assert_eq!(last, "zz");
        assert_eq!(*after, (0..N).map(name).collect::<Vec<_>>());
        assert!(tasks[..N].iter().all(|(_, a)| a.is_empty()));
    }

    #[test]
    fn fan_out_of_100000_tasks() {
        let (closed, tasks) = guarded(|| {
            let mut p = Pipeline::default();
            p.tasks.insert("a".into(), task(vec![], vec![]));
            let all: Vec<String> = (0..N).map(name).collect();
            for t in &all {
                p.tasks.insert(t.clone(), task(vec![], vec!["a".into()]));
            }
            through_all(&p, &all)
        });
        assert_eq!(closed, N + 1);
        assert_eq!(tasks.len(), N + 1);
        assert_eq!(tasks[0], ("a".to_owned(), vec![]));
        assert!(tasks[1..].iter().all(|(_, a)| *a == ["a"]));
    }
}
