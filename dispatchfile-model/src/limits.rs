//! Resource limits shared by every entry point (SPEC §6).

use std::time::Duration;

/// Every bound that keeps hostile input from running away, in one value.
///
/// Each entry point of the family takes `&Limits`. Going over a limit is an error of kind
/// [`crate::ErrorKind::LimitExceeded`] (code `limit-exceeded`) that names the field and its value,
/// for example `limit exceeded: max_depth (128)`.
///
/// ```
/// let mut limits = dispatchfile_model::Limits::default();
/// limits.max_depth = 64;
/// assert_eq!(limits.max_source_bytes, 1 << 20);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest Dispatchfile or loaded module, in bytes. Default 1 MiB.
    pub max_source_bytes: usize,
    /// Deepest nesting in every parser, evaluator, decoder and glob brace. Default 128.
    pub max_depth: usize,
    /// Most nodes in one evaluated document. Default 1,000,000.
    pub max_document_nodes: usize,
    /// Most bytes of text (keys, strings and number literals) in one evaluated document, and,
    /// in CUE, of text made by string operations while evaluating it. Default 16 MiB.
    ///
    /// Not in SPEC §6's table: node counts alone do not bound a document's size, because one
    /// long string can be repeated by YAML aliases, CUE references or a shared Starlark value
    /// (a 1 MiB source expands to gigabytes). 16 times the largest source leaves room for any
    /// real pipeline while keeping every later copy (model, output) small.
    pub max_document_bytes: usize,
    /// Most nodes created by YAML alias expansion. Default 100,000.
    pub yaml_max_alias_nodes: usize,
    /// Deepest Starlark call stack. Default 128.
    pub starlark_max_call_depth: usize,
    /// Most executed Starlark statements (all modules and `test_*`). Default 10,000,000.
    pub starlark_max_statements: u64,
    /// Largest Starlark heap, in bytes. Default 256 MiB.
    pub starlark_max_heap_bytes: usize,
    /// Most distinct modules loaded. Default 64.
    pub max_modules: usize,
    /// Most CUE evaluation steps (unifications, comprehension iterations). Default 10,000,000.
    pub cue_max_steps: u64,
    /// Most live disjuncts in one CUE disjunction. Default 1,024.
    pub cue_max_disjuncts: usize,
    /// Wall-clock budget for Starlark and CUE, enforced only with an injected clock. Default none.
    pub eval_timeout: Option<Duration>,
    /// Most patterns in one glob list. Default 256.
    pub max_patterns_per_list: usize,
    /// Longest glob pattern, in bytes. Default 1,024.
    pub max_pattern_len: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_source_bytes: 1 << 20,
            max_depth: 128,
            max_document_nodes: 1_000_000,
            max_document_bytes: 16 << 20,
            yaml_max_alias_nodes: 100_000,
            starlark_max_call_depth: 128,
            starlark_max_statements: 10_000_000,
            starlark_max_heap_bytes: 256 << 20,
            max_modules: 64,
            cue_max_steps: 10_000_000,
            cue_max_disjuncts: 1_024,
            eval_timeout: None,
            max_patterns_per_list: 256,
            max_pattern_len: 1_024,
        }
    }
}
