//! CUE v0.4 behaviours matched one by one: optional fields, aliases, the `encoding/yaml` and
//! `encoding/json` encoders, `regexp`'s finders. Each expected output was made by the oracle
//! (real CUE, `shared/tools/cue-oracle`; both of its engines agree unless a row says which one)
//! and is committed here: these tests never run it. Errors are checked by kind, a part of the
//! message and the source text at the error's position.

use super::util::{eval, json_eq, on_small_stack};
use dispatchfile_cue::ErrorKind;

enum Want {
    /// The exported JSON (compared by value; strings exactly).
    Json(&'static str),
    /// An error of this kind whose message contains the text, positioned where the source
    /// starts with the last text.
    Fails(ErrorKind, &'static str, &'static str),
}

use Want::{Fails, Json};

fn check(name: &str, src: &'static str, want: &Want) {
    let got = on_small_stack(move || match eval(src) {
        Ok(v) => Ok(v.to_json_string()),
        Err(errs) => {
            let e = &errs[0];
            let at = e
                .spans()
                .first()
                .map(|s| src[s.start as usize..].chars().take(40).collect::<String>());
            Err((e.kind(), e.message().to_owned(), at))
        }
    });
    match (got, want) {
        (Ok(ours), Json(w)) => {
            if let Err(d) = json_eq(&ours, w) {
                panic!("{name}: {d}");
            }
        }
        (Err((kind, message, at)), Fails(k, m, a)) => {
            assert_eq!(kind, *k, "{name}: {message}");
            assert!(message.contains(m), "{name}: {message:?} lacks {m:?}");
            let at = at.unwrap_or_else(|| panic!("{name}: {message:?} has no position"));
            assert!(
                at.starts_with(a),
                "{name}: {message:?} at {at:?}, not {a:?}"
            );
        }
        (got, _) => panic!("{name}: unexpected outcome {got:?}"),
    }
}

/// Rows `name: source => expected;`.
macro_rules! fidelity {
    ($($name:ident: $src:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            check(stringify!($name), $src, &$want);
        }
    )*};
}

// Optional fields. A reference to an optional field is an (incomplete) error, so a disjunct
// that is one is dropped like any other error; indexing names the optional field too.
fidelity! {
    optional_reference_in_a_disjunction: "x: {a?: int}\ny: x.a | 3\n"
        => Json(r#"{"x": {}, "y": 3}"#);
    optional_reference_in_a_disjunction_with_default: "x: {a?: int}\ny: *x.a | 3\n"
        => Json(r#"{"x": {}, "y": 3}"#);
    optional_top_level_reference_in_a_disjunction: "a?: 1\nb: a | 2\n"
        => Json(r#"{"b": 2}"#);
    optional_reference_in_an_operand: "x: {a?: int}\ny: (x.a + 1) | 3\n"
        => Json(r#"{"x": {}, "y": 3}"#);
    optional_index_in_a_disjunction: "s: {a?: 1}\nb: s[\"a\"] | 2\n"
        => Json(r#"{"s": {}, "b": 2}"#);
    optional_index_is_an_optional_reference: "s: {a?: 1}\nb: s[\"a\"]\n"
        => Fails(ErrorKind::Incomplete, "cannot reference optional field a", "\"a\"]");
    optional_only_disjuncts: "x: {a?: int}\ny: x.a | x.a\n"
        => Fails(ErrorKind::Incomplete, "cannot reference optional field a", "a | x.a");
    non_concrete_disjunct_stays: "x: {a: int}\ny: x.a | 3\n"
        => Fails(ErrorKind::Incomplete, "incomplete value", "");
    optional_reference: "a?: 1\nb: a\n"
        => Fails(ErrorKind::Incomplete, "cannot reference optional field a", "a\n");
    optional_unified_with_regular: "a?: int\na: 1\n"
        => Json(r#"{"a": 1}"#);
    optional_in_a_closed_definition_then_set: "#D: {a?: int}\nx: #D & {a: 1}\n"
        => Json(r#"{"x": {"a": 1}}"#);
    optional_with_a_pattern: "x: {[string]: int, a?: 1}\ny: x & {a: 1}\n"
        => Json(r#"{"x": {}, "y": {"a": 1}}"#);
    optional_is_not_exported: "a?: 1\nb: {c?: 2}\n"
        => Json(r#"{"b": {}}"#);
}

// An alias and a field of the same name in one struct.
fidelity! {
    value_alias_and_field: "a: X={b: 1}\nX: 2\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "{b: 1}");
    field_alias_and_field: "X=a: 1\nX: 2\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "X: 2");
    value_alias_and_field_nested: "s: {a: X={b: 1}, X: 2}\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "{b: 1}");
    field_alias_and_field_nested: "s: {X=a: 1, X: 2}\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "X: 2");
    value_alias_used_inside: "X: 2\na: X={b: X}\n"
        => Fails(ErrorKind::Evaluation, "cannot have both alias and field with name \"X\" in same scope", "{b: X}");
}
