//! Live replacement: an edit published before a block is heard in that block, and a block never
//! sees half an edit.

mod support;

use chronus_seq::document::store::PatternStore;
use chronus_seq::document::{PatternDoc, SongDoc};
use chronus_seq::engine::pattern::Step;
use chronus_seq::ChronusSeq;
use support::{activate, play_block, BLOCK, RATE};

#[test]
fn an_edit_published_before_a_block_is_heard_in_that_block() {
    let mut plugin = ChronusSeq::default();
    assert!(activate(&mut plugin, RATE, BLOCK as u32));
    let store = plugin.pattern_store();
    store.edit_slot(0, |doc| {
        doc.tracks
            .iter_mut()
            .for_each(|t| t.pattern.steps = [Step::REST; 64])
    });
    assert_eq!(play_block(&mut plugin, 0.0), vec![]);

    // Step 4 (beat 1.0) of track 6, note 37 by default, published before the block holding it.
    store.edit_slot(0, |doc| doc.tracks[5].pattern.steps[4] = Step::hit(90));
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
    let (store, mut reader) = PatternStore::new(SongDoc::new(start));
    let editor = std::thread::spawn(move || {
        for round in 0..5_000 {
            let on = round % 2 == 0;
            store.edit_slot(0, |doc| {
                for track in &mut doc.tracks {
                    track.pattern.steps[0] = if on { Step::hit(100) } else { Step::REST };
                    track.pattern.length = if on { 16 } else { 7 };
                }
            });
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
