//! Every built-in of the pinned starlark is either guarded or known to be bounded.
//!
//! The names come from starlark at run time (`dir("")`, `dir([])`, `dir({})` and the names of
//! the standard globals), so a new starlark version that adds a method or a function fails here
//! until it is guarded or listed below with the reason it needs no guard.

use starlark::environment::{GlobalsBuilder, Module};
use starlark::eval::Evaluator;
use starlark::syntax::{AstModule, Dialect};

use crate::globals::{EXTENSIONS, GUARDED_GLOBALS};
use crate::rewrite::GUARDED;

/// Methods whose result is bounded by a small constant or by what already exists: each with the
/// reason no size check is needed.
const BOUNDED_METHODS: &[(&str, &str)] = &[
    ("count", "an int"),
    ("endswith", "a bool"),
    ("find", "an int"),
    ("isalnum", "a bool"),
    ("isalpha", "a bool"),
    ("isdigit", "a bool"),
    ("islower", "a bool"),
    ("isspace", "a bool"),
    ("istitle", "a bool"),
    ("isupper", "a bool"),
    ("rfind", "an int"),
    ("rindex", "an int"),
    ("startswith", "a bool"),
    (
        "append",
        "one slot; repeated appends run one statement each and grow the arena the cancellation check sees",
    ),
    ("insert", "one slot, as append"),
    ("clear", "frees, allocates nothing"),
    ("popitem", "a tuple of an entry that exists"),
];

/// Global functions whose result is bounded: each with the reason.
const BOUNDED_GLOBALS: &[(&str, &str)] = &[
    ("True", "a constant, not a function"),
    ("False", "a constant, not a function"),
    ("None", "a constant, not a function"),
    ("bytes", "one copy of its argument, which the arena counts"),
    ("abs", "an int no longer than its argument"),
    ("all", "a bool"),
    ("any", "a bool"),
    ("bool", "a bool"),
    ("chr", "one character"),
    (
        "dir",
        "the attribute names of one value, a fixed short list",
    ),
    ("float", "a float"),
    ("hasattr", "a bool"),
    ("hash", "an int"),
    ("len", "an int"),
    ("ord", "an int"),
    ("type", "a short type name"),
];

/// Runs `expr` with starlark's own globals and returns the strings of the list it gives.
fn names_of(expr: &str) -> Vec<String> {
    let globals = GlobalsBuilder::extended_by(&EXTENSIONS).build();
    let ast = AstModule::parse("dir.star", format!("x = {expr}\n"), &Dialect::Standard)
        .expect("the listing parses");
    Module::with_temp_heap(|module| {
        let mut eval = Evaluator::new(&module);
        eval.eval_module(ast, &globals).expect("the listing runs");
        let x = module.get("x").expect("x is set");
        x.iterate(module.heap())
            .expect("a list")
            .map(|v| v.unpack_str().expect("a name").to_owned())
            .collect()
    })
}

/// The names of `all` that are neither in `guarded` nor in `bounded`.
fn unaccounted(all: &[String], guarded: &[&str], bounded: &[(&str, &str)]) -> Vec<String> {
    all.iter()
        .filter(|n| !guarded.contains(&n.as_str()) && !bounded.iter().any(|(b, _)| b == n))
        .cloned()
        .collect()
}

#[test]
fn every_builtin_method_is_guarded_or_known_bounded() {
    for receiver in ["\"\"", "[]", "{}"] {
        let all = names_of(&format!("dir({receiver})"));
        assert!(!all.is_empty(), "dir({receiver}) lists methods");
        let missing = unaccounted(&all, &GUARDED, BOUNDED_METHODS);
        assert!(
            missing.is_empty(),
            "methods of {receiver} neither guarded nor known to be bounded: {missing:?}"
        );
    }
}

#[test]
fn every_global_function_is_guarded_or_known_bounded() {
    let globals = GlobalsBuilder::extended_by(&EXTENSIONS).build();
    let all: Vec<String> = globals.names().map(|n| n.as_str().to_owned()).collect();
    assert!(
        all.iter().any(|n| n == "len"),
        "the globals are listed: {all:?}"
    );
    let mut guarded: Vec<&str> = GUARDED_GLOBALS.to_vec();
    guarded.extend(["range", "getattr"]);
    let missing = unaccounted(&all, &guarded, BOUNDED_GLOBALS);
    assert!(
        missing.is_empty(),
        "global functions neither guarded nor known to be bounded: {missing:?}"
    );
}

#[test]
fn the_known_lists_name_only_existing_builtins() {
    let mut methods = Vec::new();
    for receiver in ["\"\"", "[]", "{}"] {
        methods.extend(names_of(&format!("dir({receiver})")));
    }
    for (name, _) in BOUNDED_METHODS {
        assert!(
            methods.iter().any(|m| m == name),
            "{name} is no method of starlark"
        );
    }
    let globals = GlobalsBuilder::extended_by(&EXTENSIONS).build();
    for (name, _) in BOUNDED_GLOBALS {
        assert!(
            globals.names().any(|n| n.as_str() == *name),
            "{name} is no global of starlark"
        );
    }
}

#[test]
fn every_injected_name_is_reserved() {
    let injected: Vec<String> = crate::globals::modern_globals()
        .names()
        .map(|n| n.as_str().to_owned())
        .filter(|n| n.starts_with("_dispatch_"))
        .collect();
    let mut reserved: Vec<&str> = crate::reserved::RESERVED.to_vec();
    reserved.sort_unstable();
    let mut injected_sorted: Vec<&str> = injected.iter().map(String::as_str).collect();
    injected_sorted.sort_unstable();
    assert_eq!(injected_sorted, reserved);
}
