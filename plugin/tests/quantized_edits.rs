//! Quantized edits through the real `process()`: an OSC edit sent in the middle of a bar with
//! `quantize=bar` is heard from the next bar line's exact sample (the audio thread keeps
//! playing the pattern before it until then), with `quantize=step` from the next sixteenth,
//! and without an option at once. `process()` runs under `assert_no_alloc` throughout.
//! 48 kHz at 120 BPM: 24,000 samples per beat, 96,000 per 4/4 bar, blocks of 512 samples, so
//! the bar line at sample 96,000 falls in the middle of block 187 (offset 256).

mod support;

use chronus_seq::osc_in::CommandHandler;
use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;
use rosc::{OscMessage, OscType};
use support::{activate, TestProcessContext};

const RATE: f32 = 48_000.0;
const BLOCK: usize = 512;
const BEAT: u64 = 24_000;
const BAR: u64 = 4 * BEAT;

/// The plugin playing from sample 0, with its note-ons as (absolute sample, key).
struct Player {
    plugin: ChronusSeq,
    /// One command handler for the whole session, as one OSC input server keeps it.
    handler: Box<dyn CommandHandler>,
    context: TestProcessContext,
    left: Vec<f32>,
    right: Vec<f32>,
    sample: u64,
    note_ons: Vec<(u64, u8)>,
}

impl Player {
    fn new() -> Player {
        let mut plugin = ChronusSeq::default();
        assert!(activate(&mut plugin, RATE, BLOCK as u32));
        let mut player = Player {
            handler: Box::new(plugin.command_handler()),
            plugin,
            context: TestProcessContext::new(RATE, 1024),
            left: vec![0.0; BLOCK],
            right: vec![0.0; BLOCK],
            sample: 0,
            note_ons: Vec::new(),
        };
        player.send("/chronus/clear", vec![]).expect("clear");
        player
    }

    fn send(&mut self, address: &str, args: Vec<OscType>) -> Result<(), String> {
        let message = OscMessage {
            addr: address.to_owned(),
            args,
        };
        self.handler
            .handle(&message)
            .map(drop)
            .map_err(|e| e.reason)
    }

    /// Plays blocks until `sample` is reached (a whole number of blocks).
    fn play_to(&mut self, sample: u64) {
        while self.sample < sample {
            self.context.events.clear();
            self.context.transport = Transport::new(RATE);
            self.context.transport.playing = true;
            self.context.transport.tempo = Some(120.0);
            self.context.transport.pos_beats = Some(self.sample as f64 / BEAT as f64);
            self.context.transport.time_sig_numerator = Some(4);
            self.context.transport.time_sig_denominator = Some(4);
            self.context.transport.bar_start_pos_beats = Some((self.sample / BAR * 4) as f64);
            let mut buffer = Buffer::default();
            let (left, right) = (&mut self.left, &mut self.right);
            // SAFETY: both slices live until after `process` returns and have `BLOCK` samples.
            unsafe {
                buffer.set_slices(BLOCK, |slices| {
                    slices.clear();
                    slices.push(&mut left[..]);
                    slices.push(&mut right[..]);
                });
            }
            let mut aux = AuxiliaryBuffers {
                inputs: &mut [],
                outputs: &mut [],
            };
            let (plugin, context) = (&mut self.plugin, &mut self.context);
            nice_assert_no_alloc::assert_no_alloc(|| {
                plugin.process(&mut buffer, &mut aux, context)
            });
            for event in &self.context.events {
                if let NoteEvent::NoteOn { timing, key, .. } = event {
                    let key = key.number().expect("a concrete key");
                    self.note_ons.push((self.sample + u64::from(*timing), key));
                }
            }
            self.sample += BLOCK as u64;
        }
    }

    /// Note-ons of `key`, as absolute samples.
    fn hits(&self, key: u8) -> Vec<u64> {
        self.note_ons
            .iter()
            .filter(|(_, k)| *k == key)
            .map(|(at, _)| *at)
            .collect()
    }
}

fn s(text: &str) -> OscType {
    OscType::String(text.to_owned())
}

/// Track 1 (key 36) on every other sixteenth: a hit every 12,000 samples.
fn eighths(quantize: Option<&str>) -> Vec<OscType> {
    let mut args = vec![OscType::Int(1), s("x.x.x.x.x.x.x.x.")];
    args.extend(quantize.map(s));
    args
}

#[test]
fn an_edit_sent_mid_bar_with_quantize_bar_is_heard_from_the_next_bar_line() {
    let mut player = Player::new();
    player.play_to(50 * BLOCK as u64);
    // Sample 25,600: a little past beat 1 of bar 1.
    player
        .send("/chronus/pattern", eighths(Some("quantize=bar")))
        .expect("edit");
    player.play_to(2 * BAR + 10 * BLOCK as u64);
    let hits = player.hits(36);
    assert_eq!(
        hits.first(),
        Some(&BAR),
        "the first hit is the bar line's sample"
    );
    let expected: Vec<u64> = (0..)
        .map(|n| BAR + n * 12_000)
        .take_while(|at| *at < player.sample)
        .collect();
    assert_eq!(hits, expected);

    // The document changed at once; only the audio waited.
    let track = &player.plugin.pattern_store().slot(0).tracks[0];
    assert!(track.pattern.steps[0].on);
}

#[test]
fn quantize_step_lands_on_the_next_sixteenth_and_no_option_at_once() {
    let mut player = Player::new();
    player.play_to(50 * BLOCK as u64);
    // Sample 25,600: the next sixteenth line is beat 1.25 = sample 30,000 (an odd step, a rest
    // in the new pattern), so the first hit is step 2 at sample 36,000.
    player
        .send("/chronus/pattern", eighths(Some("quantize=step")))
        .expect("edit");
    player.play_to(80 * BLOCK as u64);
    assert_eq!(player.hits(36).first(), Some(&36_000));

    let mut player = Player::new();
    player.play_to(50 * BLOCK as u64);
    player
        .send("/chronus/pattern", eighths(None))
        .expect("edit");
    player.play_to(80 * BLOCK as u64);
    assert_eq!(
        player.hits(36).first(),
        Some(&36_000),
        "the next hit of the new pattern"
    );

    // The per-client default: every edit lands on the bar without an option.
    let mut player = Player::new();
    player
        .send("/chronus/edit_quantize", vec![s("bar")])
        .expect("default");
    player.play_to(50 * BLOCK as u64);
    player
        .send("/chronus/pattern", eighths(None))
        .expect("edit");
    player.play_to(BAR + 4 * BLOCK as u64);
    assert_eq!(player.hits(36).first(), Some(&BAR));
}

#[test]
fn an_undo_can_land_on_the_bar_too() {
    let mut player = Player::new();
    player
        .send("/chronus/pattern", eighths(None))
        .expect("edit");
    player.play_to(50 * BLOCK as u64);
    player
        .send("/chronus/undo", vec![s("quantize=bar")])
        .expect("undo");
    player.play_to(BAR + 20 * BLOCK as u64);
    let hits = player.hits(36);
    assert_eq!(
        hits.last(),
        Some(&(BAR - 12_000)),
        "the eighths play to the bar line, then stop"
    );
    assert!(player
        .send("/chronus/pattern", eighths(Some("quantize=soon")))
        .is_err());
}
