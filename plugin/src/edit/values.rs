//! Validated values: what an edit may carry. Each type can only be made from input that passed
//! its one rule, so an edit holding one never needs to check it again, and every front-end
//! (editor, OSC, state) reads its input through the same rule.

use std::ops::RangeInclusive;

use super::error::EditError;
use super::vocabulary::MidiInputChange;
use crate::document::pattern_string::{self, PatternStringError, ACCENT_VELOCITY, HIT_VELOCITY};
use crate::engine::pattern::{
    Condition, Direction, Scale, ScaleKind, Step, MAX_NUDGE_PERCENT, MAX_RATCHET, MAX_STEPS,
    MAX_TRACKS, SLOT_COUNT,
};
use crate::engine::scale::parse_root;

/// Longest track name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// MIDI velocity of a step.
pub const VELOCITY: RangeInclusive<i64> = 1..=127;
/// Probability of a step, in percent.
pub const PROBABILITY: RangeInclusive<i64> = 0..=100;
/// Hits a step is split into.
pub const RATCHET: RangeInclusive<i64> = 1..=MAX_RATCHET as i64;
/// Nudge of a step, in percent of a step.
pub const NUDGE: RangeInclusive<i64> = -(MAX_NUDGE_PERCENT as i64)..=MAX_NUDGE_PERCENT as i64;
/// A MIDI note.
pub const NOTE: RangeInclusive<i64> = 0..=127;
/// A MIDI channel as musicians count it.
pub const CHANNEL: RangeInclusive<i64> = 1..=16;
/// Length of a track in steps.
pub const LENGTH: RangeInclusive<i64> = 1..=MAX_STEPS as i64;
/// Note length in percent of a step (the Track N Gate parameter).
pub const GATE_PERCENT: RangeInclusive<f64> = 1.0..=100.0;
/// Swing in percent (the Swing parameter).
pub const SWING_PERCENT: RangeInclusive<f64> = 50.0..=75.0;
/// A MIDI input channel (Transpose Channel, Slot Key Channel): 1–16, 0 off.
pub const INPUT_CHANNEL: RangeInclusive<i64> = 0..=16;
/// The key of slot 1 (Slot Low Key): the sixteen slot keys stay within MIDI keys 0–127.
pub const SLOT_LOW_KEY: RangeInclusive<i64> = 0..=(128 - SLOT_COUNT as i64);

/// The name every track has until it is given one: `Track 1` … `Track 16`.
pub fn default_track_name(track: usize) -> String {
    format!("Track {}", track + 1)
}

/// Checks that `value` lies in `range`; `what` names it in the reason.
pub fn check_range<T>(what: &str, value: T, range: &RangeInclusive<T>) -> Result<T, EditError>
where
    T: PartialOrd + Copy + std::fmt::Display,
{
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(EditError::new(format!(
            "{what} {value} is outside {}–{}",
            range.start(),
            range.end()
        )))
    }
}

/// A trig condition read from its text form (`A:B`, `1st`, `!1st`, `fill`, `!fill`, `pre`,
/// `!pre`, `nei`, `!nei`; empty clears).
pub fn parse_condition(text: &str) -> Result<Condition, EditError> {
    Condition::parse(text).map_err(EditError::new)
}

/// A trig condition whose `A:B` numbers are in range (1 <= A <= B <= 8).
pub fn check_condition(condition: Condition) -> Result<Condition, EditError> {
    match condition {
        Condition::Ratio { a, b } => parse_condition(&format!("{a}:{b}")),
        other => Ok(other),
    }
}

/// A scale from a root (`C`, `F#`, `Bb`, … or 0–11) and a scale name (`major`, `dorian`, …,
/// `chromatic` or `off` for none).
pub fn parse_scale(root: &str, name: &str) -> Result<Scale, EditError> {
    let root = parse_root(root).ok_or_else(|| {
        EditError::new(format!(
            "`{}` is not a root; use C, C#, Db, … B or 0–11",
            root.trim()
        ))
    })?;
    let kind = ScaleKind::parse(name).ok_or_else(|| {
        let names: Vec<&str> = ScaleKind::ALL.iter().map(|kind| kind.name()).collect();
        EditError::new(format!(
            "`{}` is not a scale; use {}",
            name.trim(),
            names.join(", ")
        ))
    })?;
    Ok(Scale { root, kind })
}

/// A scale whose root is a pitch class (0–11).
pub fn check_scale(scale: Scale) -> Result<Scale, EditError> {
    check_range("scale root", i64::from(scale.root), &(0..=11))?;
    Ok(scale)
}

/// A MIDI-input setting whose channel or key lies in its parameter's range.
pub fn check_midi_input(change: MidiInputChange) -> Result<MidiInputChange, EditError> {
    match change {
        MidiInputChange::TransposeChannel(channel) => {
            check_channel_or_off("transpose channel", channel)?;
        }
        MidiInputChange::SlotChannel(channel) => {
            check_channel_or_off("slot key channel", channel)?;
        }
        MidiInputChange::ReferenceKey(key) => check_key("reference key", key, &NOTE)?,
        MidiInputChange::SlotLowKey(key) => check_key("slot low key", key, &SLOT_LOW_KEY)?,
        MidiInputChange::TransposeMode(_) => {}
    }
    Ok(change)
}

/// A key in `range`; the reason names keys as the editor shows them (`C3 · 48`).
fn check_key(what: &str, key: u8, range: &RangeInclusive<i64>) -> Result<(), EditError> {
    if range.contains(&i64::from(key)) {
        return Ok(());
    }
    let name = |key: i64| {
        u8::try_from(key)
            .ok()
            .filter(|key| *key <= 127)
            .map_or_else(|| key.to_string(), super::notes::note_name)
    };
    Err(EditError::new(format!(
        "{what} {} is outside {}–{}",
        name(i64::from(key)),
        name(*range.start()),
        name(*range.end())
    )))
}

/// A MIDI input channel, 1–16 or 0 for off.
fn check_channel_or_off(what: &str, channel: u8) -> Result<(), EditError> {
    if INPUT_CHANNEL.contains(&i64::from(channel)) {
        Ok(())
    } else {
        Err(EditError::new(format!(
            "{what} {channel} is outside 1–16 (0 is off)"
        )))
    }
}

/// A playback direction read from its name (`forward`, `reverse`, `pendulum`, `random`).
pub fn parse_direction(text: &str) -> Result<Direction, EditError> {
    Direction::parse(text.trim()).ok_or_else(|| {
        EditError::new(format!(
            "`{}` is not a direction (forward, reverse, pendulum, random)",
            text.trim()
        ))
    })
}

/// Index `index` (0-based) of one of `count` things called `what` (as musicians count them,
/// from 1, in the reason).
fn check_index(what: &str, index: usize, count: usize) -> Result<usize, EditError> {
    if index < count {
        Ok(index)
    } else {
        Err(EditError::new(format!(
            "{what} {} does not exist; {what}s are 1–{count}",
            index + 1
        )))
    }
}

/// A track index, 0-based, below [`MAX_TRACKS`].
pub fn check_track(track: usize) -> Result<usize, EditError> {
    check_index("track", track, MAX_TRACKS)
}

/// A step index, 0-based, below [`MAX_STEPS`].
pub fn check_step(step: usize) -> Result<usize, EditError> {
    check_index("step", step, MAX_STEPS)
}

/// A slot index, 0-based, below [`SLOT_COUNT`].
pub fn check_slot(slot: usize) -> Result<usize, EditError> {
    check_index("slot", slot, SLOT_COUNT)
}

/// A track name: 1–[`MAX_NAME_CHARS`] characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackName(String);

impl TrackName {
    /// Reads a typed or sent name.
    pub fn parse(text: &str) -> Result<TrackName, EditError> {
        let name = text.trim();
        if name.is_empty() {
            return Err(EditError::new("a track needs a name"));
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(EditError::at(
                format!("a name has at most {MAX_NAME_CHARS} characters"),
                MAX_NAME_CHARS,
            ));
        }
        if let Some(position) = name.chars().position(char::is_control) {
            return Err(EditError::at(
                "a name cannot hold control characters",
                position,
            ));
        }
        Ok(TrackName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a track's gates go: an OSC address (starts with `/`, printable ASCII without spaces or
/// the characters OSC reserves for patterns, `# * , ? [ ] { }`), or empty for no OSC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OscAddress(String);

impl OscAddress {
    /// Reads a typed or sent address (surrounding spaces are ignored).
    pub fn parse(text: &str) -> Result<OscAddress, EditError> {
        let text = text.trim();
        check_osc_address(text)?;
        Ok(OscAddress(text.to_owned()))
    }

    /// The address; empty for no OSC.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address of a Music Chronus module's gate: `/gate/<voice>`.
    pub fn music_chronus_gate(voice: &VoiceId) -> OscAddress {
        OscAddress(format!("/gate/{}", voice.0))
    }
}

/// The rule for OSC addresses, for text that is not turned into an [`OscAddress`] (saved
/// settings, checked again when the sidecar loads them). Empty passes: no OSC.
pub fn check_osc_address(text: &str) -> Result<(), EditError> {
    if text.is_empty() {
        return Ok(());
    }
    if !text.starts_with('/') {
        return Err(EditError::at(
            "an OSC address starts with '/', e.g. /gate/voice1",
            0,
        ));
    }
    match text
        .chars()
        .position(|character| !character.is_ascii_graphic() || "#*,?[]{}".contains(character))
    {
        Some(position) => Err(EditError::at(
            format!(
                "{:?} cannot be part of an OSC address",
                text.chars().nth(position).unwrap_or(' ')
            ),
            position,
        )),
        None if text.ends_with('/') || text.contains("//") => Err(EditError::new(
            "an OSC address has no empty part (no '//' and no '/' at the end)",
        )),
        None => Ok(()),
    }
}

/// A Music Chronus module name such as `voice1` or `acid1`: letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceId(String);

impl VoiceId {
    /// Reads a module name.
    pub fn parse(text: &str) -> Result<VoiceId, EditError> {
        if text.is_empty() || !text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(EditError::new(format!(
                "voice id {text:?} is not a Music Chronus module name"
            )));
        }
        Ok(VoiceId(text.to_owned()))
    }

    /// The module name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The steps of a track as typed or sent: 1–[`MAX_STEPS`] of them.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternSteps(Vec<Step>);

impl PatternSteps {
    /// Reads a pattern string (`x...X..._`, see `pattern_string`).
    pub fn parse(text: &str) -> Result<PatternSteps, EditError> {
        match pattern_string::parse(text) {
            Ok(steps) => PatternSteps::new(steps),
            Err(PatternStringError::UnknownCharacter { position, .. }) => Err(EditError::at(
                pattern_string::parse(text)
                    .err()
                    .map_or_else(String::new, |error| error.to_string()),
                position,
            )),
            Err(error) => Err(EditError::new(error.to_string())),
        }
    }

    /// Reads a pattern as Music Chronus does: one step per character, `X` accent (1.0), `x` hit
    /// (0.6), anything else a rest.
    pub fn parse_music_chronus(text: &str) -> Result<PatternSteps, EditError> {
        let steps: Vec<Step> = text
            .chars()
            .map(|character| match character {
                'X' => Step::hit(ACCENT_VELOCITY),
                'x' => Step::hit(HIT_VELOCITY),
                _ => Step::REST,
            })
            .collect();
        PatternSteps::new(steps)
    }

    /// Steps made some other way, checked for count.
    pub fn new(steps: Vec<Step>) -> Result<PatternSteps, EditError> {
        if steps.is_empty() {
            return Err(EditError::new(
                "no steps: a pattern has at least one of . x X 1-9 _",
            ));
        }
        if steps.len() > MAX_STEPS {
            return Err(EditError::new(format!(
                "{} steps; a track holds at most {MAX_STEPS}",
                steps.len()
            )));
        }
        Ok(PatternSteps(steps))
    }

    /// The steps.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc_addresses_follow_one_rule() {
        assert!(OscAddress::parse("/gate/voice1").is_ok());
        assert_eq!(OscAddress::parse("  ").map(|a| a.0), Ok(String::new()));
        assert_eq!(OscAddress::parse("gate").unwrap_err().position, Some(0));
        assert_eq!(
            OscAddress::parse("/gate voice").unwrap_err().position,
            Some(5)
        );
        assert_eq!(OscAddress::parse("/gate/*").unwrap_err().position, Some(6));
        assert!(OscAddress::parse("/gate/").is_err());
        assert!(OscAddress::parse("/gate//v").is_err());
        // Everything this rule lets through is a valid OSC address for rosc too.
        for text in [
            "/a",
            "/gate/voice1",
            "/mod/voice1/filter/freq",
            "/x-y_z/1.5",
        ] {
            assert!(OscAddress::parse(text).is_ok());
            assert!(rosc::address::verify_address(text).is_ok(), "{text}");
        }
    }

    #[test]
    fn names() {
        assert!(TrackName::parse("  ").is_err());
        assert!(TrackName::parse(&"n".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(TrackName::parse(&"n".repeat(MAX_NAME_CHARS + 1)).is_err());
        assert!(TrackName::parse("a\tb").is_err());
        assert_eq!(TrackName::parse(" Kick ").unwrap().as_str(), "Kick");
        assert_eq!(default_track_name(0), "Track 1");
    }

    #[test]
    fn patterns() {
        assert_eq!(PatternSteps::parse("x..X").unwrap().steps().len(), 4);
        assert_eq!(PatternSteps::parse("x.q").unwrap_err().position, Some(2));
        assert!(PatternSteps::parse("").is_err());
        assert!(PatternSteps::parse(&"x".repeat(65)).is_err());
        let chronus = PatternSteps::parse_music_chronus("Xx-.").unwrap();
        assert_eq!(chronus.steps()[0], Step::hit(ACCENT_VELOCITY));
        assert_eq!(chronus.steps()[1], Step::hit(HIT_VELOCITY));
        assert_eq!(chronus.steps()[2], Step::REST);
    }
}
