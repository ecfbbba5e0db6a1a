//! The fixture: a real plugin instance, its editor model and state in a kittest harness, and a
//! host stand-in that records parameter gestures.

use std::sync::{Arc, Mutex, PoisonError};

use egui::{vec2, Pos2, Vec2};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;

use crate::document::PatternDoc;
use crate::edit::{Edit, EditLayer, Origin, PatternStore};
use crate::editor::gesture::Cell;
use crate::editor::grid::cell_name;
use crate::editor::{draw_editor, EditorModel, EditorState};
use crate::live_state::LiveState;
use crate::params::SeqParams;
use crate::ChronusSeq;

/// The editor's default window size in points.
pub const WINDOW: Vec2 = vec2(1240.0, 780.0);

/// One call the plugin made to the host's editor context.
#[derive(Debug, Clone, PartialEq)]
pub enum Gesture {
    /// A gesture began on the named parameter.
    Begin(String),
    /// The named parameter was set to this normalized value.
    Set(String, f32),
    /// The gesture on the named parameter ended.
    End(String),
}

impl Gesture {
    /// The parameter the call was about.
    pub fn param(&self) -> &str {
        match self {
            Gesture::Begin(name) | Gesture::Set(name, _) | Gesture::End(name) => name,
        }
    }
}

/// Stands in for the host behind the editor's context: records every gesture call and, as a
/// host does once it has processed the change, stores the value into the parameter.
#[derive(Default)]
pub struct RecordingHost {
    /// The calls, in order. Written by the test's GUI thread, read by the test.
    calls: Mutex<Vec<Gesture>>,
}

impl RecordingHost {
    /// The calls so far.
    pub fn calls(&self) -> Vec<Gesture> {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the calls so far.
    pub fn clear(&self) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn record(&self, gesture: Gesture) {
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(gesture);
    }
}

/// The parameter's display name.
fn name_of(param: ParamPtr) -> String {
    // SAFETY: the pointer comes from a parameter of the fixture's plugin, which outlives every
    // harness frame that can call the host.
    unsafe { param.name().to_owned() }
}

impl GuiContextInner for RecordingHost {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        self.record(Gesture::Begin(name_of(param)));
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        self.record(Gesture::Set(name_of(param), normalized));
        // SAFETY: as in `name_of`; parameter values are atomics, stored here as the framework's
        // wrappers store a host's change.
        unsafe { param._internal_set_normalized_value(normalized) };
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        self.record(Gesture::End(name_of(param)));
    }

    fn get_state(&self) -> PluginState {
        unimplemented!("the editor does not read the whole state")
    }

    fn set_state(&self, _state: PluginState) {}

    fn request_restart(&self) {}
}

/// What the harness draws each frame.
pub struct TestEditor {
    /// The editor's model, with the recording host attached.
    pub model: EditorModel,
    /// The editor's state.
    pub state: EditorState,
}

/// A plugin, its editor in a harness, and handles to check what the editor did.
pub struct Fixture {
    /// The harness drawing the editor.
    pub harness: Harness<'static, TestEditor>,
    /// The host stand-in.
    pub host: Arc<RecordingHost>,
    /// The plugin's pattern store.
    pub store: PatternStore,
    /// The plugin's parameters.
    pub params: Arc<SeqParams>,
    /// The plugin's edit layer, for setting up a test's starting point.
    pub edits: EditLayer,
    /// The plugin's live state (the tests play the audio thread's part).
    pub live: Arc<LiveState>,
    /// Keeps the plugin alive.
    _plugin: ChronusSeq,
}

impl Fixture {
    /// The editor of a fresh plugin (default pattern) at the default window size.
    pub fn new() -> Fixture {
        Fixture::with(WINDOW, 1.0)
    }

    /// The editor of a fresh plugin in a window of `size` points at `pixels_per_point`.
    pub fn with(size: Vec2, pixels_per_point: f32) -> Fixture {
        let plugin = ChronusSeq::default();
        let host = Arc::new(RecordingHost::default());
        let mut model = EditorModel::new(
            plugin.edits(),
            plugin.live_state(),
            plugin.osc_status(),
            Some(plugin.osc_in_status()),
        );
        model.attach(GuiContext::new(host.clone()));
        let editor = TestEditor {
            model,
            state: EditorState::default(),
        };
        let harness = Harness::builder()
            .with_size(size)
            .with_pixels_per_point(pixels_per_point)
            .with_context_setup(crate::editor::theme::apply)
            .build_ui_state(
                |ui, editor: &mut TestEditor| draw_editor(ui, &editor.model, &mut editor.state),
                editor,
            );
        let mut fixture = Fixture {
            harness,
            host,
            store: plugin.pattern_store(),
            params: plugin.seq_params(),
            edits: plugin.edits(),
            live: plugin.live_state(),
            _plugin: plugin,
        };
        fixture.harness.run();
        fixture
    }

    /// Sets up slot `slot` (0-based) as `change` makes it, as one edit (the whole slot put
    /// back through the edit layer), and draws the result.
    pub fn edit(&mut self, slot: usize, change: impl FnOnce(&mut PatternDoc)) {
        let mut pattern = self.store.slot(slot);
        change(&mut pattern);
        let put = Edit::PutSlot {
            slot,
            pattern: Box::new(pattern),
        };
        self.edits
            .apply(Origin::Editor, slot, put)
            .expect("a valid starting point");
        self.run();
    }

    /// Replaces the text of the field named `label` with `text` and presses Enter.
    pub fn type_into(&mut self, label: &str, text: &str) {
        self.control(label).focus();
        self.run();
        self.harness
            .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        self.run();
        self.control(label).type_text(text);
        self.run();
        self.harness.key_press(egui::Key::Enter);
        self.run();
    }

    /// Runs frames until the editor is idle.
    pub fn run(&mut self) {
        self.harness.run();
    }

    /// The centre of the cell of `track` and `step` (0-based).
    pub fn cell_centre(&self, track: usize, step: usize) -> Pos2 {
        self.harness
            .get_by_label(&cell_name(Cell { track, step }))
            .rect()
            .center()
    }

    /// Whether the grid shows the cell of `track` and `step` (0-based) as a hit.
    pub fn cell_shows_hit(&self, track: usize, step: usize) -> bool {
        let name = cell_name(Cell { track, step });
        let node = self.harness.get_by_label(&name);
        node.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
    }

    /// Presses the primary button at `from`, moves to `to` in `moves` frames and releases.
    pub fn drag(&mut self, from: Pos2, to: Pos2, moves: usize) {
        self.harness.hover_at(from);
        self.run();
        self.harness.drag_at(from);
        self.harness.step();
        for index in 1..=moves {
            let t = index as f32 / moves as f32;
            self.harness.hover_at(from + (to - from) * t);
            self.harness.step();
        }
        self.harness.drop_at(to);
        self.run();
    }

    /// The control named `label`: the one widget of that name that is not a plain text label
    /// (a slider may be named like the text next to it, and its value field shares its name).
    pub fn control<'a>(&'a self, label: &'a str) -> egui_kittest::Node<'a> {
        use egui::accesskit::Role;
        let found: Vec<_> = self
            .harness
            .query_all_by_label(label)
            .filter(|node| node.accesskit_node().role() != Role::Label)
            .collect();
        if let Some(slider) = found
            .iter()
            .find(|node| node.accesskit_node().role() == Role::Slider)
        {
            return *slider;
        }
        assert!(found.len() < 2, "two controls named {label:?}");
        *found
            .first()
            .unwrap_or_else(|| panic!("no control named {label:?}"))
    }

    /// Clicks the control named `label`.
    pub fn click(&mut self, label: &str) {
        self.control(label).click();
        self.run();
    }
}
