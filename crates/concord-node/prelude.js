// What every host script of Concord's out-of-process engines shares, run before it in the same
// Node.js child (crates/concord-node): the pipe to the Rust side, faults carried through Wasm
// frames, V8's trap messages, the embedder's host calls, and the request loop.
//
// The pipe is JSON lines: one request on stdin, one answer on stdout. Reads and writes are
// synchronous, so that in the middle of a Wasm call a host function can ask the Rust side to run
// the embedder's callback and wait for its answer (`host_call`), serving the callback's kernel
// requests (`kernel`) until then. Nothing else may write to stdout.
'use strict';

const fs = require('node:fs');

// ---------------------------------------------------------------------------------------------
// Wire: JSON lines over stdin and stdout.

let pending = Buffer.alloc(0);

function readLine() {
  for (;;) {
    const newline = pending.indexOf(10);
    if (newline >= 0) {
      const line = pending.subarray(0, newline).toString('utf8');
      pending = pending.subarray(newline + 1);
      return JSON.parse(line);
    }
    const chunk = Buffer.alloc(1 << 16);
    let read;
    try {
      read = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      if (error.code === 'EAGAIN') continue;
      throw error;
    }
    if (read === 0) process.exit(0);
    pending = Buffer.concat([pending, chunk.subarray(0, read)]);
  }
}

function send(message) {
  const bytes = Buffer.from(JSON.stringify(message) + '\n', 'utf8');
  let written = 0;
  while (written < bytes.length) {
    try {
      written += fs.writeSync(1, bytes, written, bytes.length - written);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
    }
  }
}

const base64 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const unbase64 = (text) => new Uint8Array(Buffer.from(text, 'base64'));

// ---------------------------------------------------------------------------------------------
// Faults: thrown by host functions, carried unchanged through the Wasm frames that called them.

class HostFault extends Error {
  // `fault` is the wire form of concord_engine::HostFault.
  constructor(fault) {
    super('host fault');
    this.fault = fault;
  }
}

const kernelFault = (refusal, reason, fn = '') => new HostFault({ kernel: { function: fn, refusal, reason } });
const OUT_OF_MEMORY = () => new HostFault('out_of_memory');

// Names the function a fault happened in, unless an inner one already did.
function within(error, fn) {
  if (error instanceof HostFault && error.fault.kernel && error.fault.kernel.function === '') {
    error.fault.kernel.function = fn;
  }
  return error;
}

// V8's trap messages, matched here and nowhere else (an instantiation's trap carries the prefix
// "WebAssembly.Instance(): "). V8 has one message for a call through a null table entry and for a
// signature mismatch ("function signature mismatch" in V8 14.6, "null function or function
// signature mismatch" before), and one for a float that is NaN and one out of range when truncated
// to an integer, so it cannot say which of the two it was: each is the kind that names both.
const TRAPS = [
  ['unreachable', 'unreachable'],
  ['memory access out of bounds', 'memory_out_of_bounds'],
  ['operation does not support unaligned accesses', 'memory_out_of_bounds'],
  ['data segment', 'memory_out_of_bounds'],
  ['divide by zero', 'integer_division_by_zero'],
  ['remainder by zero', 'integer_division_by_zero'],
  ['divide result unrepresentable', 'integer_overflow'],
  ['float unrepresentable in integer range', 'float_unrepresentable'],
  ['table index is out of bounds', 'table_out_of_bounds'],
  ['element segment', 'table_out_of_bounds'],
  ['table access out of bounds', 'table_out_of_bounds'],
  ['function signature mismatch', 'indirect_call_null_or_bad_signature'],
  ['null function or function signature mismatch', 'indirect_call_null_or_bad_signature'],
  ['dereferencing a null pointer', 'null_reference'],
];

// Why a call into Wasm stopped, as concord_host::Stop on the wire; `null` when the error is none
// of these. A trap from a worker thread arrives as a copy, an Error named RuntimeError.
function wasmStop(error) {
  if (error instanceof HostFault) return { host: error.fault };
  if (error && error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { limit: 'deadline' };
  if (error instanceof RangeError && /call stack size/.test(error.message)) return { trap: 'stack_overflow' };
  if (error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.name === 'RuntimeError')) {
    const message = error.message.replace(/^WebAssembly\.Instance\(\): /, '');
    const found = TRAPS.find(([words]) => message.startsWith(words));
    return { trap: found ? found[1] : 'other' };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The embedder's host functions run on the Rust side. While one runs, its kernel requests come
// back here and are served by `serveKernel`, over the kernel of the instance that called it.

// An i64 arrives from Wasm as a BigInt, an i32 as a number (host functions with floats never
// reach the child: the Rust side refuses them).
function toWire(value) {
  return typeof value === 'bigint' ? { i64: String(value) } : { i32: value };
}

function fromWire(value) {
  if ('i64' in value) return BigInt(value.i64);
  if ('i32' in value) return value.i32;
  throw new Error(`a host function returned ${JSON.stringify(value)}`);
}

function callHost(index, args, serveKernel) {
  send({ host_call: { function: index, args: args.map(toWire) } });
  for (;;) {
    const message = readLine();
    if (message.kernel) {
      try {
        send({ kernel_answer: { ok: serveKernel(message.kernel) } });
      } catch (error) {
        send({ kernel_answer: { fault: error instanceof HostFault ? error.fault : { user: String(error) } } });
      }
      continue;
    }
    const answer = message.host_answer;
    if (answer.fault) throw new HostFault(answer.fault);
    const results = answer.results.map(fromWire);
    return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
  }
}

// ---------------------------------------------------------------------------------------------
// WASI, for a host script that forwards it: Concord's WASI runs on the Rust side, and reads and
// writes the guest's memory here, through views made at the moment of each access (a grow
// detaches the old buffer).

function callWasi(name, args, memory) {
  const size = memory ? memory.buffer.byteLength : null;
  send({ wasi_call: { name, args: args.map(toWire), memory_size: size } });
  for (;;) {
    const message = readLine();
    const access = message.memory;
    if (access) {
      const bytes = new Uint8Array(memory.buffer);
      if (access.op === 'read') {
        send({ memory_answer: { bytes: base64(bytes.subarray(access.at, access.at + access.len)) } });
      } else {
        bytes.set(unbase64(access.bytes), access.at);
        send({ memory_answer: {} });
      }
      continue;
    }
    const answer = message.wasi_answer;
    if (answer.fault) throw new HostFault(answer.fault);
    return answer.results.length === 0 ? undefined : fromWire(answer.results[0]);
  }
}

// ---------------------------------------------------------------------------------------------
// The request loop: each request's handler by its `op`; a handler may be async. A handler that
// throws is the host script failing, reported as `error` and the child kept.

const describe = (error) => `${(error && (error.name || error.constructor?.name)) || 'error'}: ${error && error.message}`;

// Modules compiled for crates/concord-node's `Compiled`, by handle. Every host script's other
// handles (instances, stores) come from the same counter.
const modules = new Map();
let nextHandle = 1;

const MODULE_HANDLERS = {
  compile: (request) => {
    try {
      const handle = nextHandle++;
      modules.set(handle, new WebAssembly.Module(unbase64(request.wasm)));
      return { module: handle };
    } catch (error) {
      return { invalid: String(error.message) };
    }
  },
  drop_module: (request) => void modules.delete(request.module),
};

async function serve(engineHandlers) {
  const handlers = { ...MODULE_HANDLERS, ...engineHandlers };
  for (;;) {
    const request = readLine();
    let answer;
    try {
      answer = { ok: (await handlers[request.op](request)) ?? {} };
    } catch (error) {
      answer = { error: describe(error) };
    }
    send(answer);
  }
}
