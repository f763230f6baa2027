// The request loop: each request's handler by its `op`; a handler may be async. A handler that
// throws is the host script failing, reported as `error` and the child kept. Modules compiled for
// crates/concord-node's `Compiled` live here, by handle; every handle a script hands out (modules,
// instances, stores) comes from the same counter, and `drop` frees one through the dropper of its
// kind.
'use strict';

const { readLine, send, unbase64 } = require('./pipe');

const describe = (error) => `${(error && (error.name || error.constructor?.name)) || 'error'}: ${error && error.message}`;

const modules = new Map();
let nextHandle = 1;
const newHandle = () => nextHandle++;

const MODULE_HANDLERS = {
  compile: (request) => {
    try {
      const handle = newHandle();
      modules.set(handle, new WebAssembly.Module(unbase64(request.wasm)));
      return { module: handle };
    } catch (error) {
      return { invalid: String(error.message) };
    }
  },
};

// `droppers` frees a handle of each kind the script hands out, by kind (`instance`, `store`).
async function serve(engineHandlers, droppers) {
  const dropperOf = { module: (handle) => modules.delete(handle), ...droppers };
  const drop = async ({ kind, handle }) => {
    if (!dropperOf[kind]) throw new Error(`no handles of kind ${kind}`);
    await dropperOf[kind](handle);
  };
  const handlers = { ...MODULE_HANDLERS, drop, ...engineHandlers };
  for (;;) {
    const request = readLine();
    let answer;
    try {
      const handler = handlers[request.op];
      if (!handler) throw new Error(`no request ${request.op}`);
      answer = { ok: (await handler(request)) ?? {} };
    } catch (error) {
      answer = { error: describe(error) };
    }
    send(answer);
  }
}

module.exports = { serve, describe, modules, newHandle };
