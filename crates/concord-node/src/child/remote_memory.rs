//! The linear memory of the instance whose WASI call is running, in the child. The guest waits in
//! its call meanwhile, so nothing but this view changes that memory until the call returns: a read
//! brings a window of bytes ahead with it (a record's fields, an iovec array, cost one round trip,
//! not one each), and a write goes down the pipe without waiting for an answer (the child applies
//! it before it reads the WASI call's answer; the range is checked here, so it cannot fail there).

use super::Child;
use crate::protocol::{FromChild, MemoryAhead, MemoryRequest, ToChild};
use concord_engine::HostFault;
use concord_engine::wasi::LinearMemory;
use std::borrow::Cow;
use std::time::Instant;

/// The fewest bytes one read brings over: an iovec array of eight, a filestat, a short path.
const READ_AHEAD: u32 = 64;

pub(super) struct RemoteMemory<'a> {
    child: &'a mut Child,
    size: u64,
    until: Instant,
    /// Set when the child died during an access: the WASI call cannot go on.
    pub gone: Option<super::ChildGone>,
    /// The bytes last read, kept up to date by writes.
    window: Option<Window>,
}

impl<'a> RemoteMemory<'a> {
    pub fn new(child: &'a mut Child, size: u64, until: Instant) -> Self {
        RemoteMemory { child, size, until, gone: None, window: None }
    }

    /// Holds the bytes the child sent along with the call, as if read.
    pub fn hold(&mut self, ahead: MemoryAhead) -> Result<(), HostFault> {
        let bytes = crate::unbase64(&ahead.bytes).map_err(HostFault::User)?;
        self.window = Some(Window { start: ahead.at, bytes });
        Ok(())
    }

    fn lost(&mut self, gone: super::ChildGone) -> HostFault {
        let fault = HostFault::User(gone.why.clone());
        self.gone = Some(gone);
        fault
    }

    fn fetch(&mut self, at: u32, len: u32) -> Result<Vec<u8>, HostFault> {
        let sent = self.child.write(&ToChild::Memory(MemoryRequest::Read { at, len }));
        let answer = match sent.and_then(|()| self.child.read(self.until)) {
            Ok(FromChild::MemoryAnswer(answer)) => answer.bytes.unwrap_or_default(),
            Ok(_) => {
                let why = format!("the {} process answered a memory access with something else", self.child.name);
                let gone = self.child.gone(&why);
                return Err(self.lost(gone));
            }
            Err(gone) => return Err(self.lost(gone)),
        };
        let bytes = crate::unbase64(&answer).map_err(HostFault::User)?;
        if bytes.len() != len as usize {
            return Err(HostFault::User(format!("the child read {} bytes, not {len}", bytes.len())));
        }
        Ok(bytes)
    }
}

/// Bytes of the memory from `start`, as last read.
struct Window {
    start: u32,
    bytes: Vec<u8>,
}

impl Window {
    /// Where `at..at+len` starts in `bytes`, if the window holds all of it.
    fn offset(&self, at: u32, len: u32) -> Option<usize> {
        let offset = at.checked_sub(self.start)? as usize;
        (offset + len as usize <= self.bytes.len()).then_some(offset)
    }

    /// `written` at `at`, in the part of it the window holds.
    fn update(&mut self, at: u32, written: &[u8]) {
        let end = |start: u32, len: usize| start as u64 + len as u64;
        let from = at.max(self.start);
        let to = end(at, written.len()).min(end(self.start, self.bytes.len()));
        if u64::from(from) < to {
            let (from, to) = (from as usize, to as usize);
            let (start, at) = (self.start as usize, at as usize);
            self.bytes[from - start..to - start].copy_from_slice(&written[from - at..to - at]);
        }
    }
}

impl LinearMemory for RemoteMemory<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&mut self, at: u32, len: u32) -> Result<Cow<'_, [u8]>, HostFault> {
        if len == 0 {
            return Ok(Cow::Borrowed(&[]));
        }
        let offset = match self.window.as_ref().and_then(|window| window.offset(at, len)) {
            Some(offset) => offset,
            None => {
                let ahead = (self.size - at as u64).min(READ_AHEAD as u64) as u32;
                let bytes = self.fetch(at, len.max(ahead))?;
                self.window = Some(Window { start: at, bytes });
                0
            }
        };
        let window = self.window.as_ref().expect("filled above");
        Ok(Cow::Borrowed(&window.bytes[offset..offset + len as usize]))
    }

    fn write(&mut self, at: u32, bytes: &[u8]) -> Result<(), HostFault> {
        if let Some(window) = self.window.as_mut() {
            window.update(at, bytes);
        }
        let request = ToChild::Memory(MemoryRequest::Write { at, bytes: crate::base64(bytes) });
        self.child.write(&request).map_err(|gone| self.lost(gone))
    }
}

#[cfg(test)]
mod tests {
    use super::Window;

    fn window() -> Window {
        Window { start: 10, bytes: vec![0; 8] }
    }

    #[test]
    fn a_window_serves_only_ranges_it_holds_whole() {
        let window = window();
        assert_eq!(window.offset(10, 8), Some(0));
        assert_eq!(window.offset(14, 4), Some(4));
        assert_eq!(window.offset(14, 5), None);
        assert_eq!(window.offset(9, 2), None);
        assert_eq!(window.offset(u32::MAX, 1), None);
    }

    #[test]
    fn a_write_shows_in_the_part_of_it_the_window_holds() {
        let mut window = window();
        window.update(8, &[1, 2, 3, 4]);
        window.update(16, &[5, 6, 7, 8]);
        window.update(13, &[9]);
        window.update(0, &[7; 10]);
        window.update(18, &[7; 10]);
        assert_eq!(window.bytes, [3, 4, 0, 9, 0, 0, 5, 6]);
    }
}
