//! Hostile input through the built binary: every case ends within 2 s and 512 MB — exit 1 with a
//! `limit exceeded` or positioned error, or, for matching, the right answer.
//!
//! The memory bound is an address-space limit (`ulimit -v`) set by `sh` before exec. Under
//! `cargo test` the time bound is only a hang guard ([`HANG_GUARD`], 60 s), not a speed
//! measurement: a debug build on a busy machine must not fail here. The 2 s bound is checked by
//! `dispatch-cli/tools/hostile-timed`, which runs these same cases against the release binary with
//! `DISPATCH_HOSTILE_TIME_LIMIT_MS=2000`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A case still running after this long hangs: it is killed and fails.
const HANG_GUARD: Duration = Duration::from_mins(1);
const MEMORY_LIMIT_KB: u64 = 512 * 1024;

/// The strict bound in milliseconds, set by `tools/hostile-timed`; unset, the hang guard applies.
const TIME_LIMIT_VAR: &str = "DISPATCH_HOSTILE_TIME_LIMIT_MS";

/// How long a case may run: `$DISPATCH_HOSTILE_TIME_LIMIT_MS`, or [`HANG_GUARD`].
fn time_limit() -> Duration {
    match std::env::var(TIME_LIMIT_VAR) {
        Ok(ms) => Duration::from_millis(
            ms.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{TIME_LIMIT_VAR}={ms:?} is not a number of ms")),
        ),
        Err(_) => HANG_GUARD,
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Hostile cases run one at a time: each has its own time and memory bound, so two of them must
/// not compete for the same cores.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `dispatch ARGS` under the memory limit, feeding `stdin`, killing it after the time limit
/// ([`time_limit`]). Fails if the process was ended by a signal (an abort, a stack overflow, the
/// kernel's out-of-memory killer): every case must exit with a code of its own.
fn run_limited(args: &[&str], stdin: &[u8]) -> Run {
    let limit = time_limit();
    // A case that failed while holding the lock poisons it; the next case still runs alone.
    let _serial = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let script = format!("ulimit -v {MEMORY_LIMIT_KB}; exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_dispatch"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh starts");
    let input = stdin.to_vec();
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let mut stdout_pipe = child.stdout.take().expect("stdout is piped");
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout_pipe, &mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr_pipe, &mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let why = if limit == HANG_GUARD {
                "it hangs".to_owned()
            } else {
                format!("over the bound ${TIME_LIMIT_VAR} sets")
            };
            panic!("dispatch {args:?} still running after {limit:?}: {why}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if limit != HANG_GUARD {
        // Under `tools/hostile-timed`, each run's time, past libtest's output capture.
        let thread = std::thread::current();
        let _ = writeln!(
            std::io::stderr(),
            "hostile: {:>5} ms  {}",
            start.elapsed().as_millis(),
            thread.name().unwrap_or("?")
        );
    }
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    assert!(
        status.code().is_some(),
        "dispatch {args:?} ended by a signal ({status}); stderr: {}",
        stderr.chars().take(2000).collect::<String>()
    );
    Run {
        code: status.code(),
        stdout,
        stderr,
    }
}

/// A file in a fresh temporary directory (event files for `dispatch match`).
fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dispatch-hostile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("temp file");
    path
}

/// `dispatch eval -` on input that must be rejected with exit 1 and `fragment` in a positioned message.
macro_rules! rejected {
    ($($name:ident: $input:expr => $fragment:literal;)*) => {$(
        #[test]
        fn $name() {
            let input: Vec<u8> = $input;
            let r = run_limited(&["eval", "-"], &input);
            assert_eq!(r.code, Some(1), "exit code; stderr: {}", r.stderr);
            assert!(r.stderr.starts_with("<stdin>:"), "positioned: {}", r.stderr);
            assert!(r.stderr.contains($fragment), "expected {:?} in {}", $fragment, r.stderr);
            assert!(r.stdout.is_empty(), "nothing half-done on stdout: {}", r.stdout);
        }
    )*};
}

fn alias_bomb() -> Vec<u8> {
    let mut text = String::from("#!yaml\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        writeln!(
            text,
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]"
        )
        .expect("writing to a String works");
    }
    text.into_bytes()
}

fn nested(prefix: &str, open: &str, close: &str, suffix: &str) -> Vec<u8> {
    format!(
        "{prefix}{}{}{suffix}",
        open.repeat(100_000),
        close.repeat(100_000)
    )
    .into_bytes()
}

fn cue_disjunction_explosion() -> Vec<u8> {
    let terms = vec!["(0 | 1)"; 40].join(" + ");
    format!("#!cue\nx: {terms}\n").into_bytes()
}

rejected! {
    yaml_alias_bomb: alias_bomb() => "limit exceeded: yaml_max_alias_nodes";
    json_deep_arrays: nested("#!json\n{\"a\": ", "[", "]", "}") => "limit exceeded: max_depth (128)";
    json_deep_objects: nested("#!json\n{\"a\": ", "{\"a\": ", "}", "}") => "limit exceeded: max_depth (128)";
    yaml_deep_flow: nested("#!yaml\na: ", "[", "]", "\n") => "limit exceeded: max_depth (128)";
    yaml_deep_block: (0..100_000).fold(String::from("#!yaml\n"), |mut s, i| { s.push_str(&" ".repeat(i % 400)); s.push_str("- \n"); s }).into_bytes() => "error";
    cue_deep_structs: nested("#!cue\na: ", "{a: ", "}", "\n") => "limit exceeded";
    cue_deep_lists: nested("#!cue\na: ", "[", "]", "\n") => "limit exceeded";
    cue_deep_parens: nested("#!cue\na: ", "(", ")", "\n") => "limit exceeded";
    starlark_deep_lists: nested("#!starlark\nx = ", "[", "]", "\n") => "limit exceeded";
    starlark_deep_parens: nested("#!starlark\nx = ", "(", ")", "1\n") => "limit exceeded";
    starlark_deep_dicts: nested("#!starlark\nx = ", "{'a': ", "}", "\n") => "limit exceeded";
    starlark_deep_calls: nested("#!starlark\nx = ", "str(", ")", "\n") => "limit exceeded";
    starlark_deep_defs: (0..100_000).fold(String::from("#!starlark\n"), |mut s, i| { s.push_str(&" ".repeat(i % 64)); s.push_str("def f():\n"); s }).into_bytes() => "error";
    starlark_long_plus_chain: format!("#!starlark\nx = {}1\n", "1+".repeat(100_000)).into_bytes() => "limit exceeded";
    starlark_recursion: b"#!starlark\ndef f(n):\n    return f(n + 1)\nf(0)\n".to_vec() => "limit exceeded";
    starlark_endless_loop: b"#!starlark\ndef f():\n    for i in range(1000000000):\n        pass\nf()\n".to_vec() => "limit exceeded";
    starlark_list_doubling: b"#!starlark\nx = [0]\nfor i in range(64):\n    x = x + x\n".to_vec() => "limit exceeded";
    starlark_string_doubling: b"#!starlark\ns = \"a\"\nfor i in range(64):\n    s = s + s\n".to_vec() => "limit exceeded";
    starlark_augmented_doubling: b"#!starlark\nx = [0]\nfor i in range(64):\n    x += x\n".to_vec() => "limit exceeded";
    starlark_multiply: b"#!starlark\nx = [0] * 1000000000\n".to_vec() => "limit exceeded";
    starlark_string_multiply: b"#!starlark\nx = 'a' * 2000000000\n".to_vec() => "limit exceeded";
    starlark_big_ints_in_a_comprehension: b"#!starlark\nx = 1 << 100000\ny = [-x for i in range(100000)]\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_big_int_squared_in_a_loop: b"#!starlark\nx = 3\nfor i in range(40):\n    x = x * x\n".to_vec() => "limit exceeded";
    starlark_big_int_sums_in_a_loop: b"#!starlark\ny = 1 << 100000\nx = y * y * y * y\nl = []\nfor i in range(100000):\n    l.append(x + i)\n".to_vec() => "limit exceeded";
    starlark_big_int_negated_in_a_loop: b"#!starlark\ny = 1 << 100000\nx = y * y * y * y\nl = []\nfor i in range(100000):\n    l.append(-x)\n".to_vec() => "limit exceeded";
    starlark_replace_growth: b"#!starlark\ns = 'a'\nfor i in range(40):\n    s = s.replace('a', 'aa')\n".to_vec() => "limit exceeded";
    // One native call that would allocate far more than the heap cap in one go (Rust aborts the
    // process when such an allocation fails): each is refused before it runs.
    starlark_join_capacity_guess: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [\"\"] * (1 << 20)\nx = s.join(l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_split_into_a_huge_list: b"#!starlark\ns = \"a\" * (60 << 20)\nx = s.split(\"a\")\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_str_of_a_shared_list: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [s] * 1000\nx = str(l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_format_repeats_an_argument: b"#!starlark\ns = \"a\" * (1 << 20)\nx = (\"{0}\" * 1000).format(s)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_elems_materialised: b"#!starlark\ns = \"a\" * (60 << 20)\nx = list(s.elems())\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_codepoints_materialised: b"#!starlark\ns = \"a\" * (60 << 20)\nx = list(s.codepoints())\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_join_of_elems: b"#!starlark\ns = \"a\" * (60 << 20)\nx = \", \".join(s.elems())\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_repr_of_shared_dicts: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [s] * 100\nd = {\"a\": l, \"b\": l}\nx = repr([d] * 100)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_percent_of_a_shared_list: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [s] * 1000\nx = \"%s %r\" % (l, l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_print_of_a_shared_list: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [s] * 1000\nprint(l, l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_fail_with_a_shared_list: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [s] * 1000\nfail(l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_replace_empty_pattern: b"#!starlark\ns = \"a\" * (1 << 20)\nx = s.replace(\"\", s)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_splitlines_huge: b"#!starlark\ns = \"\\n\" * (60 << 20)\nx = s.splitlines()\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_bound_method_join: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [\"\"] * (1 << 20)\nf = s.join\nx = f(l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_getattr_join: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [\"\"] * (1 << 20)\nx = getattr(s, \"join\")(l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_zip_of_many_lists: b"#!starlark\nl = [0] * (1 << 22)\nx = zip(l, l, l, l, l, l, l, l)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_enumerate_huge: b"#!starlark\nx = enumerate([0] * (4 << 20))\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    // Copies inside one expression: the element guard looks after each comprehension element,
    // too late for a 50 MB copy per element under the memory limit.
    starlark_slices_in_a_comprehension: b"#!starlark\ns = \"a\" * (50 << 20)\nx = [s[1:] for i in range(900)]\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_dict_union_in_a_comprehension: b"#!starlark\nd = {i: i for i in range(1 << 20)}\nx = [d | d for i in range(900)]\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_mutual_recursion: b"#!starlark\ndef f(n):\n    return g(n)\ndef g(n):\n    return f(n)\nf(0)\n".to_vec() => "limit exceeded";
    starlark_dict_doubling: b"#!starlark\nd = {}\nfor i in range(100000000):\n    d[i] = [i] * 1000\n".to_vec() => "limit exceeded";
    // A dict's entries live outside the arena: every new one is charged (128 bytes, see
    // `DICT_ENTRY_BYTES`), so the 256 MiB cap admits about two million of them, however they are
    // added. Each of these aborted, took 3 to 7 s, or came within a few MB of the memory limit.
    starlark_dict_comprehension: b"#!starlark\nx = {i: i for i in range(9000000)}\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_dict_filled_in_a_loop: b"#!starlark\nd = {}\nfor i in range(9000000):\n    d[i] = i\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_dict_filled_by_setdefault: b"#!starlark\nd = {}\nfor i in range(9000000):\n    d.setdefault(i, i)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_dict_updated_from_a_comprehension: b"#!starlark\nd = {}\nd.update({i: i for i in range(9000000)})\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_copies_of_a_dict_by_update: b"#!starlark\ne = {i: i for i in range(500000)}\nl = []\nfor j in range(100):\n    d = {}\n    d.update(e)\n    l.append(d)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_dict_filled_by_union_in_place: b"#!starlark\nd = {}\nfor i in range(9000000):\n    d |= {i: i}\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_dict_in_a_list_filled_by_union_in_place: b"#!starlark\nl = [{}]\nfor i in range(9000000):\n    l[0] |= {i: i}\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    // Augmented assignments are not operators to `replace_binary_operators`: each allocated far
    // more than the memory limit in one step (the process aborted).
    starlark_augmented_list_repetition: b"#!starlark\nx = [0]\nx *= 1000000000\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_augmented_string_repetition: b"#!starlark\ns = \"a\"\ns *= 2000000000\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    starlark_augmented_percent_of_a_shared_list: b"#!starlark\ns = \"a\" * (1 << 20)\nl = [s] * 1000\nx = \"%s\"\nx %= (l,)\n".to_vec() => "limit exceeded: starlark_max_heap_bytes";
    cue_reference_cycle: b"#!cue\na: b\nb: a\n".to_vec() => "error";
    cue_arithmetic_cycle: b"#!cue\na: a + 1\n".to_vec() => "error";
    // Arithmetic over 2^40 disjunct combinations: CUE leaves it unresolved (as `cue export` does).
    cue_exponential_disjunction: cue_disjunction_explosion() => "incomplete value";
    cue_repeated_disjunctions: format!("#!cue\nx: {}\n", vec!["(\"a\" | \"b\" | \"c\")"; 30].join(" & ")).into_bytes() => "error";
    cue_struct_disjunction_product: format!("#!cue\nx: {}\n", (0..30).map(|i| format!("({{a{i}: 1}} | {{b{i}: 2}})")).collect::<Vec<_>>().join(" & ")).into_bytes() => "limit exceeded";
    cue_self_embedding: b"#!cue\na: {b: a}\n".to_vec() => "error";
    cue_comprehension_blowup: b"#!cue\nl: [for a in [0,1,2,3,4,5,6,7,8,9] for b in [0,1,2,3,4,5,6,7,8,9] for c in [0,1,2,3,4,5,6,7,8,9] for d in [0,1,2,3,4,5,6,7,8,9] for e in [0,1,2,3,4,5,6,7,8,9] for f in [0,1,2,3,4,5,6,7,8,9] for g in [0,1,2,3,4,5,6,7,8,9] {a}]\n".to_vec() => "limit exceeded";
    yaml_deep_flow_mappings: nested("#!yaml\na: ", "{a: ", "}", "\n") => "limit exceeded: max_depth (128)";
    yaml_anchor_on_deep_alias_chain: (0..30_000).fold(String::from("#!yaml\na0: &a0 x\n"), |mut s, i| { writeln!(s, "a{}: &a{} [*a{i}]", i + 1, i + 1).expect("writing to a String works"); s }).into_bytes() => "limit exceeded";
    invalid_utf8: b"#!yaml\ntask: \xff\xfe\n".to_vec() => "not valid UTF-8";
    nul_bytes_json: b"#!json\n{\"task\": \0}".to_vec() => "error[parse]";
    nul_bytes_cue: b"#!cue\ntask: \0\n".to_vec() => "error";
    nul_bytes_starlark: b"#!starlark\nx = \0\n".to_vec() => "error";
    nul_bytes_yaml: b"#!yaml\ntask: \0\n".to_vec() => "error";
    invalid_utf8_starlark: b"#!starlark\nx = '\xc3\x28'\n".to_vec() => "not valid UTF-8";
    binary_garbage: (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect() => "error";
    oversized_source: format!("#!yaml\na: \"{}\"\n", "x".repeat(3 << 20)).into_bytes() => "limit exceeded: max_source_bytes";
}

fn pipeline_with_patterns(patterns: &[String]) -> Vec<u8> {
    let list = serde_json::to_string(patterns).expect("patterns serialise");
    format!(
        "#!json\n{{\"task\": {{\"t\": {{\"steps\": [{{\"name\": \"s\", \"image\": \"alpine\"}}]}}}},\n \"actions\": [{{\"tasks\": [\"t\"], \"on\": {{\"push\": {{\"branches\": {list}}}}}}}, {{\"tasks\": [\"t\"], \"on\": {{\"pull_request\": {{\"chatops\": [\"test\"]}}}}}}]}}\n"
    )
    .into_bytes()
}

/// `dispatch match` of `pipeline` (bytes of a Dispatchfile) against `event`: exit 0 and the fired actions.
fn fired(name: &str, pipeline: &[u8], event: &serde_json::Value) -> serde_json::Value {
    let event = temp_file(&format!("{name}.json"), event.to_string().as_bytes());
    let dispatchfile = temp_file(&format!("{name}.Dispatchfile"), pipeline);
    let r = run_limited(
        &[
            "match",
            dispatchfile.to_str().expect("utf-8 path"),
            "--event",
            event.to_str().expect("utf-8 path"),
        ],
        b"",
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("match output is JSON");
    out["actions"].clone()
}

fn push_pipeline(branches: &[String], paths: &[String]) -> Vec<u8> {
    let on = serde_json::json!({"push": {"branches": branches, "paths": paths}});
    let json = serde_json::json!({"task": {"t": {"steps": [{"name": "s", "image": "alpine"}]}}, "actions": [{"tasks": ["t"], "on": on}]});
    format!("#!json\n{json}\n").into_bytes()
}

/// Glob matching is linear in pattern × input: backtracking-bait patterns against
/// 100,000-character names finish in time with the right answer.
macro_rules! pathological_globs {
    ($($name:ident: branches $branches:expr, paths $paths:expr, branch $branch:expr, changed $changed:expr => $fires:expr;)*) => {$(
        #[test]
        fn $name() {
            let branches: Vec<String> = IntoIterator::into_iter($branches).map(Into::into).collect();
            let paths: Vec<String> = IntoIterator::into_iter($paths).map(Into::into).collect();
            let pipeline = push_pipeline(&branches, &paths);
            let event = serde_json::json!({"kind": "push", "branch": $branch, "commit": "c", "url": "u", "changed": $changed});
            let want: Vec<usize> = if $fires { vec![0] } else { vec![] };
            assert_eq!(fired(stringify!($name), &pipeline, &event), serde_json::json!(want));
        }
    )*};
}

pathological_globs! {
    glob_star_a_chain_no_b: branches [&format!("{}b", "*a".repeat(40))], paths [""; 0], branch "a".repeat(100_000), changed ["x"] => false;
    glob_star_a_chain_with_b: branches [&format!("{}b", "*a".repeat(40))], paths [""; 0], branch format!("{}b", "a".repeat(100_000)), changed ["x"] => true;
    glob_anystar_chain_in_paths: branches ["main"], paths [&format!("{}b", "**a".repeat(40))], branch "main", changed ["a/".repeat(50_000)] => false;
    glob_dirstar_chain_in_paths: branches ["main"], paths [&format!("{}x", "**/a/".repeat(40))], branch "main", changed [format!("{}b", "a/".repeat(50_000))] => false;
    glob_brace_product: branches [&"{a,aa,b}".repeat(100)], paths [""; 0], branch "a".repeat(100_000), changed ["x"] => false;
    glob_question_marks: branches [&"?".repeat(1000)], paths [""; 0], branch "a".repeat(100_000), changed ["x"] => false;
    glob_class_chain: branches [&format!("{}z", "[!/]*".repeat(150))], paths [""; 0], branch "a".repeat(100_000), changed ["x"] => false;
    glob_nested_braces: branches [&format!("{}a{}", "{x,".repeat(120), "}".repeat(120))], paths [""; 0], branch "a".repeat(100_000), changed ["x"] => false;
}

#[test]
fn fifty_thousand_patterns_are_a_limit_error() {
    let patterns: Vec<String> = (0..50_000).map(|i| format!("release/{i}/*")).collect();
    let file = pipeline_with_patterns(&patterns);
    let r = run_limited(&["validate", "-"], &file);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("limit exceeded: max_patterns_per_list (256)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.starts_with("<stdin>:"), "positioned: {}", r.stderr);
}

#[test]
fn multi_megabyte_chatops_comment_is_bounded() {
    // An event file is at most `max_event_bytes` (1 MiB): the multi-megabyte comment comes in a
    // webhook payload, which may be up to 25 MiB.
    let file = pipeline_with_patterns(&["main".to_owned()]);
    let comment = format!("/test {}", "x ".repeat(2 << 20));
    let payload = serde_json::json!({"action": "created", "issue": {"number": 1, "pull_request": {}},
        "comment": {"body": comment}, "repository": {"clone_url": "u"}});
    let payload = temp_file("comment.json", payload.to_string().as_bytes());
    let details = temp_file(
        "comment-details.json",
        br#"{"base": "main", "head": "f", "commit": "c"}"#,
    );
    let dispatchfile = temp_file("Dispatchfile-comment", &file);
    let r = run_limited(
        &[
            "match",
            dispatchfile.to_str().expect("utf-8 path"),
            "--github-event",
            "issue_comment",
            "--payload",
            payload.to_str().expect("utf-8 path"),
            "--pr-details",
            details.to_str().expect("utf-8 path"),
        ],
        b"",
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("match output is JSON");
    assert_eq!(
        out["actions"],
        serde_json::json!([1]),
        "the /test command fires the chatops action"
    );
}

// One long string copied at every place it is used: node counts stay small while the document
// would take gigabytes (`max_document_bytes`, 16 MiB, and CUE's `max_bytes`).
rejected! {
    yaml_aliases_of_a_long_string: format!("#!yaml\ns: &a \"{}\"\nl: [{}]\n", "x".repeat(800_000), vec!["*a"; 60_000].join(", ")).into_bytes() => "limit exceeded: max_document_bytes (16777216)";
    starlark_shared_long_string: b"#!starlark\ns = \"x\" * (2 << 20)\ntask(\"t\", steps=[k8s.corev1.Container(name=\"s\", image=\"i\", args=[s] * 120)])\n".to_vec() => "limit exceeded: max_document_bytes (16777216)";
    starlark_shared_huge_int: b"#!starlark\nn = 1 << 60\nfor i in range(8):\n    n = n * n\ntask(\"t\", steps=[k8s.corev1.Container(name=\"s\", image=\"i\", ports=[k8s.corev1.ContainerPort(containerPort=n)] * 4000)])\n".to_vec() => "limit exceeded: max_document_bytes (16777216)";
    cue_shared_long_string: b"#!cue\ns: \"x\" * 1000000\nl: [s, s, s, s, s, s, s, s, s, s]\nm: [l, l, l, l, l, l, l, l, l, l]\nn: [m, m, m, m, m, m, m, m, m, m]\n".to_vec() => "limit exceeded: max_bytes (16777216)";
    cue_string_doubling: (0..30).fold(String::from("#!cue\nimport \"strings\"\ns0: strings.Repeat(\"x\", 1000000)\n"), |mut s, i| { writeln!(s, "s{}: s{i} + s{i}", i + 1).expect("writing to a String works"); s }).into_bytes() => "limit exceeded: max_bytes (16777216)";
    cue_interpolation_repeats: format!("#!cue\ns: \"x\" * 1000000\nt: \"{}\"\n", "\\(s)".repeat(1000)).into_bytes() => "limit exceeded: max_bytes (16777216)";
    cue_replace_between_characters: b"#!cue\nimport \"strings\"\ns: \"x\" * 1000000\nt: strings.Replace(s, \"\", s, -1)\n".to_vec() => "limit exceeded: max_bytes (16777216)";
    cue_regexp_empty_matches: b"#!cue\nimport \"regexp\"\ns: \"x\" * 1000000\nt: regexp.ReplaceAll(\"\", s, s)\n".to_vec() => "limit exceeded: max_bytes (16777216)";
    cue_split_into_characters: b"#!cue\nimport \"strings\"\nimport \"list\"\ns: \"x\" * 1000000\nl: [for i in list.Range(0, 1000, 1) {strings.Split(s, \"\")}]\n".to_vec() => "limit exceeded: max_bytes (16777216)";
    cue_marshal_of_shared_strings: b"#!cue\nimport \"encoding/json\"\ns: \"x\" * 1000000\nl: [s, s, s, s, s, s, s, s, s, s]\nt: json.Marshal([l, l, l, l, l, l, l, l, l, l])\n".to_vec() => "limit exceeded: max_bytes (16777216)";
    starlark_formats_a_huge_int_repeatedly: b"#!starlark\nx = 1 << 60\nfor i in range(13):\n    x = x * x\nl = [str(x) for i in range(100)]\n".to_vec() => "limit exceeded: starlark_max_statements";
    starlark_parses_a_huge_int_repeatedly: b"#!starlark\ns = \"9\" * 150000\nl = [int(s) for i in range(100)]\n".to_vec() => "limit exceeded: starlark_max_statements";
    starlark_distinct_huge_ints_in_a_pipeline: b"#!starlark\nn = 1 << 60\nfor i in range(13):\n    n = n * n\ntask(\"t\", steps=[k8s.corev1.Container(name=\"s\", image=\"i\", ports=[k8s.corev1.ContainerPort(containerPort=n + i) for i in range(100)])])\n".to_vec() => "limit exceeded: starlark_max_statements";
    cue_million_empty_matches: b"#!cue\nimport \"regexp\"\ns: \"x\" * 1000000\nt: regexp.ReplaceAll(\"\", s, \"\")\nu: t & \"y\"\n".to_vec() => "conflicting values";
    cue_conflicts_with_a_long_string: b"#!cue\nimport \"list\"\ns: \"x\" * 1000000\nl: [for i in list.Range(0, 100000, 1) {(s & \"y\") | 1}]\n".to_vec() => "limit exceeded";
}

/// A minified Dispatchfile: every diagnostic is on one 230 kB line. Each shows only a piece of
/// that line around its caret, so the output stays linear in the input (it was quadratic: 5 GB
/// here, 7 GB for a 1 MB line).
#[test]
fn diagnostics_on_one_long_line_stay_small() {
    let tasks: Vec<String> = (0..10_000)
        .map(|i| format!("\"t{i}\": {{\"steps\": 1}}"))
        .collect();
    let file = format!("#!json\n{{\"task\": {{{}}}}}", tasks.join(", "));
    let r = run_limited(&["validate", "-"], file.as_bytes());
    assert_eq!(r.code, Some(1), "{}", &r.stderr[..r.stderr.len().min(500)]);
    assert!(
        r.stderr.lines().all(|l| l.len() < 400),
        "a snippet line of {} bytes",
        r.stderr.lines().map(str::len).max().unwrap_or(0)
    );
    assert!(
        r.stderr.len() < 10 << 20,
        "{} bytes of diagnostics",
        r.stderr.len()
    );
    // Two errors per task: 100 of each code are shown (`max_diagnostics_per_code`), and the
    // rest are counted on the last line.
    assert_eq!(r.stderr.matches(": error[").count(), 200);
    assert!(
        r.stderr
            .ends_with("… and 19,800 more diagnostics (19,800 errors, 0 warnings) not shown\n"),
        "{}",
        &r.stderr[r.stderr.len().saturating_sub(300)..]
    );
    assert_eq!(
        r.stdout, "20000 errors, 0 warnings\n",
        "the count includes them"
    );
}

// ---------------------------------------------------------------------------------------------
// Inputs the command reads: every file bounded by its limit before it is read whole, only
// regular files, modules only inside their root (symbolic links resolved), positioned errors
// for malformed events, payloads, pull request details and pod templates.

/// A fresh, empty temporary directory for one case.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dispatch-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A sparse file of `len` bytes (no disk or time spent on its content).
fn sparse_file(name: &str, len: u64) -> std::path::PathBuf {
    let path = temp_dir(name).join("big");
    let f = std::fs::File::create(&path).expect("temp file");
    f.set_len(len).expect("sparse length");
    path
}

/// A named pipe nobody writes to: reading it would block forever.
fn fifo(name: &str) -> std::path::PathBuf {
    let path = temp_dir(name).join("fifo");
    let ok = Command::new("mkfifo")
        .arg(&path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo made {}", path.display());
    path
}

const PUSH_PIPELINE: &str = "#!yaml\ntask:\n  t:\n    steps: [{name: s, image: alpine}]\nactions:\n  - tasks: [t]\n    on: {push: {branches: [main]}}\n";

fn path_str(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// `dispatch ARGS` (with `{file}` replaced by the case's file) must exit with `code` and print
/// `fragment` on stderr, and nothing on stdout.
macro_rules! input_cases {
    ($($name:ident: $file:expr, [$($arg:expr),*] => ($code:expr, $fragment:expr);)*) => {$(
        #[test]
        fn $name() {
            let file: std::path::PathBuf = $file;
            let dispatchfile = temp_file(concat!(stringify!($name), ".yaml"), PUSH_PIPELINE.as_bytes());
            let args: Vec<String> = vec![$($arg.to_owned()),*]
                .into_iter()
                .map(|a: String| a.replace("{file}", path_str(&file)).replace("{dispatchfile}", path_str(&dispatchfile)))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = run_limited(&args, b"");
            let fragment: String = $fragment.replace("{file}", path_str(&file));
            assert_eq!(r.code, Some($code), "exit status; stderr: {}", r.stderr);
            assert!(r.stderr.contains(&fragment), "expected {fragment:?} in {}", r.stderr);
            assert!(r.stdout.is_empty(), "nothing on stdout: {}", r.stdout);
        }
    )*};
}

const GIB_1_2: u64 = 1_288_490_189;

input_cases! {
    huge_dispatchfile_is_not_read: sparse_file("huge-file", GIB_1_2), ["validate", "{file}"]
        => (1, "{file}:1:1: error[limit-exceeded]: limit exceeded: max_source_bytes (1048576): the file has 1288490189 bytes");
    huge_event_is_not_read: sparse_file("huge-event", GIB_1_2), ["match", "{dispatchfile}", "--event", "{file}"]
        => (1, "{file}:1:1: error[limit-exceeded]: limit exceeded: max_event_bytes (1048576)");
    huge_payload_is_not_read: sparse_file("huge-payload", GIB_1_2), ["match", "{dispatchfile}", "--github-event", "push", "--payload", "{file}"]
        => (1, "{file}:1:1: error[limit-exceeded]: limit exceeded: max_payload_bytes (26214400)");
    huge_pr_details_are_not_read: sparse_file("huge-details", GIB_1_2), ["match", "{dispatchfile}", "--github-event", "push", "--payload", "{dispatchfile}", "--pr-details", "{file}"]
        => (1, "limit exceeded: max_event_bytes (1048576)");
    huge_pod_template_is_not_read: sparse_file("huge-template", GIB_1_2), ["render", "{dispatchfile}", "--task", "t", "--pod-template", "{file}"]
        => (1, "limit exceeded: max_source_bytes (1048576)");
    dev_zero_as_the_dispatchfile: "/dev/zero".into(), ["validate", "{file}"]
        => (2, "dispatch: cannot read /dev/zero: it is a device, not a regular file");
    dev_zero_as_the_payload: "/dev/zero".into(), ["match", "{dispatchfile}", "--github-event", "push", "--payload", "{file}"]
        => (2, "dispatch: cannot read payload /dev/zero: it is a device, not a regular file");
    dev_zero_as_the_event: "/dev/zero".into(), ["match", "{dispatchfile}", "--event", "{file}"]
        => (2, "it is a device, not a regular file");
    fifo_as_the_dispatchfile: fifo("fifo-file"), ["validate", "{file}"]
        => (2, "it is a FIFO (named pipe), not a regular file");
    fifo_as_the_payload: fifo("fifo-payload"), ["match", "{dispatchfile}", "--github-event", "push", "--payload", "{file}"]
        => (2, "it is a FIFO (named pipe), not a regular file");
    directory_as_the_dispatchfile: temp_dir("dir-file"), ["validate", "{file}"]
        => (2, "it is a directory, not a file");
}

#[test]
fn oversized_standard_input_is_read_only_to_the_limit() {
    let input = vec![b' '; 3 << 20];
    let r = run_limited(&["validate", "-"], &input);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.starts_with(
            "<stdin>:1:1: error[limit-exceeded]: limit exceeded: max_source_bytes (1048576): the input has more than 1048576 bytes"
        ),
        "{}",
        r.stderr
    );
}

/// A repository whose `lib.star` is a symbolic link to `target`, and a Dispatchfile loading it.
fn repo_linking_to(name: &str, target: &std::path::Path) -> std::path::PathBuf {
    let dir = temp_dir(name);
    std::os::unix::fs::symlink(target, dir.join("lib.star")).expect("symlink");
    let file = dir.join("Dispatchfile");
    std::fs::write(
        &file,
        "#!starlark\nload(\"/lib\", \"x\")\ntask(\"t\", steps=[k8s.corev1.Container(name=\"s\", image=\"alpine\")])\n",
    )
    .expect("Dispatchfile");
    file
}

macro_rules! escaping_loads {
    ($($name:ident: $target:expr;)*) => {$(
        #[test]
        fn $name() {
            let target: std::path::PathBuf = $target;
            let file = repo_linking_to(stringify!($name), &target);
            let r = run_limited(&["validate", path_str(&file)], b"");
            assert_eq!(r.code, Some(1), "{}", r.stderr);
            assert!(
                r.stderr.contains("error[load]: cannot load \"/lib\": ")
                    && r.stderr.contains("lib.star leads outside the repository (through a symbolic link)"),
                "{}",
                r.stderr
            );
            // Neither the target's name nor anything of its content is printed.
            assert!(!r.stderr.contains(path_str(&target)), "{}", r.stderr);
            assert!(!r.stderr.contains("root:"), "{}", r.stderr);
        }
    )*};
}

escaping_loads! {
    load_through_a_link_to_etc_passwd: "/etc/passwd".into();
    load_through_a_link_to_dev_zero: "/dev/zero".into();
    load_through_a_link_to_a_huge_file_elsewhere: sparse_file("link-huge-target", GIB_1_2);
    load_through_a_link_to_a_directory: "/usr".into();
}

#[test]
fn load_through_a_link_inside_the_repository_is_allowed() {
    let dir = temp_dir("link-inside");
    std::fs::create_dir_all(dir.join("real")).expect("dir");
    std::fs::write(dir.join("real/lib.star"), "x = 1\n").expect("module");
    std::os::unix::fs::symlink(dir.join("real/lib.star"), dir.join("lib.star")).expect("symlink");
    let file = dir.join("Dispatchfile");
    std::fs::write(
        &file,
        "#!starlark\nload(\"/lib\", \"x\")\ntask(\"t\", steps=[k8s.corev1.Container(name=\"s\", image=\"alpine\")])\n",
    )
    .expect("Dispatchfile");
    let r = run_limited(&["validate", path_str(&file)], b"");
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (Some(0), "ok\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn oversized_module_is_not_read_whole() {
    let dir = temp_dir("big-module");
    let f = std::fs::File::create(dir.join("lib.star")).expect("module");
    f.set_len(GIB_1_2).expect("sparse");
    let file = dir.join("Dispatchfile");
    std::fs::write(&file, "#!starlark\nload(\"/lib\", \"x\")\n").expect("Dispatchfile");
    let r = run_limited(&["validate", path_str(&file)], b"");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("limit exceeded: max_source_bytes (1048576): the file has 1288490189 bytes"),
        "{}",
        r.stderr
    );
}

/// A GitHub push payload with `extra` fields first.
fn push_payload(extra: &str) -> String {
    format!(
        r#"{{{extra}"ref":"refs/heads/main","after":"2222","before":"1111","commits":[{{"added":["a"]}}],"repository":{{"clone_url":"https://example.com/r.git"}}}}"#
    )
}

/// `dispatch match` of the push pipeline against a GitHub `push` payload (and `--pr-details`).
fn match_payload(name: &str, payload: &[u8], details: Option<&[u8]>) -> Run {
    let dispatchfile = temp_file(&format!("{name}.yaml"), PUSH_PIPELINE.as_bytes());
    let payload = temp_file(&format!("{name}.json"), payload);
    let details = details.map(|d| temp_file(&format!("{name}-details.json"), d));
    let mut args = vec![
        "match",
        path_str(&dispatchfile),
        "--github-event",
        "push",
        "--payload",
        path_str(&payload),
    ];
    if let Some(d) = &details {
        args.extend(["--pr-details", path_str(d)]);
    }
    run_limited(&args, b"")
}

#[test]
fn payload_of_24_mib_small_values_matches_in_bounded_memory() {
    // A `serde_json::Value` of this body took 34 times its size (over 800 MB, past the
    // 512 MB bound); the adapter keeps only the fields it reads.
    let filler = vec![r#"{"a":1,"b":[2,3],"c":"x"}"#; 980_000].join(",");
    let body = push_payload(&format!(r#""history":[{filler}],"#));
    assert!(
        body.len() > 24 << 20 && body.len() < 25 << 20,
        "{}",
        body.len()
    );
    let r = match_payload("payload-24mib", body.as_bytes(), None);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("match output is JSON");
    assert_eq!(out["actions"], serde_json::json!([0]));
}

#[test]
fn payload_over_github_cap_is_refused() {
    let filler = vec![r#"{"a":1}"#; 4_300_000].join(",");
    let body = push_payload(&format!(r#""history":[{filler}],"#));
    assert!(body.len() > 32 << 20);
    let r = match_payload("payload-32mib", body.as_bytes(), None);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains(":1:1: error[limit-exceeded]: limit exceeded: max_payload_bytes (26214400): the file has"),
        "{}",
        r.stderr
    );
}

#[test]
fn event_of_64_mib_is_refused() {
    let event = format!(
        r#"{{"kind":"push","branch":"main","commit":"c","url":"u","changed":["{}"]}}"#,
        "a".repeat(64 << 20)
    );
    let e = temp_file("event-64mib.json", event.as_bytes());
    let d = temp_file("event-64mib.yaml", PUSH_PIPELINE.as_bytes());
    let r = run_limited(&["match", path_str(&d), "--event", path_str(&e)], b"");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error[limit-exceeded]: limit exceeded: max_event_bytes (1048576)"),
        "{}",
        r.stderr
    );
}

fn deep(depth: usize) -> String {
    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
}

/// `dispatch match` of a payload (GitHub `push`) or pull request details that must be rejected
/// with exit 1 and `FILE:LINE:COL: error[CODE]: MESSAGE` (the file's name and `fragment`).
macro_rules! malformed_payloads {
    ($($name:ident: $payload:expr, $details:expr => $fragment:expr;)*) => {$(
        #[test]
        fn $name() {
            let payload: Vec<u8> = $payload;
            let details: Option<Vec<u8>> = $details;
            let r = match_payload(stringify!($name), &payload, details.as_deref());
            assert_eq!(r.code, Some(1), "{}", r.stderr);
            let first = r.stderr.lines().next().unwrap_or_default();
            let (at, message) = first.split_once(": error[").unwrap_or_else(|| panic!("{first}"));
            let mut parts = at.rsplitn(3, ':');
            let (col, line) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            assert!(
                col.parse::<u32>().is_ok() && line.parse::<u32>().is_ok(),
                "FILE:LINE:COL: {first}"
            );
            assert!(message.contains($fragment), "expected {:?} in {first}", $fragment);
        }
    )*};
}

malformed_payloads! {
    payload_not_utf8: b"{\"ref\": \"refs/heads/\xff\"}".to_vec(), None => "payload]: the payload is not valid UTF-8";
    payload_missing_field: br#"{"ref": "refs/heads/main"}"#.to_vec(), None => "payload]: GitHub push payload: missing a string at /after";
    payload_wrong_type: push_payload(r#""after": 5, "#).replacen(r#","after":"2222""#, "", 1).into_bytes(), None => "expected a string at /after";
    payload_not_an_object: b"[1, 2]".to_vec(), None => "GitHub push payload must be a JSON object";
    payload_not_json: b"{\"ref\": }".to_vec(), None => "GitHub push payload is not JSON";
    payload_nested_ten_thousand_deep: push_payload(&format!(r#""x": {}, "#, deep(10_000))).into_bytes(), None => "limit-exceeded]: limit exceeded: max_depth (128)";
    payload_nested_deep_in_a_read_field: format!(r#"{{"ref": "refs/heads/main", "after": "2", "commits": {}}}"#, deep(10_000)).into_bytes(), None => "limit exceeded: max_depth (128)";
    pr_details_not_utf8: push_payload("").into_bytes(), Some(b"{\"base\": \"\xfe\"}".to_vec()) => "the pull request details is not valid UTF-8";
    pr_details_missing_field: push_payload("").into_bytes(), Some(br#"{"base": "main"}"#.to_vec()) => "invalid pull request details: missing field `head`";
    pr_details_wrong_type: push_payload("").into_bytes(), Some(br#"{"base": 1, "head": "f", "commit": "c"}"#.to_vec()) => "invalid pull request details: invalid type: integer `1`, expected a string";
    pr_details_nested_deep: push_payload("").into_bytes(), Some(format!(r#"{{"base": "m", "head": "f", "commit": "c", "changed": [{}]}}"#, deep(10_000)).into_bytes()) => "invalid pull request details: ";
}

#[test]
fn event_not_utf8_is_positioned() {
    let e = temp_file(
        "event-utf8.json",
        b"{\"kind\": \"push\",\n \"branch\": \"\xc3\x28\"}",
    );
    let d = temp_file("event-utf8.yaml", PUSH_PIPELINE.as_bytes());
    let r = run_limited(&["match", path_str(&d), "--event", path_str(&e)], b"");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("event-utf8.json:2:13: error[event]: the event is not valid UTF-8"),
        "{}",
        r.stderr
    );
}

#[test]
fn pod_template_errors_are_positioned() {
    let t = temp_file("template.json", b"{\"nodeSelector\": 5}");
    let d = temp_file("template.yaml", PUSH_PIPELINE.as_bytes());
    let r = run_limited(
        &[
            "render",
            path_str(&d),
            "--task",
            "t",
            "--pod-template",
            path_str(&t),
        ],
        b"",
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("template.json:1:")
            && r.stderr
                .contains("error[parse]: invalid pod template: invalid type"),
        "{}",
        r.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Bulk diagnostics: capped, counted, and summarised; errors not shown still fail the run.

fn empty_steps(n: usize) -> Vec<u8> {
    format!(
        "#!json\n{{\"task\":{{\"t\":{{\"steps\":[{}]}}}}}}\n",
        vec!["{}"; n].join(",")
    )
    .into_bytes()
}

#[test]
fn forty_thousand_warnings_print_two_hundred_and_a_count() {
    let r = run_limited(&["validate", "-"], &empty_steps(20_000));
    assert_eq!(r.code, Some(0), "{}", &r.stderr[..r.stderr.len().min(500)]);
    assert_eq!(r.stdout, "0 errors, 40000 warnings\n");
    assert_eq!(r.stderr.matches(": warning[").count(), 200);
    assert!(
        r.stderr
            .ends_with("… and 39,800 more diagnostics (0 errors, 39,800 warnings) not shown\n"),
        "{}",
        &r.stderr[r.stderr.len().saturating_sub(300)..]
    );
}

#[test]
fn two_hundred_sixty_thousand_empty_steps_stay_small() {
    // 520,000 warnings were 183 MB of output and 838 MB of memory; now the decoded model's
    // budget stops the file with one error.
    let r = run_limited(&["validate", "-"], &empty_steps(260_000));
    assert_eq!(r.code, Some(1), "{}", &r.stderr[..r.stderr.len().min(500)]);
    assert!(
        r.stderr
            .contains("error[limit-exceeded]: limit exceeded: max_model_bytes (134217728)"),
        "{}",
        &r.stderr[..r.stderr.len().min(2000)]
    );
    assert!(r.stderr.len() < 1 << 20, "{} bytes", r.stderr.len());
    // The pipeline cut short is not validated: no follow-on warnings.
    assert_eq!(r.stdout, "1 error, 0 warnings\n");
}

#[test]
fn json_diagnostics_end_with_a_summary_object() {
    let r = run_limited(
        &["--message-format", "json", "validate", "-"],
        &empty_steps(20_000),
    );
    assert_eq!(r.code, Some(0), "{}", &r.stderr[..r.stderr.len().min(500)]);
    let lines: Vec<serde_json::Value> = r
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 201);
    let last = &lines[200];
    assert_eq!(last["summary"], true);
    assert_eq!(last["not_shown"], 39_800);
    assert_eq!(last["warnings_not_shown"], 39_800);
    assert_eq!(last["errors_not_shown"], 0);
}

#[test]
fn errors_not_shown_still_fail_the_run() {
    // 300 tasks without steps: 300 errors, 100 shown.
    let tasks: Vec<String> = (0..300)
        .map(|i| format!("\"t{i}\": {{\"steps\": []}}"))
        .collect();
    let file = format!("#!json\n{{\"task\": {{{}}}}}\n", tasks.join(", "));
    let r = run_limited(&["eval", "-"], file.as_bytes());
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr
            .ends_with("… and 200 more diagnostics (200 errors, 0 warnings) not shown\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Wrong output: quantities and integers are checked at their field.

#[test]
fn render_refuses_negative_and_huge_quantities_at_their_field() {
    let file = b"#!yaml\ntask:\n  t:\n    steps:\n      - name: s\n        image: alpine\n        resources:\n          limits: {cpu: \"-1\", memory: 1e999}\n        ports: [{containerPort: 4294967296}]\n";
    let r = run_limited(&["render", "-", "--task", "t"], file);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "nothing rendered: {}", r.stdout);
    for want in [
        "<stdin>:8:25: error[invalid-quantity]: step #0 of task \"t\": \"cpu\" is \"-1\", not a valid quantity",
        "<stdin>:8:39: error[invalid-quantity]: step #0 of task \"t\": \"memory\" is \"1e999\", not a valid quantity",
        "<stdin>:9:33: error[out-of-range]: step #0 of task \"t\": \"containerPort\" is 4294967296, out of range for a 32-bit integer",
    ] {
        assert!(r.stderr.contains(want), "expected {want:?} in {}", r.stderr);
    }
}

// ---------------------------------------------------------------------------------------------
// Post-evaluation passes on many tasks: each command gives its whole answer. 30,000 tasks
// of one step fit the memory bound (a Kubernetes step is 2 KiB in memory); the passes
// themselves are tested on 100,000 tasks in the libraries and in `cmd_graph`'s unit tests.

const SHAPE_TASKS: usize = 30_000;

/// A Starlark Dispatchfile of `n` tasks `t1000000…` (names of one length sort like their
/// numbers), task `i` with the deps `deps` (an expression over `i`), and one push action
/// running `run`.
fn starlark_tasks(n: usize, deps: &str, run: &str) -> Vec<u8> {
    format!(
        "#!starlark\nfor i in range({n}):\n    task(\"t%d\" % (1000000 + i), deps={deps}, steps=[k8s.corev1.Container(name=\"s\", image=\"alpine\")])\naction(tasks=[\"{run}\"], on=p.Condition(push=p.PushCondition(branches=[\"main\"])))\n"
    )
    .into_bytes()
}

macro_rules! graph_shapes {
    ($($name:ident: $deps:expr, $run:expr, [$($flag:expr),*] => ($edges:expr, $tasks:expr);)*) => {$(
        #[test]
        fn $name() {
            let file = starlark_tasks(SHAPE_TASKS, $deps, &$run);
            let r = run_limited(&["graph", $($flag,)* "-"], &file);
            assert_eq!(r.code, Some(0), "{}", r.stderr);
            let edges = r.stdout.lines().filter(|l| l.contains("->")).count();
            assert_eq!(edges, $edges, "edges");
            let event = temp_file(concat!(stringify!($name), ".json"), br#"{"kind":"push","branch":"main","commit":"c","url":"u"}"#);
            let r = run_limited(&["match", "-", "--event", path_str(&event)], &file);
            assert_eq!(r.code, Some(0), "{}", r.stderr);
            let out: serde_json::Value = serde_json::from_str(&r.stdout).expect("match output is JSON");
            assert_eq!(out["tasks"].as_array().map(Vec::len), Some($tasks), "the closure");
        }
    )*};
}

graph_shapes! {
    graph_chain: "[\"t%d\" % (999999 + i)] if i else []", format!("t{}", 999_999 + SHAPE_TASKS), [] => (SHAPE_TASKS - 1, SHAPE_TASKS);
    graph_star_mermaid: "[\"t1000000\"] if i else []", format!("t{}", 999_999 + SHAPE_TASKS), ["--mermaid"] => (SHAPE_TASKS - 1, 2);
    graph_wide_fan_in: &format!("[\"t%d\" % (1000000 + j) for j in range(1, {SHAPE_TASKS})] if i == 0 else []"), format!("t{}", 1_000_000), [] => (SHAPE_TASKS - 1, SHAPE_TASKS);
}
