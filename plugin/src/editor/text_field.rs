//! A text field that edits a value owned elsewhere (a track's steps, its name, its OSC address).
//!
//! While nobody types, it shows the value, so an undo or an OSC edit shows up at once. What is
//! typed stays in the field, valid or not, until it is applied (Enter or leaving the field) or
//! abandoned (Escape, or "Revert"). A problem is shown under the field as it is typed, with the
//! offending character marked, and a failed apply keeps the text so nothing typed is lost.

use std::sync::Arc;

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, Galley, Key, Response, TextBuffer, TextEdit, Ui};

use super::theme;

/// Why typed text cannot be applied: the edit layer's refusal, shown under the field.
pub use crate::edit::EditError as FieldError;

/// The field's memory between frames.
#[derive(Debug, Default)]
pub struct TextFieldState {
    /// What the field shows.
    pub text: String,
    /// Which value the text belongs to (slot and track), so switching tracks shows the new one.
    key: Option<(usize, usize)>,
    /// The value the idle field last showed; `None` forces a refresh on the next frame.
    shown_value: Option<String>,
    /// Whether the text was typed and not yet applied or abandoned.
    typed: bool,
    /// Why the typed text cannot be applied, if it cannot.
    pub error: Option<FieldError>,
}

impl TextFieldState {
    /// Drops typed text; the field shows the value again from the next frame.
    pub fn revert(&mut self) {
        self.typed = false;
        self.error = None;
        self.shown_value = None;
    }

    /// Whether the field holds typed text not yet applied or abandoned.
    pub fn is_typed(&self) -> bool {
        self.typed
    }

    /// Brings the text up to date with `value` unless something is being typed.
    fn sync(&mut self, key: (usize, usize), value: &str) {
        if self.key != Some(key) {
            self.key = Some(key);
            self.revert();
        }
        if !self.typed && self.shown_value.as_deref() != Some(value) {
            self.text = value.to_owned();
            self.shown_value = Some(value.to_owned());
        }
    }
}

/// How a field looks.
pub struct FieldLook<'a> {
    /// Name for screen readers and tests.
    pub accessible_name: &'a str,
    /// Grey text shown while the field is empty.
    pub hint: &'a str,
    /// Width in points.
    pub width: f32,
    /// Monospace font (pattern strings) or the body font.
    pub monospace: bool,
}

/// Draws the field for the value `value` identified by `key`. Returns the text to apply when the
/// musician confirms valid text (Enter or leaving the field); `check` says whether text is
/// valid. After an apply the field shows the value again, as the caller then stores it.
pub fn text_field(
    ui: &mut Ui,
    state: &mut TextFieldState,
    key: (usize, usize),
    value: &str,
    look: &FieldLook,
    check: impl Fn(&str) -> Result<(), FieldError>,
) -> Option<String> {
    state.sync(key, value);
    let font = if look.monospace {
        egui::TextStyle::Monospace.resolve(ui.style())
    } else {
        egui::TextStyle::Body.resolve(ui.style())
    };
    let marked = state.error.as_ref().and_then(|error| error.position);
    let mut layouter = |ui: &Ui, text: &dyn TextBuffer, wrap_width: f32| -> Arc<Galley> {
        let mut job = marked_layout(text.as_str(), marked, font.clone(), ui);
        job.wrap.max_width = wrap_width;
        ui.fonts_mut(|fonts| fonts.layout_job(job))
    };
    let mut edit = TextEdit::singleline(&mut state.text)
        .hint_text(look.hint)
        .desired_width(look.width)
        .layouter(&mut layouter);
    if state.error.is_some() {
        edit = edit.background_color(Color32::from_rgb(0x3a, 0x22, 0x22));
    }
    let response: Response = ui.add(edit).accessible_name(look.accessible_name);

    if response.changed() {
        state.typed = true;
        state.error = check(&state.text).err();
    }
    if response.lost_focus() && state.typed {
        if ui.input(|input| input.key_pressed(Key::Escape)) {
            state.revert();
        } else {
            match check(&state.text) {
                Ok(()) => {
                    let text = state.text.clone();
                    state.revert();
                    return Some(text);
                }
                Err(error) => state.error = Some(error),
            }
        }
    }
    None
}

/// Shows the error of a field (if any) under it, with a button that abandons the typed text.
pub fn field_error(ui: &mut Ui, state: &mut TextFieldState, revert_label: &str) {
    if let Some(error) = &state.error {
        let message = error.reason.clone();
        ui.horizontal(|ui| {
            ui.colored_label(theme::BAD, message);
            if ui
                .small_button("Revert")
                .accessible_name(revert_label)
                .on_hover_text("Drop the typed text and show the track again")
                .clicked()
            {
                state.revert();
            }
        });
    }
}

/// The text as one run, with the character at `marked` (if any) on a red background.
fn marked_layout(text: &str, marked: Option<usize>, font: FontId, ui: &Ui) -> LayoutJob {
    let normal = TextFormat::simple(font.clone(), ui.visuals().widgets.inactive.text_color());
    let mut job = LayoutJob::default();
    let Some(position) = marked else {
        job.append(text, 0.0, normal);
        return job;
    };
    let start = text
        .char_indices()
        .nth(position)
        .map_or(text.len(), |(at, _)| at);
    let end = text[start..]
        .chars()
        .next()
        .map_or(start, |character| start + character.len_utf8());
    job.append(&text[..start], 0.0, normal.clone());
    let mut bad = TextFormat::simple(font, Color32::WHITE);
    bad.background = theme::BAD;
    job.append(&text[start..end], 0.0, bad);
    job.append(&text[end..], 0.0, normal);
    job
}

impl std::fmt::Debug for FieldLook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldLook").finish_non_exhaustive()
    }
}
