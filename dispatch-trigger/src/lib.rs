#![doc = include_str!("../README.md")]

mod chatops;
mod closure;
mod context;
mod error;
mod event;
mod glob;
mod triggers;
#[cfg(any(feature = "github", feature = "gitlab"))]
mod webhook;

#[cfg(feature = "github")]
pub mod github;
#[cfg(feature = "gitlab")]
pub mod gitlab;

pub use chatops::parse as parse_chatops;
pub use closure::{closure, closure_names};
pub use context::{ContextVars, substitute};
pub use error::{Error, ErrorKind, Result};
pub use event::{
    CronEvent, Event, ImagePushEvent, PullRequestAction, PullRequestCommentEvent, PullRequestEvent,
    PushEvent, ReleaseEvent, TagEvent,
};
pub use glob::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
pub use triggers::{Check, Explain, MatchResult, Triggers, compile, compile_with_source_map};
#[cfg(any(feature = "github", feature = "gitlab"))]
pub use webhook::{Adapted, PrDetails};

// Compiled values are plain data (STYLE §3).
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Event>();
    assert_send_sync::<ContextVars>();
    assert_send_sync::<Error>();
    assert_send_sync::<Glob>();
    assert_send_sync::<GlobMatcher>();
    assert_send_sync::<GlobSet>();
    assert_send_sync::<Triggers>();
    assert_send_sync::<MatchResult>();
};
