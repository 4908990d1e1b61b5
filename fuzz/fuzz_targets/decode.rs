//! Fuzz model decoding and validation of arbitrary JSON-shaped documents (built from any JSON
//! value serde_json accepts, so the structure, not the syntax, is explored).
#![no_main]

use dispatchfile_model::{DecodeOptions, Document, Limits, Node, Span, decode, to_canonical_json};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let doc = Document {
        root: Node::from_json(&value, Span::default()),
    };
    let mut limits = Limits::default();
    limits.max_depth = 48;
    for strict in [false, true] {
        let mut options = DecodeOptions::default();
        options.strict = strict;
        let decoded = decode(&doc, &options, &limits);
        let has_error = decoded.diagnostics.iter().any(|d| d.is_error());
        assert_eq!(
            decoded.pipeline.is_some(),
            !has_error,
            "pipeline iff no error"
        );
        if let Some(p) = decoded.pipeline {
            let text = to_canonical_json(&p);
            let back: serde_json::Value =
                serde_json::from_str(&text).expect("canonical output is JSON");
            let again = decode(
                &Document {
                    root: Node::from_json(&back, Span::default()),
                },
                &options,
                &limits,
            );
            assert_eq!(
                again.pipeline.as_ref().map(to_canonical_json).as_deref(),
                Some(text.as_str())
            );
        }
    }
});
