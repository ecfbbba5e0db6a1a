//! One datagram in, its OSC messages out, in order, or the reason it is malformed.
//!
//! Bundles are walked here, not by rosc, so their nesting depth is bounded before anything
//! recurses; each message is decoded by rosc. Bundle timetags are read past and ignored: every
//! message is handled as soon as it arrives. Argument arrays nested deeper than
//! [`MAX_ARRAY_DEPTH`] are refused before rosc builds them, so dropping a decoded message never
//! recurses deeply either. Validation is complete before any message is returned: a datagram is
//! either entirely well-formed or entirely refused.

use rosc::{decoder, OscError, OscMessage, OscPacket};

/// Longest datagram accepted, in bytes. The server receives into a buffer one byte longer, so
/// a longer (truncated) datagram is seen and refused.
pub const MAX_DATAGRAM: usize = 64 * 1024;
/// Deepest bundle nesting accepted: a bundle that is the whole datagram is depth 1.
pub const MAX_BUNDLE_DEPTH: usize = 8;
/// Deepest argument array nesting accepted.
pub const MAX_ARRAY_DEPTH: usize = 8;

/// A bundle starts with this OSC string.
const BUNDLE_TAG: &[u8] = b"#bundle\0";
/// The bundle tag and the 8-byte timetag.
const BUNDLE_HEADER: usize = 16;

/// The messages of `datagram` in order (bundle contents depth first, as they appear), or the
/// reason it is malformed (`malformed OSC packet: …`). Never panics.
pub(crate) fn decode(datagram: &[u8]) -> Result<Vec<OscMessage>, String> {
    let mut messages = Vec::new();
    let decoded = if datagram.len() > MAX_DATAGRAM {
        Err(format!("longer than {MAX_DATAGRAM} bytes"))
    } else {
        decode_element(datagram, 0, &mut messages)
    };
    match decoded {
        Ok(()) => Ok(messages),
        Err(reason) => Err(format!("malformed OSC packet: {reason}")),
    }
}

/// Decodes a datagram or bundle element found inside `depth` bundles.
fn decode_element(bytes: &[u8], depth: usize, out: &mut Vec<OscMessage>) -> Result<(), String> {
    if bytes.starts_with(BUNDLE_TAG) {
        decode_bundle(bytes, depth + 1, out)
    } else {
        out.push(decode_message(bytes)?);
        Ok(())
    }
}

/// Decodes the elements of a bundle that is nested `depth` deep.
fn decode_bundle(bytes: &[u8], depth: usize, out: &mut Vec<OscMessage>) -> Result<(), String> {
    if depth > MAX_BUNDLE_DEPTH {
        return Err(format!(
            "bundles nested deeper than {MAX_BUNDLE_DEPTH} levels"
        ));
    }
    let Some(mut rest) = bytes.get(BUNDLE_HEADER..) else {
        return Err("bundle shorter than its 16-byte header".to_owned());
    };
    while !rest.is_empty() {
        let Some((size, after)) = rest.split_first_chunk::<4>() else {
            return Err("bundle element size cut short".to_owned());
        };
        let size = u32::from_be_bytes(*size);
        if size % 4 != 0 {
            return Err(format!("bundle element size {size} is not a multiple of 4"));
        }
        let Some(element) = usize::try_from(size)
            .ok()
            .and_then(|size| after.get(..size))
        else {
            return Err(format!(
                "bundle element of {size} bytes runs past the end of the packet"
            ));
        };
        decode_element(element, depth, out)?;
        rest = after.get(element.len()..).unwrap_or_default();
    }
    Ok(())
}

/// Decodes one message that starts on a 4-byte boundary of the datagram (so rosc's padding,
/// counted from the slice start, matches the datagram's).
fn decode_message(bytes: &[u8]) -> Result<OscMessage, String> {
    let depth = array_depth(bytes);
    if depth > MAX_ARRAY_DEPTH {
        return Err(format!(
            "argument arrays nested deeper than {MAX_ARRAY_DEPTH} levels"
        ));
    }
    match decoder::decode_udp(bytes) {
        Ok(([], OscPacket::Message(message))) => Ok(message),
        Ok((rest, OscPacket::Message(message))) => Err(format!(
            "{} stray bytes after the message {}",
            rest.len(),
            message.addr
        )),
        Ok((_, OscPacket::Bundle(_))) => Err("unexpected bundle".to_owned()),
        Err(error) => Err(describe(&error)),
    }
}

/// rosc's error in words; its low-level read errors (a string without its terminating zero,
/// missing padding or argument bytes) say little on their own.
fn describe(error: &OscError) -> String {
    match error {
        OscError::ReadError(_) => {
            "cut short (a string without its terminating zero byte, or missing padding or \
             argument bytes)"
                .to_owned()
        }
        other => other.to_string(),
    }
}

/// The deepest `[` nesting in a message's type tag string, read the way rosc reads it (address
/// string, padding, type tag string whose first character is skipped); 0 if there is none.
fn array_depth(bytes: &[u8]) -> usize {
    let Some(address_end) = bytes.iter().position(|&byte| byte == 0) else {
        return 0;
    };
    let tags_start = (address_end + 1).next_multiple_of(4);
    let Some(tags) = bytes.get(tags_start..) else {
        return 0;
    };
    let (mut depth, mut deepest) = (0usize, 0usize);
    for &tag in tags.iter().skip(1).take_while(|&&byte| byte != 0) {
        match tag {
            b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rosc::{encoder, OscArray, OscBundle, OscTime, OscType};

    pub(crate) fn message(address: &str, args: Vec<OscType>) -> OscPacket {
        OscPacket::Message(OscMessage {
            addr: address.to_owned(),
            args,
        })
    }

    pub(crate) fn bundle(content: Vec<OscPacket>) -> OscPacket {
        OscPacket::Bundle(OscBundle {
            timetag: OscTime {
                seconds: 0,
                fractional: 1,
            },
            content,
        })
    }

    pub(crate) fn encode(packet: &OscPacket) -> Vec<u8> {
        encoder::encode(packet).unwrap()
    }

    fn addresses(bytes: &[u8]) -> Vec<String> {
        decode(bytes)
            .unwrap()
            .into_iter()
            .map(|message| message.addr)
            .collect()
    }

    /// `depth` bundles around one message.
    fn nested(depth: usize) -> OscPacket {
        (0..depth).fold(message("/deep", vec![]), |inner, _| bundle(vec![inner]))
    }

    /// A message whose one argument is `depth` nested arrays.
    fn arrays(depth: usize) -> OscPacket {
        let arg = (0..depth).fold(OscType::Int(1), |inner, _| {
            OscType::Array(OscArray {
                content: vec![inner],
            })
        });
        message("/arrays", vec![arg])
    }

    #[test]
    fn message_decodes() {
        let bytes = encode(&message("/seq/play", vec![OscType::Int(3)]));
        let messages = decode(&bytes).unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].addr, "/seq/play");
        assert_eq!(messages[0].args, vec![OscType::Int(3)]);
    }

    #[test]
    fn bundles_flatten_in_order() {
        let packet = bundle(vec![
            message("/a", vec![]),
            bundle(vec![message("/b", vec![]), message("/c", vec![])]),
            message("/d", vec![]),
        ]);
        assert_eq!(addresses(&encode(&packet)), ["/a", "/b", "/c", "/d"]);
        assert!(decode(&encode(&bundle(vec![]))).unwrap().is_empty());
    }

    #[test]
    fn bundle_depth_is_limited() {
        assert_eq!(addresses(&encode(&nested(MAX_BUNDLE_DEPTH))), ["/deep"]);
        let error = decode(&encode(&nested(MAX_BUNDLE_DEPTH + 1))).unwrap_err();
        assert!(
            error.contains("bundles nested deeper than 8 levels"),
            "{error}"
        );
    }

    #[test]
    fn very_deep_bundles_do_not_overflow_the_stack() {
        let mut bytes = Vec::new();
        let levels = (MAX_DATAGRAM - 8) / 20;
        for level in 0..levels {
            bytes.extend_from_slice(BUNDLE_TAG);
            bytes.extend_from_slice(&[0; 8]);
            let inner = (levels - level - 1) * 20;
            bytes.extend_from_slice(&u32::try_from(inner).unwrap().to_be_bytes());
        }
        assert!(decode(&bytes).unwrap_err().contains("nested deeper"));
    }

    #[test]
    fn array_depth_is_limited() {
        assert_eq!(decode(&encode(&arrays(MAX_ARRAY_DEPTH))).unwrap().len(), 1);
        let error = decode(&encode(&arrays(MAX_ARRAY_DEPTH + 1))).unwrap_err();
        assert!(error.contains("arrays nested deeper"), "{error}");
        let mut deep = b"/x\0\0,".to_vec();
        deep.extend(std::iter::repeat_n(b'[', 30_000));
        deep.extend(std::iter::repeat_n(b']', 30_000));
        deep.extend_from_slice(&[0; 3]);
        assert!(decode(&deep).unwrap_err().contains("arrays nested deeper"));
    }

    #[test]
    fn malformed_input_is_refused_with_a_reason() {
        for bytes in [
            &b""[..],
            b"hello",
            b"/a\0\0",
            b"/a\0\0,i\0\0\0\0",
            b"#bundle\0\0\0",
            b"#bundle\0\0\0\0\0\0\0\0\0\0\0\0\x05/a\0\0,\0\0\0",
            b"#bundle\0\0\0\0\0\0\0\0\0\0\0\0\x0c/a\0\0,\0\0\0",
            b"#bundle\0\0\0\0\0\0\0\0\0\0\0",
            b"#bundle\0\0\0\0\0\0\0\0\0\0\0\0\0",
            b"/a\0\0,\0\0\0junk",
        ] {
            let error = decode(bytes).unwrap_err();
            assert!(
                error.starts_with("malformed OSC packet: "),
                "{bytes:?}: {error}"
            );
        }
    }

    #[test]
    fn over_long_packet_is_refused() {
        let mut bytes = encode(&message("/a", vec![OscType::Blob(vec![0; MAX_DATAGRAM])]));
        assert!(decode(&bytes).unwrap_err().contains("longer than 65536"));
        bytes.truncate(MAX_DATAGRAM + 1);
        assert!(decode(&bytes).unwrap_err().contains("longer than 65536"));
    }
}
