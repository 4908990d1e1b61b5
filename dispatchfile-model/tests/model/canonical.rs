//! Canonical JSON: the seed pipeline's output and the model → JSON → model round trip.

use std::collections::BTreeMap;

use dispatchfile_model::k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, EnvVar, Volume,
};
use dispatchfile_model::{
    Action, Condition, ConditionKind, CronCondition, GitCronConfig, ImagePushCondition, Layout,
    Pipeline, PullRequestCondition, PushCondition, ReleaseCondition, Resource, TagCondition, Task,
    TaskMetadata, to_canonical_json,
};
use proptest::prelude::*;
use serde_json::json;

use super::decode_json;

const SEED: &str = r#"{
  "actions": [
    {
      "on": {
        "push": {
          "branches": [
            "master"
          ]
        }
      },
      "tasks": [
        "test"
      ]
    },
    {
      "on": {
        "pull_request": {
          "chatops": [
            "test"
          ]
        }
      },
      "tasks": [
        "test"
      ]
    }
  ],
  "resource": {
    "src-git": {
      "param": {
        "revision": "$(context.git.commit)",
        "url": "$(context.git.url)"
      },
      "type": "git"
    }
  },
  "task": {
    "test": {
      "inputs": [
        "src-git"
      ],
      "steps": [
        {
          "command": [
            "go",
            "test",
            "./..."
          ],
          "image": "golang:1.13.0-buster",
          "name": "test",
          "workingDir": "/workspace/src-git"
        }
      ]
    }
  }
}
"#;

#[test]
fn seed_pipeline_is_byte_exact() {
    let decoded = decode_json(&json!({
        "task": {"test": {"steps": [{"name": "test", "image": "golang:1.13.0-buster",
            "command": ["go", "test", "./..."], "workingDir": "/workspace/src-git"}], "inputs": ["src-git"]}},
        "resource": {"src-git": {"type": "git", "param": {"url": "$(context.git.url)", "revision": "$(context.git.commit)"}}},
        "actions": [{"tasks": ["test"], "on": {"push": {"branches": ["master"]}}},
                    {"on": {"pull_request": {"chatops": ["test"]}}, "tasks": ["test"]}]
    }));
    let pipeline = decoded.pipeline.expect("the seed pipeline is valid");
    assert_eq!(to_canonical_json(&pipeline), SEED);
}

#[test]
fn empty_bodies_and_volume_sources_are_kept() {
    let decoded = decode_json(&json!({
        "task": {"t": {"steps": [{"name": "s", "image": "a", "env": []}],
                       "volumes": [{"name": "d", "emptyDir": {}}], "metadata": {"labels": {}}}},
        "actions": [{"tasks": ["t"], "on": {"git": {"pull_request": {}}}},
                    {"name": "n", "tasks": ["t"], "on": {"cron": {"schedule": "@daily", "git": {}}}}]
    }));
    let text = to_canonical_json(&decoded.pipeline.expect("valid"));
    let v: serde_json::Value = serde_json::from_str(&text).expect("canonical output is JSON");
    assert_eq!(v["actions"][0]["on"], json!({"git": {"pull_request": {}}}));
    assert_eq!(
        v["actions"][1]["on"],
        json!({"cron": {"git": {}, "schedule": "@daily"}})
    );
    assert_eq!(
        v["task"]["t"]["volumes"],
        json!([{"emptyDir": {}, "name": "d"}])
    );
    assert_eq!(
        v["task"]["t"]["steps"],
        json!([{"image": "a", "name": "s"}]),
        "empty env is omitted"
    );
    assert!(
        v["task"]["t"].get("metadata").is_none(),
        "empty metadata is omitted"
    );
}

#[test]
fn no_default_is_filled_in() {
    let decoded = decode_json(&json!({
        "task": {"t": {"steps": [{"name": "s", "image": "a"}]}},
        "actions": [{"name": "n", "tasks": ["t"], "on": {"cron": {"schedule": "@daily"}}}]
    }));
    let text = to_canonical_json(&decoded.pipeline.expect("valid"));
    assert!(
        !text.contains("revision"),
        "an absent revision stays absent:\n{text}"
    );
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}[a-z0-9]"
}

fn patterns() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-z*/!]{1,6}", 0..3)
}

fn container() -> impl Strategy<Value = Container> {
    (
        name(),
        "[a-z]{1,8}:[0-9]{1,2}",
        prop::collection::vec("[ -~]{0,6}", 0..3),
        prop::option::of("/[a-z]{1,5}"),
        prop::collection::vec(("[A-Z]{1,4}", "[a-zé]{0,4}"), 0..2),
    )
        .prop_map(|(name, image, command, wd, env)| Container {
            name,
            image: Some(image),
            command: (!command.is_empty()).then_some(command),
            working_dir: wd,
            env: (!env.is_empty()).then(|| {
                env.into_iter()
                    .map(|(n, v)| EnvVar {
                        name: n,
                        value: Some(v),
                        ..Default::default()
                    })
                    .collect()
            }),
            ..Default::default()
        })
}

fn condition() -> impl Strategy<Value = (Option<String>, Condition)> {
    let layout = prop_oneof![Just(Layout::Legacy), Just(Layout::Grouped)];
    prop_oneof![
        (patterns(), patterns(), layout.clone()).prop_map(|(branches, paths, layout)| (
            None,
            Condition {
                kind: ConditionKind::Push(PushCondition { branches, paths }),
                layout
            }
        )),
        (patterns(), layout.clone()).prop_map(|(names, layout)| (
            None,
            Condition {
                kind: ConditionKind::Tag(TagCondition { names }),
                layout
            }
        )),
        (
            patterns(),
            patterns(),
            prop::collection::vec("[a-z]{1,5}", 0..2),
            layout.clone()
        )
            .prop_map(|(targets, labels, chatops, layout)| (
                None,
                Condition {
                    kind: ConditionKind::PullRequest(PullRequestCondition {
                        targets,
                        labels,
                        chatops,
                        ..Default::default()
                    }),
                    layout
                }
            )),
        (patterns(), layout).prop_map(|(tags, layout)| (
            None,
            Condition {
                kind: ConditionKind::Release(ReleaseCondition { tags }),
                layout
            }
        )),
        (patterns()).prop_map(|tags| (
            None,
            Condition {
                kind: ConditionKind::ImagePush(ImagePushCondition { tags }),
                layout: Layout::Grouped
            }
        )),
        (
            "[0-9*]{1,3} \\* \\* \\* \\*",
            prop::option::of("[a-z]{1,5}"),
            any::<bool>()
        )
            .prop_map(|(schedule, rev, grouped)| {
                let cron = if grouped {
                    CronCondition {
                        schedule,
                        revision: None,
                        git: Some(GitCronConfig { revision: rev }),
                    }
                } else {
                    CronCondition {
                        schedule,
                        revision: rev,
                        git: None,
                    }
                };
                (
                    Some(String::new()),
                    Condition {
                        kind: ConditionKind::Cron(cron),
                        layout: Layout::Legacy,
                    },
                )
            }),
    ]
}

prop_compose! {
    fn pipeline()(
        resources in prop::collection::btree_map(name(), ("git|image|storage", prop::collection::btree_map("[a-z]{1,5}", "[ -~]{0,8}", 0..3)), 0..3),
        tasks in prop::collection::btree_map(name(), (prop::collection::vec(container(), 1..3), prop::option::of("[1-9][0-9]?(s|m|h)"), any::<bool>()), 1..4),
        actions in prop::collection::vec(condition(), 0..4),
    ) -> Pipeline {
        let resources: BTreeMap<String, Resource> = resources.into_iter().map(|(n, (kind, params))| (n, Resource { kind, params, ..Default::default() })).collect();
        let names: Vec<String> = tasks.keys().cloned().collect();
        let tasks = tasks.into_iter().map(|(n, (mut steps, timeout, vol))| {
            // Step names must be unique within a task (`duplicate-step`).
            for (i, s) in steps.iter_mut().enumerate() { s.name = format!("{}-{i}", s.name); }
            let inputs: Vec<String> = resources.keys().take(1).cloned().collect();
            let volumes = if vol { vec![Volume { name: "v".into(), empty_dir: Some(EmptyDirVolumeSource::default()), ..Default::default() }] } else { Vec::new() };
            let metadata = vol.then(|| TaskMetadata { labels: [("team".to_owned(), "a".to_owned())].into(), annotations: BTreeMap::new() });
            (n, Task { inputs, steps, timeout, volumes, metadata, ..Default::default() })
        }).collect();
        let actions = actions.into_iter().enumerate().map(|(i, (cron_name, on))| Action {
            name: cron_name.map(|_| format!("cron-{i}")),
            tasks: vec![names[i % names.len()].clone()],
            on,
        }).collect();
        Pipeline { resources, tasks, actions }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Model → canonical JSON → model is the identity, and canonical output is a fixed point.
    #[test]
    fn canonical_json_round_trips(p in pipeline()) {
        let text = to_canonical_json(&p);
        let value: serde_json::Value = serde_json::from_str(&text).expect("canonical output is JSON");
        let decoded = decode_json(&value);
        let errors: Vec<_> = decoded.diagnostics.iter().filter(|d| d.is_error()).collect();
        prop_assert!(errors.is_empty(), "errors: {errors:#?}\n{text}");
        let back = decoded.pipeline.expect("no errors, so a pipeline");
        prop_assert_eq!(&back, &p);
        prop_assert_eq!(to_canonical_json(&back), text);
    }
}
