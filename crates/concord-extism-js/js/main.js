// Concord's host for Extism's JavaScript SDK (`@extism/extism` on Node.js), for the
// `concord-extism-js` backend (its src/requests.rs names every request and its answer). The plugin
// runs under Extism's own kernel and WASI, written in JavaScript, as an embedder who picked that
// SDK gets them; Concord only configures it and reads what it answers.
//
// What the SDK offers is what is used: `createPlugin` with the memory limit (`memory.maxPages`),
// the plugin's config, WASI, host functions, and a deadline as `timeoutMs`. The SDK enforces a
// timeout only with `runInWorker` (it terminates the worker and starts a fresh one), and Concord
// gives every call a deadline, so every plugin runs in a worker thread; the host functions run on
// the child's main thread, which the worker waits for. The SDK has no fuel.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const extism = require('@extism/extism');
const { base64, unbase64 } = require('../../concord-node/js/pipe');
const { callHost } = require('../../concord-node/js/host_calls');
const { wasmStop } = require('../../concord-node/js/traps');
const { serve, describe, modules, newHandle } = require('../../concord-node/js/serve');
const { loggerOf, guarded } = require('./guard');
const { serveKernel } = require('./kernel');
const { revive, outcomeOf, START_TIMED_OUT, Escaped } = require('./outcomes');

const plugins = new Map();

async function instantiate(request) {
  const module = modules.get(request.module);
  // What the SDK's functionExists would answer, read once from the module rather than asked of the
  // worker on every call, where the question would race the timeout like a call.
  const callable = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name));
  const plugin = { sdk: null, module, callable, input: new Uint8Array(0), config: request.config, onHang: null };
  const functions = {};
  for (const link of request.host_functions) {
    functions[link.module] ??= {};
    functions[link.module][link.name] = (context, ...args) =>
      callHost(link.function, args, (kernelRequest) => serveKernel(context, plugin, kernelRequest));
  }
  const options = {
    useWasi: request.wasi,
    runInWorker: true,
    timeoutMs: request.deadline_ms ?? null,
    memory: request.max_pages === null ? {} : { maxPages: request.max_pages },
    config: request.config,
    functions,
    logger: loggerOf(plugin),
    enableWasiOutput: false,
  };
  try {
    plugin.sdk = await guarded(extism.createPlugin({ wasm: [{ module: plugin.module }] }, options), plugin);
  } catch (thrown) {
    if (thrown instanceof Escaped) return { engine_fault: `the SDK let an error escape: ${thrown.message}` };
    const error = revive(thrown);
    if (error instanceof Error && error.message === START_TIMED_OUT) return { start_timed_out: true };
    const stop = wasmStop(error);
    return stop ? { start: stop } : { failed: describe(error) };
  }
  const handle = newHandle();
  plugins.set(handle, plugin);
  return { instance: handle };
}

// The SDK's own failures carry no type, only these words (mod.js of 2.0.0-rc13), matched here and

async function call(request) {
  const plugin = plugins.get(request.instance);
  plugin.input = unbase64(request.input);
  try {
    if (!plugin.callable.has(request.export)) return { not_a_function: true };
    const output = await guarded(plugin.sdk.call(request.export, plugin.input), plugin);
    return { outcome: { returned: base64(output ? output.bytes() : new Uint8Array(0)) } };
  } catch (error) {
    return { outcome: outcomeOf(error) };
  }
}

serve(
  {
    hello: () => ({ v8: process.versions.v8, node: process.versions.node, extism: extismVersion() }),
    instantiate,
    call,
  },
  {
    instance: async (handle) => {
      const plugin = plugins.get(handle);
      plugins.delete(handle);
      if (plugin) await plugin.sdk.close();
    },
  },
);

function extismVersion() {
  const manifest = path.join(process.cwd(), 'node_modules/@extism/extism/package.json');
  return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
}
