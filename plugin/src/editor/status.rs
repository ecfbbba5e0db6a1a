//! OSC output and input status for the global bar: is the modular receiving, is a collaborator
//! sending? The views are plain values read from the status atomics once per frame, so drawing
//! them needs nothing of the plugin.

use std::sync::atomic::Ordering;

use egui::{RichText, Ui};

use super::theme;
use crate::osc_in::OscInStatus;
use crate::osc_out::{OscOutSettings, OscOutStatus};

/// The OSC output as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct OscOutView {
    /// Whether gates go out (the OSC Out parameter).
    pub enabled: bool,
    /// `host:port` of the receiver.
    pub target: String,
    /// OSC messages sent.
    pub sent: u64,
    /// Events dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Opens dropped by the rate cap.
    pub rate_limited: u64,
    /// Packets that could not be sent.
    pub send_errors: u64,
    /// The newest error text.
    pub last_error: Option<String>,
}

impl OscOutView {
    /// Reads the counters (atomics) and the last error.
    pub fn read(settings: &OscOutSettings, status: &OscOutStatus, enabled: bool) -> OscOutView {
        OscOutView {
            enabled,
            target: format!("{}:{}", settings.host, settings.port),
            sent: status.sent.load(Ordering::Relaxed),
            dropped_queue_full: status.dropped_queue_full.load(Ordering::Relaxed),
            rate_limited: status.rate_limited.load(Ordering::Relaxed),
            send_errors: status.send_errors.load(Ordering::Relaxed),
            last_error: status.last_error(),
        }
    }

    /// Events that did not go out.
    pub fn dropped(&self) -> u64 {
        self.dropped_queue_full + self.rate_limited
    }
}

/// The OSC input as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct OscInView {
    /// The UDP port the server listens on, if bound.
    pub bound_port: Option<u16>,
    /// Datagrams received.
    pub received: u64,
    /// The address of the newest command handled.
    pub last_command: Option<String>,
    /// Datagrams that did not decode plus commands refused.
    pub errors: u64,
    /// The newest error text.
    pub last_error: Option<String>,
}

impl OscInView {
    /// Reads the counters (atomics) and texts.
    pub fn read(status: &OscInStatus) -> OscInView {
        OscInView {
            bound_port: status.bound_port(),
            received: status.packets_received.load(Ordering::Relaxed),
            last_command: status.last_command(),
            errors: status.decode_errors.load(Ordering::Relaxed)
                + status.handler_errors.load(Ordering::Relaxed),
            last_error: status.last_error(),
        }
    }
}

/// `OSC out → host:port  sent N  dropped N  errors N`, with the last error on hover (and in red
/// when there is one).
pub fn osc_out_status(ui: &mut Ui, view: &OscOutView) {
    ui.horizontal(|ui| {
        let (dot, state) = if !view.enabled {
            (theme::DIM_TEXT, "off")
        } else if view.send_errors > 0 && view.last_error.is_some() {
            (theme::BAD, "errors")
        } else if view.sent > 0 {
            (theme::GOOD, "sending")
        } else {
            (theme::DIM_TEXT, "idle")
        };
        status_dot(ui, dot).on_hover_text(format!("OSC output {state}"));
        ui.label(RichText::new("OSC out").strong());
        ui.label(format!("to {}", view.target))
            .on_hover_text("Where the gates go (the modular's OSC input)");
        ui.label(format!("sent {}", view.sent));
        let dropped = ui.label(format!("dropped {}", view.dropped()));
        dropped.on_hover_text(format!(
            "{} with the queue full, {} over the rate cap",
            view.dropped_queue_full, view.rate_limited
        ));
        if let Some(error) = &view.last_error {
            ui.label(
                RichText::new(format!("{} err: {}", view.send_errors, shorten(error, 40)))
                    .color(theme::BAD),
            )
            .on_hover_text(error.as_str());
        }
    });
}

/// `OSC in :port  last /cmd  errors N`, or a note that the plugin has no OSC input.
pub fn osc_in_status(ui: &mut Ui, view: Option<&OscInView>) {
    ui.horizontal(|ui| {
        let Some(view) = view else {
            status_dot(ui, theme::DIM_TEXT);
            ui.label(RichText::new("OSC in").strong());
            ui.label(RichText::new("not available").color(theme::DIM_TEXT));
            return;
        };
        match view.bound_port {
            Some(port) => {
                status_dot(ui, theme::GOOD).on_hover_text("Listening");
                ui.label(RichText::new("OSC in").strong());
                ui.label(format!(":{port}"))
                    .on_hover_text(format!("Send commands to UDP port {port}"));
            }
            None => {
                status_dot(ui, theme::DIM_TEXT).on_hover_text("Not listening");
                ui.label(RichText::new("OSC in").strong());
                ui.label(RichText::new("not listening").color(theme::DIM_TEXT));
            }
        }
        let last = view.last_command.as_deref().unwrap_or("—");
        ui.label(format!("last {}", shorten(last, 28)))
            .on_hover_text(format!("{} datagrams received", view.received));
        let errors = RichText::new(format!("errors {}", view.errors));
        let errors = if view.errors > 0 {
            errors.color(theme::BAD)
        } else {
            errors
        };
        let response = ui.label(errors);
        if let Some(error) = &view.last_error {
            response.on_hover_text(error.as_str());
        }
    });
}

/// A small filled circle in `colour`.
fn status_dot(ui: &mut Ui, colour: egui::Color32) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(rect.center(), 4.0, colour);
    response
}

/// `text` cut to `chars` characters with an ellipsis.
fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(chars.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}
