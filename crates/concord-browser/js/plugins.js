// Plugins: an instance of a compiled module linked to the kernel (kernel.js), to Concord's WASI
// and to the embedder's host functions (both on the Rust side), its initialisation, and its calls,
// ended with Extism's precedence.
'use strict';

const { Kernel, KERNEL, serveKernel } = require('./kernel');
const { classify, run } = require('./run');
const { PAGE } = require('./arena');
const { base64, unbase64 } = require('../../concord-node/js/pipe');
const { sha256 } = require('../../concord-node/js/platform');
const { within } = require('../../concord-node/js/faults');
const { callHost, callWasi } = require('../../concord-node/js/host_calls');
const { modules, newHandle } = require('../../concord-node/js/serve');

const plugins = new Map();

function instantiatePlugin(request) {
  const module = modules.get(request.module);
  const plugin = {
    kernel: new Kernel(request.memory_limit_bytes ?? null, request.config),
    memory: null,
    // The guest runtime's initialisation, run before the first call (crate concord-engine's PluginAbi).
    firstCall: request.first_call,
  };
  const imports = {};
  for (const link of request.imports) {
    const table = (imports[link.module] ??= {});
    const name = link.name;
    if (link.kind === 'kernel') {
      const body = KERNEL[name];
      // The Rust side links every function of Concord's kernel here; one this script lacks is
      // this script's gap, said at once rather than when the guest first calls it.
      if (body === undefined) return { failed: { other: `the V8 host has no kernel function ${name}` } };
      table[name] = (...args) => {
        try {
          return body(plugin.kernel, ...args);
        } catch (error) {
          throw within(error, name);
        }
      };
    } else if (link.kind === 'wasi') {
      table[name] = (...args) => {
        try {
          return callWasi(name, args, plugin.memory, link.reads_first);
        } catch (error) {
          throw within(error, name);
        }
      };
    } else {
      table[name] = (...args) => {
        try {
          return callHost(link.function, args, (request) => serveKernel(plugin.kernel, request));
        } catch (error) {
          throw within(error, name);
        }
      };
    }
  }
  let instance;
  try {
    instance = run(request.deadline_ms, () => new WebAssembly.Instance(module, imports));
  } catch (error) {
    if (error instanceof RangeError && /Out of memory/.test(error.message)) return { failed: 'memory_limit' };
    if (error instanceof WebAssembly.LinkError) return { failed: { other: error.message } };
    return { start: classify(error) };
  }
  plugin.instance = instance;
  plugin.deadline_ms = request.deadline_ms;
  plugin.memory = instance.exports.memory instanceof WebAssembly.Memory ? instance.exports.memory : null;
  for (const init of request.init) {
    try {
      runInit(plugin, init);
    } catch (error) {
      return { start: classify(error) };
    }
  }
  const handle = newHandle();
  plugins.set(handle, plugin);
  return { instance: handle };
}

// One of the guest's initialisation functions, with zeros for its arguments.
function runInit(plugin, init) {
  const fn = plugin.instance.exports[init.export];
  run(plugin.deadline_ms, () => fn(...new Array(init.args).fill(0)));
}

// How a call that threw ends: a WASI exit is a return with its code, anything else a stop.
function stopped(plugin, error) {
  const stop = classify(error);
  return stop.host && stop.host.exit !== undefined ? finish(plugin, stop.host.exit) : { stop };
}

// Extism's precedence: an error message wins over the return code, a code over the output.
function callPlugin(request) {
  const plugin = plugins.get(request.instance);
  const fn = plugin.instance.exports[request.export];
  if (typeof fn !== 'function') return { outcome: { stop: { engine_fault: `no function ${request.export}` } } };
  const inits = plugin.firstCall;
  plugin.firstCall = [];
  for (const init of inits) {
    try {
      runInit(plugin, init);
    } catch (error) {
      return { outcome: stopped(plugin, error) };
    }
  }
  plugin.kernel.beginCall(unbase64(request.input));
  try {
    const code = run(plugin.deadline_ms, fn);
    return { outcome: finish(plugin, typeof code === 'number' ? code : 0) };
  } catch (error) {
    return { outcome: stopped(plugin, error) };
  }
}

function finish(plugin, code) {
  try {
    const message = plugin.kernel.errorMessage();
    if (message !== null) return { guest_error: { code, message } };
    if (code !== 0) return { guest_error: { code, message: '' } };
    return { returned: base64(plugin.kernel.outputBytes()) };
  } catch (error) {
    return { stop: classify(error) };
  }
}

function memoryOf(plugin) {
  if (!plugin.memory) return null;
  const bytes = new Uint8Array(plugin.memory.buffer);
  return { pages: bytes.length / 65536, sha256: sha256(bytes) };
}

function pagesOf(plugin) {
  return plugin.memory ? plugin.memory.buffer.byteLength / PAGE : null;
}

module.exports = { plugins, instantiatePlugin, callPlugin, memoryOf, pagesOf };
