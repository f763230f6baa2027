;; Runs a sequence of kernel calls encoded in its input and reports what each returned, so that a
;; generated sequence can be run on every kernel (Concord's native one and Extism's own) and the
;; answers compared.
;;
;; Input: ops of 24 bytes each, three little-endian u64s: opcode, a, b.
;; Output: one little-endian u64 per op that returns something, in order.
;;
;; Offsets differ between kernels, so an op never reports one. An op that returns an offset
;; (alloc, config_get, var_get) keeps it in slot `b & 15` and reports only whether it is non-zero.
;; An offset operand is decoded by $address:
;;   top byte 0: the low 56 bits, as they are (0, or a small offset that is no block)
;;   top byte 1: slot (bits 32..36) plus a signed 32-bit delta (bits 0..32)
;;   top byte 3: the end of the slot's block (its offset plus its length) plus the delta
;;   top byte 2: minus the low 32 bits (a negative offset, huge as an unsigned one)
;; An empty slot (0) plus a delta of 0..7 stays below offset 8, where no kernel puts a block (a
;; larger delta is cut to those 3 bits): offsets are the kernels' own, so a higher fixed offset
;; could be a block in one kernel and not in the other.
;;
;; output_set and error_set end the run: the output is then what the op set, or the error. An
;; output_set outside a live block is made, then undone (output_set(0, 0)), and the run goes on: a
;; host that takes the range unchecked would return whatever memory it covers. Loads
;; outside a live block and input loads past the input are made, but their values not reported.
;; So every answer a guest is shown is one every kernel must agree on, and a host that checks
;; less differs only where a checking kernel refuses.
;;
;; Two kinds of call are never made, because Extism's host cannot survive them: a store outside a
;; live block (Extism's kernel does not check it, so it can overwrite the kernel's own bookkeeping,
;; and the host then reads an output exabytes long and aborts the process) and an output_set at an
;; offset of 4 GiB or more outside a live block (the host reads it from outside its memory; the
;; JavaScript SDK's own blocks lie at 2^48 and up, so one inside a block is made). Such a store
;; reports 0 and is skipped; such an output_set is skipped and the run goes on.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "length_unsafe" (func $length_unsafe (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "log_trace" (func $log_trace (param i64)))
  (import "extism:host/env" "log_debug" (func $log_debug (param i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "log_warn" (func $log_warn (param i64)))
  (import "extism:host/env" "log_error" (func $log_error (param i64)))
  (memory (export "memory") 1)

  ;; Slots live at 0..128, results from 1024 on.
  (global $results i32 (i32.const 1024))
  (global $next (mut i32) (i32.const 1024))

  (func $slot_addr (param $slot i64) (result i32)
    (i32.wrap_i64 (i64.shl (i64.and (local.get $slot) (i64.const 15)) (i64.const 3))))

  (func $address (param $x i64) (result i64)
    (local $tag i64) (local $base i64) (local $delta i64)
    (local.set $tag (i64.shr_u (local.get $x) (i64.const 56)))
    (if (result i64) (i32.or (i64.eq (local.get $tag) (i64.const 1)) (i64.eq (local.get $tag) (i64.const 3)))
      (then
        (local.set $base (i64.load (call $slot_addr (i64.shr_u (local.get $x) (i64.const 32)))))
        (local.set $delta (i64.extend_i32_s (i32.wrap_i64 (local.get $x))))
        (if (i32.and (i64.eq (local.get $tag) (i64.const 3)) (i64.ne (local.get $base) (i64.const 0)))
          (then (local.set $base (i64.add (local.get $base) (call $length (local.get $base))))))
        (if (i32.and (i64.eqz (local.get $base)) (i64.ge_s (local.get $delta) (i64.const 0)))
          (then (local.set $delta (i64.and (local.get $delta) (i64.const 7)))))
        (i64.add (local.get $base) (local.get $delta)))
      (else
        (if (result i64) (i64.eq (local.get $tag) (i64.const 2))
          (then (i64.sub (i64.const 0) (i64.and (local.get $x) (i64.const 0xffffffff))))
          (else (i64.and (local.get $x) (i64.const 0x00ffffffffffffff)))))))

  ;; Whether $width bytes at operand $x lie inside the live block of the slot it names.
  (func $inside (param $x i64) (param $width i64) (result i32)
    (local $tag i64) (local $base i64) (local $at i64)
    (local.set $tag (i64.shr_u (local.get $x) (i64.const 56)))
    (if (i32.and (i64.ne (local.get $tag) (i64.const 1)) (i64.ne (local.get $tag) (i64.const 3)))
      (then (return (i32.const 0))))
    (local.set $base (i64.load (call $slot_addr (i64.shr_u (local.get $x) (i64.const 32)))))
    (if (i64.eqz (local.get $base)) (then (return (i32.const 0))))
    (local.set $at (call $address (local.get $x)))
    (i32.and
      (i64.ge_u (local.get $at) (local.get $base))
      (i64.le_u (i64.add (local.get $at) (local.get $width))
                (i64.add (local.get $base) (call $length (local.get $base))))))

  (func $report (param $value i64)
    (i64.store (global.get $next) (local.get $value))
    (global.set $next (i32.add (global.get $next) (i32.const 8))))

  ;; Reports a value read from a kernel only where every kernel must agree on it (inside a live
  ;; block, inside the input); elsewhere a host that does not check reads whatever its memory
  ;; holds, so the guest reports that it read nothing it may compare (all ones).
  (func $report_if (param $checked i32) (param $value i64)
    (call $report (select (local.get $value) (i64.const -1) (local.get $checked))))

  ;; Whether $width bytes at input offset $at lie inside the input.
  (func $in_input (param $at i64) (param $width i64) (result i32)
    (i32.and
      (i64.le_u (local.get $at) (call $input_length))
      (i64.le_u (local.get $width) (i64.sub (call $input_length) (local.get $at)))))

  ;; Keeps an offset in a slot and reports whether it is non-zero.
  (func $keep (param $slot i64) (param $offset i64)
    (i64.store (call $slot_addr (local.get $slot)) (local.get $offset))
    (call $report (i64.extend_i32_u (i64.ne (local.get $offset) (i64.const 0)))))

  ;; Runs one op; returns -1 to go on, or the export's return code to stop with.
  (func $op (param $code i64) (param $a i64) (param $b i64) (result i32)
    (block $done
      (block $error_set (block $output_set (block $var_set (block $var_get (block $config_get
      (block $log_error (block $log_warn (block $log_info (block $log_debug (block $log_trace
      (block $input_load_u64 (block $input_load_u8 (block $input_length
      (block $store_u64 (block $store_u8 (block $load_u64 (block $load_u8
      (block $length_unsafe (block $length (block $free (block $alloc
        (br_table $alloc $free $length $length_unsafe $load_u8 $load_u64 $store_u8 $store_u64
                  $input_length $input_load_u8 $input_load_u64
                  $log_trace $log_debug $log_info $log_warn $log_error
                  $config_get $var_get $var_set $output_set $error_set $done
                  (i32.wrap_i64 (i64.and (local.get $code) (i64.const 0xff)))))
        (call $keep (local.get $b) (call $alloc (local.get $a)))
        (br $done))
      (call $free (call $address (local.get $a)))
      (br $done))
      (call $report (call $length (call $address (local.get $a))))
      (br $done))
      (call $report (call $length_unsafe (call $address (local.get $a))))
      (br $done))
      (call $report_if (call $inside (local.get $a) (i64.const 1))
        (i64.extend_i32_u (call $load_u8 (call $address (local.get $a)))))
      (br $done))
      (call $report_if (call $inside (local.get $a) (i64.const 8))
        (call $load_u64 (call $address (local.get $a))))
      (br $done))
      (if (call $inside (local.get $a) (i64.const 1))
        (then (call $store_u8 (call $address (local.get $a)) (i32.wrap_i64 (local.get $b)))))
      (call $report (i64.extend_i32_u (call $inside (local.get $a) (i64.const 1))))
      (br $done))
      (if (call $inside (local.get $a) (i64.const 8))
        (then (call $store_u64 (call $address (local.get $a)) (local.get $b))))
      (call $report (i64.extend_i32_u (call $inside (local.get $a) (i64.const 8))))
      (br $done))
      (call $report (call $input_length))
      (br $done))
      (call $report_if (call $in_input (local.get $a) (i64.const 1))
        (i64.extend_i32_u (call $input_load_u8 (local.get $a))))
      (br $done))
      (call $report_if (call $in_input (local.get $a) (i64.const 8))
        (call $input_load_u64 (local.get $a)))
      (br $done))
      (call $log_trace (call $address (local.get $a)))
      (br $done))
      (call $log_debug (call $address (local.get $a)))
      (br $done))
      (call $log_info (call $address (local.get $a)))
      (br $done))
      (call $log_warn (call $address (local.get $a)))
      (br $done))
      (call $log_error (call $address (local.get $a)))
      (br $done))
      (call $keep (local.get $b) (call $config_get (call $address (local.get $a))))
      (br $done))
      (call $keep (local.get $b) (call $var_get (call $address (local.get $a))))
      (br $done))
      (call $var_set (call $address (local.get $a)) (call $address (local.get $b)))
      (br $done))
      (br_if $done (i32.and (i64.ge_u (call $address (local.get $a)) (i64.const 0x100000000))
                            (i32.eqz (call $inside (local.get $a) (local.get $b)))))
      (call $output_set (call $address (local.get $a)) (local.get $b))
      (if (i32.eqz (call $inside (local.get $a) (local.get $b)))
        (then
          (call $output_set (i64.const 0) (i64.const 0))
          (br $done)))
      (return (i32.const 0)))
      (call $error_set (call $address (local.get $a)))
      (return (i32.const 1)))
    (i32.const -1))

  (func (export "run") (result i32)
    (local $count i64) (local $i i64) (local $at i64) (local $stop i32)
    (local $len i64) (local $block i64) (local $j i64)
    ;; Each call starts with empty slots and no results: the kernel frees every block between calls.
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 128))
    (global.set $next (global.get $results))
    (local.set $count (i64.div_u (call $input_length) (i64.const 24)))
    (block $ran
      (loop $each
        (br_if $ran (i64.ge_u (local.get $i) (local.get $count)))
        (local.set $at (i64.mul (local.get $i) (i64.const 24)))
        (local.set $stop
          (call $op
            (call $input_load_u64 (local.get $at))
            (call $input_load_u64 (i64.add (local.get $at) (i64.const 8)))
            (call $input_load_u64 (i64.add (local.get $at) (i64.const 16)))))
        (if (i32.ge_s (local.get $stop) (i32.const 0)) (then (return (local.get $stop))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $each)))
    ;; Hand the results over through a kernel block of their own.
    (local.set $len (i64.extend_i32_u (i32.sub (global.get $next) (global.get $results))))
    (if (i64.eqz (local.get $len)) (then (return (i32.const 0))))
    (local.set $block (call $alloc (local.get $len)))
    (block $copied
      (loop $copy
        (br_if $copied (i64.ge_u (local.get $j) (local.get $len)))
        (call $store_u64
          (i64.add (local.get $block) (local.get $j))
          (i64.load (i32.add (global.get $results) (i32.wrap_i64 (local.get $j)))))
        (local.set $j (i64.add (local.get $j) (i64.const 8)))
        (br $copy)))
    (call $output_set (local.get $block) (local.get $len))
    (i32.const 0)))
