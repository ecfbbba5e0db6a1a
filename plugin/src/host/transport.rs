//! The transport of a piece as the engine takes it, from what nice-plug reports.
//!
//! Every host value is checked before it is used: a tempo outside the engine's range, a position
//! or loop point that is not finite or absurdly large, a loop that ends before it starts or a
//! time signature that is not positive is dropped, and the engine then treats it as absent
//! (silent without tempo or position, no loop, 4/4 bars). The position itself comes from the
//! source that is exact for the plugin API:
//! - CLAP: the host's beat (fixed point, exact), repaired where nice-plug shifts it after a
//!   mid-buffer transport event ([`super::clap_position`]);
//! - VST3: the sample clock ([`super::sample_clock`]), since hosts may round the beat;
//! - anything else: the beat as reported.

use nice_plug::prelude::{PluginApi, Transport};

use super::clap_position::{ClapPositionRepair, Reported};
use super::sample_clock::{snap_loop, ClockReport, SampleClock};
use crate::engine::slot_switch::BarGrid;
use crate::engine::transport::{BlockTransport, MAX_TEMPO, MIN_TEMPO};

/// Positions further from 0 than this many beats are not used.
const MAX_BEATS: f64 = 1e12;

/// The position sources that keep state from piece to piece. Audio thread only.
#[derive(Debug, Default)]
pub struct Positions {
    /// Repairs CLAP positions after mid-buffer transport events.
    clap: ClapPositionRepair,
    /// Song positions from the VST3 sample clock.
    sample_clock: SampleClock,
}

impl Positions {
    /// Forgets everything learnt from earlier pieces (after a reset).
    pub fn forget(&mut self) {
        self.clap.forget();
        self.sample_clock.forget();
    }

    /// The transport of a piece of `len` samples at `in_buffer` samples into its host buffer,
    /// under `api` at `sample_rate` (checked at activation).
    pub fn transport(
        &mut self,
        api: PluginApi,
        transport: &Transport,
        in_buffer: usize,
        len: usize,
        sample_rate: f64,
    ) -> BlockTransport {
        let tempo = transport
            .tempo
            .filter(|tempo| (MIN_TEMPO..=MAX_TEMPO).contains(tempo));
        let mut pos_beats = checked_beat(transport.pos_beats());
        let mut loop_beats = transport.loop_range_beats().and_then(checked_loop);
        match (api, pos_beats, tempo) {
            (PluginApi::Clap, Some(position), Some(tempo)) => {
                let reported = Reported {
                    position,
                    tempo,
                    sample_rate,
                    loop_start: loop_beats.map(|(start, _)| start),
                };
                pos_beats = Some(self.clap.repair(in_buffer, len, reported));
            }
            (PluginApi::Vst3, Some(beat), Some(tempo)) => {
                let position = transport.pos_samples.and_then(|samples| {
                    self.sample_clock.position(ClockReport {
                        samples,
                        beat,
                        tempo,
                        sample_rate,
                    })
                });
                if let Some(beat) = position {
                    pos_beats = Some(beat);
                    let end = beat + len as f64 * tempo / 60.0 / sample_rate;
                    loop_beats = loop_beats.map(|range| snap_loop(range, beat, end));
                }
            }
            _ => {}
        }
        BlockTransport {
            playing: transport.playing,
            tempo,
            pos_beats: checked_beat(pos_beats),
            loop_beats,
            bars: bars(transport),
        }
    }
}

/// `beat` if it is finite and not absurdly large.
fn checked_beat(beat: Option<f64>) -> Option<f64> {
    beat.filter(|beat| beat.is_finite() && beat.abs() < MAX_BEATS)
}

/// The loop `(start, end)` if both points are usable and it ends after it starts.
fn checked_loop((start, end): (f64, f64)) -> Option<(f64, f64)> {
    let usable = checked_beat(Some(start)).is_some() && checked_beat(Some(end)).is_some();
    (usable && end > start).then_some((start, end))
}

/// The host's bar lines, if it reports a usable time signature.
fn bars(transport: &Transport) -> Option<BarGrid> {
    match (transport.time_sig_numerator, transport.time_sig_denominator) {
        (Some(numerator), Some(denominator)) if numerator > 0 && denominator > 0 => {
            let origin_beat = checked_beat(transport.bar_start_pos_beats()).unwrap_or(0.0);
            Some(BarGrid {
                origin_beat,
                length_beats: 4.0 * f64::from(numerator) / f64::from(denominator),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f64 = 48_000.0;

    fn playing(tempo: f64, beat: f64) -> Transport {
        let mut transport = Transport::new(RATE as f32);
        transport.playing = true;
        transport.tempo = Some(tempo);
        transport.pos_beats = Some(beat);
        transport
    }

    #[test]
    fn unusable_host_values_are_dropped() {
        let mut positions = Positions::default();
        for api in [PluginApi::Clap, PluginApi::Vst3, PluginApi::Standalone] {
            for tempo in [f64::NAN, f64::INFINITY, -120.0, 0.0, 0.5, 2_500.0] {
                let block = positions.transport(api, &playing(tempo, 1.0), 0, 64, RATE);
                assert_eq!(block.tempo, None, "{api:?} {tempo}");
            }
            for beat in [f64::NAN, f64::NEG_INFINITY, 1e13] {
                let mut transport = playing(120.0, beat);
                transport.pos_samples = Some(48_000);
                let block = positions.transport(api, &transport, 0, 64, RATE);
                assert_eq!(block.pos_beats, None, "{api:?} {beat}");
            }
            for range in [
                (4.0, 1.0),
                (f64::NAN, 4.0),
                (0.0, f64::INFINITY),
                (2.0, 2.0),
            ] {
                let mut transport = playing(120.0, 1.0);
                transport.loop_range_beats = Some(range);
                let block = positions.transport(api, &transport, 0, 64, RATE);
                assert_eq!(block.loop_beats, None, "{api:?} {range:?}");
            }
            for (numerator, denominator) in [(0, 4), (4, 0), (-3, 4), (3, -8)] {
                let mut transport = playing(120.0, 1.0);
                transport.time_sig_numerator = Some(numerator);
                transport.time_sig_denominator = Some(denominator);
                let block = positions.transport(api, &transport, 0, 64, RATE);
                assert_eq!(block.bars, None, "{api:?} {numerator}/{denominator}");
            }
            let mut huge = playing(120.0, 1.0);
            huge.pos_samples = Some(i64::MAX);
            let block = positions.transport(api, &huge, 0, 64, RATE);
            assert_eq!(block.pos_beats, Some(1.0), "{api:?}: the host beat stays");
        }
    }

    #[test]
    fn vst3_positions_come_from_the_sample_clock_and_clap_positions_from_the_beat() {
        // Sample 12,345 at 120 BPM is beat 0.514375; Ardour reports the nearest tick.
        let exact = 12_345.0 * 2.0 / RATE;
        let rounded = (exact * 1920.0).round() / 1920.0;
        assert_ne!(exact, rounded);
        let mut transport = playing(120.0, rounded);
        transport.pos_samples = Some(12_345);
        transport.time_sig_numerator = Some(3);
        transport.time_sig_denominator = Some(4);
        let mut positions = Positions::default();
        let vst3 = positions.transport(PluginApi::Vst3, &transport, 0, 512, RATE);
        assert_eq!(vst3.pos_beats, Some(exact));
        assert_eq!(vst3.bars.map(|bars| bars.length_beats), Some(3.0));
        let clap = positions.transport(PluginApi::Clap, &transport, 0, 512, RATE);
        assert_eq!(clap.pos_beats, Some(rounded));
    }
}
