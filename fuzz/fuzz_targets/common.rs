//! Shared checks for the format fuzz targets.

use dispatchfile_model::{Limits, to_canonical_json};
use dispatchfile_parse::{Format, ParseOptions, evaluate};

/// Small limits, so runaway inputs become `limit-exceeded` quickly.
pub fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_source_bytes = 64 << 10;
    l.max_depth = 48;
    l.max_document_nodes = 20_000;
    l.yaml_max_alias_nodes = 2_000;
    l.starlark_max_statements = 200_000;
    l.starlark_max_heap_bytes = 32 << 20;
    l.cue_max_steps = 200_000;
    l.cue_max_disjuncts = 64;
    l
}

/// Evaluates `data` in `format` and checks the properties every frontend promises: spans stay
/// inside their files, a pipeline comes back exactly when no error was reported, and canonical
/// output is deterministic and decodes back to the same pipeline.
pub fn check(data: &[u8], format: Format) {
    let mut options = ParseOptions::default();
    options.format = Some(format);
    let limits = limits();
    let e = evaluate(data, "fuzz", &options, &limits);
    let diagnostics = e.diagnostics();
    for d in &diagnostics {
        if let Some(span) = d.span {
            let file = e
                .parsed
                .files
                .get(span.file)
                .expect("a span names a known file");
            assert!(
                span.start <= span.end && span.end as usize <= file.text().len().max(1) + 1,
                "span {span:?} outside {}",
                file.name()
            );
        }
    }
    let has_error = diagnostics.iter().any(|d| d.is_error());
    assert_eq!(
        e.decoded.pipeline.is_some(),
        !has_error,
        "a pipeline comes back exactly when no error was reported"
    );
    if let Some(p) = &e.decoded.pipeline {
        let text = to_canonical_json(p);
        assert_eq!(
            text,
            to_canonical_json(p),
            "canonical output is deterministic"
        );
        let mut json_options = ParseOptions::default();
        json_options.format = Some(Format::Json);
        let again = evaluate(
            text.as_bytes(),
            "canonical",
            &json_options,
            &Limits::default(),
        );
        let back = again.decoded.pipeline.expect("canonical output decodes");
        assert_eq!(
            to_canonical_json(&back),
            text,
            "canonical output is a fixed point"
        );
    }
}
