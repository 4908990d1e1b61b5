//! Every Starlark Dispatchfile of the shared corpus gives its expected outcome: it
//! evaluates to canonical JSON (snapshotted as `corpus__<file>`) or fails with the listed code and
//! message. The test prints each file with its outcome.

use dispatchfile_model::{Diagnostic, Limits, to_canonical_json};
use dispatchfile_parse::{ParseOptions, evaluate};

use super::super::shared;

/// `None`: evaluates. `Some((code, text))`: the first error has `code` and contains `text`.
const EXPECTED: &[(&str, Option<(&str, &str)>)] = &[
    (
        "catalog-1.star",
        Some((
            "load",
            "cannot load \"github.com/jbarrick-mesosphere/catalog/starlark/stable/docker@master\": no module loader",
        )),
    ),
    (
        "catalog-2.star",
        Some((
            "load",
            "cannot load \"github.com/jbarrick-mesosphere/catalog/starlark/stable/docker@0.0.3\": no module loader",
        )),
    ),
    ("catalog-3.star", None),
    (
        "chhsia0-devx-dispatch-demo-10.star",
        Some((
            "load",
            "a module path has no \".star\" suffix: write stable/kaniko",
        )),
    ),
    (
        "chhsia0-devx-dispatch-demo-4.star",
        Some((
            "duplicate-step",
            "task \"build-image\": duplicate step name \"build\"",
        )),
    ),
    ("chhsia0-devx-dispatch-demo-5.star", None),
    ("chhsia0-devx-dispatch-demo-6.star", None),
    ("chhsia0-devx-dispatch-demo-7.star", None),
    ("chhsia0-devx-dispatch-demo-9.star", None),
    (
        "cmays20-springboot-helloworld-dispatch-5.star",
        Some((
            "load",
            "\"git_resource\" is not exported by stable/pipeline@master; it moved to stable/git in 0.0.7",
        )),
    ),
    ("cmays20-springboot-helloworld-dispatch-6.star", None),
    (
        "cprovencher-cicd-hello-world-4.star",
        Some((
            "load",
            "cannot load \"github.com/cprovencher/import-dispatch-task-test/lints@master\": no module loader",
        )),
    ),
    ("cprovencher-cicd-hello-world-5.star", None),
    (
        "cprovencher-cicd-hello-world-6.star",
        Some((
            "load",
            "cannot load \"github.com/cprovencher/import-dispatch-task-test/lints@0505574453ce1f7c4edd97bc6b44d85d184e45c6\": no module loader",
        )),
    ),
    (
        "cprovencher-cicd-hello-world-7.star",
        Some((
            "load",
            "cannot load \"github.com/cprovencher/import-dispatch-task-test/lints@0505574453ce1f7c4edd97bc6b44d85d184e45c6\": no module loader",
        )),
    ),
    (
        "cprovencher-cicd-hello-world-8.star",
        Some((
            "load",
            "cannot load \"github.com/cprovencher/import-dispatch-task-test/lints@0505574453ce1f7c4edd97bc6b44d85d184e45c6\": no module loader",
        )),
    ),
    ("d2iq-shadowbq-springboot-helloworld-dispatch-1.star", None),
    ("docs-05.star", None),
    ("docs-06.star", None),
    ("docs-10.star", None),
    ("docs-13.star", None),
    ("docs-14.star", None),
    (
        "docs-15.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/dispatch/lib\": no module loader",
        )),
    ),
    (
        "docs-16.star",
        Some(("load", "cannot load \"/lib\": no module loader")),
    ),
    ("docs-20.star", None),
    (
        "docs-22.star",
        Some(("starlark", "Variable `push` not found")),
    ),
    ("docs-23.star", None),
    ("docs-24.star", Some(("parse", "unfinished string literal"))),
    (
        "docs-25.star",
        Some(("starlark", "Variable `storage` not found")),
    ),
    (
        "docs-26.star",
        Some((
            "missing-field",
            "action #2: missing required field \"tasks\"",
        )),
    ),
    (
        "docs-27.star",
        Some((
            "load",
            "\"git_resource\" is not exported by stable/pipeline@master; it moved to stable/git in 0.0.7",
        )),
    ),
    (
        "docs-28.star",
        Some(("starlark", "Variable `pull_request` not found")),
    ),
    (
        "docs-29.star",
        Some(("starlark", "Variable `pull_request` not found")),
    ),
    (
        "docs-30.star",
        Some(("load", "the embedded catalog has no module stable/buildkit")),
    ),
    ("farhan5900-charts-1.star", None),
    ("gpaul-minimal-dispatch-test-1.star", None),
    ("jbarrick-mesosphere-dispatch-lib-1.star", None),
    (
        "kensipe-charts-1.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/dispatch-tasks/bump_charts/bump_charts@master\": no module loader",
        )),
    ),
    ("kudobuilder-kudo-2.star", None),
    ("kudobuilder-kudo-3.star", None),
    ("kudobuilder-kuttl-1.star", None),
    (
        "mesosphere-charts-1.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/dispatch-tasks/bump_charts/bump_charts@master\": no module loader",
        )),
    ),
    ("mesosphere-charts-2.star", None),
    ("mesosphere-charts-3.star", None),
    ("mesosphere-cicd-hello-world-5.star", None),
    ("mesosphere-cicd-hello-world-6.star", None),
    (
        "mesosphere-cicd-hello-world-8.star",
        Some((
            "load",
            "cannot load \"github.com/cprovencher/import-dispatch-task-test/lints@0505574453ce1f7c4edd97bc6b44d85d184e45c6\": no module loader",
        )),
    ),
    (
        "mesosphere-kubeaddons-enterprise-1.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/cluster-claim-controller/starlark/claim@master\": no module loader",
        )),
    ),
    (
        "mesosphere-kubeaddons-enterprise-2.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/dispatch-tasks/bump_charts/bump_charts@master\": no module loader",
        )),
    ),
    ("mesosphere-kubeaddons-enterprise-3.star", None),
    (
        "mesosphere-kubeaddons-enterprise-4.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/dispatch-tasks/bump_charts/bump_charts@master\": no module loader",
        )),
    ),
    ("mesosphere-kubeaddons-kommander-1.star", None),
    (
        "mesosphere-kubeaddons-kommander-2.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/cluster-claim-controller/starlark/claim@master\": no module loader",
        )),
    ),
    (
        "mesosphere-kubeaddons-kommander-3.star",
        Some(("starlark", "Variable `konvoy` not found")),
    ),
    (
        "mesosphere-kubernetes-base-addons-1.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/cluster-claim-controller/starlark/claim@master\": no module loader",
        )),
    ),
    (
        "mesosphere-kubernetes-base-addons-3.star",
        Some(("parse", "unexpected new indentation block")),
    ),
    (
        "mesosphere-kubernetes-base-addons-4.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/cluster-claim-controller/starlark/claim@master\": no module loader",
        )),
    ),
    (
        "mesosphere-kubernetes-base-addons-5.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/cluster-claim-controller/starlark/claim@master\": no module loader",
        )),
    ),
    (
        "mesosphere-kubernetes-base-addons-6.star",
        Some(("parse", "unexpected symbol '<<'")),
    ),
    (
        "mesosphere-kudo-cassandra-operator-1.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/cluster-claim-controller/starlark/claim\": no module loader",
        )),
    ),
    ("mesosphere-kudo-cassandra-operator-2.star", None),
    ("mesosphere-kudo-cassandra-operator-3.star", None),
    ("mesosphere-kudo-spark-operator-1.star", None),
    (
        "orsenthil-kubernetes-base-addons-1.star",
        Some((
            "load",
            "cannot load \"github.com/mesosphere/cluster-claim-controller/starlark/claim@master\": no module loader",
        )),
    ),
    ("orsenthil-kubernetes-base-addons-2.star", None),
    ("prmrreddy-kubernetes-base-addons-1.star", None),
    (
        "shiftleftsecurity-helloshiftleft-1.star",
        Some((
            "load",
            "\"git_resource\" is not exported by stable/pipeline@master",
        )),
    ),
    (
        "takirala-charts-1.star",
        Some(("parse", "unexpected new indentation block")),
    ),
    (
        "takirala-helloshiftleft-1.star",
        Some((
            "load",
            "\"git_resource\" is not exported by stable/pipeline@master",
        )),
    ),
    (
        "takirala-helloshiftleft-2.star",
        Some((
            "load",
            "\"git_resource\" is not exported by stable/pipeline@master",
        )),
    ),
    (
        "takirala-helloworld-1.star",
        Some(("missing-field", "action #0: missing required field \"on\"")),
    ),
    ("takirala-helloworld-3.star", None),
    ("takirala-helloworld-4.star", None),
    ("takirala-helloworld-6.star", None),
    ("takirala-helloworld-7.star", None),
    (
        "takirala-helloworld-8.star",
        Some((
            "undefined-task",
            "undefined task \"echovolume\" in action #0",
        )),
    ),
    (
        "takirala-helloworld-9.star",
        Some((
            "undefined-task",
            "undefined task \"unit-tests-simple\" in action #0 (did you mean \"unit-test-simple\"?)",
        )),
    ),
    ("walk1ng-kudo-kafka-operator-1.star", None),
];

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "the test reads the shared corpus"
)]
fn starlark_dispatchfiles_give_the_spec_outcome() {
    let Some(shared) = shared("the Starlark corpus") else {
        return;
    };
    let dir = shared.join("corpus/dispatchfiles");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("star"))
        })
        .collect();
    files.sort();
    let mut problems = Vec::new();
    for name in &files {
        let Some((_, expected)) = EXPECTED.iter().find(|(n, _)| n == name) else {
            problems.push(format!("{name}: not in the expectation table"));
            continue;
        };
        let bytes = std::fs::read(dir.join(name)).expect("readable corpus file");
        let e = evaluate(&bytes, name, &ParseOptions::default(), &Limits::default());
        let first = e.diagnostics().into_iter().find(Diagnostic::is_error);
        match (&e.decoded.pipeline, first, expected) {
            (Some(p), None, None) => {
                println!("evaluates  {name}");
                insta::assert_snapshot!(format!("corpus__{name}"), to_canonical_json(p));
            }
            (None, Some(d), Some((code, text))) => {
                let rendered = d.render(&e.parsed.files, name);
                println!("fails      {rendered}");
                if d.code != *code || !rendered.contains(text) || d.span.is_none() {
                    problems.push(format!(
                        "{name}: expected {code} containing {text:?}, got {rendered}"
                    ));
                }
            }
            (_, first, _) => {
                let got = first.map_or_else(
                    || "evaluates".to_owned(),
                    |d| d.render(&e.parsed.files, name),
                );
                problems.push(format!("{name}: expected {expected:?}, got {got}"));
            }
        }
    }
    println!("{} Starlark Dispatchfiles checked", files.len());
    assert_eq!(
        files.len(),
        EXPECTED.len(),
        "every table row has a corpus file"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
