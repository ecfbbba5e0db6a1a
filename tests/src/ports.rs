//! Audio and note port layout through the CLAP audio-ports and note-ports extensions.

use crate::error::{HarnessError, Result};
use crate::host::PluginHost;
use clack_extensions::audio_ports::{AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::note_ports::{NoteDialect, NotePortInfoBuffer, PluginNotePorts};

/// One audio port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioPort {
    /// Port name.
    pub name: String,
    /// Channel count.
    pub channels: u32,
}

/// One note port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotePort {
    /// Port name.
    pub name: String,
    /// Whether the port speaks the CLAP note dialect.
    pub clap_dialect: bool,
    /// Whether the port speaks MIDI 1.
    pub midi_dialect: bool,
}

impl PluginHost {
    /// The plugin's audio input (`is_input`) or output ports.
    pub fn audio_ports(&mut self, is_input: bool) -> Result<Vec<AudioPort>> {
        let ext = self.plugin_extension::<PluginAudioPorts>().ok_or_else(|| {
            HarnessError::new("the plugin does not implement the audio-ports extension")
        })?;
        let handle = self.main_thread_handle();
        let mut buffer = AudioPortInfoBuffer::new();
        (0..ext.count(&handle, is_input))
            .map(|index| {
                ext.get(&handle, index, is_input, &mut buffer)
                    .map(|info| AudioPort {
                        name: String::from_utf8_lossy(info.name).into_owned(),
                        channels: info.channel_count,
                    })
                    .ok_or_else(|| HarnessError::new(format!("audio_ports.get({index}) failed")))
            })
            .collect()
    }

    /// The plugin's note input (`is_input`) or output ports.
    pub fn note_ports(&mut self, is_input: bool) -> Result<Vec<NotePort>> {
        let ext = self.plugin_extension::<PluginNotePorts>().ok_or_else(|| {
            HarnessError::new("the plugin does not implement the note-ports extension")
        })?;
        let handle = self.main_thread_handle();
        let mut buffer = NotePortInfoBuffer::new();
        (0..ext.count(&handle, is_input))
            .map(|index| {
                ext.get(&handle, index, is_input, &mut buffer)
                    .map(|info| NotePort {
                        name: String::from_utf8_lossy(info.name).into_owned(),
                        clap_dialect: info.supported_dialects.supports(NoteDialect::Clap),
                        midi_dialect: info.supported_dialects.supports(NoteDialect::Midi),
                    })
                    .ok_or_else(|| HarnessError::new(format!("note_ports.get({index}) failed")))
            })
            .collect()
    }
}
