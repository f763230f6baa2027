use crate::error::ActorError;
use crate::message::Message;
use crate::protocol::Payload;
use serde_json::Value;

/// The flow runtime's documented cap on array inputs. Stream bytes are bytes, not items, and are
/// bounded by the memory limit instead.
pub const MAX_ARRAY_ITEMS: usize = 10_000;

/// Rejects a payload with an array over [`MAX_ARRAY_ITEMS`] anywhere in it, naming where.
pub fn validate_payload(payload: &Payload) -> Result<(), ActorError> {
    for (port, message) in payload {
        let path = format!("payload.{port}");
        match message {
            Message::Array(items) => check_array(&path, items)?,
            Message::Event(value) | Message::Object(value) | Message::Any(value) => check_value(&path, value)?,
            Message::Optional(Some(value)) => check_value(&path, value)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_array(path: &str, items: &[Value]) -> Result<(), ActorError> {
    if items.len() > MAX_ARRAY_ITEMS {
        return Err(ActorError::ArrayTooLarge { path: path.to_string(), items: items.len(), limit: MAX_ARRAY_ITEMS });
    }
    items.iter().enumerate().try_for_each(|(i, item)| check_value(&format!("{path}[{i}]"), item))
}

fn check_value(path: &str, value: &Value) -> Result<(), ActorError> {
    match value {
        Value::Array(items) => check_array(path, items),
        Value::Object(fields) => fields.iter().try_for_each(|(key, item)| check_value(&format!("{path}.{key}"), item)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(port: &str, message: Message) -> Payload {
        [(port.to_string(), message)].into()
    }

    #[test]
    fn arrays_up_to_the_cap_pass_and_one_more_is_refused() {
        let at_cap = vec![json!(0); MAX_ARRAY_ITEMS];
        assert_eq!(validate_payload(&payload("in", Message::Array(at_cap.clone()))), Ok(()));
        let mut over = at_cap;
        over.push(json!(0));
        let error = validate_payload(&payload("in", Message::Array(over))).unwrap_err();
        assert_eq!(error.to_string(), "payload.in: array of 10001 items is over the limit of 10000");
    }

    #[test]
    fn nested_arrays_are_found_and_named() {
        let nested = json!({"rows": [[0], vec![1; MAX_ARRAY_ITEMS + 5]]});
        let error = validate_payload(&payload("table", Message::Object(nested))).unwrap_err();
        assert!(
            matches!(error, ActorError::ArrayTooLarge { ref path, items: 10005, .. } if path == "payload.table.rows[1]")
        );
    }

    #[test]
    fn streams_are_bytes_not_items() {
        assert_eq!(validate_payload(&payload("bytes", Message::Stream(vec![1; MAX_ARRAY_ITEMS * 4]))), Ok(()));
    }
}
