//! Tools from the plugin's self-description: every command of `/chronus/schema` becomes a tool
//! whose input schema is made from the command's arguments (types, ranges, choices, meaning),
//! and a tool call's JSON arguments become the command's OSC arguments in order.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool};
use rosc::{OscMessage, OscType};
use serde_json::{json, Map, Value};

/// Commands not offered as tools: the server itself uses them (`list_instances` pings,
/// `read_changes` subscribes).
const NOT_TOOLS: &[&str] = &[
    "/chronus/schema",
    "/chronus/ping",
    "/chronus/subscribe",
    "/chronus/unsubscribe",
];

/// The property holding the repeated arguments of a command (as an array).
pub const REPEAT_PROPERTY: &str = "items";
/// The property for the quantize option of edit commands.
pub const QUANTIZE_PROPERTY: &str = "quantize";

/// The tool name of a command address: `/chronus/step/on` → `chronus_step_on`.
pub fn tool_name(address: &str) -> String {
    address.trim_start_matches('/').replace('/', "_")
}

/// The JSON schema of one argument.
fn argument_schema(arg: &Value) -> Value {
    let meaning = arg["meaning"].as_str().unwrap_or_default();
    let mut schema = match arg["type"].as_str().unwrap_or_default() {
        "int" => json!({ "type": "integer", "minimum": arg["min"], "maximum": arg["max"] }),
        "float" => json!({ "type": "number", "minimum": arg["min"], "maximum": arg["max"] }),
        "flag" => json!({ "type": "boolean" }),
        "string_or_number" => json!({ "type": ["string", "number"] }),
        _ => match arg.get("values") {
            Some(values) => json!({ "type": "string", "enum": values }),
            None => json!({ "type": "string", "maxLength": arg["max_bytes"] }),
        },
    };
    schema["description"] = Value::String(meaning.to_owned());
    schema
}

/// The arguments of `command`: the plain ones, and the group that repeats (from the first
/// repeating argument to the end), if any.
fn split_args(command: &Value) -> (Vec<Value>, Vec<Value>) {
    let args = command["args"].as_array().cloned().unwrap_or_default();
    match args.iter().position(|arg| arg["repeats"] == true) {
        Some(first) => (args[..first].to_vec(), args[first..].to_vec()),
        None => (args, Vec::new()),
    }
}

/// The tool for one command of the schema, or `None` for the commands the server keeps.
pub fn tool(command: &Value) -> Option<Tool> {
    let address = command["address"].as_str()?;
    if NOT_TOOLS.contains(&address) {
        return None;
    }
    let (plain, repeated) = split_args(command);
    let mut properties = Map::new();
    let mut required = Vec::new();
    for arg in &plain {
        let name = arg["name"].as_str()?.replace(' ', "_");
        if arg["optional"] != true {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, argument_schema(arg));
    }
    if !repeated.is_empty() {
        let item = if repeated.len() == 1 {
            argument_schema(&repeated[0])
        } else {
            let mut fields = Map::new();
            for arg in &repeated {
                fields.insert(
                    arg["name"].as_str()?.replace(' ', "_"),
                    argument_schema(arg),
                );
            }
            let names: Vec<Value> = fields.keys().cloned().map(Value::String).collect();
            json!({ "type": "object", "properties": fields, "required": names })
        };
        properties.insert(
            REPEAT_PROPERTY.to_owned(),
            json!({ "type": "array", "items": item, "description": "repeated arguments, in order" }),
        );
        if repeated[0]["optional"] != true {
            required.push(Value::String(REPEAT_PROPERTY.to_owned()));
        }
    }
    let edit = command["edit"] == true;
    if edit {
        properties.insert(
            QUANTIZE_PROPERTY.to_owned(),
            json!({
                "type": "string",
                "enum": ["now", "step", "bar"],
                "description": "when the change is heard: at once (default), from the next \
                                sixteenth, or from the next bar line of the host transport"
            }),
        );
    }
    let schema = json!({ "type": "object", "properties": properties, "required": required });
    let mut description = command["summary"].as_str().unwrap_or_default().to_owned();
    description.push_str(&format!(" (OSC {address}"));
    if edit {
        description.push_str("; an edit: one undo step");
    }
    description.push(')');
    let Value::Object(schema) = schema else {
        return None;
    };
    let schema: Arc<JsonObject> = Arc::new(schema);
    Some(Tool::new(tool_name(address), description, schema))
}

/// One JSON value as the OSC argument `arg` describes.
fn osc_value(arg: &Value, value: &Value) -> Result<OscType, String> {
    let name = arg["name"].as_str().unwrap_or("argument");
    let wrong = || format!("{name}: {value} does not fit ({})", arg["type"]);
    Ok(match (arg["type"].as_str().unwrap_or_default(), value) {
        ("int", Value::Number(n)) => match n.as_i64() {
            Some(v) if i32::try_from(v).is_ok() => OscType::Int(v as i32),
            Some(v) => OscType::Long(v),
            None => OscType::Double(n.as_f64().ok_or_else(wrong)?),
        },
        ("float", Value::Number(n)) => OscType::Double(n.as_f64().ok_or_else(wrong)?),
        ("flag", Value::Bool(on)) => OscType::Int(i32::from(*on)),
        ("flag", Value::Number(n)) => OscType::Int(i32::from(n.as_f64() != Some(0.0))),
        ("string_or_number", Value::Number(n)) => match n.as_i64() {
            Some(v) => OscType::Long(v),
            None => OscType::Double(n.as_f64().ok_or_else(wrong)?),
        },
        (_, Value::String(text)) => OscType::String(text.clone()),
        _ => return Err(wrong()),
    })
}

/// The OSC message for a call of `command`'s tool with `input`.
pub fn message(command: &Value, input: &JsonObject) -> Result<OscMessage, String> {
    let address = command["address"].as_str().unwrap_or_default().to_owned();
    let (plain, repeated) = split_args(command);
    let mut args = Vec::new();
    for arg in &plain {
        let key = arg["name"].as_str().unwrap_or_default().replace(' ', "_");
        match input.get(&key) {
            Some(value) => args.push(osc_value(arg, value)?),
            None if arg["optional"] == true => break,
            None => return Err(format!("missing argument {key}")),
        }
    }
    if let Some(Value::Array(items)) = input.get(REPEAT_PROPERTY) {
        for item in items {
            if repeated.len() == 1 {
                args.push(osc_value(&repeated[0], item)?);
                continue;
            }
            for arg in &repeated {
                let key = arg["name"].as_str().unwrap_or_default().replace(' ', "_");
                let value = item.get(&key).ok_or(format!("an item lacks {key}"))?;
                args.push(osc_value(arg, value)?);
            }
        }
    }
    match input.get(QUANTIZE_PROPERTY) {
        Some(Value::String(quantize)) if command["edit"] == true => {
            args.push(OscType::String(format!("quantize={quantize}")));
        }
        Some(_) if command["edit"] == true => return Err("quantize must be a string".to_owned()),
        _ => {}
    }
    Ok(OscMessage {
        addr: address,
        args,
    })
}

/// A reply's arguments as JSON (a string holding a JSON object is read as one).
pub fn reply_json(reply: &OscMessage) -> Value {
    let args: Vec<Value> = reply
        .args
        .iter()
        .map(|arg| match arg {
            OscType::Int(v) => json!(v),
            OscType::Long(v) => json!(v),
            OscType::Float(v) => json!(v),
            OscType::Double(v) => json!(v),
            OscType::Bool(v) => json!(v),
            OscType::String(text) => serde_json::from_str::<Value>(text)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| json!(text)),
            other => json!(format!("{other:?}")),
        })
        .collect();
    json!({ "address": reply.addr, "args": args })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_group_becomes_an_array_of_objects() {
        let command = json!({
            "address": "/chronus/replace", "summary": "s", "edit": true,
            "args": [
                { "name": "track", "type": "int", "min": 1, "max": 16, "meaning": "t", "repeats": true },
                { "name": "pattern", "type": "string", "max_bytes": 1024, "meaning": "p" },
            ],
        });
        let tool = tool(&command).expect("a tool");
        assert_eq!(tool.name, "chronus_replace");
        let input = json!({ "items": [ { "track": 1, "pattern": "x..." }, { "track": 2, "pattern": "..x." } ], "quantize": "bar" });
        let Value::Object(input) = input else {
            unreachable!()
        };
        let message = message(&command, &input).expect("a message");
        assert_eq!(
            message.args,
            vec![
                OscType::Int(1),
                OscType::String("x...".into()),
                OscType::Int(2),
                OscType::String("..x.".into()),
                OscType::String("quantize=bar".into()),
            ]
        );
    }
}
