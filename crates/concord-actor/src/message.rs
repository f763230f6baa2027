use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One message on a port: serde-tagged `{"type": ..., "data": ...}`, as the flow runtime sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Message {
    /// A bare signal. The runtime writes `"data": null`; both forms are read.
    Flow,
    Event(Value),
    Boolean(bool),
    Integer(i64),
    Float(f64),
    String(String),
    Object(Value),
    Array(Vec<Value>),
    /// Bytes, as a JSON array of numbers.
    Stream(Vec<u8>),
    Optional(Option<Value>),
    Any(Value),
    Error(String),
}

impl Message {
    /// A plain JSON value as the flow runtime turns it into a message: null an empty optional,
    /// then by JSON type.
    pub fn from_plain(value: Value) -> Message {
        match value {
            Value::Null => Message::Optional(None),
            Value::Bool(b) => Message::Boolean(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Message::Integer(i),
                None => Message::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Message::String(s),
            Value::Array(items) => Message::Array(items),
            object @ Value::Object(_) => Message::Object(object),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flow_reads_with_or_without_data() {
        for text in [r#"{"type":"Flow"}"#, r#"{"type":"Flow","data":null}"#] {
            assert_eq!(serde_json::from_str::<Message>(text).unwrap(), Message::Flow, "{text}");
        }
    }

    #[test]
    fn plain_values_become_messages_by_their_json_type() {
        let cases = [
            (json!(null), Message::Optional(None)),
            (json!(true), Message::Boolean(true)),
            (json!(66), Message::Integer(66)),
            (json!(-1.5), Message::Float(-1.5)),
            (json!("working"), Message::String("working".into())),
            (json!([1, "a"]), Message::Array(vec![json!(1), json!("a")])),
            (json!({"k": 1}), Message::Object(json!({"k": 1}))),
        ];
        for (value, message) in cases {
            assert_eq!(Message::from_plain(value.clone()), message, "{value}");
        }
    }

    #[test]
    fn stream_is_an_array_of_numbers() {
        let json = serde_json::to_value(Message::Stream(vec![0, 7, 255])).unwrap();
        assert_eq!(json, json!({"type": "Stream", "data": [0, 7, 255]}));
        assert!(serde_json::from_value::<Message>(json!({"type": "Stream", "data": [256]})).is_err());
    }
}
