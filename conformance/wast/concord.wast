;; Concord's own spec-style checks: what every engine must do with memory growth under a declared
;; maximum, traps, NaN patterns, stack exhaustion, registered modules, and modules that must be
;; refused. Run with `concord wast conformance/wast/concord.wast`.

;; Memory growth under a declared maximum of 3 pages.
(module $mem
  (memory (export "memory") 1 3)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
(assert_return (invoke "size") (i32.const 1))
(invoke "store" (i32.const 65532) (i32.const 0x5a5a5a5a))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 2)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 2))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 3))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0x5a5a5a5a))
(assert_return (invoke "load" (i32.const 196604)) (i32.const 0))
(assert_trap (invoke "load" (i32.const 196605)) "out of bounds memory access")

;; Traps, each of its kind.
(module
  (type $v (func))
  (table 2 funcref)
  (elem (i32.const 0) $f)
  (func $f)
  (func (export "unreachable") (unreachable))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "call") (param i32) (call_indirect (type $v) (local.get 0)))
  (func (export "call_wrong") (param i32) (result i32) (call_indirect (result i32) (local.get 0))))
(assert_trap (invoke "unreachable") "unreachable")
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
(assert_trap (invoke "trunc" (f32.const nan)) "invalid conversion to integer")
(assert_trap (invoke "call" (i32.const 1)) "uninitialized element")
(assert_trap (invoke "call" (i32.const 2)) "undefined element")
(assert_trap (invoke "call_wrong" (i32.const 0)) "indirect call type mismatch")
(assert_return (invoke "call" (i32.const 0)))

;; NaN patterns, checked on the bits.
(module
  (func (export "f32.add") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "f64.div") (param f64 f64) (result f64) (f64.div (local.get 0) (local.get 1)))
  (func (export "f32.neg") (param f32) (result f32) (f32.neg (local.get 0)))
  (func (export "f64.copysign") (param f64 f64) (result f64) (f64.copysign (local.get 0) (local.get 1))))
(assert_return (invoke "f32.add" (f32.const inf) (f32.const -inf)) (f32.const nan:canonical))
(assert_return (invoke "f32.add" (f32.const nan:0x200000) (f32.const 1)) (f32.const nan:arithmetic))
(assert_return (invoke "f64.div" (f64.const 0) (f64.const 0)) (f64.const nan:canonical))
(assert_return (invoke "f32.neg" (f32.const nan:0x123456)) (f32.const -nan:0x123456))
(assert_return (invoke "f64.copysign" (f64.const nan:0x1) (f64.const -1)) (f64.const -nan:0x1))

;; Stack exhaustion: depth is the engine's own, the trap is not.
(module
  (func $down (export "down") (param i64) (result i64)
    (i64.add (i64.const 1) (call $down (local.get 0)))))
(assert_exhaustion (invoke "down" (i64.const 0)) "call stack exhausted")

;; Registered modules link to each other; a grown memory is imported at its size now.
(module $counter
  (global $n (export "n") (mut i32) (i32.const 0))
  (memory (export "memory") 1 4)
  (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))
(register "counter" $counter)
(module
  (import "counter" "bump" (func $bump (result i32)))
  (import "counter" "n" (global $n (mut i32)))
  (func (export "bump_twice") (result i32) (drop (call $bump)) (call $bump))
  (func (export "read") (result i32) (global.get $n)))
(assert_return (invoke "bump_twice") (i32.const 2))
(assert_return (invoke "read") (i32.const 2))
(assert_return (get $counter "n") (i32.const 2))

;; Unlinkable: a missing import, an import of the wrong type, a memory the exporter cannot match.
(assert_unlinkable (module (import "counter" "nope" (func))) "unknown import")
(assert_unlinkable (module (import "counter" "bump" (func (param i32)))) "incompatible import type")
(assert_unlinkable (module (import "counter" "memory" (memory 2))) "incompatible import type")
(assert_unlinkable (module (import "spectest" "memory" (memory 1 1))) "incompatible import type")

;; Invalid and malformed modules are refused.
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(assert_invalid (module (func (local.get 0))) "unknown local")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module binary "\00asm\01\00\00") "unexpected end")

;; A start function that traps fails instantiation with that trap.
(assert_trap (module (func $start (unreachable)) (start $start)) "unreachable")
