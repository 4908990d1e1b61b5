//! Names the frontend injects are reserved: binding one is refused where it is written.

use dispatchfile_model::Limits;

use super::run;

/// Each row binds a reserved name one way; the error names it at `FILE:LINE:COL`.
macro_rules! reserved_cases {
    ($($case:ident: $src:expr => $at:literal, $name:literal;)*) => {$(
        #[test]
        fn $case() {
            let err = run($src, &Limits::default()).expect_err("a reserved name is refused");
            let want = format!(
                "Dispatchfile:{}: error[starlark]: \"{}\" is a reserved name",
                $at, $name
            );
            assert!(err.starts_with(&want), "{err}\nwanted: {want}");
        }
    )*};
}

reserved_cases! {
    assignment: "x = 1\n_dispatch_item = 5\n" => "2:1", "_dispatch_item";
    tuple_assignment: "a, _dispatch_key = 1, 2\n" => "1:4", "_dispatch_key";
    augmented_assignment: "_dispatch_add = 1\n" => "1:1", "_dispatch_add";
    def_name: "def _dispatch_method():\n    pass\n" => "1:5", "_dispatch_method";
    def_parameter: "def f(a, _dispatch_slice = 1):\n    return a\n" => "1:10", "_dispatch_slice";
    def_star_parameter: "def f(*_dispatch_entry):\n    return 1\n" => "1:8", "_dispatch_entry";
    lambda_parameter: "f = lambda _dispatch_mul: 1\n" => "1:12", "_dispatch_mul";
    loop_variable: "for _dispatch_or in [1]:\n    pass\n" => "1:5", "_dispatch_or";
    nested_loop_variable: "def f():\n    for i, _dispatch_ior in [(1, 2)]:\n        pass\n" => "2:12", "_dispatch_ior";
    comprehension_variable: "x = [1 for _dispatch_percent in [1]]\n" => "1:12", "_dispatch_percent";
    later_comprehension_clause: "x = {a: b for a in [1] for _dispatch_attr in [2] for b in [3]}\n" => "1:28", "_dispatch_attr";
    load_alias: "load(\"github.com/mesosphere/dispatch-catalog/starlark/stable/git@0.0.7\", _dispatch_missing = \"git_resource\")\n" => "1:74", "_dispatch_missing";
    first_of_two: "_dispatch_key = 1\n_dispatch_item = 2\n" => "1:1", "_dispatch_key";
}

/// Reading a reserved name, or binding a name that only looks like one, is no binding.
#[test]
fn look_alikes_and_reads_are_accepted() {
    for src in [
        "_dispatch = 1\n",
        "dispatch_item = 1\n",
        "_dispatch_items = 1\n",
        "x = struct(_dispatch_item = 1)\n",
        "def f(**kwargs):\n    return kwargs\ny = f(_dispatch_item = 1)\n",
    ] {
        assert!(run(src, &Limits::default()).is_ok(), "{src}");
    }
}
