//! `dispatch graph`: the task DAG as Graphviz DOT or Mermaid.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use clap::Args;
use dispatchfile_model::Pipeline;
use dispatchfile_model::graph::{Reason, TaskGraph};

use crate::common::{Input, Outcome, limits};

/// Arguments of `dispatch graph`.
#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    input: Input,
    /// Draw a Mermaid `graph LR` instead of Graphviz DOT.
    #[arg(long)]
    mermaid: bool,
}

/// Runs `dispatch graph`.
pub(crate) fn run(args: &GraphArgs) -> Outcome {
    match args.input.check(&limits()) {
        Ok(checked) => {
            let pipeline = checked.pipeline();
            let edges = edges(pipeline);
            let tasks: Vec<&str> = pipeline.tasks.keys().map(String::as_str).collect();
            if args.mermaid {
                crate::common::out(&mermaid(&tasks, &edges));
            } else {
                crate::common::out(&dot(&tasks, &edges));
            }
            Outcome::Ok
        }
        Err(o) => o,
    }
}

/// The edges `(from, to, label)` of the pipeline's task graph in byte order: `deps` for a
/// dependency, `input` for a task input, and the resource's name from its producer to each
/// consumer.
fn edges(p: &Pipeline) -> BTreeSet<(&str, &str, &str)> {
    let graph = TaskGraph::new(p);
    (0..graph.len())
        .flat_map(|t| graph.edges_into(t))
        .map(|e| {
            let label = match e.reason {
                Reason::Dep => "deps",
                Reason::Input => "input",
                Reason::Resource(r) => r,
            };
            (graph.name(e.from), graph.name(e.to), label)
        })
        .collect()
}

/// A DOT double-quoted string.
fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot(tasks: &[&str], edges: &BTreeSet<(&str, &str, &str)>) -> String {
    let mut out = String::from("digraph dispatch {\n");
    for t in tasks {
        let _ = writeln!(out, "  {};", dot_quote(t));
    }
    for (from, to, label) in edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            dot_quote(from),
            dot_quote(to),
            dot_quote(label)
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid label text inside `"…"`: quotes and the characters Mermaid reads as markup become
/// entity codes.
fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mermaid(tasks: &[&str], edges: &BTreeSet<(&str, &str, &str)>) -> String {
    // Node ids are positions in byte order, so any task name is safe as a label. `tasks` is
    // sorted: a binary search, not a scan per edge.
    let id = |t: &str| tasks.binary_search(&t).unwrap_or(0);
    let mut out = String::from("graph LR\n");
    for (i, t) in tasks.iter().enumerate() {
        let _ = writeln!(out, "  t{i}[\"{}\"]", mermaid_text(t));
    }
    for (from, to, label) in edges {
        let _ = writeln!(
            out,
            "  t{} -->|\"{}\"| t{}",
            id(from),
            mermaid_text(label),
            id(to)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escapes_quotes_and_backslashes() {
        assert_eq!(dot_quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn mermaid_escapes_markup() {
        assert_eq!(mermaid_text(r#"a"b|c#d"#), "a#quot;b#124;c#35;d");
    }

    use dispatchfile_model::{Resource, Task};

    const N: usize = 100_000;

    fn name(i: usize) -> String {
        format!("t{i:06}")
    }

    fn task(inputs: Vec<String>, outputs: Vec<String>, deps: Vec<String>) -> Task {
        Task {
            inputs,
            outputs,
            deps,
            ..Task::default()
        }
    }

    /// The DOT and Mermaid edge lines of `p`.
    fn drawn(p: &Pipeline) -> (usize, usize) {
        let e = edges(p);
        let tasks: Vec<&str> = p.tasks.keys().map(String::as_str).collect();
        let count = |s: String| s.lines().filter(|l| l.contains("->")).count();
        (count(dot(&tasks, &e)), count(mermaid(&tasks, &e)))
    }

    // 100,000 tasks in each shape: every edge is drawn (a scan of all tasks for every input,
    // and of all nodes for every Mermaid edge, made these quadratic).
    #[test]
    fn chain_of_deps() {
        let mut p = Pipeline::default();
        for i in 0..N {
            let deps = if i == 0 { vec![] } else { vec![name(i - 1)] };
            p.tasks.insert(name(i), task(vec![], vec![], deps));
        }
        assert_eq!(drawn(&p), (N - 1, N - 1));
    }

    #[test]
    fn star_through_one_resource() {
        let mut p = Pipeline::default();
        p.resources.insert("r".into(), Resource::default());
        p.tasks
            .insert(name(0), task(vec![], vec!["r".into()], vec![]));
        for i in 1..N {
            p.tasks
                .insert(name(i), task(vec!["r".into()], vec![], vec![]));
        }
        assert_eq!(drawn(&p), (N - 1, N - 1));
        let e = edges(&p);
        assert!(
            e.iter()
                .all(|(from, _, label)| *from == "t000000" && *label == "r")
        );
    }

    #[test]
    fn wide_fan_in_of_resources() {
        let mut p = Pipeline::default();
        let mut inputs = Vec::new();
        for i in 1..N {
            let r = format!("r{i}");
            p.resources.insert(r.clone(), Resource::default());
            p.tasks
                .insert(name(i), task(vec![], vec![r.clone()], vec![]));
            inputs.push(r);
        }
        p.tasks.insert(name(0), task(inputs, vec![], vec![]));
        assert_eq!(drawn(&p), (N - 1, N - 1));
    }
}
