;; A WASI command, as a C or Zig toolchain builds one: `_start` (of type `() -> ()`) runs the
;; program: it counts its runs in a global, writes to stdout, sets the plugin's output to that
;; count (a digit) and ends with `proc_exit(0)`, which Extism takes for success. After `_start`,
;; Extism's next call gets a fresh instance, so `_start` twice answers 1 twice and `runs` after it
;; 0. `exit_126` exits with a status WASI does not allow.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (global $runs (mut i32) (i32.const 0))
  (data (i32.const 16) "ran\n")
  (func $output_digit (param $digit i32)
    (local $block i64)
    (local.set $block (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $block) (i32.add (i32.const 48) (local.get $digit)))
    (call $output_set (local.get $block) (i64.const 1)))
  (func (export "_start")
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    ;; iovec at 0: 4 bytes at 16; the count written at 8.
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $output_digit (global.get $runs))
    (call $proc_exit (i32.const 0))
    unreachable)
  (func (export "runs") (result i32)
    (call $output_digit (global.get $runs))
    (i32.const 0))
  (func (export "exit_126") (call $proc_exit (i32.const 126))))
