;; Traps in its start function, before any export can be called.
(module
  (memory (export "memory") 1)
  (func $start unreachable)
  (start $start)
  (func (export "run") (result i32) (i32.const 0)))
