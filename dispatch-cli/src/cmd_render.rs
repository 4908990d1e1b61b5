//! `dispatch render`: match an event (or take `--task` names), lower the build to
//! Tekton objects and print them as YAML or JSON.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use dispatch_tekton::tekton::PodTemplate;
use dispatch_tekton::{GitClone, LowerOptions, Selection, Target, lower};
use dispatchfile_model::Code;

use crate::cmd_match::{parse_json_arg, read_arg_file};
use crate::common::Input;
use crate::common::{Outcome, limits, report_diagnostics};

/// Arguments of `dispatch render`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("build").required(true).args(["event", "github_event", "gitlab_event", "gitea_event", "task"])))]
pub(crate) struct RenderArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    source: crate::cmd_match::EventSource,
    /// Render these tasks (and what they need) without an event.
    #[arg(long, value_name = "TASK", num_args = 1..)]
    task: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Yaml)]
    output: OutputFormat,
    #[command(flatten)]
    lower: LowerArgs,
}

/// The lowering options of `dispatch render` and `dispatch pac`.
#[derive(Debug, Args)]
pub(crate) struct LowerArgs {
    /// The Tekton API version.
    #[arg(long, value_enum, default_value_t = TargetArg::V1)]
    target: TargetArg,
    /// How git resources are cloned: the git-clone task through a resolver, by name, or inline.
    #[arg(long, value_enum, default_value_t = GitCloneArg::Bundles)]
    git_clone: GitCloneArg,
    /// The service account of every TaskRun.
    #[arg(long, value_name = "NAME")]
    service_account: Option<String>,
    /// A JSON file with Tekton's pod template for every TaskRun.
    #[arg(long, value_name = "FILE")]
    pod_template: Option<PathBuf>,
    /// The PipelineRun timeout, a Go duration (`0` for none).
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pipeline_timeout: String,
    /// Leave steps without limits and requests as they are, instead of giving them defaults.
    #[arg(long)]
    no_default_resources: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TargetArg {
    V1,
    V1beta1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Yaml,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum GitCloneArg {
    Bundles,
    Git,
    Hub,
    Cluster,
    Name,
    Inline,
}

impl LowerArgs {
    /// The options, with the pod template file read and the timeout checked.
    pub(crate) fn options(&self) -> Result<LowerOptions, Outcome> {
        let mut o = LowerOptions::default();
        o.target = match self.target {
            TargetArg::V1 => Target::V1,
            TargetArg::V1beta1 => Target::V1Beta1,
        };
        let mode = match self.git_clone {
            GitCloneArg::Bundles => "bundles",
            GitCloneArg::Git => "git",
            GitCloneArg::Hub => "hub",
            GitCloneArg::Cluster => "cluster",
            GitCloneArg::Name => "name",
            GitCloneArg::Inline => "inline",
        };
        o.git_clone = mode
            .parse::<GitClone>()
            .map_err(|e| Outcome::usage(e.to_string()))?;
        o.service_account.clone_from(&self.service_account);
        if let Some(path) = &self.pod_template {
            let limits = limits();
            let text = read_arg_file(
                path,
                "pod template",
                limits.max_source_bytes,
                "max_source_bytes",
                Code::Parse,
            )?;
            let template: PodTemplate =
                parse_json_arg(path, &text, Code::Parse, "invalid pod template: ")?;
            o.pod_template = Some(template);
        }
        if let Err(why) = dispatchfile_model::parse_go_duration(&self.pipeline_timeout) {
            return Err(Outcome::usage(format!(
                "invalid --pipeline-timeout {:?}: {why}",
                self.pipeline_timeout
            )));
        }
        o.pipeline_timeout.clone_from(&self.pipeline_timeout);
        if self.no_default_resources {
            o.default_step_resources = None;
        }
        Ok(o)
    }
}

/// Runs `dispatch render`.
pub(crate) fn run(args: &RenderArgs) -> Outcome {
    match render(args) {
        Ok(()) => Outcome::Ok,
        Err(o) => o,
    }
}

fn render(args: &RenderArgs) -> Result<(), Outcome> {
    let options = args.lower.options()?;
    let event = args.source.event()?;
    let limits = limits();
    let checked = args.input.check(&limits)?;
    let selection = if args.task.is_empty() {
        // An ignored webhook has been reported; there is nothing to render.
        let Some(event) = event else { return Ok(()) };
        let matched = checked.triggers().match_event(&event);
        if matched.actions.is_empty() {
            crate::common::err_line(&format!(
                "dispatch: no action matches the {} event; nothing to render",
                event.kind()
            ));
            return Ok(());
        }
        Selection::from(&matched)
    } else {
        Selection::manual(args.task.iter().cloned())
    }
    .with_source_map(checked.source_map());
    match lower(checked.pipeline(), &selection, &options) {
        Ok(lowered) => {
            report_diagnostics(lowered.warnings(), &args.input.display_name());
            match args.output {
                OutputFormat::Yaml => crate::common::out(&lowered.to_yaml()),
                OutputFormat::Json => crate::common::out(&lowered.to_json()),
            }
            Ok(())
        }
        Err(problems) => {
            report_diagnostics(&problems, &args.input.display_name());
            Err(Outcome::Invalid)
        }
    }
}
