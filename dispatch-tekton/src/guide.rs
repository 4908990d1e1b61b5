//! From a Dispatchfile to Tekton YAML: the whole path in one program.
//!
//! An embedder (a CI service, a webhook receiver) does four things with a Dispatchfile, and each
//! step returns a `Result` whose error is [`dispatchfile_model::Diagnostics`] (or an error that
//! converts to `Box<dyn Error>`), so `?` carries a problem from any step to the caller:
//!
//! 1. **Check the file**: `dispatchfile_parse::check` detects the format, evaluates CUE or
//!    Starlark, decodes the model, runs every validation rule and compiles the actions' glob
//!    patterns. On failure it returns every problem at once, with the source text attached.
//! 2. **Read the event**: [`dispatch_trigger::Event::from_json`] for the event JSON (or a webhook
//!    adapter, `dispatch_trigger::github::to_event` and friends).
//! 3. **Match**: [`dispatch_trigger::Triggers::match_event`] says which actions fire and which
//!    tasks run, with the context variables of the build. Matching never fails: an event that
//!    fires nothing gives empty sets.
//! 4. **Lower**: [`lower`](crate::lower) turns the selection into Tekton `Task`s, a `Pipeline`
//!    and a `PipelineRun`; [`Selection::from`](crate::Selection) takes the match result, and the
//!    checked file's source map lets lowering errors point into the Dispatchfile.
//!
//! ```
//! use dispatch_tekton::{LowerOptions, Selection, lower};
//! use dispatch_trigger::Event;
//! use dispatchfile_model::Limits;
//! use dispatchfile_parse::{ParseOptions, check};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let source = br#"#!yaml
//! resource:
//!   src-git:
//!     type: git
//!     param: {url: $(context.git.url), revision: $(context.git.commit)}
//! task:
//!   test:
//!     inputs: [src-git]
//!     steps:
//!       - {name: test, image: "golang:1.22", command: [go, test, ./...], workingDir: /workspace/src-git}
//! actions:
//!   - tasks: [test]
//!     on: {push: {branches: [main]}}
//! "#;
//! // 1. Every check `dispatch validate` makes; `Err` holds every problem, printable with `{}`.
//! let checked = check(source, "Dispatchfile", &ParseOptions::default(), &Limits::default())?;
//!
//! // 2. The event, as `dispatch match --event` reads it.
//! let event = Event::from_json(
//!     r#"{"kind": "push", "branch": "main", "commit": "0123abc", "url": "https://example.com/app.git"}"#,
//! )?;
//!
//! // 3. Which actions fire, which tasks run.
//! let matched = checked.triggers().match_event(&event);
//! assert_eq!(matched.actions, [0]);
//! assert_eq!(matched.tasks, ["test"]);
//!
//! // 4. The Tekton objects, as YAML.
//! let selection = Selection::from(&matched).with_source_map(checked.source_map());
//! let lowered = lower(checked.pipeline(), &selection, &LowerOptions::default())?;
//! let yaml = lowered.to_yaml();
//! assert!(yaml.contains("kind: PipelineRun\n"));
//! assert!(yaml.contains("image: golang:1.22\n"));
//! # Ok(())
//! # }
//! ```
//!
//! What a problem looks like: a malformed pattern is reported with its position and the line it
//! is on, in the same form `dispatch validate` prints.
//!
//! ```
//! use dispatchfile_model::{Code, Limits};
//! use dispatchfile_parse::{ParseOptions, check};
//!
//! let source = b"#!yaml\ntask:\n  test:\n    steps: [{name: t, image: alpine}]\nactions:\n  - tasks: [test]\n    on: {push: {branches: [\"release/[\"]}}\n";
//! let problems = check(source, "Dispatchfile", &ParseOptions::default(), &Limits::default())
//!     .expect_err("the branch pattern is malformed");
//! assert_eq!(problems[0].code, Code::InvalidPattern);
//! assert_eq!(
//!     problems.to_string(),
//!     "Dispatchfile:7:28: error[invalid-pattern]: action #0: branches[0]: invalid pattern \"release/[\": unclosed \"[\" at column 9\n  |\n7 |     on: {push: {branches: [\"release/[\"]}}\n  |                            ^^^^^^^^^^^"
//! );
//! ```
//!
//! The same path as a command: `dispatch render Dispatchfile --event event.json`.
