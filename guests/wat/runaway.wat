;; Never returns on its own: only a CPU budget stops it.
(module
  (memory (export "memory") 1)
  (func (export "spin") (result i32)
    (loop $forever (br $forever))
    (i32.const 0)))
