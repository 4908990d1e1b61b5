//! Bulk and hostile input through the whole pipeline of checks: Starlark `task()` registered in
//! bulk (linear), repeated definitions capped, quantities and integers reported at their field's
//! position, and capped diagnostics carried to the `check` result.

use std::fmt::Write as _;

use dispatchfile_model::{Code, Limits};
use dispatchfile_parse::{ParseOptions, check};

use super::eval;

/// `FILE:LINE:COL` of the first diagnostic with `code`, and its path.
fn located(text: &str, code: Code) -> (String, String) {
    let problems = check(
        text.as_bytes(),
        "Dispatchfile",
        &ParseOptions::default(),
        &Limits::default(),
    )
    .expect_err("rejected");
    let d = problems
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code}: {problems}"));
    let files = problems.sources().expect("sources attached");
    let line = d.render(files, "Dispatchfile");
    let at = line.split(": ").next().unwrap_or_default().to_owned();
    (at, d.path.clone())
}

macro_rules! position_cases {
    ($($name:ident: $text:expr, $code:ident => ($at:literal, $path:literal);)*) => {$(
        #[test]
        fn $name() {
            assert_eq!(located($text, Code::$code), ($at.to_owned(), $path.to_owned()));
        }
    )*};
}

position_cases! {
    negative_cpu_at_its_value: "#!yaml\ntask:\n  t:\n    steps:\n      - name: s\n        image: alpine\n        resources:\n          limits: {cpu: \"-1\", memory: 1Gi}\n", InvalidQuantity
        => ("Dispatchfile:8:25", "/task/t/steps/0/resources/limits/cpu");
    huge_memory_at_its_value: "#!json\n{\"task\": {\"t\": {\"steps\": [{\"name\": \"s\", \"image\": \"i\",\n  \"resources\": {\"requests\": {\"memory\": 1e999}}}]}}}\n", InvalidQuantity
        => ("Dispatchfile:3:40", "/task/t/steps/0/resources/requests/memory");
    port_at_its_value: "#!yaml\ntask:\n  t:\n    steps:\n      - name: s\n        image: alpine\n        ports:\n          - containerPort: 4294967296\n", OutOfRange
        => ("Dispatchfile:8:28", "/task/t/steps/0/ports/0/containerPort");
}

#[test]
fn forty_thousand_task_calls() {
    // A scan of the tasks so far on each call made this quadratic (3.7 s).
    let e = eval(
        "#!starlark\nfor i in range(40000):\n    task(\"t%d\" % i, steps=[k8s.corev1.Container(name=\"s\", image=\"alpine\")])\n",
    );
    assert!(e.diagnostics().is_empty());
    let pipeline = e.decoded.pipeline.expect("valid");
    assert_eq!(pipeline.tasks.len(), 40_000);
}

#[test]
fn redefinitions_in_bulk_are_counted_past_the_cap() {
    // 5,000 calls on their own lines: 4,999 redefinitions, each at its own position.
    let mut src = String::from("#!starlark\n");
    for i in 0..5000 {
        writeln!(
            src,
            "task(\"t\", steps=[k8s.corev1.Container(name=\"s{i}\", image=\"alpine\")])"
        )
        .expect("writing to a String works");
    }
    let e = eval(&src);
    let d = e.diagnostics();
    assert_eq!(d.iter().filter(|x| x.code == Code::Redefined).count(), 100);
    assert_eq!(d.omitted().warnings, 4_899);
    let pipeline = e.decoded.pipeline.expect("warnings only");
    assert_eq!(
        pipeline.tasks["t"].steps[0].name, "s4999",
        "the last definition wins"
    );
}

#[test]
fn a_loop_repeating_one_redefinition_reports_it_once() {
    let e = eval(
        "#!starlark\nfor i in range(5000):\n    task(\"t\", steps=[k8s.corev1.Container(name=\"s%d\" % i, image=\"alpine\")])\n",
    );
    let d = e.diagnostics();
    assert_eq!(d.iter().filter(|x| x.code == Code::Redefined).count(), 1);
    assert!(
        d.omitted().is_empty(),
        "copies are not counted: {:?}",
        d.omitted()
    );
}

#[test]
fn check_carries_the_count_of_diagnostics_left_out() {
    let steps = vec!["{}"; 20_000].join(",");
    let text = format!("#!json\n{{\"task\": {{\"t\": {{\"steps\": [{steps}]}}}}}}\n");
    let checked = check(
        text.as_bytes(),
        "Dispatchfile",
        &ParseOptions::default(),
        &Limits::default(),
    )
    .expect("warnings only");
    let w = checked.warnings();
    assert_eq!(w.len(), 200, "100 of each code");
    assert_eq!(w.omitted().warnings, 39_800);
    assert!(
        w.to_string()
            .ends_with("… and 39,800 more diagnostics (0 errors, 39,800 warnings) not shown")
    );
}
