//! The OSC side of a modulation lane's destination: an address and the range its values
//! (0–1 on the lane) are mapped to, linearly or exponentially. Part of the OSC output settings,
//! like the gate addresses: the sidecar owns the strings, the audio thread only sends the lane's
//! index and value.

use serde::{Deserialize, Serialize};

/// How a lane's 0–1 maps onto its range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Curve {
    /// `min + (max − min) · v`.
    #[default]
    Linear,
    /// `min · (max / min)^v`: equal steps are equal ratios (frequencies). Needs `min` and `max`
    /// of the same sign, neither zero.
    Exponential,
}

/// Where one lane's values go over OSC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LaneTarget {
    /// OSC address, e.g. `/mod/voice1/filter/freq`; empty: the lane sends nothing over OSC.
    pub address: String,
    /// Value sent for lane value 0.
    pub min: f32,
    /// Value sent for the lane's top value.
    pub max: f32,
    /// Linear or exponential.
    pub curve: Curve,
}

impl Default for LaneTarget {
    fn default() -> Self {
        LaneTarget {
            address: String::new(),
            min: 0.0,
            max: 1.0,
            curve: Curve::Linear,
        }
    }
}

impl LaneTarget {
    /// The value sent for `unit` (0–1).
    pub fn map(&self, unit: f64) -> f32 {
        let unit = if unit.is_nan() {
            0.0
        } else {
            unit.clamp(0.0, 1.0)
        };
        let (min, max) = (f64::from(self.min), f64::from(self.max));
        let value = match self.curve {
            Curve::Exponential if curve_fits(min, max) => min * (max / min).powf(unit),
            _ => min + (max - min) * unit,
        };
        value as f32
    }
}

/// Whether an exponential curve can span `min`–`max`.
pub fn curve_fits(min: f64, max: f64) -> bool {
    min != 0.0 && max != 0.0 && (min > 0.0) == (max > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_and_exponential_ranges() {
        let linear = LaneTarget {
            address: "/mod/voice1/amp".into(),
            min: 0.0,
            max: 0.5,
            curve: Curve::Linear,
        };
        assert_eq!(linear.map(0.5), 0.25);
        let exponential = LaneTarget {
            min: 20.0,
            max: 8000.0,
            curve: Curve::Exponential,
            ..linear
        };
        assert_eq!(exponential.map(0.0), 20.0);
        assert!((exponential.map(0.5) - 400.0).abs() < 1e-3);
        assert!((exponential.map(1.0) - 8000.0).abs() < 1e-2);
        assert_eq!(exponential.map(f64::NAN), 20.0);
    }
}
