//! The editor window as the plugin framework sees it: opens at the saved size, resizable within
//! [`MIN_SIZE`]…[`MAX_SIZE`], drawn by egui through OpenGL.
//!
//! nice-plug-egui fixes a window's first size when its editor object is made, but the saved size
//! is known only once the host has loaded the project, which happens after the plugin made its
//! editor. [`ChronusEditor`] therefore makes a fresh egui editor, at the saved size, each time
//! the host opens the window; the app (and with it the editor's clipboard, selection and zoom)
//! is the same one every time.

use std::error::Error;
use std::sync::{Arc, Mutex, PoisonError};

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize, Size};
use nice_plug::editor::{Editor, HostMethods, ParentWindowHandle, ResizeHint, SpawnedEditor};
use nice_plug::prelude::*;
use nice_plug_egui::baseview::{HandlerError, WindowSize};
use nice_plug_egui::{
    create_egui_editor, EguiEditor, EguiEditorHandle, EguiEditorState, EguiNiceSettings, Frame,
    NiceEguiApp, RepaintNotifier,
};

use super::app::EditorApp;
use super::model::EditorModel;
use super::refresh::{Sources, Watcher};
use super::size::{EditorSizeCell, MAX_SIZE, MIN_SIZE};
use super::standalone;

/// The window title (standalone program).
pub const TITLE: &str = "Chronus Seq";

/// The plugin's editor.
pub struct ChronusEditor {
    /// The app every window draws with. Locked by the GUI thread while it draws.
    app: Arc<Mutex<EditorApp>>,
    /// The saved window size, in logical points. Written by the GUI thread on resize and by
    /// state loads; read here when a window opens and when the host asks for the size.
    size: Arc<EditorSizeCell>,
    /// Wakes the window for a redraw (parameter changes from the host). Shared with the window.
    repaint: RepaintNotifier,
    /// The egui state of the window opened last, for its scale factor. Host main thread.
    last_window: Mutex<Option<Arc<EguiEditorState>>>,
    /// What the watcher reads to know when to wake the window.
    sources: Sources,
    /// Wakes the window when the document, slot, transport or OSC status change; started with
    /// the first window, stopped with the editor. Host main thread.
    watcher: Mutex<Option<Watcher>>,
}

/// The editor over `model`, or `None` where no window can be shown (no X display on Linux, or
/// the standalone program was asked to run without one).
pub fn create_editor(model: EditorModel) -> Option<ChronusEditor> {
    if standalone::window_disabled() {
        return None;
    }
    if !display_available() {
        static LOGGED: std::sync::Once = std::sync::Once::new();
        LOGGED
            .call_once(|| nice_log!("Chronus Seq has no editor: no display (DISPLAY is not set)"));
        return None;
    }
    let size = Arc::clone(&model.params().editor_size.0);
    let sources = Sources {
        store: model.store().clone(),
        live: Arc::clone(&model.live),
        osc_in: model.osc_in.clone(),
        osc_out: Arc::clone(&model.osc_out),
    };
    Some(ChronusEditor {
        app: Arc::new(Mutex::new(EditorApp::new(model, Arc::clone(&size)))),
        size,
        repaint: RepaintNotifier::new(),
        last_window: Mutex::new(None),
        sources,
        watcher: Mutex::new(None),
    })
}

/// Whether a window can be opened: on Linux and the BSDs that needs an X display (baseview
/// draws through X11, also under XWayland).
pub fn display_available() -> bool {
    if cfg!(all(unix, not(target_os = "macos"))) {
        std::env::var_os("DISPLAY").is_some_and(|display| !display.is_empty())
    } else {
        true
    }
}

/// How the host may resize the window.
fn resize_hint() -> ResizeHint {
    ResizeHint::RESIZABLE.with_min_max_logical_size(
        Some(LogicalSize::new(MIN_SIZE.width, MIN_SIZE.height)),
        Some(LogicalSize::new(MAX_SIZE.width, MAX_SIZE.height)),
    )
}

impl ChronusEditor {
    /// The saved size as the framework takes it.
    fn logical_size(&self) -> Size {
        let size = self.size.get();
        Size::Logical(LogicalSize::new(
            f64::from(size.width),
            f64::from(size.height),
        ))
    }

    /// A fresh egui editor at the saved size, drawing with the shared app.
    fn egui_editor(&self) -> (EguiEditor<SharedApp>, Arc<EguiEditorState>) {
        let state = EguiEditorState::from_size(self.logical_size(), 1.0);
        let settings = EguiNiceSettings::new()
            .with_tile(TITLE)
            .with_resize_hint(resize_hint());
        let app = SharedApp(Arc::clone(&self.app));
        let editor = create_egui_editor(Arc::clone(&state), self.repaint.clone(), settings, app)
            .expect("nice-plug-egui always makes an editor");
        (editor, state)
    }
}

impl Editor for ChronusEditor {
    type Handle = EguiEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        let (editor, state) = self.egui_editor();
        *self
            .last_window
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(state);
        let mut watcher = self.watcher.lock().unwrap_or_else(PoisonError::into_inner);
        if watcher.is_none() {
            match Watcher::start(self.sources.clone(), self.repaint.clone()) {
                Ok(started) => *watcher = Some(started),
                Err(error) => nice_log!("Chronus Seq editor redraws only on input: {error}"),
            }
        }
        drop(watcher);
        editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )
    }

    fn size(&self) -> NativeSize<u32> {
        let last = self
            .last_window
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let scale = last.map_or(1.0, |state| {
            let logical = state.logical_size();
            let physical = state.physical_size();
            if logical.width > 0.0 {
                f64::from(physical.width) / f64::from(logical.width)
            } else {
                1.0
            }
        });
        NativeSize::from_size(self.logical_size(), scale)
    }

    fn resize_hint(&self) -> ResizeHint {
        resize_hint()
    }
}

/// The app shared by every window the editor opens.
struct SharedApp(Arc<Mutex<EditorApp>>);

impl SharedApp {
    fn app(&self) -> std::sync::MutexGuard<'_, EditorApp> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl NiceEguiApp for SharedApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        frame: &mut Frame,
    ) -> Result<(), HandlerError> {
        self.app().build(egui_ctx, nice_gui_ctx, frame)
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut Frame) {
        self.app().ui(ui, frame);
    }

    fn resized(&mut self, new_size: WindowSize) {
        self.app().resized(new_size);
    }
}

impl std::fmt::Debug for ChronusEditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChronusEditor").finish_non_exhaustive()
    }
}
