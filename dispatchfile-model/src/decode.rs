//! Document → [`Pipeline`] decoding with positioned diagnostics.

use crate::code::Code;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Container;

use crate::diagnostic::{Diagnostic, DiagnosticsBuilder, Omitted, Severity};
use crate::document::{Document, Entry, Node, Value};
use crate::error::Error;
use crate::limits::Limits;
use crate::pipeline::{
    Action, Condition, ConditionKind, CronCondition, GitCronConfig, ImagePushCondition, Layout,
    Pipeline, PullRequestCondition, PushCondition, ReleaseCondition, Resource, TagCondition, Task,
    TaskMetadata,
};
use crate::schema::k8s;
use crate::span::{Files, Span};

/// Options for [`decode`].
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Report unknown fields as errors instead of warnings. Default `false`.
    pub strict: bool,
}

/// The outcome of [`decode`]: a pipeline when no error was found, and every diagnostic.
#[derive(Clone, Debug, Default)]
pub struct Decoded {
    /// The pipeline; `None` exactly when an error was found (in `diagnostics`, or counted in
    /// `omitted`).
    pub pipeline: Option<Pipeline>,
    /// Where each element was written.
    pub source_map: SourceMap,
    /// Every warning and error, sorted by position then code.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics counted but left out of `diagnostics` by [`Limits::max_diagnostics_per_code`]
    /// and [`Limits::max_diagnostics`]; an error counted here makes `pipeline` `None` too.
    pub omitted: Omitted,
}

/// Element paths (JSON-pointer style, `/task/build/steps/0/image`) to the spans they were written
/// at, and (when the frontend attached them) the source texts those spans point into, so that
/// every later step can report positioned, printable diagnostics.
///
/// Paths use the data-format keys even when an alias (`params`) was written.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    spans: BTreeMap<String, Span>,
    keys: BTreeMap<String, Span>,
    sources: Option<Arc<Files>>,
}

impl PartialEq for SourceMap {
    /// Equal when the recorded spans are (the attached sources are not compared).
    fn eq(&self, other: &SourceMap) -> bool {
        self.spans == other.spans && self.keys == other.keys
    }
}

impl Eq for SourceMap {}

impl SourceMap {
    /// An empty map.
    #[must_use]
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Records the span of the value at `path`.
    pub fn insert(&mut self, path: impl Into<String>, span: Span) {
        self.spans.insert(path.into(), span);
    }

    /// Records the span of the key that names the element at `path`.
    pub fn insert_key(&mut self, path: impl Into<String>, span: Span) {
        self.keys.insert(path.into(), span);
    }

    /// Attaches the source texts the spans point into.
    pub fn set_sources(&mut self, sources: Arc<Files>) {
        self.sources = Some(sources);
    }

    /// The source texts the spans point into, when a frontend attached them.
    #[must_use]
    pub fn sources(&self) -> Option<&Arc<Files>> {
        self.sources.as_ref()
    }

    /// The span of the value at `path`.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<Span> {
        self.spans.get(path).copied()
    }

    /// The span of the key naming `path`, else of its value.
    #[must_use]
    pub fn key(&self, path: &str) -> Option<Span> {
        self.keys.get(path).copied().or_else(|| self.get(path))
    }

    /// The span of `path`, or of its nearest recorded ancestor.
    #[must_use]
    pub fn nearest(&self, path: &str) -> Option<Span> {
        let mut p = path;
        loop {
            if let Some(s) = self.get(p) {
                return Some(s);
            }
            p = &p[..p.rfind('/')?];
        }
    }
}

pub(crate) use crate::names::pointer_segment as seg;

/// Decodes a document into a pipeline and runs every validation rule.
///
/// All problems are reported at once. The pipeline is returned only when no error was found.
///
/// ```
/// use dispatchfile_model::{decode, DecodeOptions, Document, Limits, Node};
/// let json = serde_json::json!({"task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}}});
/// let doc = Document { root: Node::from_json(&json, Default::default()) };
/// let decoded = decode(&doc, &DecodeOptions::default(), &Limits::default());
/// assert!(decoded.pipeline.is_some());
/// ```
#[must_use]
pub fn decode(doc: &Document, options: &DecodeOptions, limits: &Limits) -> Decoded {
    let mut d = Decoder {
        options,
        in_condition: false,
        diagnostics: DiagnosticsBuilder::new(limits),
        map: SourceMap::new(),
        limits,
        model_bytes: 0,
        over_budget: false,
    };
    if let Err(e) = check_size(&doc.root, limits) {
        return Decoded {
            pipeline: None,
            source_map: d.map,
            diagnostics: vec![e.to_diagnostic()],
            omitted: Omitted::default(),
        };
    }
    let pipeline = d.pipeline(&doc.root);
    // Validation adds to the same builder: the caps hold for both steps together. A document
    // that is not an object is one error, not also an empty pipeline; a pipeline cut short by
    // `max_model_bytes` is not validated either (its missing parts would only be noise).
    if matches!(doc.root.value, Value::Object(_)) && !d.over_budget {
        crate::validate::validate_into(&pipeline, &d.map, &mut d.diagnostics);
    }
    // A `task` map that failed to decode is not "no tasks": drop that follow-on report.
    if pipeline.tasks.is_empty() && task_map_failed(&doc.root) {
        d.diagnostics.retain(|x| {
            !(x.path.is_empty() && (x.code == Code::EmptyPipeline || x.code == Code::MissingField))
        });
    }
    let ok = !d.diagnostics.has_errors();
    let (diagnostics, omitted) = d.diagnostics.into_parts();
    Decoded {
        pipeline: ok.then_some(pipeline),
        source_map: d.map,
        diagnostics,
        omitted,
    }
}

/// Whether the document's task map was reported as an error (not an object, or given twice as
/// `task` and `tasks`), so that an empty task list is not a mistake of its own.
fn task_map_failed(root: &Node) -> bool {
    let Value::Object(entries) = &root.value else {
        return false;
    };
    let mut maps = entries
        .iter()
        .filter(|e| e.key == "task" || e.key == "tasks");
    match (maps.next(), maps.next()) {
        (Some(_), Some(_)) => true,
        (Some(first), None) => !matches!(first.value.value, Value::Null | Value::Object(_)),
        _ => false,
    }
}

/// Checks depth, node count and text bytes without recursion, so hand-built documents are
/// bounded too.
fn check_size(root: &Node, limits: &Limits) -> Result<(), Error> {
    let mut stack = vec![(root, 1usize)];
    let mut count = 0usize;
    let mut bytes = 0usize;
    while let Some((node, depth)) = stack.pop() {
        count += 1;
        if count > limits.max_document_nodes {
            return Err(Error::limit(
                "max_document_nodes",
                limits.max_document_nodes,
                Some(node.span),
            ));
        }
        if depth > limits.max_depth {
            return Err(Error::limit("max_depth", limits.max_depth, Some(node.span)));
        }
        match &node.value {
            Value::Null | Value::Bool(_) => {}
            Value::Number(text) | Value::String(text) => bytes += text.len(),
            Value::Array(items) => stack.extend(items.iter().map(|n| (n, depth + 1))),
            Value::Object(entries) => {
                for e in entries {
                    bytes += e.key.len();
                    stack.push((&e.value, depth + 1));
                }
            }
        }
        if bytes > limits.max_document_bytes {
            return Err(Error::limit(
                "max_document_bytes",
                limits.max_document_bytes,
                Some(node.span),
            ));
        }
    }
    Ok(())
}

struct Decoder<'o> {
    options: &'o DecodeOptions,
    /// Decoding an action's `on`: unknown fields there are errors whatever `strict` says
    /// (dropping a filter would widen the trigger).
    in_condition: bool,
    /// Keeps at most the caps of `Limits`; past them, messages are counted, not built.
    diagnostics: DiagnosticsBuilder,
    map: SourceMap,
    limits: &'o Limits,
    /// The estimated memory of what was decoded so far (`Limits::max_model_bytes`).
    model_bytes: usize,
    /// `max_model_bytes` was exceeded (reported once): no further element is decoded.
    over_budget: bool,
}

/// What each object inside a decoded Kubernetes object (an `env` entry, a port, a projected
/// volume source) is charged against `Limits::max_model_bytes`, on top of the outer object's
/// own size: more than the largest of them in memory (a projected volume source, 496 bytes).
const OBJECT_BYTES: usize = 512;

/// What each other value inside one (a string, a number, a list) is charged: a list element's
/// slot or a field's own share; its text is counted by `max_document_bytes`.
const VALUE_BYTES: usize = 32;

/// The estimated memory of what `node` adds inside a decoded Kubernetes object: the charges of
/// every value below it (an explicit stack, no recursion).
fn nested_bytes(node: &Node) -> usize {
    let mut stack: Vec<&Node> = Vec::new();
    push_children(node, &mut stack);
    let mut bytes = 0usize;
    while let Some(n) = stack.pop() {
        let own = if matches!(n.value, Value::Object(_)) {
            OBJECT_BYTES
        } else {
            VALUE_BYTES
        };
        bytes = bytes.saturating_add(own);
        push_children(n, &mut stack);
    }
    bytes
}

/// Pushes the values directly inside `n` onto `stack`.
fn push_children<'n>(n: &'n Node, stack: &mut Vec<&'n Node>) {
    match &n.value {
        Value::Array(items) => stack.extend(items),
        Value::Object(entries) => stack.extend(entries.iter().map(|e| &e.value)),
        _ => {}
    }
}

/// One object's entries resolved against its known keys and their deprecated aliases.
struct Fields<'n> {
    found: BTreeMap<&'static str, &'n Entry>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.found
            .get(key)
            .map(|e| &e.value)
            .filter(|n| n.value != Value::Null)
    }
}

impl Decoder<'_> {
    /// Charges `bytes` of decoded model against `Limits::max_model_bytes`. Once it is spent,
    /// reports `limit-exceeded` at `span` (once) and returns false: the caller adds nothing
    /// more, so memory stays bounded whatever the document (an empty step is 2 KiB in memory,
    /// an empty volume 3 KiB).
    fn charge(&mut self, bytes: usize, span: Span, path: &str) -> bool {
        if self.over_budget {
            return false;
        }
        self.model_bytes = self.model_bytes.saturating_add(bytes);
        if self.model_bytes > self.limits.max_model_bytes {
            self.over_budget = true;
            let e = Error::limit("max_model_bytes", self.limits.max_model_bytes, Some(span));
            self.diagnostics.push(e.to_diagnostic().with_path(path));
            return false;
        }
        true
    }

    /// Charges a Kubernetes object of type `T` written as `node` (see [`Decoder::charge`]): its
    /// size, and what the values inside it add (`nested_bytes`).
    fn charge_object<T>(&mut self, node: &Node, path: &str) -> bool {
        let bytes = size_of::<T>().saturating_add(nested_bytes(node));
        self.charge(bytes, node.span, path)
    }

    fn error(&mut self, code: Code, msg: String, span: Span, path: &str) {
        self.diagnostics
            .push(Diagnostic::error(code, msg).at(span).with_path(path));
    }

    fn type_error(&mut self, what: &str, expected: &str, node: &Node, path: &str) {
        self.diagnostics.push_with(Severity::Error, Code::Type, || {
            let msg = format!(
                "{what} must be {expected}, found {}",
                node.value.type_name()
            );
            Diagnostic::error(Code::Type, msg)
                .at(node.span)
                .with_path(path)
        });
    }

    /// Splits an object into known fields; reports unknown fields, aliases and alias clashes.
    fn fields<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        path: &str,
        known: &[&'static str],
        aliases: &[(&'static str, &'static str)],
    ) -> Option<Fields<'n>> {
        let Value::Object(entries) = &node.value else {
            if node.value != Value::Null {
                self.type_error(what, "an object", node, path);
            }
            return None;
        };
        let mut found: BTreeMap<&'static str, &'n Entry> = BTreeMap::new();
        for entry in entries {
            let (canonical, alias) = if let Some(k) = known.iter().find(|k| **k == entry.key) {
                (*k, false)
            } else if let Some((a, k)) = aliases.iter().find(|(a, _)| *a == entry.key) {
                let _ = a;
                (*k, true)
            } else {
                let hint = crate::names::suggest(
                    &entry.key,
                    known.iter().copied().chain(aliases.iter().map(|(a, _)| *a)),
                )
                .or_else(|| {
                    self.in_condition
                        .then(|| condition_hint(&entry.key, known))
                        .flatten()
                });
                self.unknown_field(what, entry, path, hint, known);
                continue;
            };
            if alias {
                self.diagnostics.push(
                    Diagnostic::warning(
                        Code::DeprecatedAlias,
                        format!(
                            "{what}: \"{}\" is a deprecated spelling of \"{canonical}\"",
                            entry.key
                        ),
                    )
                    .at(entry.key_span)
                    .with_path(format!("{path}/{canonical}")),
                );
            }
            if let Some(prev) = found.get(canonical) {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateKey,
                        format!(
                            "{what}: \"{canonical}\" is set twice (as \"{}\" and \"{}\")",
                            prev.key, entry.key
                        ),
                    )
                    .at(entry.key_span)
                    .with_path(format!("{path}/{canonical}"))
                    .with_related(prev.key_span, "first set here"),
                );
                continue;
            }
            let p = format!("{path}/{canonical}");
            self.map.insert_key(p.clone(), entry.key_span);
            self.map.insert(p, entry.value.span);
            found.insert(canonical, entry);
        }
        Some(Fields { found })
    }

    fn unknown_field(
        &mut self,
        what: &str,
        entry: &Entry,
        path: &str,
        hint: Option<&str>,
        known: &[&str],
    ) {
        let severity = if self.in_condition || self.options.strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        if !self.diagnostics.keeps(severity, Code::UnknownField) {
            self.diagnostics.omit(severity);
            return;
        }
        let top = path.is_empty();
        let mut msg = format!("{what}: unknown field \"{}\"", entry.key);
        if let Some(h) = hint {
            let _ = write!(msg, " (did you mean \"{h}\"?)");
        } else if top {
            msg.push_str(" (helper fields can be hidden as \"_");
            msg.push_str(&entry.key);
            msg.push_str("\")");
        }
        let d = if self.in_condition {
            if hint.is_none() {
                match known {
                    [] => {}
                    [one] => {
                        let _ = write!(msg, " (the only field is \"{one}\")");
                    }
                    _ => {
                        let _ = write!(msg, " (expected one of {})", known.join(", "));
                    }
                }
            }
            Diagnostic::error(Code::UnknownField, msg).with_note(
                "conditions fail closed: an unknown field would be a dropped filter, which widens the trigger",
            )
        } else if self.options.strict {
            Diagnostic::error(Code::UnknownField, msg)
        } else {
            Diagnostic::warning(Code::UnknownField, msg)
        };
        self.diagnostics.push(
            d.at(entry.key_span)
                .with_path(format!("{path}/{}", seg(&entry.key))),
        );
    }

    fn pipeline(&mut self, root: &Node) -> Pipeline {
        let mut p = Pipeline::default();
        let Value::Object(_) = &root.value else {
            let msg = format!(
                "a Dispatchfile must be an object, found {}",
                root.value.type_name()
            );
            self.error(Code::Type, msg, root.span, "");
            return p;
        };
        self.map.insert("", root.span);
        let Some(f) = self.fields(
            root,
            "pipeline",
            "",
            &["resource", "task", "actions"],
            &[("resources", "resource"), ("tasks", "task")],
        ) else {
            return p;
        };
        if let Some(n) = f.get("resource") {
            for (name, node, path) in self.named_objects(n, "\"resource\"", "/resource") {
                if !self.charge(size_of::<Resource>() + name.len(), node.span, &path) {
                    break;
                }
                let r = self.resource(&name, node, &path);
                p.resources.insert(name, r);
            }
        }
        if let Some(n) = f.get("task") {
            for (name, node, path) in self.named_objects(n, "\"task\"", "/task") {
                if !self.charge(size_of::<Task>() + name.len(), node.span, &path) {
                    break;
                }
                let t = self.task(&name, node, &path);
                p.tasks.insert(name, t);
            }
        }
        if let Some(n) = f.get("actions") {
            match &n.value {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let path = format!("/actions/{i}");
                        if !self.charge(size_of::<Action>(), item.span, &path) {
                            break;
                        }
                        self.map.insert(path.clone(), item.span);
                        let a = self.action(i, item, &path);
                        p.actions.push(a);
                    }
                }
                _ => self.type_error("\"actions\"", "a list", n, "/actions"),
            }
        }
        p
    }

    /// The entries of a name → object map, with their paths recorded.
    fn named_objects<'n>(
        &mut self,
        n: &'n Node,
        what: &str,
        path: &str,
    ) -> Vec<(String, &'n Node, String)> {
        let Value::Object(entries) = &n.value else {
            self.type_error(what, "a map of names to objects", n, path);
            return Vec::new();
        };
        entries
            .iter()
            .map(|e| {
                let p = format!("{path}/{}", seg(&e.key));
                self.map.insert_key(p.clone(), e.key_span);
                self.map.insert(p.clone(), e.value.span);
                (e.key.clone(), &e.value, p)
            })
            .collect()
    }

    fn string(&mut self, what: &str, n: &Node, path: &str) -> Option<String> {
        if let Value::String(s) = &n.value {
            Some(s.clone())
        } else {
            self.type_error(what, "a string", n, path);
            None
        }
    }

    fn string_list(&mut self, what: &str, n: &Node, path: &str) -> Vec<String> {
        let Value::Array(items) = &n.value else {
            self.type_error(what, "a list of strings", n, path);
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}/{i}");
            self.map.insert(p.clone(), item.span);
            if let Some(s) = self.string(&format!("{what}[{i}]"), item, &p) {
                out.push(s);
            }
        }
        out
    }

    fn string_map(&mut self, what: &str, n: &Node, path: &str) -> BTreeMap<String, String> {
        let Value::Object(entries) = &n.value else {
            self.type_error(what, "a map of strings", n, path);
            return BTreeMap::new();
        };
        let mut out = BTreeMap::new();
        for e in entries {
            let p = format!("{path}/{}", seg(&e.key));
            self.map.insert_key(p.clone(), e.key_span);
            self.map.insert(p.clone(), e.value.span);
            if let Some(s) = self.string(&format!("{what}[{:?}]", e.key), &e.value, &p) {
                out.insert(e.key.clone(), s);
            }
        }
        out
    }

    fn resource(&mut self, name: &str, node: &Node, path: &str) -> Resource {
        let what = format!("resource {name:?}");
        let mut r = Resource::default();
        let Some(f) = self.fields(
            node,
            &what,
            path,
            &["type", "param", "secret"],
            &[("params", "param"), ("secrets", "secret")],
        ) else {
            return r;
        };
        if let Some(v) = f.get("type") {
            r.kind = self
                .string(&format!("{what}: \"type\""), v, &format!("{path}/type"))
                .unwrap_or_default();
        }
        if let Some(v) = f.get("param") {
            r.params = self.string_map(&format!("{what}: \"param\""), v, &format!("{path}/param"));
        }
        if let Some(v) = f.get("secret") {
            let spath = format!("{path}/secret");
            if let Value::Object(entries) = &v.value {
                for e in entries {
                    let p = format!("{spath}/{}", seg(&e.key));
                    self.map.insert_key(p.clone(), e.key_span);
                    self.map.insert(p.clone(), e.value.span);
                    let w = format!("{what}: secret {:?}", e.key);
                    if let Some(sel) =
                        self.k8s(&w, &e.value, &p, "io.k8s.api.core.v1.SecretKeySelector")
                    {
                        r.secrets.insert(e.key.clone(), sel);
                    }
                }
            } else {
                self.type_error(
                    &format!("{what}: \"secret\""),
                    "a map of secret selectors",
                    v,
                    &spath,
                );
            }
        }
        r
    }

    /// Checks `node` against a bundled Kubernetes definition, then converts it.
    fn k8s<T: serde::de::DeserializeOwned>(
        &mut self,
        what: &str,
        n: &Node,
        path: &str,
        def: &str,
    ) -> Option<T> {
        let before = self.diagnostics.error_count();
        let json = k8s::check(
            n,
            def,
            path,
            what,
            self.options.strict,
            &mut self.diagnostics,
            &mut self.map,
        );
        if self.diagnostics.error_count() > before {
            return None;
        }
        match serde_json::from_value(json) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(Code::Type, format!("{what}: {e}"), n.span, path);
                None
            }
        }
    }

    fn task(&mut self, name: &str, node: &Node, path: &str) -> Task {
        let what = format!("task {name:?}");
        let mut t = Task::default();
        let Some(f) = self.fields(
            node,
            &what,
            path,
            &[
                "inputs", "outputs", "deps", "steps", "volumes", "timeout", "metadata",
            ],
            &[],
        ) else {
            return t;
        };
        for (key, list) in [
            ("inputs", &mut t.inputs),
            ("outputs", &mut t.outputs),
            ("deps", &mut t.deps),
        ] {
            if let Some(v) = f.get(key) {
                *list = self.string_list(&format!("{what}: {key:?}"), v, &format!("{path}/{key}"));
            }
        }
        if let Some(v) = f.get("steps") {
            let spath = format!("{path}/steps");
            if let Value::Array(items) = &v.value {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{spath}/{i}");
                    if !self.charge_object::<Container>(item, &p) {
                        break;
                    }
                    self.map.insert(p.clone(), item.span);
                    let w = format!("step #{i} of {what}");
                    // A step that failed to decode is replaced by a stand-in, so validation does
                    // not add "no steps" or renumber the rest; the pipeline is rejected anyway.
                    let step = self
                        .k8s(&w, item, &p, "io.k8s.api.core.v1.Container")
                        .unwrap_or_else(|| Container {
                            name: item
                                .get("name")
                                .and_then(|e| e.value.as_str())
                                .map_or_else(|| format!("step-{i}"), str::to_owned),
                            image: Some("invalid".to_owned()),
                            ..Container::default()
                        });
                    t.steps.push(step);
                }
            } else {
                self.type_error(
                    &format!("{what}: \"steps\""),
                    "a list of containers",
                    v,
                    &spath,
                );
            }
        }
        if let Some(v) = f.get("volumes") {
            let vpath = format!("{path}/volumes");
            if let Value::Array(items) = &v.value {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{vpath}/{i}");
                    if !self.charge_object::<k8s_openapi::api::core::v1::Volume>(item, &p) {
                        break;
                    }
                    self.map.insert(p.clone(), item.span);
                    let w = format!("volume #{i} of {what}");
                    if let Some(vol) = self.k8s(&w, item, &p, "io.k8s.api.core.v1.Volume") {
                        t.volumes.push(vol);
                    }
                }
            } else {
                self.type_error(
                    &format!("{what}: \"volumes\""),
                    "a list of volumes",
                    v,
                    &vpath,
                );
            }
        }
        if let Some(v) = f.get("timeout") {
            t.timeout = self.string(
                &format!("{what}: \"timeout\""),
                v,
                &format!("{path}/timeout"),
            );
        }
        if let Some(v) = f.get("metadata") {
            let mpath = format!("{path}/metadata");
            let mw = format!("{what}: \"metadata\"");
            if let Some(mf) = self.fields(v, &mw, &mpath, &["labels", "annotations"], &[]) {
                let mut m = TaskMetadata::default();
                if let Some(l) = mf.get("labels") {
                    m.labels = self.string_map(
                        &format!("{what}: \"labels\""),
                        l,
                        &format!("{mpath}/labels"),
                    );
                }
                if let Some(a) = mf.get("annotations") {
                    m.annotations = self.string_map(
                        &format!("{what}: \"annotations\""),
                        a,
                        &format!("{mpath}/annotations"),
                    );
                }
                t.metadata = Some(m);
            }
        }
        t
    }

    fn action(&mut self, index: usize, n: &Node, path: &str) -> Action {
        let what = format!("action #{index}");
        let mut a = Action {
            name: None,
            tasks: Vec::new(),
            on: placeholder(),
        };
        let Some(f) = self.fields(n, &what, path, &["name", "tasks", "on"], &[]) else {
            return a;
        };
        if let Some(v) = f.get("name") {
            a.name = self.string(&format!("{what}: \"name\""), v, &format!("{path}/name"));
        }
        if let Some(v) = f.get("tasks") {
            a.tasks = self.string_list(&format!("{what}: \"tasks\""), v, &format!("{path}/tasks"));
        }
        match f.get("on") {
            Some(v) => {
                self.in_condition = true;
                let c = self.condition(&what, v, &format!("{path}/on"));
                self.in_condition = false;
                if let Some(c) = c {
                    a.on = c;
                }
            }
            None => self.error(
                Code::MissingField,
                format!("{what}: missing required field \"on\""),
                n.span,
                path,
            ),
        }
        a
    }

    fn condition(&mut self, what: &str, n: &Node, path: &str) -> Option<Condition> {
        const TOP: [&str; 7] = [
            "push",
            "tag",
            "pull_request",
            "release",
            "cron",
            "git",
            "image",
        ];
        let f = self.fields(n, &format!("{what}: condition"), path, &TOP, &[])?;
        let set: Vec<&str> = TOP
            .iter()
            .copied()
            .filter(|k| f.found.contains_key(k))
            .collect();
        if set.len() != 1 {
            let found = if set.is_empty() {
                "none".to_owned()
            } else {
                set.join(", ")
            };
            let msg = format!(
                "{what}: condition must set exactly one of push, tag, pull_request, release, cron, git, image (found {found})"
            );
            self.error(Code::ConditionKind, msg, n.span, path);
            return None;
        }
        let key = set[0];
        let body = f.found.get(key).map(|e| &e.value)?;
        let bpath = format!("{path}/{key}");
        match key {
            "git" => {
                const GIT: [&str; 4] = ["push", "tag", "pull_request", "release"];
                let gw = format!("{what}: condition \"git\"");
                let gf = self.fields(body, &gw, &bpath, &GIT, &[])?;
                let set: Vec<&str> = GIT
                    .iter()
                    .copied()
                    .filter(|k| gf.found.contains_key(k))
                    .collect();
                if set.len() != 1 {
                    let found = if set.is_empty() {
                        "none".to_owned()
                    } else {
                        set.join(", ")
                    };
                    let msg = format!(
                        "{what}: \"git\" must set exactly one of push, tag, pull_request, release (found {found})"
                    );
                    self.error(Code::ConditionKind, msg, body.span, &bpath);
                    return None;
                }
                let inner = gf.found.get(set[0]).map(|e| &e.value)?;
                let kind = self.body(what, set[0], inner, &format!("{bpath}/{}", set[0]))?;
                Some(Condition {
                    kind,
                    layout: Layout::Grouped,
                })
            }
            "image" => {
                let iw = format!("{what}: condition \"image\"");
                let imf = self.fields(body, &iw, &bpath, &["push"], &[])?;
                let Some(inner) = imf.found.get("push").map(|e| &e.value) else {
                    let msg =
                        format!("{what}: \"image\" must set exactly one of push (found none)");
                    self.error(Code::ConditionKind, msg, body.span, &bpath);
                    return None;
                };
                let kind = self.body(what, "image_push", inner, &format!("{bpath}/push"))?;
                Some(Condition {
                    kind,
                    layout: Layout::Grouped,
                })
            }
            _ => {
                let kind = self.body(what, key, body, &bpath)?;
                Some(Condition {
                    kind,
                    layout: Layout::Legacy,
                })
            }
        }
    }

    /// Decodes a condition body of `kind` (`push`, …, `image_push`).
    fn body(&mut self, what: &str, kind: &str, n: &Node, path: &str) -> Option<ConditionKind> {
        let bw = format!("{what}: {kind} condition");
        let known: &[&'static str] = match kind {
            // `tags` is the 2019 prototype spelling of a tag condition (below).
            "push" => &["branches", "paths", "tags"],
            "tag" => &["names"],
            "pull_request" => &[
                "targets", "branches", "sources", "paths", "labels", "chatops",
            ],
            "release" | "image_push" => &["tags"],
            "cron" => &["schedule", "revision", "git"],
            _ => &[],
        };
        if n.value == Value::Null {
            // `push:` with nothing after it in YAML: an empty body.
            return Some(empty_body(kind));
        }
        let f = self.fields(n, &bw, path, known, &[])?;
        let list = |d: &mut Decoder<'_>, key: &str| -> Vec<String> {
            f.get(key)
                .map(|v| d.string_list(&format!("{bw}: {key:?}"), v, &format!("{path}/{key}")))
                .unwrap_or_default()
        };
        Some(match kind {
            "push" if f.found.contains_key("tags") => {
                let tags = f.found.get("tags").copied()?;
                let others: Vec<&str> = ["branches", "paths"]
                    .into_iter()
                    .filter(|k| f.found.contains_key(k))
                    .collect();
                if !others.is_empty() {
                    let msg = format!(
                        "{bw}: \"tags\" (a tag filter) cannot be combined with {}: write two actions, one with a push condition and one with a tag condition (names: […])",
                        others
                            .iter()
                            .map(|k| format!("\"{k}\""))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    );
                    self.error(
                        Code::ConditionKind,
                        msg,
                        tags.key_span,
                        &format!("{path}/tags"),
                    );
                    return None;
                }
                self.diagnostics.push(
                    Diagnostic::warning(
                        Code::DeprecatedField,
                        format!(
                            "{bw}: a push condition with \"tags\" is the 2019 spelling of a tag condition; write tag: {{names: […]}}"
                        ),
                    )
                    .at(tags.key_span)
                    .with_path(format!("{path}/tags")),
                );
                ConditionKind::Tag(TagCondition {
                    names: list(self, "tags"),
                })
            }
            "push" => ConditionKind::Push(PushCondition {
                branches: list(self, "branches"),
                paths: list(self, "paths"),
            }),
            "tag" => ConditionKind::Tag(TagCondition {
                names: list(self, "names"),
            }),
            // `branches` is the field the Dispatch 1.4 reference documents: no warning.
            "pull_request" => ConditionKind::PullRequest(PullRequestCondition {
                targets: list(self, "targets"),
                branches: list(self, "branches"),
                sources: list(self, "sources"),
                paths: list(self, "paths"),
                labels: list(self, "labels"),
                chatops: list(self, "chatops"),
            }),
            "release" => ConditionKind::Release(ReleaseCondition {
                tags: list(self, "tags"),
            }),
            "image_push" => ConditionKind::ImagePush(ImagePushCondition {
                tags: list(self, "tags"),
            }),
            _ => {
                let mut c = CronCondition::default();
                if let Some(v) = f.get("schedule") {
                    c.schedule = self
                        .string(
                            &format!("{bw}: \"schedule\""),
                            v,
                            &format!("{path}/schedule"),
                        )
                        .unwrap_or_default();
                }
                if let Some(v) = f.get("revision") {
                    c.revision = self.string(
                        &format!("{bw}: \"revision\""),
                        v,
                        &format!("{path}/revision"),
                    );
                }
                if let Some(e) = f.found.get("git") {
                    let gpath = format!("{path}/git");
                    let gw = format!("{bw}: \"git\"");
                    let mut git = GitCronConfig::default();
                    if e.value.value != Value::Null
                        && let Some(gf) = self.fields(&e.value, &gw, &gpath, &["revision"], &[])
                        && let Some(v) = gf.get("revision")
                    {
                        git.revision = self.string(
                            &format!("{gw}: \"revision\""),
                            v,
                            &format!("{gpath}/revision"),
                        );
                    }
                    if let (Some(a), Some(b)) = (&c.revision, &git.revision)
                        && a != b
                    {
                        let msg = format!(
                            "{bw}: \"revision\" ({a:?}) and \"git.revision\" ({b:?}) differ"
                        );
                        self.error(Code::DuplicateKey, msg, e.key_span, &gpath);
                    }
                    c.git = Some(git);
                }
                ConditionKind::Cron(c)
            }
        })
    }
}

/// The field meant by a misspelling that edit distance does not find, in a condition whose
/// fields are `known`: the field of another condition kind (`tags` in a tag condition is
/// `names`), or another word for the same filter (`comment` for `chatops`).
fn condition_hint(key: &str, known: &[&'static str]) -> Option<&'static str> {
    let meant: &[&str] = match key {
        "tags" | "tag" | "name" => &["names"],
        "names" => &["tags"],
        "comment" | "comments" | "command" | "commands" => &["chatops"],
        "branch" | "base" | "target" => &["targets", "branches"],
        "source" | "head" => &["sources"],
        "path" | "files" => &["paths"],
        "label" => &["labels"],
        "cron" | "schedules" => &["schedule"],
        _ => &[],
    };
    meant
        .iter()
        .find_map(|m| known.iter().copied().find(|k| k == m))
}

fn empty_body(kind: &str) -> ConditionKind {
    match kind {
        "push" => ConditionKind::Push(PushCondition::default()),
        "tag" => ConditionKind::Tag(TagCondition::default()),
        "pull_request" => ConditionKind::PullRequest(PullRequestCondition::default()),
        "release" => ConditionKind::Release(ReleaseCondition::default()),
        "image_push" => ConditionKind::ImagePush(ImagePushCondition::default()),
        _ => ConditionKind::Cron(CronCondition::default()),
    }
}

/// Stands in for a condition that failed to decode; the pipeline is rejected anyway.
fn placeholder() -> Condition {
    Condition {
        kind: ConditionKind::Push(PushCondition::default()),
        layout: Layout::Legacy,
    }
}

impl Node {
    /// Builds a document node from a JSON value, every span set to `span`.
    ///
    /// For embedders that already hold a `serde_json::Value`; positions are then meaningless.
    #[must_use]
    pub fn from_json(value: &serde_json::Value, span: Span) -> Node {
        let v = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.to_string()),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => {
                Value::Array(a.iter().map(|v| Node::from_json(v, span)).collect())
            }
            serde_json::Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| Entry {
                        key: k.clone(),
                        key_span: span,
                        value: Node::from_json(v, span),
                    })
                    .collect(),
            ),
        };
        Node::new(v, span)
    }
}
