// The kernel's block arena, as crates/concord-host/src/kernel/arena.rs keeps it.
'use strict';

const { kernelFault, OUT_OF_MEMORY } = require('../../concord-node/js/faults');

const ADDRESS_SPACE = 2 ** 32;
const FIRST_OFFSET = 8;
const ALIGN = 8;
const GUARD = 8;
const PAGE = 65536;

// A guest's i64 offset as a number; offsets past 2^53 lie in no block, so precision there is moot.
const offsetOf = (value) => Number(BigInt.asUintN(64, value));

class Arena {
  constructor(limit) {
    this.limit = limit;
    this.reset();
  }

  reset() {
    this.bytes = new Uint8Array(1024);
    this.used = FIRST_OFFSET;
    this.blocks = new Map();
    this.starts = []; // block starts, ascending: a new block always goes after every other
  }

  alloc(len) {
    if (len === 0) return 0;
    // Extism's kernel reuses a freed block only when a new one would not fit the memory it
    // already has (its pages, here also the limit): a block freed and the block made next
    // start at different offsets.
    const room = Math.min(Math.max(1, Math.ceil(this.used / PAGE)) * PAGE, this.limit ?? ADDRESS_SPACE);
    const fits = this.used + Math.ceil(len / ALIGN) * ALIGN + GUARD <= room;
    for (const start of fits ? [] : this.starts) {
      const block = this.blocks.get(start);
      if (!block.live && block.capacity >= len) {
        block.live = true;
        block.len = len;
        this.bytes.fill(0, start, start + len);
        return start;
      }
    }
    const offset = this.used;
    const capacity = Math.ceil(len / ALIGN) * ALIGN;
    const end = offset + capacity + GUARD;
    if (end > (this.limit ?? ADDRESS_SPACE)) {
      // Past a configured limit the call fails; past the address space the kernel answers 0.
      if (this.limit !== null) throw OUT_OF_MEMORY();
      return 0;
    }
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.used = end;
    this.blocks.set(offset, { len, capacity, live: true });
    this.starts.push(offset);
    return offset;
  }

  free(offset) {
    const block = this.blocks.get(offset);
    if (block && block.live) block.live = false;
  }

  // The block starting at or nearest below `offset`: [start, block] or null.
  below(offset) {
    let [low, high, found] = [0, this.starts.length - 1, -1];
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.starts[middle] <= offset) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? null : [this.starts[found], this.blocks.get(this.starts[found])];
  }

  // The block whose span holds `offset`, live or freed: [start, block] or null.
  containing(offset) {
    const found = this.below(offset);
    return found && offset < found[0] + Math.max(found[1].capacity, found[1].len) ? found : null;
  }

  notABlock(offset) {
    const found = this.containing(offset);
    return found
      ? kernelFault('mid-block', `${offset} is inside the block at ${found[0]}`)
      : kernelFault('no-block', `${offset} is in no block`);
  }

  length(offset) {
    const block = this.blocks.get(offset);
    return block && block.live ? block.len : 0;
  }

  // Extism's length_unsafe reads the length a block's header holds, which freeing zeroes.
  lengthUnchecked(offset) {
    const block = this.blocks.get(offset);
    return block && block.live ? block.len : 0;
  }

  // The start of `offset..offset+len` if it lies inside one live block.
  checked(offset, len) {
    const end = offset + len;
    const found = this.below(offset);
    if (found && found[1].live && end <= found[0] + found[1].len && end <= Number.MAX_SAFE_INTEGER) return offset;
    const span = this.containing(offset);
    const refusal = offset === 0 ? 'null' : span && !span[1].live ? 'freed' : span ? 'past-end' : 'no-block';
    throw kernelFault(refusal, `${len} bytes at offset ${offset} are outside every live block`);
  }

  read(offset, len) {
    const at = this.checked(offset, len);
    return this.bytes.subarray(at, at + len);
  }

  write(offset, data) {
    const at = this.checked(offset, data.length);
    this.bytes.set(data, at);
  }

  block(offset) {
    if (offset === 0) return new Uint8Array(0);
    const block = this.blocks.get(offset);
    if (block && block.live) return this.read(offset, block.len);
    if (block) throw kernelFault('freed', `block ${offset} is freed`);
    throw this.notABlock(offset);
  }

  allocBytes(data) {
    const offset = this.alloc(data.length);
    if (offset !== 0) this.write(offset, data);
    return offset;
  }
}

module.exports = { Arena, offsetOf, PAGE };
