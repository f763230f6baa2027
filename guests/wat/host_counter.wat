;; A host module for `concord check --host-module`: `hello_world` counts how many times this
;; plugin instance has called it and answers the count as a little-endian u64. Each plugin
;; instance has its own instance of this module, so the count starts at 1 in each.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (global $calls (mut i64) (i64.const 0))
  (func (export "hello_world") (param $greeting i64) (result i64)
    (local $answer i64)
    (global.set $calls (i64.add (global.get $calls) (i64.const 1)))
    (local.set $answer (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $answer) (global.get $calls))
    (local.get $answer)))
