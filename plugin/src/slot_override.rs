//! A one-time quantize for the next slot change, for commands that carry their own (Music
//! Chronus's `/pattern/load` waits for the next bar unless told `immediate`, whatever the
//! instance's Slot Quantize says).

use std::sync::atomic::{AtomicU16, Ordering};

use crate::engine::slot_switch::SlotQuantize;

/// Stored when no override waits.
const NONE: u16 = 0;

/// The quantize for a change to one slot. Written by the OSC-in thread before it asks for the
/// slot, read and cleared by the audio thread.
#[derive(Debug, Default)]
pub struct SlotOverride {
    /// `0`, or `0x100 | slot << 2 | quantize`.
    packed: AtomicU16,
}

fn quantize_code(quantize: SlotQuantize) -> u16 {
    match quantize {
        SlotQuantize::Now => 0,
        SlotQuantize::NextStep => 1,
        SlotQuantize::NextBar => 2,
    }
}

impl SlotOverride {
    /// The next change to `slot` (0-based) waits for `quantize`.
    pub fn set(&self, slot: usize, quantize: SlotQuantize) {
        let packed = 0x100 | ((slot as u16 & 0x3f) << 2) | quantize_code(quantize);
        self.packed.store(packed, Ordering::Release);
    }

    /// The quantize for a change from `playing` to `requested`: the override if it is for
    /// `requested`, else `instance`. An override is used up once its slot plays, and dropped
    /// when another slot is asked for.
    /// Audio thread only; wait-free.
    pub fn quantize_for(
        &self,
        playing: usize,
        requested: usize,
        instance: SlotQuantize,
    ) -> SlotQuantize {
        let packed = self.packed.load(Ordering::Acquire);
        if packed == NONE {
            return instance;
        }
        let slot = usize::from((packed >> 2) & 0x3f);
        if slot == playing {
            let _ = self
                .packed
                .compare_exchange(packed, NONE, Ordering::AcqRel, Ordering::Relaxed);
            return instance;
        }
        if slot != requested {
            if requested != playing {
                // Another slot was asked for since: this override is stale.
                let _ =
                    self.packed
                        .compare_exchange(packed, NONE, Ordering::AcqRel, Ordering::Relaxed);
            }
            return instance;
        }
        match packed & 0b11 {
            0 => SlotQuantize::Now,
            1 => SlotQuantize::NextStep,
            _ => SlotQuantize::NextBar,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_applies_to_its_slot_until_that_slot_plays() {
        let cell = SlotOverride::default();
        let instance = SlotQuantize::Now;
        assert_eq!(cell.quantize_for(0, 3, instance), instance);
        cell.set(3, SlotQuantize::NextBar);
        assert_eq!(cell.quantize_for(0, 0, instance), instance, "not asked yet");
        assert_eq!(cell.quantize_for(0, 3, instance), SlotQuantize::NextBar);
        assert_eq!(cell.quantize_for(3, 3, instance), instance, "slot 4 plays");
        assert_eq!(cell.quantize_for(0, 3, instance), instance, "used up");

        cell.set(3, SlotQuantize::NextBar);
        assert_eq!(cell.quantize_for(0, 5, instance), instance, "another slot");
        assert_eq!(
            cell.quantize_for(0, 3, instance),
            instance,
            "dropped as stale"
        );
    }
}
