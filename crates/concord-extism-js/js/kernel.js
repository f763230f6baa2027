// The embedder's host functions run on the Rust side; their kernel requests are served here by the
// SDK's kernel of the plugin that called them.
'use strict';

const { base64, unbase64 } = require('../../concord-node/js/pipe');
const { HostFault, kernelFault } = require('../../concord-node/js/faults');

// The kernel functions the SDK links into the plugin. Its host-function API has no `free` and no
// way to write into a block it did not just store; these are the plugin's own kernel.
function kernelOf(context) {
  const env = Object.getOwnPropertySymbols(context).find((symbol) => symbol.description === 'env');
  return context[env];
}

// A Rust host function's kernel request, served by the SDK's kernel of the plugin that called it.
function serveKernel(context, plugin, request) {
  switch (request.op) {
    case 'read_block': {
      const block = context.read(BigInt(request.offset));
      if (block === null) throw kernelFault('no-block', `no block at ${request.offset}`);
      return { bytes: base64(block.bytes()) };
    }
    case 'write_block':
      return { offset: Number(context.store(unbase64(request.bytes))) };
    case 'block_length':
      return { length: Number(context.length(BigInt(request.offset))) };
    case 'alloc': {
      const offset = context.alloc(request.len);
      if (offset === 0n) throw new HostFault('out_of_memory');
      return { offset: Number(offset) };
    }
    case 'write_into': {
      const block = context.read(BigInt(request.block));
      const bytes = unbase64(request.bytes);
      if (block === null || request.at + bytes.length > block.byteLength) {
        throw kernelFault('past-end', `${bytes.length} bytes at ${request.at} do not fit block ${request.block}`);
      }
      const kernel = kernelOf(context);
      bytes.forEach((byte, i) => kernel.store_u8(BigInt(request.block) + BigInt(request.at + i), byte));
      return {};
    }
    case 'free':
      kernelOf(context).free(BigInt(request.block));
      return {};
    case 'input':
      return { bytes: base64(plugin.input) };
    case 'config':
      return { value: Object.hasOwn(plugin.config, request.key) ? plugin.config[request.key] : null };
    default:
      throw new Error(`unknown kernel request ${request.op}`);
  }
}

module.exports = { serveKernel };
