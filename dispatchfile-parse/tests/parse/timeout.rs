//! `Limits::eval_timeout` with an injected clock. The clocks here are fake: each reading
//! is one second after the previous one, so no test waits or depends on the machine's speed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dispatchfile_model::Limits;
use dispatchfile_parse::{Clock, Evaluated, ParseOptions, evaluate};

/// Every reading is one second after the previous one.
struct Ticking(AtomicU64);

impl Clock for Ticking {
    fn now(&self) -> Duration {
        Duration::from_secs(self.0.fetch_add(1, Ordering::Relaxed))
    }
}

fn run(src: &str, clock: Option<&'static Ticking>, timeout: Option<Duration>) -> Evaluated {
    let mut options = ParseOptions::default();
    options.clock = clock.map(|c| c as &dyn Clock);
    let mut limits = Limits::default();
    limits.eval_timeout = timeout;
    evaluate(src.as_bytes(), "Dispatchfile", &options, &limits)
}

fn first_error(e: &Evaluated) -> String {
    e.diagnostics()
        .iter()
        .find(|d| d.is_error())
        .map(|d| d.render(&e.parsed.files, "Dispatchfile"))
        .unwrap_or_default()
}

/// A loop of 100,000 statements: far inside the statement budget, long enough for the clock.
const STARLARK_LOOP: &str =
    "#!mesosphere/dispatch-starlark:v0.9\nx = 0\nfor i in range(100000):\n    x = i\n";

/// A comprehension of 20,000 elements: inside the step budget, long enough for the clock.
fn cue_loop() -> String {
    "#!cue\na: [for i, _ in [".to_owned() + &"0, ".repeat(20_000) + "] {i}]\n"
}

#[test]
fn starlark_loop_runs_out_of_time_at_the_running_loop() {
    static CLOCK: Ticking = Ticking(AtomicU64::new(0));
    let e = run(STARLARK_LOOP, Some(&CLOCK), Some(Duration::from_secs(3)));
    let text = first_error(&e);
    assert!(
        text.starts_with(
            "Dispatchfile:3:1: error[limit-exceeded]: limit exceeded: eval_timeout (3s)"
        ),
        "{text}"
    );
    assert!(e.parsed.document.is_none(), "no partial document");
}

#[test]
fn cue_runs_out_of_time() {
    static CLOCK: Ticking = Ticking(AtomicU64::new(0));
    let e = run(&cue_loop(), Some(&CLOCK), Some(Duration::from_secs(3)));
    let text = first_error(&e);
    assert!(
        text.contains("error[limit-exceeded]: limit exceeded: eval_timeout (3s)"),
        "{text}"
    );
    assert!(e.parsed.document.is_none(), "no partial document");
}

#[test]
fn without_a_clock_the_timeout_does_not_apply() {
    for src in [STARLARK_LOOP.to_owned(), cue_loop()] {
        let e = run(&src, None, Some(Duration::ZERO));
        assert_eq!(first_error(&e), "", "{src:.40}");
    }
}

#[test]
fn without_a_timeout_the_clock_is_never_read() {
    static CLOCK: Ticking = Ticking(AtomicU64::new(0));
    for src in [STARLARK_LOOP.to_owned(), cue_loop()] {
        let e = run(&src, Some(&CLOCK), None);
        assert_eq!(first_error(&e), "", "{src:.40}");
    }
    assert_eq!(CLOCK.0.load(Ordering::Relaxed), 0);
}
