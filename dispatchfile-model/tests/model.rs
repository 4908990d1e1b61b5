//! Integration tests for dispatchfile-model: validation rules, canonical JSON, the JSON Schema.

mod model {
    mod canonical;
    mod hardening;
    mod schema;
    mod validation;

    use dispatchfile_model::{DecodeOptions, Decoded, Document, Limits, Node, Span, decode};

    /// Decodes a JSON value as a Dispatchfile document (spans are all zero).
    pub(crate) fn decode_json(value: &serde_json::Value) -> Decoded {
        let doc = Document {
            root: Node::from_json(value, Span::default()),
        };
        decode(&doc, &DecodeOptions::default(), &Limits::default())
    }
}
