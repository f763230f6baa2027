(module
  (type (;0;) (func (result f32 f32)))
  (table (;0;) 0 funcref)
  (global (;0;) (mut i32) i32.const 21)
  (export "" (func 0))
  (func (;0;) (type 0) (result f32 f32)
    (local f32 f32 f64)
    global.get 0
    if ;; label = @1
      i32.const 0
      call_indirect (type 0)
      return
    end
    f32.const 0x1.fcp-143 (;=0.000000000000000000000000000000000000000000178;)
    f32.const 0x1.18690ap-57 (;=0.000000000000000007600537;)
  )
)
