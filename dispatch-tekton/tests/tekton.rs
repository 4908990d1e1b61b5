//! Integration tests for dispatch-tekton.
