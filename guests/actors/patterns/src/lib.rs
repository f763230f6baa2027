//! Memory patterns an embedder's guests use, driven by a little binary program (`patterns`
//! export). Each op appends a record to the output; the host's reference model predicts every byte.
//!
//! | op | operands | effect | record |
//! |---|---|---|---|
//! | 1 | size u16, fill u8 | bump-allocate `size` bytes (8-aligned) in a 64 KiB arena, canaries either side | data offset u32, or u32::MAX when full |
//! | 2 | | check every live arena block, then reset the arena | intact blocks u32 |
//! | 3 | | take a 48-byte slot from a 32-slot pool (LIFO free list) | slot u8, or 0xFF when empty |
//! | 4 | slot u8 | give a slot back | 1, or 0 for a slot not taken |
//! | 5 | kind u8, value u64 | store and reload an aligned i8/i16/i32/i64/f32/f64 (kind 0..5) | the reloaded bytes |
//! | 6 | x f64, y f64 | write a `#[repr(C)] {x, y}` with the two swapped | its 16 bytes |
//!
//! After the last op: the number of corrupted arena blocks and pool slots, u32.

use extism_pdk::{FnResult, plugin_fn};

const ARENA: usize = 64 * 1024;
const CANARY: [u8; 4] = 0xC0FF_EE11u32.to_le_bytes();
const SLOTS: usize = 32;
const SLOT: usize = 48;

struct Block {
    data: usize,
    size: usize,
    fill: u8,
}

#[repr(C)]
struct Point {
    x: f64,
    y: f64,
}

#[repr(C, align(8))]
struct Scratch([u8; 16]);

fn intact(arena: &[u8], block: &Block) -> bool {
    let Block { data, size, fill } = *block;
    arena[data - 4..data] == CANARY
        && arena[data + size..data + size + 4] == CANARY
        && arena[data..data + size].iter().all(|&b| b == fill)
}

/// Stores `value` as the type `kind` names and loads it back, through volatile aligned accesses.
fn round_trip(kind: u8, value: u64, scratch: &mut Scratch) -> Vec<u8> {
    let at = scratch.0.as_mut_ptr();
    unsafe {
        match kind {
            0 => {
                core::ptr::write_volatile(at as *mut i8, value as i8);
                core::ptr::read_volatile(at as *const i8).to_le_bytes().to_vec()
            }
            1 => {
                core::ptr::write_volatile(at as *mut i16, value as i16);
                core::ptr::read_volatile(at as *const i16).to_le_bytes().to_vec()
            }
            2 => {
                core::ptr::write_volatile(at as *mut i32, value as i32);
                core::ptr::read_volatile(at as *const i32).to_le_bytes().to_vec()
            }
            3 => {
                core::ptr::write_volatile(at as *mut i64, value as i64);
                core::ptr::read_volatile(at as *const i64).to_le_bytes().to_vec()
            }
            4 => {
                core::ptr::write_volatile(at as *mut f32, f32::from_bits(value as u32));
                core::ptr::read_volatile(at as *const f32).to_bits().to_le_bytes().to_vec()
            }
            _ => {
                core::ptr::write_volatile(at as *mut f64, f64::from_bits(value));
                core::ptr::read_volatile(at as *const f64).to_bits().to_le_bytes().to_vec()
            }
        }
    }
}

#[plugin_fn]
pub fn patterns(program: Vec<u8>) -> FnResult<Vec<u8>> {
    let mut arena = vec![0u8; ARENA];
    let mut bump = 0usize;
    let mut blocks: Vec<Block> = Vec::new();
    let mut pool = vec![0u8; SLOTS * SLOT];
    let mut free: Vec<u8> = (0..SLOTS as u8).rev().collect();
    let mut taken = [false; SLOTS];
    let mut scratch = Scratch([0; 16]);
    let mut out = Vec::new();
    let mut at = 0;
    let mut take = |n: usize| {
        let operands = program.get(at..at + n);
        at += n;
        operands
    };
    while let Some(&[op]) = take(1) {
        match op {
            1 => {
                let Some(&[lo, hi, fill]) = take(3) else { break };
                let size = u16::from_le_bytes([lo, hi]) as usize;
                let start = bump.next_multiple_of(8);
                if start + size + 8 > ARENA {
                    out.extend(u32::MAX.to_le_bytes());
                    continue;
                }
                let data = start + 4;
                arena[start..data].copy_from_slice(&CANARY);
                arena[data..data + size].fill(fill);
                arena[data + size..data + size + 4].copy_from_slice(&CANARY);
                bump = data + size + 4;
                blocks.push(Block { data, size, fill });
                out.extend((data as u32).to_le_bytes());
            }
            2 => {
                let count = blocks.iter().filter(|b| intact(&arena, b)).count() as u32;
                out.extend(count.to_le_bytes());
                blocks.clear();
                bump = 0;
            }
            3 => match free.pop() {
                Some(slot) => {
                    let s = slot as usize;
                    pool[s * SLOT..(s + 1) * SLOT].fill(slot.wrapping_add(1));
                    taken[s] = true;
                    out.push(slot);
                }
                None => out.push(0xFF),
            },
            4 => {
                let Some(&[slot]) = take(1) else { break };
                let ok = (slot as usize) < SLOTS && taken[slot as usize];
                if ok {
                    taken[slot as usize] = false;
                    free.push(slot);
                }
                out.push(ok as u8);
            }
            5 => {
                let Some(operands) = take(9) else { break };
                let value = u64::from_le_bytes(operands[1..9].try_into().unwrap());
                out.extend(round_trip(operands[0] % 6, value, &mut scratch));
            }
            6 => {
                let Some(operands) = take(16) else { break };
                let x = f64::from_le_bytes(operands[0..8].try_into().unwrap());
                let y = f64::from_le_bytes(operands[8..16].try_into().unwrap());
                let point = core::hint::black_box(Point { x: y, y: x });
                let bytes: [u8; 16] = unsafe { core::mem::transmute(point) };
                out.extend(bytes);
            }
            _ => break,
        }
    }
    let broken_blocks = blocks.iter().filter(|b| !intact(&arena, b)).count();
    let broken_slots = (0..SLOTS)
        .filter(|&s| taken[s] && pool[s * SLOT..(s + 1) * SLOT].iter().any(|&b| b != s as u8 + 1))
        .count();
    out.extend(((broken_blocks + broken_slots) as u32).to_le_bytes());
    Ok(out)
}
