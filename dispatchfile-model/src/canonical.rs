//! Canonical JSON output (what `dispatch eval` prints).

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

use crate::pipeline::{Condition, ConditionKind, Layout, Pipeline};

/// The canonical JSON text of a pipeline, as `dispatch eval` prints it.
///
/// Data-format keys only; Kubernetes objects in Kubernetes JSON; every object's keys sorted by
/// byte order; nulls, empty lists, empty maps and empty objects omitted except condition bodies
/// (and cron's `git`) and Kubernetes volume-source members (`emptyDir: {}`); no defaults filled in;
/// two-space indentation and a trailing newline. The same pipeline read from any format gives the
/// same bytes.
///
/// ```
/// use dispatchfile_model::{to_canonical_json, Pipeline};
/// assert_eq!(to_canonical_json(&Pipeline::default()), "{}\n");
/// ```
#[must_use]
pub fn to_canonical_json(pipeline: &Pipeline) -> String {
    // `serde_json`'s pretty printer is the one JSON writer: two-space indentation, `": "`.
    let mut out =
        serde_json::to_string_pretty(&Sorted(&to_canonical_value(pipeline))).unwrap_or_default();
    out.push('\n');
    out
}

/// The canonical pipeline as a JSON value, with the omissions of [`to_canonical_json`] applied.
///
/// Key order inside the returned value depends on `serde_json`'s map type; use
/// [`to_canonical_json`] for bytes.
#[must_use]
pub fn to_canonical_value(pipeline: &Pipeline) -> Json {
    let mut top = Map::new();
    let mut resources = Map::new();
    for (name, r) in &pipeline.resources {
        let mut o = Map::new();
        o.insert("type".into(), json!(r.kind));
        o.insert("param".into(), json!(r.params));
        let secrets: Map<String, Json> = r
            .secrets
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or(Json::Null)))
            .collect();
        o.insert("secret".into(), Json::Object(secrets));
        resources.insert(name.clone(), prune(Json::Object(o)));
    }
    top.insert("resource".into(), Json::Object(resources));
    let mut tasks = Map::new();
    for (name, t) in &pipeline.tasks {
        let mut o = Map::new();
        o.insert("inputs".into(), json!(t.inputs));
        o.insert("outputs".into(), json!(t.outputs));
        o.insert("deps".into(), json!(t.deps));
        if let Some(timeout) = &t.timeout {
            o.insert("timeout".into(), json!(timeout));
        }
        if let Some(m) = &t.metadata {
            o.insert(
                "metadata".into(),
                json!({"labels": m.labels, "annotations": m.annotations}),
            );
        }
        let mut o = match prune(Json::Object(o)) {
            Json::Object(m) => m,
            _ => Map::new(),
        };
        // Steps and volumes are pruned on their own: a volume keeps its empty source member.
        let steps: Vec<Json> = t
            .steps
            .iter()
            .map(|s| prune(serde_json::to_value(s).unwrap_or(Json::Null)))
            .collect();
        if !steps.is_empty() {
            o.insert("steps".into(), Json::Array(steps));
        }
        let volumes: Vec<Json> = t
            .volumes
            .iter()
            .map(|v| prune_volume(serde_json::to_value(v).unwrap_or(Json::Null)))
            .collect();
        if !volumes.is_empty() {
            o.insert("volumes".into(), Json::Array(volumes));
        }
        tasks.insert(name.clone(), Json::Object(o));
    }
    top.insert("task".into(), Json::Object(tasks));
    let actions: Vec<Json> = pipeline
        .actions
        .iter()
        .map(|a| {
            let mut o = Map::new();
            if let Some(n) = &a.name {
                o.insert("name".into(), json!(n));
            }
            o.insert("tasks".into(), json!(a.tasks));
            let mut o = match prune(Json::Object(o)) {
                Json::Object(m) => m,
                _ => Map::new(),
            };
            o.insert("on".into(), condition(&a.on));
            Json::Object(o)
        })
        .collect();
    top.insert("actions".into(), Json::Array(actions));
    // Only the top level is pruned here: condition bodies inside actions stay even when empty.
    top.retain(|_, v| !is_empty(v));
    Json::Object(top)
}

fn condition(c: &Condition) -> Json {
    let lists = |pairs: &[(&str, &Vec<String>)]| -> Json {
        let mut m = Map::new();
        for (k, v) in pairs {
            if !v.is_empty() {
                m.insert((*k).to_owned(), json!(v));
            }
        }
        Json::Object(m)
    };
    let (key, body) = match &c.kind {
        ConditionKind::Push(p) => (
            "push",
            lists(&[("branches", &p.branches), ("paths", &p.paths)]),
        ),
        ConditionKind::Tag(t) => ("tag", lists(&[("names", &t.names)])),
        ConditionKind::PullRequest(p) => (
            "pull_request",
            lists(&[
                ("targets", &p.targets),
                ("branches", &p.branches),
                ("sources", &p.sources),
                ("paths", &p.paths),
                ("labels", &p.labels),
                ("chatops", &p.chatops),
            ]),
        ),
        ConditionKind::Release(r) => ("release", lists(&[("tags", &r.tags)])),
        ConditionKind::ImagePush(i) => {
            return json!({"image": {"push": lists(&[("tags", &i.tags)])}});
        }
        ConditionKind::Cron(cron) => {
            let mut m = Map::new();
            m.insert("schedule".into(), json!(cron.schedule));
            if let Some(r) = &cron.revision {
                m.insert("revision".into(), json!(r));
            }
            if let Some(g) = &cron.git {
                let mut gm = Map::new();
                if let Some(r) = &g.revision {
                    gm.insert("revision".into(), json!(r));
                }
                m.insert("git".into(), Json::Object(gm));
            }
            return json!({"cron": m});
        }
    };
    match c.layout {
        Layout::Legacy => json!({ key: body }),
        Layout::Grouped => json!({"git": { key: body }}),
    }
}

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Drops nulls, empty lists and empty objects, bottom-up.
fn prune(v: Json) -> Json {
    match v {
        Json::Array(a) => Json::Array(a.into_iter().map(prune).filter(|x| !is_empty(x)).collect()),
        Json::Object(o) => Json::Object(
            o.into_iter()
                .map(|(k, x)| (k, prune(x)))
                .filter(|(_, x)| !is_empty(x))
                .collect(),
        ),
        other => other,
    }
}

/// Like [`prune`], but a volume's source member (`emptyDir: {}`) is kept even when empty.
fn prune_volume(v: Json) -> Json {
    match v {
        Json::Object(o) => Json::Object(
            o.into_iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k, prune(x)))
                .filter(|(k, x)| k != "name" && x.is_object() || !is_empty(x))
                .collect(),
        ),
        other => prune(other),
    }
}

/// A JSON value that serializes with every object's keys in byte order, whatever map type
/// `serde_json` was built with (its `preserve_order` feature keeps insertion order instead).
struct Sorted<'a>(&'a Json);

impl Serialize for Sorted<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap as _, SerializeSeq as _};
        match self.0 {
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Sorted(item))?;
                }
                seq.end()
            }
            Json::Object(o) => {
                let mut entries: Vec<(&String, &Json)> = o.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &Sorted(v))?;
                }
                map.end()
            }
            scalar => scalar.serialize(serializer),
        }
    }
}
