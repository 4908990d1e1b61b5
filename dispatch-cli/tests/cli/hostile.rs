//! Hostile input through the built binary (issue 5, SPEC §6): every case ends within 2 s and
//! 512 MB — exit 1 with a `limit exceeded` or positioned error, or, for matching, the right answer.
//!
//! The memory bound is an address-space limit (`ulimit -v`) set by `sh` before exec. The time
//! bound is a hang guard, not a speed measurement: a case that is still running after 2 s is
//! killed and fails.

use std::fmt::Write as _;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(2);
const MEMORY_LIMIT_KB: u64 = 512 * 1024;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Hostile cases run one at a time: each measures its own time and memory bound, so two of them
/// must not compete for the same cores.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `dispatch ARGS` under the memory limit, feeding `stdin`, killing it after the time limit.
fn run_limited(args: &[&str], stdin: &[u8]) -> Run {
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
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dispatch {args:?} still running after {TIME_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
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
    // Copies inside one expression: the statement hook looks before each comprehension element,
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

/// Glob matching is linear in pattern × input (SPEC §4.1): backtracking-bait patterns against
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
    let file = pipeline_with_patterns(&["main".to_owned()]);
    let comment = format!("/test {}", "x ".repeat(2 << 20));
    let event = serde_json::json!({"kind": "pull_request_comment", "number": 1, "base": "main", "head": "f",
        "commit": "c", "url": "u", "comment": comment});
    let event = temp_file("comment.json", event.to_string().as_bytes());
    let dispatchfile = temp_file("Dispatchfile-comment", &file);
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
    assert_eq!(
        r.stderr.matches(": error[").count(),
        20_000,
        "two errors per task"
    );
}
