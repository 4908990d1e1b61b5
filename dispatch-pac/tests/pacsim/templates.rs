//! `{{ … }}` placeholders (`pkg/templates/templating.go`, `pkg/customparams/standard.go`,
//! `pkg/cel/cel.go`), applied to the raw text of the PipelineRuns.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use cel::Value as Cel;
use cel::objects::Key;
use regex::Regex;
use serde_json::Value;

use crate::celenv::{self, Outcome, Which};
use crate::event::{ORG, PacEvent, REPO, REPO_URL};
use crate::opscomments;

/// The namespace of the model's Repository.
pub(crate) const NAMESPACE: &str = "ci";

/// `formatting.SanitizeBranch`.
pub(crate) fn sanitize_branch(s: &str) -> String {
    if let Some(r) = s.strip_prefix("refs/heads/") {
        return r.to_owned();
    }
    if let Some(r) = s.strip_prefix("refs-heads-") {
        return r.to_owned();
    }
    s.to_owned()
}

/// The standard parameters of an event (`makeStandardParamsFromEvent` + `pull_request_number`).
pub(crate) fn standard_params(e: &PacEvent) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let git_tag = e
        .base_branch
        .strip_prefix("refs/tags/")
        .unwrap_or("")
        .to_owned();
    let event_type = if e.event_type == "on-comment" {
        e.event_type.clone()
    } else if opscomments::is_any_ops(&e.event_type) {
        "pull_request".to_owned()
    } else {
        e.event_type.clone()
    };
    let comment = e
        .trigger_comment
        .replace("\r\n", "\\n")
        .replace('\n', "\\n");
    for (k, v) in [
        ("revision", e.sha.clone()),
        ("repo_url", REPO_URL.to_owned()),
        ("repo_owner", ORG.to_lowercase()),
        ("repo_name", REPO.to_lowercase()),
        ("target_branch", sanitize_branch(&e.base_branch)),
        ("source_branch", sanitize_branch(&e.head_branch)),
        ("git_tag", git_tag),
        ("source_url", REPO_URL.to_owned()),
        ("sender", e.sender.to_lowercase()),
        ("target_namespace", NAMESPACE.to_owned()),
        ("event_type", event_type),
        ("trigger_comment", comment),
        ("pull_request_labels", e.labels.join("\\n")),
    ] {
        m.insert(k.to_owned(), v);
    }
    if e.pull_request_number != 0 {
        m.insert(
            "pull_request_number".to_owned(),
            e.pull_request_number.to_string(),
        );
    }
    m
}

/// What a substitution pass sees.
pub(crate) struct Scope<'a> {
    /// The parameter map (`dico`).
    pub(crate) dico: &'a BTreeMap<String, String>,
    /// The webhook body; `None` = Go's nil `rawEvent`.
    pub(crate) body: Option<&'a Value>,
    /// Headers; `None` = nil.
    pub(crate) headers: Option<&'a BTreeMap<String, String>>,
    /// Changed files; `None` = the empty map of the second pass.
    pub(crate) files: Option<&'a [String]>,
}

fn params_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{([^}]{2,})\}\}").expect("compiles"))
}

fn str_map(m: &BTreeMap<String, String>) -> Cel {
    let h: HashMap<Key, Cel> = m
        .iter()
        .map(|(k, v)| (Key::from(k.clone()), Cel::String(Arc::new(v.clone()))))
        .collect();
    Cel::from(h)
}

/// A CEL value as JSON (the list and map outputs).
pub(crate) fn cel_to_json(v: &Cel) -> Option<Value> {
    Some(match v {
        Cel::Null => Value::Null,
        Cel::Bool(b) => Value::Bool(*b),
        Cel::Int(i) => Value::from(*i),
        Cel::UInt(u) => Value::from(*u),
        Cel::Float(f) => Value::from(*f),
        Cel::String(s) => Value::String(s.to_string()),
        Cel::List(l) => Value::Array(l.iter().map(cel_to_json).collect::<Option<Vec<_>>>()?),
        Cel::Map(m) => {
            let mut o = serde_json::Map::new();
            let mut entries: Vec<_> = m.map.iter().collect();
            entries.sort_by_key(|(k, _)| k.to_string());
            for (k, v) in entries {
                o.insert(k.to_string(), cel_to_json(v)?);
            }
            Value::Object(o)
        }
        _ => return None,
    })
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

/// The text a `{{ cel: … }}` result is inserted as.
pub(crate) fn render(v: &Cel) -> String {
    match v {
        Cel::String(s) => s.to_string(),
        Cel::Bool(b) => b.to_string(),
        Cel::Int(i) => i.to_string(),
        Cel::Float(f) => number_text(*f),
        Cel::List(_) | Cel::Map(_) => cel_to_json(v)
            .map(|j| serde_json::to_string(&j).unwrap_or_default())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// `cel.Value`: evaluates `expr` in the placeholder environment.
pub(crate) fn placeholder_value(
    expr: &str,
    scope: &Scope<'_>,
    pac: &BTreeMap<String, String>,
) -> Result<Cel, String> {
    let checked = celenv::compile(Which::Placeholder, expr)?;
    let empty = Value::Object(serde_json::Map::new());
    let body = match scope.body {
        Some(b) if b.is_object() => b,
        _ => &empty,
    };
    let headers: BTreeMap<String, String> = scope.headers.cloned().unwrap_or_default();
    let files = match scope.files {
        Some(f) => {
            let l = celenv::string_list(f);
            let none = celenv::string_list(&[]);
            let h: HashMap<Key, Cel> = [
                ("all", l.clone()),
                ("added", none.clone()),
                ("deleted", none.clone()),
                ("modified", l),
                ("renamed", none),
            ]
            .into_iter()
            .map(|(k, v)| (Key::from(k.to_owned()), v))
            .collect();
            Cel::from(h)
        }
        None => Cel::from(HashMap::<Key, Cel>::new()),
    };
    let get = |k: &str| Cel::String(Arc::new(pac.get(k).cloned().unwrap_or_default()));
    let mut vars = vec![
        ("body", celenv::json_to_cel(body)),
        ("pac", str_map(pac)),
        ("headers", str_map(&headers)),
        ("files", files),
    ];
    for k in &celenv::PLACEHOLDER_VARS[4..] {
        vars.push((k, get(k)));
    }
    match celenv::run(&checked, Which::Placeholder, vars, &[]) {
        Outcome::Value(v) => Ok(v),
        Outcome::Error(e) | Outcome::Panic(e) => Err(e),
    }
}

/// `ReplacePlaceHoldersVariables`.
pub(crate) fn substitute(template: &str, scope: &Scope<'_>) -> String {
    params_re()
        .replace_all(template, |caps: &regex::Captures<'_>| {
            let whole = caps.get(0).map_or("", |m| m.as_str());
            let key = caps.get(1).map_or("", |m| m.as_str()).trim();
            let is_cel = key.starts_with("cel:");
            if key.starts_with("body")
                || key.starts_with("headers")
                || key.starts_with("files")
                || is_cel
            {
                let (can, expr) = if is_cel {
                    (true, key["cel:".len()..].trim())
                } else if key.starts_with("body") {
                    (scope.body.is_some(), key)
                } else if key.starts_with("headers") {
                    (scope.headers.is_some(), key)
                } else {
                    (true, key)
                };
                if !can {
                    return whole.to_owned();
                }
                let empty = BTreeMap::new();
                let pac = if is_cel { scope.dico } else { &empty };
                return match placeholder_value(expr, scope, pac) {
                    Ok(v) => render(&v),
                    Err(_) if is_cel => String::new(),
                    Err(_) => whole.to_owned(),
                };
            }
            match scope.dico.get(key) {
                Some(v) => v.clone(),
                None => whole.to_owned(),
            }
        })
        .into_owned()
}
