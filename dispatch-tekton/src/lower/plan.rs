//! The plan of a build: which tasks, in which order, with which resources.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use dispatchfile_model::names::pointer_segment as seg;
use dispatchfile_model::{Code, Diagnostic, Task as DTask, parse_go_duration};

use super::step::lowered_step_names;
use super::variables::collect_step_results;
use super::{Cx, Kind};
use crate::names::{assign, fit};
use crate::options::GitClone;

/// What the build lowers.
pub(super) struct Plan<'a> {
    /// The build's tasks in dependency order.
    pub(super) tasks: Vec<(&'a str, &'a DTask)>,
    /// The git resources the build uses, in name order.
    pub(super) git_used: Vec<&'a str>,
    /// The pipeline timeout in nanoseconds (0 when it did not parse).
    pub(super) pipeline_timeout: u128,
}

impl<'a> Cx<'a> {
    /// The build: selection checks, its tasks in dependency order, the resources it uses
    /// (checked once each) and the names of the fetch tasks.
    pub(super) fn plan(&mut self) -> Option<Plan<'a>> {
        if self.sel.tasks.is_empty() {
            self.diags.push(Diagnostic::error(
                Code::EmptySelection,
                "no task selected: nothing to lower",
            ));
            return None;
        }
        // Did-you-mean hints, built on the first undefined name only.
        let mut hints: Option<dispatchfile_model::names::NameHints<'_>> = None;
        for t in &self.sel.tasks {
            if !self.p.tasks.contains_key(t) {
                let hint = hints
                    .get_or_insert_with(|| {
                        dispatchfile_model::names::NameHints::new(
                            self.p.tasks.keys().map(String::as_str),
                        )
                    })
                    .suggest(t)
                    .map_or_else(String::new, |h| format!(" (did you mean {h:?}?)"));
                self.diags.push(Diagnostic::error(
                    Code::UndefinedTask,
                    format!("undefined task {t:?} in the selection{hint}"),
                ));
            }
        }
        let requested: Vec<&str> = self.sel.tasks.iter().map(String::as_str).collect();
        let order: Vec<&'a str> = self
            .graph
            .closure(requested.iter().filter_map(|t| self.graph.index(t)))
            .into_iter()
            .map(|t| self.graph.name(t))
            .collect();
        let pipeline_timeout = match parse_go_duration(&self.o.pipeline_timeout) {
            Ok(n) => n,
            Err(why) => {
                self.diags.push(Diagnostic::error(
                    Code::InvalidDuration,
                    format!(
                        "invalid pipeline timeout {:?}: {why}",
                        self.o.pipeline_timeout
                    ),
                ));
                0
            }
        };
        let tasks: Vec<(&'a str, &'a DTask)> = order
            .iter()
            .filter_map(|t| self.p.tasks.get_key_value(*t))
            .map(|(k, v)| (k.as_str(), v))
            .collect();
        // Step results a task reads make it run after their producer: the order follows.
        let read = self.find_step_results(&tasks);
        let tasks = if read.is_empty() {
            tasks
        } else {
            self.order_with_results(&tasks, &read)
        };
        for (t, _) in &tasks {
            if self.unnamed.contains(t) {
                self.error(
                    Code::InvalidName,
                    format!("task {t:?} has no usable Kubernetes name"),
                    &format!("/task/{}", seg(t)),
                );
            }
        }

        // Resources used by the build, checked once each.
        let mut used: BTreeSet<&'a str> = BTreeSet::new();
        for (_, task) in &tasks {
            for r in task.inputs.iter().chain(&task.outputs) {
                if self.res.contains_key(r.as_str()) {
                    used.insert(self.res.get_key_value(r.as_str()).map_or("", |(k, _)| *k));
                }
            }
        }
        let mut git_used = Vec::new();
        for r in &used {
            let Some(res) = self.res.get(r) else { continue };
            let path = format!("/resource/{}", seg(r));
            match res.kind {
                None => {
                    let kind = res.resource.kind.clone();
                    self.error(
                        Code::UnsupportedResourceType,
                        format!("resource {r:?}: type {kind:?} cannot be lowered (only git, image and storage)"),
                        &format!("{path}/type"),
                    );
                }
                Some(Kind::Git) => {
                    git_used.push(*r);
                    if !res.resource.params.contains_key("url") {
                        self.error(
                            Code::MissingResourceParam,
                            format!("resource {r:?}: a git resource needs a \"url\" param"),
                            &path,
                        );
                    }
                }
                Some(Kind::Storage) => {
                    let ignored: Vec<&str> = ["location", "dir", "type"]
                        .into_iter()
                        .filter(|k| res.resource.params.contains_key(*k))
                        .collect();
                    if !ignored.is_empty() {
                        self.warn(
                            Code::StorageNotPersisted,
                            format!(
                                "resource {r:?}: storage lives in a workspace for one run; {} ha{} no effect",
                                ignored.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", "),
                                if ignored.len() == 1 { "s" } else { "ve" }
                            ),
                            &path,
                        );
                    }
                }
                Some(Kind::Image) => {}
            }
        }

        // Fetch tasks: never named like a task of the pipeline.
        let inline = self.o.git_clone == GitClone::Inline;
        if !inline {
            let taken: Vec<String> = self.task_names.values().cloned().collect();
            let pairs: Vec<(&str, String)> = git_used
                .iter()
                .map(|r| (*r, fit(&self.res[r].ws, "-fetch")))
                .collect();
            for (r, n) in git_used.iter().zip(assign(pairs, &taken)) {
                self.fetch_names.insert(r, n);
            }
            self.fetch_index = self
                .fetch_names
                .keys()
                .enumerate()
                .map(|(i, r)| (*r, i))
                .collect();
        }
        Some(Plan {
            tasks,
            git_used,
            pipeline_timeout,
        })
    }

    /// Finds every step result `$(inputs.tasks.T.S)` the tasks of this build read and names the
    /// result each producing step gets (its step name in the Task); returns the (reader,
    /// producer) pairs. References that cannot be lowered are reported where they are rewritten
    /// (`step_result`).
    pub(super) fn find_step_results(
        &mut self,
        tasks: &[(&'a str, &'a DTask)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut read = Vec::new();
        // Lookups, not scans: a build of thousands of tasks reading results stays linear.
        let in_build: BTreeSet<&str> = tasks.iter().map(|(t, _)| *t).collect();
        let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (consumer, task) in tasks {
            let mut refs = Vec::new();
            for c in &task.steps {
                if let Ok(v) = serde_json::to_value(c) {
                    collect_step_results(&v, &mut refs);
                }
            }
            for v in &task.volumes {
                if let Ok(v) = serde_json::to_value(v) {
                    collect_step_results(&v, &mut refs);
                }
            }
            for (t, step) in refs {
                let Some((t, producer)) = self.p.tasks.get_key_value(t.as_str()) else {
                    continue;
                };
                let t = t.as_str();
                if t == *consumer || !in_build.contains(t) {
                    continue;
                }
                let Some(i) = producer.steps.iter().position(|c| c.name == step) else {
                    continue;
                };
                if producer.steps[i].command.as_ref().is_none_or(Vec::is_empty) {
                    continue;
                }
                let names = lowered_step_names(producer);
                self.step_results
                    .entry(t)
                    .or_default()
                    .insert(i, names[i].clone());
                if seen.insert((*consumer, t)) {
                    read.push((*consumer, t));
                }
            }
        }
        read
    }

    /// The build's tasks in dependency order (Kahn's algorithm, ready tasks in byte order of
    /// their names) over the task graph's edges (deps, task inputs, producers of input
    /// resources) and the step results in `read`. A cycle through step results is an error.
    /// Linear in the build's edges (times log for the ready set).
    pub(super) fn order_with_results(
        &mut self,
        tasks: &[(&'a str, &'a DTask)],
        read: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a DTask)> {
        const NONE: usize = usize::MAX;
        let n = tasks.len();
        // Graph numbers follow name order: the ready set orders by them.
        let number: Vec<usize> = tasks
            .iter()
            .map(|(t, _)| self.graph.index(t).unwrap_or(NONE))
            .collect();
        let mut pos = vec![NONE; self.graph.len()];
        for (i, &g) in number.iter().enumerate() {
            if g != NONE {
                pos[g] = i;
            }
        }
        let pos_of = |name: &str| self.graph.index(name).map_or(NONE, |g| pos[g]);
        let mut before: Vec<Vec<usize>> = number
            .iter()
            .enumerate()
            .map(|(i, &g)| {
                self.graph
                    .before(g)
                    .iter()
                    .map(|&b| pos[b])
                    .filter(|&j| j != NONE && j != i)
                    .collect()
            })
            .collect();
        for (c, p) in read {
            let (i, j) = (pos_of(c), pos_of(p));
            if i != NONE && j != NONE && i != j {
                before[i].push(j);
            }
        }
        let mut indegree = vec![0usize; n];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, list) in before.iter_mut().enumerate() {
            list.sort_unstable();
            list.dedup();
            indegree[i] = list.len();
            for &j in list.iter() {
                dependents[j].push(i);
            }
        }
        let mut ready: BinaryHeap<Reverse<(usize, usize)>> = (0..n)
            .filter(|&i| indegree[i] == 0)
            .map(|i| Reverse((number[i], i)))
            .collect();
        let mut placed = vec![false; n];
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse((_, i))) = ready.pop() {
            placed[i] = true;
            order.push(i);
            for &d in &dependents[i] {
                indegree[d] -= 1;
                if indegree[d] == 0 {
                    ready.push(Reverse((number[d], d)));
                }
            }
        }
        if order.len() < n {
            let stuck: Vec<&str> = (0..n).filter(|i| !placed[*i]).map(|i| tasks[i].0).collect();
            self.diags.push(Diagnostic::error(
                Code::UnsupportedTaskResult,
                format!(
                    "the step results read by tasks {} make a dependency cycle",
                    stuck
                        .iter()
                        .map(|t| format!("{t:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            order.extend((0..n).filter(|i| !placed[*i]));
        }
        order.into_iter().map(|i| tasks[i]).collect()
    }
}
