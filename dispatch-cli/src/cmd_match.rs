//! `dispatch match` (SPEC §4.8, §7): which actions an event fires, which tasks run, and why.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};
use dispatch_trigger::{
    Adapted, ContextVars, Event, MatchResult, PrDetails, compile_with_source_map, github, gitlab,
};
use dispatchfile_model::{Diagnostic, Limits, Pipeline, SourceMap};

use crate::common::{Input, Outcome, limits};

/// Arguments of `dispatch match`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["event", "github_event", "gitlab_event"])))]
pub(crate) struct MatchArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    source: EventSource,
    /// Print a readable table of every action and filter instead of JSON.
    #[arg(long)]
    explain: bool,
}

/// Where an event comes from: an event file or a provider webhook (shared by `match` and `render`).
#[derive(Debug, Args)]
pub(crate) struct EventSource {
    /// The event, as a JSON file (SPEC §4.3); `-` reads standard input.
    #[arg(long, value_name = "EVENT.json")]
    pub(crate) event: Option<PathBuf>,
    /// A GitHub webhook event name (`push`, `pull_request`, `issue_comment`, `release`); needs `--payload`.
    #[arg(long, value_name = "NAME", requires = "payload")]
    pub(crate) github_event: Option<String>,
    /// A GitLab `X-Gitlab-Event` name (`Push Hook`, `Service Hook`, …) or object kind; needs `--payload`.
    #[arg(
        long,
        value_name = "NAME",
        requires = "payload",
        conflicts_with = "github_event"
    )]
    pub(crate) gitlab_event: Option<String>,
    /// The webhook body, as delivered (JSON file; `-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub(crate) payload: Option<PathBuf>,
    /// Pull request details `{base, head, commit, changed?}` (needed for GitHub `issue_comment`).
    #[arg(long, value_name = "FILE")]
    pub(crate) pr_details: Option<PathBuf>,
}

impl EventSource {
    /// The event these arguments name, or `None` when none was given.
    pub(crate) fn event(&self) -> Result<Option<Event>, Outcome> {
        if self.event.is_none() && self.github_event.is_none() && self.gitlab_event.is_none() {
            return Ok(None);
        }
        event_of(
            self.event.as_deref(),
            self.github_event.as_deref(),
            self.gitlab_event.as_deref(),
            self.payload.as_deref(),
            self.pr_details.as_deref(),
        )
    }
}

/// Runs `dispatch match`.
pub(crate) fn run(args: &MatchArgs) -> Outcome {
    match run_inner(args) {
        Ok(()) => Outcome::Ok,
        Err(o) => o,
    }
}

fn run_inner(args: &MatchArgs) -> Result<(), Outcome> {
    if args.input.file == "-"
        && [
            &args.source.event,
            &args.source.payload,
            &args.source.pr_details,
        ]
        .iter()
        .any(|p| is_stdin(p.as_deref()))
    {
        return Err(Outcome::usage(
            "only one of FILE, --event, --payload and --pr-details can be standard input",
        ));
    }
    let limits = limits();
    let loaded = crate::cmd_render::load(&args.input, &limits)?;
    let event = args.source.event()?;
    let result = match &event {
        Some(event) => {
            let triggers = compile_with_source_map(&loaded.pipeline, &loaded.source_map, &limits)
                .map_err(|_| Outcome::Invalid)?;
            triggers.match_event(event)
        }
        None => MatchResult::empty(ContextVars::default()),
    };
    if args.explain {
        print!("{}", table(&result));
    } else {
        print!("{}", result.to_json());
    }
    Ok(())
}

fn is_stdin(p: Option<&Path>) -> bool {
    p.is_some_and(|p| p.as_os_str() == "-")
}

/// Reads a file named on the command line (`-`: standard input); failures are usage errors.
pub(crate) fn read_arg_file(path: &Path, what: &str) -> Result<String, Outcome> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Outcome::usage(format!("cannot read {what} from standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| Outcome::usage(format!("cannot read {what} {}: {e}", path.display())))
}

/// The event selected by `--event`, or adapted from `--github-event`/`--gitlab-event` and
/// `--payload` (SPEC §4.9); `None` when the webhook is ignored (the reason is printed on stderr).
/// `dispatch render` can share it.
fn event_of(
    event: Option<&Path>,
    github_event: Option<&str>,
    gitlab_event: Option<&str>,
    payload: Option<&Path>,
    pr_details: Option<&Path>,
) -> Result<Option<Event>, Outcome> {
    if let Some(path) = event {
        let text = read_arg_file(path, "event")?;
        return Event::from_json(&text)
            .map(Some)
            .map_err(|e| Outcome::usage(format!("{}: {e}", path.display())));
    }
    let Some(payload_path) = payload else {
        return Err(Outcome::usage(
            "--github-event and --gitlab-event need --payload FILE",
        ));
    };
    let body = read_arg_file(payload_path, "payload")?;
    let details = match pr_details {
        Some(path) => {
            let text = read_arg_file(path, "pull request details")?;
            let d: PrDetails = serde_json::from_str(&text).map_err(|e| {
                Outcome::usage(format!(
                    "invalid pull request details {}: {e}",
                    path.display()
                ))
            })?;
            Some(d)
        }
        None => None,
    };
    let (source, adapted) = if let Some(name) = github_event {
        (
            format!("GitHub {name:?} event"),
            github::to_event(name, &body, details.as_ref()),
        )
    } else if let Some(name) = gitlab_event {
        check_gitlab_header(name, &body)?;
        (
            format!("GitLab {name:?} event"),
            gitlab::to_event(&body, details.as_ref()),
        )
    } else {
        return Err(Outcome::usage(
            "give --event, --github-event or --gitlab-event",
        ));
    };
    match adapted {
        Ok(Adapted::Event(e)) => Ok(Some(e)),
        Ok(Adapted::Ignored(reason)) => {
            eprintln!("dispatch: ignoring the {source}: {reason}");
            Ok(None)
        }
        Err(e) => Err(Outcome::usage(format!("{}: {e}", payload_path.display()))),
    }
}

/// SPEC §4.9: `--gitlab-event` must agree with the payload's `object_kind`, unless it is a header
/// that carries every kind (`Service Hook`).
fn check_gitlab_header(name: &str, body: &str) -> Result<(), Outcome> {
    let Some(want) = gitlab::object_kind_of_header(name) else {
        return Ok(());
    };
    let kind = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("object_kind")
                .and_then(|k| k.as_str())
                .map(str::to_owned)
        });
    match kind {
        Some(k) if k != want => Err(Outcome::usage(format!(
            "--gitlab-event {name:?} does not match the payload's object_kind {k:?}"
        ))),
        // A payload without `object_kind` is reported by the adapter.
        _ => Ok(()),
    }
}

/// The `--explain` table: one row per filter of every action, then the tasks and the context.
fn table(r: &MatchResult) -> String {
    let mut rows: Vec<[String; 5]> =
        vec![["ACTION", "KIND", "FIRES", "FILTER", "DETAIL"].map(str::to_owned)];
    for e in &r.explain {
        let fires = if e.matched { "yes" } else { "no" }.to_owned();
        if e.checks.is_empty() {
            rows.push([
                format!("#{}", e.action),
                e.kind.to_owned(),
                fires,
                "-".to_owned(),
                "no filters".to_owned(),
            ]);
            continue;
        }
        for (i, c) in e.checks.iter().enumerate() {
            let (action, kind, f) = if i == 0 {
                (format!("#{}", e.action), e.kind.to_owned(), fires.clone())
            } else {
                Default::default()
            };
            let filter = format!("{} {}", if c.ok { "✓" } else { "✗" }, c.filter);
            rows.push([action, kind, f, filter, c.detail.clone()]);
        }
    }
    let widths: Vec<usize> = (0..4)
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    if r.explain.is_empty() {
        out.push_str("no actions evaluated\n");
    } else {
        for row in &rows {
            for (col, cell) in row.iter().enumerate() {
                if col < 4 {
                    let _ = write!(
                        out,
                        "{cell}{}  ",
                        " ".repeat(widths[col] - cell.chars().count())
                    );
                } else {
                    out.push_str(cell);
                }
            }
            out.push('\n');
        }
    }
    let actions: Vec<String> = r.actions.iter().map(|a| format!("#{a}")).collect();
    let _ = writeln!(
        out,
        "\nactions: {}",
        if actions.is_empty() {
            "none".to_owned()
        } else {
            actions.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "tasks:   {}",
        if r.tasks.is_empty() {
            "none".to_owned()
        } else {
            r.tasks.join(", ")
        }
    );
    out.push_str("context:\n");
    for (name, value) in r.context.entries() {
        let _ = writeln!(out, "  {name:<15} {value:?}");
    }
    out
}

/// The glob diagnostics of SPEC §2 R16 for `dispatch validate` (from `dispatch_trigger::compile`):
/// errors for malformed patterns and exceeded limits, warnings for patterns that never match.
pub(crate) fn pattern_diagnostics(
    pipeline: &Pipeline,
    source_map: &SourceMap,
    limits: &Limits,
) -> Vec<Diagnostic> {
    match compile_with_source_map(pipeline, source_map, limits) {
        Ok(triggers) => triggers.warnings().to_vec(),
        Err(diagnostics) => diagnostics,
    }
}
