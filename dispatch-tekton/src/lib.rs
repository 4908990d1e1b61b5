#![doc = include_str!("../README.md")]

mod emit;
mod fields;
pub mod guide;
mod lower;
mod names;
mod options;
pub mod tekton;

use dispatchfile_model::Diagnostics;

pub use lower::lower;
pub use options::{
    Error, GIT_CLONE_REPOSITORY, GIT_CLONE_VERSION, GitClone, LowerOptions, Selection, Target,
    WorkspaceVolume, default_step_resources,
};
pub use tekton::Object;

/// The Tekton objects of one build: Tasks (in PipelineTask order), the Pipeline, the PipelineRun.
///
/// Plain data: render it with [`Lowered::to_yaml`] or [`Lowered::to_json`], or take the typed
/// objects with [`Lowered::objects`].
#[derive(Clone, Debug, PartialEq)]
pub struct Lowered {
    objects: Vec<Object>,
    warnings: Diagnostics,
}

impl Lowered {
    /// The objects: every Task, then the Pipeline, then the PipelineRun.
    #[must_use]
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// The objects, by value.
    #[must_use]
    pub fn into_objects(self) -> Vec<Object> {
        self.objects
    }

    /// Warnings found while lowering (`git-output-not-republished`, `storage-not-persisted`, …),
    /// sorted by position then code.
    #[must_use]
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// A YAML multi-document stream, documents separated by `---`, always in the same style.
    #[must_use]
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        for (i, object) in self.objects.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            emit::write_yaml_document(&mut out, &emit::to_tree(object).unwrap_or(emit::Tree::Null));
        }
        out
    }

    /// A JSON array of the documents in the `serde_json::to_string_pretty` layout, with a trailing
    /// newline.
    #[must_use]
    pub fn to_json(&self) -> String {
        emit::to_json(&self.objects)
    }
}

// Lowered output is plain data: `Send + Sync`, checked at compile time.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Lowered>();
    assert_send_sync::<LowerOptions>();
    assert_send_sync::<Selection<'static>>();
};
