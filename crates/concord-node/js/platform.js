// What the runtime a host script runs in gives it: the pipe's bytes, base64, UTF-8 and SHA-256,
// and the names and versions of the engine and of the runtime. Node (V8) and Bun
// (JavaScriptCore) give them through Node's modules; PythonMonkey (SpiderMonkey) has none of
// those, and its Python side (crates/concord-node/python/pipe.py) hands them in as
// `globalThis.concordPython` before the script loads.
'use strict';

// Each string from the Python side ends with one character outside the Basic Multilingual Plane
// (two UTF-16 units), which makes PythonMonkey copy it rather than lend it (see pipe.py).
const uncopied = (text) => text.slice(0, -2);

function fromPython(python) {
  return {
    readLine: () => uncopied(python.readLine()),
    writeLine: (text) => python.writeLine(text),
    base64: (bytes) => uncopied(python.base64(bytes)),
    unbase64: (text) => new Uint8Array(python.unbase64(text)),
    sha256: (bytes) => uncopied(python.sha256(bytes)),
    utf8Decode: (bytes, fatal) => uncopied(python.utf8Decode(bytes, fatal)),
    utf8Encode: (text) => new Uint8Array(python.utf8Encode(text)),
    versions: () => ({ ...python.versions }),
  };
}

function fromNode() {
  const fs = require('node:fs');
  const crypto = require('node:crypto');
  let pending = Buffer.alloc(0);
  const readLine = () => {
    for (;;) {
      const newline = pending.indexOf(10);
      if (newline >= 0) {
        const line = pending.subarray(0, newline).toString('utf8');
        pending = pending.subarray(newline + 1);
        return line;
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
  };
  const writeLine = (text) => {
    const bytes = Buffer.from(text + '\n', 'utf8');
    let written = 0;
    while (written < bytes.length) {
      try {
        written += fs.writeSync(1, bytes, written, bytes.length - written);
      } catch (error) {
        if (error.code !== 'EAGAIN') throw error;
      }
    }
  };
  const strict = new TextDecoder('utf-8', { fatal: true });
  const lossy = new TextDecoder('utf-8');
  // Bun says which V8 its Node API matches in `versions.v8`: its engine is JavaScriptCore.
  const bun = process.versions.bun;
  return {
    readLine,
    writeLine,
    base64: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
    unbase64: (text) => new Uint8Array(Buffer.from(text, 'base64')),
    sha256: (bytes) => crypto.createHash('sha256').update(bytes).digest('hex'),
    utf8Decode: (bytes, fatal) => (fatal ? strict : lossy).decode(bytes),
    utf8Encode: (text) => new TextEncoder().encode(text),
    versions: () =>
      bun
        ? { engine: 'javascriptcore', engine_version: process.versions.webkit, runtime: 'bun', runtime_version: bun }
        : { engine: 'v8', engine_version: process.versions.v8, runtime: 'node', runtime_version: process.versions.node },
  };
}

module.exports = globalThis.concordPython ? fromPython(globalThis.concordPython) : fromNode();
