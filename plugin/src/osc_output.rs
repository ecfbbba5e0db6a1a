//! The plugin's side of OSC output: starts and stops the sidecar with activation, and turns the
//! engine's note events into timed gate events on the audio thread.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::event::{NoteEvent, NoteKind};
use crate::gate_clock::GateClock;
use crate::host::Piece;
use crate::osc_out::{self, GateEvent, GateKind, GateSender, OscOutStatus, SettingsCell, Sidecar};

/// Events the queue to the sidecar holds: far more than the densest pattern makes in a buffer.
const QUEUE_CAPACITY: usize = 16_384;
/// Events of one piece gathered before they are queued together.
const PIECE_CAPACITY: usize = 2_048;

/// What the audio thread needs while the sidecar runs.
struct Running {
    /// Audio thread's end of the queue.
    sender: GateSender,
    /// Stops the sidecar (closing its open gates) when dropped. Main thread only.
    sidecar: Sidecar,
    /// Wall-clock instants of samples. Audio thread only.
    clock: GateClock,
    /// The piece's events, queued together at its end so that the sidecar never sees a lane
    /// value without the open that follows it. Audio thread only; never grows.
    piece: Vec<GateEvent>,
}

/// OSC output of one plugin instance.
pub struct OscOutput {
    /// Target and dialect; written by state loads and the editor, read by the sidecar.
    settings: Arc<SettingsCell>,
    /// Counters and last error; written by the sidecar and the audio thread, read by anyone.
    status: Arc<OscOutStatus>,
    /// The sidecar while the plugin is active. Started and stopped on the main thread, used by
    /// the audio thread in between.
    running: Option<Running>,
    /// Whether output was on in the previous piece. Audio thread only.
    was_enabled: bool,
}

/// When the samples of one piece are due; `None` while output is off.
#[derive(Debug, Clone, Copy)]
pub struct PieceTiming {
    start: Instant,
}

impl OscOutput {
    /// Output to the target in `settings`, counted in `status`, not yet running.
    pub fn new(settings: Arc<SettingsCell>, status: Arc<OscOutStatus>) -> Self {
        OscOutput {
            settings,
            status,
            running: None,
            was_enabled: false,
        }
    }

    /// (Re)starts the sidecar for this activation. Main thread; allocates. Returns the error
    /// when the thread cannot be started; audio then runs without OSC output.
    pub fn start(&mut self, sample_rate: f64, max_buffer: usize) -> std::io::Result<()> {
        self.stop();
        let (sender, sidecar) = osc_out::start(
            Arc::clone(&self.settings),
            Arc::clone(&self.status),
            QUEUE_CAPACITY,
        )?;
        self.running = Some(Running {
            sender,
            sidecar,
            clock: GateClock::new(sample_rate, max_buffer),
            piece: Vec::with_capacity(PIECE_CAPACITY),
        });
        self.was_enabled = false;
        Ok(())
    }

    /// Stops the sidecar; it closes every gate still open first. Main thread.
    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.sidecar.stop();
        }
    }

    /// Starts `piece`. Closes every gate when output has just been switched off (the OSC
    /// Output parameter, or `/seq/stop`). Audio thread; never blocks or allocates.
    pub fn begin_piece(
        &mut self,
        piece: &Piece,
        enabled: bool,
        delay_ms: f32,
    ) -> Option<PieceTiming> {
        let enabled = enabled && !self.status.silenced.load(Ordering::Relaxed);
        let running = self.running.as_mut()?;
        let start = running.clock.piece_start(piece) + user_delay(delay_ms);
        let was_enabled = std::mem::replace(&mut self.was_enabled, enabled);
        if was_enabled && !enabled {
            running.sender.push(GateEvent::close_all(start));
        }
        enabled.then_some(PieceTiming { start })
    }

    /// Gathers the gate (or lane value, or pitch) for `event`; [`OscOutput::end_piece`] hands
    /// the piece's events to the sidecar. Audio thread; never blocks or allocates.
    pub fn send(&mut self, timing: PieceTiming, event: &NoteEvent) {
        let Some(running) = self.running.as_mut() else {
            return;
        };
        let due = running.clock.after(timing.start, event.offset);
        let track = event.track;
        let gate = match event.kind {
            NoteKind::On { velocity } => GateEvent::open(track, velocity, event.key, due),
            NoteKind::Off => GateEvent::close(track, due),
            NoteKind::Lane { lane, value, .. } => GateEvent {
                track,
                kind: GateKind::Param { lane, value },
                due,
            },
            NoteKind::Pitch { hz } => GateEvent {
                track,
                kind: GateKind::Pitch { hz },
                due,
            },
        };
        if running.piece.len() == running.piece.capacity() {
            running.sender.push_all(&running.piece);
            running.piece.clear();
        }
        running.piece.push(gate);
    }

    /// Hands the events of the piece to the sidecar, together. Audio thread; never blocks or
    /// allocates.
    pub fn end_piece(&mut self) {
        if let Some(running) = self.running.as_mut() {
            running.sender.push_all(&running.piece);
            running.piece.clear();
        }
    }
}

/// Longest extra delay of the gates, in milliseconds.
const MAX_DELAY_MS: f32 = 1_000.0;

/// The user's extra delay of `delay_ms` milliseconds as a duration, for any `f32`: clamped to
/// 0 … [`MAX_DELAY_MS`], and 0 when it is not a number (a float-to-duration conversion panics on
/// NaN, and this runs on the audio thread).
fn user_delay(delay_ms: f32) -> Duration {
    let delay_ms = if delay_ms.is_nan() {
        0.0
    } else {
        delay_ms.clamp(0.0, MAX_DELAY_MS)
    };
    // At most 10^9 ns: exact in f64, and `as` saturates anyway.
    Duration::from_nanos((f64::from(delay_ms) * 1e6).round() as u64)
}

impl Drop for OscOutput {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_is_total() {
        assert_eq!(user_delay(0.0), Duration::ZERO);
        assert_eq!(user_delay(12.5), Duration::from_micros(12_500));
        assert_eq!(user_delay(250.0), Duration::from_millis(250));
        assert_eq!(user_delay(f32::NAN), Duration::ZERO);
        assert_eq!(user_delay(-f32::NAN), Duration::ZERO);
        assert_eq!(user_delay(f32::INFINITY), Duration::from_secs(1));
        assert_eq!(user_delay(f32::NEG_INFINITY), Duration::ZERO);
        assert_eq!(user_delay(-5.0), Duration::ZERO);
        assert_eq!(user_delay(f32::MAX), Duration::from_secs(1));
        assert_eq!(user_delay(f32::from_bits(1)), Duration::ZERO);
    }
}
