//! Without the `starlark` feature, a Starlark Dispatchfile gets one `unsupported` error.

use super::{eval, rendered};

#[test]
fn a_starlark_dispatchfile_is_unsupported() {
    for src in [
        "#!starlark\nx = 1\n",
        "#!mesosphere/dispatch-starlark:v0.9\nx = 1\n",
    ] {
        let e = eval(src);
        assert!(e.parsed.document.is_none(), "{src}");
        assert_eq!(
            rendered(&e),
            "Dispatchfile:1:1: error[unsupported]: Starlark Dispatchfiles are not supported by this build: dispatchfile-parse was built without its \"starlark\" feature\n"
        );
    }
}
