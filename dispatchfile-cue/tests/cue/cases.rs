//! Feature cases: testdata/cases/<feature>/<name>.cue with the JSON real CUE
//! v0.4 exports (<name>.json, made by testdata/make_expected.sh) or an error marker (<name>.err,
//! any error passes). 2019-syntax cases also have a hand-written modern twin <name>.modern.cue
//! from which the oracle made the JSON; both must evaluate to it.

use super::util::{eval, json_eq, on_small_stack};

fn check_json(path: &str, src: &'static str, want: &'static str) {
    let result = on_small_stack(move || eval(src).map(|v| v.to_json_string()));
    match result {
        Ok(ours) => {
            if let Err(d) = json_eq(&ours, want) {
                panic!("{path}: {d}");
            }
        }
        Err(e) => panic!(
            "{path}: unexpected error: {} at {:?} ({:?})",
            e[0],
            e[0].path(),
            e[0].kind()
        ),
    }
}

fn check_err(path: &str, src: &'static str) {
    let result = on_small_stack(move || eval(src).map(|v| v.to_json_string()));
    if let Ok(ours) = result {
        panic!("{path}: expected an error, got:\n{ours}");
    }
}

macro_rules! cases {
    ($($name:ident: $path:literal => $kind:ident;)*) => {
        $(cases!(@one $name, $path, $kind);)*

        /// Every case file in testdata/cases has a row above.
        #[test]
        fn every_case_is_listed() {
            let listed: &[&str] = &[$($path),*];
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cases");
            let mut missing = Vec::new();
            for feat in std::fs::read_dir(&root).expect("testdata/cases is readable") {
                let feat = feat.expect("entry").path();
                for f in std::fs::read_dir(&feat).expect("readable") {
                    let f = f.expect("entry").path();
                    let n = f.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
                    if let Some(stem) = n.strip_suffix(".cue").filter(|s| !s.ends_with(".modern")) {
                        let rel = format!("{}/{stem}", feat.file_name().and_then(|n| n.to_str()).unwrap_or_default());
                        if !listed.contains(&rel.as_str()) {
                            missing.push(rel);
                        }
                    }
                }
            }
            assert!(missing.is_empty(), "cases not listed in tests/cue/cases.rs: {missing:?}");
        }
    };
    (@one $name:ident, $path:literal, json) => {
        #[test]
        fn $name() {
            check_json($path, include_str!(concat!("../../testdata/cases/", $path, ".cue")),
                include_str!(concat!("../../testdata/cases/", $path, ".json")));
        }
    };
    (@one $name:ident, $path:literal, json2019) => {
        #[test]
        fn $name() {
            let want = include_str!(concat!("../../testdata/cases/", $path, ".json"));
            check_json($path, include_str!(concat!("../../testdata/cases/", $path, ".cue")), want);
            check_json($path, include_str!(concat!("../../testdata/cases/", $path, ".modern.cue")), want);
        }
    };
    (@one $name:ident, $path:literal, err) => {
        #[test]
        fn $name() {
            check_err($path, include_str!(concat!("../../testdata/cases/", $path, ".cue")));
        }
    };
}

cases! {
    aliases_field_alias: "aliases/field_alias" => json;
    aliases_value_alias: "aliases/value_alias" => json;
    arithmetic_div_zero: "arithmetic/div_zero" => err;
    arithmetic_mismatch: "arithmetic/mismatch" => err;
    arithmetic_ops: "arithmetic/ops" => json;
    builtins_and_or: "builtins/and_or" => json;
    builtins_import_group: "builtins/import_group" => json;
    builtins_len: "builtins/len" => json;
    builtins_list: "builtins/list" => json;
    builtins_math: "builtins/math" => json;
    builtins_split: "builtins/split" => json;
    builtins_strings: "builtins/strings" => json;
    builtins_unsupported_import: "builtins/unsupported_import" => err;
    comprehensions_bad_guard: "comprehensions/bad_guard" => err;
    comprehensions_field: "comprehensions/field" => json;
    comprehensions_list: "comprehensions/list" => json;
    comprehensions_struct_source: "comprehensions/struct_source" => json;
    definitions_basic: "definitions/basic" => json;
    definitions_close_builtin: "definitions/close_builtin" => json;
    definitions_close_builtin_fail: "definitions/close_builtin_fail" => err;
    definitions_closed: "definitions/closed" => err;
    definitions_closed_nested: "definitions/closed_nested" => err;
    definitions_def_refs: "definitions/def_refs" => json;
    definitions_embed_def: "definitions/embed_def" => json;
    definitions_error_in_def: "definitions/error_in_def" => err;
    definitions_list_of_defs: "definitions/list_of_defs" => json;
    definitions_open_ellipsis: "definitions/open_ellipsis" => json;
    dialect2019_comprehensions: "dialect2019/comprehensions" => json2019;
    dialect2019_def_regular_clash: "dialect2019/def_regular_clash" => err;
    dialect2019_definitions: "dialect2019/definitions" => json2019;
    dialect2019_labels: "dialect2019/labels" => json2019;
    dialect2019_mixed: "dialect2019/mixed" => json2019;
    disjunctions_ambiguous: "disjunctions/ambiguous" => err;
    disjunctions_conflicting_defaults: "disjunctions/conflicting_defaults" => err;
    disjunctions_dedup: "disjunctions/dedup" => json;
    disjunctions_defaults: "disjunctions/defaults" => json;
    disjunctions_empty: "disjunctions/empty" => err;
    disjunctions_structs: "disjunctions/structs" => json;
    embedding_scalar: "embedding/scalar" => json;
    embedding_structs: "embedding/structs" => json;
    embedding_top_level: "embedding/top_level" => json;
    errors_bottom: "errors/bottom" => err;
    errors_required: "errors/required" => err;
    errors_syntax: "errors/syntax" => err;
    errors_template: "errors/template" => err;
    export_error_positions: "export/error_positions" => err;
    export_nested_incomplete: "export/nested_incomplete" => err;
    export_optional_reference: "export/optional_reference" => err;
    export_optional_reference_hidden: "export/optional_reference_hidden" => json;
    export_order: "export/order" => json;
    hidden_basic: "hidden/basic" => json;
    hidden_incomplete_hidden: "hidden/incomplete_hidden" => json;
    hidden_quoted_underscore: "hidden/quoted_underscore" => json;
    let_basic: "let/basic" => json;
    lists_basic: "lists/basic" => json;
    lists_concat: "lists/concat" => json;
    lists_index: "lists/index" => json;
    lists_length_mismatch: "lists/length_mismatch" => err;
    lists_newline_between_elements: "lists/newline_between_elements" => err;
    lists_open: "lists/open" => json;
    lists_unify_index: "lists/unify_index" => json;
    optional_basic: "optional/basic" => json;
    optional_optional_conflict: "optional/optional_conflict" => err;
    patterns_basic: "patterns/basic" => json;
    patterns_closed_pattern: "patterns/closed_pattern" => json;
    patterns_closed_pattern_fail: "patterns/closed_pattern_fail" => err;
    patterns_pattern_conflict: "patterns/pattern_conflict" => err;
    references_cycle_arith: "references/cycle_arith" => err;
    references_cycle_simple: "references/cycle_simple" => err;
    references_final_value: "references/final_value" => json;
    references_forward: "references/forward" => json;
    references_not_found: "references/not_found" => err;
    references_quoted_not_referable: "references/quoted_not_referable" => err;
    references_scoping: "references/scoping" => json;
    references_selectors: "references/selectors" => json;
    references_self_struct_ref: "references/self_struct_ref" => json;
    scalars_bools_null: "scalars/bools_null" => json;
    scalars_decimals: "scalars/decimals" => json;
    scalars_int_float_conflict: "scalars/int_float_conflict" => err;
    scalars_numbers: "scalars/numbers" => json;
    strings_escapes: "strings/escapes" => json;
    strings_interpolation: "strings/interpolation" => json;
    strings_multiline: "strings/multiline" => json;
    strings_plus: "strings/plus" => json;
    strings_raw: "strings/raw" => json;
    structs_comments_commas: "structs/comments_commas" => json;
    structs_label_chain: "structs/label_chain" => json;
    structs_nested: "structs/nested" => json;
    structs_repeated_fields: "structs/repeated_fields" => json;
    types_basic_types: "types/basic_types" => json;
    types_bound_fail: "types/bound_fail" => err;
    types_bounds: "types/bounds" => json;
    types_incomplete: "types/incomplete" => err;
    types_incomplete_bound: "types/incomplete_bound" => err;
    types_regex: "types/regex" => json;
    types_regex_fail: "types/regex_fail" => err;
    types_uint_fail: "types/uint_fail" => err;
    unification_basic: "unification/basic" => json;
    unification_conflict: "unification/conflict" => err;
    unification_conflict_kind: "unification/conflict_kind" => err;
    unification_nested_conflict: "unification/nested_conflict" => err;
    unification_struct_scalar: "unification/struct_scalar" => err;
}
