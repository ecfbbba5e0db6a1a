//! Live replacement: an edit published before a block is heard in that block, and a block never
//! sees half an edit.

mod support;

use chronus_seq::document::{PatternDoc, SongDoc};
use chronus_seq::edit::{Edit, Origin, StepChange, TrackRef};
use chronus_seq::osc_out::OscOutSettings;
use chronus_seq::parts::Parts;
use chronus_seq::ChronusSeq;
use support::{activate, play_block, BLOCK, RATE};

#[test]
fn an_edit_published_before_a_block_is_heard_in_that_block() {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE, BLOCK as u32));
    let edits = plugin.edits();
    edits
        .apply(Origin::Osc, 0, Edit::ClearSteps(None))
        .expect("clear");
    assert_eq!(play_block(&mut plugin, 0.0), vec![]);

    // Step 4 (beat 1.0) of track 6, note 37 by default, published before the block holding it.
    let hit = |change| Edit::SetStep {
        track: TrackRef::Index(5),
        step: 4,
        change,
    };
    let step = Edit::Batch(vec![
        hit(StepChange::On(true)),
        hit(StepChange::Velocity(90)),
    ]);
    edits.apply(Origin::Osc, 0, step).expect("a valid step");
    let beat = 1.0 - 100.0 / 24_000.0;
    assert_eq!(play_block(&mut plugin, beat), vec![(100, 37)]);
}

/// One thread publishes whole-pattern replacements (every track on and 16 steps long, then
/// every track off and 7 steps long) while the reader, as the audio thread does, takes the
/// newest snapshot again and again: every snapshot it sees is the starting pattern (9 steps) or
/// one of the two edits, never a mix.
#[test]
fn a_reader_never_sees_half_an_edit() {
    let mut start = PatternDoc::empty();
    for track in &mut start.tracks {
        track.pattern.length = 9;
    }
    let (parts, mut reader) = Parts::new(SongDoc::new(start.clone()), OscOutSettings::default());
    let editor = std::thread::spawn(move || {
        for round in 0..5_000 {
            let on = round % 2 == 0;
            let mut pattern = start.clone();
            for track in &mut pattern.tracks {
                track.pattern.steps[0].on = on;
                track.pattern.length = if on { 16 } else { 7 };
            }
            let put = Edit::PutSlot {
                slot: 0,
                pattern: Box::new(pattern),
            };
            parts
                .edits
                .apply(Origin::Osc, 0, put)
                .expect("a whole slot");
        }
    });
    let mut seen = [0usize; 3];
    while !editor.is_finished() {
        let snapshot = &reader.read().slots()[0];
        let on = snapshot.tracks.iter().filter(|t| t.steps[0].on).count();
        let lengths = |length: u8| snapshot.tracks.iter().all(|t| t.length == length);
        let state = match (on, lengths(9), lengths(16), lengths(7)) {
            (0, true, _, _) => 0,
            (16, _, true, _) => 1,
            (0, _, _, true) => 2,
            _ => panic!(
                "a mixed snapshot: {on} tracks on, lengths {:?}",
                snapshot.tracks.map(|t| t.length)
            ),
        };
        seen[state] += 1;
    }
    editor.join().expect("the editing thread");
    assert!(seen[1] + seen[2] > 0, "the reader saw published edits");
}
