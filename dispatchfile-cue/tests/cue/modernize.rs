//! `modernize`: one named case per rewrite rule, showing that comments and layout survive;
//! modern input unchanged; errors at the construct that cannot be carried over; hostile
//! inputs; a second rewrite changes nothing.

use dispatchfile_cue::{ErrorKind, Options, evaluate, modernize};

/// (name, 2019 input, modern output).
const CASES: &[(&str, &str, &str)] = &[
    (
        "label_shorthand",
        "// the source\nresource \"src-git\": {\n  type: \"git\" // kind\n  param url: \"$(context.git.url)\"\n}\n",
        "// the source\nresource: \"src-git\": {\n  type: \"git\" // kind\n  param: url: \"$(context.git.url)\"\n}\n",
    ),
    (
        "label_shorthand_three_labels_and_mixed",
        "on push branches: [\"master\"]\na b: c d: 1\n",
        "on: push: branches: [\"master\"]\na: b: c: d: 1\n",
    ),
    (
        "label_shorthand_optional_and_quoted",
        "x \"y\"?: int\nx y: 1\n",
        "x: \"y\"?: int\nx: y: 1\n",
    ),
    (
        "definition_and_references",
        "apps:: [\"a\", \"b\"] // the apps\nn: len(apps)\nm: {k: apps[0]}\n",
        "#apps: [\"a\", \"b\"] // the apps\nn: len(#apps)\nm: {k: #apps[0]}\n",
    ),
    (
        "definition_shadowed_by_a_comprehension_variable",
        "apps:: [\"a\"]\nl: [apps for apps in [\"z\"]]\n",
        "#apps: [\"a\"]\nl: [for apps in [\"z\"] { apps }]\n",
    ),
    (
        "definition_in_interpolation_and_selector",
        "Base:: {name: \"n\", img:: \"i\"}\nx: \"\\(Base.name)-\\(Base.img)\"\n",
        "#Base: {name: \"n\", #img: \"i\"}\nx: \"\\(#Base.name)-\\(#Base.#img)\"\n",
    ),
    (
        "trailing_list_comprehension_struct_body",
        "apps:: [\"a\", \"b\"]\nactions: [\n  {\n    // one per app\n    tasks: [\"build-\\(app)\"]\n  } for _, app in apps\n]\n",
        "#apps: [\"a\", \"b\"]\nactions: [\n  for _, app in #apps {\n    // one per app\n    tasks: [\"build-\\(app)\"]\n  }\n]\n",
    ),
    (
        "trailing_list_comprehension_scalar_with_condition",
        "l: [x * 2 for x in [1, 2, 3] if x > 1] // doubled\n",
        "l: [for x in [1, 2, 3] if x > 1 { x * 2 }] // doubled\n",
    ),
    (
        "trailing_list_comprehension_parenthesised",
        "l: [(x + 1) for x in [1]]\n",
        "l: [for x in [1] { (x + 1) }]\n",
    ),
    (
        "trailing_field_comprehension",
        "src: {a: 1, b: 2}\nout: {\n  \"\\(k)-x\": v for k, v in src\n  keep: 0 // kept\n}\n",
        "src: {a: 1, b: 2}\nout: {\n  for k, v in src { \"\\(k)-x\": v }\n  keep: 0 // kept\n}\n",
    ),
    (
        "trailing_field_comprehension_under_a_label",
        "src: {a: 1}\nout: \"\\(k)\": v for k, v in src\n",
        "src: {a: 1}\nout: { for k, v in src { \"\\(k)\": v } }\n",
    ),
    (
        "trailing_field_comprehension_after_label_shorthand",
        "src: {a: 1}\nout \"\\(k)\": v for k, v in src\n",
        "src: {a: 1}\nout: { for k, v in src { \"\\(k)\": v } }\n",
    ),
    (
        "infix_integer_operators",
        "a: 7 div 2\nb: (7 + 1) mod 3 // rest\nc: -7 quo 2 rem 3\n",
        "a: div(7, 2)\nb: mod((7 + 1), 3) // rest\nc: rem(quo(-7, 2), 3)\n",
    ),
    (
        "nested_forms",
        "apps:: [\"a\"]\nfor _, app in apps {\n  task \"build-\\(app)\": {\n    steps: [{name: s} for s in apps]\n  }\n}\n",
        "#apps: [\"a\"]\nfor _, app in #apps {\n  task: \"build-\\(app)\": {\n    steps: [for s in #apps {name: s}]\n  }\n}\n",
    ),
];

#[test]
fn each_rule_keeps_comments_and_layout() {
    let opts = Options::default();
    for (name, old, new) in CASES {
        let got = modernize(old, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&got, new, "{name}");
        // Same value, and a second rewrite changes nothing.
        let a = evaluate(old, "old.cue", &opts).expect(name);
        let b = evaluate(&got, "new.cue", &opts).expect(name);
        assert_eq!(
            a.value.to_compact_json_string(),
            b.value.to_compact_json_string(),
            "{name}"
        );
        assert_eq!(&modernize(&got, &opts).expect(name), new, "{name}: twice");
    }
}

#[test]
fn modern_input_is_unchanged() {
    let cases = [
        ("plain", "a: b: 1\n#D: {x: int}\nc: #D & {x: 2}\n"),
        (
            "comprehensions",
            "l: [for x in [1] {x}]\nfor k, v in {a: 1} {\"\\(k)\": v}\n",
        ),
        ("comments_only_layout", "// c\n\n   a:    1   // d\n\n\n"),
    ];
    for (name, src) in cases {
        assert_eq!(
            modernize(src, &Options::default()).expect(name),
            src,
            "{name}"
        );
    }
}

#[test]
fn errors_name_the_construct_and_its_position() {
    // (name, input, kind, text at the error's position).
    let cases: &[(&str, &str, ErrorKind, &str)] = &[
        (
            "selector_of_a_definition_and_field_name",
            "a:: {b:: 1}\nc: {b: 2}\nd: a.b\n",
            ErrorKind::Unsupported,
            "b",
        ),
        (
            "does_not_evaluate",
            "a: 1\na: 2\n",
            ErrorKind::Evaluation,
            "",
        ),
        ("syntax", "a: [\n", ErrorKind::Syntax, ""),
    ];
    for (name, src, kind, at) in cases {
        let errs = modernize(src, &Options::default()).expect_err(name);
        let e = &errs[0];
        assert_eq!(e.kind(), *kind, "{name}: {e}");
        if !at.is_empty() {
            let s = e.spans()[0];
            assert!(
                src[s.start as usize..s.end as usize].contains(at),
                "{name}: {e} at {s:?}"
            );
        }
    }
}

#[test]
fn hostile_inputs_give_an_outcome() {
    let long_chain = format!("a: 1 {}\n", "div 1 ".repeat(5_000));
    let deep = format!("a: {}1{}\n", "[".repeat(500), "]".repeat(500));
    let many_labels = format!("{} z: 1\n", "a ".repeat(5_000));
    let many_defs: String = (0..2_000)
        .map(|i| format!("d{i}:: {i}\nr{i}: d{i}\n"))
        .collect();
    let cases = [long_chain, deep, many_labels, many_defs];
    for src in cases {
        let out = std::thread::Builder::new()
            .stack_size(4 << 20)
            .spawn(move || modernize(&src, &Options::default()).map(|s| s.len()))
            .expect("spawn")
            .join();
        assert!(out.is_ok(), "no panic or overflow");
    }
}

/// A property over every combination of a pool of declarations (all 2019 forms, and modern
/// ones): when the rewrite succeeds, rewriting its result again changes nothing.
#[test]
fn rewriting_twice_changes_nothing() {
    const POOL: &[&str] = &[
        "apps:: [\"a\", \"b\"] // apps\n",
        "m: {n: 1}\n",
        "res \"x\" param url: \"u\"\n",
        "l: [\"p-\\(x)\" for x in [\"q\", \"r\"]]\n",
        "o: {\"\\(k)\": v for k, v in {s: 1}}\n",
        "#T: {a: int}\nt: #T & {a: 1}\n",
        "d: 9 div 2 + 1\n",
        "for k, v in {e: 1} {\"f-\\(k)\": v}\n",
    ];
    let opts = Options::default();
    for mask in 0u32..(1 << POOL.len()) {
        let src: String = POOL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, s)| *s)
            .collect();
        if src.is_empty() {
            continue;
        }
        let once = modernize(&src, &opts).unwrap_or_else(|e| panic!("{src}: {e}"));
        let twice = modernize(&once, &opts).unwrap_or_else(|e| panic!("{once}: {e}"));
        assert_eq!(once, twice, "{src}");
    }
}
