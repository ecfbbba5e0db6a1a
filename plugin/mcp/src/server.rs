//! The MCP server: discovery tools, the tools generated from the chosen instance's schema, and
//! `read_state` / `read_changes` for reading the music back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, JsonObject,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use rosc::{OscMessage, OscType};
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::instances::{self, Instance};
use crate::osc_link::OscLink;
use crate::tools;
use crate::Options;

/// Renew the subscription when it is older than this (the plugin keeps it 60 s).
const RENEW_AFTER: Duration = Duration::from_secs(30);

/// What the server knows; one tool call at a time uses it.
#[derive(Debug)]
struct State {
    link: OscLink,
    /// The instances found by the last discovery.
    instances: Vec<Instance>,
    /// The instance tool calls go to.
    chosen: Option<SocketAddr>,
    /// The chosen instance's commands, from its schema.
    commands: Vec<Value>,
    /// When `read_changes` last subscribed.
    subscribed: Option<Instant>,
}

/// The MCP server of Chronus Seq.
#[derive(Debug, Clone)]
pub struct ChronusServer {
    options: Options,
    state: Arc<Mutex<State>>,
}

fn text(value: impl Into<String>) -> CallToolResponse {
    CallToolResult::success(vec![ContentBlock::text(value)]).into()
}

fn failure(reason: impl Into<String>) -> CallToolResponse {
    CallToolResult::error(vec![ContentBlock::text(reason)]).into()
}

fn fixed_tool(name: &'static str, description: &'static str, schema: Value) -> Tool {
    let Value::Object(schema) = schema else {
        unreachable!("tool schemas are objects")
    };
    Tool::new(name, description, Arc::new(schema))
}

/// The tools the server always has.
fn fixed_tools() -> Vec<Tool> {
    vec![
        fixed_tool(
            "list_instances",
            "Finds the running Chronus Seq instances (OSC input ports from 5050 up) and lists \
             them with their port and track names.",
            json!({ "type": "object", "properties": {} }),
        ),
        fixed_tool(
            "select_instance",
            "Chooses the instance later tools act on, by its port or by the name of one of its \
             tracks.",
            json!({ "type": "object", "properties": {
                "port": { "type": "integer", "description": "the instance's OSC input port" },
                "track_name": { "type": "string", "description": "a track name of the instance" },
            } }),
        ),
        fixed_tool(
            "read_state",
            "The whole state of a pattern slot: every track's name, pattern string (. rest, x \
             hit, X accent, 1-9 velocity, _ tie), rate, note, channel, Euclid settings, mute, \
             solo, gate, OSC gate address, playback direction, melodic, exact frequency (-1: \
             none), note cycle, Music Chronus voice profile, step details (step.field=value for \
             probability, ratchet, nudge, note and trig condition) and four modulation lanes \
             (MIDI cc/bend, OSC address, range and curve, length, base and per-step values, -1: \
             none), and a digest that changes whenever anything of the track does; plus the \
             slot, playing slot, quantize, swing, seed, scale (root and name) and Fill.",
            json!({ "type": "object", "properties": {
                "slot": { "type": "integer", "minimum": 1, "maximum": 16,
                          "description": "pattern slot; the one edits go to by default" },
            } }),
        ),
        fixed_tool(
            "read_changes",
            "What happened since the last call: document changes with their source (editor, \
             osc, state_load, undo, redo), the changed tracks as pattern strings with the names \
             of their changed parts (e.g. lane2, conditions, direction), changed scales and \
             changed OSC output settings (voice profile, lane destinations), slot switches, \
             transport start/stop and bar lines. The first call subscribes; changes before it \
             are not reported.",
            json!({ "type": "object", "properties": {} }),
        ),
    ]
}

impl ChronusServer {
    /// A server for `options`; looks for instances at once (none found is not an error).
    pub async fn new(options: Options) -> Result<ChronusServer, String> {
        let link = OscLink::bind(options.host).await?;
        let server = ChronusServer {
            options,
            state: Arc::new(Mutex::new(State {
                link,
                instances: Vec::new(),
                chosen: None,
                commands: Vec::new(),
                subscribed: None,
            })),
        };
        let mut state = server.state.lock().await;
        let _ = server.discover(&mut state).await;
        drop(state);
        Ok(server)
    }

    /// Finds the instances; chooses the only one (or keeps the chosen one if still there).
    async fn discover(&self, state: &mut State) -> Result<(), String> {
        state.instances =
            instances::find(&mut state.link, self.options.host, self.options.port).await?;
        let still_there = state
            .chosen
            .is_some_and(|chosen| state.instances.iter().any(|i| i.address == chosen));
        if !still_there {
            let only = match state.instances.as_slice() {
                [only] => Some(only.address),
                _ => None,
            };
            self.choose(state, only).await?;
        }
        Ok(())
    }

    /// Makes `address` the chosen instance and reads its schema.
    async fn choose(&self, state: &mut State, address: Option<SocketAddr>) -> Result<(), String> {
        state.chosen = address;
        state.commands.clear();
        state.subscribed = None;
        let Some(address) = address else {
            return Ok(());
        };
        let message = OscMessage {
            addr: "/chronus/schema".to_owned(),
            args: Vec::new(),
        };
        let parts = state.link.command(address, message).await?;
        let json: String = parts
            .iter()
            .filter_map(|part| match part.args.get(2) {
                Some(OscType::String(chunk)) => Some(chunk.as_str()),
                _ => None,
            })
            .collect();
        let schema: Value =
            serde_json::from_str(&json).map_err(|e| format!("unreadable schema: {e}"))?;
        state.commands = schema["commands"].as_array().cloned().unwrap_or_default();
        Ok(())
    }

    /// The chosen instance, or why there is none.
    async fn target(&self, state: &mut State) -> Result<SocketAddr, String> {
        if state.chosen.is_none() {
            self.discover(state).await?;
        }
        state.chosen.ok_or_else(|| match state.instances.len() {
            0 => "no Chronus Seq instance answers on 127.0.0.1 ports 5050-5081: load the \
                  plugin in the DAW (or start chronus-seq) and try again"
                .to_owned(),
            n => format!("{n} instances are running: choose one with select_instance"),
        })
    }

    async fn call(&self, name: &str, input: &JsonObject) -> Result<CallToolResponse, String> {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        match name {
            "list_instances" => {
                self.discover(state).await?;
                let list: Vec<Value> = state.instances.iter().map(Instance::describe).collect();
                let chosen = state.chosen.map(|address| address.port());
                Ok(text(
                    json!({ "instances": list, "chosen_port": chosen }).to_string(),
                ))
            }
            "select_instance" => {
                self.discover(state).await?;
                let port = input.get("port").and_then(Value::as_u64);
                let track = input.get("track_name").and_then(Value::as_str);
                let found = state.instances.iter().find(|instance| {
                    port.is_some_and(|port| u64::from(instance.address.port()) == port)
                        || track.is_some_and(|name| instance.has_track(name))
                });
                let Some(address) = found.map(|instance| instance.address) else {
                    return Ok(failure("no running instance has that port or track name"));
                };
                self.choose(state, Some(address)).await?;
                Ok(text(format!(
                    "chose the instance on port {}",
                    address.port()
                )))
            }
            "read_state" => {
                let target = self.target(state).await?;
                let mut message = OscMessage {
                    addr: "/chronus/query".to_owned(),
                    args: Vec::new(),
                };
                if let Some(slot) = input.get("slot").and_then(Value::as_i64) {
                    message.args.push(OscType::Long(slot));
                }
                match state.link.command(target, message).await {
                    Ok(replies) => Ok(text(state_json(&replies).to_string())),
                    Err(reason) => Ok(failure(reason)),
                }
            }
            "read_changes" => {
                let target = self.target(state).await?;
                if state.subscribed.is_none_or(|at| at.elapsed() > RENEW_AFTER) {
                    let message = OscMessage {
                        addr: "/chronus/subscribe".to_owned(),
                        args: Vec::new(),
                    };
                    if let Err(reason) = state.link.command(target, message).await {
                        return Ok(failure(reason));
                    }
                    state.subscribed = Some(Instant::now());
                }
                // Whatever is on its way now: a short look, not a wait for news.
                while let Ok(Some(_)) = state.link.receive(Some(target), Duration::ZERO).await {}
                let news: Vec<Value> = state
                    .link
                    .take_news()
                    .iter()
                    .map(tools::reply_json)
                    .collect();
                Ok(text(json!({ "news": news }).to_string()))
            }
            name => {
                let target = self.target(state).await?;
                let Some(command) = state
                    .commands
                    .iter()
                    .find(|command| {
                        command["address"]
                            .as_str()
                            .is_some_and(|address| tools::tool_name(address) == name)
                    })
                    .cloned()
                else {
                    return Ok(failure(format!("no tool {name}")));
                };
                let message = match tools::message(&command, input) {
                    Ok(message) => message,
                    Err(reason) => return Ok(failure(reason)),
                };
                match state.link.command(target, message).await {
                    Ok(replies) => Ok(text(replies_text(&replies))),
                    Err(reason) => Ok(failure(reason)),
                }
            }
        }
    }
}

/// The replies to a command as the tool's text: `ok`, or the replies as JSON.
fn replies_text(replies: &[OscMessage]) -> String {
    match replies {
        [only] if only.addr == "/chronus/ok" => "ok".to_owned(),
        replies => Value::Array(replies.iter().map(tools::reply_json).collect()).to_string(),
    }
}

/// The `/chronus/query` replies as one JSON object: the slot's fields and a list of tracks,
/// each with its step details and lanes.
fn state_json(replies: &[OscMessage]) -> Value {
    let field = |reply: &OscMessage, index: usize| tools::reply_json(reply)["args"][index].clone();
    let mut state = json!({});
    let mut tracks: Vec<Value> = Vec::new();
    for reply in replies {
        match reply.addr.as_str() {
            "/chronus/state/slot" => {
                state = json!({
                    "slot": field(reply, 0), "playing_slot": field(reply, 1),
                    "requested_slot": field(reply, 2), "slot_quantize": field(reply, 3),
                    "swing_percent": field(reply, 4), "seed": field(reply, 5),
                    "scale_root": field(reply, 6), "scale": field(reply, 7),
                    "fill": field(reply, 8),
                });
            }
            "/chronus/state/track" => {
                let voice = (field(reply, 17) == json!(1)).then(|| {
                    json!({
                        "base_amp": field(reply, 18), "filter_freq": field(reply, 19),
                        "accent_boost": field(reply, 20), "reverb_send": field(reply, 21),
                        "delay_send": field(reply, 22),
                    })
                });
                tracks.push(json!({
                    "track": field(reply, 0), "name": field(reply, 1),
                    "pattern": field(reply, 2), "rate": field(reply, 3), "note": field(reply, 4),
                    "channel": field(reply, 5), "euclid": field(reply, 6),
                    "pulses": field(reply, 7), "rotation": field(reply, 8),
                    "mute": field(reply, 9), "solo": field(reply, 10),
                    "gate_percent": field(reply, 11), "osc_address": field(reply, 12),
                    "direction": field(reply, 13), "melodic": field(reply, 14),
                    "freq": field(reply, 15), "cycle": field(reply, 16),
                    "voice_profile": voice, "digest": field(reply, 23),
                    "steps": "", "lanes": [],
                }));
            }
            "/chronus/state/steps" => {
                if let Some(track) = tracks.iter_mut().find(|t| t["track"] == field(reply, 0)) {
                    track["steps"] = field(reply, 1);
                }
            }
            "/chronus/state/lane" => {
                let args = tools::reply_json(reply)["args"].clone();
                let values: Vec<Value> = args
                    .as_array()
                    .map_or_else(Vec::new, |args| args.iter().skip(10).cloned().collect());
                let lane = json!({
                    "lane": args[1], "midi": args[2], "cc": args[3], "osc_address": args[4],
                    "min": args[5], "max": args[6], "curve": args[7], "length": args[8],
                    "base": args[9], "values": values,
                });
                if let Some(track) = tracks.iter_mut().find(|t| t["track"] == args[0]) {
                    if let Some(lanes) = track["lanes"].as_array_mut() {
                        lanes.push(lane);
                    }
                }
            }
            _ => {}
        }
    }
    state["tracks"] = Value::Array(tracks);
    state
}

impl ServerHandler for ChronusServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_instructions(
            "Chronus Seq is a step sequencer plugin in the musician's DAW: 16 tracks of up to \
             64 steps, 16 pattern slots. Read the music with read_state (patterns as strings: \
             . rest, x hit, X accent, 1-9 velocity, _ tie; one character per step, a sixteenth \
             by default), change it with the chronus_* tools (chronus_pattern sets a track from \
             a pattern string), and pass quantize \"bar\" so a change lands on the next bar \
             line. chronus_check tries an edit without making it. read_changes tells what the \
             musician changed. Every edit is one undo step (chronus_undo).",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let mut state = self.state.lock().await;
        if state.commands.is_empty() {
            let _ = self.discover(&mut state).await;
        }
        let mut all = fixed_tools();
        all.extend(state.commands.iter().filter_map(tools::tool));
        Ok(ListToolsResult {
            tools: all,
            ..Default::default()
        })
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let input = request.arguments.unwrap_or_default();
        match self.call(&request.name, &input).await {
            Ok(response) => Ok(response),
            Err(reason) => Ok(failure(reason)),
        }
    }
}
