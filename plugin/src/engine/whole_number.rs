//! Whole numbers from floats, as `f64::floor` / `f64::ceil` followed by `as i64` (saturating,
//! NaN 0), without the library calls `floor` and `ceil` cost on the baseline x86-64 target.
//! The engine rounds song positions to steps and samples several times per block and track.

/// `value` rounded down to a whole number: `value.floor() as i64`.
pub(crate) fn floor_to_int(value: f64) -> i64 {
    let truncated = value as i64;
    if (truncated as f64) > value {
        truncated.saturating_sub(1)
    } else {
        truncated
    }
}

/// `value` rounded up to a whole number: `value.ceil() as i64`.
pub(crate) fn ceil_to_int(value: f64) -> i64 {
    let truncated = value as i64;
    if (truncated as f64) < value {
        truncated.saturating_add(1)
    } else {
        truncated
    }
}

#[cfg(test)]
mod tests {
    use super::{ceil_to_int, floor_to_int};

    const VALUES: [f64; 16] = [
        0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 2.999, -2.999, 1e15, -1e15, 1e300, -1e300, 4.5e15,
        -4.5e15, 9.3e18, -9.3e18,
    ];

    #[test]
    fn floor_and_ceil_to_int_are_floor_and_ceil() {
        type Rounding = (fn(f64) -> i64, fn(f64) -> f64);
        let roundings: [(&str, Rounding); 2] = [
            ("floor", (floor_to_int, f64::floor)),
            ("ceil", (ceil_to_int, f64::ceil)),
        ];
        for (name, (to_int, reference)) in roundings {
            for value in VALUES {
                assert_eq!(to_int(value), reference(value) as i64, "{name} {value}");
            }
            assert_eq!(to_int(f64::NAN), 0, "{name}");
            assert_eq!(to_int(f64::INFINITY), i64::MAX, "{name}");
            assert_eq!(to_int(f64::NEG_INFINITY), i64::MIN, "{name}");
        }
    }
}
