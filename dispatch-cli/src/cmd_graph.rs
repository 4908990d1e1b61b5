//! `dispatch graph` (SPEC §7): the task DAG as Graphviz DOT or Mermaid.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use clap::Args;
use dispatchfile_model::Pipeline;

use crate::cmd_render::load;
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
    match load(&args.input, &limits()) {
        Ok(loaded) => {
            let edges = edges(&loaded.pipeline);
            let tasks: Vec<&str> = loaded.pipeline.tasks.keys().map(String::as_str).collect();
            if args.mermaid {
                print!("{}", mermaid(&tasks, &edges));
            } else {
                print!("{}", dot(&tasks, &edges));
            }
            Outcome::Ok
        }
        Err(o) => o,
    }
}

/// The edges `(from, to, label)` in byte order: `deps` for a dependency, `input` for a task
/// input, and the resource's name from its producer to each consumer.
fn edges(p: &Pipeline) -> BTreeSet<(&str, &str, &str)> {
    let mut out = BTreeSet::new();
    for (name, task) in &p.tasks {
        for dep in &task.deps {
            if p.tasks.contains_key(dep) {
                out.insert((dep.as_str(), name.as_str(), "deps"));
            }
        }
        for input in &task.inputs {
            // An input naming both a resource and a task is the resource (SPEC §2 R4).
            if p.resources.contains_key(input) {
                for (producer, other) in &p.tasks {
                    if producer != name && other.outputs.contains(input) {
                        out.insert((producer.as_str(), name.as_str(), input.as_str()));
                    }
                }
            } else if p.tasks.contains_key(input) {
                out.insert((input.as_str(), name.as_str(), "input"));
            }
        }
    }
    out
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
    // Node ids are positions in byte order, so any task name is safe as a label.
    let id = |t: &str| tasks.iter().position(|x| *x == t).unwrap_or(0);
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
}
