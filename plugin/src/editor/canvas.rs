//! The editor's own copy of its window's picture, so that a frame repaints only what changed.
//!
//! nice-plug-egui's OpenGL renderer clears the window and paints every shape of every frame;
//! with Mesa's software renderer that costs tens of milliseconds of CPU per frame for this
//! window, although while the transport plays only the playhead cells and the transport display
//! change. [`Canvas`] is an egui plugin that takes each frame's shapes before the renderer sees
//! them and hands it instead:
//!
//! 1. a paint callback that binds an off-screen framebuffer holding the last frame's picture
//!    and clears the regions [`damage`] found changed (all of it on a full repaint);
//! 2. the frame's shapes that touch those regions, clipped to them ([`restrict`]), which egui's
//!    painter draws into the bound framebuffer;
//! 3. a paint callback that copies the whole framebuffer into the window and records the
//!    frame's shapes as what the framebuffer now shows.
//!
//! The whole window is repainted on the first frame, when the window's size or scale changes,
//! when a texture is replaced whole (egui rebuilt its font atlas) and when more than half the
//! window changed. Setting the environment variable `CHRONUS_SEQ_FULL_REPAINT=1` turns the
//! canvas off (the renderer then paints every shape straight into the window, as before), for
//! a graphics driver that mishandles framebuffer objects.
//!
//! With `CHRONUS_SEQ_CANVAS_CHECK=1` the canvas checks itself: every frame that repaints only
//! some regions is also painted whole into a second framebuffer, first, and after the frame the
//! two pictures are compared pixel for pixel; the result goes to standard error
//! (`canvas check: …`). Each checked frame costs a full repaint: for testing only.
//!
//! Paint callbacks run on the GUI thread while the renderer's OpenGL context is current, so the
//! framebuffers belong to that window's context; every window gets its own canvas.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use egui::epaint::ClippedShape;
use egui::{FullOutput, PaintCallback, PaintCallbackInfo, Rect, Shape};
use egui_glow::glow::{self, HasContext};
use egui_glow::{CallbackFn, Painter};

use super::damage::{damage, restrict, Damage, PixelRect};

/// Environment variable that turns the canvas off when set to `1`.
pub const FULL_REPAINT_VARIABLE: &str = "CHRONUS_SEQ_FULL_REPAINT";

/// Environment variable that turns the self-check on when set to `1`.
pub const CHECK_VARIABLE: &str = "CHRONUS_SEQ_CANVAS_CHECK";

/// The colour the window is cleared to before shapes are drawn (egui-baseview's default clear
/// colour; the editor's panels cover the whole window anyway).
const CLEAR: [f32; 4] = [0.0, 0.0, 0.0, 1.0];

/// Whether environment variable `name` is set to `1`.
fn variable_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| value == "1")
}

/// Makes `ctx`'s frames repaint only what changed, unless [`FULL_REPAINT_VARIABLE`] says not to.
/// Call once per window, with its fresh context.
pub fn install(ctx: &egui::Context) {
    if variable_set(FULL_REPAINT_VARIABLE) {
        return;
    }
    let canvas = Canvas::new();
    if variable_set(CHECK_VARIABLE) {
        canvas.lock().check = Some(Check::default());
    }
    ctx.add_plugin(canvas);
}

/// The window a picture was painted for: its size in points and its scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowKey {
    /// The window's area in logical points.
    pub screen: Rect,
    /// Physical pixels per point.
    pub pixels_per_point: f32,
}

impl WindowKey {
    /// The window's size in physical pixels, as egui's painter rounds it.
    pub fn pixels(&self) -> [u32; 2] {
        let pixels = |points: f32| (points * self.pixels_per_point).round().max(0.0) as u32;
        [pixels(self.screen.width()), pixels(self.screen.height())]
    }
}

/// What to paint of a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The shapes to paint into the canvas.
    pub painted: Vec<ClippedShape>,
    /// With the self-check on and a partial frame: every shape, painted first into the check's
    /// framebuffer.
    pub check: Option<Vec<ClippedShape>>,
}

/// A frame egui handed over, between the output hook and the paint callbacks.
#[derive(Debug)]
struct Pending {
    /// All its shapes.
    shapes: Vec<ClippedShape>,
    /// The window they were laid out for.
    window: WindowKey,
    /// What it repaints.
    damage: Damage,
    /// Whether it is also painted whole into the check's framebuffer.
    checked: bool,
}

/// An off-screen framebuffer, an object of the window's OpenGL context.
#[derive(Debug)]
struct Target {
    /// The framebuffer object.
    framebuffer: glow::Framebuffer,
    /// Its colour buffer.
    colour: glow::Renderbuffer,
    /// Its size in pixels.
    size: [u32; 2],
}

impl Target {
    /// A framebuffer of `size` pixels, or `None` if the driver cannot make one.
    ///
    /// # Safety
    /// `gl` is current (paint callbacks run with the renderer's context current).
    unsafe fn new(gl: &glow::Context, size: [u32; 2]) -> Option<Target> {
        // SAFETY: plain object creation in the current context; every handle passed was made
        // just before.
        unsafe {
            let framebuffer = gl.create_framebuffer().ok()?;
            let Ok(colour) = gl.create_renderbuffer() else {
                gl.delete_framebuffer(framebuffer);
                return None;
            };
            gl.bind_renderbuffer(glow::RENDERBUFFER, Some(colour));
            gl.renderbuffer_storage(
                glow::RENDERBUFFER,
                glow::RGBA8,
                size[0] as i32,
                size[1] as i32,
            );
            gl.bind_renderbuffer(glow::RENDERBUFFER, None);
            gl.bind_framebuffer(glow::FRAMEBUFFER, Some(framebuffer));
            gl.framebuffer_renderbuffer(
                glow::FRAMEBUFFER,
                glow::COLOR_ATTACHMENT0,
                glow::RENDERBUFFER,
                Some(colour),
            );
            let complete =
                gl.check_framebuffer_status(glow::FRAMEBUFFER) == glow::FRAMEBUFFER_COMPLETE;
            gl.bind_framebuffer(glow::FRAMEBUFFER, None);
            let target = Target {
                framebuffer,
                colour,
                size,
            };
            if complete {
                Some(target)
            } else {
                target.delete(gl);
                None
            }
        }
    }

    /// Keeps `slot`'s framebuffer if it is `size` pixels, else deletes it and makes a new one.
    ///
    /// # Safety
    /// `gl` is current, and `slot`'s framebuffer, if any, was made in it.
    unsafe fn fit(slot: &mut Option<Target>, gl: &glow::Context, size: [u32; 2]) -> Made {
        if slot.as_ref().is_some_and(|target| target.size == size) {
            return Made::Kept;
        }
        if let Some(old) = slot.take() {
            // SAFETY: made in `gl`, which is current (the caller's contract).
            unsafe { old.delete(gl) };
        }
        // SAFETY: `gl` is current (the caller's contract).
        *slot = unsafe { Target::new(gl, size) };
        if slot.is_some() {
            Made::New
        } else {
            Made::Failed
        }
    }

    /// Deletes the framebuffer.
    ///
    /// # Safety
    /// `gl` is the context the framebuffer was made in, and current.
    unsafe fn delete(self, gl: &glow::Context) {
        // SAFETY: the objects belong to `gl`, which is current; nothing uses them after this.
        unsafe {
            gl.delete_framebuffer(self.framebuffer);
            gl.delete_renderbuffer(self.colour);
        }
    }

    /// The framebuffer's pixels, RGBA rows from the bottom.
    ///
    /// # Safety
    /// `gl` is the context the framebuffer was made in, and current.
    unsafe fn read(&self, gl: &glow::Context) -> Vec<u8> {
        let mut pixels = vec![0_u8; self.size[0] as usize * self.size[1] as usize * 4];
        // SAFETY: the framebuffer belongs to `gl`, which is current; the buffer holds exactly
        // its RGBA pixels.
        unsafe {
            gl.bind_framebuffer(glow::READ_FRAMEBUFFER, Some(self.framebuffer));
            gl.read_pixels(
                0,
                0,
                self.size[0] as i32,
                self.size[1] as i32,
                glow::RGBA,
                glow::UNSIGNED_BYTE,
                glow::PixelPackData::Slice(Some(&mut pixels)),
            );
            gl.bind_framebuffer(glow::READ_FRAMEBUFFER, None);
        }
        pixels
    }
}

/// How [`CanvasState::make_target`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Made {
    /// The framebuffer was there at the right size, with the last picture.
    Kept,
    /// A new, empty framebuffer was made.
    New,
    /// No framebuffer could be made.
    Failed,
}

/// The self-check's state ([`CHECK_VARIABLE`]).
#[derive(Debug, Default)]
pub struct Check {
    /// The framebuffer the checked frames are painted whole into.
    target: Option<Target>,
    /// Frames compared so far.
    pub compared: u64,
    /// Compared frames whose picture differed from their full repaint.
    pub differed: u64,
}

/// What the canvas knows between frames. Used on the GUI thread only (the output hook and the
/// paint callbacks); behind a mutex because egui wants plugins and callbacks `Sync`.
#[derive(Debug, Default)]
pub struct CanvasState {
    /// The shapes of the picture in the framebuffer, and the window they were painted for;
    /// `None` until the first frame is painted, and after anything that spoiled the picture.
    drawn: Option<(Vec<ClippedShape>, WindowKey)>,
    /// The frame about to be painted.
    pending: Option<Pending>,
    /// The framebuffer, once made.
    target: Option<Target>,
    /// Set when the next frame must repaint everything whatever changed (a texture was replaced
    /// whole, a new framebuffer was made). Cleared when a full frame is painted.
    repaint_all: bool,
    /// Set when the framebuffer could not be made: the renderer then paints every frame
    /// straight into the window.
    disabled: bool,
    /// The self-check, when on.
    check: Option<Check>,
}

impl CanvasState {
    /// Takes a frame's `shapes`, laid out for `window`, and says what to paint of them.
    /// `textures_replaced` says whether the frame replaces a texture whole.
    pub fn plan(
        &mut self,
        shapes: Vec<ClippedShape>,
        window: WindowKey,
        textures_replaced: bool,
    ) -> Plan {
        self.repaint_all |= textures_replaced;
        let pixels = window.pixels();
        let damage = match &self.drawn {
            Some((drawn, drawn_for))
                if !self.repaint_all && !self.disabled && *drawn_for == window =>
            {
                damage(drawn, &shapes, window.pixels_per_point, pixels)
            }
            _ => Damage::Full,
        };
        let painted = match &damage {
            Damage::Full => shapes.clone(),
            Damage::Regions(regions) => restrict(&shapes, regions, window.pixels_per_point, pixels),
        };
        let partial = matches!(&damage, Damage::Regions(regions) if !regions.is_empty());
        let check = (self.check.is_some() && partial).then(|| shapes.clone());
        self.pending = Some(Pending {
            shapes,
            window,
            damage,
            checked: check.is_some(),
        });
        Plan { painted, check }
    }

    /// The regions the pending frame repaints (`None`: everything).
    pub fn pending_regions(&self) -> Option<&[PixelRect]> {
        match self.pending.as_ref().map(|pending| &pending.damage) {
            Some(Damage::Regions(regions)) => Some(regions),
            _ => None,
        }
    }

    /// Records that the pending frame was painted into the framebuffer.
    pub fn painted(&mut self) {
        if let Some(pending) = self.pending.take() {
            if pending.damage == Damage::Full {
                self.repaint_all = false;
            }
            self.drawn = Some((pending.shapes, pending.window));
        }
    }

    /// The self-check's counts, when it is on.
    pub fn check(&self) -> Option<&Check> {
        self.check.as_ref()
    }

    /// Makes (or remakes, at a new size) the framebuffer.
    fn make_target(&mut self, gl: &glow::Context, size: [u32; 2]) -> Made {
        // SAFETY: paint callbacks run with the renderer's context current, and the canvas's
        // framebuffer was made in it.
        let made = unsafe { Target::fit(&mut self.target, gl, size) };
        if made != Made::Kept {
            // A new framebuffer holds no picture: a frame planned as regions would leave the
            // rest blank, so the whole of it is cleared and the next frame repaints everything.
            if self.pending_regions().is_some() {
                self.repaint_all = true;
            }
            self.drawn = None;
        }
        made
    }

    /// First callback of a checked frame: binds the check's framebuffer and clears it.
    fn begin_check(&mut self, gl: &glow::Context, info: &PaintCallbackInfo) {
        let Some(check) = &mut self.check else {
            return;
        };
        // SAFETY: paint callbacks run with the renderer's context current, and the check's
        // framebuffer was made in it.
        unsafe { Target::fit(&mut check.target, gl, info.screen_size_px) };
        if let Some(target) = &check.target {
            // SAFETY: the framebuffer was made in this context, which is current; the painter
            // restores its own state (scissor, viewport, program) after each callback.
            unsafe {
                gl.bind_framebuffer(glow::FRAMEBUFFER, Some(target.framebuffer));
                gl.disable(glow::SCISSOR_TEST);
                gl.clear_color(CLEAR[0], CLEAR[1], CLEAR[2], CLEAR[3]);
                gl.clear(glow::COLOR_BUFFER_BIT);
            }
        }
    }

    /// First callback of the canvas's part of a frame: binds the framebuffer and clears what
    /// the frame repaints.
    fn begin(&mut self, gl: &glow::Context, info: &PaintCallbackInfo) {
        if self.disabled {
            // SAFETY: framebuffer `None` is the window's (a checked frame bound another).
            unsafe { gl.bind_framebuffer(glow::FRAMEBUFFER, None) };
            return;
        }
        let size = info.screen_size_px;
        let made = self.make_target(gl, size);
        let Some(target) = &self.target else {
            // Only a full frame can get here (the first, or the first at a new size): it is
            // painted straight into the window, and so is every later one.
            self.disabled = true;
            // SAFETY: framebuffer `None` is the window's.
            unsafe { gl.bind_framebuffer(glow::FRAMEBUFFER, None) };
            return;
        };
        let regions = match made {
            Made::Kept => self.pending_regions(),
            Made::New | Made::Failed => None,
        };
        // SAFETY: the framebuffer was made in this context, which is current; the painter
        // restores its own state (scissor, viewport, program) after each callback.
        unsafe {
            gl.bind_framebuffer(glow::FRAMEBUFFER, Some(target.framebuffer));
            gl.clear_color(CLEAR[0], CLEAR[1], CLEAR[2], CLEAR[3]);
            match regions {
                Some(regions) => {
                    gl.enable(glow::SCISSOR_TEST);
                    for region in regions {
                        gl.scissor(
                            region.left as i32,
                            size[1] as i32 - region.bottom as i32,
                            (region.right - region.left) as i32,
                            (region.bottom - region.top) as i32,
                        );
                        gl.clear(glow::COLOR_BUFFER_BIT);
                    }
                }
                None => {
                    gl.disable(glow::SCISSOR_TEST);
                    gl.clear(glow::COLOR_BUFFER_BIT);
                }
            }
        }
    }

    /// Last callback of a frame: copies the framebuffer into the window.
    fn end(&mut self, gl: &glow::Context, info: &PaintCallbackInfo) {
        if self.disabled {
            self.pending = None;
            return;
        }
        let Some(target) = &self.target else {
            return;
        };
        let [width, height] = info.screen_size_px.map(|pixels| pixels as i32);
        // SAFETY: the framebuffer was made in this context, which is current; framebuffer
        // `None` is the window's.
        unsafe {
            gl.bind_framebuffer(glow::READ_FRAMEBUFFER, Some(target.framebuffer));
            gl.bind_framebuffer(glow::DRAW_FRAMEBUFFER, None);
            gl.disable(glow::SCISSOR_TEST);
            gl.blit_framebuffer(
                0,
                0,
                width,
                height,
                0,
                0,
                width,
                height,
                glow::COLOR_BUFFER_BIT,
                glow::NEAREST,
            );
            gl.bind_framebuffer(glow::FRAMEBUFFER, None);
        }
        if self.pending.as_ref().is_some_and(|pending| pending.checked) {
            self.compare(gl);
        }
        self.painted();
    }

    /// The self-check: compares the canvas's picture with the check's full repaint.
    fn compare(&mut self, gl: &glow::Context) {
        let (Some(target), Some(check)) = (&self.target, &mut self.check) else {
            return;
        };
        let Some(whole) = check
            .target
            .as_ref()
            .filter(|whole| whole.size == target.size)
        else {
            return;
        };
        // SAFETY: both framebuffers were made in this context, which is current.
        let (partial, full) = unsafe { (target.read(gl), whole.read(gl)) };
        let differing = partial
            .chunks_exact(4)
            .zip(full.chunks_exact(4))
            .filter(|(a, b)| a != b)
            .count();
        check.compared += 1;
        if differing > 0 {
            check.differed += 1;
        }
        eprintln!(
            "canvas check: {differing} of {} pixels differ from a full repaint \
             ({} of {} frames differed)",
            partial.len() / 4,
            check.differed,
            check.compared
        );
    }
}

/// The egui plugin that routes a window's frames through its framebuffer.
pub struct Canvas {
    /// Shared with the paint callbacks. GUI thread only.
    state: Arc<Mutex<CanvasState>>,
    /// The first callback of a checked frame.
    begin_check: Arc<CallbackFn>,
    /// The first callback of the canvas's part of every frame.
    begin: Arc<CallbackFn>,
    /// The last callback of every frame.
    end: Arc<CallbackFn>,
}

impl Canvas {
    /// A canvas with no picture yet.
    pub fn new() -> Canvas {
        let state = Arc::new(Mutex::new(CanvasState::default()));
        let callback = |step: fn(&mut CanvasState, &glow::Context, &PaintCallbackInfo)| {
            let state = Arc::clone(&state);
            Arc::new(CallbackFn::new(move |info, painter: &Painter| {
                let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
                step(&mut state, painter.gl(), &info);
            }))
        };
        let begin_check = callback(CanvasState::begin_check);
        let begin = callback(CanvasState::begin);
        let end = callback(CanvasState::end);
        Canvas {
            state,
            begin_check,
            begin,
            end,
        }
    }

    /// The canvas's state.
    pub fn lock(&self) -> MutexGuard<'_, CanvasState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A paint callback over the whole window.
    fn callback(screen: Rect, callback: &Arc<CallbackFn>) -> ClippedShape {
        ClippedShape::new(
            screen,
            Shape::Callback(PaintCallback {
                rect: screen,
                callback: Arc::clone(callback) as _,
            }),
        )
    }
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas::new()
    }
}

impl egui::Plugin for Canvas {
    fn debug_name(&self) -> &'static str {
        "chronus-seq canvas"
    }

    fn output_hook(&mut self, ctx: &egui::Context, output: &mut FullOutput) {
        let window = WindowKey {
            screen: ctx.viewport_rect(),
            pixels_per_point: output.pixels_per_point,
        };
        let textures_replaced = output
            .textures_delta
            .set
            .values()
            .flatten()
            .any(|delta| delta.pos.is_none());
        let shapes = std::mem::take(&mut output.shapes);
        let Plan { painted, check } = self.lock().plan(shapes, window, textures_replaced);
        let checked = check.as_ref().map_or(0, |check| check.len() + 1);
        output.shapes.reserve(checked + painted.len() + 2);
        if let Some(check) = check {
            output
                .shapes
                .push(Canvas::callback(window.screen, &self.begin_check));
            output.shapes.extend(check);
        }
        output
            .shapes
            .push(Canvas::callback(window.screen, &self.begin));
        output.shapes.extend(painted);
        output
            .shapes
            .push(Canvas::callback(window.screen, &self.end));
    }
}

impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canvas").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{pos2, vec2, Color32, CornerRadius};

    fn window(pixels_per_point: f32) -> WindowKey {
        WindowKey {
            screen: Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 300.0)),
            pixels_per_point,
        }
    }

    /// A background and ten cells, cell `lit` white.
    fn frame(lit: usize) -> Vec<ClippedShape> {
        let mut shapes = vec![ClippedShape::new(
            Rect::EVERYTHING,
            Shape::rect_filled(window(1.0).screen, CornerRadius::ZERO, Color32::BLACK),
        )];
        for cell in 0..10 {
            let colour = if cell == lit {
                Color32::WHITE
            } else {
                Color32::GRAY
            };
            let rect =
                Rect::from_min_size(pos2(10.0 + 30.0 * cell as f32, 100.0), vec2(26.0, 26.0));
            shapes.push(ClippedShape::new(
                Rect::EVERYTHING,
                Shape::rect_filled(rect, CornerRadius::same(2), colour),
            ));
        }
        shapes
    }

    #[test]
    fn frames_after_the_first_paint_only_what_changed() {
        let mut state = CanvasState::default();
        assert_eq!(
            state.plan(frame(0), window(1.0), false).painted,
            frame(0),
            "first frame: all"
        );
        assert_eq!(state.pending_regions(), None);
        state.painted();

        let painted = state.plan(frame(0), window(1.0), false).painted;
        assert!(painted.is_empty(), "nothing changed, nothing painted");
        assert_eq!(state.pending_regions(), Some(&[][..]));
        state.painted();

        let painted = state.plan(frame(1), window(1.0), false).painted;
        let regions = state.pending_regions().expect("a small change").to_vec();
        assert_eq!(
            regions.len(),
            1,
            "cells 0 and 1 with their margins: {regions:?}"
        );
        assert_eq!(painted, restrict(&frame(1), &regions, 1.0, [400, 300]));
        assert!(painted.len() < frame(1).len());
        state.painted();

        // The last picture is frame(1): going back to frame(0) changes the same two cells.
        state.plan(frame(0), window(1.0), false);
        assert_eq!(state.pending_regions().map(<[PixelRect]>::len), Some(1));
    }

    #[test]
    fn a_frame_never_painted_does_not_count_as_the_picture() {
        let mut state = CanvasState::default();
        state.plan(frame(0), window(1.0), false);
        state.painted();
        // A pass egui discarded (a second pass follows before anything is painted).
        state.plan(frame(5), window(1.0), false);
        state.plan(frame(0), window(1.0), false);
        assert_eq!(
            state.pending_regions(),
            Some(&[][..]),
            "compared with frame(0)"
        );
    }

    #[test]
    fn a_new_window_size_or_scale_or_texture_repaints_everything() {
        let mut state = CanvasState::default();
        state.plan(frame(0), window(1.0), false);
        state.painted();
        assert_eq!(state.plan(frame(0), window(2.0), false).painted, frame(0));
        state.painted();
        let mut wider = window(2.0);
        wider.screen.max.x += 10.0;
        assert_eq!(state.plan(frame(0), wider, false).painted, frame(0));
        state.painted();

        assert_eq!(
            state.plan(frame(0), wider, true).painted,
            frame(0),
            "font atlas rebuilt"
        );
        // Until a full frame is painted, every frame is full.
        assert_eq!(state.plan(frame(0), wider, false).painted, frame(0));
        state.painted();
        assert!(state.plan(frame(0), wider, false).painted.is_empty());
    }

    #[test]
    fn the_self_check_paints_partial_frames_whole_as_well() {
        let mut state = CanvasState {
            check: Some(Check::default()),
            ..CanvasState::default()
        };
        assert_eq!(state.plan(frame(0), window(1.0), false).check, None, "full");
        state.painted();
        assert_eq!(
            state.plan(frame(0), window(1.0), false).check,
            None,
            "nothing to check"
        );
        state.painted();
        let plan = state.plan(frame(1), window(1.0), false);
        assert_eq!(plan.check, Some(frame(1)));
        assert!(plan.painted.len() < frame(1).len());
        assert!(state.pending.as_ref().unwrap().checked);
    }

    #[test]
    fn egui_hands_the_renderer_the_shapes_between_the_two_callbacks() {
        let ctx = egui::Context::default();
        ctx.add_plugin(Canvas::new());
        let input = || egui::RawInput {
            screen_rect: Some(window(1.0).screen),
            ..Default::default()
        };
        let run = || {
            let mut output = ctx.run_ui(input(), |ui| {
                ui.painter().rect_filled(
                    Rect::from_min_size(pos2(10.0, 10.0), vec2(50.0, 20.0)),
                    0.0,
                    Color32::RED,
                );
            });
            output.textures_delta.clear();
            output
        };
        let output = run();
        let is_callback = |shape: &ClippedShape| matches!(shape.shape, Shape::Callback(_));
        assert!(is_callback(&output.shapes[0]));
        assert!(is_callback(output.shapes.last().unwrap()));
        assert!(
            output.shapes[1..output.shapes.len() - 1]
                .iter()
                .any(|shape| shape.shape.visual_bounding_rect().min == pos2(10.0, 10.0)),
            "the red rectangle is painted on the first frame"
        );
        // No renderer ran the callbacks: nothing counts as painted, so the next frame is full too.
        let again = run();
        assert_eq!(again.shapes.len(), output.shapes.len());
    }
}
