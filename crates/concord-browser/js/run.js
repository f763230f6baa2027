// Calls into Wasm under a deadline, and what stopped them.
'use strict';

const { wasmStop } = require('../../concord-node/js/traps');
const { describe } = require('../../concord-node/js/serve');

// Why a call into Wasm stopped, as concord_host::Stop on the wire.
const classify = (error) => wasmStop(error) ?? { engine_fault: describe(error) };

// A deadline is V8's own: node:vm runs the call under a watchdog that terminates the execution
// (V8's TerminateExecution) when it passes. The instance survives, as it stood when stopped.
// Without a deadline the call runs directly: the watchdog costs a thread per call. An engine that
// cannot stop Wasm here (JavaScriptCore in Bun, SpiderMonkey in PythonMonkey) is never sent one:
// the Rust side ends its child when the deadline passes.
let timedScript = null;

function run(deadlineMs, fn) {
  if (deadlineMs === null || deadlineMs === undefined) return fn();
  timedScript ??= new (require('node:vm').Script)('globalThis.concordTimed()');
  globalThis.concordTimed = fn;
  try {
    return timedScript.runInThisContext({ timeout: Math.max(1, deadlineMs) });
  } finally {
    globalThis.concordTimed = null;
  }
}

module.exports = { classify, run };
