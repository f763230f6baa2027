(module
  (type (;0;) (func (param f64)))
  (type (;1;) (func (param f64 f32 i64 f32 f32) (result i64 f32)))
  (type (;2;) (func (result f64 i32 i32 i32)))
  (type (;3;) (func (result f32 f32 i32 f32)))
  (table (;0;) 2 funcref)
  (global (;0;) (mut i32) i32.const 0)
  (global (;1;) (mut i64) i64.const 0)
  (global (;2;) (mut i32) i32.const 0)
  (global (;3;) (mut i64) i64.const 0)
  (global (;4;) (mut i32) i32.const 500)
  (export "d,aw" (func 0))
  (export "" (func 1))
  (export "2" (table 0))
  (export "\u{13}" (global 0))
  (export "4" (global 1))
  (export "5" (global 2))
  (export "\u{1bd}" (global 3))
  (elem (;0;) (i32.const 0) func)
  (func (;0;) (type 2) (result f64 i32 i32 i32)
    (local f64 f64)
    global.get 4
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 4
    i32.const 1
    i32.sub
    global.set 4
    f64.const -0x1.4e0b65a22aadcp+976 (;=-833374396630254000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
    f64.floor
    local.tee 0
    f64.const nan (;=NaN;)
    local.get 0
    local.get 0
    f64.eq
    select
    f64.abs
    f64.floor
    local.tee 1
    f64.const nan (;=NaN;)
    local.get 1
    local.get 1
    f64.eq
    select
    i32.trunc_sat_f64_u
    f32.const 0x1.21b1cap+6 (;=72.42362;)
    i64.trunc_sat_f32_u
    f64.convert_i64_s
    block ;; label = @1
      br 0 (;@1;)
      i32.const 131072
      i32.extend16_s
      i64.extend_i32_s
      f32.convert_i64_u
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
    end
    i64.reinterpret_f64
    global.get 1
    i64.xor
    global.set 1
    global.get 2
    i32.xor
    global.set 2
    f64.const -0x1.faad30afe9d6p+535 (;=-222606836318527370000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
    i32.const -1476468304
    i32.const -1768485838
    i32.const -16
  )
  (func (;1;) (type 3) (result f32 f32 i32 f32)
    (local i32 f32)
    global.get 4
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 4
    i32.const 1
    i32.sub
    global.set 4
    i64.const 8
    i64.eqz
    nop
    call 0
    i32.rotr
    local.get 0
    i32.popcnt
    i64.extend_i32_s
    f64.convert_i64_u
    f64.abs
    f64.neg
    i32.trunc_f64_u
    f32.reinterpret_i32
    i32.trunc_sat_f32_s
    call_indirect (type 3)
    i32.trunc_f32_u
    i32.le_s
    if (result f64) ;; label = @1
      data.drop 0
      f32.const -0x1.b74928p+94 (;=-33988090000000000000000000000;)
      i64.trunc_f32_s
      f32.convert_i64_u
      call 1
      i32.const -893021841
      f32.const -0x1.9215cep+114 (;=-32621025000000000000000000000000000;)
      data.drop 2
      i64.trunc_f32_u
      call 1
      loop (type 2) (result f64 i32 i32 i32) ;; label = @2
        global.get 4
        i32.eqz
        if ;; label = @3
          unreachable
        end
        global.get 4
        i32.const 1
        i32.sub
        global.set 4
        i32.const 8192
        loop ;; label = @3
          global.get 4
          i32.eqz
          if ;; label = @4
            unreachable
          end
          global.get 4
          i32.const 1
          i32.sub
          global.set 4
        end
        call_indirect (type 2)
        i32.add
        i32.div_s
        i64.const 8776316760198807331
        i64.extend32_s
        block (type 3) (result f32 f32 i32 f32) ;; label = @3
          call 0
          br 1 (;@2;)
          i32.and
          loop ;; label = @4
            global.get 4
            i32.eqz
            if ;; label = @5
              unreachable
            end
            global.get 4
            i32.const 1
            i32.sub
            global.set 4
            br 0 (;@4;)
            data.drop 1
            i32.const -256
            data.drop 2
            f64.convert_i32_u
            i64.trunc_f64_s
            f32.convert_i64_s
            f32.floor
            local.tee 1
            f32.const nan (;=NaN;)
            local.get 1
            local.get 1
            f32.eq
            select
            i32.trunc_f32_s
            f32.convert_i32_u
            i32.reinterpret_f32
            global.get 0
            i32.xor
            global.set 0
            data.drop 0
            f64.const -nan:0xffffffffff000 (;=NaN;)
            i64.reinterpret_f64
            global.get 1
            i64.xor
            global.set 1
          end
          global.get 2
          i32.xor
          global.set 2
          global.get 2
          i32.xor
          global.set 2
          i64.reinterpret_f64
          global.get 1
          i64.xor
          global.set 1
          f32.const 0x1.p-138 (;=0.00000000000000000000000000000000000000000287;)
          f32.const -0x1.9e7ab6p+16 (;=-106106.71;)
          i32.const -61560375
          f32.const 0x1.afbf56p+123 (;=17934086000000000000000000000000000000;)
        end
        i32.reinterpret_f32
        global.get 0
        i32.xor
        global.set 0
        global.get 2
        i32.xor
        global.set 2
        i32.reinterpret_f32
        global.get 0
        i32.xor
        global.set 0
        i32.reinterpret_f32
        global.get 0
        i32.xor
        global.set 0
        global.get 3
        i64.xor
        global.set 3
        i32.const -16
        i32.const 203073806
      end
      global.get 2
      i32.xor
      global.set 2
      global.get 2
      i32.xor
      global.set 2
      global.get 2
      i32.xor
      global.set 2
      i64.reinterpret_f64
      global.get 1
      i64.xor
      global.set 1
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
      global.get 2
      i32.xor
      global.set 2
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
      global.get 3
      i64.xor
      global.set 3
      global.get 2
      i32.xor
      global.set 2
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
      global.get 2
      i32.xor
      global.set 2
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
      i32.reinterpret_f32
      global.get 0
      i32.xor
      global.set 0
      f64.const -nan:0xfffffffffffff (;=NaN;)
    else
      f64.const -0x1.d451e1b66918dp+107 (;=-296832969697520400000000000000000;)
    end
    i64.reinterpret_f64
    global.get 1
    i64.xor
    global.set 1
    i32.reinterpret_f32
    global.get 0
    i32.xor
    global.set 0
    i32.reinterpret_f32
    global.get 0
    i32.xor
    global.set 0
    global.get 2
    i32.xor
    global.set 2
    global.get 2
    i32.xor
    global.set 2
    i64.reinterpret_f64
    global.get 1
    i64.xor
    global.set 1
    global.get 2
    i32.xor
    global.set 2
    f32.const 0x1.58a62ep-123 (;=0.0000000000000000000000000000000000001266041;)
    f32.const -nan:0x7dffff (;=NaN;)
    i32.const -1048576
    f32.const 0x1.p-128 (;=0.000000000000000000000000000000000000002938736;)
  )
  (data (;0;) "\00\8c\d5")
  (data (;1;) "")
  (data (;2;) ">")
)
