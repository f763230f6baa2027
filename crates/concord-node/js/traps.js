// Why a call into Wasm stopped, read from what the engine threw: the trap messages of V8,
// JavaScriptCore and SpiderMonkey matched here and nowhere else.
'use strict';

const { HostFault } = require('./faults');
const { versions } = require('./platform');

// V8's trap messages (an instantiation's trap carries the prefix "WebAssembly.Instance(): "). V8
// has one message for a call through a null table entry and for a signature mismatch ("function
// signature mismatch" in V8 14.6, "null function or function signature mismatch" before), and one
// for a float that is NaN and one out of range when truncated to an integer, so it cannot say
// which of the two it was: each is the kind that names both.
const V8 = [
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

// JavaScriptCore's (WebKit's WasmExceptionType.h; an instantiation's carry the suffix
// "(evaluating 'new WebAssembly.Instance(...)')"). One message for truncating a NaN and an
// out-of-range float ("Out of bounds Trunc operation"), and one for a call_indirect through a
// null entry and with the wrong signature (the spec's null entries in bulk.wast and
// call_indirect.wast get "call_indirect to a signature that does not match"): each is the kind
// that names both.
const JAVASCRIPTCORE = [
  ['Unreachable code should not be executed', 'unreachable'],
  ['Out of bounds memory access', 'memory_out_of_bounds'],
  ['Unaligned memory access', 'memory_out_of_bounds'],
  ['Out of bounds data segment access', 'memory_out_of_bounds'],
  ['Invalid data segment initialization', 'memory_out_of_bounds'],
  ['Offset + array length would exceed the size of a data segment', 'memory_out_of_bounds'],
  ['Division by zero', 'integer_division_by_zero'],
  ['Integer overflow', 'integer_overflow'],
  ['Out of bounds Trunc operation', 'float_unrepresentable'],
  ['Out of bounds table access', 'table_out_of_bounds'],
  ['Out of bounds call_indirect', 'table_out_of_bounds'],
  ['Out of bounds element segment access', 'table_out_of_bounds'],
  ['Element is trying to set an out of bounds table index', 'table_out_of_bounds'],
  ['Offset + array length would exceed the size of an element segment', 'table_out_of_bounds'],
  ['call_indirect to a null table entry', 'indirect_call_to_null'],
  ['call_indirect to a signature that does not match', 'indirect_call_null_or_bad_signature'],
  ['call_ref to a null reference', 'null_reference'],
  ['ref.as_non_null to a null reference', 'null_reference'],
  ['throw_ref on a null reference', 'null_reference'],
  ['Stack overflow', 'stack_overflow'],
];

// SpiderMonkey's (js.msg). One message for an access out of bounds of a memory and of a table
// ("index out of bounds", where table.get and table.set say "table index out of bounds"): the
// kind that names both.
const SPIDERMONKEY = [
  ['unreachable executed', 'unreachable'],
  ['table index out of bounds', 'table_out_of_bounds'],
  ['index out of bounds', 'out_of_bounds'],
  ['unaligned memory access', 'memory_out_of_bounds'],
  ['integer divide by zero', 'integer_division_by_zero'],
  ['integer overflow', 'integer_overflow'],
  ['invalid conversion to integer', 'bad_conversion_to_integer'],
  ['indirect call to null', 'indirect_call_to_null'],
  ['indirect call signature mismatch', 'bad_signature'],
  ['dereferencing null pointer', 'null_reference'],
];

const TRAPS = { v8: V8, javascriptcore: JAVASCRIPTCORE, spidermonkey: SPIDERMONKEY }[versions().engine];

// Where each engine says the stack ran out: V8's and JavaScriptCore's RangeError, SpiderMonkey's
// InternalError.
const STACK_EXHAUSTED = /call stack size|too much recursion/i;

// Why a call into Wasm stopped, as concord_host::Stop on the wire; `null` when the error is none
// of these. A trap from a worker thread arrives as a copy, an Error named RuntimeError.
function wasmStop(error) {
  if (error instanceof HostFault) return { host: error.fault };
  if (error && error.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { limit: 'deadline' };
  if (error instanceof Error && STACK_EXHAUSTED.test(error.message) && error.name !== 'RuntimeError') {
    return { trap: 'stack_overflow' };
  }
  if (error instanceof WebAssembly.RuntimeError || (error instanceof Error && error.name === 'RuntimeError')) {
    const message = error.message.replace(/^WebAssembly\.Instance\(\): /, '');
    const found = TRAPS.find(([words]) => message.startsWith(words));
    return { trap: found ? found[1] : 'other' };
  }
  return null;
}

module.exports = { wasmStop };
