//! `chronus-mcp`: a Model Context Protocol server (stdio) that lets an AI assistant play with
//! Chronus Seq. It finds the plugin instances listening on loopback (a `/chronus/ping` on the
//! OSC input ports from 5050 up), reads the chosen instance's `/chronus/schema` and offers every
//! command in it as a tool, with its arguments, ranges and meaning; a tool call becomes one OSC
//! command, and a refusal comes back as a tool error with the plugin's reason.
//!
//! Usage: `chronus-mcp [--host 127.0.0.1] [--port N]` (`--port` pins one instance; without it
//! the only instance found is used, or `select_instance` chooses among several).

mod instances;
mod osc_link;
mod server;
mod tools;

use std::net::IpAddr;

use rmcp::ServiceExt;

/// What the command line asks for.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Where the plugin instances listen.
    pub host: IpAddr,
    /// One instance's port, if pinned.
    pub port: Option<u16>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        host: IpAddr::from([127, 0, 0, 1]),
        port: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--host" => {
                let text = value("--host")?;
                options.host = text
                    .parse()
                    .map_err(|_| format!("--host {text}: not an IP"))?;
            }
            "--port" => {
                let text = value("--port")?;
                options.port = Some(
                    text.parse()
                        .map_err(|_| format!("--port {text}: not a port"))?,
                );
            }
            "--help" | "-h" => {
                return Err("usage: chronus-mcp [--host 127.0.0.1] [--port N]".to_owned());
            }
            other => return Err(format!("unknown argument {other}; see --help")),
        }
    }
    Ok(options)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let handler = server::ChronusServer::new(options).await?;
    let service = handler.serve(rmcp::transport::stdio()).await?;
    service.waiting().await?;
    Ok(())
}
