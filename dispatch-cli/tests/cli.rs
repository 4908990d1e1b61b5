//! Integration tests for dispatch-cli.
