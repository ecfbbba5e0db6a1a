//! The host side of the CLAP callbacks: what the plugin may call on us.
//!
//! The host declares `thread-check`, `params` and `state`. Thread check is what makes a
//! single-threaded test behave like a real host: while the harness is inside `process`, it answers
//! "audio thread, not main thread", so the plugin takes the same code paths as in a DAW (nice-plug,
//! for instance, queues GUI notifications and asks for a main-thread callback instead of running
//! them inline). All requests are recorded in atomics and served by [`crate::PluginHost`] after
//! each block.

use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamRescanFlags,
};
use clack_extensions::state::{HostState, HostStateImpl};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_host::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread::ThreadId;

/// The harness's [`HostHandlers`] type.
pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = HostShared;
    type MainThread<'a> = HostMainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostThreadCheck>()
            .register::<HostParams>()
            .register::<HostState>();
    }
}

/// Thread-safe host state: the plugin's requests, and which "thread" the harness is on.
#[derive(Debug)]
pub struct HostShared {
    main_thread: ThreadId,
    in_audio_context: AtomicBool,
    callback_requested: AtomicBool,
    restart_requested: AtomicBool,
    process_requested: AtomicBool,
    flush_requested: AtomicBool,
}

impl HostShared {
    /// Host state whose main thread is the calling thread.
    pub fn new() -> Self {
        Self {
            main_thread: std::thread::current().id(),
            in_audio_context: AtomicBool::new(false),
            callback_requested: AtomicBool::new(false),
            restart_requested: AtomicBool::new(false),
            process_requested: AtomicBool::new(false),
            flush_requested: AtomicBool::new(false),
        }
    }

    /// Marks the start (`true`) or end (`false`) of a `process` call.
    pub fn set_in_audio_context(&self, inside: bool) {
        self.in_audio_context.store(inside, Ordering::SeqCst);
    }

    /// Whether the plugin asked for `on_main_thread`; clears the request.
    pub fn take_callback_request(&self) -> bool {
        self.callback_requested.swap(false, Ordering::SeqCst)
    }

    /// Whether the plugin asked to be restarted (deactivated and reactivated); clears it.
    pub fn take_restart_request(&self) -> bool {
        self.restart_requested.swap(false, Ordering::SeqCst)
    }

    /// Whether the plugin asked to be processed; clears it.
    pub fn take_process_request(&self) -> bool {
        self.process_requested.swap(false, Ordering::SeqCst)
    }

    /// Whether the plugin asked for a parameter flush; clears it.
    pub fn take_flush_request(&self) -> bool {
        self.flush_requested.swap(false, Ordering::SeqCst)
    }
}

impl Default for HostShared {
    fn default() -> Self {
        Self::new()
    }
}

impl SharedHandler<'_> for HostShared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }

    fn request_process(&self) {
        self.process_requested.store(true, Ordering::SeqCst);
    }

    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostThreadCheckImpl for HostShared {
    fn is_main_thread(&self) -> bool {
        std::thread::current().id() == self.main_thread
            && !self.in_audio_context.load(Ordering::SeqCst)
    }

    fn is_audio_thread(&self) -> bool {
        self.in_audio_context.load(Ordering::SeqCst)
    }
}

impl HostParamsImplShared for HostShared {
    fn request_flush(&self) {
        self.flush_requested.store(true, Ordering::SeqCst);
    }
}

/// Main-thread host state: counters of what the plugin told the host.
#[derive(Debug, Default)]
pub struct HostMainThread<'a> {
    /// The shared state, for completeness.
    pub shared: Option<&'a HostShared>,
    /// How many times the plugin called `clap_host_params.rescan`.
    pub param_rescans: AtomicU32,
    /// How many times the plugin called `clap_host_state.mark_dirty`.
    pub dirty_marks: AtomicU32,
}

impl<'a> HostMainThread<'a> {
    /// Main-thread state tied to the given shared state.
    pub fn new(shared: &'a HostShared) -> Self {
        Self {
            shared: Some(shared),
            param_rescans: AtomicU32::new(0),
            dirty_marks: AtomicU32::new(0),
        }
    }
}

impl<'a> MainThreadHandler<'a> for HostMainThread<'a> {}

impl HostParamsImplMainThread for HostMainThread<'_> {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.param_rescans.fetch_add(1, Ordering::SeqCst);
    }

    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for HostMainThread<'_> {
    fn mark_dirty(&self) {
        self.dirty_marks.fetch_add(1, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for TestHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestHost").finish_non_exhaustive()
    }
}
