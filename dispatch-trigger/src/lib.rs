#![doc = include_str!("../README.md")]

mod chatops;
mod closure;
mod context;
mod error;
mod event;
mod triggers;
#[cfg(any(feature = "github", feature = "gitlab", feature = "gitea"))]
mod webhook;

#[cfg(feature = "gitea")]
pub mod gitea;
#[cfg(feature = "github")]
pub mod github;
// Gitea sends GitHub's payloads: its adapter is the GitHub one with Gitea's spellings.
#[cfg(all(feature = "gitea", not(feature = "github")))]
mod github;
#[cfg(feature = "gitlab")]
pub mod gitlab;

pub use chatops::parse as parse_chatops;
pub use closure::{closure, closure_names};
pub use context::{ContextVars, substitute};
pub use dispatch_glob::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
pub use error::{Error, ErrorKind, Result};
pub use event::{
    CronEvent, Event, ImagePushEvent, PullRequestAction, PullRequestCommentEvent, PullRequestEvent,
    PushEvent, ReleaseEvent, TagEvent,
};
pub use triggers::{Check, Explain, MatchResult, Triggers, compile, compile_with_source_map};
#[cfg(any(feature = "github", feature = "gitlab", feature = "gitea"))]
pub use webhook::{Adapted, PrDetails};

// Compiled values are plain data: `Send + Sync`, checked at compile time.
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
