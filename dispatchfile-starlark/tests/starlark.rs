//! Integration tests for dispatchfile-starlark: the frontend called directly, without
//! dispatchfile-parse.

mod starlark {
    mod compare;
    mod nesting;
    mod reserved;

    use dispatchfile_model::{Diagnostic, Files, Limits, Omitted};
    use dispatchfile_starlark::{Options, evaluate};

    /// The result of evaluating `body` (a Dispatchfile without its selector line) named
    /// `Dispatchfile`: `Ok(warnings)` or the first error rendered `FILE:LINE:COL: …`.
    pub(crate) fn run(body: &str, limits: &Limits) -> Result<Vec<Diagnostic>, String> {
        let mut files = Files::new();
        let file = files.add("Dispatchfile", body);
        let mut omitted = Omitted::default();
        let result = evaluate(
            body,
            file,
            "Dispatchfile",
            &Options::default(),
            limits,
            &mut files,
            &mut omitted,
        );
        match result {
            Ok((_, warnings)) => Ok(warnings),
            Err(errors) => Err(errors
                .iter()
                .find(|d| d.is_error())
                .map(|d| d.render(&files, "Dispatchfile"))
                .unwrap_or_default()),
        }
    }
}
