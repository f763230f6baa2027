// Concord's V8 host: a long-lived Node.js child that compiles, instantiates and calls Wasm for the
// `concord-v8` backend (crates/concord-v8/src/requests.rs names every request and its answer).
// Plugins (plugins.js) meet the kernel written here a second time (kernel.js, arena.js); WASI and
// the embedder's host functions run on the Rust side (crates/concord-node/js/host_calls.js). The
// typed-call layer (typed_store.js) runs modules for the spec testsuite and generated modules.
//
// Linear memory is read through views made at the moment of each access, never kept across a call
// into Wasm (a grow detaches the old buffer), and typed values are read with DataView,
// little-endian.
'use strict';

const { serve } = require('../../concord-node/js/serve');
const { plugins, instantiatePlugin, callPlugin, memoryOf, pagesOf } = require('./plugins');
const typed = require('./typed_store');
const { versions } = require('../../concord-node/js/platform');

serve(
  {
    hello: () => versions(),
    echo: (request) => ({ bytes: request.bytes }),
    instantiate: instantiatePlugin,
    call: callPlugin,
    memory: (request) => ({ memory: memoryOf(plugins.get(request.instance)) }),
    pages: (request) => ({ pages: pagesOf(plugins.get(request.instance)) }),
    typed_store: () => ({ store: typed.newStore() }),
    typed_compile: typed.typedCompile,
    typed_instantiate: typed.typedInstantiate,
    typed_register: typed.typedRegister,
    typed_invoke: typed.typedInvoke,
    typed_global: typed.typedGlobal,
    typed_memory: typed.typedMemory,
  },
  {
    instance: (handle) => plugins.delete(handle),
    store: (handle) => typed.stores.delete(handle),
  },
);
