//! Real-time scheduling (`SCHED_FIFO`) for a thread of our own, where the system grants it.
//!
//! Under the default scheduler a sleeping thread is woken milliseconds late when the cores are
//! busy; a `SCHED_FIFO` thread is woken on time and runs before every normal thread. The
//! priorities asked for are low (1–20), below the audio threads of JACK and of DAWs that use
//! real-time scheduling. Without the privilege (no `CAP_SYS_NICE`, no rtprio limit) the request
//! fails, the thread keeps its normal priority, and the caller reports it.

/// Asks for `SCHED_FIFO` at `priority` (1–99) for the calling thread; returns whether it was
/// granted.
#[cfg(target_os = "linux")]
pub fn raise_calling_thread(priority: i32) -> bool {
    let param = libc::sched_param {
        sched_priority: priority,
    };
    // SAFETY: `pthread_self()` is always a valid handle to the calling thread, and `param` is an
    // initialised `sched_param` that outlives the call, which only reads it.
    unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) == 0 }
}

/// Real-time scheduling is only requested on Linux.
#[cfg(not(target_os = "linux"))]
pub fn raise_calling_thread(_priority: i32) -> bool {
    false
}
