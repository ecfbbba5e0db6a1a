//! The edit layer: the one place where a change to the pattern, to a host parameter or to a
//! track's OSC target is defined, validated, applied, recorded for undo and published.
//!
//! Front-ends only translate: the editor turns clicks, drags and typed text into an [`Edit`],
//! the OSC commands turn messages into one, state loading hands over a loaded document. The
//! [`EditLayer`] checks the edit against the rules in [`values`] and [`apply`], changes a copy
//! of the document under the store's lock, sends host-parameter changes through the parameter
//! gateway, and publishes one complete snapshot for the audio thread (one undo step). A refusal
//! is one [`EditError`] whose reason both the editor (inline, under the field) and OSC
//! (`/seq/error`) show; nothing changes.
//!
//! The document can only be changed from here: [`PatternStore`]'s mutating methods are
//! private to this module.

mod apply;
pub mod changes;
mod error;
mod lanes;
mod layer;
pub mod notes;
pub mod steps;
mod store;
pub mod values;
mod vocabulary;

pub use error::EditError;
pub use lanes::MAX_VOICES;
pub use layer::{EditLayer, Origin, Preview};
pub use store::PatternStore;
pub use vocabulary::{
    CellRef, CycleStart, Edit, LaneChange, MidiInputChange, StepChange, TrackChange, TrackRef,
};
