//! Hostile Starlark ends with `limit exceeded` inside the limits: never a hang, an abort
//! or a stack overflow. Small limits keep each case fast.

use dispatchfile_model::Limits;

use super::{MODERN, first_error, star_with};

/// `n` nested `if` blocks.
fn nested_ifs(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&" ".repeat(i));
        s.push_str("if True:\n");
    }
    s + &" ".repeat(n) + "pass\n"
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.starlark_max_statements = 50_000;
    l.starlark_max_heap_bytes = 32 << 20;
    l.starlark_max_call_depth = 64;
    l
}

/// Each row must fail with `limit exceeded: <field>` at a position.
macro_rules! limit_cases {
    ($($name:ident: $src:expr => $field:literal;)*) => {$(
        #[test]
        fn $name() {
            let src: String = $src;
            let e = star_with(&format!("{MODERN}{src}"), None, &limits());
            let d = e.diagnostics().into_iter().find(|d| d.is_error()).expect("an error");
            let text = d.render(&e.parsed.files, "Dispatchfile");
            assert_eq!(d.code, "limit-exceeded", "{text}");
            assert!(text.contains(concat!("limit exceeded: ", $field, " (")), "{text}");
            assert!(d.span.is_some(), "the limit error has a position: {text}");
            assert!(e.parsed.document.is_none(), "no partial document");
        }
    )*};
}

limit_cases! {
    recursion: "def f(n):\n    return f(n + 1)\nf(0)\n".to_owned() => "starlark_max_call_depth";
    lambda_recursion: "f = lambda n: f(n)\nf(0)\n".to_owned() => "starlark_max_call_depth";
    mutual_recursion: "def a(n):\n    return b(n)\ndef b(n):\n    return a(n)\na(0)\n".to_owned() => "starlark_max_call_depth";
    endless_loop: "for i in range(1000000000):\n    pass\n".to_owned() => "starlark_max_statements";
    // A product's time grows with the product of the lengths; it is charged to the budget.
    big_int_squaring: "f = lambda v, n: v if n == 0 else f(v * v, n - 1)\nx = f(1 << 100000, 13)\n".to_owned() => "starlark_max_statements";
    big_int_squared_in_a_loop: "x = 3\nfor i in range(40):\n    x = x * x\n".to_owned() => "starlark_max_statements";
    // Big-int digits live outside the arena; sums and negations record them.
    big_int_sums_in_a_loop: "x = 1 << 100000\nl = []\nfor i in range(20000):\n    l.append(x + i)\n".to_owned() => "starlark_max_heap_bytes";
    big_int_negated_in_a_loop: "x = 1 << 100000\nl = []\nfor i in range(20000):\n    l.append(-x)\n".to_owned() => "starlark_max_heap_bytes";
    nested_loops_in_a_function: "def g():\n    for i in range(100000):\n        for j in range(100000):\n            x = i\ng()\n".to_owned() => "starlark_max_statements";
    nested_comprehension: "x = [j for i in range(100000) for j in range(100000)]\n".to_owned() => "starlark_max_statements";
    materialised_range: "x = list(range(1000000000))\n".to_owned() => "starlark_max_statements";
    list_repetition: "x = [0] * 1000000000\n".to_owned() => "starlark_max_heap_bytes";
    string_repetition: "x = 'a' * 2000000000\n".to_owned() => "starlark_max_heap_bytes";
    huge_int_repetition: "x = [1, 2] * 100000000000000000000\n".to_owned() => "starlark_max_heap_bytes";
    list_doubling: "x = [0]\nfor i in range(64):\n    x = x + x\n".to_owned() => "starlark_max_heap_bytes";
    string_doubling: "s = 'a'\nfor i in range(64):\n    s = s + s\n".to_owned() => "starlark_max_heap_bytes";
    in_place_doubling: "x = [0]\nfor i in range(64):\n    x += x\n".to_owned() => "starlark_max_heap_bytes";
    extend_doubling: "x = [0]\nfor i in range(64):\n    x.extend(x)\n".to_owned() => "starlark_max_heap_bytes";
    // `+=` reaches no operator guard: `_dispatch_iadd` checks the result first.
    string_in_place_doubling: "s = 'a'\nfor i in range(64):\n    s += s\n".to_owned() => "starlark_max_heap_bytes";
    tuple_in_place_doubling: "t = (0,)\nfor i in range(64):\n    t += t\n".to_owned() => "starlark_max_heap_bytes";
    index_in_place_doubling: "l = [[0]]\nfor i in range(64):\n    l[0] += l[0]\n".to_owned() => "starlark_max_heap_bytes";
    replace_doubling: "s = 'a'\nfor i in range(64):\n    s = s.replace('a', 'aa')\n".to_owned() => "starlark_max_heap_bytes";
    deep_literal: format!("x = {}{}\n", "[".repeat(3_000), "]".repeat(3_000)) => "max_depth";
    long_plus_chain: format!("x = {}1\n", "1 + ".repeat(100_000)) => "max_depth";
    // A flat chain is one level deep however long (dispatchfile-starlark's nesting tests); a
    // sum nested in parentheses is as deep as it is long.
    moderate_nested_sum: format!("x = {}1{}\n", "1 + (".repeat(500), ")".repeat(500)) => "max_depth";
    deep_indentation: nested_ifs(200) => "max_depth";
    deep_structure_formatted: "x = []\nfor i in range(20000):\n    x = [x]\ns = str(x)\n".to_owned() => "max_depth";
    deep_structure_percent: "x = {}\nfor i in range(20000):\n    x = {'a': x}\ns = '%s' % x\n".to_owned() => "max_depth";
    deep_structure_printed: "x = ()\nfor i in range(20000):\n    x = (x,)\nprint(x)\n".to_owned() => "max_depth";
    deep_structure_in_a_task: "x = {}\nfor i in range(1000):\n    x = {'a': x}\ntask('t', steps = [k8s.corev1.Container(name = 's')], metadata = {'labels': x})\n".to_owned() => "max_depth";
}

/// `src` (then one more statement) fails with `starlark_max_heap_bytes` exactly at `at`, and
/// leaves no document.
fn assert_heap_refused(src: &str, at: &str, limits: &Limits) {
    let src = format!("{MODERN}{src}y = 1\n");
    let e = star_with(&src, None, limits);
    assert_eq!(
        first_error(&e),
        format!(
            "Dispatchfile:{at}: error[limit-exceeded]: limit exceeded: starlark_max_heap_bytes (33554432)"
        ),
        "{src}"
    );
    assert!(e.parsed.document.is_none(), "no partial document");
}

/// One native call (or many inside one statement) that would take the heap far over the cap is
/// refused before it runs, at the call. Each row is followed by another statement, so a missing
/// guard shows: the cancellation check would report a later tick, or nothing at all (memory
/// outside the arena, and lists of shared empty strings, are invisible to it).
macro_rules! refused_at {
    ($($name:ident: $src:expr => $at:literal;)*) => {$(
        #[test]
        fn $name() {
            assert_heap_refused($src, $at, &limits());
        }
    )*};
}

refused_at! {
    // starlark's `join` reserves max(len(first), len(second)) × n + len(sep) × (n − 1) up front.
    join_capacity_guess: "s = \"a\" * (1 << 13)\nl = [\"\"] * (1 << 13)\nx = s.join(l)\n" => "4:5";
    join_of_elems: "s = \"a\" * (1 << 18)\nx = (\"-\" * 100).join(s.elems())\n" => "3:6";
    elems_refused_when_made: "s = \"a\" * (1 << 21)\nx = \"--\".join(s.elems())\n" => "3:15";
    split_into_a_huge_list: "s = \"a\" * (1 << 20)\nx = s.split(\"a\")\n" => "3:5";
    rsplit_on_whitespace: "s = \"a \" * (1 << 20)\nx = s.rsplit()\n" => "3:5";
    splitlines_huge: "s = \"\\n\" * (1 << 20)\nx = s.splitlines()\n" => "3:5";
    str_of_a_shared_list: "s = \"a\" * (1 << 16)\nl = [s] * 1000\nx = str(l)\n" => "4:5";
    repr_of_shared_dicts: "s = \"a\" * (1 << 16)\nl = [s] * 100\nd = {\"a\": l, \"b\": l}\nx = repr([d, d, d])\n" => "5:5";
    percent_of_a_shared_list: "s = \"a\" * (1 << 16)\nl = [s] * 1000\nx = \"<%s>\" % (l,)\n" => "4:5";
    print_of_a_shared_list: "s = \"a\" * (1 << 16)\nl = [s] * 1000\nprint(\"x\", l)\n" => "4:1";
    fail_with_a_shared_list: "s = \"a\" * (1 << 16)\nl = [s] * 1000\nfail(l)\n" => "4:1";
    format_repeats_an_argument: "s = \"a\" * (1 << 16)\nx = (\"{0}\" * 1000).format(s)\n" => "3:6";
    format_repr_of_a_shared_list: "s = \"a\" * (1 << 16)\nl = [s] * 1000\nx = \"{!r}\".format(l)\n" => "4:5";
    replace_growth: "s = \"a\" * (1 << 16)\nx = s.replace(\"a\", \"a\" * 1000)\n" => "3:5";
    replace_empty_pattern: "s = \"a\" * 5000\nx = s.replace(\"\", s)\n" => "3:5";
    elems_materialised: "s = \"a\" * (1 << 21)\nx = list(s.elems())\n" => "3:10";
    codepoints_materialised: "s = \"a\" * (1 << 21)\nx = list(s.codepoints())\n" => "3:10";
    // The iterator checks again when it is iterated, against the heap of that moment.
    elems_iterated_after_the_heap_grew: "s = \"a\" * (1 << 20)\nit = s.elems()\npad = \"b\" * (10 << 20)\nx = max(it)\n" => "5:5";
    bound_method_join: "s = \"a\" * (1 << 13)\nl = [\"\"] * (1 << 13)\nf = s.join\nx = f(l)\n" => "5:5";
    getattr_join: "s = \"a\" * (1 << 13)\nl = [\"\"] * (1 << 13)\nx = getattr(s, \"join\")(l)\n" => "4:5";
    zip_of_many_lists: "l = [0] * (1 << 19)\nx = zip(l, l, l, l, l, l, l, l)\n" => "3:5";
    enumerate_huge: "x = enumerate([0] * (1 << 19))\n" => "2:5";
    // Squaring inside one expression: the digits of big ints live outside the arena.
    // Copies inside one expression: the cancellation check runs every thousand ticks, after
    // many copies were made; the guards refuse the copy itself.
    slices_in_a_comprehension: "s = \"a\" * (1 << 22)\nx = [len(s[1:]) for i in range(100)]\n" => "3:10";
    upper_in_a_comprehension: "s = \"a\" * (1 << 20)\nx = [len(s.upper()) for i in range(100)]\n" => "3:10";
    // The element check (`_dispatch_item`) sees the arena over the cap before the next copy.
    items_in_a_comprehension: "d = dict(zip(range(1 << 15), range(1 << 15)))\nx = [len(d.items()) for i in range(100)]\n" => "3:10";
    dict_union_in_a_comprehension: "d = dict(zip(range(1 << 15), range(1 << 15)))\nx = [len(d | d) for i in range(100)]\n" => "3:10";
    dict_copies_in_a_comprehension: "d = dict(zip(range(1 << 15), range(1 << 15)))\nx = [len(dict(d)) for i in range(100)]\n" => "3:10";
    extend_in_a_comprehension: "l = [0] * 1000\nx = [(i, l.extend(l)) for i in range(14)]\n" => "3:10";
    // A new big int per element: its digits live outside the arena.
    big_ints_in_a_comprehension: "x = 1 << 100000\ny = [-x for i in range(10000)]\n" => "3:6";
    big_int_keys_in_a_dict_comprehension: "x = 1 << 100000\ny = {x + i: 0 for i in range(10000)}\n" => "3:6";
    big_int_values_in_a_dict_comprehension: "x = 1 << 100000\ny = {i: -x for i in range(10000)}\n" => "3:9";
    // Augmented assignments are not operators to `replace_binary_operators`: each of these
    // allocated far more than the cap in one go (the process aborted).
    augmented_list_repetition: "x = [0]\nx *= 1000000000\n" => "3:1";
    augmented_string_repetition: "s = 'a'\ns *= 2000000000\n" => "3:1";
    augmented_repetition_of_an_index: "l = [[0]]\nl[0] *= 1000000000\n" => "3:1";
    augmented_repetition_of_an_attribute: "c = k8s.corev1.Container(name = 's', args = ['a'])\nc.args *= 1000000000\n" => "3:1";
    augmented_percent_of_a_shared_list: "s = \"a\" * (1 << 16)\nl = [s] * 1000\nx = \"%s\"\nx %= (l,)\n" => "5:1";
}

/// Dict entries live outside the arena: a comprehension or a loop of index assignments that fills
/// a dict is refused at the key once the entries would take the heap over the cap (a large
/// statement budget, so that the heap cap is what stops them).
macro_rules! refused_with_a_large_budget {
    ($($name:ident: $src:expr => $at:literal;)*) => {$(
        #[test]
        fn $name() {
            let mut l = limits();
            l.starlark_max_statements = 10_000_000;
            assert_heap_refused($src, $at, &l);
        }
    )*};
}

refused_with_a_large_budget! {
    dict_comprehension: "x = {i: i for i in range(1000000)}\n" => "2:6";
    nested_dict_comprehension: "x = {(i, j): 0 for i in range(1000) for j in range(1000)}\n" => "2:6";
    dict_filled_in_a_loop: "d = {}\nfor i in range(1000000):\n    d[i] = i\n" => "4:7";
    dict_filled_through_a_call: "d = {}\ndef f():\n    return d\nfor i in range(1000000):\n    f()[i] = i\n" => "6:9";
    dict_filled_by_a_loop_target: "d = {}\ni = 0\nfor d[i] in range(1000000):\n    i += 1\n" => "4:7";
    // `setdefault` adds its key like `d[k] = v`, whichever way it is called.
    dict_filled_by_setdefault: "d = {}\nfor i in range(1000000):\n    d.setdefault(i, i)\n" => "4:18";
    dict_filled_by_setdefault_with_star_args: "d = {}\nfor i in range(1000000):\n    d.setdefault(*(i, i))\n" => "4:5";
    dict_filled_by_a_bound_setdefault: "d = {}\nf = d.setdefault\nfor i in range(1000000):\n    f(i, i)\n" => "5:5";
    dict_filled_by_getattr_setdefault: "d = {}\nfor i in range(1000000):\n    getattr(d, 'setdefault')(i, i)\n" => "4:5";
    // `update` is checked for what it could add and charged for what it added.
    dict_updated_with_a_pair_in_a_loop: "d = {}\nfor i in range(1000000):\n    d.update([(i, i)])\n" => "4:5";
    dict_updated_with_a_dict_in_a_loop: "d = {}\nfor i in range(1000000):\n    d.update({i: i})\n" => "4:5";
    copies_of_a_dict_by_update: "e = {i: i for i in range(100000)}\nl = []\nfor j in range(100):\n    d = {}\n    d.update(e)\n    l.append(d)\n" => "6:5";
    dict_updated_from_a_comprehension: "d = {}\nd.update({i: i for i in range(1000000)})\n" => "3:11";
    dict_of_a_comprehension_of_pairs: "d = dict([(i, i) for i in range(1000000)])\n" => "2:27";
    dict_of_zipped_ranges: "d = dict(zip(range(1000000), range(1000000)))\n" => "2:10";
    // A dict's `|=` adds to it in place.
    dict_filled_by_union_in_place: "d = {}\nfor i in range(1000000):\n    d |= {i: i}\n" => "4:10";
    dict_in_a_list_filled_by_union_in_place: "l = [{}]\nfor i in range(1000000):\n    l[0] |= {i: i}\n" => "4:13";
    dict_filled_by_union_in_place_through_a_call: "l = [{}]\ndef f():\n    return l\nfor i in range(1000000):\n    f()[0] |= {i: i}\n" => "6:15";
}

#[test]
fn overwriting_one_key_is_not_charged() {
    // The same key again and again: the dict does not grow, so nothing is charged.
    let mut l = limits();
    l.starlark_max_statements = 10_000_000;
    let src = format!("{MODERN}d = {{}}\nfor i in range(1000000):\n    d[0] = i\n");
    let e = star_with(&src, None, &l);
    assert_eq!(first_error(&e), "");
}

#[test]
fn setdefault_and_union_of_present_keys_are_not_charged() {
    // The same key again and again: the dict does not grow, so nothing is charged (128 bytes a
    // call would be 256 MB).
    let mut l = limits();
    l.starlark_max_statements = 10_000_000;
    let src = format!(
        "{MODERN}d = {{0: 0}}\ne = {{0: 1}}\nfor i in range(1000000):\n    d.setdefault(0, i)\n    d |= e\n"
    );
    let e = star_with(&src, None, &l);
    assert_eq!(first_error(&e), "");
}

#[test]
fn updates_with_present_keys_are_not_charged() {
    // `update` is checked for all 30,000 pairs (3.8 MB) but charged for what the dict gained:
    // nothing after the copy (charging every update would be 38 MB).
    let src = format!(
        "{MODERN}e = {{i: i for i in range(30000)}}\nd = dict(e)\nfor j in range(10):\n    d.update(e)\n"
    );
    let e = star_with(&src, None, &limits());
    assert_eq!(first_error(&e), "");
}

#[test]
fn the_statement_budget_spans_modules_and_test_functions() {
    let src = format!(
        "{MODERN}def test_spin(ctx):\n    for i in range(30000):\n        pass\nfor i in range(30000):\n    pass\n"
    );
    let e = star_with(&src, None, &limits());
    assert!(
        first_error(&e).contains("limit exceeded: starlark_max_statements (50000)"),
        "{}",
        first_error(&e)
    );
}

#[test]
fn oversized_source_is_refused_before_parsing() {
    let mut l = limits();
    l.max_source_bytes = 100;
    let e = star_with(&format!("{MODERN}x = \"{}\"\n", "a".repeat(200)), None, &l);
    assert!(
        first_error(&e).contains("limit exceeded: max_source_bytes (100)"),
        "{}",
        first_error(&e)
    );
}

/// Deep structures that Starlark formats or hashes recursively end cleanly: either fine (the
/// evaluation thread's stack holds them) or a limit error, never an abort.
#[test]
fn deep_structures_in_unguarded_operations_end_cleanly() {
    for src in [
        "x = ()\nfor i in range(20000):\n    x = (x,)\nd = {x: 1}\n",
        "x = []\nfor i in range(20000):\n    x = [x]\ns = '{}'.format(x)\n",
        "x = []\nfor i in range(20000):\n    x = [x]\ny = [x]\nok = x == y[0]\n",
        // Left to starlark's own comparison guard (docs/security.md): keys from a `key`
        // function, and deep tuple keys of a dict looked up by indexing.
        "def t():\n    x = []\n    for i in range(5000):\n        x = [x]\n    return x\ns = sorted([1, 2], key = lambda i: t())\n",
        "def t():\n    x = ()\n    for i in range(5000):\n        x = (x,)\n    return x\nd = {t(): 1}\nv = d[t()]\n",
    ] {
        let e = star_with(&format!("{MODERN}{src}"), None, &limits());
        let err = first_error(&e);
        assert!(
            err.is_empty() || err.contains("limit exceeded") || err.contains("error[starlark]"),
            "{src}: {err}"
        );
    }
}

#[test]
fn limits_are_reported_with_the_configured_value() {
    let mut l = limits();
    l.starlark_max_call_depth = 10;
    let e = star_with(
        &format!("{MODERN}def f(n):\n    return f(n + 1)\nf(0)\n"),
        None,
        &l,
    );
    assert!(
        first_error(&e).contains("limit exceeded: starlark_max_call_depth (10)"),
        "{}",
        first_error(&e)
    );
}
