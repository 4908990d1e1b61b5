//! Decimal text of big ints: formatting and parsing take time quadratic in the digits, so both
//! are charged to `starlark_max_statements` (at the rate big-int products are).

use dispatchfile_model::Limits;

use super::{MODERN, first_error, star_with};

/// `x` = 2^60 squared 13 times: 491,520 bits, about 148,000 decimal digits (lines 2–4).
const HUGE: &str = "x = 1 << 60\nfor i in range(13):\n    x = x * x\n";

macro_rules! statement_cases {
    ($($name:ident: $src:expr => $at:literal;)*) => {$(
        #[test]
        fn $name() {
            let e = star_with(&format!("{MODERN}{}", $src), None, &Limits::default());
            let text = first_error(&e);
            assert!(
                text.starts_with(concat!("Dispatchfile:", $at, ": error[limit-exceeded]: limit exceeded: starlark_max_statements (10000000)")),
                "{text}"
            );
        }
    )*};
}

statement_cases! {
    str_in_a_comprehension: format!("{HUGE}l = [str(x) for i in range(100)]\n") => "5:6";
    percent_in_a_comprehension: format!("{HUGE}l = [\"%d\" % x for i in range(100)]\n") => "5:6";
    format_in_a_comprehension: format!("{HUGE}l = [\"{{}}\".format(x) for i in range(100)]\n") => "5:6";
    print_in_a_loop: format!("{HUGE}for i in range(100):\n    print(x)\n") => "6:5";
    int_of_a_long_decimal_string: "s = \"9\" * 150000\nl = [int(s) for i in range(100)]\n".to_owned() => "3:6";
}

#[test]
fn one_huge_int_formats_and_parses_within_the_budget() {
    let src = format!("{MODERN}{HUGE}s = str(x)\ny = int(s)\nok = (x == y)\n");
    let e = star_with(&src, None, &Limits::default());
    assert_eq!(first_error(&e), "", "no error");
}
