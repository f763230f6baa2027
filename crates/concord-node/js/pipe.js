// The pipe to the Rust side (crates/concord-node/src/child.rs and protocol.rs): JSON lines, one
// message on stdin, one on stdout, over the runtime's own reads and writes (platform.js). Reads
// and writes are synchronous, so that in the middle of a Wasm call a host function can ask the
// Rust side to run the embedder's callback and wait for its answer (host_calls.js). Nothing else
// may write to stdout.
'use strict';

const platform = require('./platform');

const readLine = () => JSON.parse(platform.readLine());
const send = (message) => platform.writeLine(JSON.stringify(message));

module.exports = { readLine, send, base64: platform.base64, unbase64: platform.unbase64 };
