//! Which pixels a frame changes. The editor keeps the last frame it drew (see [`super::canvas`])
//! and repaints only the regions where this frame's shapes differ from that frame's: while the
//! transport plays that is the two columns of cells the playheads leave and enter and the
//! transport display, a few percent of the window.
//!
//! [`damage`] compares the shapes egui produced for the last drawn frame and for this one, in
//! order, and returns the pixel rectangles covering every shape that was added, removed or
//! changed (its old and its new place). [`restrict`] then keeps, for each rectangle, the shapes
//! that touch it, clipped to it. Within a rectangle every shape that touches it is painted again,
//! in egui's order, onto a cleared background, so the result there is the full frame's; outside
//! the rectangles the two lists hold the same shapes in the same order, so the last frame's
//! pixels are this frame's.

use egui::epaint::ClippedShape;
use egui::{Rect, Shape};

/// Pixels added around a shape's bounds: egui's anti-aliasing feathers edges by half a pixel,
/// snapping to the pixel grid moves a shape by up to half a pixel, and a mitred stroke corner
/// reaches past half the stroke width.
pub const MARGIN_PX: f32 = 3.0;

/// How far ahead a changed shape is looked for in the other frame (shapes inserted or removed
/// in the middle of the list, such as a hover outline).
pub const LOOKAHEAD: usize = 8;

/// Above this many separate regions, their bounding box is repainted instead.
pub const MAX_REGIONS: usize = 16;

/// When the regions cover more than this share of the window, the whole window is repainted.
pub const FULL_SHARE: f64 = 0.5;

/// A rectangle of physical pixels, `left..right` × `top..bottom`, counted from the window's top
/// left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    /// First column.
    pub left: u32,
    /// First row.
    pub top: u32,
    /// One past the last column.
    pub right: u32,
    /// One past the last row.
    pub bottom: u32,
}

impl PixelRect {
    /// Pixels covered.
    pub fn area(&self) -> u64 {
        u64::from(self.right - self.left) * u64::from(self.bottom - self.top)
    }

    /// Whether the two share a pixel.
    pub fn overlaps(&self, other: &PixelRect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    /// The smallest rectangle holding both.
    pub fn union(&self, other: &PixelRect) -> PixelRect {
        PixelRect {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    /// The rectangle in logical points at `pixels_per_point` (egui's painter rounds it back to
    /// exactly these pixels).
    pub fn to_points(&self, pixels_per_point: f32) -> Rect {
        Rect::from_min_max(
            egui::pos2(
                self.left as f32 / pixels_per_point,
                self.top as f32 / pixels_per_point,
            ),
            egui::pos2(
                self.right as f32 / pixels_per_point,
                self.bottom as f32 / pixels_per_point,
            ),
        )
    }
}

/// What a frame must repaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The whole window.
    Full,
    /// These regions, which never overlap (none: the frame looks exactly like the last one).
    Regions(Vec<PixelRect>),
}

/// Where a shape can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// Nowhere in the window.
    Nothing,
    /// Within these pixels.
    Pixels(PixelRect),
    /// Not known: a custom paint callback, or bounds that are not finite numbers.
    Unknown,
}

/// The pixels `shape` can touch in a window of `screen` pixels.
pub fn pixel_bounds(shape: &ClippedShape, pixels_per_point: f32, screen: [u32; 2]) -> Extent {
    if matches!(shape.shape, Shape::Callback(_)) {
        return Extent::Unknown;
    }
    let bounds = shape.shape.visual_bounding_rect();
    if !(bounds.min.x <= bounds.max.x && bounds.min.y <= bounds.max.y) {
        // Rect::NOTHING and the like: nothing is drawn.
        return Extent::Nothing;
    }
    if !bounds.is_finite() {
        return Extent::Unknown;
    }
    let bounds = shape
        .transform_after_tessellation
        .mul_rect(bounds)
        .expand(MARGIN_PX / pixels_per_point);
    let visible = bounds.intersect(shape.clip_rect);
    if !(visible.min.x < visible.max.x && visible.min.y < visible.max.y) {
        return Extent::Nothing;
    }
    // A coordinate in points to a pixel line inside the window's `limit` pixels.
    let pixel = |points: f32, limit: u32, round: fn(f32) -> f32| {
        round(points * pixels_per_point).clamp(0.0, limit as f32) as u32
    };
    let rect = PixelRect {
        left: pixel(visible.min.x, screen[0], f32::floor),
        top: pixel(visible.min.y, screen[1], f32::floor),
        right: pixel(visible.max.x, screen[0], f32::ceil),
        bottom: pixel(visible.max.y, screen[1], f32::ceil),
    };
    if rect.left < rect.right && rect.top < rect.bottom {
        Extent::Pixels(rect)
    } else {
        Extent::Nothing
    }
}

/// The regions where `new` (this frame's shapes) draws differently from `old` (the last drawn
/// frame's), in a window of `screen` pixels at `pixels_per_point`.
pub fn damage(
    old: &[ClippedShape],
    new: &[ClippedShape],
    pixels_per_point: f32,
    screen: [u32; 2],
) -> Damage {
    let mut regions = Vec::new();
    let mut unknown = false;
    let mut changed = |shape: &ClippedShape| match pixel_bounds(shape, pixels_per_point, screen) {
        Extent::Pixels(rect) => regions.push(rect),
        Extent::Nothing => {}
        Extent::Unknown => unknown = true,
    };
    // Walk both lists in order, pairing equal shapes; what cannot be paired changed. The pairs
    // keep their order, so wherever no unpaired shape reaches, both frames paint the same
    // shapes in the same order.
    let (mut i, mut j) = (0, 0);
    while i < old.len() && j < new.len() {
        if old[i] == new[j] {
            i += 1;
            j += 1;
        } else if let Some(added) = (1..=LOOKAHEAD).find(|&k| new.get(j + k) == Some(&old[i])) {
            new[j..j + added].iter().for_each(&mut changed);
            j += added;
        } else if let Some(removed) = (1..=LOOKAHEAD).find(|&k| old.get(i + k) == Some(&new[j])) {
            old[i..i + removed].iter().for_each(&mut changed);
            i += removed;
        } else {
            changed(&old[i]);
            changed(&new[j]);
            i += 1;
            j += 1;
        }
    }
    old[i..].iter().chain(&new[j..]).for_each(&mut changed);
    if unknown {
        return Damage::Full;
    }
    let regions = merge(regions);
    let covered: u64 = regions.iter().map(PixelRect::area).sum();
    let window = u64::from(screen[0]) * u64::from(screen[1]);
    if covered as f64 > FULL_SHARE * window as f64 {
        Damage::Full
    } else {
        Damage::Regions(regions)
    }
}

/// Merges overlapping rectangles until none overlap; more than [`MAX_REGIONS`] become their
/// bounding box.
fn merge(mut rects: Vec<PixelRect>) -> Vec<PixelRect> {
    if rects.len() > 16 * MAX_REGIONS {
        rects = bounding_box(&rects).into_iter().collect();
    }
    let mut index = 0;
    while index < rects.len() {
        let overlapping =
            (0..rects.len()).find(|&other| other != index && rects[other].overlaps(&rects[index]));
        match overlapping {
            Some(other) => {
                let union = rects[index].union(&rects[other]);
                rects[index] = union;
                rects.swap_remove(other);
                // The grown rectangle may now overlap ones already passed: look again.
                index = 0;
            }
            None => index += 1,
        }
    }
    if rects.len() > MAX_REGIONS {
        rects = bounding_box(&rects).into_iter().collect();
    }
    rects
}

/// The smallest rectangle holding all of `rects`.
fn bounding_box(rects: &[PixelRect]) -> Option<PixelRect> {
    rects.iter().copied().reduce(|a, b| a.union(&b))
}

/// The shapes to paint for `regions`: for each region, in order, every shape of `shapes` that
/// touches it, clipped to it. Regions must not overlap (a shape painted twice over the same
/// pixel would blend twice).
pub fn restrict(
    shapes: &[ClippedShape],
    regions: &[PixelRect],
    pixels_per_point: f32,
    screen: [u32; 2],
) -> Vec<ClippedShape> {
    let bounds: Vec<Extent> = shapes
        .iter()
        .map(|shape| pixel_bounds(shape, pixels_per_point, screen))
        .collect();
    let mut painted = Vec::new();
    for region in regions {
        let clip = region.to_points(pixels_per_point);
        for (shape, bounds) in shapes.iter().zip(&bounds) {
            // Shapes of unknown extent make the damage full; painted anyway, they are clipped.
            let touches = match bounds {
                Extent::Pixels(bounds) => bounds.overlaps(region),
                Extent::Nothing => false,
                Extent::Unknown => true,
            };
            if touches {
                painted.push(ClippedShape {
                    clip_rect: shape.clip_rect.intersect(clip),
                    shape: shape.shape.clone(),
                    transform_after_tessellation: shape.transform_after_tessellation,
                });
            }
        }
    }
    painted
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{pos2, Color32, CornerRadius, Stroke, StrokeKind};

    const SCREEN: [u32; 2] = [400, 300];

    fn rect(left: f32, top: f32, width: f32, height: f32, colour: Color32) -> ClippedShape {
        ClippedShape::new(
            Rect::EVERYTHING,
            Shape::rect_filled(
                Rect::from_min_size(pos2(left, top), egui::vec2(width, height)),
                CornerRadius::same(2),
                colour,
            ),
        )
    }

    /// A background and a row of ten cells, one of them outlined as the playhead.
    fn row(playhead: usize) -> Vec<ClippedShape> {
        let mut shapes = vec![rect(0.0, 0.0, 400.0, 300.0, Color32::BLACK)];
        for cell in 0..10 {
            let left = 10.0 + 30.0 * cell as f32;
            shapes.push(rect(left, 100.0, 26.0, 26.0, Color32::GRAY));
            if cell == playhead {
                shapes.push(ClippedShape::new(
                    Rect::EVERYTHING,
                    Shape::rect_stroke(
                        Rect::from_min_size(pos2(left, 100.0), egui::vec2(26.0, 26.0)),
                        CornerRadius::same(2),
                        Stroke::new(2.0, Color32::WHITE),
                        StrokeKind::Inside,
                    ),
                ));
            }
        }
        shapes
    }

    #[test]
    fn an_unchanged_frame_repaints_nothing() {
        assert_eq!(
            damage(&row(3), &row(3), 1.0, SCREEN),
            Damage::Regions(Vec::new())
        );
    }

    #[test]
    fn a_moving_playhead_repaints_the_cells_it_leaves_and_enters() {
        let Damage::Regions(regions) = damage(&row(3), &row(4), 1.0, SCREEN) else {
            panic!("a small change repaints regions");
        };
        // Cells 3 (x 100..126) and 4 (130..156) with the margin, merged into one region.
        assert_eq!(
            regions,
            vec![PixelRect {
                left: 97,
                top: 97,
                right: 159,
                bottom: 129,
            }]
        );
        // At 200 % the cells are twice as large in pixels and the margin (in pixels) stays: the
        // two outlines are separate regions, two pixels apart.
        let Damage::Regions(regions) = damage(&row(3), &row(4), 2.0, SCREEN) else {
            panic!("a small change repaints regions");
        };
        assert_eq!(
            regions,
            vec![
                PixelRect {
                    left: 197,
                    top: 197,
                    right: 255,
                    bottom: 255,
                },
                PixelRect {
                    left: 257,
                    top: 197,
                    right: 315,
                    bottom: 255,
                }
            ]
        );
    }

    #[test]
    fn distant_changes_are_separate_regions_that_never_overlap() {
        let mut new = row(3);
        new.push(rect(350.0, 10.0, 20.0, 10.0, Color32::RED));
        let Damage::Regions(regions) = damage(&row(0), &new, 1.0, SCREEN) else {
            panic!("a small change repaints regions");
        };
        assert_eq!(regions.len(), 3, "{regions:?}");
        for (index, a) in regions.iter().enumerate() {
            for b in &regions[index + 1..] {
                assert!(!a.overlaps(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn inserted_and_removed_shapes_are_found_without_repainting_what_follows() {
        // Removing the playhead outline shifts every later shape by one.
        let mut old = row(2);
        let new: Vec<ClippedShape> = old
            .iter()
            .take(4)
            .chain(old.iter().skip(5))
            .cloned()
            .collect();
        let Damage::Regions(regions) = damage(&old, &new, 1.0, SCREEN) else {
            panic!("a small change repaints regions");
        };
        assert_eq!(
            regions,
            vec![PixelRect {
                left: 67,
                top: 97,
                right: 99,
                bottom: 129,
            }]
        );
        old.insert(1, rect(300.0, 250.0, 10.0, 10.0, Color32::RED));
        let Damage::Regions(regions) = damage(&row(2), &old, 1.0, SCREEN) else {
            panic!("a small change repaints regions");
        };
        assert_eq!(regions.len(), 1);
        assert_eq!(regions[0].left, 297);
    }

    #[test]
    fn large_or_unknown_changes_repaint_the_whole_window() {
        let mut new = row(3);
        new[0] = rect(0.0, 0.0, 400.0, 300.0, Color32::DARK_GRAY);
        assert_eq!(damage(&row(3), &new, 1.0, SCREEN), Damage::Full);
        let mut new = row(3);
        new.push(ClippedShape::new(
            Rect::EVERYTHING,
            Shape::Callback(egui::PaintCallback {
                rect: Rect::from_min_size(pos2(1.0, 1.0), egui::vec2(2.0, 2.0)),
                callback: std::sync::Arc::new(()),
            }),
        ));
        assert_eq!(damage(&row(3), &new, 1.0, SCREEN), Damage::Full);
    }

    #[test]
    fn clipped_and_invisible_shapes_touch_only_what_they_can_draw() {
        let mut shape = rect(100.0, 100.0, 50.0, 50.0, Color32::RED);
        shape.clip_rect = Rect::from_min_max(pos2(120.0, 0.0), pos2(130.0, 300.0));
        assert_eq!(
            pixel_bounds(&shape, 1.0, SCREEN),
            Extent::Pixels(PixelRect {
                left: 120,
                top: 97,
                right: 130,
                bottom: 153,
            })
        );
        shape.clip_rect = Rect::from_min_max(pos2(200.0, 0.0), pos2(210.0, 300.0));
        assert_eq!(pixel_bounds(&shape, 1.0, SCREEN), Extent::Nothing);
        let outside = rect(500.0, 10.0, 10.0, 10.0, Color32::RED);
        assert_eq!(pixel_bounds(&outside, 1.0, SCREEN), Extent::Nothing);
        let transparent = rect(10.0, 10.0, 10.0, 10.0, Color32::TRANSPARENT);
        assert_eq!(pixel_bounds(&transparent, 1.0, SCREEN), Extent::Nothing);
    }

    #[test]
    fn restricted_shapes_are_those_touching_each_region_in_order_and_clipped_to_it() {
        let shapes = row(3);
        let regions = [
            PixelRect {
                left: 97,
                top: 97,
                right: 159,
                bottom: 129,
            },
            PixelRect {
                left: 0,
                top: 0,
                right: 20,
                bottom: 20,
            },
        ];
        let painted = restrict(&shapes, &regions, 1.0, SCREEN);
        // First region: the background, cells 2 to 5 and the outline (cells 2 and 5 reach into
        // it by their margin: 96 + 3 > 97, 160 - 3 < 159); second: the background only.
        let first = regions[0].to_points(1.0);
        let second = regions[1].to_points(1.0);
        let expected = [0, 3, 4, 5, 6, 7, 0];
        assert_eq!(painted.len(), expected.len());
        for (painted, index) in painted.iter().zip(expected) {
            assert_eq!(painted.shape, shapes[index].shape, "shape {index}");
        }
        assert!(painted[..6].iter().all(|shape| shape.clip_rect == first));
        assert_eq!(painted[6].clip_rect, second);
    }
}
