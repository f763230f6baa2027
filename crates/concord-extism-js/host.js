// Concord's host for Extism's JavaScript SDK (`@extism/extism` on Node.js), run after
// crates/concord-node/prelude.js (the pipe, host calls, V8's traps) for the `concord-extism-js`
// backend. The plugin runs under Extism's own kernel and WASI, written in JavaScript, as an
// embedder who picked that SDK gets them; Concord only configures it and reads what it answers.
//
// What the SDK offers is what is used: `createPlugin` with the memory limit (`memory.maxPages`),
// the plugin's config, WASI, host functions, and a deadline as `timeoutMs`. The SDK enforces a
// timeout only with `runInWorker` (it terminates the worker and starts a fresh one), and Concord
// gives every call a deadline, so every plugin runs in a worker thread; the host functions run on
// the child's main thread, which the worker waits for. The SDK has no fuel.

const extism = require('@extism/extism');

// The SDK logs through a plugin's logger (a memory limit it refuses, the plugin's log calls);
// stdout is the pipe. One line is news: when restarting its worker after a timeout takes longer
// than the timeout itself, the SDK gives up on the plugin and never settles the call that timed
// out, which it may say after the call is over.
const WILL_HANG = 'Plugin will hang';
const loggerOf = (plugin) => ({
  trace() {},
  debug() {},
  info() {},
  warn() {},
  log() {},
  error: (message) => String(message).includes(WILL_HANG) && plugin.onHang && plugin.onHang(),
});

// An error the SDK lets escape every promise (a worker whose plugin traps in its start function
// fails outside any): it would end an embedder's process. Here it ends the request it happened
// in, as that request's engine fault, and the child goes on.
class Escaped extends Error {}
let onEscape = null;
process.on('uncaughtException', (error) => {
  const escaped = new Escaped(describe(revive(error)));
  if (onEscape) onEscape(escaped);
  else process.stderr.write(`an error escaped the SDK between requests: ${escaped.message}\n`);
});

// The call was stopped at its deadline (the SDK terminated the worker running it), but the SDK
// will not say so: see loggerOf.
class Hung extends Error {}

// `promise`, or the error that escapes while it is pending, or the hang of `plugin`'s call.
async function guarded(promise, plugin = {}) {
  promise.catch(() => {});
  const escaped = new Promise((_, reject) => {
    onEscape = reject;
    plugin.onHang = () => reject(new Hung(WILL_HANG));
  });
  try {
    return await Promise.race([promise, escaped]);
  } finally {
    onEscape = null;
    plugin.onHang = null;
  }
}

const plugins = new Map();

// The kernel functions the SDK links into the plugin. Its host-function API has no `free` and no
// way to write into a block it did not just store; these are the plugin's own kernel.
function kernelOf(context) {
  const env = Object.getOwnPropertySymbols(context).find((symbol) => symbol.description === 'env');
  return context[env];
}

// A Rust host function's kernel request, served by the SDK's kernel of the plugin that called it.
function serveKernel(context, plugin, request) {
  switch (request.op) {
    case 'read_block': {
      const block = context.read(BigInt(request.offset));
      if (block === null) throw kernelFault('no-block', `no block at ${request.offset}`);
      return { bytes: base64(block.bytes()) };
    }
    case 'write_block':
      return { offset: Number(context.store(unbase64(request.bytes))) };
    case 'block_length':
      return { length: Number(context.length(BigInt(request.offset))) };
    case 'alloc': {
      const offset = context.alloc(request.len);
      if (offset === 0n) throw new HostFault('out_of_memory');
      return { offset: Number(offset) };
    }
    case 'write_into': {
      const block = context.read(BigInt(request.block));
      const bytes = unbase64(request.bytes);
      if (block === null || request.at + bytes.length > block.byteLength) {
        throw kernelFault('past-end', `${bytes.length} bytes at ${request.at} do not fit block ${request.block}`);
      }
      const kernel = kernelOf(context);
      bytes.forEach((byte, i) => kernel.store_u8(BigInt(request.block) + BigInt(request.at + i), byte));
      return {};
    }
    case 'free':
      kernelOf(context).free(BigInt(request.block));
      return {};
    case 'input':
      return { bytes: base64(plugin.input) };
    case 'config':
      return { value: Object.hasOwn(plugin.config, request.key) ? plugin.config[request.key] : null };
    default:
      throw new Error(`unknown kernel request ${request.op}`);
  }
}

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
  const handle = nextHandle++;
  plugins.set(handle, plugin);
  return { instance: handle };
}

// The SDK's own failures carry no type, only these words (mod.js of 2.0.0-rc13), matched here and
// nowhere else.
const PLUGIN_ERROR = 'Plugin-originated error: ';
const TIMED_OUT = 'EXTISM: call canceled due to timeout';
// timeoutMs also bounds starting the plugin's worker.
const START_TIMED_OUT = 'EXTISM: timed out while waiting for plugin to instantiate';
const SDK_STATE = ['worker not initialized', 'plugin is not reentrant'];

// From its worker the SDK hands an error back as a plain object, its class named only in the first
// line of `originalStack`.
function revive(error) {
  if (error instanceof Error || !error || typeof error.originalStack !== 'string') return error;
  const name = error.originalStack.split(':', 1)[0];
  const revived = name === 'RangeError' ? new RangeError(error.message) : new Error(error.message);
  revived.name = name;
  return revived;
}

// How a plugin call ended. The SDK reports a plugin's error by its message alone: it never reads
// the export's return code (a plugin that returns non-zero without setting an error succeeds),
// so a guest error's code is 0 here.
function outcomeOf(thrown) {
  if (thrown instanceof Hung) return { stop: { limit: 'deadline' } };
  if (thrown instanceof Escaped) return { stop: { engine_fault: `the SDK let an error escape: ${thrown.message}` } };
  const error = revive(thrown);
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(PLUGIN_ERROR)) {
    return { guest_error: { code: 0, message: message.slice(PLUGIN_ERROR.length) } };
  }
  if (message === TIMED_OUT) return { stop: { limit: 'deadline' } };
  const stop = wasmStop(error);
  if (stop) return { stop };
  if (SDK_STATE.includes(message)) return { stop: { engine_fault: describe(error) } };
  // Node's WASI leaves proc_exit by throwing an object that is no Error; from the worker it comes
  // back with neither message nor stack. The plugin ended the call, and its exit code is lost.
  if (!(error instanceof Error) && error && error.message === undefined && error.originalStack === undefined) {
    return { guest_error: { code: 0, message: '' } };
  }
  // Anything else was thrown inside the call by the SDK's kernel or WASI, refusing what the
  // plugin passed it; like Extism's Rust host, it does not say which function.
  return { stop: { host: { kernel: { function: '', reason: message } } } };
}

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

serve({
  hello: () => ({ v8: process.versions.v8, node: process.versions.node, extism: extismVersion() }),
  instantiate,
  call,
  drop_instance: async (request) => {
    const plugin = plugins.get(request.instance);
    plugins.delete(request.instance);
    if (plugin) await plugin.sdk.close();
  },
});

function extismVersion() {
  const path = require('node:path').join(process.cwd(), 'node_modules/@extism/extism/package.json');
  return JSON.parse(fs.readFileSync(path, 'utf8')).version;
}
