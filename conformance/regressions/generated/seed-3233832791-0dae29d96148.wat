(module
  (type (;0;) (func (param f32)))
  (table (;0;) 42 62 funcref)
  (memory (;0;) 7)
  (global (;0;) f64 f64.const 0x1.042c6d7e28ce5p+84 (;=19658157313181036000000000;))
  (global (;1;) (mut f64) f64.const 0x1.7869b4a0b8645p+395 (;=118651391257991610000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;))
  (global (;2;) (mut i32) i32.const 0)
  (global (;3;) (mut i64) i64.const 0)
  (global (;4;) (mut i32) i32.const 0)
  (global (;5;) (mut i64) i64.const 0)
  (global (;6;) (mut i32) i32.const 500)
  (export "" (func 0))
  (export "1" (func 1))
  (export "2" (func 2))
  (export "3" (func 3))
  (export "4" (func 4))
  (export "5" (func 5))
  (export "6" (table 0))
  (export "7" (memory 0))
  (export "8" (global 0))
  (export "9" (global 1))
  (export "\u{1d}X{z" (global 2))
  (export "oB" (global 3))
  (export "12" (global 4))
  (export "13" (global 5))
  (elem (;0;) func)
  (elem (;1;) func)
  (func (;0;) (type 0) (param f32)
    (local f64 f64 f32 f64)
    global.get 6
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 6
    i32.const 1
    i32.sub
    global.set 6
    br 0
    loop ;; label = @1
      global.get 6
      i32.eqz
      if ;; label = @2
        unreachable
      end
      global.get 6
      i32.const 1
      i32.sub
      global.set 6
      f32.const 0x1.36be58p+59 (;=699732200000000000;)
      f64.const -0x1.7ed02b7482ae7p-92 (;=-0.0000000000000000000000000003019863383518873;)
      br 1
      f64.neg
      elem.drop 0
      f64.floor
      local.tee 1
      f64.const nan (;=NaN;)
      local.get 1
      local.get 1
      f64.eq
      select
      f64.sqrt
      local.tee 2
      f64.const nan (;=NaN;)
      local.get 2
      local.get 2
      f64.eq
      select
      local.get 0
      f32.neg
      local.tee 0
      f32.trunc
      local.tee 3
      f32.const nan (;=NaN;)
      local.get 3
      local.get 3
      f32.eq
      select
      elem.drop 1
      i32.reinterpret_f32
      i64.load offset=433810 align=4
      f32.convert_i64_u
      call 1
      i64.trunc_f64_u
      f64.convert_i64_u
      i64.reinterpret_f64
      local.get 0
      local.get 0
      f32.ge
      i32.load16_s offset=52097
      i32.load8_s offset=54748
      global.get 1
      f64.nearest
      local.tee 4
      f64.const nan (;=NaN;)
      local.get 4
      local.get 4
      f64.eq
      select
      i32.trunc_f64_s
      i32.lt_s
      i64.load8_u offset=271440
      i64.lt_u
      i64.load32_s offset=247124
      f64.const 0x1.b28a732d25438p+795 (;=353701716200304830000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
      i32.trunc_f64_s
      i32.load16_u offset=81450
      i32.load16_u offset=18471
      i64.load32_s offset=195406 align=1
      i64.add
      memory.size
      global.get 2
      i32.xor
      global.set 2
      global.get 3
      i64.xor
      global.set 3
      i32.reinterpret_f32
      global.get 4
      i32.xor
      global.set 4
    end
  )
  (func (;1;) (type 0) (param f32)
    (local f32 f32 f32 f32)
    global.get 6
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 6
    i32.const 1
    i32.sub
    global.set 6
    local.get 0
    f32.trunc
    local.tee 1
    f32.const nan (;=NaN;)
    local.get 1
    local.get 1
    f32.eq
    select
    f32.floor
    local.tee 2
    f32.const nan (;=NaN;)
    local.get 2
    local.get 2
    f32.eq
    select
    block (type 0) (param f32) ;; label = @1
      loop (type 0) (param f32) ;; label = @2
        global.get 6
        i32.eqz
        if ;; label = @3
          unreachable
        end
        global.get 6
        i32.const 1
        i32.sub
        global.set 6
        f32.nearest
        local.tee 3
        f32.const nan (;=NaN;)
        local.get 3
        local.get 3
        f32.eq
        select
        i64.trunc_sat_f32_u
        block ;; label = @3
          i64.const 70368744177664
          i32.wrap_i64
          i32.extend16_s
          f32.convert_i32_s
          i32.trunc_f32_u
          f64.load offset=99411 align=4
          i64.trunc_f64_u
          elem.drop 1
          br 0 (;@3;)
          i32.wrap_i64
          block (result i32) ;; label = @4
            block ;; label = @5
              memory.size
              i32.const 32
              f64.const -0x1.432211659e73dp-878 (;=-0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006263329493796277;)
              i64.trunc_sat_f64_u
              f64.convert_i64_u
              global.get 1
              i64.reinterpret_f64
              i64.extend8_s
              f32.convert_i64_s
              f32.const 0x1.p-140 (;=0.000000000000000000000000000000000000000000717;)
              i64.const 6456140939739313558
              f32.convert_i64_u
              block (type 0) (param f32) ;; label = @6
                f32.floor
                local.tee 4
                f32.const nan (;=NaN;)
                local.get 4
                local.get 4
                f32.eq
                select
                i32.trunc_f32_s
                i64.load16_u offset=264656 align=1
                unreachable
                i64.clz
                i64.extend16_s
                br 1 (;@5;)
                global.get 3
                i64.xor
                global.set 3
              end
              i32.reinterpret_f32
              global.get 4
              i32.xor
              global.set 4
              i32.reinterpret_f32
              global.get 4
              i32.xor
              global.set 4
              i64.reinterpret_f64
              global.get 5
              i64.xor
              global.set 5
              global.get 2
              i32.xor
              global.set 2
              global.get 2
              i32.xor
              global.set 2
            end
            i32.const -8388609
          end
          global.get 2
          i32.xor
          global.set 2
          global.get 2
          i32.xor
          global.set 2
        end
        global.get 3
        i64.xor
        global.set 3
      end
    end
  )
  (func (;2;) (type 0) (param f32)
    (local i32 f32 i32 f32 f64 f32 f64 f32)
    global.get 6
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 6
    i32.const 1
    i32.sub
    global.set 6
    local.get 5
    f32.demote_f64
    i64.trunc_f32_u
    global.get 1
    loop (result f32) ;; label = @1
      global.get 6
      i32.eqz
      if ;; label = @2
        unreachable
      end
      global.get 6
      i32.const 1
      i32.sub
      global.set 6
      f32.const 0x1p-23 (;=0.00000011920929;)
      f32.nearest
      local.tee 6
      f32.const nan (;=NaN;)
      local.get 6
      local.get 6
      f32.eq
      select
      i64.trunc_f32_s
      loop (result i64) ;; label = @2
        global.get 6
        i32.eqz
        if ;; label = @3
          unreachable
        end
        global.get 6
        i32.const 1
        i32.sub
        global.set 6
        br 2
        br 1 (;@1;)
        br 0 (;@2;)
        f32.const 0x1.f3d67cp+84 (;=37766679000000000000000000;)
        loop (type 0) (param f32) ;; label = @3
          global.get 6
          i32.eqz
          if ;; label = @4
            unreachable
          end
          global.get 6
          i32.const 1
          i32.sub
          global.set 6
          i32.const -2000364794
          f32.reinterpret_i32
          i64.trunc_sat_f32_u
          br 2 (;@1;)
          f64.const -nan:0xffffffff00000 (;=NaN;)
          f32.demote_f64
          i32.trunc_f32_s
          local.tee 1
          i64.load32_s offset=383704 align=2
          local.get 3
          f32.load offset=15804 align=1
          i32.trunc_f32_s
          br_table 1 (;@2;) 2 (;@1;) 3 2 (;@1;)
          i64.lt_u
          i32.load8_u offset=259392
          loop ;; label = @4
            global.get 6
            i32.eqz
            if ;; label = @5
              unreachable
            end
            global.get 6
            i32.const 1
            i32.sub
            global.set 6
            f32.const 0x1.daeadp+58 (;=534709270000000000;)
            loop (result i32) ;; label = @5
              global.get 6
              i32.eqz
              if ;; label = @6
                unreachable
              end
              global.get 6
              i32.const 1
              i32.sub
              global.set 6
              br 3 (;@2;)
              i32.const 1339061464
              f64.load offset=443344
              br 4 (;@1;)
              block (result i32) ;; label = @6
                f64.const 0x1.fffffffffffffp-960 (;=0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002052268400649188;)
                f64.sqrt
                local.tee 7
                f64.const nan (;=NaN;)
                local.get 7
                local.get 7
                f64.eq
                select
                f32.demote_f64
                f32.floor
                local.tee 8
                f32.const nan (;=NaN;)
                local.get 8
                local.get 8
                f32.eq
                select
                i32.reinterpret_f32
                memory.size
                i32.add
                i64.load32_u offset=127070 align=1
                i64.clz
                global.get 3
                i64.xor
                global.set 3
                i32.const -4194304
              end
              global.get 2
              i32.xor
              global.set 2
              i64.reinterpret_f64
              global.get 5
              i64.xor
              global.set 5
              i32.const -1664641247
            end
            global.get 2
            i32.xor
            global.set 2
            i32.reinterpret_f32
            global.get 4
            i32.xor
            global.set 4
          end
          global.get 2
          i32.xor
          global.set 2
          i32.reinterpret_f32
          global.get 4
          i32.xor
          global.set 4
        end
        i64.const 67108863
      end
      global.get 3
      i64.xor
      global.set 3
      global.get 3
      i64.xor
      global.set 3
      f32.const 0x1.bb5a44p-117 (;=0.0000000000000000000000000000000000104231695;)
    end
    i32.reinterpret_f32
    global.get 4
    i32.xor
    global.set 4
    i64.reinterpret_f64
    global.get 5
    i64.xor
    global.set 5
    global.get 3
    i64.xor
    global.set 3
  )
  (func (;3;) (type 0) (param f32)
    (local f64 f32)
    global.get 6
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 6
    i32.const 1
    i32.sub
    global.set 6
    memory.size
    f64.const -nan:0xffc0000000000 (;=NaN;)
    f64.nearest
    local.tee 1
    f64.const nan (;=NaN;)
    local.get 1
    local.get 1
    f64.eq
    select
    i64.trunc_f64_s
    i64.clz
    i32.const 397856596
    i32.extend8_s
    i64.load32_s offset=114417 align=2
    i64.clz
    global.get 1
    loop ;; label = @1
      global.get 6
      i32.eqz
      if ;; label = @2
        unreachable
      end
      global.get 6
      i32.const 1
      i32.sub
      global.set 6
      loop ;; label = @2
        global.get 6
        i32.eqz
        if ;; label = @3
          unreachable
        end
        global.get 6
        i32.const 1
        i32.sub
        global.set 6
        f32.const 0x1.16791ap-114 (;=0.00000000000000000000000000000000005237496;)
        f32.trunc
        local.tee 2
        f32.const nan (;=NaN;)
        local.get 2
        local.get 2
        f32.eq
        select
        local.set 0
        i64.const -2483415102324619939
        i64.extend16_s
        f32.const -0x1.1e9d48p+79 (;=-676749100000000000000000;)
        i32.reinterpret_f32
        i32.load8_s offset=345120
        br_if 1 (;@1;)
        local.get 0
        memory.size
        i32.load8_s offset=358992
        if (type 0) (param f32) ;; label = @3
          f64.promote_f32
          i64.reinterpret_f64
          global.get 5
          i64.xor
          global.set 5
        else
          i32.reinterpret_f32
          global.get 4
          i32.xor
          global.set 4
        end
        global.get 3
        i64.xor
        global.set 3
      end
    end
    i64.reinterpret_f64
    global.get 5
    i64.xor
    global.set 5
    global.get 3
    i64.xor
    global.set 3
    global.get 3
    i64.xor
    global.set 3
    global.get 2
    i32.xor
    global.set 2
  )
  (func (;4;) (type 0) (param f32)
    (local f64 f64 f64 f64)
    global.get 6
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 6
    i32.const 1
    i32.sub
    global.set 6
    loop (result f64) ;; label = @1
      global.get 6
      i32.eqz
      if ;; label = @2
        unreachable
      end
      global.get 6
      i32.const 1
      i32.sub
      global.set 6
      block ;; label = @2
        i64.const 4278014902529827984
        global.get 1
        loop (result i32) ;; label = @3
          global.get 6
          i32.eqz
          if ;; label = @4
            unreachable
          end
          global.get 6
          i32.const 1
          i32.sub
          global.set 6
          global.get 1
          i64.trunc_f64_u
          loop ;; label = @4
            global.get 6
            i32.eqz
            if ;; label = @5
              unreachable
            end
            global.get 6
            i32.const 1
            i32.sub
            global.set 6
            i64.const 15
            i64.clz
            elem.drop 0
            i64.extend8_s
            loop ;; label = @5
              global.get 6
              i32.eqz
              if ;; label = @6
                unreachable
              end
              global.get 6
              i32.const 1
              i32.sub
              global.set 6
              return
              memory.size
              block (result i32) ;; label = @6
                i64.const -1058777288064602427
                global.get 0
                f64.floor
                local.tee 2
                f64.const nan (;=NaN;)
                local.get 2
                local.get 2
                f64.eq
                select
                f64.nearest
                local.tee 3
                f64.const nan (;=NaN;)
                local.get 3
                local.get 3
                f64.eq
                select
                memory.size
                f64.convert_i32_s
                f64.ge
                i64.load16_u offset=85168 align=1
                elem.drop 0
                i64.shr_s
                global.get 0
                i64.trunc_f64_s
                i64.ge_s
                i32.ctz
                f32.load offset=3935848885
                i64.trunc_f32_u
                f32.convert_i64_s
                global.get 1
                i32.const -524288
                global.get 0
                i64.trunc_sat_f64_u
                memory.size
                i32.load16_s offset=78355 align=1
                f64.load offset=97338 align=4
                f64.floor
                local.tee 4
                f64.const nan (;=NaN;)
                local.get 4
                local.get 4
                f64.eq
                select
                i64.const 5110604525086737567
                loop (result f32) ;; label = @7
                  global.get 6
                  i32.eqz
                  if ;; label = @8
                    unreachable
                  end
                  global.get 6
                  i32.const 1
                  i32.sub
                  global.set 6
                  block (result f32) ;; label = @8
                    f64.const -0x1.75ba4e119802cp-496 (;=-0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000713571565582306;)
                    local.set 1
                    f32.const 0x1.p-138 (;=0.00000000000000000000000000000000000000000287;)
                  end
                end
                i32.reinterpret_f32
                global.get 4
                i32.xor
                global.set 4
                global.get 3
                i64.xor
                global.set 3
                i64.reinterpret_f64
                global.get 5
                i64.xor
                global.set 5
                global.get 3
                i64.xor
                global.set 3
                global.get 2
                i32.xor
                global.set 2
                i64.reinterpret_f64
                global.get 5
                i64.xor
                global.set 5
                i32.reinterpret_f32
                global.get 4
                i32.xor
                global.set 4
                i32.const -1022632018
              end
              global.get 2
              i32.xor
              global.set 2
              global.get 2
              i32.xor
              global.set 2
            end
            global.get 3
            i64.xor
            global.set 3
          end
          global.get 3
          i64.xor
          global.set 3
          i32.const 33554432
        end
        global.get 2
        i32.xor
        global.set 2
        i64.reinterpret_f64
        global.get 5
        i64.xor
        global.set 5
        global.get 3
        i64.xor
        global.set 3
      end
      f64.const -0x1.b4f5284717b1ep+538 (;=-1535808422262686600000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
    end
    i64.reinterpret_f64
    global.get 5
    i64.xor
    global.set 5
  )
  (func (;5;) (type 0) (param f32)
    (local i32 f32 f64 f32)
    global.get 6
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 6
    i32.const 1
    i32.sub
    global.set 6
    local.get 0
    i32.trunc_f32_u
    i64.load32_u offset=281686
    elem.drop 0
    i64.ctz
    i64.clz
    block ;; label = @1
      f32.const 0x1.2f6fbcp-66 (;=0.000000000000000000016063793;)
      f32.abs
      f32.sqrt
      local.tee 2
      f32.const nan (;=NaN;)
      local.get 2
      local.get 2
      f32.eq
      select
      i64.trunc_f32_s
      memory.size
      i32.load offset=165200 align=2
      local.get 1
      i32.store offset=310594
      return
      memory.size
      f64.convert_i32_u
      global.set 1
      f64.reinterpret_i64
      memory.size
      if (result i64) ;; label = @2
        loop ;; label = @3
          global.get 6
          i32.eqz
          if ;; label = @4
            unreachable
          end
          global.get 6
          i32.const 1
          i32.sub
          global.set 6
          elem.drop 1
          f64.const 0x1.8f4492dee2e8cp-40 (;=0.0000000000014184844092862138;)
          f32.demote_f64
          i64.trunc_sat_f32_s
          f64.const -nan:0xfffff80000000 (;=NaN;)
          f64.sqrt
          local.tee 3
          f64.const nan (;=NaN;)
          local.get 3
          local.get 3
          f64.eq
          select
          f64.const -0x1p+769 (;=-3105036184601418000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
          i64.reinterpret_f64
          f32.const -0x1p+121 (;=-2658456000000000000000000000000000000;)
          f32.const 0x1.c002p-131 (;=0.00000000000000000000000000000000000000064286;)
          i32.reinterpret_f32
          i32.load offset=266142 align=1
          local.tee 1
          if (result i64) ;; label = @4
            i32.const 4095
            i64.load32_s offset=382505
            i32.wrap_i64
            i64.load32_u offset=254213
            i32.const -16777217
            br_table 1 (;@3;) 3 (;@1;) 4 4
            elem.drop 0
            i64.const 3901502856208220596
            f32.const -0x1.4466c8p+68 (;=-374009450000000000000;)
            f32.ceil
            local.tee 4
            f32.const nan (;=NaN;)
            local.get 4
            local.get 4
            f32.eq
            select
            i32.reinterpret_f32
            global.get 4
            i32.xor
            global.set 4
            global.get 3
            i64.xor
            global.set 3
          else
            i64.const -1007064142157607447
          end
          global.get 3
          i64.xor
          global.set 3
          i32.reinterpret_f32
          global.get 4
          i32.xor
          global.set 4
          global.get 3
          i64.xor
          global.set 3
          i64.reinterpret_f64
          global.get 5
          i64.xor
          global.set 5
          global.get 3
          i64.xor
          global.set 3
        end
        i64.const -4686614743739663805
      else
        i64.const -6593330394000311380
      end
      global.get 3
      i64.xor
      global.set 3
      i64.reinterpret_f64
      global.get 5
      i64.xor
      global.set 5
    end
    global.get 3
    i64.xor
    global.set 3
  )
)
