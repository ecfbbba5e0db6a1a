//! Restoring saved state never starts, stops or joins a thread and never binds or closes a
//! socket on the thread that restores it. nice-plug restores an editor-initiated state inside
//! `process()`, on the audio thread; there, new OSC input settings are only stored, and the OSC
//! input's own supervisor thread rebinds when it next looks.

use std::sync::Arc;
use std::time::Duration;

use chronus_seq::osc_in::{OscInSettings, OscInStatus};
use chronus_seq::osc_input::OscInService;
use chronus_seq::ChronusSeq;
use nice_plug::prelude::Params;

/// A free loopback UDP port, found by binding port 0.
fn free_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("an ephemeral port");
    socket.local_addr().expect("its address").port()
}

#[test]
fn restoring_osc_input_settings_only_stores_them() {
    let plugin = ChronusSeq::default();
    let params = plugin.seq_params();
    let status = Arc::new(OscInStatus::new());
    // A supervisor that looks at the settings only when woken: nothing can rebind behind the
    // test's back.
    let mut service = OscInService::with_poll(
        Arc::clone(&params.osc_in.0),
        Arc::clone(&status),
        Duration::from_secs(3_600),
    );
    let first = free_port();
    params.osc_in.0.set(OscInSettings {
        port: first,
        ..OscInSettings::default()
    });
    // Commands act on a second instance: what they do does not matter here.
    let target = ChronusSeq::default();
    let handlers = Box::new(move || target.command_handler());
    service.start(handlers).expect("the first port binds");
    assert_eq!(status.bound_port(), Some(first));

    // Restore state with another port the way nice-plug does, on a thread of its own standing
    // in for the audio thread.
    let second = free_port();
    let fields = std::collections::BTreeMap::from([(
        "osc_in".to_owned(),
        format!(r#"{{"host":"127.0.0.1","port":{second},"enabled":true}}"#),
    )]);
    let restoring = Arc::clone(&params);
    std::thread::spawn(move || restoring.deserialize_fields(&fields))
        .join()
        .expect("the restore returns");
    assert_eq!(
        params.osc_in.0.get().port,
        second,
        "the settings are stored"
    );
    assert_eq!(
        status.bound_port(),
        Some(first),
        "the restoring thread bound nothing and stopped nothing"
    );

    // The supervisor applies them on its own thread.
    service.wake();
    let mut looks = 0;
    while status.bound_port() != Some(second) {
        looks += 1;
        assert!(looks < 500, "the supervisor never rebound");
        std::thread::sleep(Duration::from_millis(10));
    }
    service.stop();
    assert_eq!(status.bound_port(), None, "stopped and released");
}
