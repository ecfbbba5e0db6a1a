//! Which gates the sidecar has opened and not yet closed.

use super::encode::OpenGate;
use super::settings::TRACKS;

/// The open gate of each track, if any, with where it was opened. Sidecar only.
#[derive(Clone, Debug, Default)]
pub struct OpenGates {
    gates: [Option<OpenGate>; TRACKS],
}

impl OpenGates {
    /// Records that `track` opened `gate` (replacing an earlier open of the track).
    pub fn opened(&mut self, track: u8, gate: OpenGate) {
        if let Some(slot) = self.gates.get_mut(usize::from(track)) {
            *slot = Some(gate);
        }
    }

    /// Forgets and returns the open gate of `track`; `None` if it is not open.
    pub fn take(&mut self, track: u8) -> Option<OpenGate> {
        self.gates.get_mut(usize::from(track))?.take()
    }

    /// Forgets and returns every open gate for which `close` holds, in track order.
    pub fn take_where(
        &mut self,
        mut close: impl FnMut(u8, &OpenGate) -> bool,
    ) -> Vec<(u8, OpenGate)> {
        let mut taken = Vec::new();
        for (track, slot) in (0u8..).zip(self.gates.iter_mut()) {
            if slot.as_ref().is_some_and(|gate| close(track, gate)) {
                taken.extend(slot.take().map(|gate| (track, gate)));
            }
        }
        taken
    }

    /// Forgets and returns every open gate, in track order.
    pub fn take_all(&mut self) -> Vec<(u8, OpenGate)> {
        self.take_where(|_, _| true)
    }

    /// Whether `track` has an open gate.
    #[cfg(test)]
    pub fn is_open(&self, track: u8) -> bool {
        self.gates
            .get(usize::from(track))
            .is_some_and(Option::is_some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osc_out::settings::Profile;

    fn gate(address: &str) -> OpenGate {
        OpenGate {
            address: address.into(),
            profile: Profile::MusicChronus,
            note: 60,
        }
    }

    #[test]
    fn open_close_once() {
        let mut gates = OpenGates::default();
        gates.opened(3, gate("/gate/voice4"));
        assert!(gates.is_open(3));
        assert_eq!(gates.take(3), Some(gate("/gate/voice4")));
        assert_eq!(gates.take(3), None, "a second close finds nothing");
        assert_eq!(gates.take(200), None);
        gates.opened(200, gate("/x"));
    }

    #[test]
    fn close_all_in_track_order() {
        let mut gates = OpenGates::default();
        for track in [9, 2, 15, 0] {
            gates.opened(track, gate(&format!("/gate/voice{}", track + 1)));
        }
        let order: Vec<u8> = gates
            .take_all()
            .into_iter()
            .map(|(track, _)| track)
            .collect();
        assert_eq!(order, [0, 2, 9, 15]);
        assert!(gates.take_all().is_empty());
    }

    #[test]
    fn take_where_filters() {
        let mut gates = OpenGates::default();
        gates.opened(0, gate("/a"));
        gates.opened(1, gate("/b"));
        let taken = gates.take_where(|_, gate| gate.address == "/b");
        assert_eq!(taken, vec![(1, gate("/b"))]);
        assert!(gates.is_open(0));
    }
}
