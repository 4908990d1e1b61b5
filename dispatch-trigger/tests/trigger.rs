//! Integration tests for dispatch-trigger.
