//! The one check-digit rule Japanese health-insurance codes share: weights 2 and 1 alternately, starting with 2 at
//! the rightmost digit before the check digit, the digits of each product added, and 10 − (sum mod 10), with 10
//! read as 0. That is the Luhn rule.
//!
//! 医療機関コード ([`crate::facility`]) and 保険者番号 ([`crate::insurer_number`], which also covers 後期高齢者
//! 被保険者番号 and 公費負担者番号) both use it, so it lives here once. Because the weights start at the right,
//! leading zeros change nothing.

/// The check digit over `digits`, each a value 0–9 (not ASCII). An empty slice gives 0.
pub fn weighted_2_1(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(position_from_right, &digit)| {
            let weighted = u32::from(digit) * if position_from_right % 2 == 0 { 2 } else { 1 };
            weighted / 10 + weighted % 10
        })
        .sum();
    // The remainder is below 10, so the narrowing cannot lose anything.
    ((10 - sum % 10) % 10) as u8
}

/// The values of `text`'s digits, or `None` when it holds anything but ASCII digits.
pub fn ascii_digit_values(text: &str) -> Option<Vec<u8>> {
    text.bytes().map(|b| b.is_ascii_digit().then(|| b - b'0')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_luhn_values() {
        // The classic Luhn example: 7992739871 has the check digit 3.
        assert_eq!(weighted_2_1(&ascii_digit_values("7992739871").unwrap_or_default()), 3);
        assert_eq!(weighted_2_1(&[]), 0);
        assert_eq!(weighted_2_1(&[0, 0, 0]), 0);
    }

    #[test]
    fn leading_zeros_change_nothing() {
        let short = ascii_digit_values("13101").unwrap_or_default();
        let padded = ascii_digit_values("0013101").unwrap_or_default();
        assert_eq!(weighted_2_1(&short), weighted_2_1(&padded));
    }

    #[test]
    fn only_ascii_digits_have_values() {
        assert_eq!(ascii_digit_values("0129"), Some(vec![0, 1, 2, 9]));
        assert_eq!(ascii_digit_values("１"), None);
        assert_eq!(ascii_digit_values("1a"), None);
    }
}
