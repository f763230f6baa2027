// Concord's V8 host: a long-lived Node.js child that compiles, instantiates and calls Wasm for the
// `concord-v8` backend, after crates/concord-node/prelude.js (the pipe, host calls, V8's traps).
//
// The plugin kernel (`extism:host/env`) is written here a second time, after
// crates/concord-host/src/kernel, with the same bounds checks and the same refusals, so a plugin
// sees the same host on V8 as on the native engines. WASI is not: each call is forwarded to the
// Rust side (prelude.js's `callWasi`), where Concord's one WASI runs over this instance's memory.
// Linear memory is read through views made at the moment of each access, never kept across a call
// into Wasm (a grow detaches the old buffer), and typed values are read with DataView,
// little-endian.
//
// The typed-call layer (`typed_*`) runs modules for the spec testsuite and generated modules.
// Floats and v128 never cross into JavaScript: the Rust side wraps each module so that its
// functions and globals take and return integer bits instead.

const crypto = require('node:crypto');
const vm = require('node:vm');

// Why a call into Wasm stopped, as concord_host::Stop on the wire.
const classify = (error) => wasmStop(error) ?? { engine_fault: describe(error) };

// A deadline is V8's own: node:vm runs the call under a watchdog that terminates the execution
// (V8's TerminateExecution) when it passes. The instance survives, as it stood when stopped.
// Without a deadline the call runs directly: the watchdog costs a thread per call.
const timedScript = new vm.Script('globalThis.concordTimed()');

function run(deadlineMs, fn) {
  if (deadlineMs === null || deadlineMs === undefined) return fn();
  globalThis.concordTimed = fn;
  try {
    return timedScript.runInThisContext({ timeout: Math.max(1, deadlineMs) });
  } finally {
    globalThis.concordTimed = null;
  }
}

// ---------------------------------------------------------------------------------------------
// The kernel's block arena, as crates/concord-host/src/kernel/arena.rs keeps it.

const ADDRESS_SPACE = 2 ** 32;
const FIRST_OFFSET = 8;
const ALIGN = 8;
const GUARD = 8;
const PAGE = 65536;

// A guest's i64 offset as a number; offsets past 2^53 lie in no block, so precision there is moot.
const offsetOf = (value) => Number(BigInt.asUintN(64, value));

class Arena {
  constructor(limit) {
    this.limit = limit;
    this.reset();
  }

  reset() {
    this.bytes = new Uint8Array(1024);
    this.used = FIRST_OFFSET;
    this.blocks = new Map();
    this.starts = []; // block starts, ascending: a new block always goes after every other
  }

  alloc(len) {
    if (len === 0) return 0;
    // Extism's kernel reuses a freed block only when a new one would not fit the memory it
    // already has (its pages, here also the limit): a block freed and the block made next
    // start at different offsets.
    const room = Math.min(Math.max(1, Math.ceil(this.used / PAGE)) * PAGE, this.limit ?? ADDRESS_SPACE);
    const fits = this.used + Math.ceil(len / ALIGN) * ALIGN + GUARD <= room;
    for (const start of fits ? [] : this.starts) {
      const block = this.blocks.get(start);
      if (!block.live && block.capacity >= len) {
        block.live = true;
        block.len = len;
        this.bytes.fill(0, start, start + len);
        return start;
      }
    }
    const offset = this.used;
    const capacity = Math.ceil(len / ALIGN) * ALIGN;
    const end = offset + capacity + GUARD;
    if (end > (this.limit ?? ADDRESS_SPACE)) {
      // Past a configured limit the call fails; past the address space the kernel answers 0.
      if (this.limit !== null) throw OUT_OF_MEMORY();
      return 0;
    }
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    this.used = end;
    this.blocks.set(offset, { len, capacity, live: true });
    this.starts.push(offset);
    return offset;
  }

  free(offset) {
    const block = this.blocks.get(offset);
    if (block && block.live) block.live = false;
  }

  // The block starting at or nearest below `offset`: [start, block] or null.
  below(offset) {
    let [low, high, found] = [0, this.starts.length - 1, -1];
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.starts[middle] <= offset) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found < 0 ? null : [this.starts[found], this.blocks.get(this.starts[found])];
  }

  // The block whose span holds `offset`, live or freed: [start, block] or null.
  containing(offset) {
    const found = this.below(offset);
    return found && offset < found[0] + Math.max(found[1].capacity, found[1].len) ? found : null;
  }

  notABlock(offset) {
    const found = this.containing(offset);
    return found
      ? kernelFault('mid-block', `${offset} is inside the block at ${found[0]}`)
      : kernelFault('no-block', `${offset} is in no block`);
  }

  length(offset) {
    const block = this.blocks.get(offset);
    return block && block.live ? block.len : 0;
  }

  // Extism's length_unsafe reads the length a block's header holds, which freeing zeroes.
  lengthUnchecked(offset) {
    const block = this.blocks.get(offset);
    return block && block.live ? block.len : 0;
  }

  // The start of `offset..offset+len` if it lies inside one live block.
  checked(offset, len) {
    const end = offset + len;
    const found = this.below(offset);
    if (found && found[1].live && end <= found[0] + found[1].len && end <= Number.MAX_SAFE_INTEGER) return offset;
    const span = this.containing(offset);
    const refusal = offset === 0 ? 'null' : span && !span[1].live ? 'freed' : span ? 'past-end' : 'no-block';
    throw kernelFault(refusal, `${len} bytes at offset ${offset} are outside every live block`);
  }

  read(offset, len) {
    const at = this.checked(offset, len);
    return this.bytes.subarray(at, at + len);
  }

  write(offset, data) {
    const at = this.checked(offset, data.length);
    this.bytes.set(data, at);
  }

  block(offset) {
    if (offset === 0) return new Uint8Array(0);
    const block = this.blocks.get(offset);
    if (block && block.live) return this.read(offset, block.len);
    if (block) throw kernelFault('freed', `block ${offset} is freed`);
    throw this.notABlock(offset);
  }

  allocBytes(data) {
    const offset = this.alloc(data.length);
    if (offset !== 0) this.write(offset, data);
    return offset;
  }
}

// ---------------------------------------------------------------------------------------------
// The kernel, as crates/concord-host/src/kernel/mod.rs keeps it.

const VAR_STORE_LIMIT = 1024 * 1024;
const LOG_LIMIT = 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const lossy = new TextDecoder('utf-8');
const encode = (text) => new TextEncoder().encode(text);

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
    return this.error === 0 ? null : lossy.decode(this.arena.block(this.error));
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
      return utf8.decode(bytes);
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

function serveKernel(plugin, request) {
  const k = plugin.kernel;
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

// ---------------------------------------------------------------------------------------------
// Plugins.

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
      if (body === undefined) return { failed: { other: `host.js has no kernel function ${name}` } };
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
          return callWasi(name, args, plugin.memory);
        } catch (error) {
          throw within(error, name);
        }
      };
    } else {
      table[name] = (...args) => {
        try {
          return callHost(link.function, args, (request) => serveKernel(plugin, request));
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
  const handle = nextHandle++;
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
  return { pages: bytes.length / 65536, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

// ---------------------------------------------------------------------------------------------
// The typed-call layer: a store of linked instances, values as integer bits.

const stores = new Map();

function newStore() {
  const handle = nextHandle++;
  stores.set(handle, { instances: new Map(), registered: new Map([['spectest', spectest()]]) });
  return handle;
}

function spectest() {
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: 10, maximum: 20 });
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const print = () => {};
  return {
    print,
    print_i32: print,
    print_i64: print,
    print_f32: print,
    print_f64: print,
    print_i32_f32: print,
    print_f64_f64: print,
    global_i32: new WebAssembly.Global({ value: 'i32' }, 666),
    global_i64: new WebAssembly.Global({ value: 'i64' }, 666n),
    global_f32: new WebAssembly.Global({ value: 'f32' }, Math.fround(666.6)),
    global_f64: new WebAssembly.Global({ value: 'f64' }, 666.6),
    table,
    memory,
  };
}

// Host-made externrefs keep their number: the same object each time, so identity survives.
const externs = new Map();
function externRef(handle) {
  if (!externs.has(handle)) externs.set(handle, { concordExtern: handle });
  return externs.get(handle);
}

function toJs(value) {
  switch (value.type) {
    case 'i32':
      return value.bits | 0;
    case 'i64':
      return BigInt.asIntN(64, BigInt(value.bits));
    case 'funcref':
      return null;
    case 'externref':
      return value.handle === null ? null : externRef(value.handle);
    default:
      throw new Error(`cannot pass ${value.type}`);
  }
}

function fromJs(type, value) {
  switch (type) {
    case 'i32':
      return { type, bits: String(value >>> 0) };
    case 'i64':
      return { type, bits: String(BigInt.asUintN(64, value)) };
    case 'funcref':
      return { type, null: value === null };
    case 'externref':
      if (value === null) return { type, handle: null };
      return { type, handle: value && typeof value.concordExtern === 'number' ? value.concordExtern : -1 };
    default:
      throw new Error(`cannot return ${type}`);
  }
}

// A module is instantiated with its wrapper: the wrapper imports the module's exported functions
// and globals (as "module") and exports the same functions over integer bits, and each global
// through a getter named `concord:global:NAME`. Other modules link to the module itself.
function typedInstantiate(request) {
  const store = stores.get(request.store);
  const module = new WebAssembly.Module(unbase64(request.wasm));
  const imports = {};
  for (const { module: from, name } of WebAssembly.Module.imports(module)) {
    const exports = store.registered.get(from);
    if (!exports || !(name in exports)) return { failed: { missing: { module: from, name } } };
    (imports[from] ??= {})[name] = exports[name];
  }
  let instance;
  try {
    instance = run(request.deadline_ms, () => new WebAssembly.Instance(module, imports));
  } catch (error) {
    if (error instanceof RangeError && /Out of memory/.test(error.message)) return { failed: 'memory_limit' };
    // An import of the wrong kind is a TypeError in the JavaScript API, of the wrong type a LinkError.
    if (error instanceof WebAssembly.LinkError || error instanceof TypeError) return { failed: { link: error.message } };
    return { start: classify(error) };
  }
  const wrapper = new WebAssembly.Instance(new WebAssembly.Module(unbase64(request.wrapper)), {
    module: instance.exports,
  });
  const handle = nextHandle++;
  store.instances.set(handle, { instance, wrapper, deadline_ms: request.deadline_ms });
  return { instance: handle };
}

function typedInvoke(request) {
  const store = stores.get(request.store);
  const { wrapper, deadline_ms } = store.instances.get(request.instance);
  const fn = wrapper.exports[request.export];
  if (typeof fn !== 'function') return { stop: { engine_fault: `no function ${request.export}` } };
  try {
    const args = request.args.map(toJs);
    const result = run(deadline_ms, () => fn(...args));
    const values = request.results.length === 1 ? [result] : request.results.length === 0 ? [] : [...result];
    return { values: values.map((value, i) => fromJs(request.results[i], value)) };
  } catch (error) {
    return { stop: classify(error) };
  }
}

function typedGlobal(request) {
  const { wrapper } = stores.get(request.store).instances.get(request.instance);
  const getter = wrapper.exports[`concord:global:${request.export}`];
  if (typeof getter !== 'function') return { missing: true };
  const result = getter();
  const values = request.results.length === 1 ? [result] : [...result];
  return { values: values.map((value, i) => fromJs(request.results[i], value)) };
}

function typedMemory(request) {
  const { instance } = stores.get(request.store).instances.get(request.instance);
  const memory = instance.exports[request.export];
  if (!(memory instanceof WebAssembly.Memory)) return { missing: true };
  return { bytes: base64(new Uint8Array(memory.buffer)) };
}

// ---------------------------------------------------------------------------------------------
// The request loop.

const HANDLERS = {
  hello: () => ({ v8: process.versions.v8, node: process.versions.node }),
  echo: (request) => ({ bytes: request.bytes }),
  instantiate: instantiatePlugin,
  call: callPlugin,
  memory: (request) => ({ memory: memoryOf(plugins.get(request.instance)) }),
  pages: (request) => {
    const { memory } = plugins.get(request.instance);
    return { pages: memory ? memory.buffer.byteLength / 65536 : null };
  },
  memory_bytes: (request) => {
    const plugin = plugins.get(request.instance);
    return { bytes: plugin.memory ? base64(new Uint8Array(plugin.memory.buffer)) : null };
  },
  drop_instance: (request) => void plugins.delete(request.instance),
  typed_store: () => ({ store: newStore() }),
  typed_compile: (request) => {
    try {
      new WebAssembly.Module(unbase64(request.wasm));
      return {};
    } catch (error) {
      return { invalid: String(error.message) };
    }
  },
  typed_instantiate: typedInstantiate,
  typed_register: (request) => {
    const store = stores.get(request.store);
    store.registered.set(request.name, store.instances.get(request.instance).instance.exports);
    return {};
  },
  typed_invoke: typedInvoke,
  typed_global: typedGlobal,
  typed_memory: typedMemory,
  drop_store: (request) => void stores.delete(request.store),
};

serve(HANDLERS);
