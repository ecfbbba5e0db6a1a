//! When a change of pattern slot takes effect: at once, on the next sixteenth, or on the next
//! bar line.

use super::BEAT_TOLERANCE;

/// Where a requested slot change waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlotQuantize {
    /// On the first sample of the block that asks for it.
    Now,
    /// On the next sixteenth-note line of the song (every quarter of a beat).
    NextStep,
    /// On the next bar line.
    #[default]
    NextBar,
}

/// Length of the grid [`SlotQuantize::NextStep`] waits for, in beats: a sixteenth note.
pub const STEP_GRID_BEATS: f64 = 0.25;

/// The host's bar lines: one at `origin_beat` and every `length_beats` from it, both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BarGrid {
    /// Song beat of any bar line, usually the start of the current bar.
    pub origin_beat: f64,
    /// Beats per bar: `4 · numerator / denominator` of the time signature.
    pub length_beats: f64,
}

impl Default for BarGrid {
    /// Four beats to the bar from the song start, for hosts that report no time signature.
    fn default() -> Self {
        BarGrid {
            origin_beat: 0.0,
            length_beats: 4.0,
        }
    }
}

impl BarGrid {
    /// This grid if its values are usable, else the 4/4 grid from the song start.
    pub fn or_default(self) -> BarGrid {
        let usable = self.origin_beat.is_finite()
            && self.origin_beat.abs() < 1e12
            && self.length_beats.is_finite()
            && (1.0 / 64.0..=1024.0).contains(&self.length_beats);
        if usable {
            self
        } else {
            BarGrid::default()
        }
    }
}

/// The beat at which a change asked for with `quantize` happens, when everything up to `after`
/// has been played already: `after` itself for [`SlotQuantize::Now`], otherwise the first grid
/// line that has not been played yet (later than `after` by more than the float tolerance).
pub fn switch_beat(quantize: SlotQuantize, after: f64, bars: BarGrid) -> f64 {
    let (origin, length) = match quantize {
        SlotQuantize::Now => return after,
        SlotQuantize::NextStep => (0.0, STEP_GRID_BEATS),
        SlotQuantize::NextBar => {
            let bars = bars.or_default();
            (bars.origin_beat, bars.length_beats)
        }
    };
    let lines_passed = ((after + BEAT_TOLERANCE - origin) / length).floor();
    origin + (lines_passed + 1.0) * length
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_unplayed_grid_line_is_chosen() {
        let bars = BarGrid::default();
        assert_eq!(switch_beat(SlotQuantize::Now, 1.3, bars), 1.3);
        assert_eq!(switch_beat(SlotQuantize::NextStep, 1.3, bars), 1.5);
        assert_eq!(switch_beat(SlotQuantize::NextBar, 1.3, bars), 4.0);
        // A line exactly at `after` has been played: the one after it is next.
        assert_eq!(switch_beat(SlotQuantize::NextStep, 1.5, bars), 1.75);
        assert_eq!(switch_beat(SlotQuantize::NextBar, 4.0, bars), 8.0);
        // Just before a line (the last sample before it): that line.
        assert_eq!(switch_beat(SlotQuantize::NextBar, 3.999_99, bars), 4.0);
        assert_eq!(
            switch_beat(SlotQuantize::NextBar, -1.5, bars),
            0.0,
            "pre-roll"
        );
    }

    #[test]
    fn bars_follow_the_time_signature_and_origin() {
        let three_four = BarGrid {
            origin_beat: 3.0,
            length_beats: 3.0,
        };
        assert_eq!(switch_beat(SlotQuantize::NextBar, 4.0, three_four), 6.0);
        let seven_eight = BarGrid {
            origin_beat: 0.0,
            length_beats: 3.5,
        };
        assert_eq!(switch_beat(SlotQuantize::NextBar, 3.6, seven_eight), 7.0);
        let nonsense = BarGrid {
            origin_beat: f64::NAN,
            length_beats: 0.0,
        };
        assert_eq!(switch_beat(SlotQuantize::NextBar, 1.0, nonsense), 4.0);
    }
}
