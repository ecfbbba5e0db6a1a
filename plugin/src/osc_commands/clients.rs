//! Settings the OSC input keeps per client (per sender address): the quantize its edits land
//! on when a command names none. Bounded: the client heard from least recently is forgotten
//! first.

use std::net::SocketAddr;

use crate::engine::slot_switch::SlotQuantize;

/// Most clients remembered.
pub const MAX_CLIENTS: usize = 64;

/// Per-client defaults. OSC-in thread only.
#[derive(Debug, Default)]
pub struct ClientDefaults {
    /// Clients with a default other than `now`, least recently set first. `None` is a caller
    /// without an address (a handler called directly).
    quantize: Vec<(Option<SocketAddr>, SlotQuantize)>,
}

impl ClientDefaults {
    /// Where `client`'s edits land when a command names no quantize.
    pub fn quantize(&self, client: Option<SocketAddr>) -> SlotQuantize {
        self.quantize
            .iter()
            .find(|(known, _)| *known == client)
            .map_or(SlotQuantize::Now, |(_, quantize)| *quantize)
    }

    /// Sets `client`'s default quantize.
    pub fn set_quantize(&mut self, client: Option<SocketAddr>, quantize: SlotQuantize) {
        self.quantize.retain(|(known, _)| *known != client);
        if quantize == SlotQuantize::Now {
            return;
        }
        if self.quantize.len() == MAX_CLIENTS {
            self.quantize.remove(0);
        }
        self.quantize.push((client, quantize));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_per_client_and_bounded() {
        let mut defaults = ClientDefaults::default();
        let address = |port: u16| Some(SocketAddr::from(([127, 0, 0, 1], port)));
        defaults.set_quantize(address(1), SlotQuantize::NextBar);
        assert_eq!(defaults.quantize(address(1)), SlotQuantize::NextBar);
        assert_eq!(defaults.quantize(address(2)), SlotQuantize::Now);
        for port in 2..=MAX_CLIENTS as u16 + 1 {
            defaults.set_quantize(address(port), SlotQuantize::NextStep);
        }
        assert_eq!(
            defaults.quantize(address(1)),
            SlotQuantize::Now,
            "forgotten"
        );
        assert_eq!(defaults.quantize(address(2)), SlotQuantize::NextStep);
        defaults.set_quantize(address(2), SlotQuantize::Now);
        assert_eq!(defaults.quantize(address(2)), SlotQuantize::Now);
    }
}
