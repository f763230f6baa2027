//! `poll_oneoff` on the virtual clock, after wasi-common's: one relative clock subscription is a
//! sleep (whatever its clock), anything else is a poll in which clock subscriptions become
//! monotonic deadlines. A descriptor subscription on a pipe refuses the whole poll, since a pipe
//! has no OS descriptor to poll; on files alone, the OS says at once that a regular file is ready,
//! so the poll returns without waiting and only the descriptors' events. Where wasi-common waits,
//! the virtual clock moves on to the earliest deadline instead, so a plugin that sleeps returns at
//! once, with the same answer on every engine.

use super::errno::{Fail, INVAL, NOTSUP, OVERFLOW, WasiResult, enum_u32, errno, flags};
use super::fd::Entry;
use super::memory::Guest;
use super::{CLOCK_CASES, CLOCK_MONOTONIC, CLOCK_REALTIME, Wasi};

pub(super) const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;
const EVENTTYPE_CLOCK: u8 = 0;
const EVENTTYPE_FD_READ: u8 = 1;
const EVENTTYPE_FD_WRITE: u8 = 2;
const EVENTTYPE_CASES: u8 = 3;
const SUBCLOCK_ABSTIME: u32 = 1;

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

fn write_event(g: &mut Guest, at: u32, userdata: u64) -> WasiResult {
    write_event_of(g, at, userdata, EVENTTYPE_CLOCK, 0)
}

fn write_event_of(g: &mut Guest, at: u32, userdata: u64, kind: u8, nbytes: u64) -> WasiResult {
    g.write_u64(at, userdata)?;
    g.write_u16(Guest::field(at, 8)?, 0)?;
    g.write_u8(Guest::field(at, 10)?, kind)?;
    g.write_u64(Guest::field(at, 16)?, nbytes)?;
    g.write_u16(Guest::field(at, 24)?, 0)?;
    Ok(())
}

/// Polls `count` subscriptions at `subs`, writes the events to `events`, and returns how many.
pub fn poll_oneoff(w: &mut Wasi, g: &mut Guest, subs: u32, events: u32, count: u32) -> WasiResult<u32> {
    if count == 0 {
        return errno(INVAL);
    }
    if count == 1 {
        let sub = read(g, subs)?;
        if let Kind::Clock { timeout, absolute: false, .. } = sub.kind {
            w.sleep_until(w.elapsed_ns.saturating_add(timeout));
            write_event(g, events, sub.userdata)?;
            return Ok(1);
        }
    }
    let now = w.elapsed_ns;
    let mut deadlines = Vec::new();
    let (mut reads, mut writes, mut pipe) = (Vec::new(), Vec::new(), false);
    for i in 0..count {
        let sub = read(g, Guest::element(subs, i, SUBSCRIPTION_SIZE)?)?;
        match sub.kind {
            Kind::Clock { id, timeout, absolute } => {
                let start = match (id, absolute) {
                    (CLOCK_MONOTONIC, true) => 0,
                    (CLOCK_MONOTONIC, false) | (CLOCK_REALTIME, false) => now,
                    (CLOCK_REALTIME, true) => return errno(NOTSUP),
                    _ => return errno(INVAL),
                };
                let deadline = start.checked_add(timeout).ok_or(Fail::Errno(OVERFLOW))?;
                deadlines.push((deadline, sub.userdata));
            }
            Kind::Descriptor { fd, read } => {
                // What a read would find: the bytes after the position (wrapping past the end, as
                // system-interface subtracts), at least one.
                let ready = match w.fds.file(fd)? {
                    Entry::File(file) => (file.bytes().len() as u64).wrapping_sub(file.position).max(1),
                    _ => {
                        pipe = true;
                        0
                    }
                };
                match read {
                    true => reads.push((sub.userdata, ready)),
                    false => writes.push(sub.userdata),
                }
            }
        }
    }
    if pipe {
        return errno(INVAL);
    }
    // Files only: the poll returns at once, and wasi-common reports the clocks already due, then
    // the reads, then the writes, each in the order subscribed (the order it subscribes them in).
    if !reads.is_empty() || !writes.is_empty() {
        let due = deadlines.iter().filter(|(deadline, _)| *deadline <= now);
        let events_of = due.map(|&(_, userdata)| (userdata, EVENTTYPE_CLOCK, 0));
        let events_of = events_of.chain(reads.iter().map(|&(userdata, ready)| (userdata, EVENTTYPE_FD_READ, ready)));
        let events_of = events_of.chain(writes.iter().map(|&userdata| (userdata, EVENTTYPE_FD_WRITE, 0)));
        let mut written = 0;
        for (userdata, kind, nbytes) in events_of {
            write_event_of(g, Guest::element(events, written, EVENT_SIZE)?, userdata, kind, nbytes)?;
            written += 1;
        }
        return Ok(written);
    }
    let earliest = deadlines.iter().map(|(deadline, _)| *deadline).min().expect("count > 0");
    w.sleep_until(earliest);
    let mut written = 0;
    for (deadline, userdata) in deadlines {
        if deadline <= w.elapsed_ns {
            write_event(g, Guest::element(events, written, EVENT_SIZE)?, userdata)?;
            written += 1;
        }
    }
    Ok(written)
}
