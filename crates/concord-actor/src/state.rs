use crate::error::ActorError;
use crate::protocol::State;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How the host folds an actor's state update into the state it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatePolicy {
    /// The flow runtime's behaviour: a returned object replaces the whole state, so keys the actor
    /// leaves out are gone; `null` leaves the state as it was.
    #[default]
    Replace,
    /// Keys in the returned object overwrite, a key set to `null` is deleted, the rest stay.
    Merge,
}

impl StatePolicy {
    /// Folds the `state` field of an `ActorResult` into `state`.
    pub fn apply_result(self, state: &mut State, update: Option<&Value>) -> Result<(), ActorError> {
        match update {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Object(update)) => {
                match self {
                    StatePolicy::Replace => *state = update.clone(),
                    StatePolicy::Merge => {
                        for (key, value) in update {
                            self.apply_set(state, key, value.clone());
                        }
                    }
                }
                Ok(())
            }
            Some(other) => Err(ActorError::StateNotObject(other.to_string())),
        }
    }

    /// One key set through `__set_state` during a call. Under `replace` a null is stored, as the
    /// flow runtime stores it; under `merge` it deletes the key.
    pub fn apply_set(self, state: &mut State, key: &str, value: Value) {
        match (self, value) {
            (StatePolicy::Merge, Value::Null) => {
                state.remove(key);
            }
            (_, value) => {
                state.insert(key.to_string(), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(value: Value) -> State {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn replace_drops_keys_left_out_and_null_keeps_everything() {
        let mut s = state(json!({"a": 1, "b": 2}));
        StatePolicy::Replace.apply_result(&mut s, Some(&json!({"b": 3}))).unwrap();
        assert_eq!(s, state(json!({"b": 3})));
        StatePolicy::Replace.apply_result(&mut s, Some(&Value::Null)).unwrap();
        StatePolicy::Replace.apply_result(&mut s, None).unwrap();
        assert_eq!(s, state(json!({"b": 3})));
    }

    #[test]
    fn merge_overwrites_and_deletes_explicitly() {
        let mut s = state(json!({"a": 1, "b": 2, "c": 3}));
        StatePolicy::Merge.apply_result(&mut s, Some(&json!({"b": 20, "c": null, "d": 4}))).unwrap();
        assert_eq!(s, state(json!({"a": 1, "b": 20, "d": 4})));
    }

    #[test]
    fn a_state_that_is_not_an_object_is_an_error() {
        let mut s = state(json!({"a": 1}));
        for policy in [StatePolicy::Replace, StatePolicy::Merge] {
            assert!(policy.apply_result(&mut s, Some(&json!([1]))).is_err());
        }
        assert_eq!(s, state(json!({"a": 1})));
    }
}
