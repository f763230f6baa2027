// The typed-call layer, for the spec testsuite and generated modules: a store of linked
// instances, values as integer bits. Floats and v128 never cross into JavaScript: the Rust side
// wraps each module so that its functions and globals take and return integer bits instead.
'use strict';

const { classify, run } = require('./run');
const { base64, unbase64 } = require('../../concord-node/js/pipe');
const { newHandle } = require('../../concord-node/js/serve');

const stores = new Map();

function newStore() {
  const handle = newHandle();
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
  let module;
  try {
    module = new WebAssembly.Module(unbase64(request.wasm));
  } catch (error) {
    return { invalid: String(error.message) };
  }
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
  const handle = newHandle();
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

function typedCompile(request) {
  try {
    new WebAssembly.Module(unbase64(request.wasm));
    return {};
  } catch (error) {
    return { invalid: String(error.message) };
  }
}

function typedRegister(request) {
  const store = stores.get(request.store);
  store.registered.set(request.name, store.instances.get(request.instance).instance.exports);
  return {};
}

module.exports = {
  stores,
  newStore,
  typedCompile,
  typedInstantiate,
  typedRegister,
  typedInvoke,
  typedGlobal,
  typedMemory,
};
