// The plugin kernel (`extism:host/env`), as crates/concord-host/src/kernel/mod.rs keeps it, with
// the same bounds checks and the same refusals, so a plugin sees the same host on V8 as on the
// native engines; and its service to the embedder's host functions, which run on the Rust side
// and reach the kernel of the instance that called them through requests served here.
'use strict';

const { Arena, offsetOf } = require('./arena');
const { kernelFault, within } = require('../../concord-node/js/faults');
const { base64, unbase64 } = require('../../concord-node/js/pipe');

const VAR_STORE_LIMIT = 1024 * 1024;
const LOG_LIMIT = 1024;
const { utf8Decode, utf8Encode: encode } = require('../../concord-node/js/platform');

class Kernel {
  constructor(limit, config) {
    this.arena = new Arena(limit);
    this.config = new Map(Object.entries(config));
    this.vars = new Map();
    this.beginCall(new Uint8Array(0));
  }

  beginCall(input) {
    this.arena.reset();
    this.input = input;
    this.inputBlock = null;
    this.output = [0, 0];
    this.error = 0;
    this.logs = 0;
  }

  // Where the input is in kernel memory: a block holding a copy, made when first asked for.
  inputOffset() {
    if (this.inputBlock === null) this.inputBlock = this.arena.allocBytes(this.input);
    return this.inputBlock;
  }

  inputSet(offset, len) {
    this.input = offset === 0 && len === 0 ? new Uint8Array(0) : this.arena.read(offset, len).slice();
    this.inputBlock = offset;
  }

  reset() {
    this.arena.reset();
    this.input = new Uint8Array(0);
    this.inputBlock = null;
    this.output = [0, 0];
    this.error = 0;
  }

  // Whole 64 KiB pages, as Extism's kernel reports its memory.
  memoryBytes() {
    return Math.max(1, Math.ceil(this.arena.used / 65536)) * 65536;
  }

  outputBytes() {
    const [offset, len] = this.output;
    return offset === 0 ? new Uint8Array(0) : this.arena.read(offset, len).slice();
  }

  errorMessage() {
    return this.error === 0 ? null : utf8Decode(this.arena.block(this.error), false);
  }

  inputLoadU8(offset) {
    if (offset >= this.input.length) {
      throw kernelFault('past-input', `offset ${offset} is past the input's ${this.input.length} bytes`, 'input_load_u8');
    }
    return this.input[offset];
  }

  inputLoadU64(offset) {
    if (offset + 8 > this.input.length) {
      throw kernelFault(
        'past-input',
        `8 bytes at offset ${offset} run past the input's ${this.input.length} bytes`,
        'input_load_u64',
      );
    }
    return new DataView(this.input.buffer, this.input.byteOffset + offset, 8).getBigUint64(0, true);
  }

  loadU64(offset) {
    const bytes = this.arena.read(offset, 8);
    return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  }

  storeU64(offset, value) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.arena.write(offset, bytes);
  }

  outputSet(offset, len) {
    if (offset !== 0 || len !== 0) this.arena.read(offset, len);
    this.output = [offset, len];
  }

  errorSet(offset) {
    if (offset !== 0) this.arena.block(offset);
    this.error = offset;
  }

  blockText(offset, fn, what) {
    const bytes = within(this.arena.block(offset), fn);
    try {
      return utf8Decode(bytes, true);
    } catch {
      throw kernelFault('not-utf8', `the ${what} at ${offset} is not UTF-8`, fn);
    }
  }

  takeText(offset, fn, what) {
    const text = this.blockText(offset, fn, what);
    this.arena.free(offset);
    return text;
  }

  configGet(keyOffset) {
    const key = this.takeText(keyOffset, 'config_get', 'key');
    return this.config.has(key) ? this.arena.allocBytes(encode(this.config.get(key))) : 0;
  }

  varGet(keyOffset) {
    const key = this.takeText(keyOffset, 'var_get', 'key');
    return this.vars.has(key) ? this.arena.allocBytes(this.vars.get(key)) : 0;
  }

  varSet(keyOffset, valueOffset) {
    const key = this.blockText(keyOffset, 'var_set', 'key');
    if (valueOffset === 0) {
      this.arena.free(keyOffset);
      this.vars.delete(key);
      return;
    }
    const value = this.arena.block(valueOffset).slice();
    let stored = 0;
    for (const [k, v] of this.vars) if (k !== key) stored += encode(k).length + v.length;
    if (stored + encode(key).length + value.length > VAR_STORE_LIMIT) {
      throw kernelFault('store-full', 'the var store is full', 'var_set');
    }
    this.arena.free(valueOffset);
    this.arena.free(keyOffset);
    this.vars.set(key, value);
  }

  log(offset) {
    this.arena.block(offset);
    this.arena.free(offset);
    this.logs = Math.min(this.logs + 1, LOG_LIMIT);
  }
}

// Each kernel function by name: its body, over offsets already made numbers. Results that are
// offsets or u64 values go back as BigInt (i64), bytes as numbers (i32).
const KERNEL = {
  input_length: (k) => BigInt(k.input.length),
  error_get: (k) => BigInt(k.error),
  http_headers: () => 0n,
  input_offset: (k) => BigInt(k.inputOffset()),
  output_offset: (k) => BigInt(k.output[0]),
  output_length: (k) => BigInt(k.output[1]),
  memory_bytes: (k) => BigInt(k.memoryBytes()),
  input_set: (k, at, len) => k.inputSet(offsetOf(at), offsetOf(len)),
  reset: (k) => k.reset(),
  input_load_u64: (k, at) => k.inputLoadU64(offsetOf(at)),
  load_u64: (k, at) => k.loadU64(offsetOf(at)),
  alloc: (k, len) => BigInt(k.arena.alloc(offsetOf(len))),
  length: (k, at) => BigInt(k.arena.length(offsetOf(at))),
  length_unsafe: (k, at) => BigInt(k.arena.lengthUnchecked(offsetOf(at))),
  config_get: (k, at) => BigInt(k.configGet(offsetOf(at))),
  var_get: (k, at) => BigInt(k.varGet(offsetOf(at))),
  input_load_u8: (k, at) => k.inputLoadU8(offsetOf(at)),
  load_u8: (k, at) => k.arena.read(offsetOf(at), 1)[0],
  free: (k, at) => k.arena.free(offsetOf(at)),
  error_set: (k, at) => k.errorSet(offsetOf(at)),
  log_trace: (k, at) => k.log(offsetOf(at)),
  log_debug: (k, at) => k.log(offsetOf(at)),
  log_info: (k, at) => k.log(offsetOf(at)),
  log_warn: (k, at) => k.log(offsetOf(at)),
  log_error: (k, at) => k.log(offsetOf(at)),
  store_u64: (k, at, value) => k.storeU64(offsetOf(at), value),
  output_set: (k, at, len) => k.outputSet(offsetOf(at), offsetOf(len)),
  var_set: (k, key, value) => k.varSet(offsetOf(key), offsetOf(value)),
  store_u8: (k, at, value) => k.arena.write(offsetOf(at), Uint8Array.of(value & 0xff)),
  get_log_level: () => 0,
  http_request: () => {
    throw kernelFault('denied', 'http_request is not allowed by this host');
  },
  http_status_code: () => 0,
};

// ---------------------------------------------------------------------------------------------
// The embedder's host functions run on the Rust side. While one runs, its kernel requests come
// back here and are served from this instance's kernel.

function serveKernel(k, request) {
  switch (request.op) {
    case 'read_block':
      return { bytes: base64(k.arena.block(request.offset)) };
    case 'write_block':
      return { offset: k.arena.allocBytes(unbase64(request.bytes)) };
    case 'block_length':
      return { length: k.arena.length(request.offset) };
    case 'alloc':
      return { offset: k.arena.alloc(request.len) };
    case 'write_into': {
      const block = k.arena.block(request.block);
      const bytes = unbase64(request.bytes);
      if (request.at + bytes.length > block.length) {
        throw kernelFault(
          'past-end',
          `${bytes.length} bytes at ${request.at} do not fit block ${request.block} of ${block.length} bytes`,
        );
      }
      block.set(bytes, request.at);
      return {};
    }
    case 'free':
      k.arena.free(request.block);
      return {};
    case 'input':
      return { bytes: base64(k.input) };
    case 'config':
      return { value: k.config.has(request.key) ? k.config.get(request.key) : null };
    default:
      throw new Error(`unknown kernel request ${request.op}`);
  }
}

module.exports = { Kernel, KERNEL, serveKernel, VAR_STORE_LIMIT };
