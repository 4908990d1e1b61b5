//! Integration tests for dispatchfile-parse.
