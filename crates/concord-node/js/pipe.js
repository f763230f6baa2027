// The pipe to the Rust side (crates/concord-node/src/child.rs and protocol.rs): JSON lines, one
// message on stdin, one on stdout. Reads and writes are synchronous, so that in the middle of a
// Wasm call a host function can ask the Rust side to run the embedder's callback and wait for its
// answer (host_calls.js). Nothing else may write to stdout.
'use strict';

const fs = require('node:fs');

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

module.exports = { readLine, send, base64, unbase64 };
