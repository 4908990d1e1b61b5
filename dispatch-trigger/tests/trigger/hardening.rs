//! Hostile events and payloads, bulk compile diagnostics, long event values in explanations,
//! and the task closure on graph shapes of 100,000 tasks. Every case asserts its outcome; none
//! measures time (a quadratic pass would hang the test instead).

use dispatch_trigger::{Adapted, Event, closure, compile, github, gitlab};
use dispatchfile_model::{Code, Limits, Pipeline, Resource, Task};
use serde_json::json;

use super::common::pipeline;

/// What reading a delivery gives: an event kind, ignored, or an error with its code, a message
/// fragment and its `(line, column)`.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Event(&'static str),
    Ignored,
    Error(Code, String, Option<(usize, usize)>),
}

fn outcome(r: dispatch_trigger::Result<Adapted>) -> Outcome {
    match r {
        Ok(Adapted::Event(e)) => Outcome::Event(e.kind()),
        Ok(Adapted::Ignored(_)) => Outcome::Ignored,
        Err(e) => Outcome::Error(e.code(), e.message().to_owned(), e.line().zip(e.column())),
    }
}

fn error(code: Code, message: &str, at: Option<(usize, usize)>) -> Outcome {
    Outcome::Error(code, message.to_owned(), at)
}

fn nested(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

/// A GitHub push body with `extra` spliced in as its first field(s).
fn push_with(extra: &str) -> String {
    format!(
        r#"{{{extra}"ref":"refs/heads/main","after":"2222","before":"1111","commits":[{{"added":["a"]}}],"repository":{{"clone_url":"u"}}}}"#
    )
}

macro_rules! payload_cases {
    ($($name:ident: $adapt:expr, $body:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let body: String = $body;
            let adapt: &dyn Fn(&str) -> dispatch_trigger::Result<Adapted> = &$adapt;
            assert_eq!(outcome(adapt(&body)), $want);
        }
    )*};
}

payload_cases! {
    github_push_reads: |b| github::to_event("push", b, None), push_with("") => Outcome::Event("push");
    github_push_skips_large_unread_fields: |b| github::to_event("push", b, None),
        push_with(&format!(r#""history":[{}],"#, vec![r#"{"a":1,"b":[2,3],"c":"x"}"#; 100_000].join(","))) => Outcome::Event("push");
    github_push_missing_after_at_the_object: |b| github::to_event("push", b, None),
        r#"{"ref":"refs/heads/x"}"#.to_owned()
        => error(Code::Payload, "GitHub push payload: missing a string at /after", Some((1, 1)));
    github_push_wrong_type_at_the_value: |b| github::to_event("push", b, None),
        "{\"ref\":\"refs/heads/x\",\n \"after\": 5}".to_owned()
        => error(Code::Payload, "GitHub push payload: expected a string at /after", Some((2, 11)));
    github_pull_request_nested_missing_at_its_object: |b| github::to_event("pull_request", b, None),
        r#"{"action":"opened","number":1,"pull_request":{"base":{"ref":"main"},"head":{"ref":"f"}},"repository":{"clone_url":"u"}}"#.to_owned()
        => error(Code::Payload, "GitHub pull_request payload: missing a string at /pull_request/head/sha", Some((1, 76)));
    github_commit_file_not_a_string: |b| github::to_event("push", b, None),
        r#"{"ref":"refs/heads/x","after":"2","commits":[{"added":["a",7]}],"repository":{"clone_url":"u"}}"#.to_owned()
        => error(Code::Payload, "GitHub push payload: expected a list of strings at /commits/0/added", Some((1, 55)));
    github_not_an_object: |b| github::to_event("push", b, None), "[1]".to_owned()
        => error(Code::Payload, "GitHub push payload must be a JSON object", Some((1, 1)));
    github_not_json: |b| github::to_event("push", b, None), "{\"ref\": ".to_owned()
        => error(Code::Payload, "GitHub push payload is not JSON: EOF while parsing a value", Some((1, 8)));
    github_nested_ten_thousand_deep_in_an_unread_field: |b| github::to_event("push", b, None),
        push_with(&format!(r#""x":{},"#, nested(10_000)))
        => error(Code::LimitExceeded, "limit exceeded: max_depth (128)", Some((1, 133)));
    github_nested_ten_thousand_deep_in_a_read_field: |b| github::to_event("push", b, None),
        format!(r#"{{"commits":{}}}"#, nested(10_000))
        => error(Code::LimitExceeded, "limit exceeded: max_depth (128)", Some((1, 139)));
    github_ignored_event_is_not_read: |b| github::to_event("ping", b, None), "not json".to_owned() => Outcome::Ignored;
    gitlab_wrong_type_at_the_value: |b| gitlab::to_event(b, None),
        r#"{"object_kind":"merge_request","object_attributes":{"action":"open","iid":"x"}}"#.to_owned()
        => error(Code::Payload, "GitLab payload: expected a number at /object_attributes/iid", Some((1, 77)));
    gitlab_nested_ten_thousand_deep: |b| gitlab::to_event(b, None),
        format!(r#"{{"object_kind":"push","x":{}}}"#, nested(10_000))
        => error(Code::LimitExceeded, "limit exceeded: max_depth (128)", Some((1, 154)));
}

#[test]
fn payloads_over_the_limit_are_refused_unread() {
    let mut limits = Limits::default();
    limits.max_payload_bytes = 64;
    let body = push_with("");
    assert!(body.len() > 64);
    let got = outcome(github::to_event_with_limits("push", &body, None, &limits));
    assert_eq!(
        got,
        error(
            Code::LimitExceeded,
            "limit exceeded: max_payload_bytes (64)",
            None
        )
    );
    let got = outcome(gitlab::to_event_with_limits(&body, None, &limits));
    assert_eq!(
        got,
        error(
            Code::LimitExceeded,
            "limit exceeded: max_payload_bytes (64)",
            None
        )
    );
    assert_eq!(
        Limits::default().max_payload_bytes,
        25 << 20,
        "GitHub's cap"
    );
}

/// The default `max_depth` is the payload's limit to the level: a payload exactly that deep is
/// read, one level more is refused (the top object is level 1).
#[test]
fn payload_depth_is_counted_to_the_level() {
    let max = Limits::default().max_depth;
    for (name, depth, read) in [
        ("at the limit", max - 1, true),
        ("one past the limit", max, false),
    ] {
        for (field, body) in [
            ("unread", push_with(&format!(r#""x":{},"#, nested(depth)))),
            ("read", format!(r#"{{"commits":[{}]}}"#, nested(depth - 1))),
        ] {
            let got = outcome(github::to_event("push", &body, None));
            if read {
                assert!(
                    !matches!(got, Outcome::Error(Code::LimitExceeded, ..)),
                    "{name}, {field} field: {got:?}"
                );
            } else {
                assert!(
                    matches!(&got, Outcome::Error(Code::LimitExceeded, m, Some(_)) if *m == format!("limit exceeded: max_depth ({max})")),
                    "{name}, {field} field: {got:?}"
                );
            }
        }
    }
}

#[test]
fn a_smaller_depth_limit_applies_to_payloads() {
    let mut limits = Limits::default();
    limits.max_depth = 4;
    let body = push_with(&format!(r#""x":{},"#, nested(4)));
    let got = outcome(github::to_event_with_limits("push", &body, None, &limits));
    assert!(
        matches!(&got, Outcome::Error(Code::LimitExceeded, m, Some(_)) if m == "limit exceeded: max_depth (4)"),
        "{got:?}"
    );
    let body = push_with(&format!(r#""x":{},"#, nested(3)));
    let got = outcome(github::to_event_with_limits("push", &body, None, &limits));
    assert_eq!(got, Outcome::Event("push"));
}

macro_rules! event_cases {
    ($($name:ident: $text:expr, $limit:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let text: String = $text;
            let mut limits = Limits::default();
            limits.max_event_bytes = $limit;
            let got = match Event::from_json_with_limits(&text, &limits) {
                Ok(e) => Outcome::Event(e.kind()),
                Err(e) => Outcome::Error(e.code(), e.message().to_owned(), e.line().zip(e.column())),
            };
            assert_eq!(got, $want);
        }
    )*};
}

event_cases! {
    event_under_the_limit: r#"{"kind":"tag","tag":"v1","commit":"c","url":"u"}"#.to_owned(), 1 << 20 => Outcome::Event("tag");
    event_over_the_limit: r#"{"kind":"tag","tag":"v1","commit":"c","url":"u"}"#.to_owned(), 16
        => error(Code::LimitExceeded, "limit exceeded: max_event_bytes (16)", None);
    event_nested_ten_thousand_deep: format!(r#"{{"kind":"push","changed":{}}}"#, nested(10_000)), 1 << 20
        => error(Code::Event, "invalid event: invalid type: sequence, expected a string", Some((1, 26)));
    event_deep_unknown_field: format!(r#"{{"kind":"push","x":{}}}"#, nested(10_000)), 1 << 20
        => error(Code::Event, "invalid event: unknown field `x`, expected one of `branch`, `commit`, `url`, `changed`", Some((1, 18)));
}

fn push_event(branch: &str) -> Event {
    Event::from_json(
        &json!({"kind": "push", "branch": branch, "commit": "c", "url": "u", "changed": ["a"]})
            .to_string(),
    )
    .expect("a valid event")
}

#[test]
fn long_event_values_are_cut_in_every_explanation() {
    // 2,000 actions against a 200,000-byte branch name: the explanation was 400 MB.
    let actions: Vec<_> = (0..2_000)
        .map(|i| json!({"tasks": ["t"], "on": {"push": {"branches": [format!("release/{i}")]}}}))
        .collect();
    let p = pipeline(&json!({
        "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
        "actions": actions,
    }));
    let triggers = compile(&p, &Limits::default()).expect("valid patterns");
    let branch = "b".repeat(200_000);
    let result = triggers.match_event(&push_event(&branch));
    assert!(result.actions.is_empty(), "nothing matches");
    let longest = result
        .explain
        .iter()
        .flat_map(|e| &e.checks)
        .map(|c| c.detail.len())
        .max()
        .unwrap_or(0);
    assert!(longest < 400, "a detail of {longest} bytes");
    let first = &result.explain[0].checks[0].detail;
    assert!(
        first.starts_with(&format!(
            "branch \"{}\"… (200000 bytes) not matched by",
            "b".repeat(120)
        )),
        "{first}"
    );
    assert!(result.to_json().len() < 2_000 * 600);
}

#[test]
fn compile_warnings_are_capped() {
    // 256 patterns that never match in each of 100 actions: 25,600 warnings, 100 kept.
    let patterns: Vec<String> = (0..256).map(|i| format!("/abs/{i}")).collect();
    let actions: Vec<_> = (0..100)
        .map(|_| json!({"tasks": ["t"], "on": {"push": {"branches": patterns}}}))
        .collect();
    let p = pipeline(&json!({
        "task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}},
        "actions": actions,
    }));
    let triggers = compile(&p, &Limits::default()).expect("warnings only");
    let warnings = triggers.warnings();
    assert_eq!(warnings.len(), 100);
    assert_eq!(warnings.omitted().warnings, 25_500);
    assert!(warnings.iter().all(|d| d.code == Code::InvalidPattern));
}

/// The closure on 100,000 tasks in each shape.
mod shapes {
    use super::*;

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

    fn resource(p: &mut Pipeline, r: &str) {
        p.resources.insert(
            r.to_owned(),
            Resource {
                kind: "storage".into(),
                ..Resource::default()
            },
        );
    }

    #[test]
    fn chain() {
        let mut p = Pipeline::default();
        for i in 0..N {
            let deps = if i == 0 { vec![] } else { vec![name(i - 1)] };
            p.tasks.insert(name(i), task(vec![], vec![], deps));
        }
        let order = closure(&p, &[&name(N - 1)]);
        assert_eq!(order.len(), N);
        assert!(order.windows(2).all(|w| w[0] < w[1]), "in chain order");
    }

    #[test]
    fn star() {
        let mut p = Pipeline::default();
        let all: Vec<String> = (1..N).map(name).collect();
        p.tasks.insert(name(0), task(vec![], vec![], all));
        for i in 1..N {
            p.tasks.insert(name(i), task(vec![], vec![], vec![]));
        }
        let order = closure(&p, &[&name(0)]);
        assert_eq!(order.len(), N);
        assert_eq!(order[N - 1], name(0), "the centre runs last");
    }

    #[test]
    fn wide_fan_in_through_one_resource_with_many_producers() {
        // Every task writes `r` and reads it: N² edges, one per pair, before. (Validation
        // rejects several producers; the closure must still be linear for any pipeline.)
        let mut p = Pipeline::default();
        resource(&mut p, "r");
        for i in 0..N {
            p.tasks
                .insert(name(i), task(vec!["r".into(); 3], vec!["r".into()], vec![]));
        }
        p.tasks
            .insert("z".into(), task(vec!["r".into()], vec![], vec![]));
        let order = closure(&p, &["z"]);
        assert_eq!(order.len(), N + 1);
        // Each producer waits for the others: a cycle, so they follow in byte order, `z` last.
        assert_eq!(order[N], "z");
    }

    #[test]
    fn wide_fan_in_through_many_resources() {
        let mut p = Pipeline::default();
        let mut inputs = Vec::new();
        for i in 0..N {
            let r = format!("r{i}");
            resource(&mut p, &r);
            p.tasks
                .insert(name(i), task(vec![], vec![r.clone()], vec![]));
            inputs.push(r);
        }
        p.tasks.insert("z".into(), task(inputs, vec![], vec![]));
        let order = closure(&p, &["z"]);
        assert_eq!(order.len(), N + 1);
        assert_eq!(order[N], "z");
    }
}
