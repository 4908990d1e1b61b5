//! Integration tests for dispatch-tekton: the worked example (seed pipeline, push to `master`), snapshots of every
//! resource kind and option, lowering errors, the corpus, all checked against the Tekton schemas
//! and structural rules the schemas cannot express.
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
    mod shapes;
    mod worked;
}
