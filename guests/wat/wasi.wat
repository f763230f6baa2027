;; Exercises the WASI preview1 subset: stdout, seeded randomness, exit codes, denied file access
;; and a bad pointer passed to the host.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\n")
  (data (i32.const 32) "/etc/passwd")

  ;; Copies `len` bytes of linear memory at `ptr` into a kernel block and makes it the output.
  (func $emit (param $ptr i32) (param $len i32)
    (local $block i64) (local $i i32)
    (local.set $block (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8
          (i64.add (local.get $block) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $output_set (local.get $block) (i64.extend_i32_u (local.get $len))))

  ;; Writes "hello\n" to stdout; the output is the errno and the count written.
  (func (export "write") (result i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 6))
    (i32.store (i32.const 100) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 104)))
    (call $emit (i32.const 100) (i32.const 8))
    (i32.const 0))

  ;; 16 bytes from random_get.
  (func (export "random") (result i32)
    (drop (call $random_get (i32.const 200) (i32.const 16)))
    (call $emit (i32.const 200) (i32.const 16))
    (i32.const 0))

  (func (export "exit") (result i32)
    (call $proc_exit (i32.const 3))
    (i32.const 0))

  ;; Tries to open a host file; the output is the errno.
  (func (export "open") (result i32)
    (i32.store (i32.const 300)
      (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 11) (i32.const 0)
        (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 304)))
    (call $emit (i32.const 300) (i32.const 4))
    (i32.const 0))

  ;; An iovec that points far outside linear memory.
  (func (export "bad_iovec") (result i32)
    (i32.store (i32.const 0) (i32.const 0x7ffffff0))
    (i32.store (i32.const 4) (i32.const 64))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 104)))
    (i32.const 0)))
