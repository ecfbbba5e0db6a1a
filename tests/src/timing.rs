//! The timing rule the plugin implements, for computing expected sample positions.
//!
//! docs/TIMING.md: step `k` of a track with step length `L` beats starts at beat `k·L`. In a block
//! that starts at beat `b0` with tempo `T` and sample rate `S`, the event lands on the first sample
//! whose beat position is at or after the event's beat:
//! `offset = ceil((t − b0) · 60·S/T − ε)`. Blocks are half-open `[b0, b1)`.
//!
//! Since nothing accumulates across blocks, an event's absolute sample is the same whatever the
//! block size: on a stretch of constant tempo where beat `b_ref` is at sample `s_ref`, beat `t`
//! lands at `s_ref + ceil((t − b_ref)·60·S/T − ε)`. The harness uses ε = [`SAMPLE_EPSILON`]
//! samples so float noise in *its own* arithmetic never moves an exact position; test scenarios
//! avoid positions that fall within ε of a sample boundary without being on it.

/// Tolerance, in samples, of the harness's own ceil() (absorbs f64 noise only).
pub const SAMPLE_EPSILON: f64 = 1e-6;

/// Samples per beat at `tempo` BPM and `sample_rate` Hz.
pub fn samples_per_beat(tempo: f64, sample_rate: f64) -> f64 {
    60.0 * sample_rate / tempo
}

/// The offset inside a block starting at beat `block_start_beat` of an event at beat `beat`
/// (negative if the event lies before the block). The rule of docs/TIMING.md.
pub fn offset_in_block(beat: f64, block_start_beat: f64, tempo: f64, sample_rate: f64) -> i64 {
    ((beat - block_start_beat) * samples_per_beat(tempo, sample_rate) - SAMPLE_EPSILON).ceil()
        as i64
}

/// The absolute sample of beat `beat` on a stretch of constant `tempo` where beat `ref_beat` is
/// at absolute sample `ref_sample`. `beat` must not be before `ref_beat`.
pub fn sample_at_beat(
    ref_sample: u64,
    ref_beat: f64,
    tempo: f64,
    sample_rate: f64,
    beat: f64,
) -> u64 {
    let offset = offset_in_block(beat, ref_beat, tempo, sample_rate);
    assert!(
        offset >= 0,
        "beat {beat} lies before the reference beat {ref_beat}"
    );
    ref_sample + offset as u64
}

/// The beat at absolute sample `sample` on a stretch of constant `tempo` where beat `ref_beat`
/// is at sample `ref_sample` (what the host reports at that sample).
pub fn beat_at_sample(
    ref_sample: u64,
    ref_beat: f64,
    tempo: f64,
    sample_rate: f64,
    sample: u64,
) -> f64 {
    let delta = sample as f64 - ref_sample as f64;
    ref_beat + delta * tempo / (60.0 * sample_rate)
}
