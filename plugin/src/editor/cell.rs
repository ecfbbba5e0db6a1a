//! How one step looks. Everything a step holds is visible without opening it:
//!
//! - a hit is a bar in the track's colour rising from the bottom, as tall as its velocity;
//! - an accent (velocity 120 and above) gets a gold cap;
//! - probability below 100 % dims the bar and draws a white gauge on its left edge, as tall as
//!   the chance;
//! - ratchets split the bar into as many segments;
//! - a nudge draws a small triangle on the bottom edge, pointing the way the step moves, further
//!   out the larger the nudge;
//! - a tie is a band through the middle, continuing the note before it;
//! - a trig condition puts a small cyan corner on the top right of the hit;
//! - steps past the track's length are dark, every fourth step is lighter, and the step a
//!   playhead is on has a white frame.

use egui::{pos2, vec2, Color32, CornerRadius, Painter, Rect, Shape, Stroke, StrokeKind};

use super::theme;
use crate::engine::pattern::{Condition, Step, MAX_NUDGE_PERCENT};

/// Everything that decides a cell's look.
#[derive(Debug, Clone, Copy)]
pub struct CellLook {
    /// The step.
    pub step: Step,
    /// Whether it plays a hit as shown (the Euclid rhythm on a Euclid track).
    pub hit: bool,
    /// Whether it shows a tie (never on a Euclid track, which ignores ties).
    pub tie: bool,
    /// Whether it lies within the track's length.
    pub in_length: bool,
    /// Whether it starts a group of four.
    pub on_beat: bool,
    /// Whether the playhead is on it.
    pub playhead: bool,
    /// Whether the track can be heard (mute and solo).
    pub audible: bool,
    /// The track's colour.
    pub colour: Color32,
    /// Whether the pointer is over it.
    pub hovered: bool,
}

/// Paints a step into `rect`.
pub fn paint_cell(painter: &Painter, rect: Rect, look: &CellLook) {
    let radius = CornerRadius::same(2);
    let background = match (look.in_length, look.on_beat) {
        (false, _) => theme::CELL_UNUSED,
        (true, true) => theme::CELL_OFF_BEAT,
        (true, false) => theme::CELL_OFF,
    };
    painter.rect_filled(rect, radius, background);

    let colour = if look.audible {
        look.colour
    } else {
        theme::MUTED
    };
    let colour = if look.in_length {
        colour
    } else {
        colour.gamma_multiply(0.35)
    };
    if look.hit {
        paint_hit(painter, rect, &look.step, colour);
    } else if look.tie {
        let band = Rect::from_center_size(rect.center(), vec2(rect.width(), rect.height() * 0.3));
        painter.rect_filled(band, CornerRadius::ZERO, colour.gamma_multiply(0.7));
    }

    if look.playhead {
        painter.rect_stroke(
            rect,
            radius,
            Stroke::new(2.0, theme::PLAYHEAD),
            StrokeKind::Inside,
        );
    } else if look.hovered {
        painter.rect_stroke(
            rect,
            radius,
            Stroke::new(1.0, Color32::from_white_alpha(90)),
            StrokeKind::Inside,
        );
    }
}

/// Bar, accent cap, probability gauge, ratchet segments and nudge mark of a hit.
fn paint_hit(painter: &Painter, rect: Rect, step: &Step, colour: Color32) {
    let velocity = f32::from(step.velocity.clamp(1, 127)) / 127.0;
    let chance = f32::from(step.probability.min(100)) / 100.0;
    let fill = if chance < 1.0 {
        colour.gamma_multiply(0.45 + 0.55 * chance)
    } else {
        colour
    };
    let height = rect.height() * (0.2 + 0.8 * velocity);
    let bar = Rect::from_min_max(pos2(rect.left(), rect.bottom() - height), rect.max);
    painter.rect_filled(bar, CornerRadius::same(2), fill);

    if step.velocity >= theme::ACCENT_FROM {
        let cap = Rect::from_min_size(bar.min, vec2(bar.width(), 3.0_f32.min(bar.height())));
        painter.rect_filled(cap, CornerRadius::ZERO, theme::ACCENT);
    }

    let ratchet = step.ratchet.max(1);
    if ratchet > 1 {
        let stroke = Stroke::new(1.0, theme::MARK);
        for split in 1..ratchet {
            let x = bar.left() + bar.width() * f32::from(split) / f32::from(ratchet);
            painter.vline(x, bar.y_range(), stroke);
        }
    }

    if chance < 1.0 {
        let gauge_height = rect.height() * chance;
        let gauge = Rect::from_min_max(
            pos2(rect.left(), rect.bottom() - gauge_height),
            pos2(rect.left() + 3.0, rect.bottom()),
        );
        painter.rect_filled(
            Rect::from_min_max(rect.min, pos2(rect.left() + 3.0, rect.bottom())),
            CornerRadius::ZERO,
            theme::MARK,
        );
        painter.rect_filled(gauge, CornerRadius::ZERO, Color32::from_white_alpha(220));
    }

    if step.condition != Condition::Always {
        paint_condition_mark(painter, rect);
    }

    if step.nudge != 0 {
        let reach = f32::from(step.nudge.clamp(-MAX_NUDGE_PERCENT, MAX_NUDGE_PERCENT))
            / f32::from(MAX_NUDGE_PERCENT);
        let x = rect.center().x + reach * (rect.width() * 0.5 - 3.0);
        let bottom = rect.bottom() - 1.0;
        let size = 4.0_f32.min(rect.width() * 0.25);
        let tip = x + size * reach.signum();
        let mut points = vec![
            pos2(x, bottom - size),
            pos2(tip, bottom - size * 0.5),
            pos2(x, bottom),
        ];
        if reach < 0.0 {
            // Keep the points clockwise, as the tessellator expects.
            points.reverse();
        }
        let mark = Shape::convex_polygon(points, Color32::WHITE, Stroke::new(1.0, theme::MARK));
        painter.add(mark);
    }
}

/// The mark of a step with a trig condition: a small triangle in the top right corner.
fn paint_condition_mark(painter: &Painter, rect: Rect) {
    let size = 6.0_f32.min(rect.width() * 0.45).min(rect.height() * 0.45);
    let corner = rect.right_top();
    let points = vec![
        corner,
        pos2(corner.x, corner.y + size),
        pos2(corner.x - size, corner.y),
    ];
    painter.add(Shape::convex_polygon(
        points,
        theme::CONDITION,
        Stroke::new(1.0, theme::MARK),
    ));
}
