//! Criterion benchmark: lowering a 20-task build with git, image and storage resources to Tekton
//! (target under 200 µs), and writing it as YAML and JSON.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dispatch_tekton::{LowerOptions, Selection, lower};
use dispatch_trigger::ContextVars;
use dispatchfile_model::{
    Action, Condition, ConditionKind, Layout, Pipeline, PushCondition, Resource, Task,
};
use k8s_openapi::api::core::v1::{Container, EnvVar, SecretKeySelector};

fn resource(kind: &str, params: &[(&str, &str)]) -> Resource {
    Resource {
        kind: kind.to_owned(),
        params: params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        secrets: BTreeMap::new(),
    }
}

fn step(name: &str, args: Vec<String>) -> Container {
    Container {
        name: name.to_owned(),
        image: Some("golang:1.22.5-bookworm".to_owned()),
        command: Some(vec!["sh".to_owned(), "-c".to_owned()]),
        args: Some(args),
        working_dir: Some("/workspace/src-0".to_owned()),
        env: Some(vec![EnvVar {
            name: "BUILD".to_owned(),
            value: Some("$(context.build.name)".to_owned()),
            value_from: None,
        }]),
        ..Container::default()
    }
}

/// 20 tasks over 3 git repositories, 5 images and 5 storage resources: 5 builds each produce an
/// image and a cache (one producer per resource, as validation requires), 5 tests, 5 deploys
/// consume the images, 5 reports read the caches.
fn twenty_tasks() -> Pipeline {
    let mut p = Pipeline::default();
    for g in 0..3 {
        p.resources.insert(
            format!("src-{g}"),
            resource(
                "git",
                &[
                    ("url", "$(context.git.url)"),
                    ("revision", "$(context.git.commit)"),
                ],
            ),
        );
    }
    for i in 0..5 {
        let url = format!("docker.io/example/app-{i}:$(context.build.name)");
        p.resources.insert(
            format!("image-{i}"),
            resource("image", &[("url", &url), ("digest", "")]),
        );
    }
    for s in 0..5 {
        let mut r = resource("storage", &[]);
        r.secrets.insert(
            "BOTO_CONFIG".to_owned(),
            SecretKeySelector {
                name: "s3-config".to_owned(),
                key: "boto".to_owned(),
                optional: None,
            },
        );
        p.resources.insert(format!("cache-{s}"), r);
    }
    for i in 0..5 {
        let src = format!("src-{}", i % 3);
        let cache = format!("cache-{i}");
        p.tasks.insert(
            format!("test-{i}"),
            Task {
                inputs: vec![src.clone()],
                steps: vec![step(
                    "test",
                    vec![format!(
                        "cd $(inputs.resources.{src}.path) && go test ./..."
                    )],
                )],
                ..Task::default()
            },
        );
        p.tasks.insert(
            format!("build-{i}"),
            Task {
                inputs: vec![src.clone()],
                outputs: vec![format!("image-{i}"), cache.clone()],
                deps: vec![format!("test-{i}")],
                steps: vec![
                    step("compile", vec![format!("go build -o $(outputs.resources.{cache}.path)/app-{i} ./...")]),
                    step(
                        "image",
                        vec![format!(
                            "kaniko --destination=$(outputs.resources.image-{i}.url) --oci-layout-path=$(outputs.resources.image-{i}.path)"
                        )],
                    ),
                ],
                timeout: Some("30m".to_owned()),
                ..Task::default()
            },
        );
        p.tasks.insert(
            format!("deploy-{i}"),
            Task {
                inputs: vec![format!("image-{i}"), "src-2".to_owned()],
                steps: vec![step(
                    "deploy",
                    vec![format!("deploy $(inputs.resources.image-{i}.url)@$(inputs.resources.image-{i}.digest)")],
                )],
                ..Task::default()
            },
        );
        p.tasks.insert(
            format!("report-{i}"),
            Task {
                inputs: vec![cache, format!("deploy-{i}")],
                steps: vec![step(
                    "report",
                    vec![format!("ls $(inputs.resources.cache-{i}.path)")],
                )],
                ..Task::default()
            },
        );
    }
    // The action the build comes from: a push to master runs every report (and so every task).
    p.actions.push(Action {
        name: None,
        tasks: (0..5).map(|i| format!("report-{i}")).collect(),
        on: Condition {
            kind: ConditionKind::Push(PushCondition {
                branches: vec!["master".to_owned()],
                paths: Vec::new(),
            }),
            layout: Layout::Legacy,
        },
    });
    p
}

fn context() -> ContextVars {
    ContextVars {
        build_name: "master".to_owned(),
        git_url: "https://github.com/example/app.git".to_owned(),
        git_commit: "5f3c0ad6a1c2d6f0e0b5f7d7a1f9c8b2e4d6a8c0".to_owned(),
        git_branch: "master".to_owned(),
        ..ContextVars::default()
    }
}

fn bench_lower(c: &mut Criterion) {
    let pipeline = twenty_tasks();
    let tasks: Vec<String> = pipeline.tasks.keys().cloned().collect();
    let selection = Selection::new(vec![0], tasks, context());
    let options = LowerOptions::default();
    let lowered = lower(&pipeline, &selection, &options).expect("the benchmark pipeline lowers");
    assert_eq!(
        lowered.objects().len(),
        22,
        "20 Tasks, a Pipeline and a PipelineRun"
    );

    let mut group = c.benchmark_group("lower/20_tasks");
    group.bench_function("lower", |b| {
        b.iter(|| {
            lower(
                black_box(&pipeline),
                black_box(&selection),
                black_box(&options),
            )
        });
    });
    group.bench_function("to_yaml", |b| b.iter(|| black_box(&lowered).to_yaml()));
    group.bench_function("to_json", |b| b.iter(|| black_box(&lowered).to_json()));
    group.finish();
}

criterion_group!(benches, bench_lower);
criterion_main!(benches);
