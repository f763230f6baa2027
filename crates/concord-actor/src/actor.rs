use crate::error::ActorError;
use crate::host::{StepScope, host_functions, in_scope};
use crate::limits::memory_limit;
use crate::message::Message;
use crate::protocol::{ActorContext, Payload, RuntimeConfig, Sends, State};
use crate::state::StatePolicy;
use crate::validate::validate_payload;
use base64::Engine as _;
use concord_engine::{CpuBudget, Instance, InstanceConfig, KernelRules, MemoryLimit, MemoryLimitRule, Module, Outcome};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Whether each message gets a new instance (the flow runtime's way) or one instance lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Fresh,
    /// One instance for every step; after a step that fails, the next starts a new one, as a
    /// runtime restarts a crashed actor.
    Persistent,
}

/// How an actor is hosted. The defaults are the flow runtime's: a fresh instance per message,
/// plain `__send_output` values, a returned state replacing the whole state, and an error ending
/// the actor.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActorSpec {
    pub export: String,
    pub policy: StatePolicy,
    pub mode: Mode,
    pub sends: Sends,
    /// After a step that fails, start the next on a new instance (a supervisor's restart) instead
    /// of ending the actor as the flow runtime does.
    pub restart_after_error: bool,
    /// The actor's config (its metadata, `config.config` in every context); `memory_limit_mb`
    /// sets its limit.
    pub config: Map<String, Value>,
    pub node_id: String,
    pub component: String,
    pub resolved_env: Map<String, Value>,
    pub namespace: Option<String>,
    #[serde(skip)]
    pub cpu: CpuBudget,
    /// Run without the policy's memory limit, as an engine that enforces none would: what a
    /// conformance tool compares such an engine with. Never read from a spec.
    #[serde(skip)]
    pub without_memory_limit: bool,
    /// What a grow past the limit does, for a reference that follows another host's rule (see
    /// [`MemoryLimitRule`]). Never read from a spec.
    #[serde(skip)]
    pub memory_limit_rule: MemoryLimitRule,
    /// Whose rules the kernel follows, for a reference that follows another host's (see
    /// [`KernelRules`]). Never read from a spec.
    #[serde(skip)]
    pub kernel_rules: KernelRules,
}

impl ActorSpec {
    pub fn new(export: impl Into<String>) -> Self {
        ActorSpec { export: export.into(), node_id: "node".into(), component: "actor".into(), ..ActorSpec::default() }
    }

    /// The `config` of every context this actor gets.
    pub fn runtime_config(&self) -> RuntimeConfig {
        RuntimeConfig {
            node_id: self.node_id.clone(),
            component: self.component.clone(),
            resolved_env: self.resolved_env.clone(),
            config: self.config.clone(),
            namespace: self.namespace.clone(),
        }
    }

    /// Runs the actor under `limit`, given as its config's `memory_limit_mb` (rounded up to whole
    /// MiB, so the actor never gets less), or under none at all.
    pub fn set_memory_limit(&mut self, limit: Option<MemoryLimit>) {
        match limit {
            None => self.without_memory_limit = true,
            Some(limit) => {
                self.config.insert(crate::MEMORY_LIMIT_KEY.into(), limit.mib_rounded_up().into());
            }
        }
    }

    /// The engine configuration the limit policy gives this actor.
    pub fn instance_config(&self) -> Result<InstanceConfig, ActorError> {
        let limit = memory_limit(&self.config)?;
        let mut config = match self.without_memory_limit {
            true => InstanceConfig::default(),
            false => InstanceConfig::default().with_memory_limit(limit),
        };
        config.cpu = self.cpu;
        config.memory_limit_rule = self.memory_limit_rule;
        config.kernel_rules = self.kernel_rules;
        config.host_functions = host_functions();
        Ok(config)
    }
}

/// What one step did, in terms every engine must agree on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StepRecord {
    /// `process` returned an `ActorResult`; `state` is the host's state after the policy.
    Returned { sent: Vec<Payload>, outputs: Payload, state: State },
    /// The host refused the input or the actor's config; the actor did not run.
    Rejected { reason: String, state: State },
    /// The call returned, but not a result the protocol accepts.
    Invalid { reason: String, sent: Vec<Payload>, state: State },
    /// The call did not return (normalized outcome).
    Failed { outcome: Outcome, sent: Vec<Payload>, state: State },
}

/// One actor on one engine: feeds it messages and keeps its state between them.
pub struct Actor {
    module: Arc<dyn Module>,
    spec: ActorSpec,
    config: Result<InstanceConfig, ActorError>,
    instance: Option<Box<dyn Instance>>,
    state: State,
    memory_pages: Option<u64>,
    /// Why the actor ended, once a step failed (unless it restarts after errors).
    ended: Option<String>,
    /// The last call's outcome in full: a step record keeps it normalized, for comparing.
    last_outcome: Option<Outcome>,
}

impl Actor {
    pub fn new(module: Arc<dyn Module>, spec: ActorSpec) -> Self {
        let config = spec.instance_config();
        Actor {
            module,
            spec,
            config,
            instance: None,
            state: State::new(),
            memory_pages: None,
            ended: None,
            last_outcome: None,
        }
    }

    /// The actor with `state` as its state before the first message.
    pub fn with_state(mut self, state: State) -> Self {
        self.state = state;
        self
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// The last call's outcome with its detail (which kernel function refused what), where a
    /// step's record keeps only its kind; `None` when the last step made no call.
    pub fn last_outcome(&self) -> Option<&Outcome> {
        self.last_outcome.as_ref()
    }

    /// Linear-memory pages after the last call, where the engine shows them.
    pub fn memory_pages(&self) -> Option<u64> {
        self.memory_pages
    }

    /// Delivers one message set and applies what the actor did.
    pub fn step(&mut self, payload: Payload) -> StepRecord {
        if let Some(ended) = &self.ended {
            return StepRecord::Rejected { reason: ended.clone(), state: self.state.clone() };
        }
        let record = self.run(payload);
        if !self.spec.restart_after_error {
            self.ended = match &record {
                StepRecord::Failed { outcome, .. } => Some(format!("the actor ended when a step failed ({outcome})")),
                StepRecord::Invalid { reason, .. } => Some(format!("the actor ended on an invalid result ({reason})")),
                _ => None,
            };
        }
        record
    }

    fn run(&mut self, payload: Payload) -> StepRecord {
        self.last_outcome = None;
        let config = match self.config.clone().and_then(|config| validate_payload(&payload).map(|()| config)) {
            Ok(config) => config,
            Err(error) => return StepRecord::Rejected { reason: error.to_string(), state: self.state.clone() },
        };
        let mut instance = match self.instance.take() {
            Some(instance) => instance,
            None => match self.module.instantiate(&config) {
                Ok(instance) => instance,
                Err(outcome) => {
                    self.memory_pages = None;
                    let state = self.state.clone();
                    self.last_outcome = Some(outcome.clone());
                    return StepRecord::Failed { outcome: outcome.normalized(), sent: Vec::new(), state };
                }
            },
        };
        let context = ActorContext { payload, config: self.spec.runtime_config(), state: self.state.clone() };
        let input = serde_json::to_vec(&context).expect("a context always serializes");
        let scope =
            StepScope { policy: self.spec.policy, sends: self.spec.sends, state: self.state.clone(), sent: Vec::new() };
        let (call, scope) = in_scope(scope, || instance.call(&self.spec.export, &input));
        // Host-side writes land as they are made, as in the flow runtime, whatever the call's end.
        self.state = scope.state;
        self.memory_pages = instance.memory_pages();
        let sent = scope.sent;
        self.last_outcome = Some(call.outcome.clone());
        let record = match call.outcome {
            Outcome::Returned(bytes) => match self.fold(&bytes) {
                Ok(outputs) => StepRecord::Returned { sent, outputs, state: self.state.clone() },
                Err(error) => StepRecord::Invalid { reason: error.to_string(), sent, state: self.state.clone() },
            },
            outcome => StepRecord::Failed { outcome: outcome.normalized(), sent, state: self.state.clone() },
        };
        if self.spec.mode == Mode::Persistent && matches!(record, StepRecord::Returned { .. }) {
            self.instance = Some(instance);
        }
        record
    }

    /// Reads a result the flow runtime's way: a JSON string is base64 that decodes to the result
    /// (the Go SDK's encoding); an output whose value lacks `type` or `data` is dropped; the
    /// returned state is folded in after the call, over what `__set_state` wrote during it.
    fn fold(&mut self, bytes: &[u8]) -> Result<Payload, ActorError> {
        let bad = |e: &dyn std::fmt::Display| ActorError::BadResult(e.to_string());
        let mut result: Value = serde_json::from_slice(bytes).map_err(|e| bad(&e))?;
        if let Value::String(encoded) = &result {
            let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|e| bad(&e))?;
            result = serde_json::from_slice(&decoded).map_err(|e| bad(&e))?;
        }
        let Value::Object(mut result) = result else { return Err(bad(&"not an object")) };
        let mut outputs = Payload::new();
        if let Some(Value::Object(ports)) = result.remove("outputs") {
            for (port, value) in ports {
                let tagged = value.as_object().is_some_and(|m| m.contains_key("type") && m.contains_key("data"));
                if tagged {
                    let message: Message =
                        serde_json::from_value(value).map_err(|e| bad(&format!("port {port}: {e}")))?;
                    outputs.insert(port, message);
                }
            }
        }
        self.spec.policy.apply_result(&mut self.state, result.get("state"))?;
        Ok(outputs)
    }
}
