//! Exact numbers: arbitrary-precision integers and decimals (`coef × 10^exp`), printed like CUE's apd.

use num_bigint::{BigInt, Sign};
use std::cmp::Ordering;

/// Division precision of CUE's decimal context (apd `WithPrecision(24)`).
const QUO_PRECISION: usize = 24;
/// Largest coefficient we compute with, in bits; beyond that arithmetic fails instead of crawling.
const MAX_BITS: u64 = 64 * 1024;
/// Largest exponent shift used to align two decimals.
const MAX_SHIFT: i64 = 4096;

/// 64-bit words of a coefficient.
fn words(n: &Num) -> u64 {
    n.coef.bits() / 64 + 1
}

/// Steps charged for copying `n` into a value: numbers are not shared, so a big one used in
/// many places takes its size in memory each time (about 32 bytes per step, as vertices).
pub(crate) fn copy_cost(n: &Num) -> u64 {
    words(n) / 4
}

/// Steps charged for adding, subtracting or comparing `a` and `b`: aligning their exponents
/// multiplies by a power of ten, so about their size in words times the shift, over 64
/// (nothing for everyday numbers). Exponents too far apart are compared through their
/// decimal digits, which is quadratic.
pub(crate) fn cost(a: &Num, b: &Num) -> u64 {
    let shift = (i64::from(a.exp) - i64::from(b.exp)).unsigned_abs();
    let (wa, wb) = (words(a), words(b));
    if shift > MAX_SHIFT.unsigned_abs() {
        return (wa * wa + wb * wb) / 64;
    }
    (wa + wb) * (shift / 19 + 1) / 64
}

/// Steps charged for multiplying or dividing `a` and `b`, or for integer division: quadratic
/// in their size in words, over 64 (a product of two 64-kilobit numbers costs 16,384 steps,
/// about a third of a millisecond).
pub(crate) fn mul_cost(a: &Num, b: &Num) -> u64 {
    let w = words(a) + words(b) + i64::from(a.exp.max(b.exp).max(0)).unsigned_abs() / 19;
    w * w / 64
}

/// Steps charged for scaling `n` by a power of ten as large as its exponent (rounding).
pub(crate) fn scale_cost(n: &Num) -> u64 {
    let w = words(n) + u64::from(n.exp.unsigned_abs()) / 19;
    w.saturating_mul(w) / 64
}

/// Steps charged for the decimal text of `n` (conversion from binary is quadratic).
pub(crate) fn text_cost(n: &Num) -> u64 {
    let w = words(n) + i64::from(n.exp.max(0)).unsigned_abs() / 19;
    w * w / 64
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    pub(crate) coef: BigInt,
    pub(crate) exp: i32,
    pub(crate) int: bool,
}

fn pow10(n: u32) -> BigInt {
    BigInt::from(10u32).pow(n)
}

fn digits(b: &BigInt) -> usize {
    if b.sign() == Sign::NoSign {
        1
    } else {
        b.magnitude().to_string().len()
    }
}

impl Num {
    pub(crate) fn int(v: BigInt) -> Num {
        Num {
            coef: v,
            exp: 0,
            int: true,
        }
    }

    pub(crate) fn from_i64(v: i64) -> Num {
        Num::int(BigInt::from(v))
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.coef.sign() == Sign::NoSign
    }

    pub(crate) fn is_neg(&self) -> bool {
        self.coef.sign() == Sign::Minus
    }

    fn check(self) -> Result<Num, String> {
        if self.coef.bits() > MAX_BITS || i64::from(self.exp).abs() > 100_000 {
            Err("number too large".into())
        } else {
            Ok(self)
        }
    }

    /// Parses a CUE number literal (`1_000`, `0x1F`, `0o17`, `0b1`, `1.5e3`, `.5`, `1Ki`, `2M`).
    pub(crate) fn parse(text: &str) -> Option<Num> {
        let t: String = text.chars().filter(|&c| c != '_').collect();
        let (radix, body) = if let Some(r) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            (16, r)
        } else if let Some(r) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
            (8, r)
        } else if let Some(r) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
            (2, r)
        } else {
            (10, t.as_str())
        };
        if radix != 10 {
            let v = BigInt::parse_bytes(body.as_bytes(), radix)?;
            return Some(Num::int(v));
        }
        // Multipliers.
        let (body, mult) = {
            let b = body;
            let (b, bin) = match b.strip_suffix('i') {
                Some(r) => (r, true),
                None => (b, false),
            };
            let base: u32 = if bin { 1024 } else { 1000 };
            let pow = match b.as_bytes().last() {
                Some(b'K') => Some(1),
                Some(b'M') => Some(2),
                Some(b'G') => Some(3),
                Some(b'T') => Some(4),
                Some(b'P') => Some(5),
                _ => None,
            };
            match pow {
                Some(p) => (&b[..b.len() - 1], Some(BigInt::from(base).pow(p))),
                None if bin => return None,
                None => (b, None),
            }
        };
        let (mant, e) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i64>().ok()?),
            None => (body, 0),
        };
        let (ip, fp, has_dot) = match mant.find('.') {
            Some(i) => (&mant[..i], &mant[i + 1..], true),
            None => (mant, "", false),
        };
        if ip.is_empty() && fp.is_empty() {
            return None;
        }
        let all = format!("{ip}{fp}");
        let coef = BigInt::parse_bytes(if all.is_empty() { b"0" } else { all.as_bytes() }, 10)?;
        let exp = e.checked_sub(fp.len() as i64)?;
        if exp.abs() > 10_000 {
            return None;
        }
        let is_float = has_dot || body.contains(['e', 'E']);
        let n = Num {
            coef,
            exp: exp as i32,
            int: !is_float,
        };
        match mult {
            Some(m) => {
                // A multiplier makes an integer; the value must be integral.
                let v = n.mul(&Num::int(m)).ok()?;
                let i = v.to_bigint()?;
                Some(Num::int(i))
            }
            None => Some(n),
        }
    }

    /// The exact integer value, if integral.
    pub(crate) fn to_bigint(&self) -> Option<BigInt> {
        if self.exp >= 0 {
            if self.exp > 10_000 {
                return None;
            }
            Some(&self.coef * pow10(self.exp as u32))
        } else {
            let d = pow10(self.exp.unsigned_abs());
            let r = &self.coef % &d;
            if r.sign() == Sign::NoSign {
                Some(&self.coef / d)
            } else {
                None
            }
        }
    }

    pub(crate) fn to_i64(&self) -> Option<i64> {
        self.to_bigint().and_then(|b| i64::try_from(&b).ok())
    }

    fn aligned(&self, o: &Num) -> Result<(BigInt, BigInt, i32), String> {
        let e = self.exp.min(o.exp);
        let sa = i64::from(self.exp) - i64::from(e);
        let sb = i64::from(o.exp) - i64::from(e);
        if sa > MAX_SHIFT || sb > MAX_SHIFT {
            return Err("number too large".into());
        }
        Ok((&self.coef * pow10(sa as u32), &o.coef * pow10(sb as u32), e))
    }

    pub(crate) fn add(&self, o: &Num) -> Result<Num, String> {
        let (a, b, e) = self.aligned(o)?;
        Num {
            coef: a + b,
            exp: e,
            int: self.int && o.int,
        }
        .check()
    }

    pub(crate) fn sub(&self, o: &Num) -> Result<Num, String> {
        let (a, b, e) = self.aligned(o)?;
        Num {
            coef: a - b,
            exp: e,
            int: self.int && o.int,
        }
        .check()
    }

    pub(crate) fn mul(&self, o: &Num) -> Result<Num, String> {
        if self.coef.bits() + o.coef.bits() > MAX_BITS {
            return Err("number too large".into());
        }
        Num {
            coef: &self.coef * &o.coef,
            exp: self.exp.checked_add(o.exp).ok_or("number too large")?,
            int: self.int && o.int,
        }
        .check()
    }

    pub(crate) fn neg(&self) -> Num {
        Num {
            coef: -&self.coef,
            exp: self.exp,
            int: self.int,
        }
    }

    /// Decimal division with 24 significant digits, half-up rounding, trailing zeros trimmed
    /// down to the ideal exponent (apd's `Quo`).
    pub(crate) fn quo(&self, o: &Num) -> Result<Num, String> {
        if o.is_zero() {
            return Err("division by zero".into());
        }
        let ideal = i64::from(self.exp) - i64::from(o.exp);
        if self.is_zero() {
            return Ok(Num {
                coef: BigInt::ZERO,
                exp: ideal.clamp(-100_000, 100_000) as i32,
                int: false,
            });
        }
        let neg = self.is_neg() != o.is_neg();
        let a = BigInt::from_biguint(Sign::Plus, self.coef.magnitude().clone());
        let b = BigInt::from_biguint(Sign::Plus, o.coef.magnitude().clone());
        // Scale a so that a*10^k / b has at least QUO_PRECISION+1 digits.
        let da = digits(&a) as i64;
        let db = digits(&b) as i64;
        let k = (QUO_PRECISION as i64 + 1 + db - da).max(0);
        if k > MAX_SHIFT {
            return Err("number too large".into());
        }
        let scaled = &a * pow10(k as u32);
        let mut q = &scaled / &b;
        let rem = &scaled % &b;
        let mut exp = ideal - k;
        let mut exact = rem.sign() == Sign::NoSign;
        // Round to QUO_PRECISION digits.
        let nd = digits(&q);
        if nd > QUO_PRECISION {
            let drop = (nd - QUO_PRECISION) as u32;
            let d = pow10(drop);
            let r = &q % &d;
            q = &q / &d;
            exp += i64::from(drop);
            if r.sign() != Sign::NoSign {
                exact = false;
            }
            // Half-up rounding (apd's default).
            if &r * BigInt::from(2) >= d {
                q += 1;
            }
            if digits(&q) > QUO_PRECISION {
                q /= 10;
                exp += 1;
            }
        }
        if exact {
            let ten = BigInt::from(10);
            while exp < ideal && q.sign() != Sign::NoSign && (&q % &ten).sign() == Sign::NoSign {
                q /= 10;
                exp += 1;
            }
        }
        let coef = if neg { -q } else { q };
        Num {
            coef,
            exp: exp.clamp(-100_000, 100_000) as i32,
            int: false,
        }
        .check()
    }

    pub(crate) fn cmp(&self, o: &Num) -> Ordering {
        if let Ok((a, b, _)) = self.aligned(o) {
            a.cmp(&b)
        } else {
            // Alignment too large: compare by sign, then by adjusted exponent.
            {
                let sa = self.coef.sign();
                let sb = o.coef.sign();
                if sa != sb {
                    return sa.cmp(&sb);
                }
                let adj_a = i64::from(self.exp) + digits(&self.coef) as i64;
                let adj_b = i64::from(o.exp) + digits(&o.coef) as i64;
                let c = adj_a.cmp(&adj_b);
                if sa == Sign::Minus { c.reverse() } else { c }
            }
        }
    }

    pub(crate) fn value_eq(&self, o: &Num) -> bool {
        self.cmp(o) == Ordering::Equal
    }

    /// Integer division helpers (`div`/`mod` Euclidean, `quo`/`rem` truncated).
    pub(crate) fn int_op(&self, o: &Num, op: &str) -> Result<Num, String> {
        let (Some(a), Some(b)) = (self.to_bigint(), o.to_bigint()) else {
            return Err(format!("{op}: arguments must be integers"));
        };
        if !self.int || !o.int {
            return Err(format!("{op}: arguments must be integers"));
        }
        if b.sign() == Sign::NoSign {
            return Err("division by zero".into());
        }
        let q = &a / &b;
        let r = &a % &b;
        let v = match op {
            "quo" => q,
            "rem" => r,
            "div" => {
                if r.sign() == Sign::Minus {
                    if b.sign() == Sign::Plus { q - 1 } else { q + 1 }
                } else {
                    q
                }
            }
            _ => {
                if r.sign() == Sign::Minus {
                    if b.sign() == Sign::Plus {
                        r + &b
                    } else {
                        r - &b
                    }
                } else {
                    r
                }
            }
        };
        Ok(Num::int(v))
    }

    /// An approximation for messages, without the quadratic conversion to decimal: the
    /// leading digits and the decimal exponent, like `≈1.234568E+19727`.
    pub(crate) fn approx_text(&self) -> String {
        let bits = self.coef.bits();
        let shift = bits.saturating_sub(64);
        let top = (self.coef.magnitude() >> shift)
            .iter_u64_digits()
            .next()
            .unwrap_or(0);
        #[allow(
            clippy::cast_precision_loss,
            reason = "six significant digits are shown"
        )]
        let log10 =
            (top as f64).log10() + shift as f64 * std::f64::consts::LOG10_2 + f64::from(self.exp);
        let e = log10.floor();
        let m = 10f64.powf(log10 - e);
        let sign = if self.is_neg() { "-" } else { "" };
        let plus = if e >= 0.0 { "+" } else { "" };
        format!("{sign}≈{m:.6}E{plus}{e}")
    }

    /// The text CUE prints: integers as digits, decimals in apd's `%G`-like notation.
    pub(crate) fn text(&self) -> String {
        if self.int {
            return match self.to_bigint() {
                Some(b) => b.to_string(),
                None => self.coef.to_string(),
            };
        }
        let neg = self.is_neg();
        let ds = self.coef.magnitude().to_string();
        let exp = i64::from(self.exp);
        let adj = exp + ds.len() as i64 - 1;
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        if exp <= 0 && adj >= -6 {
            if exp == 0 {
                s.push_str(&ds);
            } else {
                let point = ds.len() as i64 + exp;
                if point > 0 {
                    let (a, b) = ds.split_at(point as usize);
                    s.push_str(a);
                    s.push('.');
                    s.push_str(b);
                } else {
                    s.push_str("0.");
                    for _ in 0..(-point) {
                        s.push('0');
                    }
                    s.push_str(&ds);
                }
            }
        } else {
            let (a, b) = ds.split_at(1);
            s.push_str(a);
            if !b.is_empty() {
                s.push('.');
                s.push_str(b);
            }
            s.push('E');
            if adj >= 0 {
                s.push('+');
            }
            s.push_str(&adj.to_string());
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::Num;

    macro_rules! num_cases {
        ($($name:ident: $f:expr => $want:literal;)*) => {$(
            #[test]
            fn $name() {
                let f: fn() -> Num = || $f;
                assert_eq!(f().text(), $want);
            }
        )*};
    }

    fn n(s: &str) -> Num {
        Num::parse(s).expect("test numbers parse")
    }

    num_cases! {
        one_third: n("1").quo(&n("3")).unwrap() => "0.333333333333333333333333";
        two_thirds: n("2").quo(&n("3")).unwrap() => "0.666666666666666666666667";
        six_halves: n("6").quo(&n("2")).unwrap() => "3";
        ten_quarters: n("10").quo(&n("4")).unwrap() => "2.5";
        one_point_zero_half: n("1.0").quo(&n("2")).unwrap() => "0.5";
        sci: n("1e3") => "1E+3";
        tiny: n("1e-7") => "1E-7";
        small: n("0.000001") => "0.000001";
        point_three: n("0.1").add(&n("0.2")).unwrap() => "0.3";
        times_two: n("1.5").mul(&n("2")).unwrap() => "3.0";
        kibi: n("1Ki") => "1024";
        kilo_decimal: n("1.5K") => "1500";
        hex: n("0x1F") => "31";
        underscores: n("1_000_000") => "1000000";
        trailing_zero: n("2.50") => "2.50";
    }
}
