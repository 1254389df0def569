//! Decimal fractions without core's float formatting and parsing code
//! (Grisu, Dragon, Eisel-Lemire and their tables), which every tool that
//! parsed or printed an `f64` would carry (see docs/design.md).

use std::fmt;

/// `x` with `places` decimals, printed exactly as `format!("{:.places$}", x)`
/// (and C's `printf("%.*f")`) print it: the double's exact value rounded to
/// `places` decimals, an exact tie to even. Width, alignment, `+` and `0`
/// behave as for a number. `places` is at most 6, and `x` below 2^100 in
/// magnitude: every caller prints a `u64` count scaled down.
#[derive(Clone, Copy)]
pub struct Fixed(pub f64, pub u8);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let Fixed(x, places) = *self;
        let places = usize::from(places);
        if !x.is_finite() {
            return f.pad_integral(!x.is_sign_negative() || x.is_nan(), "", if x.is_nan() { "NaN" } else { "inf" });
        }
        debug_assert!(places <= 6 && x.abs() < 2f64.powi(100));
        // x = mantissa * 2^exp exactly.
        let bits = x.to_bits();
        let biased = (bits >> 52 & 0x7ff) as i32;
        let fraction = u128::from(bits & ((1 << 52) - 1));
        let (mantissa, exp) = if biased == 0 { (fraction, -1074) } else { (fraction | 1 << 52, biased - 1075) };
        // x * 10^places, rounded to a whole number: below 2^53 * 10^6 * 2^47 < 2^120.
        let scaled = mantissa * 10u128.pow(places as u32);
        let whole = if exp >= 0 {
            scaled << exp.min(47)
        } else if exp < -100 {
            // Below 2^73 * 2^-101: under a half.
            0
        } else {
            let shift = -exp;
            let (quotient, rest, half) = (scaled >> shift, scaled & ((1 << shift) - 1), 1u128 << (shift - 1));
            quotient + u128::from(rest > half || rest == half && quotient & 1 == 1)
        };
        // Below 2^120: at most 37 digits, the point and leading zeros.
        let mut buf = [0u8; 48];
        let mut at = buf.len();
        let mut rest = whole;
        let mut digits = 0;
        while rest > 0 || digits <= places {
            if digits == places && places > 0 {
                at -= 1;
                buf[at] = b'.';
            }
            at -= 1;
            buf[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            digits += 1;
        }
        // Only ASCII digits and '.' were written.
        let text = std::str::from_utf8(&buf[at..]).unwrap_or_default();
        f.pad_integral(!x.is_sign_negative(), "", text)
    }
}

/// Whether `text` is a number as `text.parse::<f64>()` accepts one (sign,
/// digits with an optional point, exponent; `inf`, `infinity`, `nan`, any
/// case), without linking the float parser.
pub fn is_float(text: &str) -> bool {
    let text = text.strip_prefix(['+', '-']).unwrap_or(text);
    if ["inf", "infinity", "nan"].iter().any(|word| text.eq_ignore_ascii_case(word)) {
        return true;
    }
    let digits = |s: &str| s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let number_ok = digits(int) == int.len() && digits(frac) == frac.len() && int.len() + frac.len() > 0;
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e) == e.len()
    });
    number_ok && exponent_ok
}

/// `text.parse::<f64>().ok()`, bit for bit, without the float parser's
/// tables: the decimal's nearest double (a tie to even), by exact big-integer
/// arithmetic. For command-line values, where speed does not matter.
pub fn parse_float(text: &str) -> Option<f64> {
    if !is_float(text) {
        return None;
    }
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    let value = match body.as_bytes()[0] {
        b'n' | b'N' => f64::NAN,
        b'i' | b'I' => f64::INFINITY,
        _ => nearest(body),
    };
    Some(if text.starts_with('-') { -value } else { value })
}

/// The double nearest to `number`: digits, an optional point, an optional
/// exponent, as `is_float` checked.
fn nearest(number: &str) -> f64 {
    let (mantissa, exponent) = number.split_once(['e', 'E']).unwrap_or((number, "0"));
    let exponent_negative = exponent.starts_with('-');
    // Beyond 10^12 the result is 0 or infinity whatever the digits.
    let exponent = exponent
        .trim_start_matches(['+', '-'])
        .bytes()
        .fold(0i64, |e, d| (e * 10 + i64::from(d - b'0')).min(1_000_000_000_000));
    let exponent = if exponent_negative { -exponent } else { exponent };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = int.bytes().chain(frac.bytes());
    let leading = all.clone().take_while(|&d| d == b'0').count();
    let digits: Vec<u8> = all.skip(leading).collect();
    let digits = &digits[..digits.len() - digits.iter().rev().take_while(|&&d| d == b'0').count()];
    if digits.is_empty() {
        return 0.0;
    }
    // value = 0.DIGITS * 10^magnitude, so in [10^(magnitude-1), 10^magnitude).
    let magnitude = int.len() as i64 - leading as i64 + exponent;
    if magnitude > 310 {
        return f64::INFINITY;
    }
    if magnitude < -330 {
        return 0.0;
    }
    // A tie between two doubles has at most 767 significant digits: the
    // first 800 and whether any nonzero digit follows decide the rounding.
    let kept = &digits[..digits.len().min(800)];
    let sticky = kept.len() < digits.len();
    let mut num = Big(vec![0]);
    for &d in kept {
        num.mul_add(10, u32::from(d - b'0'));
    }
    let mut den = Big(vec![1]);
    let scale = magnitude - kept.len() as i64;
    for _ in 0..scale.unsigned_abs() {
        (if scale > 0 { &mut num } else { &mut den }).mul_add(10, 0);
    }
    // Scale so that num / den has 54 or 55 bits before the point: the 53 of
    // the double and one more to round on. 2^-1075 is the least unit: below
    // 2^-1022 doubles are subnormal, with fewer bits.
    let mut unit = (num.bits() as i64 - den.bits() as i64 - 54).max(-1075);
    (if unit > 0 { &mut den } else { &mut num }).shl(unit.unsigned_abs() as usize);
    let mut quotient = 0u64;
    for bit in (0..55).rev() {
        let mut part = den.clone();
        part.shl(bit);
        if num.ge(&part) {
            num.sub(&part);
            quotient |= 1 << bit;
        }
    }
    let mut inexact = sticky || num.0.iter().any(|&limb| limb != 0);
    if quotient >= 1 << 54 {
        inexact |= quotient & 1 == 1;
        quotient >>= 1;
        unit += 1;
    }
    // One bit below the double's last: round half to even.
    let (mut mantissa, half) = (quotient >> 1, quotient & 1 == 1);
    unit += 1;
    if half && (inexact || mantissa & 1 == 1) {
        mantissa += 1;
        if mantissa == 1 << 53 {
            mantissa >>= 1;
            unit += 1;
        }
    }
    if mantissa < 1 << 52 {
        // Subnormal (unit is 2^-1074): the bits are the mantissa.
        return f64::from_bits(mantissa);
    }
    let biased = unit + 1075;
    if biased >= 2047 {
        return f64::INFINITY;
    }
    f64::from_bits((biased as u64) << 52 | (mantissa & ((1 << 52) - 1)))
}

/// A non-negative integer, 32-bit limbs, least significant first.
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn mul_add(&mut self, factor: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(factor) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn shl(&mut self, bits: usize) {
        let (limbs, bits) = (bits / 32, bits % 32);
        if bits > 0 {
            self.0.push(0);
            for i in (1..self.0.len()).rev() {
                self.0[i] = self.0[i] << bits | self.0[i - 1] >> (32 - bits);
            }
            self.0[0] <<= bits;
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn bits(&self) -> usize {
        let top = self.0.iter().rposition(|&limb| limb != 0).unwrap_or(0);
        top * 32 + (32 - self.0[top].leading_zeros() as usize)
    }

    fn ge(&self, other: &Big) -> bool {
        let len = self.0.len().max(other.0.len());
        let limb = |big: &Big, i: usize| big.0.get(i).copied().unwrap_or(0);
        (0..len).rev().map(|i| limb(self, i).cmp(&limb(other, i))).find(|o| o.is_ne()).is_none_or(|o| o.is_gt())
    }

    /// self -= other, other not greater.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let v = i64::from(self.0[i]) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            self.0[i] = v as u32;
            borrow = i64::from(v < 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(x: f64, places: u8) {
        let p = usize::from(places);
        assert_eq!(Fixed(x, places).to_string(), format!("{x:.p$}"), "{x:e} with {places}");
    }

    #[test]
    fn prints_as_core_does() {
        for places in 0..=6 {
            for x in
                [0.0, -0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 1e-320, 5e-324, 1e-7, 0.0015, 0.0025, 1.005, 2f64.powi(64)]
            {
                same(x, places);
                same(-x, places);
            }
            same(f64::INFINITY, places);
            same(f64::NEG_INFINITY, places);
            same(f64::NAN, places);
        }
    }

    /// The callers' values: counts divided by 1e3, 1e6, 1e9 and 1024, near
    /// and at every decimal tie, small and large, and seconds of a Duration.
    #[test]
    fn prints_scaled_counts_as_core_does() {
        let mut n: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            n ^= n << 13;
            n ^= n >> 7;
            n ^= n << 17;
            n
        };
        for divisor in [1e3, 1e6, 1e9, 1024.0] {
            for places in [2, 3, 6] {
                for count in (0..20_000).chain((0..2_000).map(|k| k * 500 + 15)) {
                    for delta in [0, 1] {
                        same((count as u64 + delta) as f64 / divisor, places);
                    }
                }
                for _ in 0..20_000 {
                    let count = next();
                    same((count >> (count % 64)) as f64 / divisor, places);
                    same(count as f64 / divisor, places);
                }
                same(u64::MAX as f64 / divisor, places);
            }
        }
        for _ in 0..20_000 {
            let d = std::time::Duration::from_nanos(next() >> 20);
            same(d.as_secs_f64(), 3);
        }
    }

    #[test]
    fn pads_as_a_number() {
        assert_eq!(format!("{:<9}|", Fixed(1.5, 3)), "1.500    |");
        assert_eq!(format!("{:>9}|", Fixed(1.5, 3)), "    1.500|");
        assert_eq!(format!("{:9}|", Fixed(1.5, 3)), format!("{:9.3}|", 1.5));
        assert_eq!(format!("{:09}|", Fixed(-1.5, 3)), format!("{:09.3}|", -1.5));
        assert_eq!(format!("{:+}|", Fixed(1.5, 1)), format!("{:+.1}|", 1.5));
    }

    fn parses_as_core(text: &str) {
        let want = text.parse::<f64>().ok().map(f64::to_bits);
        assert_eq!(parse_float(text).map(f64::to_bits), want, "{text:?}");
    }

    /// `a + b` for non-negative decimals in plain notation.
    fn add(a: &str, b: &str) -> String {
        let split = |s: &str| {
            let (i, f) = s.split_once('.').unwrap_or((s, ""));
            (i.to_string(), f.to_string())
        };
        let ((ai, af), (bi, bf)) = (split(a), split(b));
        let (iw, fw) = (ai.len().max(bi.len()), af.len().max(bf.len()));
        let pad = |i: &str, f: &str| format!("{i:0>iw$}{f:0<fw$}").into_bytes();
        let (x, y) = (pad(&ai, &af), pad(&bi, &bf));
        let mut out = vec![0u8; x.len()];
        let mut carry = 0;
        for k in (0..x.len()).rev() {
            let d = x[k] - b'0' + y[k] - b'0' + carry;
            out[k] = b'0' + d % 10;
            carry = d / 10;
        }
        let digits = String::from_utf8(out).unwrap();
        format!("{}{}.{}", if carry > 0 { "1" } else { "" }, &digits[..iw], &digits[iw..])
    }

    #[test]
    fn parse_float_is_the_float_parser() {
        #[rustfmt::skip]
        let texts = [
            "0", "-0", "1", "0.001", "1.005", "4.1", "1e-3", "1E3", ".5", "5.", "+7", "inf", "-Infinity", "NaN", "-nan",
            "1e400", "1e-400", "2.4703282292062327e-324", "2.4703282292062328e-324", "4.9406564584124654e-324",
            "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623158e308",
            "1.7976931348623159e308", "179769313486231580793728971405301e276", "9007199254740993", "9007199254740993.0000001",
            "18446744073709551615", "18446744073709.551615", "1e99999999999999999999", "0e99999999999", "1e-99999999999",
            "00000.0000", "0.000000000000000000000000000000000000000000001e45", "x", "", "1e", "--1",
        ];
        for text in texts {
            parses_as_core(text);
        }
        let mut n: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            n ^= n << 13;
            n ^= n >> 7;
            n ^= n << 17;
            n
        };
        for _ in 0..3000 {
            // Random digits, point and exponent.
            let len = 1 + next() % 30;
            let mut text: String = (0..len).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
            if next() % 2 == 0 {
                text.insert((next() % (len + 1)) as usize, '.');
            }
            if next() % 2 == 0 {
                text += &format!("e{}", next() % 700);
                if next() % 2 == 0 {
                    text.insert(text.len() - text.rsplit('e').next().unwrap().len(), '-');
                }
            }
            if text != "." && !text.starts_with(".e") {
                parses_as_core(&text);
            }
            // A double, exactly, and the ties on either side of it, exactly,
            // just below and just above.
            let x = f64::from_bits(next() >> 1);
            if !x.is_finite() {
                continue;
            }
            let x =
                if next() % 2 == 0 { x } else { f64::from_bits((x.to_bits() >> ((next() % 8) * 8) >> 1) | (1 << 62)) };
            let exact = format!("{x:.1100}");
            parses_as_core(&exact);
            for neighbour in [f64::from_bits(x.to_bits() + 1), f64::from_bits(x.to_bits().saturating_sub(1))] {
                let lo = x.min(neighbour);
                let ulp = neighbour.max(x) - lo;
                let tie = add(&format!("{lo:.1100}"), &format!("{:.1100}", ulp / 2.0));
                parses_as_core(&tie);
                parses_as_core(&(tie.clone() + "0000000000000000000000001"));
                let below = tie.trim_end_matches('0');
                let below =
                    format!("{}{}999999", &below[..below.len() - 1], char::from(below.as_bytes()[below.len() - 1] - 1));
                parses_as_core(&below);
            }
        }
    }

    #[test]
    fn is_float_agrees_with_the_float_parser() {
        let pieces = ["", "-", "+", "0", "1", "12", ".", "e", "E", "5", "x", "inf", "nan", "in", "finity", "_", " "];
        let mut words = vec![String::new()];
        for _ in 0..4 {
            words = words.iter().flat_map(|w| pieces.iter().map(move |p| format!("{w}{p}"))).collect();
            for word in &words {
                assert_eq!(is_float(word), word.parse::<f64>().is_ok(), "{word:?}");
            }
        }
        for word in ["INF", "Infinity", "-NaN", "1e-3", "1.e5", ".5E+2", "1e", "1e+", "--1", "1..2", "١"] {
            assert_eq!(is_float(word), word.parse::<f64>().is_ok(), "{word:?}");
        }
    }
}
