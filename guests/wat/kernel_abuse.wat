;; Hands the kernel offsets and lengths that do not belong to any block.
(module
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)

  ;; A load far past every block.
  (func (export "load_past_end") (result i32)
    (drop (call $load_u64 (i64.const 0x7fffffff)))
    (i32.const 0))

  ;; A negative offset (as i64; the ABI's offsets are unsigned).
  (func (export "load_negative") (result i32)
    (drop (call $load_u64 (i64.const -8)))
    (i32.const 0))

  ;; A read from a block after it was freed.
  (func (export "load_freed") (result i32)
    (local $block i64)
    (local.set $block (call $alloc (i64.const 16)))
    (call $free (local.get $block))
    (drop (call $load_u8 (local.get $block)))
    (i32.const 0))

  ;; An output range longer than its block.
  (func (export "output_past_block") (result i32)
    (call $output_set (call $alloc (i64.const 8)) (i64.const 64))
    (i32.const 0)))
