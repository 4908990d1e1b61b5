//! Shared inputs and peer adapters for the dispatchfile benchmarks.
