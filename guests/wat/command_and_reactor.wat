;; Both a WASI command (`_start`) and a reactor (`_initialize`): wasmtime's linker, and so Extism,
;; refuses such a module before any call.
(module
  (memory (export "memory") 1)
  (func (export "_start"))
  (func (export "_initialize"))
  (func (export "run") (result i32) (i32.const 0)))
