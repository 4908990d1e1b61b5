//! Resource limits shared by every entry point.

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
    /// Why this limit exists: node counts alone do not bound a document's size, because one
    /// long string can be repeated by YAML aliases, CUE references or a shared Starlark value
    /// (a 1 MiB source expands to gigabytes). 16 times the largest source leaves room for any
    /// real pipeline while keeping every later copy (model, output) small.
    pub max_document_bytes: usize,
    /// Largest decoded pipeline, in bytes of memory as decoding estimates it: each step and
    /// volume its Kubernetes type's size, plus 512 bytes for each object and 32 for each other
    /// value written inside it; each task, resource and action its size. Default 128 MiB.
    ///
    /// Why this limit exists: the model keeps steps and volumes as Kubernetes types, which are
    /// large in memory (an empty step is 2 KiB, an empty volume 3 KiB), so a document within
    /// `max_document_nodes` (a two-line Starlark file repeating an empty step 990,000 times)
    /// took gigabytes and aborted the process. Evaluating, lowering and writing a pipeline take
    /// about five times its estimate at their peak, so 128 MiB keeps the whole of `dispatch
    /// render` under 1 GiB; it admits 50,000 tasks of one small step.
    pub max_model_bytes: usize,
    /// Most nodes created by YAML alias expansion. Default 100,000.
    pub yaml_max_alias_nodes: usize,
    /// Deepest Starlark call stack. Default 128.
    pub starlark_max_call_depth: usize,
    /// Most Starlark steps: function calls and loop iterations, plus the work of big-int
    /// products and decimal conversions, over all modules and `test_*`. Default 10,000,000.
    pub starlark_max_statements: u64,
    /// Largest Starlark heap, in bytes. Default 256 MiB.
    pub starlark_max_heap_bytes: usize,
    /// Most text handed to the embedder's printer by Starlark `print()`, in bytes (each call's
    /// text plus one for its line end); past it, one notice says the rest was dropped. Default
    /// 1 MiB.
    pub starlark_max_print_bytes: usize,
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
    /// Largest event file (the JSON form of `dispatch_trigger::Event`), in bytes. Default 1 MiB.
    ///
    /// Why 1 MiB: an event carries a few names and the changed paths, and its largest part is the
    /// changed-file list. GitHub lists at most 3,000 files for a pull request; 3,000 paths of
    /// 100 bytes are 300 KB, so 1 MiB leaves three times that while keeping a hostile event file
    /// (or standard input) from costing more than a few megabytes.
    pub max_event_bytes: usize,
    /// Largest webhook payload given to an adapter, in bytes. Default 25 MiB.
    ///
    /// Why 25 MiB: GitHub caps webhook payloads at 25 MB and does not deliver larger ones, and
    /// GitLab's are smaller in practice, so no real delivery is refused. The adapters keep only
    /// the fields they read, so accepting one costs a small multiple of its size.
    pub max_payload_bytes: usize,
    /// Most diagnostics of one code kept and printed. Default 100.
    ///
    /// Why: a mistake repeated in bulk (260,000 steps without a name) would otherwise produce a
    /// diagnostic each, hundreds of megabytes of output and as much memory to build it. Past
    /// the cap, diagnostics are counted, not built: the result is still an error when an error
    /// was left out, and the output ends with how many were not shown. A hundred of one kind is
    /// more than anyone reads before fixing the cause.
    pub max_diagnostics_per_code: usize,
    /// Most diagnostics kept and printed in all. Default 1,000.
    ///
    /// Why: with [`Limits::max_diagnostics_per_code`], the output of one run stays under about
    /// a megabyte whatever the input, and the memory for diagnostics is bounded. The first error
    /// is kept whatever the caps, so an error result always shows at least one error.
    pub max_diagnostics: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_source_bytes: 1 << 20,
            max_depth: 128,
            max_document_nodes: 1_000_000,
            max_document_bytes: 16 << 20,
            max_model_bytes: 128 << 20,
            yaml_max_alias_nodes: 100_000,
            starlark_max_call_depth: 128,
            starlark_max_statements: 10_000_000,
            starlark_max_heap_bytes: 256 << 20,
            starlark_max_print_bytes: 1 << 20,
            max_modules: 64,
            cue_max_steps: 10_000_000,
            cue_max_disjuncts: 1_024,
            eval_timeout: None,
            max_patterns_per_list: 256,
            max_pattern_len: 1_024,
            max_event_bytes: 1 << 20,
            max_payload_bytes: 25 << 20,
            max_diagnostics_per_code: 100,
            max_diagnostics: 1_000,
        }
    }
}
