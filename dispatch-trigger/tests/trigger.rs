//! Integration tests for dispatch-trigger: SPEC §4 tables, the glob corpora, properties, adapters.

mod trigger {
    pub(crate) mod common;
    mod conditions;
    mod corpus;
    mod properties;
    mod webhooks;
}
