// What runs on the Rust side in the middle of a Wasm call: the embedder's host functions, whose
// kernel requests come back here and are served by `serveKernel` over the kernel of the instance
// that called them, and Concord's WASI for a host script that forwards it, which reads and writes
// the guest's memory here through views made at the moment of each access (a grow detaches the
// old buffer).
'use strict';

const { readLine, send, base64, unbase64 } = require('./pipe');
const { HostFault } = require('./faults');

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

function callWasi(name, args, memory, readsFirst) {
  const size = memory ? memory.buffer.byteLength : null;
  const ahead = memory ? arrayAhead(readsFirst, args, memory) : null;
  send({ wasi_call: { name, args: args.map(toWire), memory_size: size, ahead } });
  for (;;) {
    const message = readLine();
    const access = message.memory;
    if (access) {
      const bytes = new Uint8Array(memory.buffer);
      if (access.op === 'read') {
        send({ memory_answer: { bytes: base64(bytes.subarray(access.at, access.at + access.len)) } });
      } else {
        // A write is not answered: the Rust side checked its range and does not wait for it.
        bytes.set(unbase64(access.bytes), access.at);
      }
      continue;
    }
    const answer = message.wasi_answer;
    if (answer.fault) throw new HostFault(answer.fault);
    return answer.results.length === 0 ? undefined : fromWire(answer.results[0]);
  }
}

// The array of records the function reads first (`reads_first`, from the Rust side), when it lies
// inside the memory and is small: sent with the call, it saves the Rust side a round trip.
const AHEAD_MAX = 4096;

function arrayAhead(readsFirst, args, memory) {
  if (!readsFirst) return null;
  const at = args[readsFirst.pointer] >>> 0;
  const len = (args[readsFirst.count] >>> 0) * readsFirst.record_size;
  if (len === 0 || len > AHEAD_MAX || at + len > memory.buffer.byteLength) return null;
  return { at, bytes: base64(new Uint8Array(memory.buffer, at, len)) };
}

module.exports = { callHost, callWasi };
