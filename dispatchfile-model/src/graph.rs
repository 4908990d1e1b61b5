//! The task graph of a pipeline: which task waits for which, and why.
//!
//! Validation (the `cycle` rule), the task closure of a build, the `runAfter` lists of the
//! lowering and the drawn graph all read the same [`TaskGraph`], built once from a
//! [`Pipeline`]. Every walk over it (closure, topological order, cycle search) is linear in the
//! tasks plus the references they make, with explicit stacks instead of recursion, so a chain or
//! a fan of 100,000 tasks costs no more than its size.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::pipeline::Pipeline;

/// Why a task waits for another one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason<'p> {
    /// The waiting task lists the other in its `deps`.
    Dep,
    /// The waiting task names the other in its `inputs`.
    Input,
    /// The waiting task reads a resource (named here) that the other outputs.
    Resource(&'p str),
}

/// One edge of a [`TaskGraph`]: `to` runs after `from` because of `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge<'p> {
    /// The task that runs first (its number in the graph).
    pub from: usize,
    /// The task that waits (its number in the graph).
    pub to: usize,
    /// Why.
    pub reason: Reason<'p>,
}

/// What a task of a closure waits for: tasks, and resources with whether it produces them too.
type Needs = (Vec<usize>, Vec<(usize, bool)>);

/// What one task waits for, as written.
#[derive(Clone, Debug, Default)]
struct Node {
    /// Tasks in `deps`, each once, in written order (itself included if listed).
    deps: Vec<usize>,
    /// Tasks named in `inputs` (and not resources), each once, in written order.
    task_inputs: Vec<usize>,
    /// Resources in `inputs`, each once, in written order.
    resource_inputs: Vec<usize>,
    /// Resources in `outputs`, each once, in written order.
    outputs: Vec<usize>,
    /// The tasks that must run before this one, each once, in written order: its `deps`, then
    /// its `inputs` (a task input is that task; a resource input is the resource's first
    /// producer unless that is the task itself).
    before: Vec<usize>,
}

/// The dependency graph of a pipeline's tasks.
///
/// Tasks are numbered by their place in [`Pipeline::tasks`] (name order, which is the order
/// in which the model keeps them); a task waits for the tasks in its `deps`, for the tasks its
/// `inputs` name, and for the producers (the tasks that list it in `outputs`) of each resource
/// its `inputs` name. An input naming both a resource and a task is the resource. Names that are
/// neither tasks nor resources make no edge (validation reports them).
///
/// ```
/// use dispatchfile_model::{Pipeline, Task, graph::TaskGraph};
/// let mut p = Pipeline::default();
/// p.tasks.insert("build".into(), Task::default());
/// p.tasks.insert("deploy".into(), Task { deps: vec!["build".into()], ..Task::default() });
/// p.tasks.insert("lint".into(), Task::default());
/// let g = TaskGraph::new(&p);
/// let closure: Vec<&str> = g.closure(g.index("deploy")).into_iter().map(|t| g.name(t)).collect();
/// assert_eq!(closure, ["build", "deploy"]);
/// assert!(g.cycles_by(|t| t).is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct TaskGraph<'p> {
    names: Vec<&'p str>,
    resources: Vec<&'p str>,
    /// The distinct producers of each resource, in task order.
    producers: Vec<Vec<usize>>,
    nodes: Vec<Node>,
}

impl<'p> TaskGraph<'p> {
    /// Builds the graph of `pipeline`'s tasks in O((tasks + references) · log tasks).
    #[must_use]
    pub fn new(pipeline: &'p Pipeline) -> TaskGraph<'p> {
        const NONE: usize = usize::MAX;
        // Both maps iterate in name order, so the name lists are sorted.
        let names: Vec<&'p str> = pipeline.tasks.keys().map(String::as_str).collect();
        let resources: Vec<&'p str> = pipeline.resources.keys().map(String::as_str).collect();
        let task_index = |name: &str| names.binary_search(&name).ok();
        let resource = |name: &str| resources.binary_search(&name).ok();
        let n = names.len();

        // Stamps drop duplicates in O(1): `stamp[x] == t` once task `t` has listed `x`.
        let mut res_stamp = vec![NONE; resources.len()];
        let mut producers: Vec<Vec<usize>> = vec![Vec::new(); resources.len()];
        let mut nodes: Vec<Node> = Vec::with_capacity(n);
        for (t, task) in pipeline.tasks.values().enumerate() {
            let mut node = Node::default();
            for r in task.outputs.iter().filter_map(|o| resource(o)) {
                if res_stamp[r] != t {
                    res_stamp[r] = t;
                    node.outputs.push(r);
                    producers[r].push(t);
                }
            }
            nodes.push(node);
        }
        res_stamp.fill(NONE);
        let mut dep_stamp = vec![NONE; n];
        let mut input_stamp = vec![NONE; n];
        let mut before_stamp = vec![NONE; n];
        for (t, task) in pipeline.tasks.values().enumerate() {
            let node = &mut nodes[t];
            let mut before = |k: usize, node: &mut Node| {
                if before_stamp[k] != t {
                    before_stamp[k] = t;
                    node.before.push(k);
                }
            };
            for d in task.deps.iter().filter_map(|d| task_index(d)) {
                if dep_stamp[d] != t {
                    dep_stamp[d] = t;
                    node.deps.push(d);
                }
                before(d, node);
            }
            for input in &task.inputs {
                if let Some(r) = resource(input) {
                    if res_stamp[r] != t {
                        res_stamp[r] = t;
                        node.resource_inputs.push(r);
                    }
                    if let Some(&p) = producers[r].first()
                        && p != t
                    {
                        before(p, node);
                    }
                } else if let Some(k) = task_index(input) {
                    if input_stamp[k] != t {
                        input_stamp[k] = t;
                        node.task_inputs.push(k);
                    }
                    before(k, node);
                }
            }
        }
        TaskGraph {
            names,
            resources,
            producers,
            nodes,
        }
    }

    /// The number of tasks.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the pipeline has no task.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The task names, numbered as the graph numbers them.
    #[must_use]
    pub fn names(&self) -> &[&'p str] {
        &self.names
    }

    /// The name of task `t`.
    ///
    /// # Panics
    /// If `t` is not a task number of this graph.
    #[must_use]
    pub fn name(&self, t: usize) -> &'p str {
        self.names[t]
    }

    /// The number of the task named `name`, if it is one.
    #[must_use]
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.binary_search(&name).ok()
    }

    /// The first task (in task order) that outputs resource `name`, if any.
    #[must_use]
    pub fn producer(&self, name: &str) -> Option<&'p str> {
        let r = self.resources.binary_search(&name).ok()?;
        self.producers[r].first().map(|&t| self.names[t])
    }

    /// The tasks that must run before task `t`, each once, in the order the task wrote them: its
    /// `deps`, then its `inputs` (a task input is that task; a resource input is the first task
    /// that outputs the resource, unless that is `t` itself). A task listing itself in `deps` or
    /// `inputs` is in its own list (a cycle). Empty for a number that is not a task.
    #[must_use]
    pub fn before(&self, t: usize) -> &[usize] {
        self.nodes.get(t).map_or(&[], |n| n.before.as_slice())
    }

    /// Every edge into task `t`, with its reason: each dep, each task input, and for each resource
    /// input one edge from every task that outputs the resource other than `t`. An edge is
    /// listed once per reason (a task both in `deps` and in `inputs` gives two). A resource with
    /// several producers (validation rejects it) gives an edge from each of them.
    pub fn edges_into(&self, t: usize) -> impl Iterator<Item = Edge<'p>> + '_ {
        let node = self.nodes.get(t);
        let deps = node
            .into_iter()
            .flat_map(|n| &n.deps)
            .map(move |&from| Edge {
                from,
                to: t,
                reason: Reason::Dep,
            });
        let inputs = node
            .into_iter()
            .flat_map(|n| &n.task_inputs)
            .map(move |&from| Edge {
                from,
                to: t,
                reason: Reason::Input,
            });
        let resources = node
            .into_iter()
            .flat_map(|n| &n.resource_inputs)
            .flat_map(move |&r| {
                let name = self.resources[r];
                self.producers[r]
                    .iter()
                    .filter(move |&&p| p != t)
                    .map(move |&from| Edge {
                        from,
                        to: t,
                        reason: Reason::Resource(name),
                    })
            });
        deps.chain(inputs).chain(resources)
    }

    /// Every task, in a topological order: [`closure`](Self::closure) of all tasks.
    #[must_use]
    pub fn topological_order(&self) -> Vec<usize> {
        self.closure(0..self.len())
    }

    /// The tasks `selected` needs, themselves included, in topological order.
    ///
    /// The set is `selected` plus everything they wait for, transitively: deps, task inputs and
    /// every producer of each resource input (other than the task itself). Order: Kahn's
    /// algorithm with the ready tasks taken by task number (name order). Numbers that are not
    /// tasks are ignored. A cycle cannot hang it: tasks left on a cycle follow, by number.
    ///
    /// Linear in the graph (times log for the ready set): a task waits on each resource it reads
    /// as one edge, not one per producer, so thousands of consumers of a resource with thousands
    /// of producers are not a quadratic number of edges.
    #[must_use]
    pub fn closure(&self, selected: impl IntoIterator<Item = usize>) -> Vec<usize> {
        const NONE: usize = usize::MAX;
        let n = self.len();
        let nr = self.resources.len();
        // What each task waits for: tasks (deps, task inputs), each once and never itself; and
        // resources with a producer other than itself, with whether it produces the resource
        // too (then it waits for the others only). Filled in for selected tasks only.
        let mut stamp = vec![NONE; n];
        let task_needs = |t: usize, stamp: &mut [usize]| -> Vec<usize> {
            let node = &self.nodes[t];
            let mut out = Vec::new();
            for &k in node.deps.iter().chain(&node.task_inputs) {
                if k != t && stamp[k] != t {
                    stamp[k] = t;
                    out.push(k);
                }
            }
            out
        };
        let res_needs = |t: usize| -> Vec<(usize, bool)> {
            let node = &self.nodes[t];
            node.resource_inputs
                .iter()
                .filter_map(|&r| {
                    let own = node.outputs.contains(&r);
                    (self.producers[r].len() > usize::from(own)).then_some((r, own))
                })
                .collect()
        };

        // Union closure, each task visited once and each resource's producers pushed once
        // (explicit stack, no recursion).
        let mut selected_set = vec![false; n];
        let mut needs: Vec<Needs> = vec![(Vec::new(), Vec::new()); n];
        let mut res_seen = vec![false; nr];
        let mut stack: Vec<usize> = selected.into_iter().filter(|&t| t < n).collect();
        let mut count = 0usize;
        while let Some(t) = stack.pop() {
            if selected_set[t] {
                continue;
            }
            selected_set[t] = true;
            count += 1;
            let tn = task_needs(t, &mut stamp);
            let rn = res_needs(t);
            stack.extend(tn.iter().copied().filter(|d| !selected_set[*d]));
            for &(r, _) in &rn {
                if !res_seen[r] {
                    res_seen[r] = true;
                    stack.extend(
                        self.producers[r]
                            .iter()
                            .copied()
                            .filter(|p| !selected_set[*p]),
                    );
                }
            }
            needs[t] = (tn, rn);
        }

        // Kahn's algorithm. A resource is one edge to each of its consumers: satisfied when all
        // its producers are done, or, for a consumer that produces it too, when all the others
        // are (the one producer left is then that consumer).
        let mut indegree = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut consumers: Vec<Vec<(usize, bool)>> = vec![Vec::new(); nr];
        for t in (0..n).filter(|t| selected_set[*t]) {
            let (tn, rn) = &needs[t];
            indegree[t] = tn.len() + rn.len();
            for &d in tn {
                dependents[d].push(t);
            }
            for &(r, own) in rn {
                consumers[r].push((t, own));
            }
        }
        let mut remaining: Vec<usize> = self.producers.iter().map(Vec::len).collect();
        let mut ready: BinaryHeap<Reverse<usize>> = (0..n)
            .filter(|t| selected_set[*t] && indegree[*t] == 0)
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
            order.push(t);
            done[t] = true;
            for &d in &dependents[t] {
                release(d, &mut indegree, &mut ready);
            }
            for &r in &self.nodes[t].outputs {
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
                        let last = self.producers[r].iter().copied().find(|p| !done[*p]);
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
        // Only on a cycle: keep the result complete and deterministic.
        if order.len() < count {
            order.extend((0..n).filter(|t| selected_set[*t] && !done[*t]));
        }
        order
    }

    /// One cycle through each strongly connected component that holds one (two tasks or more,
    /// or a task that waits for itself), following the [`before`](Self::before) lists.
    ///
    /// Each cycle starts at the task of its component with the smallest `key` and returns to
    /// it (`[start, …, start]`); the cycles come in the order of their starts' keys. From each
    /// task the search takes the first edge (in [`before`](Self::before) order) that can lead
    /// back to the start. `key` is called only for tasks on cycles. Linear: Tarjan's algorithm
    /// and one depth-first search per component, iterative, each task visited once.
    #[must_use]
    pub fn cycles_by<K: Ord>(&self, mut key: impl FnMut(usize) -> K) -> Vec<Vec<usize>> {
        let comp = self.strongly_connected();
        let n = self.len();
        let mut size = vec![0usize; n];
        for &c in &comp {
            size[c] += 1;
        }
        let mut start: Vec<Option<(K, usize)>> = (0..n).map(|_| None).collect();
        for (v, &c) in comp.iter().enumerate() {
            if size[c] < 2 && !self.nodes[v].before.contains(&v) {
                continue;
            }
            let k = (key(v), v);
            if start[c].as_ref().is_none_or(|s| k < *s) {
                start[c] = Some(k);
            }
        }
        let mut starts: Vec<(K, usize)> = start.into_iter().flatten().collect();
        starts.sort_unstable();
        let mut visited = vec![false; n];
        starts
            .into_iter()
            .filter_map(|(_, s)| self.cycle_from(&comp, s, &mut visited))
            .collect()
    }

    /// The strongly connected component of every task over the [`before`](Self::before) edges
    /// (Tarjan's algorithm with an explicit stack). Components are numbered from 0.
    fn strongly_connected(&self) -> Vec<usize> {
        const UNSEEN: usize = usize::MAX;
        let n = self.len();
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<usize> = Vec::new();
        let mut comp = vec![0; n];
        let mut next_index = 0;
        let mut next_comp = 0;
        // The tasks being explored, each with the position of its next edge.
        let mut calls: Vec<(usize, usize)> = Vec::new();
        for root in 0..n {
            if index[root] != UNSEEN {
                continue;
            }
            index[root] = next_index;
            low[root] = next_index;
            next_index += 1;
            stack.push(root);
            on_stack[root] = true;
            calls.push((root, 0));
            while let Some(top) = calls.last_mut() {
                let v = top.0;
                if let Some(&w) = self.nodes[v].before.get(top.1) {
                    top.1 += 1;
                    if index[w] == UNSEEN {
                        index[w] = next_index;
                        low[w] = next_index;
                        next_index += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        calls.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = next_comp;
                        if w == v {
                            break;
                        }
                    }
                    next_comp += 1;
                }
            }
        }
        comp
    }

    /// A cycle `[start, …, start]` inside the component of `start`: a depth-first search that
    /// returns its path when an edge leads back to `start`. `visited` is shared between the
    /// components, so all searches together are linear.
    fn cycle_from(&self, comp: &[usize], start: usize, visited: &mut [bool]) -> Option<Vec<usize>> {
        let c = comp[start];
        visited[start] = true;
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(top) = path.last_mut() {
            let v = top.0;
            let Some(&w) = self.nodes[v].before.get(top.1) else {
                path.pop();
                continue;
            };
            top.1 += 1;
            if w == start {
                let mut cycle: Vec<usize> = path.iter().map(|&(t, _)| t).collect();
                cycle.push(start);
                return Some(cycle);
            }
            if comp[w] == c && !visited[w] {
                visited[w] = true;
                path.push((w, 0));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{Edge, Reason, TaskGraph};
    use crate::pipeline::{Pipeline, Resource, Task};

    /// A task as (name, deps, inputs, outputs).
    type Written<'s> = (&'s str, &'s [&'s str], &'s [&'s str], &'s [&'s str]);

    fn pipeline(tasks: &[Written<'_>], resources: &[&str]) -> Pipeline {
        let v = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect();
        let mut p = Pipeline::default();
        for (name, deps, inputs, outputs) in tasks {
            let task = Task {
                deps: v(deps),
                inputs: v(inputs),
                outputs: v(outputs),
                ..Task::default()
            };
            p.tasks.insert((*name).to_owned(), task);
        }
        for r in resources {
            p.resources.insert((*r).to_owned(), Resource::default());
        }
        p
    }

    #[test]
    fn edges_carry_their_reason() {
        let p = pipeline(
            &[
                ("build", &[], &["src"], &["img"]),
                ("deploy", &["test", "test"], &["img", "test", "nope"], &[]),
                ("test", &[], &["src"], &[]),
            ],
            &["src", "img"],
        );
        let g = TaskGraph::new(&p);
        let deploy = g.index("deploy").expect("a task");
        let edges: Vec<Edge<'_>> = g.edges_into(deploy).collect();
        let named: Vec<(&str, Reason<'_>)> =
            edges.iter().map(|e| (g.name(e.from), e.reason)).collect();
        assert_eq!(
            named,
            [
                ("test", Reason::Dep),
                ("test", Reason::Input),
                ("build", Reason::Resource("img"))
            ]
        );
        let before: Vec<&str> = g.before(deploy).iter().map(|&t| g.name(t)).collect();
        assert_eq!(
            before,
            ["test", "build"],
            "deps first, then inputs, each task once"
        );
        assert_eq!(g.producer("img"), Some("build"));
        assert_eq!(g.producer("src"), None);
    }

    #[test]
    fn topological_order_takes_ready_tasks_by_name() {
        let p = pipeline(
            &[
                ("a", &["c"], &[], &[]),
                ("b", &[], &[], &[]),
                ("c", &[], &[], &[]),
            ],
            &[],
        );
        let g = TaskGraph::new(&p);
        let order: Vec<&str> = g
            .topological_order()
            .into_iter()
            .map(|t| g.name(t))
            .collect();
        assert_eq!(order, ["b", "c", "a"]);
        assert!(g.cycles_by(|t| t).is_empty());
    }

    #[test]
    fn cycles_start_at_the_smallest_key() {
        let p = pipeline(
            &[
                ("a", &["b"], &[], &[]),
                ("b", &["c"], &[], &[]),
                ("c", &["a"], &[], &[]),
                ("d", &["d"], &[], &[]),
            ],
            &[],
        );
        let g = TaskGraph::new(&p);
        let named = |cycles: Vec<Vec<usize>>| -> Vec<Vec<&str>> {
            cycles
                .into_iter()
                .map(|c| c.into_iter().map(|t| g.name(t)).collect())
                .collect()
        };
        assert_eq!(
            named(g.cycles_by(|t| t)),
            [vec!["a", "b", "c", "a"], vec!["d", "d"]]
        );
        // Keys in reverse: "d" first, and the three-task cycle starts at "c".
        assert_eq!(
            named(g.cycles_by(std::cmp::Reverse)),
            [vec!["d", "d"], vec!["c", "a", "b", "c"]]
        );
        // The closure of a cycle still holds every task, once.
        assert_eq!(g.closure([g.index("a").expect("a task")]).len(), 3);
    }
}
