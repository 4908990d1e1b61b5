//! Nesting limits count nesting: long flat chains of a binary operator pass, real nesting beyond
//! `max_depth` is refused at a position, and a chain too long to parse safely is refused, never
//! a stack overflow.

use dispatchfile_model::Limits;

use super::run;

/// `x = 1 OP 1 OP … 1` with `terms` terms.
fn chain(op: &str, terms: usize) -> String {
    let mut s = "x = 1".to_owned();
    for _ in 1..terms {
        s.push(' ');
        s.push_str(op);
        s.push_str(" 1");
    }
    s + "\n"
}

/// Each row evaluates without an error.
macro_rules! accepted {
    ($($case:ident: $src:expr;)*) => {$(
        #[test]
        fn $case() {
            let src: String = $src;
            if let Err(e) = run(&src, &Limits::default()) {
                panic!("{e}");
            }
        }
    )*};
}

accepted! {
    plus_chain_at_the_depth_limit: chain("+", 128);
    plus_chain_past_the_depth_limit: chain("+", 131);
    plus_chain_of_a_thousand: chain("+", 1_000);
    minus_chain: chain("-", 1_000);
    times_chain: chain("*", 1_000);
    floor_division_chain: chain("//", 1_000);
    division_chain: chain("/", 1_000);
    modulo_chain: chain("%", 1_000);
    bit_or_chain: chain("|", 1_000);
    bit_and_chain: chain("&", 1_000);
    bit_xor_chain: chain("^", 1_000);
    left_shift_chain: chain("<<", 200);
    right_shift_chain: chain(">>", 1_000);
    and_chain: chain("and", 1_000);
    or_chain: chain("or", 1_000);
    string_concatenation_chain: format!("x = \"a\"{}\n", " + \"a\"".repeat(999));
    lists_at_the_depth_limit: format!("x = {}{}\n", "[".repeat(120), "]".repeat(120));
}

/// Each row is refused with `limit exceeded: max_depth` at `FILE:LINE:COL`.
macro_rules! refused {
    ($($case:ident: $src:expr => $at:literal;)*) => {$(
        #[test]
        fn $case() {
            let src: String = $src;
            let err = run(&src, &Limits::default()).expect_err("refused");
            let want = format!(
                "Dispatchfile:{}: error[limit-exceeded]: limit exceeded: max_depth (128)",
                $at
            );
            assert!(err.starts_with(&want), "{err}\nwanted: {want}");
        }
    )*};
}

refused! {
    nested_parentheses: format!("x = {}1{}\n", "(".repeat(200), ")".repeat(200)) => "1:133";
    nested_lists: format!("x = {}{}\n", "[".repeat(200), "]".repeat(200)) => "1:133";
    nested_calls: format!("x = {}1{}\n", "str(".repeat(200), ")".repeat(200)) => "1:520";
    right_nested_sums: format!("x = {}1{}\n", "1 + (".repeat(200), ")".repeat(200)) => "1:649";
    hundred_thousand_term_chain: chain("+", 100_000) => "1:1";
}
