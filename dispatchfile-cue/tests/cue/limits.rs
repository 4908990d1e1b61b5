//! Limits: hostile inputs fail fast with `limit exceeded`, never hang or overflow.

use super::util::{eval, eval_with, on_small_stack};
use std::fmt::Write as _;

use dispatchfile_cue::{ErrorKind, Options};

fn first_kind(src: String) -> (ErrorKind, String) {
    on_small_stack(move || {
        let errs = eval(&src).expect_err("hostile input fails");
        (errs[0].kind(), errs[0].message().to_owned())
    })
}

/// `start`, then eight fields, each `name0` doubled once more (`name1: name0 + name0`, …).
fn doubling(start: &str, name: &str) -> String {
    (0..8).fold(start.to_owned(), |mut s, i| {
        writeln!(s, "{name}{}: {name}{i} + {name}{i}", i + 1).expect("writing to a String works");
        s
    })
}

macro_rules! limit_cases {
    ($($name:ident: $src:expr => $kind:ident, $msg:literal;)*) => {$(
        #[test]
        fn $name() {
            let (kind, msg) = first_kind($src);
            assert_eq!(kind, ErrorKind::$kind, "{msg}");
            assert!(msg.contains($msg), "{msg:?} should contain {:?}", $msg);
        }
    )*};
}

limit_cases! {
    deep_lists: "a: ".to_owned() + &"[".repeat(100_000) => LimitExceeded, "limit exceeded: max_depth (128)";
    deep_structs: "a: {a: ".repeat(100_000) => LimitExceeded, "limit exceeded: max_depth (128)";
    deep_parens: "a: ".to_owned() + &"(".repeat(100_000) + "1" => LimitExceeded, "max_depth";
    deep_unary: "a: ".to_owned() + &"-".repeat(100_000) + "1" => LimitExceeded, "max_depth";
    deep_interpolation: "a: ".to_owned() + &"\"\\(".repeat(50_000) => LimitExceeded, "max_depth";
    long_label_chain: "a: ".repeat(100_000) + "1" => LimitExceeded, "max_depth";
    reference_cycle: "a: b\nb: a\n".to_owned() => Incomplete, "incomplete";
    arithmetic_cycle: "a: a + 1\n".to_owned() => Evaluation, "cycle";
    structural_cycle: "a: {b: a}\n".to_owned() => Evaluation, "structural cycle";
    disjoint_disjunctions: "z: ".to_owned() + &(0..30).map(|i| format!("({} | {})", i, i + 100)).collect::<Vec<_>>().join(" & ") + "\n"
        => Evaluation, "empty disjunction";
    huge_loop: "import \"list\"\nl: [for a in list.Range(0, 1000, 1) for b in list.Range(0, 1000, 1) for c in list.Range(0, 1000, 1) {a+b+c}]\n".to_owned()
        => LimitExceeded, "limit exceeded: max_steps (10000000)";
    long_reference_chain: (0..2000).map(|i| format!("a{i}: a{} + 1\n", i + 1)).collect::<String>() + "a2000: 0\n"
        => LimitExceeded, "max_depth";
    exponential_tree: (0..64).map(|i| format!("a{i}: {{x: a{}, y: a{}}}\n", i + 1, i + 1)).collect::<String>() + "a64: 1\n"
        => LimitExceeded, "limit exceeded: max_";
    disjunction_product: (0..12).map(|i| format!("d{i}: {{a{i}: 1}} | {{b{i}: 1}}\n")).collect::<String>()
        + "x: " + &(0..12).map(|i| format!("d{i}")).collect::<Vec<_>>().join(" & ") + "\n"
        => LimitExceeded, "limit exceeded: max_disjuncts (1024)";
    // Text: strings are shared, so only new text and exported copies count (16 MiB by default).
    shared_string_exported_many_times: "s: \"x\" * 1000000\nl: [s, s, s, s, s, s, s, s, s, s]\nm: [l, l]\n".to_owned()
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    string_doubling: doubling("import \"strings\"\ns0: strings.Repeat(\"x\", 1000000)\n", "s")
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    bytes_doubling: doubling("b0: '\\(\"x\" * 1000000)'\n", "b")
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    interpolation_repeats_a_string: format!("s: \"x\" * 1000000\nt: \"{}\"\n", "\\(s)".repeat(20))
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    replace_at_every_character: "import \"strings\"\ns: \"x\" * 100000\nt: strings.Replace(s, \"\", s, -1)\n".to_owned()
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    regexp_empty_match_everywhere: "import \"regexp\"\ns: \"x\" * 100000\nt: regexp.ReplaceAll(\"\", s, s)\n".to_owned()
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    regexp_whole_match_repeated: "import \"regexp\"\ns: \"x\" * 1000000\nt: regexp.ReplaceAll(\"x+\", s, \"$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0\")\n".to_owned()
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    split_into_characters_in_a_loop: "import \"strings\"\nimport \"list\"\ns: \"x\" * 1000000\nl: [for i in list.Range(0, 20, 1) {strings.Split(s, \"\")}]\n".to_owned()
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    join_of_a_shared_string: "import \"strings\"\ns: \"x\" * 1000000\nl: [s, s, s, s, s, s, s, s, s, s]\nt: strings.Join(l + l + l + l + l + l + l + l + l + l, \"\")\n".to_owned()
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    marshal_of_a_shared_string: "import \"encoding/json\"\ns: \"x\" * 1000000\nl: [s, s, s, s, s, s, s, s, s, s]\nt: json.Marshal([l, l])\n".to_owned()
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
    long_label_bound_in_a_loop: format!("import \"list\"\nx: {{{}: 1}}\nl: [for i in list.Range(0, 100, 1) for k, v in x {{k}}]\n", "a".repeat(500_000))
        => LimitExceeded, "limit exceeded: max_bytes (16777216)";
}

#[test]
fn source_size_limit() {
    let mut o = Options::default();
    o.max_source_bytes = 10;
    let errs = eval_with("a: \"0123456789\"\n", &o).expect_err("too big");
    assert_eq!(errs[0].message(), "limit exceeded: max_source_bytes (10)");
}

#[test]
fn node_limit() {
    let mut o = Options::default();
    o.max_nodes = 10;
    let errs =
        eval_with("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n", &o).expect_err("too many nodes");
    assert_eq!(errs[0].message(), "limit exceeded: max_nodes (10)");
}

#[test]
fn step_limit_is_configurable() {
    let mut o = Options::default();
    o.max_steps = 50;
    let src = (0..100).map(|i| format!("a{i}: {i}\n")).collect::<String>();
    let errs = eval_with(&src, &o).expect_err("too many steps");
    assert_eq!(errs[0].kind(), ErrorKind::LimitExceeded);
    assert_eq!(errs[0].message(), "limit exceeded: max_steps (50)");
}

/// A fake clock: every reading is one second after the previous one, so tests never wait.
struct Ticking(std::sync::atomic::AtomicU64);

impl dispatchfile_cue::Clock for Ticking {
    fn now(&self) -> std::time::Duration {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::time::Duration::from_secs(n)
    }
}

/// A comprehension long enough to read the clock several times.
fn long_evaluation() -> String {
    "a: [for i, _ in [".to_owned() + &"0, ".repeat(20_000) + "] {i}]\n"
}

#[test]
fn timeout_with_a_clock_is_a_limit_error() {
    let clock = Ticking(std::sync::atomic::AtomicU64::new(0));
    let mut o = Options::default();
    o.timeout = Some(std::time::Duration::from_secs(3));
    o.clock = Some(&clock);
    let errs = eval_with(&long_evaluation(), &o).expect_err("the clock runs out");
    assert_eq!(errs[0].kind(), ErrorKind::LimitExceeded);
    assert_eq!(errs[0].message(), "limit exceeded: eval_timeout (3s)");
}

#[test]
fn timeout_is_not_enforced_without_a_clock() {
    let mut o = Options::default();
    o.timeout = Some(std::time::Duration::ZERO);
    assert!(eval_with(&long_evaluation(), &o).is_ok());
}

#[test]
fn clock_without_a_timeout_is_never_read() {
    let clock = Ticking(std::sync::atomic::AtomicU64::new(0));
    let mut o = Options::default();
    o.clock = Some(&clock);
    assert!(eval_with(&long_evaluation(), &o).is_ok());
    assert_eq!(clock.0.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[test]
fn moderate_nesting_is_fine() {
    let src = "a: ".to_owned() + &"{b: ".repeat(100) + "1" + &"}".repeat(100) + "\n";
    on_small_stack(move || eval(&src).expect("100 levels are within max_depth"));
}

#[test]
fn combined_defaults_resolve_without_blowup() {
    // 30 fields `*1 | 2 | 3` unified: 3^30 combinations, but failing branches are pruned early.
    let src = (0..30)
        .map(|i| format!("x{i}: *1 | 2 | 3\n"))
        .collect::<String>()
        + "y: "
        + &(0..30)
            .map(|i| format!("x{i}"))
            .collect::<Vec<_>>()
            .join(" & ")
        + "\n";
    let out = on_small_stack(move || eval(&src).expect("resolves to the default"));
    assert!(out.value.to_compact_json_string().ends_with(r#""y":1}"#));
}

#[test]
fn shared_subexpressions_are_evaluated_once() {
    // Each field doubles the previous one: 30 references, not 2^30 evaluations.
    let src = (0..30)
        .map(|i| format!("a{i}: a{} + a{}\n", i + 1, i + 1))
        .collect::<String>()
        + "a30: 1\n";
    let out = on_small_stack(move || eval(&src).expect("linear work"));
    assert!(
        out.value
            .to_compact_json_string()
            .starts_with(r#"{"a0":1073741824,"#)
    );
}

#[test]
fn text_made_and_exported_within_the_limit_is_fine() {
    let mut o = Options::default();
    o.max_bytes = 100;
    // 40 bytes made by `+`, 80 exported: both under 100.
    let ok = eval_with("a: \"x\" * 20\nb: a + a\n", &o).expect("under the limit");
    assert_eq!(ok.value.to_compact_json_string().len(), 75);
    let errs = eval_with("a: \"x\" * 20\nb: a + a\nc: b + b\n", &o).expect_err("over the limit");
    assert_eq!(errs[0].message(), "limit exceeded: max_bytes (100)");
}

#[test]
fn long_strings_are_cut_in_messages() {
    let src = format!("a: \"{}\"\na: \"y\"\n", "x".repeat(10_000));
    let errs = eval(&src).expect_err("conflict");
    let msg = errs[0].message();
    assert!(msg.len() < 600, "{} bytes: {msg}", msg.len());
    assert!(msg.contains(&format!("\"{}\"…", "x".repeat(256))), "{msg}");
}
