//! The task closure of a build.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use dispatchfile_model::{Pipeline, Task};

/// The tasks a build runs when `tasks` are selected, in topological order.
///
/// The set is `tasks` plus the transitive closure over `deps`, task names in `inputs`, and the
/// producer of every resource input (other than the task itself); an input naming both a resource
/// and a task is the resource (validation warns `ambiguous-input`). Order: Kahn's algorithm over
/// those edges, ready tasks taken in byte order of their names. Names that are not tasks of
/// `pipeline` are left out. A cycle (rejected by validation) cannot hang it: tasks left on a cycle
/// follow in byte order.
///
/// ```
/// # use dispatchfile_model::{Pipeline, Task};
/// use dispatch_trigger::closure;
/// let mut p = Pipeline::default();
/// p.tasks.insert("build".into(), Task::default());
/// p.tasks.insert("deploy".into(), Task { deps: vec!["build".into()], ..Task::default() });
/// p.tasks.insert("lint".into(), Task::default());
/// assert_eq!(closure(&p, &["deploy"]), ["build", "deploy"]);
/// ```
#[must_use]
pub fn closure(pipeline: &Pipeline, tasks: &[&str]) -> Vec<String> {
    closure_names(pipeline, tasks)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// [`closure`], borrowing the task names from `pipeline`.
///
/// Tasks are numbered by their position in `pipeline.tasks`, which is byte order, so the ready
/// set of Kahn's algorithm is a min-heap of numbers and no name is compared twice. Linear in
/// the pipeline (times log for the lookups): a task waits on each resource it reads as one
/// edge, not one per producer, so thousands of consumers of a resource with thousands of
/// producers (which validation rejects) are not a quadratic number of edges.
#[must_use]
pub fn closure_names<'p>(pipeline: &'p Pipeline, tasks: &[&str]) -> Vec<&'p str> {
    const NONE: usize = usize::MAX;
    let names: Vec<&'p str> = pipeline.tasks.keys().map(String::as_str).collect();
    let index = |name: &str| names.binary_search(&name).ok();
    let resources: Vec<&str> = pipeline.resources.keys().map(String::as_str).collect();
    let resource = |name: &str| resources.binary_search(&name).ok();
    let by_index: Vec<&Task> = pipeline.tasks.values().collect();
    let n = names.len();

    // Each task's resource outputs, each once; the distinct producers of each resource.
    let mut stamp = vec![NONE; resources.len()];
    let mut outputs: Vec<Vec<usize>> = Vec::with_capacity(n);
    let mut producers: Vec<Vec<usize>> = vec![Vec::new(); resources.len()];
    for (t, task) in by_index.iter().enumerate() {
        let mut outs = Vec::new();
        for r in task.outputs.iter().filter_map(|o| resource(o)) {
            if stamp[r] != t {
                stamp[r] = t;
                outs.push(r);
                producers[r].push(t);
            }
        }
        outputs.push(outs);
    }
    // What each task waits for: tasks (deps, task inputs), each once and never itself; and
    // resources with a producer other than itself, each once, with whether it produces the
    // resource too (then it waits for the others only).
    let mut task_stamp = vec![NONE; n];
    stamp.fill(NONE);
    let mut task_needs: Vec<Vec<usize>> = Vec::with_capacity(n);
    let mut res_needs: Vec<Vec<(usize, bool)>> = Vec::with_capacity(n);
    for (t, task) in by_index.iter().enumerate() {
        let mut tn = Vec::new();
        let mut rn = Vec::new();
        let mut add_task = |k: usize, tn: &mut Vec<usize>| {
            if k != t && task_stamp[k] != t {
                task_stamp[k] = t;
                tn.push(k);
            }
        };
        for d in task.deps.iter().filter_map(|d| index(d)) {
            add_task(d, &mut tn);
        }
        for input in &task.inputs {
            if let Some(r) = resource(input) {
                if stamp[r] != t {
                    stamp[r] = t;
                    let own = outputs[t].contains(&r);
                    if producers[r].len() > usize::from(own) {
                        rn.push((r, own));
                    }
                }
            } else if let Some(k) = index(input) {
                add_task(k, &mut tn);
            }
        }
        task_needs.push(tn);
        res_needs.push(rn);
    }

    // Union closure, each task visited once and each resource's producers pushed once
    // (explicit stack, no recursion).
    let mut selected = vec![false; n];
    let mut res_seen = vec![false; resources.len()];
    let mut stack: Vec<usize> = tasks.iter().filter_map(|t| index(t)).collect();
    let mut count = 0usize;
    while let Some(t) = stack.pop() {
        if selected[t] {
            continue;
        }
        selected[t] = true;
        count += 1;
        stack.extend(task_needs[t].iter().copied().filter(|d| !selected[*d]));
        for &(r, _) in &res_needs[t] {
            if !res_seen[r] {
                res_seen[r] = true;
                stack.extend(producers[r].iter().copied().filter(|p| !selected[*p]));
            }
        }
    }

    // Kahn's algorithm with a byte-ordered ready set. A resource is one edge to each of its
    // consumers: satisfied when all its producers are done, or, for a consumer that produces it
    // too, when all the others are (the one producer left is then that consumer).
    let mut indegree = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut consumers: Vec<Vec<(usize, bool)>> = vec![Vec::new(); resources.len()];
    for t in (0..n).filter(|t| selected[*t]) {
        indegree[t] = task_needs[t].len() + res_needs[t].len();
        for &d in &task_needs[t] {
            dependents[d].push(t);
        }
        for &(r, own) in &res_needs[t] {
            consumers[r].push((t, own));
        }
    }
    let mut remaining: Vec<usize> = producers.iter().map(Vec::len).collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..n)
        .filter(|t| selected[*t] && indegree[*t] == 0)
        .map(Reverse)
        .collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(count);
    let release = |t: usize, indegree: &mut [usize], ready: &mut BinaryHeap<Reverse<usize>>| {
        indegree[t] -= 1;
        if indegree[t] == 0 {
            ready.push(Reverse(t));
        }
    };
    while let Some(Reverse(t)) = ready.pop() {
        order.push(names[t]);
        done[t] = true;
        for &d in &dependents[t] {
            release(d, &mut indegree, &mut ready);
        }
        for &r in &outputs[t] {
            remaining[r] -= 1;
            match remaining[r] {
                0 => {
                    for &(c, own) in &consumers[r] {
                        if !own {
                            release(c, &mut indegree, &mut ready);
                        }
                    }
                }
                // Reached once per resource: finding the last producer is linear overall.
                1 => {
                    let last = producers[r].iter().copied().find(|p| !done[*p]);
                    if let Some(&(c, _)) = consumers[r]
                        .iter()
                        .find(|(c, own)| *own && Some(*c) == last)
                    {
                        release(c, &mut indegree, &mut ready);
                    }
                }
                _ => {}
            }
        }
    }
    // Only on a cycle, which validation rejects: keep the result complete and deterministic.
    if order.len() < count {
        order.extend(
            (0..n)
                .filter(|t| selected[*t] && !done[*t])
                .map(|t| names[t]),
        );
    }
    order
}

#[cfg(test)]
mod tests {
    use dispatchfile_model::{Pipeline, Resource, Task};

    use super::closure;

    fn task(inputs: &[&str], outputs: &[&str], deps: &[&str]) -> Task {
        let v = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect();
        Task {
            inputs: v(inputs),
            outputs: v(outputs),
            deps: v(deps),
            ..Task::default()
        }
    }

    fn pipeline(tasks: &[(&str, Task)], resources: &[&str]) -> Pipeline {
        let mut p = Pipeline::default();
        for (n, t) in tasks {
            p.tasks.insert((*n).to_owned(), t.clone());
        }
        for r in resources {
            p.resources.insert(
                (*r).to_owned(),
                Resource {
                    kind: "image".into(),
                    ..Resource::default()
                },
            );
        }
        p
    }

    #[test]
    fn deps_inputs_and_producers_are_followed() {
        let p = pipeline(
            &[
                ("build", task(&["src"], &["img"], &[])),
                ("deploy", task(&["img", "test"], &[], &[])),
                ("test", task(&["src"], &[], &["lint"])),
                ("lint", task(&["src"], &[], &[])),
                ("unrelated", task(&[], &[], &[])),
            ],
            &["src", "img"],
        );
        assert_eq!(
            closure(&p, &["deploy"]),
            ["build", "lint", "test", "deploy"]
        );
    }

    #[test]
    fn ready_tasks_in_byte_order() {
        let p = pipeline(
            &[
                ("b", task(&[], &[], &[])),
                ("a", task(&[], &[], &[])),
                ("C", task(&[], &[], &[])),
            ],
            &[],
        );
        assert_eq!(closure(&p, &["b", "a", "C"]), ["C", "a", "b"]);
    }

    #[test]
    fn self_produced_input_is_not_an_edge() {
        let p = pipeline(&[("cache", task(&["data"], &["data"], &[]))], &["data"]);
        assert_eq!(closure(&p, &["cache"]), ["cache"]);
    }

    #[test]
    fn resource_wins_over_task_of_the_same_name() {
        let p = pipeline(
            &[("x", task(&[], &[], &[])), ("y", task(&["x"], &[], &[]))],
            &["x"],
        );
        assert_eq!(closure(&p, &["y"]), ["y"]);
    }

    #[test]
    fn unknown_names_are_left_out_and_duplicates_merged() {
        let p = pipeline(&[("a", task(&[], &[], &[]))], &[]);
        assert_eq!(closure(&p, &["nope", "a", "a"]), ["a"]);
        assert!(closure(&p, &[]).is_empty());
    }

    #[test]
    fn cycle_terminates_with_every_task() {
        let p = pipeline(
            &[
                ("a", task(&[], &[], &["b"])),
                ("b", task(&[], &[], &["a"])),
                ("c", task(&[], &[], &["a"])),
            ],
            &[],
        );
        assert_eq!(closure(&p, &["c"]), ["a", "b", "c"]);
    }

    #[test]
    fn long_chain_has_no_recursion() {
        let mut p = Pipeline::default();
        for i in 0..5000 {
            let deps = if i == 0 {
                vec![]
            } else {
                vec![format!("t{:05}", i - 1)]
            };
            p.tasks.insert(
                format!("t{i:05}"),
                Task {
                    deps,
                    ..Task::default()
                },
            );
        }
        let order = closure(&p, &["t04999"]);
        assert_eq!(order.len(), 5000);
        assert_eq!(order[0], "t00000");
        assert_eq!(order[4999], "t04999");
    }

    /// The first, string-keyed implementation, kept as the reference the indexed one must match.
    fn reference(pipeline: &Pipeline, tasks: &[&str]) -> Vec<String> {
        use std::collections::{BTreeMap, BTreeSet};
        let mut producers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, task) in &pipeline.tasks {
            for out in &task.outputs {
                producers
                    .entry(out.as_str())
                    .or_default()
                    .push(name.as_str());
            }
        }
        let needs = |name: &str| -> BTreeSet<&str> {
            let mut set = BTreeSet::new();
            let Some((name, task)) = pipeline.tasks.get_key_value(name) else {
                return set;
            };
            for d in &task.deps {
                set.extend(
                    pipeline
                        .tasks
                        .get_key_value(d.as_str())
                        .map(|(k, _)| k.as_str()),
                );
            }
            for input in &task.inputs {
                if pipeline.resources.contains_key(input) {
                    set.extend(producers.get(input.as_str()).into_iter().flatten());
                } else if let Some((k, _)) = pipeline.tasks.get_key_value(input.as_str()) {
                    set.insert(k.as_str());
                }
            }
            set.remove(name.as_str());
            set
        };
        let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut stack: Vec<&str> = tasks
            .iter()
            .filter_map(|t| pipeline.tasks.get_key_value(*t).map(|(k, _)| k.as_str()))
            .collect();
        while let Some(t) = stack.pop() {
            if !edges.contains_key(t) {
                let n = needs(t);
                stack.extend(n.iter().copied());
                edges.insert(t, n);
            }
        }
        let mut indegree: BTreeMap<&str, usize> =
            edges.iter().map(|(t, n)| (*t, n.len())).collect();
        let mut ready: BTreeSet<&str> = indegree
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(t, _)| *t)
            .collect();
        let mut order = Vec::new();
        while let Some(t) = ready.pop_first() {
            order.push(t.to_owned());
            indegree.remove(t);
            for (d, n) in &edges {
                if n.contains(t)
                    && let Some(k) = indegree.get_mut(d)
                {
                    *k -= 1;
                    if *k == 0 {
                        ready.insert(*d);
                    }
                }
            }
        }
        order.extend(indegree.into_keys().map(str::to_owned));
        order
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        /// Random graphs over a small alphabet, so that names collide between tasks, resources,
        /// deps and inputs, and cycles occur.
        #[test]
        fn matches_the_string_keyed_reference(
            tasks in proptest::collection::vec(
                (
                    "[a-eA-C]",
                    proptest::collection::vec("[a-eA-Cr-t]", 0..3),
                    proptest::collection::vec("[r-t]", 0..2),
                    proptest::collection::vec("[a-eA-C]", 0..2),
                ),
                0..8,
            ),
            resources in proptest::collection::vec("[a-br-t]", 0..4),
            selected in proptest::collection::vec("[a-eA-Cz]", 0..4),
        ) {
            let mut p = Pipeline::default();
            for (name, inputs, outputs, deps) in &tasks {
                p.tasks.insert(name.clone(), Task {
                    inputs: inputs.clone(),
                    outputs: outputs.clone(),
                    deps: deps.clone(),
                    ..Task::default()
                });
            }
            for r in &resources {
                p.resources.insert(r.clone(), Resource { kind: "storage".into(), ..Resource::default() });
            }
            let selected: Vec<&str> = selected.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(closure(&p, &selected), reference(&p, &selected));
        }
    }
}
