//! `max_document_bytes` (documented on `Limits`): a string shared on
//! the Starlark heap is copied into the document at every place it is used, so the copies are
//! counted, with the text of every earlier element, before they are made.

use dispatchfile_model::Limits;

use super::{MODERN, first_error, star_with};

/// A Dispatchfile: `before`, then a task whose one step has `args` (a Starlark expression).
fn task_with_args(before: &str, args: &str) -> String {
    task_with(before, args, "[]")
}

/// A Dispatchfile: `before`, then a task whose one step has `args` and `ports`.
fn task_with(before: &str, args: &str, ports: &str) -> String {
    format!(
        "{MODERN}{before}task(\"t\", steps=[k8s.corev1.Container(name=\"s\", image=\"i\", args={args}, ports={ports})])\n"
    )
}

#[test]
fn a_shared_long_string_is_counted_at_every_use() {
    let src = task_with_args("s = \"x\" * (2 << 20)\n", "[s] * 120");
    let e = star_with(&src, None, &Limits::default());
    let text = first_error(&e);
    assert!(
        text.starts_with(
            "Dispatchfile:3:1: error[limit-exceeded]: limit exceeded: max_document_bytes (16777216)"
        ),
        "{text}"
    );
    assert!(e.parsed.document.is_none(), "no partial document");
}

#[test]
fn text_of_earlier_elements_counts_too() {
    let mut limits = Limits::default();
    limits.max_document_bytes = 1000;
    let one = |name: &str| {
        format!(
            "task(\"{name}\", steps=[k8s.corev1.Container(name=\"s\", image=\"i\", args=[\"{}\"])])\n",
            "x".repeat(400)
        )
    };
    let two = format!("{MODERN}{}{}", one("a"), one("b"));
    let e = star_with(&two, None, &limits);
    assert!(e.parsed.document.is_some(), "{}", first_error(&e));
    let three = format!("{two}{}", one("c"));
    let e = star_with(&three, None, &limits);
    let text = first_error(&e);
    assert!(
        text.starts_with(
            "Dispatchfile:4:1: error[limit-exceeded]: limit exceeded: max_document_bytes (1000)"
        ),
        "{text}"
    );
}

#[test]
fn a_shared_huge_int_is_refused_before_it_is_formatted() {
    let src = task_with(
        "n = 1 << 60\nfor i in range(8):\n    n = n * n\n",
        "[]",
        "[k8s.corev1.ContainerPort(containerPort=n)] * 4000",
    );
    let e = star_with(&src, None, &Limits::default());
    let text = first_error(&e);
    assert!(
        text.contains("limit exceeded: max_document_bytes (16777216)"),
        "{text}"
    );
}

#[test]
fn formatting_many_distinct_huge_ints_spends_statements() {
    // Each int has about 148,000 digits: formatting a hundred of them took 30 s.
    let src = task_with(
        "n = 1 << 60\nfor i in range(13):\n    n = n * n\n",
        "[]",
        "[k8s.corev1.ContainerPort(containerPort=n + i) for i in range(100)]",
    );
    let e = star_with(&src, None, &Limits::default());
    let text = first_error(&e);
    assert!(
        text.contains("limit exceeded: starlark_max_statements (10000000)"),
        "{text}"
    );
}
