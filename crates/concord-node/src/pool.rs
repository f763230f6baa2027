//! The children. A child runs one host script in one runtime with one set of flags (V8's limit on
//! memory pages is a flag of the whole process), so there is a group of children per script,
//! runtime and flags. A
//! child runs one call at a time, so an
//! instance leases a child no other live instance uses, when there is one, and instances alive
//! at once (on different threads, as an embedder runs one isolate per thread) run side by side;
//! one instance after another reuses the same child.

use crate::child::{Child, HostSide};
use crate::protocol::Request;
use crate::runtime::Runtime;
use crate::{Host, PATIENCE, Patience};
use concord_engine::{LimitKind, Outcome, PipeFault};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Instant;

/// The most children one group starts; past it, instances share the least leased one.
const PER_GROUP: usize = 4;
/// Past this many children in all, the idle one used longest ago is stopped when another starts.
const KEPT: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub host: &'static Host,
    /// The runtime and the engine's flags, which hold for the whole process.
    pub runtime: Runtime,
    /// Whether every live instance or store gets a child of its own, however many there are
    /// (where a deadline ends the child it passes in, so that it ends no other instance).
    pub exclusive: bool,
}

/// A child, or none yet. Its generation changes whenever a new child starts in it (numbers are
/// never reused), so a handle made in a child that has died is never mistaken for one in its
/// successor.
pub struct Slot {
    key: Key,
    child: Option<Child>,
    generation: u64,
}

/// A slot and how many live instances and stores lease it; the count is read without the slot's
/// lock, which a long call holds.
pub struct Cell {
    slot: Mutex<Slot>,
    leases: AtomicUsize,
    last_leased: Mutex<Instant>,
}

pub type Shared = Arc<Cell>;

/// A slot held for an instance or a store, given back when dropped.
pub struct Lease(Shared);

impl Lease {
    pub fn lock(&self) -> MutexGuard<'_, Slot> {
        lock(&self.0)
    }

    pub fn weak(&self) -> Weak<Cell> {
        Arc::downgrade(&self.0)
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.0.leases.fetch_sub(1, Ordering::Relaxed);
    }
}

static GENERATIONS: AtomicU64 = AtomicU64::new(1);

fn pool() -> &'static Mutex<HashMap<Key, Vec<Shared>>> {
    static POOL: OnceLock<Mutex<HashMap<Key, Vec<Shared>>>> = OnceLock::new();
    POOL.get_or_init(Default::default)
}

/// A slot of `key`'s group for a new instance or store: an unleased one, else a new one, else
/// the least leased.
pub fn lease(key: Key) -> Lease {
    let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
    let leases = |cell: &Shared| cell.leases.load(Ordering::Relaxed);
    let group = pool.get(&key).map(Vec::as_slice).unwrap_or_default();
    let free = group.iter().find(|cell| leases(cell) == 0).cloned();
    let cell = match free {
        Some(cell) => cell,
        None if group.len() < PER_GROUP || key.exclusive => {
            evict_idle(&mut pool);
            let cell = Arc::new(Cell {
                slot: Mutex::new(Slot { key: key.clone(), child: None, generation: 0 }),
                leases: AtomicUsize::new(0),
                last_leased: Mutex::new(Instant::now()),
            });
            pool.entry(key).or_default().push(cell.clone());
            cell
        }
        None => group.iter().min_by_key(|cell| leases(cell)).cloned().expect("a full group"),
    };
    cell.leases.fetch_add(1, Ordering::Relaxed);
    *cell.last_leased.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    Lease(cell)
}

/// Stops the idle child leased longest ago when there are [`KEPT`] children or more.
fn evict_idle(pool: &mut HashMap<Key, Vec<Shared>>) {
    if pool.values().map(Vec::len).sum::<usize>() < KEPT {
        return;
    }
    let last = |cell: &Shared| *cell.last_leased.lock().unwrap_or_else(|e| e.into_inner());
    let oldest = pool
        .values()
        .flatten()
        .filter(|cell| cell.leases.load(Ordering::Relaxed) == 0)
        .min_by_key(|cell| last(cell))
        .cloned();
    if let Some(oldest) = oldest {
        pool.values_mut().for_each(|group| group.retain(|cell| !Arc::ptr_eq(cell, &oldest)));
    }
}

pub fn lock(cell: &Cell) -> MutexGuard<'_, Slot> {
    cell.slot.lock().unwrap_or_else(|e| e.into_inner())
}

impl Slot {
    /// The generation of the running child, started now if there is none, or if the one there
    /// died while idle (no request of its was lost; the handles in it are gone).
    pub fn start(&mut self) -> Result<u64, Outcome> {
        if self.child.as_mut().is_some_and(Child::exited) {
            self.child = None;
        }
        if self.child.is_none() {
            let child = Child::spawn(&self.key.runtime, self.key.host);
            self.child = Some(child.map_err(|gone| Outcome::EngineFault(gone.why))?);
            self.generation = GENERATIONS.fetch_add(1, Ordering::Relaxed);
        }
        Ok(self.generation)
    }

    /// Sends `request`, which runs no Wasm, to the running child (started if need be), and says
    /// which generation answered. A child can die of what ran in it last after its answer, and be
    /// leased in that moment, or fail to come up at all (a runtime that does not answer its first
    /// hello under a loaded machine); either fails this request with nothing lost, so the child is
    /// forgotten and the request goes once more to a fresh one.
    pub fn open<R: Request>(&mut self, request: &R) -> Result<(u64, R::Answer), Outcome> {
        match self.open_once(request) {
            Err(Outcome::EngineFault(_)) => self.open_once(request),
            answered => answered,
        }
    }

    fn open_once<R: Request>(&mut self, request: &R) -> Result<(u64, R::Answer), Outcome> {
        let generation = self.start()?;
        Ok((generation, self.request(generation, request, None, PATIENCE)?))
    }

    /// Sends `request` to the child that handles of `generation` live in. A child that fails is
    /// forgotten (killed), so the next request starts a fresh one; a handle made in it is gone.
    /// One that has not answered when a deadline it cannot stop passes was stopped by it.
    pub fn request<R: Request>(
        &mut self,
        generation: u64,
        request: &R,
        host: Option<HostSide<'_>>,
        patience: Patience,
    ) -> Result<R::Answer, Outcome> {
        self.request_planted(generation, request, host, patience, None)
    }

    /// [`Self::request`], with a planted pipe `fault`.
    pub fn request_planted<R: Request>(
        &mut self,
        generation: u64,
        request: &R,
        host: Option<HostSide<'_>>,
        patience: Patience,
        fault: Option<PipeFault>,
    ) -> Result<R::Answer, Outcome> {
        let Some(child) = self.child.as_mut().filter(|_| self.generation == generation) else {
            return Err(Outcome::EngineFault("the process this handle lived in is gone".into()));
        };
        child.request_planted(request, host, patience, fault).map_err(|gone| {
            self.child = None;
            match gone.unanswered && patience.deadline_ends_child {
                true => Outcome::LimitHit(LimitKind::Deadline),
                false => Outcome::EngineFault(gone.why),
            }
        })
    }
}
