//! One shared timer thread that runs a callback when a deadline passes, unless the guard for it
//! was dropped first. Backends whose engines can only be interrupted from outside use it.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

type Callback = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Alarms {
    next_id: u64,
    pending: BTreeMap<(Instant, u64), Callback>,
}

struct Shared {
    alarms: Mutex<Alarms>,
    wake: Condvar,
}

fn shared() -> &'static Arc<Shared> {
    static SHARED: OnceLock<Arc<Shared>> = OnceLock::new();
    SHARED.get_or_init(|| {
        let shared = Arc::new(Shared { alarms: Mutex::new(Alarms::default()), wake: Condvar::new() });
        let worker = shared.clone();
        std::thread::Builder::new()
            .name("concord-alarm".into())
            .spawn(move || run(&worker))
            .expect("spawn the alarm thread");
        shared
    })
}

fn run(shared: &Shared) {
    let mut alarms = shared.alarms.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        let due: Vec<_> = {
            let later = alarms.pending.split_off(&(now, u64::MAX));
            std::mem::replace(&mut alarms.pending, later).into_values().collect()
        };
        if !due.is_empty() {
            drop(alarms);
            due.into_iter().for_each(|callback| callback());
            alarms = shared.alarms.lock().unwrap_or_else(|e| e.into_inner());
            continue;
        }
        alarms = match alarms.pending.keys().next() {
            Some(&(at, _)) => shared.wake.wait_timeout(alarms, at - now).unwrap_or_else(|e| e.into_inner()).0,
            None => shared.wake.wait(alarms).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

/// Cancels its alarm when dropped.
#[must_use = "dropping the guard cancels the alarm"]
pub struct AlarmGuard {
    key: (Instant, u64),
}

/// Runs `callback` on the alarm thread after `after`, unless the returned guard is dropped first.
pub fn set_alarm(after: Duration, callback: impl FnOnce() + Send + 'static) -> AlarmGuard {
    let shared = shared();
    let mut alarms = shared.alarms.lock().unwrap_or_else(|e| e.into_inner());
    alarms.next_id += 1;
    let key = (Instant::now() + after, alarms.next_id);
    alarms.pending.insert(key, Box::new(callback));
    shared.wake.notify_one();
    AlarmGuard { key }
}

impl Drop for AlarmGuard {
    fn drop(&mut self) {
        let mut alarms = shared().alarms.lock().unwrap_or_else(|e| e.into_inner());
        alarms.pending.remove(&self.key);
    }
}
