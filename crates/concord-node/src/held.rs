//! What a host script keeps under a handle in one child (an instance, a store): every request
//! about it names it and goes to the child it lives in, and dropping it asks that child to drop
//! it. A child that has died since answers none of it (see `pool::Slot::request`).

use crate::child::HostSide;
use crate::pool::Lease;
use crate::protocol::{self, HandleKind, Request};
use crate::{PATIENCE, Patience};
use concord_engine::{Outcome, PipeFault};

pub struct Held {
    lease: Lease,
    generation: u64,
    kind: HandleKind,
    handle: u64,
}

impl Held {
    pub fn new(lease: Lease, generation: u64, kind: HandleKind, handle: u64) -> Self {
        Held { lease, generation, kind, handle }
    }

    /// Its handle in the child, for the requests about it.
    pub fn handle(&self) -> u64 {
        self.handle
    }

    /// Sends `request` to the child it lives in, serving `host`'s calls meanwhile.
    pub fn request<R: Request>(
        &self,
        request: &R,
        host: Option<HostSide<'_>>,
        patience: Patience,
    ) -> Result<R::Answer, Outcome> {
        self.request_planted(request, host, patience, None)
    }

    /// [`Self::request`], with a planted pipe `fault`.
    pub fn request_planted<R: Request>(
        &self,
        request: &R,
        host: Option<HostSide<'_>>,
        patience: Patience,
        fault: Option<PipeFault>,
    ) -> Result<R::Answer, Outcome> {
        self.lease.lock().request_planted(self.generation, request, host, patience, fault)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.request(&protocol::Drop { kind: self.kind, handle: self.handle }, None, PATIENCE);
    }
}
