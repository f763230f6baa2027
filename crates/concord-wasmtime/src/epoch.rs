//! One background thread advances the epoch of every live wasmtime engine, so a wall-clock
//! deadline becomes a number of ticks.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use wasmtime::{Engine, EngineWeak};

pub const TICK: Duration = Duration::from_millis(1);

static ENGINES: OnceLock<Mutex<Vec<EngineWeak>>> = OnceLock::new();

pub fn register(engine: &Engine) {
    let engines = ENGINES.get_or_init(|| {
        std::thread::Builder::new().name("concord-epoch".into()).spawn(tick_forever).expect("spawn the epoch thread");
        Mutex::new(Vec::new())
    });
    engines.lock().unwrap_or_else(|e| e.into_inner()).push(engine.weak());
}

fn tick_forever() {
    loop {
        std::thread::sleep(TICK);
        let Some(engines) = ENGINES.get() else {
            continue;
        };
        let mut engines = engines.lock().unwrap_or_else(|e| e.into_inner());
        engines.retain(|weak| match weak.upgrade() {
            Some(engine) => {
                engine.increment_epoch();
                true
            }
            None => false,
        });
    }
}

/// Ticks for a deadline: rounded up, plus one because the current tick may be nearly over.
pub fn ticks(deadline: Duration) -> u64 {
    (deadline.as_nanos().div_ceil(TICK.as_nanos()) as u64).saturating_add(1)
}
