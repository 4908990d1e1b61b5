//! `dispatch match`: which actions an event fires, which tasks run, and why.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args};
use dispatch_trigger::{
    Adapted, ContextVars, Event, MatchResult, PrDetails, gitea, github, gitlab,
};
use dispatchfile_model::{Code, Diagnostic, Files};
use serde::de::DeserializeOwned;

use crate::common::{Input, Outcome, limits, print_diagnostics, read_text};

/// Arguments of `dispatch match`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["event", "github_event", "gitlab_event", "gitea_event"])))]
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
    /// The event, as a JSON file; `-` reads standard input.
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
    /// A Gitea or Forgejo `X-Gitea-Event` name (`push`, `pull_request`, `issue_comment`, `release`);
    /// needs `--payload`.
    #[arg(
        long,
        value_name = "NAME",
        requires = "payload",
        conflicts_with_all = ["github_event", "gitlab_event"]
    )]
    pub(crate) gitea_event: Option<String>,
    /// The webhook body, as delivered (JSON file; `-` reads standard input).
    #[arg(long, value_name = "FILE")]
    pub(crate) payload: Option<PathBuf>,
    /// Pull request details `{base, head, commit, changed?}` (needed for GitHub and Gitea `issue_comment`).
    #[arg(long, value_name = "FILE")]
    pub(crate) pr_details: Option<PathBuf>,
}

impl EventSource {
    /// The event these arguments name, or `None` when none was given.
    pub(crate) fn event(&self) -> Result<Option<Event>, Outcome> {
        if self.event.is_none()
            && self.github_event.is_none()
            && self.gitlab_event.is_none()
            && self.gitea_event.is_none()
        {
            return Ok(None);
        }
        event_of(
            self.event.as_deref(),
            self.github_event.as_deref(),
            self.gitlab_event.as_deref(),
            self.gitea_event.as_deref(),
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
    let checked = args.input.check(&limits)?;
    let event = args.source.event()?;
    let result = match &event {
        Some(event) => checked.triggers().match_event(event),
        None => MatchResult::empty(ContextVars::default()),
    };
    if args.explain {
        crate::common::out(&table(&result));
    } else {
        crate::common::out(&result.to_json());
    }
    Ok(())
}

fn is_stdin(p: Option<&Path>) -> bool {
    p.is_some_and(|p| p.as_os_str() == "-")
}

/// Prints one diagnostic about an input file given with an option (`--event`, `--payload`, …),
/// positioned in `text` when it has a line and column, and gives the invalid-input outcome.
fn invalid_input(path: &Path, text: &str, error: &dispatch_trigger::Error) -> Outcome {
    let mut files = Files::new();
    let name = display_arg(path);
    let file = files.add(name.clone(), text);
    print_diagnostics(&[error.to_diagnostic(&files, file)], &files, &name);
    Outcome::Invalid
}

/// The name of a file argument in messages (`<stdin>` for `-`).
fn display_arg(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_owned()
    } else {
        path.display().to_string()
    }
}

/// Reads JSON given with an option (`--pr-details`, `--pod-template`): a malformed file is
/// invalid input, reported at its line and column.
pub(crate) fn parse_json_arg<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    code: Code,
    what: &str,
) -> Result<T, Outcome> {
    serde_json::from_str(text).map_err(|e| {
        let mut files = Files::new();
        let name = display_arg(path);
        let file = files.add(name.clone(), text);
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message);
        let mut d = Diagnostic::error(code, format!("{what}{message}"));
        if e.line() > 0 {
            let offset = files.get(file).map_or(0, |f| {
                f.offset_of(e.line() as u32, e.column().max(1) as u32)
            });
            d = d.at(dispatchfile_model::Span::new(file, offset, offset));
        }
        print_diagnostics(&[d], &files, &name);
        Outcome::Invalid
    })
}

/// Reads a file named on the command line (`-`: standard input) as text, at most `limit`
/// bytes (the field `limit_name` of `Limits`): unreadable files are usage errors; a larger file,
/// or one that is not UTF-8, is invalid input reported with its position (`code` for UTF-8).
pub(crate) fn read_arg_file(
    path: &Path,
    what: &str,
    limit: usize,
    limit_name: &'static str,
    code: Code,
) -> Result<String, Outcome> {
    read_text(path, what, limit, limit_name, code)
}

/// The event selected by `--event`, or adapted from `--github-event`/`--gitlab-event` and
/// `--payload`; `None` when the webhook is ignored (the reason is printed on stderr).
/// `dispatch render` can share it.
fn event_of(
    event: Option<&Path>,
    github_event: Option<&str>,
    gitlab_event: Option<&str>,
    gitea_event: Option<&str>,
    payload: Option<&Path>,
    pr_details: Option<&Path>,
) -> Result<Option<Event>, Outcome> {
    let limits = limits();
    if let Some(path) = event {
        let text = read_arg_file(
            path,
            "event",
            limits.max_event_bytes,
            "max_event_bytes",
            Code::Event,
        )?;
        return Event::from_json_with_limits(&text, &limits)
            .map(Some)
            .map_err(|e| invalid_input(path, &text, &e));
    }
    let Some(payload_path) = payload else {
        return Err(Outcome::usage(
            "--github-event, --gitlab-event and --gitea-event need --payload FILE",
        ));
    };
    let body = read_arg_file(
        payload_path,
        "payload",
        limits.max_payload_bytes,
        "max_payload_bytes",
        Code::Payload,
    )?;
    let details = match pr_details {
        Some(path) => {
            // Details are an event's worth of data: the same bound.
            let text = read_arg_file(
                path,
                "pull request details",
                limits.max_event_bytes,
                "max_event_bytes",
                Code::Event,
            )?;
            let d: PrDetails =
                parse_json_arg(path, &text, Code::Event, "invalid pull request details: ")?;
            Some(d)
        }
        None => None,
    };
    let (source, adapted) = if let Some(name) = github_event {
        (
            format!("GitHub {name:?} event"),
            github::to_event_with_limits(name, &body, details.as_ref(), &limits),
        )
    } else if let Some(name) = gitlab_event {
        check_gitlab_header(name, &body)?;
        (
            format!("GitLab {name:?} event"),
            gitlab::to_event_with_limits(&body, details.as_ref(), &limits),
        )
    } else if let Some(name) = gitea_event {
        (
            format!("Gitea {name:?} event"),
            gitea::to_event_with_limits(name, &body, details.as_ref(), &limits),
        )
    } else {
        return Err(Outcome::usage(
            "give --event, --github-event, --gitlab-event or --gitea-event",
        ));
    };
    match adapted {
        Ok(Adapted::Event(e)) => Ok(Some(e)),
        Ok(Adapted::Ignored(reason)) => {
            crate::common::err_line(&format!("dispatch: ignoring the {source}: {reason}"));
            Ok(None)
        }
        // Missing details are a missing option, not a fault of the payload.
        Err(e) if e.code() == Code::MissingPrDetails => Err(Outcome::usage(format!(
            "{}: {e}; give them with --pr-details FILE",
            payload_path.display()
        ))),
        Err(e) => Err(invalid_input(payload_path, &body, &e)),
    }
}

/// `--gitlab-event` must agree with the payload's `object_kind`, unless it is a header
/// that carries every kind (`Service Hook`).
fn check_gitlab_header(name: &str, body: &str) -> Result<(), Outcome> {
    // Only `object_kind` is read: the rest of the payload is skipped, not built.
    #[derive(serde::Deserialize)]
    struct Kind {
        object_kind: Option<String>,
    }
    let Some(want) = gitlab::object_kind_of_header(name) else {
        return Ok(());
    };
    let kind = serde_json::from_str::<Kind>(body)
        .ok()
        .and_then(|k| k.object_kind);
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
