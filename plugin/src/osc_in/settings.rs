//! Where the OSC input server listens: the persisted settings and their validation.

use serde::{Deserialize, Serialize};

/// The port asked for by default.
pub const DEFAULT_PORT: u16 = 5050;

/// Ports this server never binds: Music Chronus listens on 5005 and its visualiser on 5006 and
/// 5007. A configured port among them is refused; the fallback search skips them.
pub const RESERVED_PORTS: [u16; 3] = [5005, 5006, 5007];

/// Whether `port` is one of the [`RESERVED_PORTS`].
pub fn is_reserved(port: u16) -> bool {
    RESERVED_PORTS.contains(&port)
}

/// Persisted OSC-in settings. Missing fields load as their defaults, so older or partial state
/// still loads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OscInSettings {
    /// Host name or IP address to listen on. Resolved when the server starts.
    pub host: String,
    /// UDP port asked for. When it is taken the server binds the next free one above it.
    pub port: u16,
    /// Whether the server should run at all.
    pub enabled: bool,
}

impl Default for OscInSettings {
    fn default() -> Self {
        OscInSettings {
            host: "127.0.0.1".to_owned(),
            port: DEFAULT_PORT,
            enabled: true,
        }
    }
}

impl OscInSettings {
    /// Checks what can be checked without the network: a non-empty host, a port other than 0
    /// and not one of the [`RESERVED_PORTS`]. The error text is meant for the user.
    pub fn validate(&self) -> Result<(), String> {
        if self.host.trim().is_empty() {
            return Err("OSC input host is empty".to_owned());
        }
        if self.port == 0 {
            return Err(
                "OSC input port 0 is not allowed; choose a port from 1 to 65535".to_owned(),
            );
        }
        if is_reserved(self.port) {
            return Err(format!(
                "OSC input port {} is reserved for Music Chronus (5005 input, 5006 and 5007 \
                 visualiser); choose another port",
                self.port
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let settings = OscInSettings::default();
        assert_eq!(
            (settings.host.as_str(), settings.port, settings.enabled),
            ("127.0.0.1", 5050, true)
        );
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn partial_state_loads_with_defaults() {
        let settings: OscInSettings = serde_json::from_str(r#"{"port": 6001}"#).unwrap();
        assert_eq!(settings.port, 6001);
        assert_eq!(settings.host, "127.0.0.1");
        assert!(settings.enabled);
        let empty: OscInSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, OscInSettings::default());
    }

    #[test]
    fn json_round_trips() {
        let settings = OscInSettings {
            host: "0.0.0.0".into(),
            port: 9000,
            enabled: false,
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(
            serde_json::from_str::<OscInSettings>(&json).unwrap(),
            settings
        );
    }

    #[test]
    fn validate_rejects_empty_host_port_zero_and_reserved() {
        let with = |host: &str, port: u16| OscInSettings {
            host: host.into(),
            port,
            enabled: true,
        };
        assert!(with("", 5050).validate().unwrap_err().contains("host"));
        assert!(with("  ", 5050).validate().is_err());
        assert!(with("127.0.0.1", 0)
            .validate()
            .unwrap_err()
            .contains("port 0"));
        for port in RESERVED_PORTS {
            let error = with("127.0.0.1", port).validate().unwrap_err();
            assert!(error.contains("reserved for Music Chronus"), "{error}");
        }
        assert_eq!(with("localhost", 5004).validate(), Ok(()));
        assert_eq!(with("localhost", 5008).validate(), Ok(()));
    }
}
