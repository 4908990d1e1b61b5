//! `dispatch graph`: the task DAG as DOT and Mermaid.

use super::{run, stderr, stdout};

const PIPELINE: &[u8] = br#"#!json
{
  "resource": {"img": {"type": "image", "param": {"url": "example/app"}}, "src": {"type": "git", "param": {"url": "u"}}},
  "task": {
    "test": {"inputs": ["src"], "steps": [{"name": "t", "image": "alpine:3.20"}]},
    "build": {"inputs": ["src"], "outputs": ["img"], "deps": ["test"], "steps": [{"name": "b", "image": "alpine:3.20"}]},
    "deploy": {"inputs": ["img", "test"], "steps": [{"name": "d", "image": "alpine:3.20"}]}
  }
}
"#;

#[test]
fn graph_draws_dot_in_byte_order() {
    let out = run(&["graph", "-"], PIPELINE);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "digraph dispatch {\n  \"build\";\n  \"deploy\";\n  \"test\";\n  \"build\" -> \"deploy\" [label=\"img\"];\n  \"test\" -> \"build\" [label=\"deps\"];\n  \"test\" -> \"deploy\" [label=\"input\"];\n}\n"
    );
}

#[test]
fn graph_draws_mermaid() {
    let out = run(&["graph", "--mermaid", "-"], PIPELINE);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "graph LR\n  t0[\"build\"]\n  t1[\"deploy\"]\n  t2[\"test\"]\n  t0 -->|\"img\"| t1\n  t2 -->|\"deps\"| t0\n  t2 -->|\"input\"| t1\n"
    );
}

#[test]
fn graph_of_an_invalid_file_exits_1() {
    let out = run(&["graph", "-"], b"#!json\n{\"task\": {\"a\": {\"deps\": [\"b\"], \"steps\": [{\"name\": \"s\", \"image\": \"x\"}]}}}");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("error[undefined-dep]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}
