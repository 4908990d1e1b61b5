//! Fuzz the starlark frontend end to end: no panic, no hang, positioned errors, stable canonical output.
#![no_main]

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::check(
    data,
    dispatchfile_parse::Format::Starlark
));
