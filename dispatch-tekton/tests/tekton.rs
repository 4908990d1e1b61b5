//! Integration tests for dispatch-tekton: the worked example of SPEC §5.5, snapshots of every
//! resource kind and option, lowering errors, the corpus, all checked against the Tekton schemas
//! and the structural rules of SPEC §5.6.
#![allow(
    clippy::disallowed_methods,
    reason = "the corpus and schema tests read $DISPATCH_SHARED"
)]
#![allow(
    clippy::print_stdout,
    reason = "tests say when they skip and print corpus counts"
)]

mod tekton {
    mod cases;
    pub(crate) mod common;
    mod corpus;
    mod errors;
    mod props;
    mod worked;
}
