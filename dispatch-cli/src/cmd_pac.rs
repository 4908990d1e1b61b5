//! `dispatch pac`: the Pipelines-as-Code PipelineRun of a Dispatchfile, for a repository's
//! `.tekton/` folder.

use std::path::PathBuf;

use clap::Args;
use dispatch_pac::{PacOptions, translate_with_source_map};
use dispatchfile_model::Diagnostics;

use crate::cmd_render::LowerArgs;
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
    #[command(flatten)]
    lower: LowerArgs,
}

impl PacArgs {
    fn options(&self) -> Result<PacOptions, Outcome> {
        let o = self.lower.options()?;
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
