// Faults thrown by host functions, carried unchanged through the Wasm frames that called them.
'use strict';

class HostFault extends Error {
  // `fault` is the wire form of concord_engine::HostFault.
  constructor(fault) {
    super('host fault');
    this.fault = fault;
  }
}

const kernelFault = (refusal, reason, fn = '') => new HostFault({ kernel: { function: fn, refusal, reason } });
const OUT_OF_MEMORY = () => new HostFault('out_of_memory');

// Names the function a fault happened in, unless an inner one already did.
function within(error, fn) {
  if (error instanceof HostFault && error.fault.kernel && error.fault.kernel.function === '') {
    error.fault.kernel.function = fn;
  }
  return error;
}

module.exports = { HostFault, kernelFault, OUT_OF_MEMORY, within };
