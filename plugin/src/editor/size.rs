//! The editor window's size, saved with the project.
//!
//! The size is kept in logical points (before the system's scale factor), so a project saved on a
//! 200 % display opens at the same apparent size on a 100 % one. Whatever the saved state holds,
//! what loads is a usable size: unreadable values become the default and out-of-range values are
//! clamped to [`MIN_SIZE`]…[`MAX_SIZE`].

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use nice_plug::params::persist::PersistentField;
use serde::{Deserialize, Deserializer, Serialize};

/// Smallest window, in logical points: the global bar and a 16-step grid still fit.
pub const MIN_SIZE: EditorSize = EditorSize {
    width: 860.0,
    height: 560.0,
};
/// Largest window, in logical points.
pub const MAX_SIZE: EditorSize = EditorSize {
    width: 5120.0,
    height: 2880.0,
};
/// The size a new instance opens at, in logical points.
pub const DEFAULT_SIZE: EditorSize = EditorSize {
    width: 1240.0,
    height: 780.0,
};

/// A window size in logical points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EditorSize {
    /// Width in logical points.
    pub width: f32,
    /// Height in logical points.
    pub height: f32,
}

impl EditorSize {
    /// This size clamped to [`MIN_SIZE`]…[`MAX_SIZE`]; a non-finite side becomes the default's.
    pub fn clamped(self) -> EditorSize {
        let side = |value: f32, min: f32, max: f32, default: f32| {
            if value.is_finite() {
                value.clamp(min, max)
            } else {
                default
            }
        };
        EditorSize {
            width: side(
                self.width,
                MIN_SIZE.width,
                MAX_SIZE.width,
                DEFAULT_SIZE.width,
            ),
            height: side(
                self.height,
                MIN_SIZE.height,
                MAX_SIZE.height,
                DEFAULT_SIZE.height,
            ),
        }
    }
}

impl Default for EditorSize {
    fn default() -> Self {
        DEFAULT_SIZE
    }
}

impl<'de> Deserialize<'de> for EditorSize {
    /// Reads `{"width": w, "height": h}`. Any other JSON loads: a missing or non-numeric side
    /// takes the default's, and the result is clamped.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        let side = |name: &str, default: f32| {
            value
                .get(name)
                .and_then(serde_json::Value::as_f64)
                .map_or(default, |side| side as f32)
        };
        Ok(EditorSize {
            width: side("width", DEFAULT_SIZE.width),
            height: side("height", DEFAULT_SIZE.height),
        }
        .clamped())
    }
}

/// The current window size, shared between the editor and the host's state calls.
#[derive(Debug)]
pub struct EditorSizeCell {
    /// Width in logical points, as `f32` bits. Written by the GUI thread when the window is
    /// resized and by state loads (host main thread); read by both.
    width_bits: AtomicU32,
    /// Height in logical points, as `f32` bits. Same threads as `width_bits`.
    height_bits: AtomicU32,
}

impl EditorSizeCell {
    /// A cell holding `size` (clamped).
    pub fn new(size: EditorSize) -> EditorSizeCell {
        let size = size.clamped();
        EditorSizeCell {
            width_bits: AtomicU32::new(size.width.to_bits()),
            height_bits: AtomicU32::new(size.height.to_bits()),
        }
    }

    /// The stored size.
    pub fn get(&self) -> EditorSize {
        EditorSize {
            width: f32::from_bits(self.width_bits.load(Ordering::Relaxed)),
            height: f32::from_bits(self.height_bits.load(Ordering::Relaxed)),
        }
    }

    /// Stores `size`, clamped.
    pub fn set(&self, size: EditorSize) {
        let size = size.clamped();
        self.width_bits
            .store(size.width.to_bits(), Ordering::Relaxed);
        self.height_bits
            .store(size.height.to_bits(), Ordering::Relaxed);
    }
}

impl Default for EditorSizeCell {
    fn default() -> Self {
        EditorSizeCell::new(DEFAULT_SIZE)
    }
}

/// The window size as a persisted field.
#[derive(Debug, Default)]
pub struct EditorSizeField(pub Arc<EditorSizeCell>);

impl<'a> PersistentField<'a, EditorSize> for EditorSizeField {
    fn set(&self, new_value: EditorSize) {
        self.0.set(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&EditorSize) -> R,
    {
        f(&self.0.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(json: &str) -> EditorSize {
        serde_json::from_str(json).expect("any JSON value loads")
    }

    #[test]
    fn a_saved_size_round_trips() {
        let size = EditorSize {
            width: 1500.0,
            height: 900.0,
        };
        let json = serde_json::to_string(&size).expect("serializes");
        assert_eq!(load(&json), size);
    }

    #[test]
    fn corrupt_or_extreme_state_loads_a_usable_size() {
        assert_eq!(load("null"), DEFAULT_SIZE);
        assert_eq!(load("\"big\""), DEFAULT_SIZE);
        assert_eq!(load("[1, 2]"), DEFAULT_SIZE);
        assert_eq!(
            load(r#"{"width": "wide", "height": 700}"#),
            EditorSize {
                width: DEFAULT_SIZE.width,
                height: 700.0
            }
        );
        assert_eq!(
            load(r#"{"width": -5, "height": 1e30}"#).width,
            MIN_SIZE.width
        );
        assert_eq!(
            load(r#"{"width": -5, "height": 1e30}"#).height,
            MAX_SIZE.height
        );
        assert!(serde_json::from_str::<EditorSize>("{ not json").is_err());
    }

    #[test]
    fn the_cell_clamps_what_it_stores() {
        let cell = EditorSizeCell::default();
        assert_eq!(cell.get(), DEFAULT_SIZE);
        cell.set(EditorSize {
            width: f32::NAN,
            height: 1.0,
        });
        assert_eq!(
            cell.get(),
            EditorSize {
                width: DEFAULT_SIZE.width,
                height: MIN_SIZE.height
            }
        );
        let field = EditorSizeField(Arc::new(EditorSizeCell::default()));
        PersistentField::set(&field, MAX_SIZE);
        assert_eq!(field.map(|size| *size), MAX_SIZE);
    }
}
