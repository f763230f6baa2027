// The JavaScript kernel's refusals, one by one, as crates/concord-host/src/kernel refuses them: a
// plugin on V8 must meet the same host as on the native engines. Run by tests/tests/js.rs with
// `node --test`.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { Kernel, KERNEL, VAR_STORE_LIMIT } = require('../kernel');
const { HostFault } = require('../../../concord-node/js/faults');

const bytes = (text) => new TextEncoder().encode(text);

// The refusal and function a kernel call is refused with.
function refused(fn) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof HostFault, `a HostFault, not ${error}`);
    return error.fault === 'out_of_memory' ? 'out_of_memory' : error.fault.kernel.refusal;
  }
  assert.fail('the kernel accepted it');
}

test('a read outside every live block names where it fell', () => {
  const k = new Kernel(null, {});
  const block = k.arena.allocBytes(bytes('hello'));
  assert.deepEqual([...k.arena.read(block, 5)], [...bytes('hello')]);
  assert.equal(refused(() => k.arena.read(0, 1)), 'null');
  assert.equal(refused(() => k.arena.read(block, 6)), 'past-end');
  assert.equal(refused(() => k.arena.block(block + 1)), 'mid-block');
  assert.equal(refused(() => k.arena.read(1 << 20, 1)), 'no-block');
  k.arena.free(block);
  assert.equal(refused(() => k.arena.block(block)), 'freed');
  assert.equal(refused(() => k.arena.read(block, 1)), 'freed');
});

test('an allocation past the memory limit fails the call; past the address space it is 0', () => {
  const limited = new Kernel(65536, {});
  assert.equal(refused(() => limited.arena.alloc(65536)), 'out_of_memory');
  assert.ok(limited.arena.alloc(1024) > 0);
  const unlimited = new Kernel(null, {});
  assert.equal(unlimited.arena.alloc(2 ** 32), 0);
});

test('input loads past the input are refused, within it they read little-endian', () => {
  const k = new Kernel(null, {});
  k.beginCall(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 9));
  assert.equal(KERNEL.input_load_u64(k, 0n), 1n);
  assert.equal(KERNEL.input_load_u8(k, 8n), 9);
  assert.equal(refused(() => KERNEL.input_load_u8(k, 9n)), 'past-input');
  assert.equal(refused(() => KERNEL.input_load_u64(k, 2n)), 'past-input');
});

test('keys must be UTF-8 and the var store is bounded', () => {
  const k = new Kernel(null, { key: 'value' });
  const notUtf8 = k.arena.allocBytes(Uint8Array.of(0xff));
  assert.equal(refused(() => KERNEL.config_get(k, BigInt(notUtf8))), 'not-utf8');
  const key = k.arena.allocBytes(bytes('key'));
  const value = KERNEL.config_get(k, BigInt(key));
  assert.deepEqual([...k.arena.block(Number(value))], [...bytes('value')]);
  const name = k.arena.allocBytes(bytes('big'));
  const big = k.arena.allocBytes(new Uint8Array(VAR_STORE_LIMIT));
  assert.equal(refused(() => KERNEL.var_set(k, BigInt(name), BigInt(big))), 'store-full');
});

test('a refused kernel call names its function, and HTTP is denied', () => {
  const k = new Kernel(null, {});
  try {
    KERNEL.input_load_u8(k, 0n);
    assert.fail('the kernel accepted it');
  } catch (error) {
    assert.equal(error.fault.kernel.function, 'input_load_u8');
  }
  assert.equal(refused(() => KERNEL.http_request(k, 0n, 0n)), 'denied');
});
