//! Host adaptation: everything that turns what a host and the plugin framework report into what
//! the engine and the OSC gate clock take.

pub mod sample_clock;
