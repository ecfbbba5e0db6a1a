//! When the editor redraws. A redraw of the whole window costs far more than anything else the
//! editor does, so it redraws only when what it shows changes:
//!
//! - while the transport plays, when the next playhead enters a new step or the transport
//!   display reaches the next sixteenth: [`next_change`] says how long until then, and the
//!   editor asks egui for a frame at that moment (so a playhead is never more than one frame
//!   late);
//! - when the document, the playing slot, the transport state, the transposition played in
//!   from MIDI keys or the OSC status change: a [`Watcher`] thread compares a small
//!   [`Fingerprint`] of them a few times a second and wakes the window;
//! - when the musician interacts (egui redraws on input by itself) or the host changes a
//!   parameter (nice-plug-egui wakes the window).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use nice_plug_egui::RepaintNotifier;

use crate::edit::PatternStore;
use crate::engine::pattern::TrackPattern;
use crate::live_state::{LiveState, TransportView};
use crate::osc_in::OscInStatus;
use crate::osc_out::OscOutStatus;

/// How often the watcher looks for changes.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(50);

/// Shortest wait for the next frame while playing, so a boundary just missed is not asked for
/// in a busy loop.
pub const MIN_FRAME_WAIT: Duration = Duration::from_millis(4);

/// Longest wait for the next frame while playing (a very slow tempo still moves the display).
pub const MAX_FRAME_WAIT: Duration = Duration::from_millis(250);

/// How long until the display changes while `transport` plays `tracks` (each track's playhead,
/// and the bar.beat.sixteenth display). The position moves on once per audio block, at the end
/// of the block just published, so the change shows with the first block that reaches the
/// nearest step boundary: that many blocks from now (the newest block was published at most
/// one block ago). `None` when nothing moves (stopped, or no tempo).
pub fn next_change<'a>(
    transport: &TransportView,
    tracks: impl IntoIterator<Item = &'a TrackPattern>,
) -> Option<Duration> {
    let tempo = transport
        .tempo
        .filter(|tempo| tempo.is_finite() && *tempo > 0.0)?;
    if !transport.playing || !transport.position.is_finite() {
        return None;
    }
    let position = transport.position;
    let sixteenth = 0.25;
    let until = |step: f64| {
        let next = ((position / step).floor() + 1.0) * step;
        next - position
    };
    let beats = tracks
        .into_iter()
        .map(|track| track.rate.beats())
        .filter(|step| step.is_finite() && *step > 0.0)
        .map(until)
        .fold(until(sixteenth), f64::min);
    let block = transport.block_seconds;
    let seconds = if block.is_finite() && block > 0.0 {
        let beats_per_block = block * tempo / 60.0;
        (beats / beats_per_block).ceil().max(1.0) * block
    } else {
        beats * 60.0 / tempo
    };
    let wait = Duration::try_from_secs_f64(seconds).unwrap_or(MAX_FRAME_WAIT);
    Some(wait.clamp(MIN_FRAME_WAIT, MAX_FRAME_WAIT))
}

/// What the editor shows that changes without the musician: compared by the watcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Edits of the document so far.
    document: u64,
    /// Whether the transport plays.
    playing: bool,
    /// The slot playing.
    slot: usize,
    /// The MIDI input's transposition, in semitones (it changes while stopped too).
    transpose: i8,
    /// OSC commands handled and refused, packets received.
    osc_in: (u64, u64, u64),
    /// Port the OSC input listens on.
    osc_in_port: Option<u16>,
    /// OSC output problems (dropped, rate-limited, send errors); the sent count only while
    /// stopped (while playing the playhead frames show it).
    osc_out: (u64, u64, u64, u64),
}

/// Where the watcher reads from. Shared with the audio, OSC and sidecar threads.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The document (its edit count).
    pub store: PatternStore,
    /// The transport and playing slot.
    pub live: Arc<LiveState>,
    /// OSC input counters.
    pub osc_in: Option<Arc<OscInStatus>>,
    /// OSC output counters.
    pub osc_out: Arc<OscOutStatus>,
}

impl Sources {
    /// The fingerprint now. Reads atomics only.
    pub fn fingerprint(&self) -> Fingerprint {
        let count = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
        let playing = self.live.transport().playing;
        let osc_in = self.osc_in.as_deref();
        let out = &self.osc_out;
        Fingerprint {
            document: self.store.edit_count(),
            playing,
            slot: self.live.playing_slot(),
            transpose: self.live.transpose(),
            osc_in: osc_in.map_or((0, 0, 0), |status| {
                (
                    count(&status.messages_ok),
                    count(&status.handler_errors),
                    count(&status.packets_received),
                )
            }),
            osc_in_port: osc_in.and_then(OscInStatus::bound_port),
            osc_out: (
                if playing { 0 } else { count(&out.sent) },
                count(&out.dropped_queue_full),
                count(&out.rate_limited),
                count(&out.send_errors),
            ),
        }
    }
}

/// A thread that wakes the editor's window when the fingerprint changes. Stops when dropped.
#[derive(Debug)]
pub struct Watcher {
    /// Set to stop the thread. Written by the owner, read by the watcher.
    stop: Arc<AtomicBool>,
    /// The thread, joined on drop.
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Watches `sources` and wakes `repaint` on every change.
    pub fn start(sources: Sources, repaint: RepaintNotifier) -> std::io::Result<Watcher> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name("chronus-seq-editor-watch".to_owned())
                .spawn(move || {
                    let mut seen = sources.fingerprint();
                    while !stop.load(Ordering::Acquire) {
                        thread::park_timeout(WATCH_INTERVAL);
                        let now = sources.fingerprint();
                        if now != seen {
                            seen = now;
                            repaint.request_repaint();
                        }
                    }
                })?
        };
        Ok(Watcher {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::{RateFeel, StepRate};

    fn playing_at(position: f64, tempo: f64) -> TransportView {
        TransportView {
            playing: true,
            tempo: Some(tempo),
            position,
            bar_beats: 4.0,
            bar_origin: 0.0,
            block_seconds: 0.0,
        }
    }

    fn track(division: u8) -> TrackPattern {
        let mut track = TrackPattern::empty(36);
        track.rate = StepRate {
            division,
            feel: RateFeel::Straight,
        };
        track
    }

    #[test]
    fn the_next_frame_is_at_the_nearest_step_boundary() {
        // 120 BPM: a sixteenth lasts 125 ms. At beat 1.1 the next sixteenth starts at 1.25.
        let sixteenths = [track(16)];
        let wait = next_change(&playing_at(1.1, 120.0), &sixteenths).unwrap();
        assert_eq!(wait.as_micros(), 75_000);
        // A 1/64 track moves every 31.25 ms: its boundary at 1.125 comes first.
        let fast = [track(16), track(64)];
        let wait = next_change(&playing_at(1.1, 120.0), &fast).unwrap();
        assert_eq!(wait.as_micros(), 12_500);
        // Quarter-note tracks still see the sixteenth display move.
        let slow = [track(4)];
        let wait = next_change(&playing_at(1.1, 120.0), &slow).unwrap();
        assert_eq!(wait.as_micros(), 75_000);
    }

    #[test]
    fn the_next_frame_waits_for_the_block_that_reaches_the_boundary() {
        // 512-sample blocks at 48 kHz: 10.67 ms, 0.0213 beats at 120 BPM. From beat 1.24 the
        // boundary at 1.25 is reached by the first block after it: one block from now.
        let mut transport = playing_at(1.24, 120.0);
        transport.block_seconds = 512.0 / 48_000.0;
        let wait = next_change(&transport, &[track(16)]).unwrap();
        assert_eq!(wait.as_micros(), 10_666);
        // From 1.1: 0.15 beats = 7.03 blocks, so the eighth block shows it.
        transport.position = 1.1;
        let wait = next_change(&transport, &[track(16)]).unwrap();
        assert_eq!(wait.as_micros(), 85_333);
    }

    #[test]
    fn waits_stay_within_bounds_and_stopped_transports_never_move() {
        let tracks = [track(16)];
        let on_boundary = next_change(&playing_at(1.25 - 1e-9, 120.0), &tracks).unwrap();
        assert_eq!(on_boundary, MIN_FRAME_WAIT);
        let crawl = next_change(&playing_at(0.0, 1.0), &tracks).unwrap();
        assert_eq!(crawl, MAX_FRAME_WAIT);
        let mut stopped = playing_at(1.0, 120.0);
        stopped.playing = false;
        assert_eq!(next_change(&stopped, &tracks), None);
        assert_eq!(next_change(&playing_at(f64::NAN, 120.0), &tracks), None);
        assert_eq!(next_change(&playing_at(1.0, f64::INFINITY), &tracks), None);
        assert_eq!(next_change(&playing_at(1.0, 0.0), &tracks), None);
    }

    #[test]
    fn the_fingerprint_sees_edits_slots_commands_and_keys_played_in() {
        let plugin = crate::ChronusSeq::default();
        let sources = Sources {
            store: plugin.pattern_store(),
            live: plugin.live_state(),
            osc_in: Some(plugin.osc_in_status()),
            osc_out: plugin.osc_status(),
        };
        let before = sources.fingerprint();
        assert_eq!(sources.fingerprint(), before, "nothing changed");
        plugin
            .edits()
            .apply(
                crate::edit::Origin::Osc,
                0,
                crate::edit::Edit::Reseed(Some(7)),
            )
            .unwrap();
        let edited = sources.fingerprint();
        assert_ne!(edited, before);
        plugin
            .osc_in_status()
            .messages_ok
            .fetch_add(1, Ordering::Relaxed);
        let counted = sources.fingerprint();
        assert_ne!(counted, edited);
        plugin.live_state().publish_transpose(7);
        assert_ne!(sources.fingerprint(), counted, "a key played in");
    }
}
