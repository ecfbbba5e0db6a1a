//! Real-time scheduling for the sidecar thread, where the system grants it.
//!
//! Under the default scheduler a sleeping thread is occasionally woken milliseconds late; with
//! `SCHED_FIFO` it is woken on time. The priority asked for is low (below the audio threads of
//! JACK and of DAWs that use real-time scheduling), and the thread only spins in the last
//! 0.3 ms before a due gate. Without the privilege (no `CAP_SYS_NICE` or rtprio limit) the
//! request fails and the sidecar runs at normal priority.

/// `SCHED_FIFO` priority asked for: low, so audio threads always come first.
pub const REALTIME_PRIORITY: i32 = 5;

/// Asks for real-time scheduling at [`REALTIME_PRIORITY`] for the calling thread; returns
/// whether it was granted.
pub fn raise_calling_thread() -> bool {
    crate::realtime::raise_calling_thread(REALTIME_PRIORITY)
}
