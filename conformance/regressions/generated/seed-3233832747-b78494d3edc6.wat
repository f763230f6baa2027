(module
  (type (;0;) (func))
  (global (;0;) (mut i32) i32.const 0)
  (global (;1;) (mut i64) i64.const 0)
  (export "" (func 0))
  (func (;0;) (type 0)
    (local i64 i32)
    f32.const -0x1.d97252p+77 (;=-279473520000000000000000;)
    i32.trunc_f32_s
    i64.extend_i32_s
    block (result i32) ;; label = @1
      i32.const 0
    end
    global.set 0
    global.set 1
  )
)
