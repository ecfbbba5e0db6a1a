//! The plugin side of the OSC input: its persisted settings, its status, and the server that
//! runs from the first activation until the plugin is dropped (deactivation keeps it, so a
//! collaborator can edit patterns while the host has the plugin switched off).

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use nice_plug::params::persist::PersistentField;

use crate::osc_commands::SeqCommands;
use crate::osc_in::{self, OscInServer, OscInSettings, OscInStatus};

/// Makes the command handler for a new server.
pub type HandlerFactory = Box<dyn Fn() -> Option<SeqCommands> + Send + Sync>;

/// Settings, status and the running server of one instance's OSC input.
pub struct OscInput {
    /// What to bind. Written by state loads and the editor (main/GUI thread), read on restart.
    settings: Mutex<OscInSettings>,
    /// Bound port, counters, last command and error. Written by the server thread, read by
    /// anyone.
    status: Arc<OscInStatus>,
    /// The running server. Started and stopped on the main thread (activate, settings changes,
    /// drop).
    server: Mutex<Option<OscInServer>>,
    /// Builds the handler once the plugin is assembled. Set once on the main thread.
    handler_factory: OnceLock<HandlerFactory>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl OscInput {
    /// An input with `settings`, not running yet.
    pub fn new(settings: OscInSettings) -> OscInput {
        OscInput {
            settings: Mutex::new(settings),
            status: Arc::new(OscInStatus::new()),
            server: Mutex::new(None),
            handler_factory: OnceLock::new(),
        }
    }

    /// Gives the input the way to build its command handler. Only the first call counts.
    pub fn set_handler_factory(&self, factory: HandlerFactory) {
        let _ = self.handler_factory.set(factory);
    }

    /// A command handler acting on this instance, as the server runs it; `None` once the plugin
    /// is being dropped.
    pub fn handler(&self) -> Option<SeqCommands> {
        self.handler_factory.get().and_then(|factory| factory())
    }

    /// The settings in use.
    pub fn settings(&self) -> OscInSettings {
        lock(&self.settings).clone()
    }

    /// Counters, bound port and last command.
    pub fn status(&self) -> Arc<OscInStatus> {
        Arc::clone(&self.status)
    }

    /// The port the server listens on, if it runs.
    pub fn bound_port(&self) -> Option<u16> {
        lock(&self.server).as_ref().map(OscInServer::local_port)
    }

    /// Starts the server if it is not running. Returns the error text if it could not start.
    pub fn ensure_running(&self) -> Result<(), String> {
        let mut server = lock(&self.server);
        if server.as_ref().is_some_and(OscInServer::is_running) {
            return Ok(());
        }
        *server = None;
        let settings = self.settings();
        if !settings.enabled {
            return Ok(());
        }
        let handler = self.handler().ok_or("the plugin is being dropped")?;
        let started = osc_in::start(&settings, Box::new(handler), self.status())
            .map_err(|error| error.to_string())?;
        let port = started.local_port();
        if port != settings.port {
            nice_plug::nice_log!(
                "Chronus Seq OSC input: port {} is taken; listening on {}:{port}",
                settings.port,
                settings.host
            );
        }
        *server = Some(started);
        Ok(())
    }

    /// Uses `settings` from now on: a running server restarts with them.
    pub fn apply(&self, settings: OscInSettings) -> Result<(), String> {
        if settings.enabled {
            settings.validate()?;
        }
        let was_running = self.stop();
        *lock(&self.settings) = settings;
        if was_running {
            self.ensure_running()?;
        }
        Ok(())
    }

    /// Stops and joins the server. Returns whether one ran.
    pub fn stop(&self) -> bool {
        let server = lock(&self.server).take();
        let ran = server.is_some();
        if let Some(server) = server {
            server.stop();
        }
        ran
    }
}

/// The OSC input as a persisted field: its settings are saved with the project.
pub struct OscInField(pub Arc<OscInput>);

impl<'a> PersistentField<'a, OscInSettings> for OscInField {
    fn set(&self, new_value: OscInSettings) {
        if let Err(error) = self.0.apply(new_value) {
            nice_plug::nice_log!("Chronus Seq OSC input: {error}");
        }
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&OscInSettings) -> R,
    {
        f(&self.0.settings())
    }
}
