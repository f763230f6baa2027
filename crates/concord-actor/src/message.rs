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
    fn stream_is_an_array_of_numbers() {
        let json = serde_json::to_value(Message::Stream(vec![0, 7, 255])).unwrap();
        assert_eq!(json, json!({"type": "Stream", "data": [0, 7, 255]}));
        assert!(serde_json::from_value::<Message>(json!({"type": "Stream", "data": [256]})).is_err());
    }
}
