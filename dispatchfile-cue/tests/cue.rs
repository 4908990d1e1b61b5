//! Integration tests for dispatchfile-cue.
