//! Colours and sizes of the editor, in one place.
//!
//! Sizes are logical points: egui multiplies them by the display's scale, so the layout is the
//! same at 100 % and 200 % and only gets sharper.

use egui::{Color32, Visuals};

/// Height of one track row in the grid when space is short.
pub const ROW_HEIGHT: f32 = 24.0;
/// Tallest a track row grows when the window has room.
pub const MAX_ROW_HEIGHT: f32 = 34.0;
/// Gap between two track rows.
pub const ROW_GAP: f32 = 3.0;
/// Width of the track header left of each grid row.
pub const ROW_HEADER_WIDTH: f32 = 236.0;
/// Narrowest step cell the zoom allows.
pub const MIN_CELL_WIDTH: f32 = 12.0;
/// Widest step cell the zoom allows.
pub const MAX_CELL_WIDTH: f32 = 64.0;
/// Gap between two step cells.
pub const CELL_GAP: f32 = 2.0;
/// Extra gap before every fourth step (a beat of sixteenths), so groups read at a glance.
pub const BEAT_GAP: f32 = 4.0;

/// Window background.
pub const BACKGROUND: Color32 = Color32::from_rgb(0x1b, 0x1d, 0x22);
/// Panel background (global bar and track inspector).
pub const PANEL: Color32 = Color32::from_rgb(0x23, 0x26, 0x2d);
/// An empty step inside the track's length.
pub const CELL_OFF: Color32 = Color32::from_rgb(0x31, 0x35, 0x3e);
/// An empty step on a beat (every fourth step), slightly lighter.
pub const CELL_OFF_BEAT: Color32 = Color32::from_rgb(0x3a, 0x3f, 0x4a);
/// A step past the track's length: it does not play.
pub const CELL_UNUSED: Color32 = Color32::from_rgb(0x24, 0x26, 0x2b);
/// Outline of the step the playhead is on.
pub const PLAYHEAD: Color32 = Color32::from_rgb(0xf5, 0xf7, 0xfa);
/// Marks of probability, ratchets and nudge drawn over a hit.
pub const MARK: Color32 = Color32::from_rgb(0x10, 0x12, 0x16);
/// The corner mark of a step with a trig condition.
pub const CONDITION: Color32 = Color32::from_rgb(0x5c, 0xd6, 0xe8);
/// Accent highlight (velocity 120 and above).
pub const ACCENT: Color32 = Color32::from_rgb(0xff, 0xd1, 0x66);
/// A muted track's hits.
pub const MUTED: Color32 = Color32::from_rgb(0x6b, 0x70, 0x7a);
/// Mute button while on.
pub const MUTE_ON: Color32 = Color32::from_rgb(0xd9, 0x5b, 0x43);
/// Solo button while on.
pub const SOLO_ON: Color32 = Color32::from_rgb(0xe3, 0xb5, 0x3b);
/// Something working (transport rolling, OSC input bound).
pub const GOOD: Color32 = Color32::from_rgb(0x6c, 0xc0, 0x6a);
/// Something wrong (errors, parse errors).
pub const BAD: Color32 = Color32::from_rgb(0xf0, 0x6a, 0x5a);
/// Secondary text.
pub const DIM_TEXT: Color32 = Color32::from_rgb(0x9a, 0xa0, 0xab);

/// Velocity from which a hit draws as an accent (`X` in a pattern string is 127).
pub const ACCENT_FROM: u8 = 120;

/// The colour of track `index`'s hits: sixteen hues around the wheel, two rows of eight so
/// neighbours differ clearly.
pub fn track_colour(index: usize) -> Color32 {
    let hue = ((index % 8) as f32 / 8.0 + if index >= 8 { 1.0 / 16.0 } else { 0.0 }) % 1.0;
    let hsva = egui::ecolor::Hsva::new(hue * 0.92 + 0.02, 0.62, 0.9, 1.0);
    Color32::from(hsva)
}

/// The egui look of the editor: dark, with the panel colours above.
pub fn visuals() -> Visuals {
    let mut visuals = Visuals::dark();
    visuals.panel_fill = PANEL;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = BACKGROUND;
    visuals
}

/// Makes `ctx` use the editor's look (dark, whatever the system prefers).
pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Dark);
    ctx.set_visuals_of(egui::Theme::Dark, visuals());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_track_has_its_own_colour() {
        let colours: Vec<Color32> = (0..16).map(track_colour).collect();
        for (index, colour) in colours.iter().enumerate() {
            assert!(
                !colours[..index].contains(colour),
                "track {index} repeats a colour"
            );
        }
    }
}
