;; Declares 4 GiB of initial memory: it must be refused under any sane limit, not allocated.
(module
  (memory (export "memory") 65536)
  (func (export "run") (result i32) (i32.const 0)))
