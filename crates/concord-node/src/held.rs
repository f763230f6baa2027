//! What a host script keeps under a handle in one child (an instance, a store): every request
//! about it names it and goes to the child it lives in, and dropping it asks that child to drop
//! it. A child that has died since answers none of it (see `pool::Slot::request`).

use crate::PATIENCE;
use crate::child::HostSide;
use crate::pool::Lease;
use concord_engine::{Outcome, PipeFault};
use serde_json::{Value, json};
use std::time::Duration;

pub struct Held {
    lease: Lease,
    generation: u64,
    /// What it is to the script: the field its handle goes in, and the `drop_` request's suffix.
    kind: &'static str,
    handle: u64,
}

impl Held {
    pub fn new(lease: Lease, generation: u64, kind: &'static str, handle: u64) -> Self {
        Held { lease, generation, kind, handle }
    }

    /// Sends `request` about it (its handle added as `kind`), serving `host`'s calls meanwhile.
    pub fn request(&self, request: Value, host: Option<HostSide<'_>>, patience: Duration) -> Result<Value, Outcome> {
        self.request_planted(request, host, patience, None)
    }

    /// [`Self::request`], with a planted pipe `fault`.
    pub fn request_planted(
        &self,
        mut request: Value,
        host: Option<HostSide<'_>>,
        patience: Duration,
        fault: Option<PipeFault>,
    ) -> Result<Value, Outcome> {
        request[self.kind] = self.handle.into();
        self.lease.lock().request_planted(self.generation, &request, host, patience, fault)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.request(json!({"op": format!("drop_{}", self.kind)}), None, PATIENCE);
    }
}
