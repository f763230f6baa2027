(module
  (type (;0;) (func (param f32 i32 i32 i64)))
  (memory (;0;) 0)
  (global (;0;) (mut i64) i64.const 0)
  (global (;1;) (mut i32) i32.const 0)
  (global (;2;) (mut i64) i64.const 0)
  (export "" (func 0))
  (func (;0;) (type 0) (param f32 i32 i32 i64)
    (local f32 f32 f32 f32 f32 f32 f32)
    block (result i32) ;; label = @1
      i64.const 1
      f64.const -nan:0xffffffffe0000 (;=NaN;)
      loop ;; label = @2
        loop (result f64) ;; label = @3
          i32.const 1
          i64.load16_s align=1
          global.set 2
          f64.const 0x1.p-1074 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005;)
        end
        i64.reinterpret_f64
        global.set 0
      end
      i64.reinterpret_f64
      global.set 0
      global.set 2
      i32.const 0
    end
    global.set 1
  )
)
