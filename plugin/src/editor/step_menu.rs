//! The context menu of a step (right click): velocity, probability, ratchets, nudge, tie and
//! the step's own note. Each change is one undoable edit of the slot being edited.

use egui::{DragValue, Slider, Ui};

use super::controls::settled_widget;
use super::gesture::Cell;
use super::model::EditorModel;
use crate::edit::notes::note_name;
use crate::edit::{Edit, StepChange, TrackRef};
use crate::engine::pattern::{Step, MAX_NUDGE_PERCENT, MAX_RATCHET};

/// Probability presets offered as buttons.
const PROBABILITY_PRESETS: [u8; 5] = [100, 75, 50, 25, 10];

/// The menu's contents for `cell` of slot `slot`, whose step is `step` now, on a track playing
/// `track_note`.
pub fn step_menu(
    ui: &mut Ui,
    model: &EditorModel,
    slot: usize,
    cell: Cell,
    step: Step,
    track_note: u8,
) {
    let edit = |change: StepChange| {
        // Values come from bounded widgets, so the edit layer has no reason to refuse them.
        let _ = model.apply(
            slot,
            Edit::SetStep {
                track: TrackRef::Index(cell.track),
                step: cell.step,
                change,
            },
        );
    };
    ui.set_min_width(240.0);
    ui.strong(format!("Track {} · step {}", cell.track + 1, cell.step + 1));
    ui.separator();

    let mut on = step.on;
    if ui
        .checkbox(&mut on, "Plays")
        .accessible_name("Step plays")
        .changed()
    {
        edit(StepChange::On(on));
    }

    egui::Grid::new(("step-menu", cell.track, cell.step))
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            ui.label("Velocity");
            let (_, velocity) = settled_widget(ui, "Step velocity", step.velocity, |ui, value| {
                ui.add(Slider::new(value, 1..=127))
            });
            if let Some(velocity) = velocity {
                edit(StepChange::Velocity(velocity));
            }
            ui.end_row();

            ui.label("Probability");
            ui.vertical(|ui| {
                let (_, probability) =
                    settled_widget(ui, "Step probability", step.probability, |ui, value| {
                        ui.add(Slider::new(value, 0..=100).suffix(" %"))
                    });
                if let Some(probability) = probability {
                    edit(StepChange::Probability(probability));
                }
                ui.horizontal(|ui| {
                    for preset in PROBABILITY_PRESETS {
                        let chosen = step.probability == preset;
                        if ui
                            .selectable_label(chosen, format!("{preset}"))
                            .accessible_name(format!("Probability {preset} %"))
                            .clicked()
                        {
                            edit(StepChange::Probability(preset));
                        }
                    }
                });
            });
            ui.end_row();

            ui.label("Ratchet");
            ui.horizontal(|ui| {
                for ratchet in 1..=MAX_RATCHET {
                    let chosen = step.ratchet == ratchet;
                    if ui
                        .selectable_label(chosen, format!("{ratchet}"))
                        .accessible_name(format!("Ratchet {ratchet}"))
                        .on_hover_text(format!("{ratchet} hits in this step"))
                        .clicked()
                    {
                        edit(StepChange::Ratchet(ratchet));
                    }
                }
            });
            ui.end_row();

            ui.label("Nudge");
            ui.horizontal(|ui| {
                let range = -MAX_NUDGE_PERCENT..=MAX_NUDGE_PERCENT;
                let (_, nudge) = settled_widget(ui, "Step nudge", step.nudge, |ui, value| {
                    ui.add(Slider::new(value, range).suffix(" %"))
                });
                if let Some(nudge) = nudge {
                    edit(StepChange::Nudge(nudge));
                }
                if ui
                    .small_button("0")
                    .accessible_name("Nudge to grid")
                    .on_hover_text("Back on the grid")
                    .clicked()
                {
                    edit(StepChange::Nudge(0));
                }
            });
            ui.end_row();

            ui.label("Note");
            ui.horizontal(|ui| {
                let mut own = step.note.is_some();
                if ui
                    .checkbox(&mut own, "own")
                    .accessible_name("Step has its own note")
                    .on_hover_text("Play this note instead of the track's")
                    .changed()
                {
                    edit(StepChange::Note(own.then_some(track_note)));
                }
                if let Some(note) = step.note {
                    let (_, changed) = settled_widget(ui, "Step note", note, |ui, value| {
                        ui.add(
                            DragValue::new(value)
                                .range(0..=127)
                                .custom_formatter(|note, _| note_name(note as u8)),
                        )
                    });
                    if let Some(note) = changed {
                        edit(StepChange::Note(Some(note)));
                    }
                }
            });
            ui.end_row();
        });

    let mut tie = step.tie;
    if ui
        .checkbox(&mut tie, "Tie to the step before")
        .accessible_name("Step tie")
        .on_hover_text("Hold the previous note one step longer instead of playing")
        .changed()
    {
        edit(StepChange::Tie(tie));
    }
    ui.separator();
    if ui
        .button("Reset step")
        .on_hover_text("A rest with full probability, one hit, on the grid")
        .clicked()
    {
        edit(StepChange::Reset);
        ui.close();
    }
}
