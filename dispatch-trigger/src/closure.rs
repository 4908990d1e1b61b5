//! The task closure of a build.

use dispatchfile_model::Pipeline;
use dispatchfile_model::graph::TaskGraph;

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
/// The walk is [`TaskGraph::closure`]: linear in the pipeline (times log for the lookups).
#[must_use]
pub fn closure_names<'p>(pipeline: &'p Pipeline, tasks: &[&str]) -> Vec<&'p str> {
    let graph = TaskGraph::new(pipeline);
    graph
        .closure(tasks.iter().filter_map(|t| graph.index(t)))
        .into_iter()
        .map(|t| graph.name(t))
        .collect()
}

/// The task closure of every action of a pipeline, computed once, so that the event path unions
/// bitsets instead of walking the task graph for every event.
///
/// The closure of a union of selections is the union of their closures, and its order is the
/// pipeline's topological order restricted to it: a selected task waits only on tasks the closure
/// holds, so Kahn's algorithm picks the closure's tasks in the same relative order whether it runs
/// over the closure or over the whole pipeline (a proptest below checks it against [`closure`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionClosures {
    /// Every task name, in the pipeline's topological order: bit `k` of a closure is `order[k]`.
    order: Vec<String>,
    /// Words per closure.
    words: usize,
    /// Action `i`'s closure is `bits[i * words..(i + 1) * words]`.
    bits: Vec<u64>,
}

impl ActionClosures {
    /// The most closure bits kept (actions × tasks; 512 KiB): a cache size, not a limit. A larger
    /// pipeline gets no cache and its events walk the graph, as [`closure`] does.
    const MAX_BITS: usize = 1 << 22;

    /// The closures of `actions` (each a list of task names) in `pipeline`, or `None` when they
    /// would take more than [`ActionClosures::MAX_BITS`] bits.
    pub(crate) fn new<'a>(
        pipeline: &Pipeline,
        actions: impl ExactSizeIterator<Item = &'a [String]>,
    ) -> Option<ActionClosures> {
        let n = pipeline.tasks.len();
        let words = n.div_ceil(64);
        if actions.len().saturating_mul(words.saturating_mul(64)) > Self::MAX_BITS {
            return None;
        }
        let graph = TaskGraph::new(pipeline);
        let order = graph.topological_order();
        let mut rank = vec![0usize; n];
        for (k, &t) in order.iter().enumerate() {
            rank[t] = k;
        }
        let mut bits = vec![0u64; actions.len() * words];
        for (i, tasks) in actions.enumerate() {
            let own = &mut bits[i * words..(i + 1) * words];
            for t in graph.closure(tasks.iter().filter_map(|t| graph.index(t))) {
                own[rank[t] / 64] |= 1 << (rank[t] % 64);
            }
        }
        Some(ActionClosures {
            order: order.iter().map(|&t| graph.name(t).to_owned()).collect(),
            words,
            bits,
        })
    }

    /// The union closure of the actions `fired`, in topological order (what [`closure`] gives for
    /// all their tasks). Allocates only the result.
    pub(crate) fn tasks(&self, fired: &[usize]) -> Vec<String> {
        let union = |w: usize| {
            fired
                .iter()
                .fold(0u64, |acc, &i| acc | self.bits[i * self.words + w])
        };
        // Sized first, so the result is allocated once.
        let count: u32 = (0..self.words).map(|w| union(w).count_ones()).sum();
        let mut out = Vec::with_capacity(count as usize);
        for w in 0..self.words {
            let mut word = union(w);
            while word != 0 {
                out.push(self.order[w * 64 + word.trailing_zeros() as usize].clone());
                word &= word - 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use dispatchfile_model::{Pipeline, Resource, Task};

    use super::{ActionClosures, closure};

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

        /// Unions of cached per-action closures give what [`closure`] gives for all their tasks.
        #[test]
        fn cached_action_closures_union_to_the_closure(
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
            actions in proptest::collection::vec(proptest::collection::vec("[a-eA-Cz]", 0..3), 0..5),
            fired in proptest::collection::vec(0usize..5, 0..4),
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
            let cache = ActionClosures::new(&p, actions.iter().map(Vec::as_slice)).expect("small");
            let mut fired: Vec<usize> = fired.into_iter().filter(|&i| i < actions.len()).collect();
            fired.sort_unstable();
            fired.dedup();
            let names: Vec<&str> = fired.iter().flat_map(|&i| actions[i].iter().map(String::as_str)).collect();
            proptest::prop_assert_eq!(cache.tasks(&fired), closure(&p, &names));
        }
    }
}
