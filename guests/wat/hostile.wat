;; Guests that misbehave on purpose. Every engine must stop or refuse each one, classify it, and
;; leave the harness running.
(module
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (type $void (func))

  ;; Recursion with no base case: the engine's stack limit must stop it.
  (func $recurse (export "recurse") (result i32)
    (drop (call $recurse))
    (i32.const 0))

  ;; Grows one page at a time until refused, then reports success: memory must stop at the limit.
  (func (export "grow_bomb") (result i32)
    (block $refused
      (loop $more
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $more)))
    (i32.const 0))

  ;; A load far past the end of linear memory.
  (func (export "load_out_of_bounds") (result i32)
    (drop (i64.load (i32.const 0xfffffff0)))
    (i32.const 0))

  ;; A store far past the end of linear memory.
  (func (export "store_out_of_bounds") (result i32)
    (i64.store (i32.const 0xfffffff0) (i64.const 1))
    (i32.const 0))

  ;; call_indirect through an empty table slot, then past the table's end.
  (func (export "call_null") (result i32)
    (call_indirect (type $void) (i32.const 0))
    (i32.const 0))
  (func (export "call_past_table") (result i32)
    (call_indirect (type $void) (i32.const 5))
    (i32.const 0))

  ;; The plugin ABI wants () -> i32.
  (func (export "wrong_signature") (param i32) (result i32)
    (local.get 0))

  ;; An error message at an offset that is no block.
  (func (export "error_garbage") (result i32)
    (call $error_set (i64.const 0x12345678))
    (i32.const 1))

  ;; 1 GiB to stdout in 64 KiB writes: the host must neither keep it nor slow to a crawl.
  (func (export "stdout_flood") (result i32)
    (local $n i32)
    (i32.store (i32.const 0) (i32.const 0))
    (i32.store (i32.const 4) (i32.const 65536))
    (local.set $n (i32.const 16384))
    (loop $more
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $more (local.get $n)))
    (i32.const 0))

  ;; Takes everything the limit allows in one grow (the limit is 64 pages, one is already there).
  (func (export "grow_to_limit") (result i32)
    (if (i32.eq (memory.grow (i32.const 63)) (i32.const -1)) (then (return (i32.const 1))))
    (i32.const 0)))
