(module
  (func (export "f")
    unreachable
    select
    i64.const 0
    i64.xor
    drop))
