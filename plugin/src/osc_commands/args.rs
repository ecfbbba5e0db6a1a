//! Reading the arguments of one OSC message, with errors that say which argument is wrong and
//! why. Numbers may arrive as any OSC number type (python-osc sends Python ints as `i` and floats
//! as `f`); a whole number must be whole.

use std::ops::RangeInclusive;

use rosc::{OscMessage, OscType};

use crate::osc_in::CommandError;

/// Longest string argument accepted, in bytes.
pub const MAX_STRING_BYTES: usize = 1_024;

/// A cursor over the arguments of one message.
pub struct Args<'a> {
    message: &'a OscMessage,
    next: usize,
}

impl<'a> Args<'a> {
    /// Reads `message` from its first argument.
    pub fn new(message: &'a OscMessage) -> Args<'a> {
        Args { message, next: 0 }
    }

    /// An error about this message.
    pub fn error(&self, reason: impl Into<String>) -> CommandError {
        CommandError::new(self.message.addr.clone(), reason)
    }

    /// A refusal by the edit layer, as an error about this message.
    pub fn refused(&self, error: crate::edit::EditError) -> CommandError {
        self.error(error.reason)
    }

    /// The address of the message.
    pub fn address(&self) -> &'a str {
        &self.message.addr
    }

    /// Number of arguments not read yet.
    pub fn remaining(&self) -> usize {
        self.message.args.len().saturating_sub(self.next)
    }

    fn take(&mut self, name: &str) -> Result<&'a OscType, CommandError> {
        let argument = self.message.args.get(self.next).ok_or_else(|| {
            self.error(format!(
                "missing argument {} ({name}); {} given",
                self.next + 1,
                self.message.args.len()
            ))
        })?;
        self.next += 1;
        Ok(argument)
    }

    fn number(&mut self, name: &str) -> Result<f64, CommandError> {
        let position = self.next + 1;
        let value = match self.take(name)? {
            OscType::Int(value) => f64::from(*value),
            OscType::Long(value) => *value as f64,
            OscType::Float(value) => f64::from(*value),
            OscType::Double(value) => *value,
            OscType::Bool(value) => f64::from(u8::from(*value)),
            other => {
                return Err(self.error(format!(
                    "argument {position} ({name}) must be a number, not {}",
                    type_name(other)
                )))
            }
        };
        if value.is_finite() {
            Ok(value)
        } else {
            Err(self.error(format!("argument {position} ({name}) is not finite")))
        }
    }

    /// A whole number in `low..=high`.
    pub fn int(&mut self, name: &str, low: i64, high: i64) -> Result<i64, CommandError> {
        let position = self.next + 1;
        let value = self.number(name)?;
        if value.fract() != 0.0 {
            return Err(self.error(format!(
                "argument {position} ({name}) must be a whole number, not {value}"
            )));
        }
        if value < low as f64 || value > high as f64 {
            return Err(self.error(format!(
                "argument {position} ({name}) is {value}; it must be {low}–{high}"
            )));
        }
        Ok(value as i64)
    }

    /// A number in `low..=high`.
    pub fn float(&mut self, name: &str, low: f64, high: f64) -> Result<f64, CommandError> {
        let position = self.next + 1;
        let value = self.number(name)?;
        if !(low..=high).contains(&value) {
            return Err(self.error(format!(
                "argument {position} ({name}) is {value}; it must be {low}–{high}"
            )));
        }
        Ok(value)
    }

    /// A whole number in `range` (one of the ranges in `edit::values`).
    pub fn ranged(&mut self, name: &str, range: &RangeInclusive<i64>) -> Result<i64, CommandError> {
        self.int(name, *range.start(), *range.end())
    }

    /// A 1-based index in `1..=count`, returned 0-based.
    pub fn index(&mut self, name: &str, count: usize) -> Result<usize, CommandError> {
        Ok(self.int(name, 1, count as i64)? as usize - 1)
    }

    /// An on/off flag: a number (0 is off) or `true`/`false`.
    pub fn flag(&mut self, name: &str) -> Result<bool, CommandError> {
        Ok(self.float(name, f64::MIN, f64::MAX)? != 0.0)
    }

    /// A string of at most [`MAX_STRING_BYTES`] bytes.
    pub fn string(&mut self, name: &str) -> Result<&'a str, CommandError> {
        let position = self.next + 1;
        match self.take(name)? {
            OscType::String(text) if text.len() <= MAX_STRING_BYTES => Ok(text),
            OscType::String(text) => Err(self.error(format!(
                "argument {position} ({name}) is {} bytes long; at most {MAX_STRING_BYTES}",
                text.len()
            ))),
            other => Err(self.error(format!(
                "argument {position} ({name}) must be a string, not {}",
                type_name(other)
            ))),
        }
    }

    /// A string or a number, as text (Music Chronus takes ids and note lists either way).
    pub fn text(&mut self, name: &str) -> Result<String, CommandError> {
        let position = self.next + 1;
        match self.message.args.get(self.next) {
            Some(OscType::Int(value)) => {
                self.next += 1;
                Ok(value.to_string())
            }
            Some(OscType::Long(value)) => {
                self.next += 1;
                Ok(value.to_string())
            }
            Some(OscType::Float(_) | OscType::Double(_)) => {
                let value = self.number(name)?;
                Ok(value.to_string())
            }
            _ => self.string(name).map(str::to_owned).map_err(|error| {
                CommandError::new(
                    error.address,
                    format!("argument {position} ({name}) must be a string or a number"),
                )
            }),
        }
    }

    /// The arguments not read yet, all of them (they count as read).
    pub fn rest(&mut self) -> &'a [OscType] {
        let rest = self.message.args.get(self.next..).unwrap_or(&[]);
        self.next = self.message.args.len();
        rest
    }

    /// Fails when arguments are left over.
    pub fn finish(&self) -> Result<(), CommandError> {
        if self.remaining() > 0 {
            return Err(self.error(format!(
                "{} arguments given; at most {} expected",
                self.message.args.len(),
                self.next
            )));
        }
        Ok(())
    }
}

/// The OSC name of an argument's type, for error messages.
fn type_name(argument: &OscType) -> &'static str {
    match argument {
        OscType::Int(_) => "an int",
        OscType::Float(_) => "a float",
        OscType::String(_) => "a string",
        OscType::Blob(_) => "a blob",
        OscType::Time(_) => "a timetag",
        OscType::Long(_) => "a long",
        OscType::Double(_) => "a double",
        OscType::Char(_) => "a char",
        OscType::Color(_) => "a colour",
        OscType::Midi(_) => "a MIDI message",
        OscType::Bool(_) => "a bool",
        OscType::Array(_) => "an array",
        OscType::Nil => "nil",
        OscType::Inf => "infinitum",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(args: Vec<OscType>) -> OscMessage {
        OscMessage {
            addr: "/chronus/test".to_owned(),
            args,
        }
    }

    #[test]
    fn numbers_of_any_type_are_read_and_checked() {
        let msg = message(vec![
            OscType::Float(3.0),
            OscType::Int(7),
            OscType::Double(0.25),
        ]);
        let mut args = Args::new(&msg);
        assert_eq!(args.index("track", 16), Ok(2));
        assert_eq!(args.int("step", 1, 64), Ok(7));
        assert_eq!(args.float("swing", 0.0, 1.0), Ok(0.25));
        assert!(args.finish().is_ok());
    }

    #[test]
    fn errors_name_the_argument_and_the_rule() {
        let msg = message(vec![OscType::Float(2.5), OscType::Int(99)]);
        let error = Args::new(&msg).int("track", 1, 16).unwrap_err();
        assert_eq!(error.address, "/chronus/test");
        assert!(error
            .reason
            .contains("argument 1 (track) must be a whole number"));
        let mut args = Args::new(&msg);
        args.float("x", 0.0, 10.0).expect("2.5 fits");
        let error = args.int("velocity", 1, 16).unwrap_err();
        assert!(error
            .reason
            .contains("argument 2 (velocity) is 99; it must be 1–16"));
        let error = args.string("pattern").unwrap_err();
        assert!(error
            .reason
            .contains("missing argument 3 (pattern); 2 given"));

        let text = message(vec![OscType::String("x".repeat(MAX_STRING_BYTES + 1))]);
        let error = Args::new(&text).string("pattern").unwrap_err();
        assert!(error.reason.contains("bytes long"));
        let blob = message(vec![OscType::Blob(vec![1])]);
        let error = Args::new(&blob).int("track", 1, 16).unwrap_err();
        assert!(error.reason.contains("must be a number, not a blob"));
        let nan = message(vec![OscType::Float(f32::NAN)]);
        assert!(Args::new(&nan).float("swing", 0.0, 1.0).is_err());
        let extra = message(vec![OscType::Int(1), OscType::Int(2)]);
        let mut args = Args::new(&extra);
        args.int("a", 0, 9).expect("fits");
        assert!(args
            .finish()
            .unwrap_err()
            .reason
            .contains("2 arguments given"));
    }

    #[test]
    fn text_takes_strings_and_numbers() {
        let msg = message(vec![OscType::Int(3), OscType::String("kick".to_owned())]);
        let mut args = Args::new(&msg);
        assert_eq!(args.text("id").as_deref(), Ok("3"));
        assert_eq!(args.text("id").as_deref(), Ok("kick"));
    }
}
