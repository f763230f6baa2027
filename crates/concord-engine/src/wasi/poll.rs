//! `poll_oneoff` on the virtual clock, after wasmtime-wasi's preview1 adapter: the subscriptions
//! and the events paid for in the call's fuel, then each subscription read and turned into
//! something to wait on (a clock's deadline, stdin or a file to read, stdout or stderr to write),
//! in order, the first that cannot be refused with its errno; then one wait, and an event for
//! each subscription ready when it ends, in the order subscribed.
//!
//! What is ready when follows the adapter's async poll: stdio's streams are ready at once; a
//! deadline already due yields once first (wasmtime's guard against busy loops), so beside stdio
//! it is not reported; a file is ready when a read on tokio's blocking pool returns, which a due
//! deadline normally beats (the `wasi` scenario draws no file to poll for reading, as the real
//! host's answer there is a race). Where only deadlines remain, the virtual clock moves on to the
//! earliest instead of waiting, so a plugin that sleeps returns at once, with the same answer on
//! every engine.

use super::errno::{BADF, Fail, INVAL, PERM, WasiResult, enum_u32, errno, flags};
use super::fd::{Entry, Stream};
use super::memory::Guest;
use super::{CLOCK_CASES, CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_START_NS, Wasi};

pub(super) const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const EVENTTYPE_CASES: u8 = 3;
const SUBCLOCK_ABSTIME: u32 = 1;
const EVENTRWFLAGS_HANGUP: u16 = 1;

enum Kind {
    Clock { id: u32, timeout: u64, absolute: bool },
    Descriptor { fd: u32, read: bool },
}

struct Subscription {
    userdata: u64,
    kind: Kind,
}

/// Reads a subscription field by field, as wiggle does: an unknown tag, clock or flag is `INVAL`.
fn read(g: &mut Guest, at: u32) -> WasiResult<Subscription> {
    let userdata = g.read_u64(at)?;
    let tag = g.read_u8(Guest::field(at, 8)?)?;
    if tag >= EVENTTYPE_CASES {
        return errno(INVAL);
    }
    let payload = Guest::field(at, 16)?;
    let kind = if tag == EVENTTYPE_CLOCK {
        let id = enum_u32(g.read_u32(payload)? as i32, CLOCK_CASES).map_err(|_| Fail::Errno(INVAL))?;
        let timeout = g.read_u64(Guest::field(payload, 8)?)?;
        let _precision = g.read_u64(Guest::field(payload, 16)?)?;
        let bits = flags(g.read_u16(Guest::field(payload, 24)?)? as i32, 16, 1).map_err(|_| Fail::Errno(INVAL))?;
        Kind::Clock { id, timeout, absolute: bits & SUBCLOCK_ABSTIME != 0 }
    } else {
        Kind::Descriptor { fd: g.read_u32(payload)?, read: tag == EVENTTYPE_FD_READ }
    };
    Ok(Subscription { userdata, kind })
}

/// What a subscription waits on.
enum Wait {
    /// A monotonic deadline.
    Deadline(u64),
    /// A stream of stdio: ready at once.
    Stdio(u8),
    /// A file to read: ready when the read returns; `hangup` at its end.
    File { hangup: bool },
}

struct Event {
    userdata: u64,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

fn write_event(g: &mut Guest, at: u32, event: &Event) -> WasiResult {
    g.write_u64(at, event.userdata)?;
    g.write_u16(Guest::field(at, 8)?, 0)?;
    g.write_u8(Guest::field(at, 10)?, event.kind)?;
    g.write_u64(Guest::field(at, 16)?, event.nbytes)?;
    g.write_u16(Guest::field(at, 24)?, event.flags)?;
    Ok(())
}

/// What one subscription waits on, or the errno that refuses the whole poll.
fn wait_for(w: &Wasi, kind: &Kind) -> WasiResult<Wait> {
    let now = w.elapsed_ns;
    Ok(match *kind {
        Kind::Clock { id: CLOCK_MONOTONIC, timeout, absolute: true } => Wait::Deadline(timeout),
        Kind::Clock { id: CLOCK_MONOTONIC | CLOCK_REALTIME, timeout, absolute: false } => {
            Wait::Deadline(now.saturating_add(timeout))
        }
        // An absolute real-time deadline becomes a relative one, from the real-time clock's now.
        Kind::Clock { id: CLOCK_REALTIME, timeout, absolute: true } => {
            Wait::Deadline(now.saturating_add(timeout.saturating_sub(CLOCK_START_NS.saturating_add(now))))
        }
        Kind::Clock { .. } => return errno(INVAL),
        Kind::Descriptor { fd, read: true } => match w.fds.entry(fd)? {
            Entry::Pipe(Stream::Stdin) => Wait::Stdio(EVENTTYPE_FD_READ),
            Entry::File(file) => Wait::File { hangup: (file.bytes().len() as u64).saturating_sub(file.position) == 0 },
            _ => return errno(BADF),
        },
        Kind::Descriptor { fd, read: false } => match w.fds.entry(fd)? {
            Entry::Pipe(Stream::Stdout | Stream::Stderr) => Wait::Stdio(EVENTTYPE_FD_WRITE),
            // A write stream on a file under a read-only directory is refused.
            Entry::File(_) => return errno(PERM),
            _ => return errno(BADF),
        },
    })
}

/// Polls `count` subscriptions at `subs`, writes the events to `events`, and returns how many.
pub fn poll_oneoff(w: &mut Wasi, g: &mut Guest, subs: u32, events: u32, count: u32) -> WasiResult<u32> {
    if count == 0 {
        return errno(INVAL);
    }
    g.spend(u64::from(count) * u64::from(SUBSCRIPTION_SIZE))?;
    g.spend(u64::from(count) * u64::from(EVENT_SIZE))?;
    let mut waits = Vec::new();
    for i in 0..count {
        let sub = read(g, Guest::element(subs, i, SUBSCRIPTION_SIZE)?)?;
        waits.push((sub.userdata, wait_for(w, &sub.kind)?));
    }
    let stdio = waits.iter().any(|(_, wait)| matches!(wait, Wait::Stdio(_)));
    let due = waits.iter().any(|(_, wait)| matches!(wait, Wait::Deadline(d) if *d <= w.elapsed_ns));
    let files = waits.iter().any(|(_, wait)| matches!(wait, Wait::File { .. }));
    if !stdio && !due && !files {
        let earliest = waits.iter().filter_map(|(_, wait)| match wait {
            Wait::Deadline(deadline) => Some(*deadline),
            _ => None,
        });
        w.sleep_until(earliest.min().expect("count > 0, all deadlines"));
    }
    let now = w.elapsed_ns;
    let ready = waits.iter().filter_map(|(userdata, wait)| {
        let userdata = *userdata;
        match *wait {
            Wait::Stdio(kind) => Some(Event { userdata, kind, nbytes: 1, flags: 0 }),
            Wait::File { hangup } if !stdio && !due => {
                let flags = if hangup { EVENTRWFLAGS_HANGUP } else { 0 };
                Some(Event { userdata, kind: EVENTTYPE_FD_READ, nbytes: 1, flags })
            }
            Wait::Deadline(deadline) if !stdio && deadline <= now => {
                Some(Event { userdata, kind: EVENTTYPE_CLOCK, nbytes: 0, flags: 0 })
            }
            _ => None,
        }
    });
    let mut written = 0;
    for event in ready {
        write_event(g, Guest::element(events, written, EVENT_SIZE)?, &event)?;
        written += 1;
    }
    Ok(written)
}
