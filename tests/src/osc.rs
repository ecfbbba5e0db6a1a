//! OSC helpers for end-to-end gate tests: plugin state that points the OSC output at a test
//! receiver, a loopback UDP receiver that keeps every datagram in arrival order and decodes it
//! with rosc, and exact differences between timetags.
//!
//! The OSC settings are the plugin's persisted field `osc_out` (docs/OSC.md, plugin
//! `osc_out/settings.rs`): a JSON object stored as a string inside the state's `fields`, like
//! the pattern.

use crate::driver::ScriptRun;
use crate::error::{HarnessError, Result};
use crate::events::NoteKind;
use crate::state::{fields_state_bytes, pattern_document, song_document};
use rosc::{OscPacket, OscTime, OscType};
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The timetag that means "immediately" (OSC 1.0).
pub const OSC_IMMEDIATELY: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

/// The serde name of a timing mode in the `osc_out` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OscMode {
    /// Each packet leaves at its due time.
    Timed,
    /// Each packet leaves at once in a bundle timetagged due + latency.
    Bundle,
}

impl OscMode {
    fn serde_name(self) -> &'static str {
        match self {
            OscMode::Timed => "Timed",
            OscMode::Bundle => "Bundle",
        }
    }
}

/// One track's OSC target in the `osc_out` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OscTrack {
    /// Gate address (empty: silent).
    pub address: String,
    /// Send `/mod/<voice>/freq` before each open.
    pub send_freq: bool,
    /// Send `/mod/<voice>/amp` before each open.
    pub send_amp: bool,
}

/// The plugin's `osc_out` settings, as a test sets them.
#[derive(Debug, Clone, PartialEq)]
pub struct OscOutConfig {
    /// Receiver host.
    pub host: String,
    /// Receiver port.
    pub port: u16,
    /// Timed or bundle.
    pub mode: OscMode,
    /// Bundle mode: timetag = due + this.
    pub bundle_latency_ms: f64,
    /// Rate cap (messages per second, 0 = none).
    pub max_messages_per_second: u32,
    /// Per-track targets, tracks 1, 2, … (missing tracks take the plugin's defaults).
    pub tracks: Vec<OscTrack>,
}

impl OscOutConfig {
    /// Music Chronus profile to 127.0.0.1:`port`, timed, `/gate/voiceN` for all 16 tracks, no
    /// freq or amp, the plugin's default rate cap.
    pub fn to_port(port: u16) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port,
            mode: OscMode::Timed,
            bundle_latency_ms: 20.0,
            max_messages_per_second: 20_000,
            tracks: (1..=16)
                .map(|n| OscTrack {
                    address: format!("/gate/voice{n}"),
                    send_freq: false,
                    send_amp: false,
                })
                .collect(),
        }
    }

    /// Sets the mode (and the bundle latency).
    pub fn with_mode(mut self, mode: OscMode, bundle_latency_ms: f64) -> Self {
        self.mode = mode;
        self.bundle_latency_ms = bundle_latency_ms;
        self
    }

    /// Turns on freq and/or amp for track `track` (1-based).
    pub fn with_mod(mut self, track: usize, send_freq: bool, send_amp: bool) -> Self {
        let target = &mut self.tracks[track - 1];
        target.send_freq = send_freq;
        target.send_amp = send_amp;
        self
    }

    /// The settings as the JSON object the plugin deserializes.
    pub fn to_json(&self) -> String {
        let tracks: Vec<serde_json::Value> = self
            .tracks
            .iter()
            .map(|t| {
                serde_json::json!({
                    "address": t.address,
                    "send_freq": t.send_freq,
                    "send_amp": t.send_amp,
                })
            })
            .collect();
        serde_json::json!({
            "host": self.host,
            "port": self.port,
            "mode": self.mode.serde_name(),
            "bundle_latency_ms": self.bundle_latency_ms,
            "max_messages_per_second": self.max_messages_per_second,
            "profile": "MusicChronus",
            "tracks": tracks,
        })
        .to_string()
    }
}

/// Plugin state with a pattern document of the given tracks (JSON objects, docs/STATE.md), the
/// OSC settings `osc_out`, and every parameter at its default.
pub fn pattern_osc_state_bytes(tracks: &[&str], osc_out: &OscOutConfig) -> Vec<u8> {
    osc_state_bytes(&pattern_document(tracks), osc_out)
}

/// Like [`pattern_osc_state_bytes`] with a version-2 document of several pattern slots, given as
/// `(slot number 1–16, tracks)` (see [`crate::state::song_document`]).
pub fn song_osc_state_bytes(slots: &[(u8, &[&str])], osc_out: &OscOutConfig) -> Vec<u8> {
    osc_state_bytes(&song_document(slots), osc_out)
}

/// Plugin state with the pattern document `pattern` and the OSC settings `osc_out`.
fn osc_state_bytes(pattern: &str, osc_out: &OscOutConfig) -> Vec<u8> {
    fields_state_bytes(serde_json::json!({ "pattern": pattern, "osc_out": osc_out.to_json() }))
}

/// Equal-tempered frequency of MIDI note `key`, A4 = 69 = 440 Hz.
pub fn note_hz(key: u8) -> f64 {
    440.0 * 2f64.powf((f64::from(key) - 69.0) / 12.0)
}

/// A gate change the plugin should send, derived from a note event it sent to the host in the
/// same run (each note-on opens its track's gate, each note-off or choke closes it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpectedGate {
    /// Track, 1-based.
    pub track: usize,
    /// `true` = int 1 (open), `false` = int 0 (close).
    pub open: bool,
    /// MIDI key of the note.
    pub key: u8,
    /// MIDI velocity of a note-on (0 for offs).
    pub velocity: u8,
    /// Absolute sample of the note event.
    pub sample: u64,
    /// Host block of the note event.
    pub block: usize,
    /// Index of the `process` call in [`ScriptRun::calls`].
    pub call: usize,
    /// The event's sample offset in that call.
    pub offset: u32,
}

/// The gates `run` should have produced: one per note event, in output order, for the keys
/// `track_of_key` maps to a track (1-based); events of other keys are an error.
pub fn expected_gates(
    run: &ScriptRun,
    track_of_key: impl Fn(u8) -> Option<usize>,
) -> Result<Vec<ExpectedGate>> {
    run.notes
        .iter()
        .filter(|n| n.note.kind != NoteKind::End)
        .map(|n| {
            let key = u8::try_from(n.note.key)
                .map_err(|_| HarnessError::new(format!("note without a key: {n:?}")))?;
            let track = track_of_key(key).ok_or_else(|| {
                HarnessError::new(format!("note of key {key} belongs to no track: {n:?}"))
            })?;
            let open = n.note.kind == NoteKind::On;
            Ok(ExpectedGate {
                track,
                open,
                key,
                velocity: if open { n.note.midi_velocity() } else { 0 },
                sample: n.sample,
                block: n.block,
                call: n.call,
                offset: n.note.time,
            })
        })
        .collect()
}

/// One datagram as it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Datagram {
    /// When `recv` returned it.
    pub arrived: Instant,
    /// Its decoded packet.
    pub packet: OscPacket,
}

/// One message of a received packet, flattened out of any bundles.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMessage {
    /// Index of its datagram.
    pub datagram: usize,
    /// Position inside the datagram.
    pub index: usize,
    /// When the datagram arrived.
    pub arrived: Instant,
    /// The innermost enclosing bundle's timetag; `None` for a plain message.
    pub timetag: Option<OscTime>,
    /// Address.
    pub addr: String,
    /// Arguments.
    pub args: Vec<OscType>,
}

impl ReceivedMessage {
    /// The single int argument, if that is what the message carries.
    pub fn single_int(&self) -> Option<i32> {
        match self.args.as_slice() {
            [OscType::Int(value)] => Some(*value),
            _ => None,
        }
    }

    /// The single float argument, if that is what the message carries.
    pub fn single_float(&self) -> Option<f32> {
        match self.args.as_slice() {
            [OscType::Float(value)] => Some(*value),
            _ => None,
        }
    }
}

/// A UDP receiver on 127.0.0.1 (ephemeral port) running on its own thread, recording every
/// datagram with its arrival instant. Undecodable datagrams are kept as errors.
pub struct OscReceiver {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(Vec<Datagram>, Vec<String>)>>,
}

impl OscReceiver {
    /// Binds and starts receiving.
    pub fn start() -> Result<Self> {
        let socket = UdpSocket::bind("127.0.0.1:0")
            .map_err(|e| HarnessError::context("binding the OSC receiver", e))?;
        let port = socket
            .local_addr()
            .map_err(|e| HarnessError::context("OSC receiver address", e))?
            .port();
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .map_err(|e| HarnessError::context("OSC receiver timeout", e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("osc-test-receiver".into())
            .spawn(move || receive_loop(&socket, &thread_stop))
            .map_err(|e| HarnessError::context("spawning the OSC receiver", e))?;
        Ok(Self {
            port,
            stop,
            thread: Some(thread),
        })
    }

    /// The UDP port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits `settle` for stragglers, stops, and returns the datagrams in arrival order; fails
    /// if any datagram did not decode.
    pub fn finish(mut self, settle: Duration) -> Result<Vec<Datagram>> {
        std::thread::sleep(settle);
        self.stop.store(true, Ordering::Release);
        let thread = self
            .thread
            .take()
            .ok_or_else(|| HarnessError::new("OSC receiver already finished"))?;
        let (datagrams, errors) = thread
            .join()
            .map_err(|_| HarnessError::new("the OSC receiver thread panicked"))?;
        if errors.is_empty() {
            Ok(datagrams)
        } else {
            Err(HarnessError::new(format!(
                "{} datagram(s) did not decode as OSC: {errors:?}",
                errors.len()
            )))
        }
    }
}

impl Drop for OscReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn receive_loop(socket: &UdpSocket, stop: &AtomicBool) -> (Vec<Datagram>, Vec<String>) {
    let mut datagrams = Vec::with_capacity(8192);
    let mut errors = Vec::new();
    let mut buffer = vec![0u8; 65_536];
    loop {
        match socket.recv(&mut buffer) {
            Ok(length) => {
                let arrived = Instant::now();
                match rosc::decoder::decode_udp(&buffer[..length]) {
                    Ok((_, packet)) => datagrams.push(Datagram { arrived, packet }),
                    Err(e) => errors.push(format!("{e:?} in {:?}", &buffer[..length])),
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::Acquire) {
                    break;
                }
            }
            Err(e) => {
                errors.push(format!("recv failed: {e}"));
                break;
            }
        }
    }
    (datagrams, errors)
}

/// Every message of `datagrams`, in arrival order and in order inside each datagram.
pub fn flatten(datagrams: &[Datagram]) -> Vec<ReceivedMessage> {
    fn walk(
        packet: &OscPacket,
        timetag: Option<OscTime>,
        datagram: usize,
        arrived: Instant,
        out: &mut Vec<ReceivedMessage>,
        index: &mut usize,
    ) {
        match packet {
            OscPacket::Message(message) => {
                out.push(ReceivedMessage {
                    datagram,
                    index: *index,
                    arrived,
                    timetag,
                    addr: message.addr.clone(),
                    args: message.args.clone(),
                });
                *index += 1;
            }
            OscPacket::Bundle(bundle) => {
                for content in &bundle.content {
                    walk(content, Some(bundle.timetag), datagram, arrived, out, index);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (number, datagram) in datagrams.iter().enumerate() {
        let mut index = 0;
        walk(
            &datagram.packet,
            None,
            number,
            datagram.arrived,
            &mut out,
            &mut index,
        );
    }
    out
}

/// Seconds since the Unix epoch of an NTP timetag.
pub fn osc_time_unix_seconds(time: OscTime) -> f64 {
    const NTP_TO_UNIX: f64 = 2_208_988_800.0;
    f64::from(time.seconds) + f64::from(time.fractional) / 4_294_967_296.0 - NTP_TO_UNIX
}

/// `later − earlier` in nanoseconds, rounded to the nearest: exact up to the timetags' own
/// resolution (2⁻³² s, a quarter of a nanosecond each).
pub fn timetag_nanos_between(earlier: OscTime, later: OscTime) -> i64 {
    let units = |t: OscTime| (i128::from(t.seconds) << 32) + i128::from(t.fractional);
    let delta = units(later) - units(earlier);
    let nanos = (delta * 1_000_000_000 + (1 << 31)) >> 32;
    i64::try_from(nanos).unwrap_or(i64::MAX)
}

/// Nanoseconds of `samples` at `sample_rate`, rounded to the nearest.
pub fn samples_to_nanos(samples: u64, sample_rate: f64) -> i64 {
    (samples as f64 * 1e9 / sample_rate).round() as i64
}

impl std::fmt::Debug for OscReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OscReceiver").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_json_uses_the_plugin_field_names() {
        let json = OscOutConfig::to_port(9000)
            .with_mode(OscMode::Bundle, 50.0)
            .with_mod(2, true, false)
            .to_json();
        let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(value["port"], 9000);
        assert_eq!(value["mode"], "Bundle");
        assert_eq!(value["bundle_latency_ms"], 50.0);
        assert_eq!(value["tracks"][1]["address"], "/gate/voice2");
        assert_eq!(value["tracks"][1]["send_freq"], true);
        assert_eq!(value["tracks"].as_array().map(Vec::len), Some(16));
    }

    #[test]
    fn state_holds_both_fields_as_strings() {
        let bytes = pattern_osc_state_bytes(&["{}"], &OscOutConfig::to_port(1234));
        let json = crate::state::nice_plug_state_json(&bytes).expect("framed");
        let value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
        assert!(value["fields"]["pattern"].as_str().is_some());
        let osc: serde_json::Value =
            serde_json::from_str(value["fields"]["osc_out"].as_str().expect("string"))
                .expect("inner JSON");
        assert_eq!(osc["port"], 1234);
    }

    #[test]
    fn ntp_conversion_and_differences() {
        let tag = OscTime {
            seconds: 2_208_988_800 + 10,
            fractional: 1 << 31,
        };
        assert_eq!(osc_time_unix_seconds(tag), 10.5);
        assert_eq!((note_hz(69), note_hz(81)), (440.0, 880.0));
        let later = OscTime {
            seconds: tag.seconds + 1,
            fractional: 1 << 30,
        };
        assert_eq!(timetag_nanos_between(tag, later), 750_000_000);
        assert_eq!(timetag_nanos_between(later, tag), -750_000_000);
        assert_eq!(samples_to_nanos(6_000, 48_000.0), 125_000_000);
    }
}
