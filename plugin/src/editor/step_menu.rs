//! The context menu of a step (right click): velocity, probability, ratchets, nudge, tie, the
//! step's own note and its trig condition. Each change is one undoable edit of the slot being edited.

use egui::{DragValue, Slider, Ui};

use super::controls::settled_widget;
use super::gesture::Cell;
use super::model::EditorModel;
use crate::edit::notes::note_name;
use crate::edit::{Edit, StepChange, TrackRef};
use crate::engine::condition::MAX_RATIO;
use crate::engine::pattern::{Condition, Step, MAX_NUDGE_PERCENT, MAX_RATCHET};

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

            ui.label("Condition");
            if let Some(condition) = condition_choice(ui, step.condition) {
                edit(StepChange::Condition(condition));
            }
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

/// What the condition buttons explain on hover.
const CONDITION_HELP: &str = "A:B plays on pass A of every B; 1st the first pass since play, a \
    loop wrap or a slot switch; fill while Fill is on; pre if the previous conditioned step \
    played; nei if the track above played; ! the opposite";

/// The kinds of trig condition the menu offers: none, `A:B` (then picked with the
/// pass buttons), and every word.
pub fn condition_kinds() -> Vec<Condition> {
    let mut kinds = vec![Condition::Always, Condition::Ratio { a: 1, b: 2 }];
    kinds.extend(Condition::WORDS);
    kinds
}

/// What the menu calls a kind of condition: `none`, `A:B` or the word.
fn kind_text(condition: Condition) -> String {
    match condition {
        Condition::Always => "none".to_owned(),
        Condition::Ratio { .. } => "A:B".to_owned(),
        other => other.label(),
    }
}

/// The condition rows: a button per kind and, for `A:B`, a button per pass `A` and per
/// count `B`. Returns the condition picked if it differs from `current`.
fn condition_choice(ui: &mut Ui, current: Condition) -> Option<Condition> {
    let mut chosen = current;
    let mut kind = match current {
        Condition::Ratio { .. } => Condition::Ratio { a: 1, b: 2 },
        other => other,
    };
    ui.vertical(|ui| {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 3.0;
            for choice in condition_kinds() {
                let picked = std::mem::discriminant(&choice) == std::mem::discriminant(&kind);
                if ui
                    .selectable_label(picked, kind_text(choice))
                    .accessible_name(format!("Condition {}", kind_text(choice)))
                    .on_hover_text(CONDITION_HELP)
                    .clicked()
                {
                    kind = choice;
                }
            }
        });
        let kind_changed = std::mem::discriminant(&kind) != std::mem::discriminant(&current);
        if kind_changed {
            chosen = kind;
        }
        if let Condition::Ratio { a, b } = chosen {
            ui.horizontal(|ui| {
                ui.label("pass");
                for pass in 1..=b {
                    if ui
                        .selectable_label(pass == a, format!("{pass}"))
                        .accessible_name(format!("Condition pass {pass}"))
                        .clicked()
                    {
                        chosen = Condition::Ratio { a: pass, b };
                    }
                }
            });
            ui.horizontal(|ui| {
                ui.label("of");
                for count in 1..=MAX_RATIO {
                    if ui
                        .selectable_label(count == b, format!("{count}"))
                        .accessible_name(format!("Condition of {count}"))
                        .clicked()
                    {
                        chosen = Condition::Ratio {
                            a: a.min(count),
                            b: count,
                        };
                    }
                }
            });
        }
    });
    (chosen != current).then_some(chosen)
}
