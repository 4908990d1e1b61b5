//! `dispatch pac`: the Pipelines-as-Code PipelineRun of a Dispatchfile, for a repository's
//! `.tekton/` folder.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use dispatch_pac::{PacOptions, translate_with_source_map};
use dispatch_tekton::tekton::PodTemplate;
use dispatch_tekton::{GitClone, LowerOptions, Target};
use dispatchfile_model::{Code, Diagnostics};

use crate::cmd_match::{parse_json_arg, read_arg_file};
use crate::common::{Input, Outcome, limits, report_diagnostics};

/// Arguments of `dispatch pac`.
#[derive(Debug, Args)]
pub(crate) struct PacArgs {
    #[command(flatten)]
    input: Input,
    /// Write one file per PipelineRun into this directory (`<name>.yaml`) instead of printing
    /// the YAML stream.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The PipelineRun's name.
    #[arg(long, value_name = "NAME", default_value = "dispatch")]
    name: String,
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

#[derive(Clone, Copy, Debug, ValueEnum)]
enum GitCloneArg {
    Bundles,
    Git,
    Hub,
    Cluster,
    Name,
    Inline,
}

impl PacArgs {
    fn options(&self) -> Result<PacOptions, Outcome> {
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
        if !valid_name(&self.name) {
            return Err(Outcome::usage(format!(
                "invalid --name {:?}: a PipelineRun name is a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters, starting and ending with a letter or digit)",
                self.name
            )));
        }
        Ok(PacOptions {
            name: self.name.clone(),
            lower: o,
        })
    }
}

/// A Kubernetes object name (DNS-1123 subdomain).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

/// Runs `dispatch pac`.
pub(crate) fn run(args: &PacArgs) -> Outcome {
    match pac(args) {
        Ok(()) => Outcome::Ok,
        Err(o) => o,
    }
}

fn pac(args: &PacArgs) -> Result<(), Outcome> {
    let options = args.options()?;
    let limits = limits();
    let checked = args.input.check(&limits)?;
    let name = args.input.display_name();
    let sources = checked.source_map().sources().cloned();
    match translate_with_source_map(checked.pipeline(), checked.source_map(), &options) {
        Ok(pac) => {
            let diagnostics =
                Diagnostics::new(pac.diagnostics().to_vec()).with_sources_opt(sources);
            report_diagnostics(&diagnostics, &name);
            if pac.runs().is_empty() {
                crate::common::err_line(
                    "dispatch: no action can be expressed in Pipelines-as-Code; nothing to write",
                );
                return Ok(());
            }
            match &args.out {
                None => crate::common::out(&pac.to_yaml()),
                Some(dir) => {
                    if let Err(e) = std::fs::create_dir_all(dir) {
                        return Err(Outcome::usage(format!(
                            "cannot create {}: {e}",
                            dir.display()
                        )));
                    }
                    for run in pac.runs() {
                        let path = dir.join(format!("{}.yaml", run.name()));
                        if let Err(e) = std::fs::write(&path, run.yaml()) {
                            return Err(Outcome::usage(format!(
                                "cannot write {}: {e}",
                                path.display()
                            )));
                        }
                    }
                }
            }
            Ok(())
        }
        Err(problems) => {
            report_diagnostics(&problems, &name);
            Err(Outcome::Invalid)
        }
    }
}
