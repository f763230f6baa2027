// Why a call into Wasm stopped, read from what V8 threw: its trap messages matched here and
// nowhere else.
'use strict';

const { HostFault } = require('./faults');

// V8's trap messages (an instantiation's trap carries the prefix
// "WebAssembly.Instance(): "). V8 has one message for a call through a null table entry and for a
// signature mismatch ("function signature mismatch" in V8 14.6, "null function or function
// signature mismatch" before), and one for a float that is NaN and one out of range when truncated
// to an integer, so it cannot say which of the two it was: each is the kind that names both.
const TRAPS = [
  ['unreachable', 'unreachable'],
  ['memory access out of bounds', 'memory_out_of_bounds'],
  ['operation does not support unaligned accesses', 'memory_out_of_bounds'],
  ['data segment', 'memory_out_of_bounds'],
  ['divide by zero', 'integer_division_by_zero'],
  ['remainder by zero', 'integer_division_by_zero'],
  ['divide result unrepresentable', 'integer_overflow'],
  ['float unrepresentable in integer range', 'float_unrepresentable'],
  ['table index is out of bounds', 'table_out_of_bounds'],
  ['element segment', 'table_out_of_bounds'],
  ['table access out of bounds', 'table_out_of_bounds'],
  ['function signature mismatch', 'indirect_call_null_or_bad_signature'],
  ['null function or function signature mismatch', 'indirect_call_null_or_bad_signature'],
  ['dereferencing a null pointer', 'null_reference'],
];

// Why a call into Wasm stopped, as concord_host::Stop on the wire; `null` when the error is none
// of these. A trap from a worker thread arrives as a copy, an Error named RuntimeError.
function wasmStop(error) {
  if (error instanceof HostFault) return { host: error.fault };
  if (error && error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { limit: 'deadline' };
  if (error instanceof RangeError && /call stack size/.test(error.message)) return { trap: 'stack_overflow' };
  if (error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.name === 'RuntimeError')) {
    const message = error.message.replace(/^WebAssembly\.Instance\(\): /, '');
    const found = TRAPS.find(([words]) => message.startsWith(words));
    return { trap: found ? found[1] : 'other' };
  }
  return null;
}

module.exports = { wasmStop };
