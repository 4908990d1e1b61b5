//! Integration tests for dispatchfile-model.
