//! The standalone program's window: it can be left closed (`--no-window`), and it closes on
//! SIGINT, SIGTERM and SIGHUP.
//!
//! nice-plug's standalone wrapper stops on those signals only while no editor window is open: once
//! the window runs, the wrapper waits for it to close. The standalone binary therefore calls
//! [`close_window_on_signals`] before it starts; when the window then opens, the editor installs
//! a handler that only raises a flag, and closes its window on the next frame that sees it. The
//! wrapper then deactivates the plugin (closing every open OSC gate) and returns as usual. A
//! plugin inside a DAW never calls it, and leaves signals alone.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the program runs without a window. Set once by the standalone binary's main thread,
/// read when the plugin makes its editor.
static NO_WINDOW: AtomicBool = AtomicBool::new(false);

/// Whether the window should take over the close signals when it opens. Set once by the
/// standalone binary's main thread, read by the GUI thread.
static TAKE_OVER: AtomicBool = AtomicBool::new(false);

/// Raised by the signal handler. Written in signal context, read by the GUI thread each frame.
static CLOSE_REQUESTED: AtomicBool = AtomicBool::new(false);

/// Makes the editor window, once open, close on SIGINT, SIGTERM or SIGHUP. For the standalone
/// binary; call before the wrapper starts.
pub fn close_window_on_signals() {
    TAKE_OVER.store(true, Ordering::SeqCst);
}

/// Makes the plugin offer no editor, so the standalone program runs without a window. Call
/// before the wrapper starts.
pub fn run_without_window() {
    NO_WINDOW.store(true, Ordering::SeqCst);
}

/// Whether [`run_without_window`] was called.
pub fn window_disabled() -> bool {
    NO_WINDOW.load(Ordering::SeqCst)
}

/// Whether a close signal arrived since the window opened.
pub fn close_requested() -> bool {
    CLOSE_REQUESTED.load(Ordering::Relaxed)
}

/// Installs the flag-raising handler if [`close_window_on_signals`] was called.
pub(crate) fn take_over_close_signals() {
    if TAKE_OVER.load(Ordering::SeqCst) {
        install();
    }
}

#[cfg(unix)]
extern "C" fn raise_close_flag(_signal: libc::c_int) {
    // An atomic store is async-signal-safe.
    CLOSE_REQUESTED.store(true, Ordering::Relaxed);
}

#[cfg(unix)]
fn install() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: `action` is zero-initialised (a valid `sigaction` with an empty mask) before the
        // handler and flags are set; the handler only stores to an atomic, which is
        // async-signal-safe; passing a null old-action pointer is allowed.
        let installed = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = raise_close_flag as extern "C" fn(libc::c_int) as usize;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut())
        };
        if installed != 0 {
            nice_plug::nice_log!("Chronus Seq could not watch signal {signal}");
        }
    }
}

#[cfg(not(unix))]
fn install() {}
