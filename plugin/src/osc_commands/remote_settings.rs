//! Commands that move the plugin's own connections: where the OSC output sends and which port
//! the OSC input listens on. Refused unless the musician allowed remote settings in the editor
//! (a switch that is off at start and not saved), so an agent cannot redirect the gates or move
//! the input away from the musician.

use super::args::Args;
use super::spec::{Arg, Command, Run, REPLIES_OK};
use super::Remote;
use crate::edit::Edit;
use crate::osc_in::CommandError;

/// The remote-settings commands.
pub const COMMANDS: &[Command] = &[
    Command {
        address: "/chronus/osc/target",
        summary: "Sets where the OSC output sends its gates (host and UDP port). Only when \
                  remote settings are allowed in the editor.",
        args: &[
            Arg::string("host", "host name or IP address, such as 127.0.0.1"),
            Arg::int("port", 1, 65_535, "UDP port, such as 5005"),
        ],
        replies: REPLIES_OK,
        run: Run::Edit(target),
    },
    Command {
        address: "/chronus/osc/input",
        summary: "Moves the OSC input to another UDP port (the next free one above it if taken; \
                  5005–5007 are refused). The reply still comes from the old port. Only when \
                  remote settings are allowed in the editor.",
        args: &[Arg::int("port", 1, 65_535, "UDP port")],
        replies: "/chronus/ok /chronus/osc/input",
        run: Run::Reply(input),
    },
];

/// Refuses unless remote settings are allowed.
fn permitted(remote: &Remote, args: &Args) -> Result<(), CommandError> {
    if remote.remote_settings_allowed() {
        Ok(())
    } else {
        Err(args.error(
            "remote settings are not allowed: switch on \"Allow remote settings\" in the \
             editor first",
        ))
    }
}

fn target(args: &mut Args, remote: &Remote) -> Result<Edit, CommandError> {
    let host = args.string("host")?.to_owned();
    let port = args.int("port", 1, 65_535)? as u16;
    args.finish()?;
    permitted(remote, args)?;
    Ok(Edit::OscTarget { host, port })
}

fn input(remote: &mut Remote, args: &mut Args) -> Result<Vec<rosc::OscMessage>, CommandError> {
    let port = args.int("port", 1, 65_535)? as u16;
    args.finish()?;
    permitted(remote, args)?;
    let mut settings = remote.osc_in_settings.get();
    settings.port = port;
    settings.validate().map_err(|reason| args.error(reason))?;
    remote.osc_in_settings.set(settings);
    Ok(super::ok("/chronus/osc/input"))
}
