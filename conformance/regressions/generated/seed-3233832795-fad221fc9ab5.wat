(module
  (type (;0;) (func (result f64)))
  (type (;1;) (func (param f64 i32)))
  (global (;0;) (mut i64) i64.const 0)
  (export "@" (func 0))
  (func (;0;) (type 1) (param f64 i32)
    (local f64 f64 f64 f32)
    i32.const 0
    local.get 0
    local.get 0
    i32.trunc_f64_s
    f64.convert_i32_s
    block (type 0) (result f64) ;; label = @1
      br 1
    end
    i64.reinterpret_f64
    global.set 0
    i64.reinterpret_f64
    global.set 0
    i64.reinterpret_f64
    global.set 0
    drop
  )
)
