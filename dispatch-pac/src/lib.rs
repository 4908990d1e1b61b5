//! Moving a Dispatchfile to Tekton Pipelines-as-Code (being written: the interface is fixed, the
//! body is a stub).

use dispatchfile_model::{Diagnostic, Diagnostics, Pipeline};

/// How to translate.
#[derive(Clone, Debug)]
pub struct PacOptions {
    /// The PipelineRun's name. Default `dispatch`.
    pub name: String,
    /// The lowering options (those of `dispatch render`).
    pub lower: dispatch_tekton::LowerOptions,
}

impl Default for PacOptions {
    fn default() -> PacOptions {
        PacOptions {
            name: "dispatch".to_owned(),
            lower: dispatch_tekton::LowerOptions::default(),
        }
    }
}

/// The translation of one Dispatchfile.
#[derive(Clone, Debug, Default)]
pub struct Pac {
    yaml: String,
    diagnostics: Vec<Diagnostic>,
    inexpressible: Vec<usize>,
}

impl Pac {
    /// The `.tekton/` PipelineRun documents as one YAML stream.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        self.yaml.clone()
    }

    /// Diagnostics (`pac-inexpressible`, …).
    #[must_use]
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Indices of the actions left out.
    #[must_use]
    pub fn inexpressible_actions(&self) -> &[usize] {
        &self.inexpressible
    }
}

/// Translates a validated pipeline.
///
/// # Errors
///
/// The pipeline's validation or lowering diagnostics.
pub fn translate(pipeline: &Pipeline, options: &PacOptions) -> Result<Pac, Diagnostics> {
    let _ = (pipeline, options);
    Ok(Pac::default())
}
