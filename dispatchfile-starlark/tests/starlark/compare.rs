//! Comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`, and the elements of `sorted`,
//! `min`, `max`, `list.index`, `list.remove`, `dict.get`, `dict.pop`) count their own nesting:
//! the answers and the errors of unsupported comparisons are plain starlark's, and nesting past
//! `max_depth` (or a container that holds itself) is a `max_depth` limit error at the comparison.

use std::sync::Mutex;

use dispatchfile_model::{Files, Limits, Omitted};
use dispatchfile_starlark::{Options, Printer, evaluate};
use proptest::prelude::*;
use starlark::environment::{GlobalsBuilder, LibraryExtension, Module};
use starlark::eval::Evaluator;
use starlark::syntax::{AstModule, Dialect};

use super::run;

/// Collects what `print()` prints.
#[derive(Default)]
struct Captured(Mutex<Vec<String>>);

impl Printer for Captured {
    fn print(&self, text: &str) {
        self.0.lock().expect("not poisoned").push(text.to_owned());
    }
}

/// `repr(expr)` as the frontend evaluates it, or the message of its first error.
fn ours(expr: &str) -> String {
    let body = format!("print(repr({expr}))\n");
    let captured = Captured::default();
    let mut options = Options::default();
    options.printer = Some(&captured);
    let mut files = Files::new();
    let file = files.add("Dispatchfile", &body);
    let mut omitted = Omitted::default();
    let result = evaluate(
        &body,
        file,
        "Dispatchfile",
        &options,
        &Limits::default(),
        &mut files,
        &mut omitted,
    );
    match result {
        Ok(_) => captured.0.into_inner().expect("not poisoned").join("\n"),
        Err(errors) => {
            let d = errors.iter().find(|d| d.is_error()).expect("an error");
            format!("error: {}", d.message)
        }
    }
}

/// `repr(expr)` as plain starlark (with `struct`) evaluates it, or the first line of its error.
fn plain(expr: &str) -> String {
    let globals = GlobalsBuilder::extended_by(&[LibraryExtension::StructType]).build();
    let ast = AstModule::parse(
        "plain.star",
        format!("x = repr({expr})\n"),
        &Dialect::Standard,
    )
    .expect("the expression parses");
    Module::with_temp_heap(|module| {
        let mut eval = Evaluator::new(&module);
        match eval.eval_module(ast, &globals) {
            Ok(_) => module
                .get("x")
                .and_then(|x| x.unpack_str().map(str::to_owned))
                .expect("x is a string"),
            Err(e) => {
                let text = e.kind().to_string();
                let line = text.lines().next().unwrap_or("").trim();
                format!("error: {}", line.strip_prefix("error: ").unwrap_or(line))
            }
        }
    })
}

/// Each row is an expression; the frontend must answer it exactly as plain starlark does.
macro_rules! same_as_starlark {
    ($($case:ident: $expr:expr;)*) => {$(
        #[test]
        fn $case() {
            let (want, got) = (plain($expr), ours($expr));
            assert_eq!(got, want, "{}", $expr);
        }
    )*};
}

same_as_starlark! {
    equal_lists: "[1, [2, 3]] == [1, [2, 3]]";
    unequal_lengths: "[1, 2] == [1]";
    list_is_not_tuple: "[1] == (1,)";
    not_equal: "[1, 2] != [1, 3]";
    dicts_in_any_order: "{'a': [1], 'b': 2} == {'b': 2, 'a': [1]}";
    dicts_with_other_values: "{'a': [1]} == {'a': [2]}";
    dicts_with_other_keys: "{'a': 1} == {'b': 1}";
    structs_in_any_order: "struct(a = 1, b = [2]) == struct(b = [2], a = 1)";
    structs_with_other_fields: "struct(a = 1) == struct(b = 1)";
    int_equals_float: "[1] == [1.0]";
    none_equals_none: "[None, (None,)] == [None, (None,)]";
    list_less: "[1, 2] < [1, 3]";
    prefix_is_less: "[1] < [1, 0]";
    tuple_greater: "(2,) > (1, 9)";
    empty_less_or_equal: "[] <= []";
    nested_greater_or_equal: "[[1, 2], 3] >= [[1, 2], 4]";
    strings_order: "['a', 'b'] < ['a', 'c']";
    mixed_numbers_order: "(1, 2.5) < (1, 3)";
    structs_order: "struct(a = 1) < struct(a = 2)";
    structs_order_by_field_count: "struct(a = 9) < struct(a = 1, b = 1)";
    list_against_tuple_order: "[1] < (1,)";
    int_against_string_order: "[1] < ['a']";
    dicts_do_not_order: "{} < {}";
    none_does_not_order: "[None] < [None]";
    in_list: "[1] in [[0], [1]]";
    not_in_tuple: "3 not in (1, 2)";
    in_dict: "'k' in {'k': 1}";
    tuple_key_in_dict: "(1, (2,)) in {(1, (2,)): 1}";
    list_key_in_dict: "[1] in {1: 2}";
    in_string: "'b' in 'abc'";
    int_in_string: "1 in 'abc'";
    in_int: "1 in 2";
    sorted_lists: "sorted([[2], [1, 0], [1]])";
    min_of_tuples: "min((3, 1), (1, 2))";
    max_of_list: "max([[1], [2]])";
    index_of_list: "[[1], [2]].index([2])";
    get_tuple_key: "{(1, 2): 'x'}.get((1, 2))";
}

/// A comparison nested deeper than `max_depth` (or through a container that holds itself) is a
/// `max_depth` limit error at the comparison; what stays within the bound is answered.
macro_rules! depth_cases {
    ($($case:ident: $src:expr, $max:expr => $want:expr;)*) => {$(
        #[test]
        fn $case() {
            let mut limits = Limits::default();
            limits.max_depth = $max;
            let got = match run($src, &limits) {
                Ok(_) => "ok".to_owned(),
                Err(e) => e,
            };
            assert!(got.starts_with($want), "{got}\nwanted: {}", $want);
        }
    )*};
}

const NEST: &str =
    "def nest(n, f):\n    x = None\n    for i in range(n):\n        x = f(x)\n    return x\n";

/// `NEST`, then `body`.
fn nested(body: &str) -> String {
    format!("{NEST}{body}")
}

depth_cases! {
    lists_at_the_bound: &nested("x = nest(10, lambda x: [x]) == nest(10, lambda x: [x])\n"), 10 => "ok";
    lists_past_the_bound: &nested("x = nest(11, lambda x: [x]) == nest(11, lambda x: [x])\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    deep_default_bound: &nested("x = nest(5000, lambda x: [x]) == nest(5000, lambda x: [x])\n"), 128
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (128)";
    order_past_the_bound: &nested("x = nest(11, lambda x: (x,)) < nest(11, lambda x: (x,))\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    dicts_past_the_bound: &nested("x = nest(11, lambda x: {'a': x}) != nest(11, lambda x: {'a': x})\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    structs_past_the_bound: &nested("x = nest(11, lambda x: struct(a = x)) == nest(11, lambda x: struct(a = x))\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    in_past_the_bound: &nested("x = nest(11, lambda x: [x]) in [nest(11, lambda x: [x])]\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    deep_key_in_a_dict: &nested("x = nest(11, lambda x: (x,)) in {1: 2}\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    shallow_sides_end_early: &nested("x = nest(5000, lambda x: [x]) == [1]\ny = [1, nest(5000, lambda x: [x])] == [2, 1]\n"), 10 => "ok";
    the_same_value_is_equal: &nested("x = nest(5000, lambda x: [x])\ny = x == x\n"), 10 => "ok";
    cycles: "a = []\na.append(a)\nb = []\nb.append(b)\nx = a == b\n", 128
        => "Dispatchfile:5:5: error[limit-exceeded]: limit exceeded: max_depth (128)";
    a_cycle_against_itself: "a = []\na.append(a)\nx = a == a\n", 128 => "ok";
    sorted_past_the_bound: &nested("x = sorted([nest(11, lambda x: [x]), nest(11, lambda x: [x])])\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    min_past_the_bound: &nested("x = min(nest(11, lambda x: [x]), nest(11, lambda x: [x]))\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    index_past_the_bound: &nested("x = [nest(11, lambda x: [x])].index(nest(11, lambda x: [x]))\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
    remove_past_the_bound: &nested("l = [nest(11, lambda x: [x])]\nl.remove(nest(11, lambda x: [x]))\n"), 10
        => "Dispatchfile:7:1: error[limit-exceeded]: limit exceeded: max_depth (10)";
    get_past_the_bound: &nested("x = {}.get(nest(11, lambda x: (x,)))\n"), 10
        => "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: max_depth (10)";
}

/// Two equal structures shared at every level (`t = (t, t)`): the walk, like starlark's own
/// equality, visits them as trees, 2^60 containers; the statement budget ends it.
#[test]
fn shared_structures_end_at_the_statement_budget() {
    let src = "def tree(n):\n    t = (1,)\n    for i in range(n):\n        t = (t, t)\n    return t\nx = tree(60) == tree(60)\n";
    let mut limits = Limits::default();
    limits.starlark_max_statements = 200_000;
    let err = run(src, &limits).expect_err("the budget runs out");
    assert!(
        err.starts_with(
            "Dispatchfile:6:5: error[limit-exceeded]: limit exceeded: starlark_max_statements (200000)"
        ),
        "{err}"
    );
}

/// Source text of a small value: ints, strings, `None`, lists, tuples, dicts and structs.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (-2i32..3).prop_map(|i| i.to_string()),
        prop_oneof![Just("'a'"), Just("'b'"), Just("None"), Just("1.0")].prop_map(str::to_owned),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        let key = prop_oneof![
            (0i32..3).prop_map(|i| i.to_string()),
            prop_oneof![Just("'a'"), Just("'b'")].prop_map(str::to_owned),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|v| format!("({},)", v.join(", ")).replace("(,)", "()")),
            prop::collection::vec((key, inner.clone()), 0..3).prop_map(|v| format!(
                "{{{}}}",
                v.iter()
                    .map(|(k, x)| format!("{k}: {x}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            prop::collection::vec((0usize..3, inner), 0..3).prop_map(|v| {
                let mut fields: Vec<(usize, String)> = Vec::new();
                for (k, x) in v {
                    if !fields.iter().any(|(j, _)| *j == k) {
                        fields.push((k, x));
                    }
                }
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(k, x)| format!("{} = {x}", ["a", "b", "c"][*k]))
                    .collect();
                format!("struct({})", fields.join(", "))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Any comparison of two small values: the frontend's answer (or error) is plain starlark's.
    #[test]
    fn comparisons_answer_as_starlark_does(
        a in value(),
        b in value(),
        op in prop_oneof![
            Just("=="), Just("!="), Just("<"), Just("<="), Just(">"), Just(">="),
            Just("in"), Just("not in"),
        ],
        same in any::<bool>(),
    ) {
        // Equal operands are rare at random: half the cases compare a value with a copy.
        let b = if same { a.clone() } else { b };
        let expr = format!("({a}) {op} ({b})");
        prop_assert_eq!(ours(&expr), plain(&expr), "{}", expr);
    }
}
