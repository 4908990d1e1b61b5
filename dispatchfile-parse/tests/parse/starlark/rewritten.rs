//! Method calls with a guarded name, attribute reads of such names, slices and the wrapped
//! globals go through size-checked natives (the evaluated text is rewritten): legitimate uses
//! give the same values as before, and diagnostics point at what the author wrote.

use super::{MODERN, MemLoader, first_error, raw, star, star_with};

const CATALOG: &str = "github.com/mesosphere/dispatch-catalog/starlark";

/// A task whose step image is the value of the Starlark expression `$e` (a string).
fn image_of(prelude: &str, expr: &str) -> String {
    format!(
        "{MODERN}{prelude}task(\"t\", steps = [k8s.corev1.Container(name = \"s\", image = {expr})])\n"
    )
}

/// Each row evaluates `prelude` and checks the string `expr` evaluates to.
macro_rules! values {
    ($($name:ident: $prelude:expr, $expr:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let e = star(&image_of($prelude, $expr));
            let want = format!(r#"{{"task":{{"t":{{"steps":[{{"image":{},"name":"s"}}]}}}}}}"#, serde_json::to_string($want).expect("a string"));
            assert_eq!(raw(&e), want, "{} / {}", $prelude, $expr);
        }
    )*};
}

values! {
    join_of_a_list: "", "\", \".join([\"a\", \"b\", \"c\"])" => "a, b, c";
    join_of_a_tuple_and_of_a_dict: "d = {\"x\": 1, \"y\": 2}\n", "\"-\".join((\"a\", \"b\")) + \"/\" + \"\".join(d)" => "a-b/xy";
    join_of_one_item: "", "\"-\".join([\"only\"])" => "only";
    format_with_two_arguments: "a = \"x\"\nb = 2\n", "\"{}-{}\".format(a, b)" => "x-2";
    format_by_name_index_and_repr: "", "\"{n}{0}{1!r}\".format(\"a\", \"b\", n = 1)" => "1a\"b\"";
    chained_replace_and_split: "", "\",\".join(\"a;b;c\".replace(\";\", \",\").split(\",\")[1:])" => "b,c";
    spread_over_lines_with_a_comment: "x = \"-\" . join (  # why\n    [\"a\",\n     \"b\"],\n)\n", "x" => "a-b";
    line_continuation: "x = \"a b\" \\\n    .split(\" \")\n", "x[1]" => "b";
    parenthesised_receiver: "", "(\"ab\" + \"c\").upper()" => "ABC";
    case_and_strip: "", "\"  Hello \".strip().lower() + \"x\".capitalize() + \"a b\".title()" => "helloXA B";
    partition_and_removeprefix: "", "\"a=b\".partition(\"=\")[2] + \"pre-x\".removeprefix(\"pre-\")" => "bx";
    splitlines_and_rsplit: "", "\"a\\nb\".splitlines()[1] + \"x y z\".rsplit(\" \", 1)[0]" => "bx y";
    elems_and_codepoints: "", "\"\".join(reversed(list(\"héllo\".elems()))) + str(list(\"ab\".codepoints()))" => "olléh[97, 98]";
    elems_iterated_in_a_loop: "out = []\nfor c in \"abc\".elems():\n    out.append(c.upper())\n", "\"\".join(out)" => "ABC";
    dict_views: "d = {\"b\": 2, \"a\": 1}\n", "str(sorted(d.keys())) + str(list(d.values())) + str(d.items()[0])" => "[\"a\", \"b\"][2, 1](\"b\", 2)";
    list_extend: "l = [1]\nl.extend([2, 3])\nl.extend((4,))\n", "str(l)" => "[1, 2, 3, 4]";
    slices: "", "\"abcdef\"[1:4] + \"abc\"[::-1] + \"abc\"[:] + str([1, 2, 3][1:]) + str((1, 2, 3)[:1])" => "bcdcbaabc[2, 3](1,)";
    slices_with_negatives_and_a_none_stride: "", "\"abcdef\"[:-2] + \"abcdef\"[-2:] + \"abcdef\"[::2] + \"xyz\"[1::None]" => "abcdefaceyz";
    bound_method_value: "f = \", \".join\n", "f([\"a\", \"b\"])" => "a, b";
    getattr_of_a_method: "", "\"|\".join(getattr(\"a-b\", \"split\")(\"-\")) + getattr(\"x\", \"nope\", \"!\")" => "a|b!";
    user_struct_with_method_fields: "s = struct(join = lambda l: \"J%d\" % len(l), format = lambda *a, **k: \"F\", items = [1])\n", "s.join([1, 2]) + s.format(1, x = 2) + str(s.items)" => "J2F[1]";
    struct_field_read_without_call: "s = struct(values = \"v\")\nv = s.values\n", "v" => "v";
    wrapped_globals: "", "str(list((1, 2))) + str(tuple([3])) + str(sorted([2, 1])) + str(list(reversed([1, 2]))) + str(enumerate([\"a\"])) + str(zip([1], [2])) + str(dict(a = 1)) + str(struct(a = 1))" => "[1, 2](3,)[1, 2][2, 1][(0, \"a\")][(1, 2)]{\"a\": 1}struct(a=1)";
    percent_and_repr: "", "\"%s-%d-%r\" % (\"a\", 1, \"b\") + repr([\"x\"])" => "a-1-\"b\"[\"x\"]";
    dict_union: "", "str({\"a\": 1} | {\"b\": 2})" => "{\"a\": 1, \"b\": 2}";
    cycles_print_as_ellipsis: "l = [1]\nl.append(l)\n", "str(l)" => "[1, [...]]";
    list_and_dict_comprehensions: "l = [(x * 2) for x in range(3) if x]\nd = {k : v.upper() for k, v in [(1, \"a\"), (2, \"b\")]}\n", "str(l) + str(d)" => "[2, 4]{1: \"A\", 2: \"B\"}";
    nested_comprehensions: "l = [[j + i for j in range(i)] for i in range(3)]\nd = {i: {j: i for j in range(i)} for i in range(2)}\n", "str(l) + str(d)" => "[[], [1], [2, 3]]{0: {}, 1: {0: 1}}";
    comprehension_over_tuples_and_slices: "l = [(a, b) for a, b in zip(\"ab\".elems(), [1, 2])]\n", "str(l) + str([s[1:] for s in [\"xy\", \"z\"]])" => "[(\"a\", 1), (\"b\", 2)][\"y\", \"\"]";
    augmented_assignments: "x = [1]\nx *= 2\ns = \"%s!\"\ns %= \"a\"\nd = {1: 1}\nalias = d\nd |= {2: 2}\nd |= d\nl = [{}]\nl[0] |= {3: 3}\nt = [[1]]\nt[0] *= 2\nn = 6\nn |= 1\ndef f():\n    return l\nf()[0] |= {4: 4}\n", "str(x) + s + str(alias) + str(l) + str(t) + str(n)" => "[1, 1]a!{1: 1, 2: 2}[{3: 3, 4: 4}][[1, 1]]7";
    setdefault_and_update: "d = {}\nd.setdefault(\"a\", 1)\nd.setdefault(\"a\", 2)\nx = d.setdefault(\"b\", [])\nx.append(3)\nd.update({\"c\": 4}, e = 5)\nd.update([(\"f\", 6)])\nf = d.setdefault\nf(\"g\")\nd.setdefault(*(\"h\", 7))\n", "str(d)" => "{\"a\": 1, \"b\": [3], \"c\": 4, \"e\": 5, \"f\": 6, \"g\": None, \"h\": 7}";
    index_assignments_spread_over_lines: "d = {}\nd[\n  \"a\" +\n  \"b\"\n] = (\n  1 +\n  2)\nl = [0, 0]\nl[(1)] = 5\nd[1], l[0] = 7, 8\nfor d[2] in [9]:\n    pass\ndef f():\n    return d\nf()[3] = 4\nd[3] += 1\n", "str(d) + str(l)" => "{\"ab\": 3, 1: 7, 2: 9, 3: 5}[8, 5]";
}

#[test]
fn catalog_code_uses_replace_and_elems() {
    // `clean` (tag 0.0.1, legacy sugar) replaces "/", ":" and "."; `sanitize` iterates elems().
    let legacy = "#!starlark\ntask(clean(\"a/b:c.d\"), steps = [k8s.corev1.Container(name = \"s\", image = \"i\")])\n";
    assert_eq!(
        raw(&star(legacy)),
        r#"{"task":{"a-b-c-d":{"steps":[{"image":"i","name":"s"}]}}}"#
    );
    let modern = format!(
        "{MODERN}load(\"{CATALOG}/stable/k8s@0.0.9\", \"sanitize\")\ntask(sanitize(\" My_App.v2 \"), steps = [k8s.corev1.Container(name = \"s\", image = \"i\")])\n"
    );
    assert_eq!(
        raw(&star(&modern)),
        r#"{"task":{"my-app-v2":{"steps":[{"image":"i","name":"s"}]}}}"#
    );
}

#[test]
fn guarded_values_from_a_loaded_module_are_frozen_and_still_work() {
    let loader = MemLoader::default().with(
        "github.com/acme/lib/strings@v1",
        "J = \"+\".join\nE = \"xy\".elems()\nS = struct(join = lambda l: \"S\")\ndef first(s):\n    return s.split(\",\")[0]\n",
    );
    let src = format!(
        "{MODERN}load(\"github.com/acme/lib/strings@v1\", \"J\", \"E\", \"S\", \"first\")\ntask(J(list(E)) + S.join([]) + first(\"a,b\"), steps = [k8s.corev1.Container(name = \"s\", image = \"i\")])\n"
    );
    let e = star_with(&src, Some(&loader), &dispatchfile_model::Limits::default());
    assert_eq!(
        raw(&e),
        r#"{"task":{"x+ySa":{"steps":[{"image":"i","name":"s"}]}}}"#
    );
}

/// Each row evaluates `MODERN + src` and expects exactly this first error (line 1 is the
/// selector): positions are those of the text as written.
macro_rules! errors_at {
    ($($name:ident: $src:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let e = star(&format!("{MODERN}{}", $src));
            assert_eq!(first_error(&e), $want, "{}", $src);
        }
    )*};
}

errors_at! {
    error_inside_a_rewritten_call:
        "x = 1\ny = \",\".join(\n    [\"a\", x],\n)\n"
        => "Dispatchfile:3:5: error[starlark]: Type of parameter `to_join` doesn't match, expected `str`, actual `int (repr: 1)`";
    error_in_the_outer_call_of_a_chain:
        "x = \"a;b\".replace(\";\", \",\").split(1)\n"
        => "Dispatchfile:2:5: error[starlark]: Type of parameter `sep` doesn't match, expected `None | str`, actual `int (repr: 1)`";
    error_with_a_parenthesised_receiver:
        "x = ( \"a\" +\n  \"b\" ).join(1)\n"
        => "Dispatchfile:2:7: error[starlark]: Operation `(iter)` not supported on type `int`";
    error_in_a_call_on_a_continued_line:
        "x = \"abc\" \\\n  .split(\",\", \"x\")\n"
        => "Dispatchfile:2:5: error[starlark]: Type of parameter `maxsplit` doesn't match, expected `None | int`, actual `string (repr: \"x\")`";
    missing_attribute_keeps_starlark_s_message:
        "x = 1\ny = x.join([])\n"
        => "Dispatchfile:3:5: error[starlark]: Object of type `int` has no attribute `join`";
    missing_struct_field_suggests_a_name:
        "s = struct(jion = 1)\ny = s.join\n"
        => "Dispatchfile:3:5: error[starlark]: Object of type `struct` has no attribute `join`, did you mean `jion`?";
    error_in_a_bound_method_value:
        "f = \",\".join\n\nx = f([1])\n"
        => "Dispatchfile:4:5: error[starlark]: Type of parameter `to_join` doesn't match, expected `str`, actual `int (repr: 1)`";
    explicit_none_slice_bound_is_still_an_error:
        "x = \"abc\"[None:2]\n"
        => "Dispatchfile:2:5: error[starlark]: Expected `int`, but got `NoneType (repr: None)`";
    error_in_a_slice:
        "x = (\"a\", \"b\")[0:\"x\"]\n"
        => "Dispatchfile:2:6: error[starlark]: Expected `int`, but got `string (repr: \"x\")`";
    error_after_rewritten_calls_on_the_same_line:
        "x = \"a\".upper() + \"b\".lower() + 1\n"
        => "Dispatchfile:2:5: error[starlark]: Operation `+` not supported for types `string` and `int`";
    fail_inside_a_method_argument:
        "x = \"-\".join([\"a\", fail(\"no \" + \"b\".upper())])\n"
        => "Dispatchfile:2:20: error[starlark]: fail: no B";
    error_inside_a_function_called_from_a_format_argument:
        "def f():\n    return {}[\"k\"]\nx = \"{}\".format(\n    f(),\n)\n"
        => "Dispatchfile:3:12: error[starlark]: Key `\"k\"` was not found";
    error_inside_a_comprehension_element:
        "x = [\n  (1 +\n   i[0]) for i in [[1], 2]]\n"
        => "Dispatchfile:4:4: error[starlark]: Operation `[]` not supported for types `int` and `int`";
    error_inside_a_dict_comprehension_key:
        "x = {  \"k\" + i : 1 for i in [\"a\", 2]}\n"
        => "Dispatchfile:2:8: error[starlark]: Operation `+` not supported for types `string` and `int`";
    unhashable_key_in_an_index_assignment:
        "d = {}\nd[\n  []] = 1\n"
        => "Dispatchfile:3:1: error[starlark]: Value of type `list` is not hashable";
    index_assignment_out_of_range:
        "l = [1]\nl[ 5 ] = 1\n"
        => "Dispatchfile:3:1: error[starlark]: Index `5` is out of bound";
    error_in_an_augmented_repetition:
        "x = {}\nx *= 2\n"
        => "Dispatchfile:3:1: error[starlark]: Operation `*` not supported for types `dict` and `int`";
    error_in_an_augmented_union:
        "d = {}\nd |= [1]\n"
        => "Dispatchfile:3:1: error[starlark]: Operation `|=` not supported for types `dict` and `list`";
    error_in_a_rewritten_setdefault:
        "d = {}\nd.setdefault(\n  [], 1)\n"
        => "Dispatchfile:3:1: error[starlark]: Value of type `list` is not hashable";
}

#[test]
fn a_task_made_inside_rewritten_calls_points_at_its_call() {
    let src = format!(
        "{MODERN}names = \"a b\".split(\" \")\nfor n in names[:1]:\n    task(\"{{}}-x\".format(n).upper(), steps = [k8s.corev1.Container(name = \"s\", image = \"i\")])\n"
    );
    let e = star(&src);
    let doc = e.parsed.document.as_ref().expect("a document");
    let task = doc
        .root
        .get("task")
        .and_then(|t| t.value.get("A-X"))
        .expect("task A-X");
    let pos = e
        .parsed
        .files
        .position(task.key_span)
        .map(|p| (p.line, p.column));
    assert_eq!(pos, Some((4, 5)), "the task points at task()");
}

#[test]
fn statement_budget_positions_inside_rewritten_text_map_back() {
    // The statement budget runs out inside a loop over a rewritten call; the limit is reported
    // at the call as written (`c.upper()`, a guarded native, checks the budget first).
    let mut limits = dispatchfile_model::Limits::default();
    limits.starlark_max_statements = 100;
    let src =
        format!("{MODERN}x = \"\"\nfor c in (\"ab\" * 100).elems():\n    x = x + c.upper()\n");
    let e = star_with(&src, None, &limits);
    assert_eq!(
        first_error(&e),
        "Dispatchfile:4:13: error[limit-exceeded]: limit exceeded: starlark_max_statements (100)"
    );
}
