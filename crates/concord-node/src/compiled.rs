//! A module compiled in the children that need it: its bytes, and its handle in each child it was
//! compiled in, by that child's generation. A handle in a child that has died is never used again.
//! Where Concord holds a memory limit by capping memories, each cap is compiled as a module of its
//! own, beside the others in the same child.

use crate::pool::{self, Cell, Lease};
use crate::protocol::{self, Compile, HandleKind};
use crate::{PATIENCE, base64, memory_cap};
use concord_engine::{CompileError, InstantiateFailure, Outcome};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// A child's generation, and the memory cap the module was compiled with.
type Variant = (u64, Option<u64>);

pub struct Compiled {
    wasm: Arc<[u8]>,
    /// Each compiled variant's child (while it lives) and handle there.
    handles: Mutex<HashMap<Variant, (Weak<Cell>, u64)>>,
}

impl Compiled {
    pub fn new(wasm: &[u8]) -> Self {
        Compiled { wasm: wasm.into(), handles: Mutex::new(HashMap::new()) }
    }

    /// Its handle in the leased child, compiling it there first if need be, and that child's
    /// generation; with every memory it defines capped at `memory_cap` pages, if given.
    pub fn handle_in(&self, lease: &Lease, memory_cap: Option<u64>) -> Result<(u64, u64), Outcome> {
        let mut slot = lease.lock();
        let generation = slot.start()?;
        let mut handles = self.handles.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, handle)) = handles.get(&(generation, memory_cap)) {
            return Ok((*handle, generation));
        }
        let wasm = match memory_cap {
            Some(pages) => memory_cap::capped(&self.wasm, pages)?,
            None => self.wasm.to_vec(),
        };
        let (generation, compiled) = slot.open(&Compile { wasm: base64(&wasm) })?;
        let handle = match compiled {
            protocol::Compiled::Module(handle) => handle,
            protocol::Compiled::Invalid(message) => {
                return Err(Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message }));
            }
        };
        handles.insert((generation, memory_cap), (lease.weak(), handle));
        Ok((handle, generation))
    }

    /// The engine's own verdict on the module, compiling it in the leased child.
    pub fn check_in(&self, lease: &Lease) -> Result<(), CompileError> {
        self.handle_in(lease, None).map(drop).map_err(|outcome| match outcome {
            Outcome::EngineFault(why) => CompileError::EngineFault(why),
            Outcome::InstantiateFailed(InstantiateFailure::InvalidModule { message }) => CompileError::Invalid(message),
            other => CompileError::Invalid(other.to_string()),
        })
    }
}

impl Drop for Compiled {
    fn drop(&mut self) {
        let handles = std::mem::take(self.handles.get_mut().unwrap_or_else(|e| e.into_inner()));
        for ((generation, _), (cell, handle)) in handles {
            if let Some(cell) = cell.upgrade() {
                let request = protocol::Drop { kind: HandleKind::Module, handle };
                let _ = pool::lock(&cell).request(generation, &request, None, PATIENCE);
            }
        }
    }
}
