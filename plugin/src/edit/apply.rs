//! What each edit does to the document, checked before anything changes. Host parameters and
//! OSC settings are not part of the document: an edit that touches them yields [`Effect`]s,
//! which the edit layer carries out through the parameter gateway and the settings cell.

use super::error::EditError;
use super::lanes;
use super::steps::{self, EuclidRhythm};
use super::values::{
    check_condition, check_midi_input, check_range, check_scale, check_slot, check_step,
    check_track, default_track_name, CHANNEL, GATE_PERCENT, LENGTH, NOTE, NUDGE, PROBABILITY,
    RATCHET, SWING_PERCENT, VELOCITY,
};
use super::vocabulary::{CellRef, Edit, MidiInputChange, StepChange, TrackChange, TrackRef};
use crate::document::{PatternDoc, SongDoc};
use crate::engine::pattern::{Step, MAX_STEPS, MAX_TRACKS};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_out::{LaneTarget, VoiceProfile};

/// What an edit needs to know beyond the document: the Euclid rhythm each track plays now.
#[derive(Debug, Clone, Copy)]
pub struct EditContext {
    /// Pulses and rotation per track, from the host parameters.
    pub euclid: [EuclidRhythm; MAX_TRACKS],
}

/// A change outside the document, with its track resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Track Mute parameter.
    Mute(usize, bool),
    /// Track Solo parameter.
    Solo(usize, bool),
    /// Track Gate parameter, percent.
    Gate(usize, f32),
    /// Swing parameter, percent.
    Swing(f32),
    /// Track Pulses parameter.
    Pulses(usize, u8),
    /// Track Rotation parameter.
    Rotation(usize, u8),
    /// Pattern Slot parameter (0-based slot), with a one-time quantize.
    PlaySlot(usize, Option<SlotQuantize>),
    /// Slot Quantize parameter.
    SlotQuantize(SlotQuantize),
    /// Fill parameter.
    Fill(bool),
    /// One MIDI-input parameter.
    MidiInput(MidiInputChange),
    /// A track's OSC gate address.
    OscAddress(usize, String),
    /// A track's gates go to this Music Chronus gate address, with frequency and level.
    MusicChronusVoice(usize, String),
    /// A lane's OSC destination (track, lane).
    LaneOsc(usize, usize, LaneTarget),
    /// A track's voice profile.
    VoiceProfile(usize, Option<VoiceProfile>),
    /// The modular's voice count.
    Voices(u8),
    /// Forwarding of modular messages on or off.
    ForwardModular(bool),
    /// The OSC output's receiver host and port.
    OscTarget(String, u16),
}

/// Applies `edit` to slot `slot` of `song`, adding its effects to `effects`. On error the
/// document may be half-changed: the caller throws the changed copy away.
pub fn apply(
    song: &mut SongDoc,
    slot: usize,
    edit: &Edit,
    context: &EditContext,
    effects: &mut Vec<Effect>,
) -> Result<(), EditError> {
    check_slot(slot)?;
    match edit {
        Edit::CopySlot { from, to } => {
            song.copy_slot(check_slot(*from)?, check_slot(*to)?);
            Ok(())
        }
        Edit::PutSlot { slot, pattern } => {
            *song.slot_mut(check_slot(*slot)?) = (**pattern).clone();
            Ok(())
        }
        Edit::Batch(edits) => {
            for edit in edits {
                apply(song, slot, edit, context, effects)?;
            }
            Ok(())
        }
        Edit::Undo | Edit::Redo => Err(EditError::new(
            "undo and redo move through the history; they are not part of a batch",
        )),
        edit => {
            let doc = song.slot_mut(slot);
            apply_to_slot(doc, edit, context, effects)
        }
    }
}

/// The track `track` refers to in `doc`.
fn resolve(doc: &PatternDoc, track: &TrackRef) -> Result<usize, EditError> {
    match track {
        TrackRef::Index(index) => check_track(*index),
        TrackRef::Named(name) => doc
            .tracks
            .iter()
            .position(|track| track.name == *name)
            .ok_or_else(|| {
                EditError::new(format!("no track {name:?}; add it with /seq/add first"))
            }),
    }
}

fn cell(cell: &CellRef) -> Result<(usize, usize), EditError> {
    Ok((check_track(cell.track)?, check_step(cell.step)?))
}

/// A track nobody uses yet: still under its default name and without hits.
fn free_track(doc: &PatternDoc) -> Option<usize> {
    doc.tracks.iter().enumerate().position(|(index, track)| {
        track.name == default_track_name(index)
            && track.pattern.steps.iter().all(|step| !step.on && !step.tie)
    })
}

fn euclid_shape(pulses: u8, length: u8, rotation: u8) -> Result<(), EditError> {
    check_range("steps", i64::from(length), &LENGTH)?;
    check_range("rotation", i64::from(rotation), &(0..=MAX_STEPS as i64 - 1))?;
    if pulses > length {
        return Err(EditError::new(format!(
            "{pulses} pulses do not fit in {length} steps"
        )));
    }
    Ok(())
}

fn apply_to_slot(
    doc: &mut PatternDoc,
    edit: &Edit,
    context: &EditContext,
    effects: &mut Vec<Effect>,
) -> Result<(), EditError> {
    match edit {
        Edit::WriteSteps { track, steps } => {
            let track = resolve(doc, track)?;
            let rhythm = context.euclid[track];
            steps::write_typed(&mut doc.tracks[track].pattern, steps.steps(), rhythm);
        }
        Edit::WriteTracks(writes) => {
            let mut seen = [false; MAX_TRACKS];
            for (track, _) in writes {
                let track = check_track(*track)?;
                if std::mem::replace(&mut seen[track], true) {
                    return Err(EditError::new(format!("track {} appears twice", track + 1)));
                }
            }
            for (track, steps) in writes {
                let rhythm = context.euclid[*track];
                steps::write_typed(&mut doc.tracks[*track].pattern, steps.steps(), rhythm);
            }
        }
        Edit::SetStep {
            track,
            step,
            change,
        } => {
            let track = resolve(doc, track)?;
            let step = &mut doc.tracks[track].pattern.steps[check_step(*step)?];
            match *change {
                StepChange::On(on) => {
                    step.on = on;
                    step.tie &= !on;
                }
                StepChange::Velocity(value) => {
                    step.velocity = check_range("velocity", i64::from(value), &VELOCITY)? as u8;
                }
                StepChange::Probability(value) => {
                    step.probability =
                        check_range("probability", i64::from(value), &PROBABILITY)? as u8;
                }
                StepChange::Ratchet(value) => {
                    step.ratchet = check_range("ratchet", i64::from(value), &RATCHET)? as u8;
                }
                StepChange::Nudge(value) => {
                    step.nudge = check_range("nudge", i64::from(value), &NUDGE)? as i8;
                }
                StepChange::Note(note) => {
                    if let Some(note) = note {
                        check_range("note", i64::from(note), &NOTE)?;
                    }
                    step.note = note;
                }
                StepChange::Tie(tie) => {
                    step.tie = tie;
                    step.on &= !tie;
                }
                StepChange::Reset => *step = Step::REST,
                StepChange::Condition(condition) => step.condition = check_condition(condition)?,
            }
        }
        Edit::Paint { on, cells } => {
            for target in cells {
                let (track, step) = cell(target)?;
                steps::release_euclid(doc, track, context.euclid[track]);
                let step = &mut doc.tracks[track].pattern.steps[step];
                step.on = *on;
                step.tie = false;
            }
        }
        Edit::Velocities(cells) => {
            for (target, velocity) in cells {
                let (track, step) = cell(target)?;
                let velocity = check_range("velocity", i64::from(*velocity), &VELOCITY)? as u8;
                let rhythm = context.euclid[track];
                let shown_on = steps::shows_hit(&doc.tracks[track].pattern, step, rhythm);
                if !shown_on {
                    steps::release_euclid(doc, track, rhythm);
                }
                let step = &mut doc.tracks[track].pattern.steps[step];
                if !shown_on {
                    step.on = true;
                    step.tie = false;
                }
                step.velocity = velocity;
            }
        }
        Edit::SetTrack { track, change } => {
            let track = resolve(doc, track)?;
            let track_doc = &mut doc.tracks[track];
            match change {
                TrackChange::Name(name) => track_doc.name = name.as_str().to_owned(),
                TrackChange::Length(length) => {
                    track_doc.pattern.length =
                        check_range("length", i64::from(*length), &LENGTH)? as u8;
                }
                TrackChange::Rate(rate) => track_doc.pattern.rate = *rate,
                TrackChange::Note(note) => {
                    track_doc.pattern.note = check_range("note", i64::from(*note), &NOTE)? as u8;
                    track_doc.pattern.freq = None;
                }
                TrackChange::Frequency(hz) => lanes::set_frequency(&mut track_doc.pattern, *hz)?,
                TrackChange::Channel(channel) => {
                    let shown = check_range("channel", i64::from(*channel) + 1, &CHANNEL)?;
                    track_doc.pattern.channel = (shown - 1) as u8;
                }
                TrackChange::EuclidMode(on) => track_doc.pattern.euclid = *on,
                TrackChange::Direction(direction) => track_doc.pattern.direction = *direction,
                TrackChange::Melodic(on) => track_doc.pattern.melodic = *on,
            }
        }
        Edit::Euclid {
            track,
            pulses,
            steps,
            rotation,
        } => {
            let track = check_track(*track)?;
            euclid_shape(*pulses, *steps, *rotation)?;
            // Pulses and rotation first, so the track never plays Euclid mode with old ones.
            effects.push(Effect::Pulses(track, *pulses));
            effects.push(Effect::Rotation(track, *rotation));
            let pattern = &mut doc.tracks[track].pattern;
            pattern.length = *steps;
            pattern.euclid = true;
        }
        Edit::StampEuclid {
            track,
            pulses,
            steps,
            rotation,
        } => {
            let track = check_track(*track)?;
            euclid_shape(*pulses, *steps, *rotation)?;
            doc.tracks[track].pattern.length = *steps;
            steps::stamp_euclid(doc, track, (*pulses, *rotation));
        }
        Edit::ClearSteps(only) => {
            let only = only.as_ref().map(|track| resolve(doc, track)).transpose()?;
            for (index, track_doc) in doc.tracks.iter_mut().enumerate() {
                if only.is_none_or(|only| only == index) {
                    steps::clear(&mut track_doc.pattern);
                }
            }
        }
        Edit::CopyTrack { from, to } => {
            let (from, to) = (check_track(*from)?, check_track(*to)?);
            doc.tracks[to] = doc.tracks[from].clone();
        }
        Edit::PutTrack { to, track } => {
            doc.tracks[check_track(*to)?] = (**track).clone();
        }
        Edit::Reseed(seed) => match seed {
            Some(seed) => doc.seed = *seed,
            None => doc.reseed(),
        },
        Edit::Mute { track, on } => effects.push(Effect::Mute(check_track(*track)?, *on)),
        Edit::Solo { track, on } => effects.push(Effect::Solo(check_track(*track)?, *on)),
        Edit::Gate { track, percent } => {
            let track = resolve(doc, track)?;
            let percent = check_range("gate", f64::from(*percent), &GATE_PERCENT)? as f32;
            effects.push(Effect::Gate(track, percent));
        }
        Edit::Swing(percent) => {
            let percent = check_range("swing", f64::from(*percent), &SWING_PERCENT)? as f32;
            effects.push(Effect::Swing(percent));
        }
        Edit::PlaySlot { slot, quantize } => {
            effects.push(Effect::PlaySlot(check_slot(*slot)?, *quantize));
        }
        Edit::SlotQuantize(quantize) => effects.push(Effect::SlotQuantize(*quantize)),
        Edit::Fill(on) => effects.push(Effect::Fill(*on)),
        Edit::MidiInput(change) => effects.push(Effect::MidiInput(check_midi_input(*change)?)),
        Edit::Scale(scale) => doc.scale = check_scale(*scale)?,
        Edit::OscAddress { track, address } => {
            let track = resolve(doc, track)?;
            effects.push(Effect::OscAddress(track, address.as_str().to_owned()));
        }
        Edit::OscTarget { host, port } => {
            let host = host.trim();
            if host.is_empty() || host.len() > 253 || host.contains(char::is_whitespace) {
                return Err(EditError::new(format!(
                    "OSC target host {host:?} must be a host name or IP address (1–253 \
                     characters, no spaces)"
                )));
            }
            if *port == 0 {
                return Err(EditError::new("OSC target port must be 1–65535"));
            }
            effects.push(Effect::OscTarget(host.to_owned(), *port));
        }
        Edit::MusicChronusVoice { track, voice } => {
            let track = resolve(doc, track)?;
            let address = super::values::OscAddress::music_chronus_gate(voice);
            effects.push(Effect::MusicChronusVoice(
                track,
                address.as_str().to_owned(),
            ));
        }
        Edit::ClaimTrack(name) => {
            let named = resolve(doc, &TrackRef::Named(name.as_str().to_owned())).ok();
            let track = named
                .or_else(|| free_track(doc))
                .ok_or_else(|| EditError::new("all 16 tracks are in use; /seq/remove one first"))?;
            doc.tracks[track].name = name.as_str().to_owned();
            let pattern = &mut doc.tracks[track].pattern;
            steps::clear(pattern);
            // A new Music Chronus track: no note list, 440 Hz until told otherwise.
            pattern.cycle = crate::engine::note_cycle::NoteCycle::EMPTY;
            pattern.freq = None;
        }
        Edit::ReleaseTrack(track) => {
            let track = resolve(doc, track)?;
            doc.tracks[track].name = default_track_name(track);
            let pattern = &mut doc.tracks[track].pattern;
            steps::clear(pattern);
            pattern.cycle = crate::engine::note_cycle::NoteCycle::EMPTY;
            pattern.freq = None;
            pattern.lanes = [crate::engine::lanes::Lane::EMPTY; crate::engine::lanes::LANES];
        }
        Edit::NoteCycle { track, notes } => {
            let track = resolve(doc, track)?;
            if notes.is_empty() {
                return Err(EditError::new("the note list is empty"));
            }
            for note in notes {
                check_range("note", i64::from(*note), &NOTE)?;
            }
            steps::apply_note_cycle(&mut doc.tracks[track].pattern, notes);
        }
        Edit::MusicChronusPattern { track, steps } => {
            let track = resolve(doc, track)?;
            let pattern = &mut doc.tracks[track].pattern;
            let cycle = steps::note_cycle(pattern);
            steps::write_fresh(pattern, steps.steps());
            if !cycle.is_empty() {
                steps::apply_note_cycle(pattern, &cycle);
            }
        }
        Edit::Lane {
            track,
            lane,
            change,
        } => {
            let track = resolve(doc, track)?;
            if let Some(target) = lanes::apply_lane(&mut doc.tracks[track].pattern, *lane, change)?
            {
                effects.push(Effect::LaneOsc(track, *lane, target));
            }
        }
        Edit::PitchCycle {
            track,
            pitches,
            start,
        } => {
            let track = resolve(doc, track)?;
            let rhythm = context.euclid[track];
            lanes::set_cycle(&mut doc.tracks[track].pattern, pitches, *start, rhythm)?;
        }
        Edit::PatternKeepingCycle {
            track,
            steps,
            at_beat,
        } => {
            let track = resolve(doc, track)?;
            let rhythm = context.euclid[track];
            let pattern = &mut doc.tracks[track].pattern;
            lanes::write_keeping_cycle(pattern, steps.steps(), *at_beat, rhythm);
        }
        Edit::VoiceProfile { track, profile } => {
            let track = resolve(doc, track)?;
            let profile = profile
                .as_ref()
                .map(lanes::check_voice_profile)
                .transpose()?;
            effects.push(Effect::VoiceProfile(track, profile));
        }
        Edit::Voices(voices) => effects.push(Effect::Voices(lanes::check_voices(*voices)?)),
        Edit::ForwardModular(on) => effects.push(Effect::ForwardModular(*on)),
        Edit::CopySlot { .. } | Edit::PutSlot { .. } | Edit::Batch(_) | Edit::Undo | Edit::Redo => {
            return Err(EditError::new(
                "this edit acts on the whole song, not one slot",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_EUCLID: EditContext = EditContext {
        euclid: [(0, 0); MAX_TRACKS],
    };

    fn cell(track: usize, step: usize) -> CellRef {
        CellRef { track, step }
    }

    fn run(song: &mut SongDoc, edit: Edit, context: &EditContext) -> Vec<Effect> {
        let mut effects = Vec::new();
        apply(song, 0, &edit, context, &mut effects).expect("a valid edit");
        effects
    }

    #[test]
    fn painting_switches_cells_and_keeps_their_velocity() {
        let mut song = SongDoc::new(PatternDoc::empty());
        song.slot_mut(0).tracks[0].pattern.steps[2] = Step::hit(90);
        let cells = [0, 1, 2, 3].map(|step| cell(0, step)).to_vec();
        run(&mut song, Edit::Paint { on: true, cells }, &NO_EUCLID);
        let steps = &song.slot(0).tracks[0].pattern.steps;
        assert!(steps[..4].iter().all(|step| step.on) && !steps[4].on);
        assert_eq!(steps[2].velocity, 90, "kept");
    }

    #[test]
    fn drawing_velocities_switches_steps_on() {
        let mut song = SongDoc::new(PatternDoc::empty());
        let cells = vec![(cell(3, 0), 64), (cell(3, 1), 1)];
        run(&mut song, Edit::Velocities(cells), &NO_EUCLID);
        let steps = &song.slot(0).tracks[3].pattern.steps;
        assert_eq!((steps[0], steps[1]), (Step::hit(64), Step::hit(1)));
    }

    #[test]
    fn switching_a_step_of_a_euclid_track_keeps_its_rhythm_as_plain_steps() {
        let mut song = SongDoc::new(PatternDoc::empty());
        song.slot_mut(0).tracks[2].pattern.length = 8;
        song.slot_mut(0).tracks[2].pattern.euclid = true;
        let mut context = NO_EUCLID;
        context.euclid[2] = (3, 0);
        let paint = Edit::Paint {
            on: true,
            cells: vec![cell(2, 1)],
        };
        run(&mut song, paint, &context);
        let pattern = &song.slot(0).tracks[2].pattern;
        assert!(!pattern.euclid);
        let shown: String = pattern.steps[..8]
            .iter()
            .map(|s| if s.on { 'x' } else { '.' })
            .collect();
        assert_eq!(shown, "xx.x..x.", "E(3,8) = x..x..x. plus the painted step");
    }

    #[test]
    fn euclid_mode_sets_its_parameters_first_and_refuses_what_does_not_fit() {
        let mut song = SongDoc::new(PatternDoc::empty());
        let euclid = Edit::Euclid {
            track: 4,
            pulses: 5,
            steps: 12,
            rotation: 2,
        };
        let effects = run(&mut song, euclid, &NO_EUCLID);
        assert_eq!(effects, [Effect::Pulses(4, 5), Effect::Rotation(4, 2)]);
        assert_eq!(song.slot(0).tracks[4].pattern.length, 12);
        let too_many = Edit::Euclid {
            track: 4,
            pulses: 13,
            steps: 12,
            rotation: 0,
        };
        let error = apply(&mut song, 0, &too_many, &NO_EUCLID, &mut Vec::new()).unwrap_err();
        assert!(error.reason.contains("do not fit"), "{error}");
    }

    #[test]
    fn a_batch_resolves_names_in_order() {
        let mut song = SongDoc::new(PatternDoc::default());
        let name = super::super::values::TrackName::parse("bass").unwrap();
        let steps = super::super::values::PatternSteps::parse_music_chronus("x.x.").unwrap();
        let named = TrackRef::Named("bass".to_owned());
        let batch = Edit::Batch(vec![
            Edit::ClaimTrack(name),
            Edit::MusicChronusPattern {
                track: named.clone(),
                steps,
            },
            Edit::NoteCycle {
                track: named,
                notes: vec![40, 43],
            },
        ]);
        run(&mut song, batch, &NO_EUCLID);
        let track = &song.slot(0).tracks[3];
        assert_eq!(
            track.name, "bass",
            "the first unused track (the default has 3)"
        );
        assert_eq!(track.pattern.steps[2].note, Some(43));
        let missing = Edit::ReleaseTrack(TrackRef::Named("lead".to_owned()));
        assert!(apply(&mut song, 0, &missing, &NO_EUCLID, &mut Vec::new()).is_err());
    }
}
