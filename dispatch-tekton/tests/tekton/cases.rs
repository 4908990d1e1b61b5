//! Snapshots of each resource kind and each option, every one also checked for conformance.

use dispatch_tekton::{
    GitClone, LowerOptions, Selection, Target, WorkspaceVolume, lower, tekton::PodTemplate,
};
use serde_json::{Value, json};

use super::common::{assert_conformant, lower_push, pipeline, render_diagnostics, seed};

/// A build with all three resource kinds: clone, test, build an image into storage-backed cache,
/// deploy by digest.
pub(crate) fn kitchen_sink() -> Value {
    json!({
        "resource": {
            "src-git": {"type": "git", "param": {"url": "$(context.git.url)", "revision": "$(context.git.commit)"}},
            "gitops-git": {"type": "git", "param": {"url": "https://github.com/example/gitops"}},
            "docker-image": {"type": "image", "param": {
                "url": "docker.io/example/app:$(context.build.name)",
                "digest": "$(inputs.resources.docker-image.digest)"
            }},
            "cache": {"type": "storage", "param": {"type": "gcs", "location": "s3://artifacts"},
                      "secret": {"BOTO_CONFIG": {"name": "s3-config", "key": "boto"}}}
        },
        "task": {
            "test": {
                "inputs": ["src-git"],
                "outputs": ["cache"],
                "steps": [{"name": "test", "image": "golang:1.13.0-buster", "command": ["go", "test", "./..."],
                           "workingDir": "$(inputs.resources.src-git.path)",
                           "env": [{"name": "GOCACHE", "value": "$(outputs.resources.cache.path)/go"}]}]
            },
            "build": {
                "inputs": ["src-git", "cache"],
                "outputs": ["docker-image"],
                "deps": ["test"],
                "steps": [{"name": "build-and-push", "image": "gcr.io/kaniko-project/executor:v1.23.2", "args": [
                    "--destination=$(outputs.resources.docker-image.url)",
                    "--context=/workspace/src-git",
                    "--oci-layout-path=$(outputs.resources.docker-image.path)",
                    "--cache-dir=$(inputs.resources.cache.path)"
                ]}]
            },
            "deploy": {
                "inputs": ["docker-image", "gitops-git"],
                "timeout": "90m",
                "metadata": {"labels": {"team": "web"}, "annotations": {"commit": "$(context.git.commit)"}},
                "steps": [{"name": "update-gitops-repo", "image": "mesosphere/update-gitops-repo:1.2.0",
                           "workingDir": "/workspace/gitops-git",
                           "args": ["-git-revision=$(context.git.commit)",
                                    "-substitute=imageName=$(inputs.resources.docker-image.url)@$(inputs.resources.docker-image.digest)"]}]
            }
        },
        "actions": [{"on": {"push": {"branches": ["master"]}}, "tasks": ["deploy"]}]
    })
}

fn snapshot(name: &str, lowered: &dispatch_tekton::Lowered) {
    let mut text = lowered.to_yaml();
    if !lowered.warnings().is_empty() {
        text = format!(
            "{}\n{text}",
            render_diagnostics(lowered.warnings())
                .trim_end()
                .lines()
                .map(|l| format!("# {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

macro_rules! lower_cases {
    ($($name:ident: $pipeline:expr, $tasks:expr, |$o:ident| $options:block;)*) => {$(
        #[test]
        fn $name() {
            let p = pipeline(&$pipeline);
            #[allow(unused_mut)]
            let mut $o = LowerOptions::default();
            $options
            let lowered = lower_push(&p, &$tasks, &$o).unwrap_or_else(|d| panic!("lowers: {}", render_diagnostics(&d)));
            assert_conformant(&lowered, $o.target);
            snapshot(stringify!($name), &lowered);
        }
    )*};
}

fn git_params() -> Value {
    json!({
        "resource": {"src": {"type": "git", "param": {
            "url": "https://github.com/example/app.git", "revision": "main", "depth": "0", "sslVerify": "false", "foo": "bar"
        }}},
        "task": {"show": {"inputs": ["src"], "steps": [{"name": "show", "image": "alpine:3.20",
            "command": ["echo", "$(inputs.resources.src.url)@$(inputs.resources.src.revision) in $(inputs.resources.src.path)"]}]}}
    })
}

fn git_output() -> Value {
    json!({
        "resource": {"repo": {"type": "git", "param": {"url": "https://github.com/example/app.git"}}},
        "task": {"bump": {"inputs": ["repo"], "outputs": ["repo"], "steps": [{"name": "bump", "image": "alpine/git:2.45.2",
            "workingDir": "$(outputs.resources.repo.path)", "args": ["commit", "-am", "bump"]}]}}
    })
}

fn storage_only() -> Value {
    json!({
        "resource": {"reports": {"type": "storage", "param": {"location": "gs://bucket/reports", "dir": "y"},
                                 "secret": {"BOTO_CONFIG": {"name": "s3-config", "key": "boto", "optional": true}}}},
        "task": {
            "produce": {"outputs": ["reports"], "steps": [{"name": "write", "image": "alpine:3.20",
                "command": ["sh", "-c", "date > $(outputs.resources.reports.path)/date.txt"],
                "env": [{"name": "BOTO_CONFIG", "value": "/etc/boto"}]}]},
            "consume": {"inputs": ["reports"], "steps": [{"name": "read", "image": "alpine:3.20",
                "command": ["cat", "$(inputs.resources.reports.path)/date.txt"]}]}
        }
    })
}

fn steps_in_detail() -> Value {
    json!({
        "task": {"detail": {
            "volumes": [{"name": "scratch", "emptyDir": {}}],
            "steps": [
                {"image": "alpine:3.20", "command": ["sh", "-c", "echo one\necho two\n"],
                 "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}],
                 "resources": {"limits": {"memory": "64Mi"}},
                 "securityContext": {"runAsNonRoot": true, "runAsUser": 1000},
                 "imagePullPolicy": "IfNotPresent",
                 "envFrom": [{"configMapRef": {"name": "settings"}}]},
                {"name": "Second_Step", "image": "alpine:3.20", "args": ["$(context.build.name)", "$(context.pipelineRun.name)", "$(context.taskRun.uid)"]},
                {"name": "second-step", "image": "alpine:3.20", "command": ["true"], "resources": {}}
            ]
        }}
    })
}

/// Step results: `release` lists the task `version` as an input and reads the output of its step
/// `version` (as the catalog's generate_version returns it); `a-notes` reads it too without the
/// input, and still runs after `version`, which the build holds anyway.
fn step_results() -> Value {
    json!({
        "resource": {"src": {"type": "git", "param": {"url": "$(context.git.url)", "revision": "$(context.git.commit)"}}},
        "task": {
            "version": {"inputs": ["src"], "steps": [{"name": "version", "image": "alpine/git:2.45.2",
                "workingDir": "$(resources.inputs.src.path)",
                "command": ["/bin/ash", "-c", "git fetch --unshallow --tags origin && git describe --tags"]}]},
            "release": {"inputs": ["version"], "steps": [{"name": "tag", "image": "alpine:3.20",
                "command": ["echo", "releasing $(inputs.tasks.version.version)"]}]},
            "a-notes": {"steps": [{"name": "notes", "image": "alpine:3.20",
                "args": ["--version=$(inputs.tasks.version.version)"]}]}
        }
    })
}

/// A step that sets a variable twice (as the catalog's dind_task does to a step that already
/// sets DOCKER_RANGE): the last definition is kept, with a warning.
fn duplicate_env() -> Value {
    json!({"task": {"dind": {"steps": [{"name": "dind", "image": "docker:27-dind", "env": [
        {"name": "DOCKER_RANGE", "value": "10.0.0.1/24"},
        {"name": "GITHUB_TOKEN", "valueFrom": {"secretKeyRef": {"name": "token", "key": "password"}}},
        {"name": "DOCKER_RANGE", "value": "172.17.1.1/24"}
    ]}]}}})
}

fn collisions() -> Value {
    let long = "a-very-long-task-name-that-goes-on-and-on-well-past-the-kubernetes-limit";
    json!({
        "resource": {
            "src": {"type": "git", "param": {"url": "https://github.com/example/one.git"}},
            "2nd-repo": {"type": "git", "param": {"url": "https://github.com/example/two.git"}}
        },
        "task": {
            "Build": {"inputs": ["src", "2nd-repo"], "steps": [{"name": "b", "image": "alpine:3.20",
                "command": ["echo", "$(inputs.resources.src.url)", "$(inputs.resources.2nd-repo.url)"]}]},
            "build": {"deps": ["Build"], "steps": [{"name": "b", "image": "alpine:3.20"}]},
            "src-fetch": {"steps": [{"name": "b", "image": "alpine:3.20"}]},
            long: {"deps": ["build", "src-fetch"], "steps": [{"name": "b", "image": "alpine:3.20"}]}
        }
    })
}

lower_cases! {
    kitchen_sink_v1: kitchen_sink(), ["deploy"], |o| {};
    step_results_become_task_results: step_results(), ["release", "a-notes"], |o| {};
    duplicate_env_keeps_the_last: duplicate_env(), ["dind"], |o| {};
    kitchen_sink_v1beta1: kitchen_sink(), ["deploy"], |o| { o.target = Target::V1Beta1; };
    git_params_and_variables: git_params(), ["show"], |o| {};
    git_output_in_place: git_output(), ["bump"], |o| {};
    storage_with_secret: storage_only(), ["consume"], |o| {};
    steps_in_detail_and_names: steps_in_detail(), ["detail"], |o| {};
    name_collisions_and_long_names: collisions(), ["a-very-long-task-name-that-goes-on-and-on-well-past-the-kubernetes-limit"], |o| {};
    git_clone_git_resolver: seed(), ["test"], |o| { o.git_clone = "git".parse().expect("a mode"); };
    git_clone_hub_resolver: seed(), ["test"], |o| { o.git_clone = "hub".parse().expect("a mode"); };
    git_clone_cluster_resolver: seed(), ["test"], |o| { o.git_clone = "cluster".parse().expect("a mode"); };
    git_clone_by_name: seed(), ["test"], |o| { o.git_clone = "name".parse().expect("a mode"); };
    git_clone_inline: kitchen_sink(), ["deploy"], |o| { o.git_clone = GitClone::Inline; };
    service_account_and_pod_template: seed(), ["test"], |o| {
        o.service_account = Some("builder".to_owned());
        o.pod_template = Some(serde_json::from_value::<PodTemplate>(json!({
            "nodeSelector": {"kubernetes.io/arch": "amd64"},
            "securityContext": {"runAsNonRoot": true},
            "tolerations": [{"key": "ci", "operator": "Exists", "effect": "NoSchedule"}]
        })).expect("a pod template"));
    };
    pod_template_fs_group_kept: seed(), ["test"], |o| {
        o.pod_template = Some(serde_json::from_value::<PodTemplate>(json!({"securityContext": {"fsGroup": 1000}})).expect("a pod template"));
    };
    v1beta1_service_account_and_pod_template: seed(), ["test"], |o| {
        o.target = Target::V1Beta1;
        o.service_account = Some("builder".to_owned());
    };
    no_default_resources: kitchen_sink(), ["test"], |o| { o.default_step_resources = None; };
    existing_claim: kitchen_sink(), ["build"], |o| { o.workspace_binding = WorkspaceVolume::Claim { name: "ci-cache".to_owned() }; };
    pipeline_timeout_and_storage_class: kitchen_sink(), ["deploy"], |o| {
        o.pipeline_timeout = "30m".to_owned();
        o.workspace_binding = WorkspaceVolume::ClaimTemplate {
            access_mode: "ReadWriteMany".to_owned(), size: "5Gi".to_owned(), storage_class: Some("fast".to_owned()),
        };
    };
    no_pipeline_timeout_and_prefix: seed(), ["test"], |o| {
        o.pipeline_timeout = "0".to_owned();
        o.pipeline_name_prefix = "ci".to_owned();
        o.digest_export_image = "busybox:1.36".to_owned();
    };
}

#[test]
fn manual_selection_has_no_actions_and_build_name_manual() {
    let p = pipeline(&kitchen_sink());
    let lowered =
        lower(&p, &Selection::manual(["build"]), &LowerOptions::default()).expect("lowers");
    assert_conformant(&lowered, Target::V1);
    snapshot("manual_selection", &lowered);
}

#[test]
fn json_output_is_the_same_documents() {
    let p = pipeline(&seed());
    let lowered = lower_push(&p, &["test"], &LowerOptions::default()).expect("lowers");
    let json: Value = serde_json::from_str(&lowered.to_json()).expect("JSON");
    assert_eq!(json.as_array().map(Vec::len), Some(3));
    assert_eq!(json[2]["metadata"]["generateName"], "dispatch-test-");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("seed_json", lowered.to_json());
    });
}

#[test]
fn output_is_deterministic() {
    let p = pipeline(&kitchen_sink());
    let a = lower_push(&p, &["deploy"], &LowerOptions::default()).expect("lowers");
    let b = lower_push(&p.clone(), &["deploy"], &LowerOptions::default()).expect("lowers");
    assert_eq!(a.to_yaml(), b.to_yaml());
    assert_eq!(a.to_json(), b.to_json());
}

#[test]
fn task_names_do_not_depend_on_the_selection() {
    let p = pipeline(&collisions());
    let alone = lower_push(&p, &["build"], &LowerOptions::default()).expect("lowers");
    let all = lower_push(
        &p,
        &["a-very-long-task-name-that-goes-on-and-on-well-past-the-kubernetes-limit"],
        &LowerOptions::default(),
    )
    .expect("lowers");
    let name_of = |l: &dispatch_tekton::Lowered| {
        l.objects()
            .iter()
            .find(|o| {
                o.kind() == "Task"
                    && o.metadata()
                        .annotations
                        .as_ref()
                        .is_some_and(|a| a["dispatch.d2iq.io/task"] == "build")
            })
            .and_then(|o| o.metadata().name.clone())
    };
    assert_eq!(name_of(&alone), name_of(&all));
    assert_eq!(name_of(&alone).as_deref(), Some("build"));
}

#[test]
fn tekton_variables_are_kept_verbatim() {
    let p = pipeline(
        &json!({"task": {"t": {"steps": [{"name": "s", "image": "alpine:3.20",
        "args": ["$(params.own) $(context.pipelineRun.name) $(context.git.sha) $(echo $(context.git.branch)) $(unclosed"]}]}}}),
    );
    let lowered = lower_push(&p, &["t"], &LowerOptions::default()).expect("lowers");
    let yaml = lowered.to_yaml();
    assert!(
        yaml.contains(
            "$(params.own) $(context.pipelineRun.name) $(context.git.sha) $(echo master) $(unclosed"
        ),
        "{yaml}"
    );
}
