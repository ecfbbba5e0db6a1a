//! What the engine needs to know about the host transport for one block.

use super::slot_switch::BarGrid;

/// Lowest sample rate the engine plays at; below it the engine stays silent.
pub const MIN_SAMPLE_RATE: f64 = 1_000.0;
/// Highest sample rate the engine plays at; above it the engine stays silent.
pub const MAX_SAMPLE_RATE: f64 = 1_536_000.0;
/// Slowest tempo the engine follows, in BPM.
pub const MIN_TEMPO: f64 = 1.0;
/// Fastest tempo the engine follows, in BPM.
pub const MAX_TEMPO: f64 = 2_000.0;

/// The host transport as it stands at sample 0 of a block.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BlockTransport {
    /// Whether the host transport is rolling.
    pub playing: bool,
    /// Tempo in BPM, if the host reports one.
    pub tempo: Option<f64>,
    /// Song position of sample 0 in beats (quarter notes), if the host reports one. May be
    /// negative during pre-roll.
    pub pos_beats: Option<f64>,
    /// Active loop as `(start, end)` in beats; `None` when the loop is off.
    pub loop_beats: Option<(f64, f64)>,
    /// The host's bar lines, if it reports them; otherwise 4/4 from the song start is assumed.
    pub bars: Option<BarGrid>,
}

/// A block the engine can play: every value present, finite and in range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlayableBlock {
    /// Song position of sample 0, in beats.
    pub start_beat: f64,
    /// Samples per beat at this block's tempo.
    pub samples_per_beat: f64,
    /// Tempo in BPM.
    pub tempo: f64,
    /// Active loop, only when it has a positive length.
    pub loop_beats: Option<(f64, f64)>,
    /// Bar lines, usable values only.
    pub bars: BarGrid,
}

impl BlockTransport {
    /// The playable view of this block, or `None` when the engine must stay silent: transport
    /// stopped, position or tempo missing, or any value not finite or out of range.
    pub(crate) fn playable(&self, sample_rate: f64) -> Option<PlayableBlock> {
        if !self.playing || !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return None;
        }
        let tempo = self.tempo.filter(|t| (MIN_TEMPO..=MAX_TEMPO).contains(t))?;
        let start_beat = self.pos_beats.filter(|b| b.is_finite() && b.abs() < 1e12)?;
        let loop_beats = self
            .loop_beats
            .filter(|(start, end)| start.abs() < 1e12 && end.abs() < 1e12 && end - start > 1e-6);
        Some(PlayableBlock {
            start_beat,
            samples_per_beat: 60.0 * sample_rate / tempo,
            tempo,
            loop_beats,
            bars: self.bars.unwrap_or_default().or_default(),
        })
    }
}
