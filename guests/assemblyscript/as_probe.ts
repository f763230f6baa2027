// A plugin built with AssemblyScript: its own runtime (garbage collector, strings, arrays and
// maps) started by the module's start function, the plugin ABI's kernel declared by hand as
// Extism's AssemblyScript PDK declares it, and no WASI. It reports what its runtime computed.

@external("extism:host/env", "input_length") declare function input_length(): u64;
@external("extism:host/env", "input_load_u8") declare function input_load_u8(offset: u64): u8;
@external("extism:host/env", "alloc") declare function alloc(length: u64): u64;
@external("extism:host/env", "store_u8") declare function store_u8(offset: u64, value: u8): void;
@external("extism:host/env", "output_set") declare function output_set(offset: u64, length: u64): void;
@external("extism:host/env", "error_set") declare function error_set(offset: u64): void;

// Top-level state, set by the start function before any call.
const greeting = "as_probe";
let calls = 0;

function input(): string {
  const length = <i32>input_length();
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = input_load_u8(<u64>i);
  return String.UTF8.decode(bytes.buffer);
}

function block(text: string): u64 {
  const bytes = Uint8Array.wrap(String.UTF8.encode(text));
  const offset = alloc(<u64>bytes.length);
  for (let i = 0; i < bytes.length; i++) store_u8(offset + <u64>i, bytes[i]);
  return offset;
}

function output(text: string): void {
  output_set(block(text), <u64>String.UTF8.byteLength(text));
}

// Words of the input counted in a map, sorted, and the call count on this instance.
export function probe(): i32 {
  calls++;
  const words = input().split(" ");
  const counts = new Map<string, i32>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    counts.set(word, counts.has(word) ? counts.get(word) + 1 : 1);
  }
  const keys = counts.keys().sort();
  let report = "{\"greeting\":\"" + greeting + "\",\"calls\":" + calls.toString() + ",\"words\":{";
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) report += ",";
    report += "\"" + keys[i] + "\":" + counts.get(keys[i]).toString();
  }
  output(report + "},\"sqrt2\":" + Math.sqrt(2.0).toString() + "}");
  return 0;
}

// Fails with a message and a return code.
export function fail(): i32 {
  error_set(block("as_probe failed"));
  return 9;
}

// An assertion's failure, as the plugin's error (built with `--use abort=as_probe/abort`).
export function abort(message: string | null, file: string | null, line: u32, column: u32): void {
  error_set(block(message !== null ? message : "abort"));
  unreachable();
}
