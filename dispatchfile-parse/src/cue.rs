//! Glue to `dispatchfile-cue`: exported CUE values become a [`Document`].

use dispatchfile_cue::{CueError, ErrorKind, Exported, Options, Value as Cue};
use dispatchfile_model::{Code, Diagnostic, Document, Entry, FileId, Limits, Node, Span, Value};

use crate::{FrontendResult, ParseOptions};

/// Evaluates a CUE Dispatchfile body (selector line already blanked).
pub(crate) fn evaluate(
    text: &str,
    file: FileId,
    name: &str,
    parse_options: &ParseOptions<'_>,
    limits: &Limits,
) -> FrontendResult {
    let mut options = Options::default();
    options.timeout = limits.eval_timeout;
    options.clock = parse_options.clock;
    options.max_source_bytes = limits.max_source_bytes;
    options.max_depth = limits.max_depth;
    options.max_steps = limits.cue_max_steps;
    options.max_disjuncts = limits.cue_max_disjuncts;
    options.max_nodes = limits.max_document_nodes;
    options.max_bytes = limits.max_document_bytes;
    match dispatchfile_cue::evaluate(text, name, &options) {
        // Whatever CUE exports is the document, a scalar or a list too (`dispatch eval --raw`
        // prints it as `cue export` would); decoding then asks for a struct.
        Ok(exported) => Ok((
            Document {
                root: convert(&exported, file),
            },
            Vec::new(),
        )),
        Err(errors) => Err(errors.iter().map(|e| diagnostic(e, file)).collect()),
    }
}

fn span(s: dispatchfile_cue::Span, file: FileId) -> Span {
    // Both crates count bytes, so the offsets carry over unchanged.
    Span::new(file, s.start, s.end)
}

/// Converts without recursion on the native stack beyond the evaluator's own bounded depth.
fn convert(e: &Exported, file: FileId) -> Node {
    let value = match &e.value {
        Cue::Bool(b) => Value::Bool(*b),
        Cue::Number(n) => Value::Number(n.clone()),
        Cue::String(s) => Value::String(s.clone()),
        Cue::List(items) => Value::Array(items.iter().map(|i| convert(i, file)).collect()),
        Cue::Struct(fields) => Value::Object(
            fields
                .iter()
                .map(|f| Entry {
                    key: f.name.clone(),
                    key_span: span(f.name_span, file),
                    value: convert(&f.value, file),
                })
                .collect(),
        ),
        // `Null`, and any kind a later `Value` adds (it is non-exhaustive): decoding rejects it.
        _ => Value::Null,
    };
    Node::new(value, span(e.span, file))
}

fn diagnostic(e: &CueError, file: FileId) -> Diagnostic {
    let code = match e.kind() {
        ErrorKind::LimitExceeded => Code::LimitExceeded,
        ErrorKind::Syntax => Code::Parse,
        _ => Code::Cue,
    };
    let mut message = e.message().to_owned();
    // A limit error names the limit and its value (`limit exceeded: max_steps (10000000)`,
    // see docs/limits.md) at the position where evaluation was; a value path would only hide that.
    if e.kind() != ErrorKind::LimitExceeded
        && !e.path().is_empty()
        && !message.starts_with(e.path())
    {
        message = format!("{}: {message}", e.path());
    }
    let mut d = Diagnostic::error(code, message);
    let mut spans = e.spans().iter();
    if let Some(first) = spans.next() {
        d = d.at(span(*first, file));
    }
    for other in spans {
        d = d.with_related(span(*other, file), "also here");
    }
    d
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use dispatchfile_model::Limits;

    use crate::{Clock, ParseOptions, evaluate};

    /// Every reading is one second after the previous one, so no test waits.
    struct Ticking(AtomicU64);

    impl Clock for Ticking {
        fn now(&self) -> Duration {
            Duration::from_secs(self.0.fetch_add(1, Ordering::Relaxed))
        }
    }

    fn first_error(src: &str, options: &ParseOptions<'_>, limits: &Limits) -> String {
        let e = evaluate(src.as_bytes(), "Dispatchfile", options, limits);
        e.diagnostics()
            .iter()
            .find(|d| d.is_error())
            .map(|d| d.render(&e.parsed.files, "Dispatchfile"))
            .unwrap_or_default()
    }

    macro_rules! limit_cases {
        ($($name:ident: $src:expr, $tweak:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                let mut limits = Limits::default();
                let mut options = ParseOptions::default();
                $tweak(&mut limits, &mut options);
                let text = first_error(&$src, &options, &limits);
                assert_eq!(text, $want);
            }
        )*};
    }

    fn steps(n: u64) -> impl Fn(&mut Limits, &mut ParseOptions<'_>) {
        move |l: &mut Limits, _: &mut ParseOptions<'_>| l.cue_max_steps = n
    }

    fn timeout(l: &mut Limits, o: &mut ParseOptions<'_>) {
        static CLOCK: Ticking = Ticking(AtomicU64::new(0));
        l.eval_timeout = Some(Duration::from_secs(3));
        o.clock = Some(&CLOCK);
    }

    fn defaults(_: &mut Limits, _: &mut ParseOptions<'_>) {}

    limit_cases! {
        steps_run_out_in_a_comprehension:
            "#!cue\nimport \"list\"\nx: [for i in list.Range(0, 100000, 1) {i * 2}]\n", steps(5_000)
            => "Dispatchfile:3:14: error[limit-exceeded]: limit exceeded: max_steps (5000)";
        steps_run_out_in_a_nested_field:
            "#!cue\ntask: {\n  x: [for i, _ in [".to_owned() + &"0, ".repeat(10_000) + "] {i}]\n}\n", steps(5_000)
            => "Dispatchfile:3:6: error[limit-exceeded]: limit exceeded: max_steps (5000)";
        time_runs_out_at_a_builtin_call:
            "#!cue\nimport \"strings\"\nimport \"list\"\n_s: \"x\" * 200000\nx: [for i in list.Range(0, 100, 1) {strings.ToUpper(_s)}]\n", timeout
            => "Dispatchfile:5:37: error[limit-exceeded]: limit exceeded: eval_timeout (3s)";
        nesting_runs_out_in_parentheses:
            "#!cue\nx: ".to_owned() + &"(".repeat(200) + "1\n", defaults
            => "Dispatchfile:2:133: error[limit-exceeded]: limit exceeded: max_depth (128)";
        nesting_runs_out_in_a_chain_of_sums:
            "#!cue\n".to_owned() + &(0..1000).map(|i| format!("a{i}: 1 + a{}\n", i + 1)).collect::<Vec<_>>().concat() + "a1000: 1\n", defaults
            => "Dispatchfile:55:6: error[limit-exceeded]: limit exceeded: max_depth (128)";
    }
}
