//! Starlark Dispatchfiles, through `dispatchfile-starlark` (the default `starlark` feature).

use dispatchfile_model::{FileId, Files, Limits, Omitted};

use crate::{Clock, Detected, FrontendResult, Generation, ParseOptions};

/// The embedder's clock, as the Starlark frontend's.
struct ClockOf<'a>(&'a dyn Clock);

impl dispatchfile_starlark::Clock for ClockOf<'_> {
    fn now(&self) -> std::time::Duration {
        self.0.now()
    }
}

/// Evaluates a Starlark Dispatchfile into a document.
pub(crate) fn evaluate(
    detected: &Detected,
    file: FileId,
    name: &str,
    options: &ParseOptions<'_>,
    limits: &Limits,
    files: &mut Files,
    omitted: &mut Omitted,
) -> FrontendResult {
    let clock = options.clock.map(ClockOf);
    let mut o = dispatchfile_starlark::Options::default();
    o.loader = options.loader;
    o.printer = options.printer;
    o.clock = clock
        .as_ref()
        .map(|c| c as &dyn dispatchfile_starlark::Clock);
    o.generation = match detected.generation {
        Generation::Legacy => dispatchfile_starlark::Generation::Legacy,
        Generation::Modern => dispatchfile_starlark::Generation::Modern,
    };
    dispatchfile_starlark::evaluate(&detected.body, file, name, &o, limits, files, omitted)
}
