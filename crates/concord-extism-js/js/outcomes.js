// How a plugin call or start ended, read from what the SDK threw: its words matched here and
// nowhere else.
'use strict';

const { wasmStop } = require('../../concord-node/js/traps');
const { describe } = require('../../concord-node/js/serve');

// An error the SDK let escape every promise (guard.js).
class Escaped extends Error {}

// The call was stopped at its deadline (the SDK terminated the worker running it), but the SDK
// will not say so (guard.js's loggerOf).
class Hung extends Error {}

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

module.exports = { revive, outcomeOf, START_TIMED_OUT, Escaped, Hung };
