//! `dispatch render` (SPEC §5, §7): match an event (or take `--task` names), lower the build to
//! Tekton objects and print them as YAML or JSON.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use dispatch_tekton::tekton::PodTemplate;
use dispatch_tekton::{GitClone, LowerOptions, Selection, Target, lower};
use dispatch_trigger::compile_with_source_map;
use dispatchfile_model::{Files, Limits, Pipeline, SourceMap, sort_diagnostics};
use dispatchfile_parse::{Evaluated, evaluate};

use crate::cmd_match::read_arg_file;
use crate::common::{Input, Outcome, limits, print_diagnostics};

/// Arguments of `dispatch render`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("build").required(true).args(["event", "github_event", "gitlab_event", "task"])))]
pub(crate) struct RenderArgs {
    #[command(flatten)]
    input: Input,
    #[command(flatten)]
    source: crate::cmd_match::EventSource,
    /// Render these tasks (and what they need) without an event.
    #[arg(long, value_name = "TASK", num_args = 1..)]
    task: Vec<String>,
    /// The Tekton API version.
    #[arg(long, value_enum, default_value_t = TargetArg::V1)]
    target: TargetArg,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Yaml)]
    output: OutputFormat,
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

/// An evaluated Dispatchfile with where its elements were written.
pub(crate) struct Loaded {
    pub(crate) pipeline: Pipeline,
    pub(crate) source_map: SourceMap,
    pub(crate) files: Files,
}

/// Reads, evaluates and validates the Dispatchfile, including its glob patterns; prints every
/// diagnostic, and returns the pipeline unless there was an error.
pub(crate) fn load(input: &Input, limits: &Limits) -> Result<Loaded, Outcome> {
    let bytes = input.read()?;
    let loader = input.loader();
    let options = input.parse_options(&loader);
    let evaluated = evaluate(&bytes, &input.display_name(), &options, limits);
    let mut all = evaluated.diagnostics();
    let Evaluated { parsed, decoded } = evaluated;
    if let Some(p) = &decoded.pipeline {
        match compile_with_source_map(p, &decoded.source_map, limits) {
            Ok(triggers) => all.extend(triggers.warnings().iter().cloned()),
            Err(diags) => all.extend(diags),
        }
        sort_diagnostics(&mut all);
    }
    print_diagnostics(&all, &parsed.files, &input.display_name());
    match decoded.pipeline {
        Some(pipeline) if !dispatchfile_model::has_errors(&all) => Ok(Loaded {
            pipeline,
            source_map: decoded.source_map,
            files: parsed.files,
        }),
        _ => Err(Outcome::Invalid),
    }
}

impl RenderArgs {
    fn options(&self) -> Result<LowerOptions, Outcome> {
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
            let text = read_arg_file(path, "pod template")?;
            let template: PodTemplate = serde_json::from_str(&text).map_err(|e| {
                Outcome::usage(format!("invalid pod template {}: {e}", path.display()))
            })?;
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
    let options = args.options()?;
    let event = args.source.event()?;
    let limits = limits();
    let loaded = load(&args.input, &limits)?;
    let selection = if args.task.is_empty() {
        // An ignored webhook has been reported; there is nothing to render.
        let Some(event) = event else { return Ok(()) };
        let triggers = compile_with_source_map(&loaded.pipeline, &loaded.source_map, &limits)
            .map_err(|diags| {
                print_diagnostics(&diags, &loaded.files, &args.input.display_name());
                Outcome::Invalid
            })?;
        let matched = triggers.match_event(&event);
        if matched.actions.is_empty() {
            eprintln!(
                "dispatch: no action matches the {} event; nothing to render",
                event.kind()
            );
            return Ok(());
        }
        Selection::new(matched.actions, matched.tasks, matched.context)
    } else {
        Selection::manual(args.task.iter().cloned())
    }
    .with_source_map(&loaded.source_map);
    match lower(&loaded.pipeline, &selection, &options) {
        Ok(lowered) => {
            print_diagnostics(
                lowered.warnings(),
                &loaded.files,
                &args.input.display_name(),
            );
            match args.output {
                OutputFormat::Yaml => print!("{}", lowered.to_yaml()),
                OutputFormat::Json => print!("{}", lowered.to_json()),
            }
            Ok(())
        }
        Err(diags) => {
            print_diagnostics(&diags, &loaded.files, &args.input.display_name());
            Err(Outcome::Invalid)
        }
    }
}
