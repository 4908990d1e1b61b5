//! Conformance over the shared corpus: every JSON and YAML Dispatchfile evaluates to canonical
//! JSON or is rejected with a positioned error, and nothing panics.

use dispatchfile_model::{Limits, to_canonical_json};
use dispatchfile_parse::{ParseOptions, evaluate};

use super::shared;

#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "the test reads the shared corpus"
)]
fn json_and_yaml_dispatchfiles_evaluate_or_fail_with_positions() {
    let Some(shared) = shared("the JSON and YAML corpus") else {
        return;
    };
    let dir = shared.join("corpus/dispatchfiles");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    let (mut ok, mut rejected, mut problems) = (0, 0, Vec::new());
    for path in entries {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "json" && ext != "yaml" {
            continue;
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let bytes = std::fs::read(&path).expect("readable");
        // A JSON file without a selector line is read as CUE by default; read it as JSON here.
        let mut options = ParseOptions::default();
        if !bytes.starts_with(b"#!") {
            options.format = Some(if ext == "json" {
                dispatchfile_parse::Format::Json
            } else {
                dispatchfile_parse::Format::Yaml
            });
        }
        let e = evaluate(&bytes, &name, &options, &Limits::default());
        let errors: Vec<_> = e
            .diagnostics()
            .into_iter()
            .filter(dispatchfile_model::Diagnostic::is_error)
            .collect();
        if let Some(p) = &e.decoded.pipeline {
            ok += 1;
            let text = to_canonical_json(p);
            println!("ok       {name}");
            if text != to_canonical_json(p) {
                problems.push(format!("{name}: canonical output is not deterministic"));
            }
        } else {
            rejected += 1;
            let first = errors
                .first()
                .map(|d| d.render(&e.parsed.files, &name))
                .unwrap_or_default();
            println!("rejected {name}: {first}");
            if errors.is_empty() || errors.iter().any(|d| d.span.is_none()) {
                problems.push(format!(
                    "{name}: rejected without a positioned error: {first}"
                ));
            }
        }
    }
    println!("{ok} evaluated, {rejected} rejected");
    assert!(
        ok >= 15,
        "most JSON and YAML corpus files are valid ({ok} evaluated)"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}
