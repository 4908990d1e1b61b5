//! Integration tests for dispatch-trigger: behaviour tables, glob errors as diagnostics, adapters.
//! The glob dialect's own tests (tables, corpora, properties) are dispatch-glob's.

mod trigger {
    pub(crate) mod common;
    mod conditions;
    mod globs;
    mod hardening;
    mod webhooks;
}
