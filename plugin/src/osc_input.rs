//! The plugin side of the OSC input: a supervisor thread that runs the server from the first
//! activation until the plugin is dropped (deactivation keeps it, so a collaborator can edit
//! patterns while the host has the plugin switched off) and rebinds it whenever the saved
//! settings change. Restoring state only stores new settings in their cell, whatever thread
//! it happens on; binding and stopping sockets happens here, on the supervisor's own thread.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::osc_commands::SeqCommands;
use crate::osc_in::{self, OscInServer, OscInSettings, OscInStatus};
use crate::versioned_cell::VersionedCell;

/// Name of the supervisor thread.
pub const SUPERVISOR_THREAD_NAME: &str = "chronus-seq-osc-in-watch";

/// How often the supervisor looks for new settings.
pub const SETTINGS_POLL: Duration = Duration::from_millis(100);

/// Makes a command handler for a newly started server.
pub type HandlerFactory = Box<dyn Fn() -> SeqCommands + Send>;

/// Stop request shared with the supervisor thread.
#[derive(Default)]
struct StopSignal {
    /// Whether the supervisor should stop. Written by the owner's thread (main), read by the
    /// supervisor.
    stop: Mutex<bool>,
    /// Wakes the supervisor at once on a stop request.
    wake: Condvar,
}

/// The running supervisor.
struct Supervisor {
    /// Stop request. Shared with the supervisor thread.
    signal: Arc<StopSignal>,
    /// The supervisor thread; joined on stop.
    thread: JoinHandle<()>,
}

/// One instance's OSC input: owned by the plugin instance, started and stopped by it.
pub struct OscInService {
    /// What to bind. Written by state loads and the editor, read by the supervisor thread.
    settings: Arc<VersionedCell<OscInSettings>>,
    /// Bound port, counters, last command and error. Written by the server thread, read by
    /// anyone.
    status: Arc<OscInStatus>,
    /// The supervisor while running. Started and stopped on the main thread.
    supervisor: Option<Supervisor>,
    /// How often the supervisor looks for new settings.
    poll: Duration,
}

impl OscInService {
    /// An input listening as `settings` says, not running yet.
    pub fn new(settings: Arc<VersionedCell<OscInSettings>>, status: Arc<OscInStatus>) -> Self {
        OscInService::with_poll(settings, status, SETTINGS_POLL)
    }

    /// Like [`Self::new`], looking for new settings every `poll` (and when [`Self::wake`] is
    /// called).
    pub fn with_poll(
        settings: Arc<VersionedCell<OscInSettings>>,
        status: Arc<OscInStatus>,
        poll: Duration,
    ) -> Self {
        OscInService {
            settings,
            status,
            supervisor: None,
            poll,
        }
    }

    /// Makes the supervisor look at the settings now instead of at its next poll.
    pub fn wake(&self) {
        if let Some(supervisor) = &self.supervisor {
            supervisor.signal.wake.notify_all();
        }
    }

    /// Starts the input if it is not running: binds at once on this thread (so the port is
    /// known when this returns), then leaves the server to the supervisor thread. Returns the
    /// bind error, if any; the supervisor still runs and retries when the settings change.
    /// Main thread; allocates.
    pub fn start(&mut self, handlers: HandlerFactory) -> Result<(), String> {
        if self.supervisor.is_some() {
            return Ok(());
        }
        let version = self.settings.version();
        let settings = self.settings.get();
        let (server, result) = match serve(&settings, &handlers, &self.status) {
            Ok(server) => (server, Ok(())),
            Err(error) => (None, Err(error)),
        };
        let signal = Arc::new(StopSignal::default());
        let thread = {
            let signal = Arc::clone(&signal);
            let cell = Arc::clone(&self.settings);
            let status = Arc::clone(&self.status);
            let watch = Watch {
                cell,
                status,
                poll: self.poll,
            };
            thread::Builder::new()
                .name(SUPERVISOR_THREAD_NAME.to_owned())
                .spawn(move || supervise(&signal, &watch, &handlers, server, version))
                .map_err(|error| format!("cannot start the OSC input thread: {error}"))?
        };
        self.supervisor = Some(Supervisor { signal, thread });
        result
    }

    /// Stops the supervisor and the server; the port is free when this returns. Main thread.
    pub fn stop(&mut self) {
        if let Some(supervisor) = self.supervisor.take() {
            *supervisor
                .signal
                .stop
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = true;
            supervisor.signal.wake.notify_all();
            let _ = supervisor.thread.join();
        }
    }
}

impl Drop for OscInService {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts a server for `settings`, or none when the input is switched off.
fn serve(
    settings: &OscInSettings,
    handlers: &HandlerFactory,
    status: &Arc<OscInStatus>,
) -> Result<Option<OscInServer>, String> {
    if !settings.enabled {
        return Ok(None);
    }
    let server = osc_in::start(settings, Box::new(handlers()), Arc::clone(status))
        .map_err(|error| error.to_string())?;
    let port = server.local_port();
    if port != settings.port {
        nice_plug::nice_log!(
            "Chronus Seq OSC input: port {} is taken; listening on {}:{port}",
            settings.port,
            settings.host
        );
    }
    Ok(Some(server))
}

/// What the supervisor watches and reports to.
struct Watch {
    /// The settings. Written by state loads and the editor.
    cell: Arc<VersionedCell<OscInSettings>>,
    /// The server's status.
    status: Arc<OscInStatus>,
    /// How often to look at the settings.
    poll: Duration,
}

/// The supervisor: keeps `server` running as the watched settings say until told to stop.
fn supervise(
    signal: &StopSignal,
    watch: &Watch,
    handlers: &HandlerFactory,
    mut server: Option<OscInServer>,
    mut version: u64,
) {
    let Watch { cell, status, poll } = watch;
    let mut stop = signal.stop.lock().unwrap_or_else(PoisonError::into_inner);
    while !*stop {
        let current = cell.version();
        if current != version {
            version = current;
            if let Some(old) = server.take() {
                old.stop();
            }
            server = serve(&cell.get(), handlers, status).unwrap_or_else(|error| {
                nice_plug::nice_log!("Chronus Seq OSC input: {error}");
                None
            });
        }
        stop = signal
            .wake
            .wait_timeout(stop, *poll)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    drop(stop);
    if let Some(server) = server {
        server.stop();
    }
}

impl std::fmt::Debug for OscInService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OscInService").finish_non_exhaustive()
    }
}
