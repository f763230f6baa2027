// What the SDK does outside the promises it returns, caught so that it ends one request rather
// than the child: errors that escape, and calls it gives up on.
'use strict';

const { describe } = require('../../concord-node/js/serve');
const { revive, Escaped, Hung } = require('./outcomes');

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
let onEscape = null;
process.on('uncaughtException', (error) => {
  const escaped = new Escaped(describe(revive(error)));
  if (onEscape) onEscape(escaped);
  else process.stderr.write(`an error escaped the SDK between requests: ${escaped.message}\n`);
});

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

module.exports = { loggerOf, guarded };
