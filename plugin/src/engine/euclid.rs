//! Euclidean rhythms: `pulses` hits spread as evenly as possible over `steps` steps.
//!
//! The pattern is Bjorklund's algorithm as Toussaint describes it ("The Euclidean Algorithm
//! Generates Traditional Musical Rhythms", 2005): start from `pulses` groups `[x]` and
//! `steps − pulses` groups `[.]`, append one trailing group to each leading group, keep the
//! unpaired groups as the new remainder, and repeat until the remainder holds at most one group.
//! At every stage all leading groups are equal and all remainder groups are equal, so the state
//! is two bit strings and two counts: no arrays, no allocation, at most 64 rounds.
//!
//! With rotation 0 the result is Bjorklund's string exactly, which always starts with a hit:
//! E(3,8) = `x..x..x.`, E(5,8) = `x.xx.xx.`, E(5,13) = `x..x.x..x.x..`.
//!
//! Rotation turns the pattern to the left: rotation `r` makes step `r` of the unrotated pattern
//! the first step, so raising the rotation moves every hit one step earlier (wrapping around).
//! E(3,8) rotated by 1 is `..x..x.x`. Rotation is taken modulo the step count.
//!
//! Masks hold step `i` in bit `i`; bits at and above the step count are always clear.

/// Longest Euclidean pattern, in steps (tracks hold at most 64).
pub const MAX_EUCLID_STEPS: usize = 64;

/// A bit string of `len` steps, step `i` in bit `i`.
#[derive(Debug, Clone, Copy)]
struct Group {
    bits: u64,
    len: u32,
}

impl Group {
    /// `self` followed by `tail`. Callers keep the total length within 64.
    fn then(self, tail: Group) -> Group {
        Group {
            bits: self.bits | tail.bits.checked_shl(self.len).unwrap_or(0),
            len: self.len + tail.len,
        }
    }
}

/// The lowest `n` bits set, for `n` in `0..=64`.
fn low_bits(n: u32) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// Bjorklund's E(pulses, steps), unrotated, for `pulses <= steps <= 64`.
fn bjorklund(pulses: u32, steps: u32) -> u64 {
    if pulses == 0 {
        return 0;
    }
    if pulses >= steps {
        return low_bits(steps);
    }
    // `lead` groups lead, `rest` groups are the remainder. Both counts start positive, so every
    // round pairs at least one group and the total group count strictly falls.
    let mut lead = Group { bits: 1, len: 1 };
    let mut lead_count = pulses;
    let mut rest = Group { bits: 0, len: 1 };
    let mut rest_count = steps - pulses;
    loop {
        let paired = lead_count.min(rest_count);
        let joined = lead.then(rest);
        if lead_count > rest_count {
            // Leading groups left without a partner become the remainder.
            rest = lead;
            rest_count = lead_count - paired;
        } else {
            rest_count -= paired;
        }
        lead = joined;
        lead_count = paired;
        if rest_count <= 1 {
            break;
        }
    }
    let mut mask = 0u64;
    let mut position = 0u32;
    for (group, count) in [(lead, lead_count), (rest, rest_count)] {
        for _ in 0..count {
            mask |= group.bits.checked_shl(position).unwrap_or(0);
            position += group.len;
        }
    }
    mask & low_bits(steps)
}

/// Hits of E(`pulses`, `steps`) rotated left by `rotation` steps, as a bit mask (bit `i` set =
/// step `i` plays). Rotation `r` makes step `r` of Bjorklund's unrotated pattern the first step,
/// so a higher rotation moves the hits earlier; it is taken modulo the step count.
///
/// `steps` above [`MAX_EUCLID_STEPS`] clamps to it, `pulses` above the step count clamps to the
/// step count, and 0 steps gives an empty mask. Never allocates, never panics.
pub fn euclid_mask(pulses: u8, steps: u8, rotation: u8) -> u64 {
    let steps = u32::from(steps).min(MAX_EUCLID_STEPS as u32);
    if steps == 0 {
        return 0;
    }
    let pulses = u32::from(pulses).min(steps);
    let pattern = bjorklund(pulses, steps);
    let rotation = u32::from(rotation) % steps;
    if rotation == 0 {
        return pattern;
    }
    // 0 < rotation < steps <= 64, so both shifts are in range.
    ((pattern >> rotation) | (pattern << (steps - rotation))) & low_bits(steps)
}

/// Whether `step` plays in `mask` (as returned by [`euclid_mask`]). Steps at or beyond 64 never
/// play; wrap the step by the pattern length first.
pub fn euclid_hit(mask: u64, step: usize) -> bool {
    step < MAX_EUCLID_STEPS && (mask >> step) & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pattern as `x` (hit) and `.` (rest), step 0 first.
    fn render(mask: u64, steps: usize) -> String {
        (0..steps)
            .map(|step| if euclid_hit(mask, step) { 'x' } else { '.' })
            .collect()
    }

    /// Whether `pattern` is some rotation of `expected` (same length, same cyclic sequence).
    fn is_rotation_of(pattern: &str, expected: &str) -> bool {
        pattern.len() == expected.len() && expected.repeat(2).contains(pattern)
    }

    /// Bresenham spacing: a maximally even pattern, equal to Bjorklund's up to rotation.
    fn bresenham(pulses: usize, steps: usize) -> u64 {
        (0..steps)
            .filter(|&i| (i * pulses) % steps < pulses)
            .fold(0, |mask, i| mask | 1 << i)
    }

    /// Toussaint (2005), section 5: Euclidean rhythms of traditional music.
    const PAPER: &[(u8, u8, &str)] = &[
        (1, 2, "x."),
        (1, 3, "x.."),
        (1, 4, "x..."),
        (4, 12, "x..x..x..x.."),
        (2, 3, "x.x"),
        (2, 5, "x.x.."),
        (3, 4, "x.xx"),
        (3, 5, "x.x.x"),
        (3, 7, "x.x.x.."),
        (3, 8, "x..x..x."),
        (4, 7, "x.x.x.x"),
        (4, 9, "x.x.x.x.."),
        (4, 11, "x..x..x..x."),
        (5, 6, "x.xxxx"),
        (5, 7, "x.xx.xx"),
        (5, 8, "x.xx.xx."),
        (5, 9, "x.x.x.x.x"),
        (5, 11, "x.x.x.x.x.."),
        (5, 12, "x..x.x..x.x."),
        (5, 13, "x..x.x..x.x.."),
        (5, 16, "x..x..x..x..x..."),
        (7, 8, "x.xxxxxx"),
        (7, 12, "x.xx.x.xx.x."),
        (7, 16, "x..x.x.x..x.x.x."),
        (9, 16, "x.xx.x.x.xx.x.x."),
        (11, 24, "x..x.x.x.x.x..x.x.x.x.x."),
        (13, 24, "x.xx.x.x.x.x.xx.x.x.x.x."),
    ];

    #[test]
    fn paper_rhythms_match_up_to_rotation() {
        for &(pulses, steps, expected) in PAPER {
            let pattern = render(euclid_mask(pulses, steps, 0), usize::from(steps));
            assert!(
                is_rotation_of(&pattern, expected),
                "E({pulses},{steps}) = {pattern}, expected a rotation of {expected}"
            );
        }
    }

    #[test]
    fn rotation_zero_is_bjorklunds_string() {
        // Worked by hand with the pairing of Toussaint's section 4; each starts with a hit.
        for (pulses, steps, expected) in [
            (3, 8, "x..x..x."),
            (5, 8, "x.xx.xx."),
            (5, 13, "x..x.x..x.x.."),
            (3, 4, "x.xx"),
            (7, 8, "x.xxxxxx"),
            (4, 12, "x..x..x..x.."),
            (7, 12, "x.xx.x.xx.x."),
            (9, 16, "x.xx.x.x.xx.x.x."),
            (13, 24, "x.xx.x.x.x.x.xx.x.x.x.x."),
        ] {
            assert_eq!(
                render(euclid_mask(pulses, steps, 0), usize::from(steps)),
                expected,
                "E({pulses},{steps})"
            );
        }
    }

    #[test]
    fn every_pattern_is_maximally_even_and_starts_with_a_hit() {
        for steps in 1..=MAX_EUCLID_STEPS {
            for pulses in 0..=steps {
                let mask = euclid_mask(pulses as u8, steps as u8, 0);
                let pattern = render(mask, steps);
                let even = render(bresenham(pulses, steps), steps);
                assert!(
                    is_rotation_of(&pattern, &even),
                    "E({pulses},{steps}) = {pattern} is not a rotation of {even}"
                );
                assert_eq!(euclid_hit(mask, 0), pulses > 0, "E({pulses},{steps})");
            }
        }
    }

    #[test]
    fn rotation_moves_hits_earlier() {
        assert_eq!(render(euclid_mask(3, 8, 1), 8), "..x..x.x");
        assert_eq!(render(euclid_mask(3, 8, 3), 8), "x..x.x..");
        assert_eq!(render(euclid_mask(5, 8, 7), 8), ".x.xx.xx");
    }

    #[test]
    fn pulse_count_is_pulses_clamped_to_steps() {
        for steps in 0..=70u8 {
            for pulses in 0..=70u8 {
                let clamped_steps = steps.min(64);
                let expected = pulses.min(clamped_steps);
                for rotation in [0, 1, 5, 63, 64, 200, 255] {
                    let mask = euclid_mask(pulses, steps, rotation);
                    assert_eq!(
                        mask.count_ones(),
                        u32::from(expected),
                        "E({pulses},{steps}) rotated {rotation}"
                    );
                    assert_eq!(mask & !low_bits(u32::from(clamped_steps)), 0);
                }
            }
        }
    }

    #[test]
    fn clamping_and_empty_cases() {
        assert_eq!(euclid_mask(0, 0, 0), 0);
        assert_eq!(euclid_mask(5, 0, 3), 0);
        assert_eq!(euclid_mask(0, 16, 3), 0);
        assert_eq!(euclid_mask(9, 8, 0), 0xFF);
        assert_eq!(euclid_mask(255, 255, 17), u64::MAX);
        assert_eq!(euclid_mask(64, 64, 0), u64::MAX);
        assert_eq!(euclid_mask(5, 100, 3), euclid_mask(5, 64, 3));
        assert!(!euclid_hit(u64::MAX, 64));
        assert!(!euclid_hit(u64::MAX, usize::MAX));
        assert!(euclid_hit(u64::MAX, 63));
    }

    #[test]
    fn rotation_by_steps_is_identity() {
        for steps in 1..=64u8 {
            for pulses in 0..=steps {
                let base = euclid_mask(pulses, steps, 0);
                assert_eq!(euclid_mask(pulses, steps, steps), base);
                if u16::from(steps) * 2 <= 255 {
                    assert_eq!(euclid_mask(pulses, steps, steps * 2), base);
                }
            }
        }
    }

    #[test]
    fn rotations_compose() {
        for steps in 1..=64u8 {
            for pulses in [0, 1, steps / 3, steps / 2, steps.saturating_sub(1), steps] {
                for r in 0..steps {
                    let once = euclid_mask(pulses, steps, r);
                    for s in 0..steps {
                        // Rotate `once` left by `s` within `steps` bits.
                        let n = u32::from(steps);
                        let s32 = u32::from(s);
                        let twice = if s == 0 {
                            once
                        } else {
                            ((once >> s32) | (once << (n - s32))) & low_bits(n)
                        };
                        let total = ((u16::from(r) + u16::from(s)) % u16::from(steps)) as u8;
                        assert_eq!(
                            twice,
                            euclid_mask(pulses, steps, total),
                            "E({pulses},{steps}): {r} then {s}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn never_panics() {
        for steps in 0..=70u8 {
            for pulses in 0..=70u8 {
                for rotation in 0..=70u8 {
                    std::hint::black_box(euclid_mask(pulses, steps, rotation));
                }
            }
        }
        for steps in (0..=255u8).step_by(3) {
            for pulses in (0..=255u8).step_by(5) {
                for rotation in [0, 63, 64, 65, 127, 128, 254, 255] {
                    std::hint::black_box(euclid_mask(pulses, steps, rotation));
                }
            }
        }
    }

    #[test]
    fn never_allocates() {
        let total = nice_assert_no_alloc::assert_no_alloc(|| {
            let mut total = 0u32;
            for steps in 0..=70u8 {
                for pulses in 0..=steps {
                    let mask = euclid_mask(pulses, steps, steps / 2);
                    total += mask.count_ones();
                    total += u32::from(euclid_hit(mask, usize::from(steps)));
                }
            }
            total
        });
        assert!(total > 0);
    }
}
