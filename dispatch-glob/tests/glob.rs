//! Integration tests for dispatch-glob: the glob corpora of other dialects and properties against a
//! reference translation to `regex`.

mod glob {
    mod common;
    mod corpus;
    mod properties;
}
