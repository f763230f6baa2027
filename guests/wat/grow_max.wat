;; A memory that declares its own maximum (4 pages). `grow` reads little-endian i32 deltas from the
;; input like grow.wat and writes what each memory.grow returned; growing to exactly the declared
;; maximum must succeed, one page past it must return -1.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1 4)

  (func $input_i32 (param $at i64) (result i32)
    (i32.or
      (i32.or
        (call $input_load_u8 (local.get $at))
        (i32.shl (call $input_load_u8 (i64.add (local.get $at) (i64.const 1))) (i32.const 8)))
      (i32.or
        (i32.shl (call $input_load_u8 (i64.add (local.get $at) (i64.const 2))) (i32.const 16))
        (i32.shl (call $input_load_u8 (i64.add (local.get $at) (i64.const 3))) (i32.const 24)))))

  (func $store_i32 (param $at i64) (param $value i32)
    (call $store_u8 (local.get $at) (local.get $value))
    (call $store_u8 (i64.add (local.get $at) (i64.const 1)) (i32.shr_u (local.get $value) (i32.const 8)))
    (call $store_u8 (i64.add (local.get $at) (i64.const 2)) (i32.shr_u (local.get $value) (i32.const 16)))
    (call $store_u8 (i64.add (local.get $at) (i64.const 3)) (i32.shr_u (local.get $value) (i32.const 24))))

  (func (export "grow") (result i32)
    (local $len i64) (local $out i64) (local $i i64)
    (local.set $len (i64.and (call $input_length) (i64.const -4)))
    (if (i64.eqz (local.get $len)) (then (return (i32.const 0))))
    (local.set $out (call $alloc (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (call $store_i32
          (i64.add (local.get $out) (local.get $i))
          (memory.grow (call $input_i32 (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 4)))
        (br $next)))
    (call $output_set (local.get $out) (local.get $len))
    (i32.const 0)))
