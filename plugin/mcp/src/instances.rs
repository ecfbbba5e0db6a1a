//! Finding the plugin instances: each listens for OSC on the first free port from 5050 up, so a
//! `/chronus/ping` to those ports is answered by every running instance with `/chronus/pong`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rosc::{OscMessage, OscType};
use serde_json::{json, Value};

use crate::osc_link::{LinkError, OscLink};

/// The first port an instance listens on.
pub const FIRST_PORT: u16 = 5050;
/// How many ports an instance tries (the plugin's bind attempts).
pub const PORTS: u16 = 32;
/// How long discovery waits for answers.
const PING_WAIT: Duration = Duration::from_millis(300);

/// One running plugin instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Where it listens.
    pub address: SocketAddr,
    /// Its version.
    pub version: String,
    /// Its tracks' names in the slot it edits.
    pub tracks: Vec<String>,
}

impl Instance {
    /// The instance as the `list_instances` tool shows it.
    pub fn describe(&self) -> Value {
        json!({
            "port": self.address.port(),
            "version": self.version,
            "tracks": self.tracks,
        })
    }

    /// Whether one of its tracks is called `name` (case-insensitive).
    pub fn has_track(&self, name: &str) -> bool {
        self.tracks
            .iter()
            .any(|track| track.eq_ignore_ascii_case(name.trim()))
    }
}

fn message(address: &str) -> OscMessage {
    OscMessage {
        addr: address.to_owned(),
        args: Vec::new(),
    }
}

/// Every instance answering on `host` (only `port` if given), by port.
pub async fn find(
    link: &mut OscLink,
    host: IpAddr,
    port: Option<u16>,
) -> Result<Vec<Instance>, LinkError> {
    let ports: Vec<u16> = match port {
        Some(port) => vec![port],
        None => (FIRST_PORT..FIRST_PORT + PORTS).collect(),
    };
    for port in &ports {
        link.send(SocketAddr::new(host, *port), message("/chronus/ping"))
            .await?;
    }
    let mut found = Vec::new();
    while let Some((source, reply)) = link.receive(None, PING_WAIT).await? {
        if reply.addr != "/chronus/pong" || found.iter().any(|(a, _)| *a == source) {
            continue;
        }
        let version = match reply.args.first() {
            Some(OscType::String(version)) => version.clone(),
            _ => String::new(),
        };
        found.push((source, version));
        if found.len() == ports.len() {
            break;
        }
    }
    found.sort_by_key(|(address, _)| address.port());
    let mut instances = Vec::new();
    for (address, version) in found {
        let replies = link.command(address, message("/chronus/query")).await?;
        let tracks = replies
            .iter()
            .filter(|reply| reply.addr == "/chronus/state/track")
            .filter_map(|reply| match reply.args.get(1) {
                Some(OscType::String(name)) => Some(name.clone()),
                _ => None,
            })
            .collect();
        instances.push(Instance {
            address,
            version,
            tracks,
        });
    }
    Ok(instances)
}
