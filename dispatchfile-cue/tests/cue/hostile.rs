//! Hostile inputs ("Hardening, round two"): each evaluates, or fails with a positioned error
//! (a `limit exceeded` one naming its limit), within the step budget and on a small stack. A
//! regression overflows the stack (and aborts the test binary), runs past its budget or gives
//! another outcome; no test measures time.

use dispatchfile_cue::{Clock, ErrorKind, Options, evaluate};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The stack every case runs on: about 1.5 times what the deepest case within the limits
/// needs (650 KiB in a debug build, 225 KiB optimised), far below the 2 MiB of a spawned
/// thread, so that recursion past the depth limits, or a level of it grown much costlier,
/// overflows here first.
const STACK: usize = if cfg!(debug_assertions) {
    1 << 20
} else {
    384 << 10
};

/// What an evaluation gave: compact JSON, or the first error's kind, message and the source
/// text at its primary position.
#[derive(Debug, PartialEq)]
enum Outcome {
    Value(String),
    Error {
        kind: ErrorKind,
        message: String,
        at: Option<String>,
    },
}

/// What a case expects: the JSON, or an error of a kind whose message contains a text and
/// whose position's text (its first 40 characters) contains another.
enum Want {
    Value(&'static str),
    Error(ErrorKind, &'static str, &'static str),
}

use Want::{Error, Value};

/// Only a guard against hangs, far above what any case takes even on a loaded machine: no
/// outcome here depends on time. The cases run without a clock (`Options::default` has none),
/// so only counted steps, bytes and depth bound them, the same on any machine and under any
/// load; the cases with a time budget use a fake clock that ticks per reading.
const HANG_GUARD: Duration = Duration::from_mins(10);

fn run_with(src: String, opts: Options<'static>) -> Outcome {
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            let _ = tx.send(outcome(&src, &opts));
        })
        .expect("spawning a test thread works");
    match rx.recv_timeout(HANG_GUARD) {
        Ok(got) => {
            worker
                .join()
                .expect("the evaluator does not panic or overflow its stack");
            got
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the evaluation hangs: no outcome after {HANG_GUARD:?}")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let _ = worker.join();
            panic!("the evaluator does not panic or overflow its stack")
        }
    }
}

fn outcome(src: &str, opts: &Options<'static>) -> Outcome {
    match evaluate(src, "hostile.cue", opts) {
        Ok(v) => Outcome::Value(v.value.to_compact_json_string()),
        Err(errs) => {
            let e = &errs[0];
            let at = e.spans().first().map(|s| {
                let text = &src[s.start as usize..s.end as usize];
                text.chars().take(40).collect()
            });
            Outcome::Error {
                kind: e.kind(),
                message: e.message().to_owned(),
                at,
            }
        }
    }
}

fn check(name: &str, got: &Outcome, want: &Want) {
    match (got, want) {
        (Outcome::Value(v), Value(w)) => {
            let cut: String = v.chars().take(200).collect();
            assert_eq!(v, w, "{name}: value {cut}");
        }
        (Outcome::Error { kind, message, at }, Error(k, m, a)) => {
            assert_eq!(kind, k, "{name}: {message}");
            assert!(message.contains(m), "{name}: {message:?} lacks {m:?}");
            let at = at
                .as_deref()
                .unwrap_or_else(|| panic!("{name}: {message:?} has no position"));
            assert!(at.contains(a), "{name}: {message:?} at {at:?}, not {a:?}");
        }
        (got, _) => panic!("{name}: unexpected outcome {got:?}"),
    }
}

/// Rows `name: source [, options tweak] => expected;`.
macro_rules! hostile {
    ($($name:ident: $src:expr $(, $tweak:expr)? => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            #[allow(unused_mut, reason = "only rows with a tweak change the options")]
            let mut o = Options::default();
            $($tweak(&mut o);)?
            check(stringify!($name), &run_with($src, o), &$want);
        }
    )*};
}

/// Room for sources of 100,000 lines.
fn big_source(o: &mut Options) {
    o.max_source_bytes = 4 << 20;
}

fn rep(s: &str, n: usize) -> String {
    s.repeat(n)
}

/// `name0: name1`, …, `name{n-1}: name{n}`, then `name{n}: end`.
fn chain(name: &str, n: usize, link: &str, end: &str) -> String {
    let mut s = String::new();
    for i in 0..n {
        writeln!(s, "{name}{i}: {link}{name}{}", i + 1).expect("writing to a String works");
    }
    writeln!(s, "{name}{n}: {end}").expect("writing to a String works");
    s
}

/// A flat chain `t op t op … op t` of `n` terms.
fn flat(term: &str, op: &str, n: usize) -> String {
    vec![term; n].join(&format!(" {op} "))
}

const MAX_STEPS: &str = "limit exceeded: max_steps (10000000)";
const MAX_DEPTH: &str = "limit exceeded: max_depth (128)";

// 1. Recursion: selector, index and call chains, nesting through other syntax, comprehension
// clauses, unification and disjunction chains, long reference chains, deep values.
hostile! {
    selector_chain_of_15000: "a: {a: 1}\nx: a".to_owned() + &rep(".a", 15_000) + "\n"
        => Error(ErrorKind::Evaluation, "undefined field \"a\"", "a");
    selector_chain_in_an_interpolation: "a: {a: 1}\nx: \"\\(a".to_owned() + &rep(".a", 15_000) + ")\"\n"
        => Error(ErrorKind::Evaluation, "undefined field \"a\"", "a");
    selector_chain_from_an_undefined_name: "x: b".to_owned() + &rep(".b", 15_000) + "\n"
        => Error(ErrorKind::Evaluation, "reference \"b\" not found", "b");
    index_chain_of_15000: "l: [[1]]\nx: l".to_owned() + &rep("[0]", 15_000) + "\n"
        => Error(ErrorKind::Evaluation, "invalid index", "0");
    mixed_chain_of_15000: "a: {b: [{c: 1}]}\nx: a".to_owned() + &rep(".b[0].c", 5_000) + "\n"
        => Error(ErrorKind::Evaluation, "undefined field \"b\"", "b");
    selector_chain_within_the_data_depth: "_a: ".to_owned() + &rep("{a: ", 100) + "1" + &rep("}", 100) + "\nx: _a" + &rep(".a", 100) + "\n"
        => Value(r#"{"x":1}"#);
    nested_calls: "x: ".to_owned() + &rep("len(", 100_000)
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "len");
    nested_builtin_calls_past_the_limit: "import \"strings\"\nx: ".to_owned() + &rep("strings.ToUpper(", 200) + "\"a\"" + &rep(")", 200) + "\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "strings");
    nested_builtin_calls_within_the_limit: "import \"strings\"\nx: ".to_owned() + &rep("strings.ToUpper(", 100) + "\"a\"" + &rep(")", 100) + "\n"
        => Value(r#"{"x":"A"}"#);
    calls_nested_in_arguments: "x: ".to_owned() + &rep("len([1, ", 50_000)
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "");
    nested_index: "l: [0]\nx: ".to_owned() + &rep("l[", 100_000)
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "l");
    nested_index_within_the_limit: "l: [0]\nx: ".to_owned() + &rep("l[", 100) + "0" + &rep("]", 100) + "\n"
        => Value(r#"{"l":[0],"x":0}"#);
    structs_nested_in_call_arguments: "x: ".to_owned() + &rep("len({a: ", 50_000)
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "");
    lists_nested_in_structs: "x: ".to_owned() + &rep("[{a: ", 50_000)
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "");
    interpolations_nested_in_structs: "x: ".to_owned() + &rep("\"\\({a: ", 50_000)
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "");
    for_clauses: "x: [".to_owned() + &rep("for a in [1] ", 10_000) + "{a}]\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "[1]");
    if_clauses: "x: [".to_owned() + &rep("if true ", 10_000) + "{1}]\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "true");
    let_clauses: "x: [for a in [1] ".to_owned() + &rep("let b = a ", 10_000) + "{a}]\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "for");
    disjunction_of_100000_terms: "x: ".to_owned() + &flat("1", "|", 100_000) + "\n"
        => Error(ErrorKind::LimitExceeded, "limit exceeded: max_disjuncts (1024)", "1 | 1");
    unification_of_100000_terms: "x: ".to_owned() + &flat("int", "&", 100_000) + " & 1\n"
        => Value(r#"{"x":1}"#);
    list_operations_in_a_chain: "import \"list\"\n_l0: [1]\n".to_owned() + &(1..=10_000).map(|i| format!("_l{i}: list.Take(_l{}, 1)\n", i - 1)).collect::<String>() + "x: _l10000\n"
        => Value(r#"{"x":[1]}"#);
    list_concatenations_in_a_chain: "_l0: [1]\n".to_owned() + &(1..=10_000).map(|i| format!("_l{i}: _l{} + []\n", i - 1)).collect::<String>() + "x: _l10000\n"
        => Value(r#"{"x":[1]}"#);
    list_operations_need_their_arguments_first: "import \"list\"\n".to_owned() + &chain("_l", 10_000, "list.Take(", "[1]").replace('\n', ", 1)\n").replace("_l10000: [1], 1)", "_l10000: [1]") + "x: _l0\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "list.Take(_l");
    deep_value_through_references: chain("x", 10_000, "{y: ", "1").replace('\n', "}\n").replace("x10000: 1}", "x10000: 1")
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "x1");
    deep_list_through_references: chain("l", 10_000, "[", "1").replace('\n', "]\n").replace("l10000: 1]", "l10000: 1")
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "l1");
    // Closedness tokens gather along a chain of definitions: every token noted and checked is
    // charged, so a long chain ends at the step budget instead of running on uncounted work.
    definition_chain_within_the_budget: chain("#d", 500, "", "{a: 1}") + "x: #d0\n"
        => Value(r#"{"x":{"a":1}}"#);
    definition_chain_past_the_budget: chain("#d", 8_000, "", "{a: 1}") + "x: #d0\n"
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "{a: 1}");
    definition_chain_with_patterns: chain("#d", 8_000, "{[string]: int} & ", "{a: 1}") + "x: #d0\n"
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "");
    deep_value_marshalled: "import \"encoding/json\"\n".to_owned() + &chain("x", 10_000, "{y: ", "1").replace('\n', "}\n").replace("x10000: 1}", "x10000: 1") + "_s: json.Marshal(x0)\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "x1");
}

// 2. and 3. Regular expressions and builtins are charged by their work, so one call cannot
// run for seconds; compiled expressions are capped and the cache is bounded.
hostile! {
    distinct_patterns_in_a_loop: "import \"list\"\nx: [for i in list.Range(0, 20000, 1) if \"a\" =~ \"a{1000}\\(i)\" {i}]\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "\"a\" =~");
    growing_counts_in_a_loop: "import \"list\"\nx: [for i in list.Range(0, 20000, 1) if \"a\" =~ \"a{\\(i)}x\" {i}]\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "\"a\" =~");
    repeat_count_above_1000: "x: \"a\" =~ \"a{1001}\"\n".to_owned()
        => Error(ErrorKind::Evaluation, "invalid repeat count {1001} (at most 1000)", "\"a\" =~");
    compiled_size_above_the_cap: "x: \"a\" =~ \"(a{1000}){1000}\"\n".to_owned()
        => Error(ErrorKind::Evaluation, "compiled size exceeds", "\"a\" =~");
    slow_match_is_refused: "s: \"a\" * 1000000\nx: s =~ \"(a{1000}){3}x\"\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "s =~");
    slow_constraint_is_refused: "s: \"a\" * 1000000\nx: s & =~\"(a{1000}){3}x\"\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "=~\"(a{1000}){3}x\"");
    slow_regexp_match_is_refused: "import \"regexp\"\nimport \"list\"\ns: \"ab\" * 500000\nx: [for i in list.Range(0, 100, 1) {regexp.Match(\"(a|b){1000}c\", s)}]\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "regexp.Match(");
    quadratic_replace_all_is_refused: "import \"regexp\"\ns: \"a\" * 100000\nx: regexp.ReplaceAll(\"[a-z]+X|[a-z]\", s, \"\")\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "regexp.ReplaceAll(");
    quadratic_find_all_is_refused: "import \"regexp\"\ns: \"a\" * 100000\nx: regexp.FindAll(\"[a-z]+X|[a-z]\", s, -1)\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "regexp.FindAll(");
    quadratic_find_all_submatch_is_refused: "import \"regexp\"\ns: \"a\" * 100000\nx: regexp.FindAllSubmatch(\"([a-z]+X|[a-z])\", s, -1)\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "regexp.FindAllSubmatch(");
    bounded_find_all_is_linear: "import \"regexp\"\n_s: \"a-\" * 50000\nx: len(regexp.FindAll(\"[^a-z]\", _s, -1))\n".to_owned()
        => Value(r#"{"x":50000}"#);
    many_empty_matches_are_charged: "import \"regexp\"\n_s: \"a\" * 4000000\nx: len(regexp.FindAllNamedSubmatch(\"(?P<e>)\", _s, -1))\n".to_owned()
        => Error(ErrorKind::LimitExceeded, "limit exceeded: max_bytes", "regexp.FindAllNamedSubmatch(");
    indentation_of_a_yaml_stream_is_charged: "import \"encoding/yaml\"\nimport \"list\"\n_d: ".to_owned() + &rep("{a: ", 80) + "1" + &rep("}", 80) + "\nx: yaml.MarshalStream([for i in list.Range(0, 3000, 1) {_d}])\n"
        => Error(ErrorKind::LimitExceeded, "limit exceeded: max_bytes", "yaml.MarshalStream(");
    bounded_replace_all_is_linear: "import \"regexp\"\n_s: \"a-\" * 50000\nx: len(regexp.ReplaceAll(\"[^a-z]\", _s, \"\"))\n".to_owned()
        => Value(r#"{"x":50000}"#);
    pattern_labels_on_many_fields: "_x: {[=~\"^a\"]: int\n".to_owned() + &(0..20_000).map(|i| format!("a{i}: {i}\n")).collect::<String>() + "}\ny: len(_x)\n"
        => Value(r#"{"y":20000}"#);
    repeated_big_products: "import \"list\"\na: ".to_owned() + &rep("9", 19_000) + "\nx: [for i in list.Range(0, 100000, 1) {a * a}]\n"
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "a * a");
    repeated_powers: "import \"math\"\nimport \"list\"\nx: [for i in list.Range(0, 10000, 1) {math.Pow(3, 4096)}]\n".to_owned()
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "math.Pow(");
    big_numbers_in_many_messages: "import \"list\"\na: ".to_owned() + &rep("9", 19_000) + "\nx: [for i in list.Range(0, 10000, 1) {a & 1}]\n"
        => Error(ErrorKind::Evaluation, "conflicting values 1 and ≈1.000000E+19000", "");
    big_numbers_copied_many_times: "import \"list\"\na: ".to_owned() + &rep("9", 19_000) + "\nx: [for i in list.Range(0, 100000, 1) {a}]\n"
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "");
    trim_with_a_long_cutset: "import \"strings\"\n_s: \"abcdefghij\" * 100000\nx: strings.Trim(_s + \"!\", _s)\n".to_owned()
        => Value(r#"{"x":"!"}"#);
    bounds_on_a_long_string: "import \"list\"\n_s: \"".to_owned() + &rep("x", 1_000_000) + "\"\n_x: [for i in list.Range(0, 100000, 1) {_s & >=_s}]\n"
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "");
    long_number_literal: "x: ".to_owned() + &rep("1", 1_000_000) + "\n"
        => Error(ErrorKind::Syntax, "number too large (1000000 digits, at most 20000)", "111");
    many_distinct_bounds: "x: ".to_owned() + &(0..100_000).map(|i| format!(">{i}")).collect::<Vec<_>>().join(" & ") + " & 100000\n"
        => Value(r#"{"x":100000}"#);
}

// 4. Reference chains evaluate in linear steps (see `linear_steps` below for the budget).
hostile! {
    reference_chain_of_100000: "_c: {\n".to_owned() + &chain("a", 100_000, "", "1") + "}\nx: _c.a0\n", big_source
        => Value(r#"{"x":1}"#);
    reference_chain_into_a_cycle: chain("a", 100_000, "", "a0"), big_source
        => Error(ErrorKind::Incomplete, "incomplete value _", "a1");
    definition_chain_is_charged: chain("#a", 100_000, "", "1") + "x: #a0\n", big_source
        => Error(ErrorKind::LimitExceeded, MAX_STEPS, "#a");
    arithmetic_chain_recursion_is_bounded: chain("a", 100_000, "1 + ", "1"), big_source
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "1 + a");
}

// 6. Chains flat in the source are not depth; nesting is.
hostile! {
    flat_sum_of_161_terms: "a: ".to_owned() + &flat("1", "+", 161) + "\n"
        => Value(r#"{"a":161}"#);
    flat_string_concatenation: "a: len(".to_owned() + &flat("\"a\"", "+", 1000) + ")\n"
        => Value(r#"{"a":1000}"#);
    flat_list_concatenation: "a: len(".to_owned() + &flat("[1]", "+", 200) + ")\n"
        => Value(r#"{"a":200}"#);
    parentheses_past_the_limit: "a: ".to_owned() + &rep("(", 129) + "1" + &rep(")", 129) + "\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "1");
    parentheses_within_the_limit: "a: ".to_owned() + &rep("(", 128) + "1" + &rep(")", 128) + "\n"
        => Value(r#"{"a":1}"#);
    right_nested_sum_past_the_limit: "a: ".to_owned() + &rep("1 + (", 129) + "1" + &rep(")", 129) + "\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "1");
    right_nested_sum_within_the_limit: "a: ".to_owned() + &rep("1 + (", 100) + "1" + &rep(")", 100) + "\n"
        => Value(r#"{"a":101}"#);
    structs_past_the_limit: "a: ".to_owned() + &rep("{a: ", 129) + "1" + &rep("}", 129) + "\n"
        => Error(ErrorKind::LimitExceeded, MAX_DEPTH, "a");
}

/// Steps allowed per link of a reference chain: about 21 are used (43 when each link copies a
/// struct), where walking the rest of the chain from every field would take `n / 2`.
const STEPS_PER_LINK: u64 = 64;

#[test]
fn reference_chains_take_linear_steps() {
    // Walking the rest of the chain from every field would take 450,000,000 steps.
    let n = 30_000;
    let forward = chain("a", n, "", "1");
    let mut backward: Vec<&str> = forward.lines().collect();
    backward.reverse();
    let hidden = |body: &str| format!("_c: {{\n{body}\n}}\nx: _c.a0\n");
    let shapes = [
        ("forward", hidden(&forward), r#"{"x":1}"#),
        ("backward", hidden(&backward.join("\n")), r#"{"x":1}"#),
        (
            "ending in a struct",
            hidden(&chain("a", n, "", "{y: 1}")),
            r#"{"x":{"y":1}}"#,
        ),
        (
            "through selectors",
            hidden(&chain("a", n, "_c.", "1")),
            r#"{"x":1}"#,
        ),
        (
            "in a definition",
            format!("#d: {{\n{forward}\n}}\nx: #d.a0\n"),
            r#"{"x":1}"#,
        ),
    ];
    for (name, src, want) in shapes {
        let mut o = Options::default();
        o.max_source_bytes = 4 << 20;
        o.max_steps = STEPS_PER_LINK * n as u64;
        check(name, &run_with(src, o), &Value(want));
    }
}

/// A fake clock: every reading is one second after the previous one, so no test waits.
struct Ticking(AtomicU64);

impl Clock for Ticking {
    fn now(&self) -> Duration {
        Duration::from_secs(self.0.fetch_add(1, Ordering::Relaxed))
    }
}

/// A hundred calls that each read and write 200 KB: a few steps each, had builtins not been
/// charged by their work.
const HUNDRED_LARGE_CALLS: &str = "import \"strings\"\nimport \"list\"\n_s: \"x\" * 200000\nx: [for i in list.Range(0, 100, 1) {strings.ToUpper(_s)}]\n";

#[test]
fn large_builtin_calls_read_the_clock() {
    static CLOCK: Ticking = Ticking(AtomicU64::new(0));
    let mut o = Options::default();
    o.timeout = Some(Duration::from_secs(3));
    o.clock = Some(&CLOCK);
    let got = run_with(HUNDRED_LARGE_CALLS.to_owned(), o);
    let want = Error(
        ErrorKind::LimitExceeded,
        "limit exceeded: eval_timeout (3s)",
        "strings.ToUpper(_s)",
    );
    check("hundred large calls", &got, &want);
    // Five readings cross the 3 s: the evaluation stopped in the second call, not the hundredth.
    let readings = CLOCK.0.load(Ordering::Relaxed);
    assert!(readings <= 8, "the clock was read {readings} times");
}

#[test]
fn large_builtin_calls_count_against_max_steps() {
    let mut o = Options::default();
    o.max_steps = 500_000;
    let want = Error(
        ErrorKind::LimitExceeded,
        "limit exceeded: max_steps (500000)",
        "strings.ToUpper(_s)",
    );
    check(
        "hundred large calls",
        &run_with(HUNDRED_LARGE_CALLS.to_owned(), o),
        &want,
    );
}

fn steps(n: u64) -> impl Fn(&mut Options) {
    move |o: &mut Options| o.max_steps = n
}

fn timeout_3s(o: &mut Options<'static>) {
    static CLOCK: Ticking = Ticking(AtomicU64::new(0));
    o.timeout = Some(Duration::from_secs(3));
    o.clock = Some(&CLOCK);
}

// 5. Budgets that run out name the expression being evaluated.
hostile! {
    steps_run_out_in_a_comprehension: "import \"list\"\nx: [for i in list.Range(0, 1000, 1) {i * 2}]\n".to_owned(), steps(5_000)
        => Error(ErrorKind::LimitExceeded, "limit exceeded: max_steps (5000)", "[for i in list.Range");
    steps_run_out_in_a_long_list: "x: [".to_owned() + &rep("1, ", 10_000) + "]\n", steps(5_000)
        => Error(ErrorKind::LimitExceeded, "limit exceeded: max_steps (5000)", "[1, 1");
    steps_run_out_in_a_reference_chain: chain("a", 10_000, "", "1"), steps(5_000)
        => Error(ErrorKind::LimitExceeded, "limit exceeded: max_steps (5000)", "a");
    steps_run_out_in_a_regular_expression: "s: \"a\" * 100000\nx: s =~ \"b\"\n".to_owned(), steps(50_000)
        => Error(ErrorKind::LimitExceeded, "limit exceeded: max_steps (50000)", "s =~ \"b\"");
    time_runs_out_in_a_comprehension: "import \"list\"\nx: [for i in list.Range(0, 100000, 1) {i * 2}]\n".to_owned(), timeout_3s
        => Error(ErrorKind::LimitExceeded, "limit exceeded: eval_timeout (3s)", "");
}

/// The fold of a flat chain of `n` terms, when it has a value.
type Fold = fn(usize) -> Option<String>;

/// Every binary operator in flat chains of a length at, around and far past `max_depth`: none
/// is a depth error, and each evaluates to the fold of its terms (or, for operators whose
/// result cannot be their operand, to an evaluation error).
#[test]
fn flat_chains_of_every_operator() {
    let ops: &[(&str, &str, usize, Fold)] = &[
        ("+", "1", 10_000, |n| Some(n.to_string())),
        ("-", "1", 10_000, |n| {
            Some(format!("{}", 2 - i128::try_from(n).unwrap_or(0)))
        }),
        ("*", "2", 10_000, |n| {
            Some(num_bigint::BigInt::from(2).pow(n as u32).to_string())
        }),
        ("/", "1", 10_000, |_| Some("1".into())),
        ("div", "1", 10_000, |_| Some("1".into())),
        ("quo", "1", 10_000, |_| Some("1".into())),
        ("mod", "1", 10_000, |n| {
            Some(if n == 1 { "1" } else { "0" }.into())
        }),
        ("rem", "1", 10_000, |n| {
            Some(if n == 1 { "1" } else { "0" }.into())
        }),
        ("&", "1", 10_000, |_| Some("1".into())),
        ("|", "1", 1_000, |_| Some("1".into())),
        ("==", "true", 10_000, |_| Some("true".into())),
        ("!=", "false", 10_000, |_| Some("false".into())),
        ("&&", "true", 10_000, |_| Some("true".into())),
        ("||", "false", 10_000, |_| Some("false".into())),
        ("<", "1", 10_000, |n| match n {
            1 => Some("1".into()),
            2 => Some("false".into()),
            _ => None,
        }),
        (">=", "1", 10_000, |n| match n {
            1 => Some("1".into()),
            2 => Some("true".into()),
            _ => None,
        }),
        ("=~", "\"a\"", 10_000, |n| match n {
            1 => Some("\"a\"".into()),
            2 => Some("true".into()),
            _ => None,
        }),
        ("+", "\"a\"", 1_000, |n| {
            Some(format!("\"{}\"", "a".repeat(n)))
        }),
        ("*", "\"a\"", 1_000, |n| (n == 1).then(|| "\"a\"".into())),
        ("+", "[1]", 200, |n| {
            Some(format!("[{}]", vec!["1"; n].join(",")))
        }),
    ];
    let mut failures = Vec::new();
    for &(op, term, longest, fold) in ops {
        for n in [1, 2, 127, 128, 129, 161, 1_000, 10_000] {
            if n > longest {
                continue;
            }
            let got = run_with(format!("a: {}\n", flat(term, op, n)), Options::default());
            let ok = match (&got, fold(n)) {
                (Outcome::Value(v), Some(want)) => *v == format!("{{\"a\":{want}}}"),
                (Outcome::Error { kind, .. }, None) => *kind == ErrorKind::Evaluation,
                _ => false,
            };
            if !ok {
                let shown = format!("{got:?}").chars().take(160).collect::<String>();
                failures.push(format!("{n} terms {term} {op} …: {shown}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small deterministic generator (64-bit LCG), so the property below needs no dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// Property: a flat chain of `+`, `-` and `*` over small integers, of any length, evaluates to
/// what ordinary precedence gives (checked against big-integer arithmetic), never to a depth
/// error.
#[test]
fn flat_arithmetic_agrees_with_a_reference() {
    use num_bigint::BigInt;
    let mut rng = Lcg(0x5eed);
    for case in 0..64 {
        let n = 1 + rng.next(3_000) as usize;
        let mut src = String::new();
        // Sum of products: the reference evaluates `*` first.
        let mut sum = BigInt::from(0);
        let mut product = BigInt::from(0);
        let mut sign = 1;
        for i in 0..n {
            let v = i64::try_from(rng.next(7)).unwrap_or(0) - 3;
            let op = if i == 0 {
                ""
            } else {
                ["+", "-", "*"][rng.next(3) as usize]
            };
            if op == "*" {
                product *= v;
            } else {
                sum += product * sign;
                sign = if op == "-" { -1 } else { 1 };
                product = BigInt::from(v);
            }
            if i > 0 {
                write!(src, " {op} ").expect("writing to a String works");
            }
            if v < 0 {
                write!(src, "({v})").expect("writing to a String works");
            } else {
                write!(src, "{v}").expect("writing to a String works");
            }
        }
        sum += product * sign;
        let got = run_with(format!("a: {src}\n"), Options::default());
        assert_eq!(
            got,
            Outcome::Value(format!("{{\"a\":{sum}}}")),
            "case {case}: {n} terms"
        );
    }
}

/// JSON text is written without recursion, however deep a caller nests a [`Value`] (the value
/// is leaked, not dropped: dropping is the caller's own recursion).
#[test]
fn deep_values_built_by_a_caller_print() {
    use dispatchfile_cue::{Exported, Span, Value as V};
    let text = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(|| {
            let mut v = V::Number("1".into());
            for _ in 0..100_000 {
                let inner = Exported {
                    value: v,
                    span: Span::default(),
                };
                v = V::List(vec![inner]);
            }
            let text = v.to_compact_json_string();
            std::mem::forget(v);
            text
        })
        .expect("spawning a test thread works")
        .join()
        .expect("printing does not overflow the stack");
    assert_eq!(text.len(), 200_001);
    assert_eq!(text.find('1'), Some(100_000), "{text:.20}");
    assert!(
        text.starts_with("[[[") && text.ends_with("]]]"),
        "{text:.20}"
    );
}

/// Label chains, in 2019 (`a b c: 1`) and modern (`a: b: c: 1`) syntax: each label nests a
/// struct, so up to 129 labels evaluate and more are a `max_depth` error at the first label
/// too deep (65 and more were a confusing syntax error in 2019 syntax).
#[test]
fn label_chains_nest_up_to_the_limit() {
    for n in [64, 65, 100, 129, 130, 200] {
        let want = if n <= 129 {
            let mut json: String = (0..n).map(|i| format!("{{\"l{i}\":")).collect();
            json.push('1');
            json.push_str(&"}".repeat(n));
            Value(Box::leak(json.into_boxed_str()))
        } else {
            Error(ErrorKind::LimitExceeded, MAX_DEPTH, "l129")
        };
        let old: String = (0..n).map(|i| format!("l{i} ")).collect::<String>() + ": 1\n";
        let modern: String = (0..n).map(|i| format!("l{i}: ")).collect::<String>() + "1\n";
        check(
            &format!("{n} labels"),
            &run_with(old, Options::default()),
            &want,
        );
        check(
            &format!("{n} labels, modern"),
            &run_with(modern, Options::default()),
            &want,
        );
    }
}
