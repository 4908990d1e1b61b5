//! A test-side model of Tekton Pipelines-as-Code (v0.50, GitHub provider) and the acceptance
//! test of `dispatch pac`: for every corpus Dispatchfile and many events, PaC runs exactly the
//! tasks `dispatch match` selects.
//!
//! The model is written from PaC's Go sources, independently of the generator: events
//! (`event`), GitOps comments (`opscomments`), the annotation matcher (`matcher`), gobwas globs
//! (`glob`), Go RE2 on the regex crate (`re2`), the two CEL environments (`celenv`), placeholders
//! (`templates`), Tekton's `when` and skipping rules (`tekton`), all of it in `sim::simulate`.
#![allow(
    clippy::disallowed_methods,
    reason = "the corpus test reads $DISPATCH_SHARED"
)]
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "tests say when they skip and print corpus counts"
)]
#![allow(dead_code, reason = "a model: not every part is used by every test")]

mod celenv;
mod event;
mod glob;
mod matcher;
mod opscomments;
mod re2;
mod sim;
mod tekton;
mod templates;

mod tests {
    mod corpus;
    mod tables;
    mod unit;
}
