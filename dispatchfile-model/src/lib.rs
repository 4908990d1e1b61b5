#![doc = include_str!("../README.md")]

mod canonical;
mod code;
mod decode;
mod diagnostic;
mod document;
mod error;
pub mod graph;
mod limits;
pub mod names;
mod pipeline;
mod quantity;
mod schema;
mod span;
mod validate;

pub use canonical::{to_canonical_json, to_canonical_value};
pub use code::{Code, UnknownCode};
pub use decode::{DecodeOptions, Decoded, SourceMap, decode};
pub use diagnostic::{
    Diagnostic, Diagnostics, DiagnosticsBuilder, Omitted, Related, Severity, has_errors,
    sort_diagnostics,
};
pub use document::{Document, Entry, Node, Value};
pub use error::{Error, ErrorKind, Result};
pub use limits::Limits;
pub use pipeline::{
    Action, Condition, ConditionKind, CronCondition, GitCronConfig, ImagePushCondition, Layout,
    Pipeline, PullRequestCondition, PushCondition, ReleaseCondition, Resource, TagCondition, Task,
    TaskMetadata,
};
pub use schema::json_schema;
pub use span::{FileId, Files, Position, SourceFile, Span};
pub use validate::{format_go_duration, parse_go_duration, validate};

/// Re-export of the Kubernetes types used in the model, so embedders name the same versions.
pub use k8s_openapi;

// Compiled values are plain data: `Send + Sync`, checked at compile time.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Pipeline>();
    assert_send_sync::<Document>();
    assert_send_sync::<Diagnostic>();
    assert_send_sync::<Diagnostics>();
    assert_send_sync::<DiagnosticsBuilder>();
    assert_send_sync::<Error>();
    assert_send_sync::<Limits>();
};
