//! The children, one per V8 configuration, memory limit and thread: V8's limit on memory pages is
//! a flag of the whole process, so instances under different limits cannot share one; and a child
//! runs one call at a time, so instances on different threads (as an embedder runs one isolate
//! per thread) each get their own and run side by side.

use crate::Compiler;
use crate::child::{Child, ChildGone, HostSide};
use concord_engine::Outcome;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Past this many children, the idle one used longest ago is stopped when another starts.
const KEPT: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub compiler: Compiler,
    /// `--wasm-max-mem-pages`, or V8's default.
    pub max_pages: Option<u64>,
    pub thread: std::thread::ThreadId,
}

impl Key {
    /// The key for the calling thread.
    pub fn here(compiler: Compiler, max_pages: Option<u64>) -> Self {
        Key { compiler, max_pages, thread: std::thread::current().id() }
    }
}

/// A child, or none yet. Its generation changes whenever a new child starts in it, so a handle
/// made in a child that has died is never mistaken for one in its successor.
pub struct Slot {
    key: Key,
    child: Option<Child>,
    pub generation: u64,
    last_used: Instant,
}

static GENERATIONS: AtomicU64 = AtomicU64::new(1);

pub type Shared = Arc<Mutex<Slot>>;

fn pool() -> &'static Mutex<HashMap<Key, Shared>> {
    static POOL: OnceLock<Mutex<HashMap<Key, Shared>>> = OnceLock::new();
    POOL.get_or_init(Default::default)
}

/// The slot for `key`, made if need be; idle slots past [`KEPT`] are dropped with their child.
pub fn slot(key: Key) -> Shared {
    let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
    if !pool.contains_key(&key) && pool.len() >= KEPT {
        // Only a slot no instance or store holds is idle; its lock is free then too.
        let oldest = pool
            .iter()
            .filter(|(_, slot)| Arc::strong_count(slot) == 1)
            .min_by_key(|(_, slot)| lock(slot).last_used)
            .map(|(key, _)| *key);
        if let Some(oldest) = oldest {
            pool.remove(&oldest);
        }
    }
    let made = || Arc::new(Mutex::new(Slot { key, child: None, generation: 0, last_used: Instant::now() }));
    pool.entry(key).or_insert_with(made).clone()
}

/// The slot for `key` if there is one: for dropping handles, which must not start a child.
pub fn existing(key: Key) -> Option<Shared> {
    pool().lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned()
}

pub fn lock(slot: &Shared) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(|e| e.into_inner())
}

impl Slot {
    /// The running child, started now if there is none.
    pub fn child(&mut self, node: &Path) -> Result<&mut Child, ChildGone> {
        if self.child.is_none() {
            let mut flags = self.key.compiler.flags();
            if let Some(pages) = self.key.max_pages {
                flags.push(format!("--wasm-max-mem-pages={pages}"));
            }
            self.child = Some(Child::spawn(node, &flags)?);
            self.generation = GENERATIONS.fetch_add(1, Ordering::Relaxed);
        }
        Ok(self.child.as_mut().expect("started above"))
    }

    pub fn key(&self) -> Key {
        self.key
    }

    /// Sends `request` to the child that handles of `generation` live in. A child that fails is
    /// forgotten (killed), so the next request starts a fresh one; a handle made in it is gone.
    pub fn request(
        &mut self,
        generation: u64,
        request: &Value,
        host: Option<HostSide<'_>>,
        patience: Duration,
    ) -> Result<Value, Outcome> {
        self.last_used = Instant::now();
        let Some(child) = self.child.as_mut().filter(|_| self.generation == generation) else {
            return Err(Outcome::EngineFault("the V8 process this handle lived in is gone".into()));
        };
        child.request(request, host, patience).map_err(|gone| {
            self.child = None;
            Outcome::EngineFault(gone.0)
        })
    }
}
