//! The stereo pass-through's only rule: what leaves the plugin is a normal number or zero.
//!
//! The plugin makes no sound; its audio output is its input, passed through so hosts accept it
//! as a note generator on an audio track. nice-plug processes in place: when `process` runs, the
//! output buffer already holds the input. A host (or the track before this plugin) may feed
//! subnormal, NaN or infinite samples; passed on, they slow down or break every plugin after
//! this one, and the reference CLAP validator fails the plugin for them. So each sample that is
//! not a normal number becomes `+0.0`; normal samples (and `+0.0`) pass unchanged, bit for bit.

/// Exponent field of an `f32`.
const EXPONENT_MASK: u32 = 0x7f80_0000;
/// Lowest set bit of the exponent field.
const EXPONENT_ONE: u32 = 0x0080_0000;
/// Exponent fields of normal numbers, less one: `1 ..= 254` becomes `0 ..= 253`.
const NORMAL_EXPONENTS: u32 = EXPONENT_MASK - 2 * EXPONENT_ONE;

/// `sample` if it is a normal number, else `+0.0` (for zeros, subnormals, NaN and infinities).
#[inline(always)]
pub fn flush_sample(sample: f32) -> f32 {
    let bits = sample.to_bits();
    // A zero exponent (zeros, subnormals) wraps around to a huge value; all ones (NaN,
    // infinities) is past the normal range. Branch-free, so the loop below vectorizes.
    let normal = (bits & EXPONENT_MASK).wrapping_sub(EXPONENT_ONE) <= NORMAL_EXPONENTS;
    f32::from_bits(bits & u32::from(normal).wrapping_neg())
}

/// Replaces every sample of `channels` that is not a normal number with `+0.0`. Audio thread:
/// one pass over the block, no branches per sample, no allocation.
pub fn flush_to_normal(channels: &mut [&mut [f32]]) {
    for channel in channels.iter_mut() {
        for sample in channel.iter_mut() {
            *sample = flush_sample(*sample);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_numbers_pass_bit_for_bit() {
        for sample in [
            1.0f32,
            -1.0,
            0.5,
            -0.25,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            1e-30,
            123.456,
        ] {
            assert_eq!(flush_sample(sample).to_bits(), sample.to_bits(), "{sample}");
        }
        assert_eq!(flush_sample(0.0).to_bits(), 0.0f32.to_bits());
    }

    #[test]
    fn everything_else_becomes_positive_zero() {
        for sample in [
            -0.0f32,
            f32::MIN_POSITIVE / 2.0,
            -f32::MIN_POSITIVE / 2.0,
            f32::from_bits(1),
            f32::from_bits(0x807f_ffff),
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7f80_0001),
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            assert_eq!(flush_sample(sample).to_bits(), 0, "{sample:e}");
        }
    }

    #[test]
    fn every_exponent_is_classified_like_the_standard_library() {
        for exponent in 0..=255u32 {
            for mantissa in [0, 1, 0x40_0000, 0x7f_ffff] {
                for sign in [0, 0x8000_0000] {
                    let sample = f32::from_bits(sign | exponent << 23 | mantissa);
                    let expected = if sample.is_normal() { sample } else { 0.0 };
                    assert_eq!(flush_sample(sample).to_bits(), expected.to_bits());
                }
            }
        }
    }

    #[test]
    fn flushes_every_channel() {
        let mut left = [1.0, f32::NAN, 1e-40, -2.0];
        let mut right = [f32::INFINITY, 0.5, -0.0, f32::NEG_INFINITY];
        flush_to_normal(&mut [&mut left[..], &mut right[..]]);
        assert_eq!(left, [1.0, 0.0, 0.0, -2.0]);
        assert_eq!(right, [0.0, 0.5, 0.0, 0.0]);
    }
}
