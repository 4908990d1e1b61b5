//! Criterion benchmark: evaluating Starlark Dispatchfiles, end to end through
//! `dispatchfile_parse::evaluate` (detection, evaluation, conversion, decoding and validation).
//!
//! `five_catalog_modules` loads five embedded catalog modules; frozen catalog modules are cached
//! per process, so after the first iteration only the Dispatchfile itself is evaluated
//! (target: under 2 ms).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dispatchfile_model::Limits;
use dispatchfile_parse::{ParseOptions, evaluate};

/// The seed pipeline (push to `master`, `/test` on pull requests) in the legacy sugar.
const SEED: &str = r#"#!starlark
gitResource("src-git", url="$(context.git.url)", revision="$(context.git.commit)")
task("test", inputs = ["src-git"], steps = [k8s.corev1.Container(
    name = "test",
    image = "golang:1.13.0-buster",
    command = ["go", "test", "./..."],
    workingDir = "/workspace/src-git",
)])
action(tasks = ["test"], on = push(branches = ["master"]))
action(tasks = ["test"], on = pullRequest(chatops = ["test"]))
"#;

/// A realistic modern Dispatchfile loading five catalog modules.
const FIVE_MODULES: &str = r#"#!mesosphere/dispatch-starlark:v0.9
load("github.com/mesosphere/dispatch-catalog/starlark/stable/git@0.0.9", "git_resource", "git_checkout_dir")
load("github.com/mesosphere/dispatch-catalog/starlark/stable/pipeline@0.0.9", "image_reference", "push", "pull_request")
load("github.com/mesosphere/dispatch-catalog/starlark/stable/k8s@0.0.9", "secret_var")
load("github.com/mesosphere/dispatch-catalog/starlark/stable/kaniko@0.0.9", "kaniko")
load("github.com/mesosphere/dispatch-catalog/starlark/stable/docker@0.0.9", "dind_task")

git = git_resource("src-git")
image = kaniko("build-image", git, "org/app", build_args = {"VERSION": "$(context.git.commit)"})

common_env = [
    k8s.corev1.EnvVar(name = "GITHUB_TOKEN", valueFrom = secret_var("scm", "password")),
    k8s.corev1.EnvVar(name = "CI", value = "true"),
]

task("unit", inputs = [git], steps = [k8s.corev1.Container(
    name = "unit",
    image = "golang:1.15",
    command = ["go", "test", "./..."],
    workingDir = git_checkout_dir(git),
    env = common_env,
    resources = k8s.corev1.ResourceRequirements(limits = {"cpu": k8s.resource_quantity("2"), "memory": k8s.resource_quantity("4Gi")}),
)])

dind_task("e2e", inputs = [git, image], steps = [k8s.corev1.Container(
    name = "e2e",
    args = ["sh", "-c", "docker run {} ./e2e.test".format(image_reference(image))],
    env = common_env,
)])

for target in ["lint", "vet"]:
    task(target, inputs = [git], steps = [k8s.corev1.Container(name = target, image = "golang:1.15", command = ["make", target], workingDir = git_checkout_dir(git))])

action(tasks = ["unit", "lint", "vet"], on = pull_request())
action(tasks = ["e2e"], on = pull_request(chatops = ["e2e"]))
action(tasks = ["unit", "e2e"], on = push(branches = ["master"]))
"#;

fn run(src: &str) -> bool {
    let e = evaluate(
        src.as_bytes(),
        "Dispatchfile",
        &ParseOptions::default(),
        &Limits::default(),
    );
    e.decoded.pipeline.is_some()
}

fn starlark(c: &mut Criterion) {
    assert!(run(SEED), "the seed pipeline evaluates");
    assert!(run(FIVE_MODULES), "the five-module Dispatchfile evaluates");
    let mut group = c.benchmark_group("starlark");
    group.bench_function("seed_pipeline/ours", |b| b.iter(|| run(black_box(SEED))));
    group.bench_function("five_catalog_modules/ours", |b| {
        b.iter(|| run(black_box(FIVE_MODULES)));
    });
    group.finish();
}

criterion_group!(benches, starlark);
criterion_main!(benches);
