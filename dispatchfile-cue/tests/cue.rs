//! Integration tests for dispatchfile-cue: oracle-made feature cases, the Dispatchfile corpus,
//! the CUE upstream differential test, limits and the public API.
#![allow(
    clippy::disallowed_methods,
    reason = "tests read $DISPATCH_SHARED and the corpus files"
)]
#![allow(
    clippy::format_collect,
    reason = "hostile test inputs are built once per test"
)]

mod cue {
    mod api;
    mod cases;
    mod corpus;
    mod fidelity;
    mod hostile;
    mod limits;
    mod modernize;
    mod upstream;
    mod util;
}
