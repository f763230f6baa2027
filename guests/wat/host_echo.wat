;; A host module for `concord check --host-module`: `host_reflect` hands the plugin back a copy of
;; the block it was given, made with the plugin's own kernel.
(module
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (func (export "host_reflect") (param $in i64) (result i64)
    (local $len i64) (local $out i64) (local $i i64)
    (local.set $len (call $length (local.get $in)))
    (local.set $out (call $alloc (local.get $len)))
    (block $done
      (loop $copy
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (call $store_u8
          (i64.add (local.get $out) (local.get $i))
          (call $load_u8 (i64.add (local.get $in) (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $copy)))
    (local.get $out)))
