//! A pure-Rust CUE evaluator for Dispatchfiles (SPEC §3.4). Work in progress.
