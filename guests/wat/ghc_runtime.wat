;; A plugin shaped like one GHC builds: a WASI reactor (`_initialize`) whose language runtime
;; starts with `hs_init(argc, argv)`, and exports of type `() -> ()`. Each initialisation step
;; appends a letter to a trace kept in linear memory, so a call's output says what ran on its
;; instance, in which order, and how often: Extism runs `_initialize`, then `hs_init(0, 0)`, once,
;; before the first call.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (memory (export "memory") 1)
  ;; The trace: its length at address 0, its letters from address 4.
  (func $note (param $letter i32)
    (i32.store8 (i32.add (i32.const 4) (i32.load (i32.const 0))) (local.get $letter))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
  (func (export "_initialize") (call $note (i32.const 73)))            ;; I
  ;; hs_init refuses anything but (0, 0), as a host that passed arguments would be wrong here.
  (func (export "hs_init") (param $argc i32) (param $argv i32)
    (if (i32.or (local.get $argc) (local.get $argv)) (then unreachable))
    (call $note (i32.const 72)))                                        ;; H
  ;; The trace so far, as the output, with an R for this call.
  (func (export "trace")
    (local $len i32) (local $block i64) (local $i i32)
    (call $note (i32.const 82))                                         ;; R
    (local.set $len (i32.load (i32.const 0)))
    (local.set $block (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $block) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (i32.const 4) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (call $output_set (local.get $block) (i64.extend_i32_u (local.get $len))))
  ;; A `() -> ()` export that fails through the kernel: its error is the call's, code or none.
  (func (export "fail")
    (local $block i64)
    (local.set $block (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $block) (i32.const 33))
    (call $error_set (local.get $block))))
