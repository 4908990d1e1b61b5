//! Kubernetes resource quantities (`500m`, `2Gi`, `1e3`): the grammar of apimachinery's
//! `resource.Quantity`, checked before a step's `resources` reach Tekton.

/// Why a quantity is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuantityError {
    /// Not `<sign><number><suffix>`.
    Malformed,
    /// Below zero: compute resources and sizes cannot be negative.
    Negative,
    /// More than 2^63 - 1 in base units, the most a Quantity holds (Kubernetes would silently
    /// cap it).
    TooLarge,
}

impl QuantityError {
    /// The reason, for a message: `… is not a valid quantity: REASON`.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            QuantityError::Malformed => {
                "expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent such as e3), such as 500m, 2 or 1Gi"
            }
            QuantityError::Negative => "a quantity of a resource cannot be negative",
            QuantityError::TooLarge => "it is larger than 2^63 - 1, the largest quantity",
        }
    }
}

/// The largest value a Quantity holds, in base units (`math.MaxInt64`).
const MAX: &str = "9223372036854775807";

/// Checks `s` against the Quantity grammar (quantity.go):
///
/// ```text
/// <quantity>        ::= <signedNumber><suffix>
/// <signedNumber>    ::= <number> | <sign><number>
/// <sign>            ::= "+" | "-"
/// <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
/// <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
/// <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
/// <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
/// <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>   (an integer exponent)
/// ```
///
/// and refuses negative values and values above 2^63 - 1 in base units. Linear in `s`; never
/// builds a number from more digits than it needs.
pub(crate) fn check(s: &str) -> Result<(), QuantityError> {
    let b = s.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int = &s[int_start..i];
    let mut frac = "";
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac = &s[start..i];
    }
    if int.is_empty() && frac.is_empty() {
        return Err(QuantityError::Malformed);
    }
    // The value is `digits × 10^exp10 × 2^exp2`.
    let suffix = &s[i..];
    let (exp10, exp2): (i64, u32) = match suffix {
        "" => (0, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        _ => {
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .ok_or(QuantityError::Malformed)?;
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return Err(QuantityError::Malformed);
            }
            // quantity.go reads the exponent as an int64 and refuses a longer one.
            let exp = rest.parse::<i64>().map_err(|_| {
                if rest.starts_with('-') {
                    QuantityError::Malformed
                } else {
                    QuantityError::TooLarge
                }
            })?;
            (exp, 0)
        }
    };
    let digits: String = int.chars().chain(frac.chars()).collect();
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        // Zero, whatever its sign or suffix.
        return Ok(());
    }
    if negative {
        return Err(QuantityError::Negative);
    }
    // `significant × 10^scale × 2^exp2`, with `scale = exp10 - frac.len()`. Lengths are at most
    // a source's size, far below i64::MAX.
    let len = |s: &str| i64::try_from(s.len()).unwrap_or(i64::MAX);
    let scale = exp10.saturating_sub(len(frac));
    if exp2 == 0 {
        // Digits before the point: significant.len() + scale.
        let whole = len(significant).saturating_add(scale);
        match whole.cmp(&len(MAX)) {
            std::cmp::Ordering::Less => return Ok(()),
            std::cmp::Ordering::Greater => return Err(QuantityError::TooLarge),
            std::cmp::Ordering::Equal => {}
        }
        // As many whole digits as MAX: compare them, then any fraction digits left.
        let padded = significant.bytes().chain(std::iter::repeat(b'0'));
        let first: Vec<u8> = padded.take(MAX.len()).collect();
        return match first.as_slice().cmp(MAX.as_bytes()) {
            std::cmp::Ordering::Greater => Err(QuantityError::TooLarge),
            std::cmp::Ordering::Less => Ok(()),
            std::cmp::Ordering::Equal => {
                if significant.bytes().skip(MAX.len()).any(|c| c != b'0') {
                    Err(QuantityError::TooLarge)
                } else {
                    Ok(())
                }
            }
        };
    }
    // Binary suffixes carry no exponent: scale = -frac.len(). Whole part times 2^exp2, plus
    // the fraction's share of it.
    let whole_digits = int.trim_start_matches('0');
    if whole_digits.len() > 20 {
        return Err(QuantityError::TooLarge);
    }
    let whole: u128 = whole_digits.parse().unwrap_or(0);
    let mut value = whole << exp2;
    // Up to 19 fraction digits: their share of 2^exp2 is below 2^60 and fits in u128.
    let frac = &frac[..frac.len().min(19)];
    if !frac.is_empty() {
        let f: u128 = frac.parse().unwrap_or(0);
        value += (f << exp2) / 10u128.pow(frac.len() as u32);
    }
    if value > u128::from(i64::MAX.unsigned_abs()) {
        return Err(QuantityError::TooLarge);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{QuantityError, check};

    macro_rules! quantity_cases {
        ($($name:ident: $q:literal => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(check($q), $want, "{:?}", $q);
            }
        )*};
    }

    const OK: Result<(), QuantityError> = Ok(());
    const MALFORMED: Result<(), QuantityError> = Err(QuantityError::Malformed);
    const NEGATIVE: Result<(), QuantityError> = Err(QuantityError::Negative);
    const TOO_LARGE: Result<(), QuantityError> = Err(QuantityError::TooLarge);

    quantity_cases! {
        plain_integer: "2" => OK;
        millicores: "500m" => OK;
        decimal: "0.5" => OK;
        leading_point: ".5" => OK;
        trailing_point: "1." => OK;
        binary_suffix: "2Gi" => OK;
        binary_fraction: "1.5Gi" => OK;
        decimal_suffixes: "3k" => OK;
        nano: "100n" => OK;
        micro: "7u" => OK;
        exa: "1E" => OK;
        exponent: "1e3" => OK;
        upper_exponent: "12E6" => OK;
        signed_exponent: "5e-3" => OK;
        plus_sign: "+1" => OK;
        zero: "0" => OK;
        negative_zero: "-0" => OK;
        largest: "9223372036854775807" => OK;
        largest_by_exponent: "9.223372036854775807e18" => OK;
        eight_ei: "7Ei" => OK;
        tiny_is_rounded_up_not_refused: "0.0000000001" => OK;
        negative: "-1" => NEGATIVE;
        negative_memory: "-1Gi" => NEGATIVE;
        above_the_largest: "9223372036854775808" => TOO_LARGE;
        huge_exponent: "1e999" => TOO_LARGE;
        exponent_past_int64: "1e99999999999999999999" => TOO_LARGE;
        eight_ei_and_more: "8Ei" => TOO_LARGE;
        many_digits: "100000000000000000000000" => TOO_LARGE;
        nine_exa: "9E" => OK;
        ten_exa: "10E" => TOO_LARGE;
        tiny_exponent_past_int64: "1e-99999999999999999999" => MALFORMED;
        empty: "" => MALFORMED;
        sign_only: "-" => MALFORMED;
        point_only: "." => MALFORMED;
        unknown_suffix: "1Gb" => MALFORMED;
        lower_ki: "1ki" => MALFORMED;
        space: "1 Gi" => MALFORMED;
        bare_exponent: "1e" => MALFORMED;
        fractional_exponent: "1e1.5" => MALFORMED;
        words: "lots" => MALFORMED;
        two_points: "1.2.3" => MALFORMED;
    }
}
