;; The flow runtime's actor protocol from a guest's side, one edge case per export (each an
;; actor `process`): the context it gets, a base64 string result (the Go SDK's encoding), output
;; ports without `type` or `data`, a returned state over what `__set_state` wrote, a missing
;; state key, plain `__send_output` values, a failing step, and an actor in the shape TinyGo's
;; SDK gives one (WASI output, `__set_state`, a base64 result). Constant JSON lives in data
;; segments; `$block` copies one into a kernel block.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "__send_output" (func $send_output (param i64)))
  (import "extism:host/user" "__get_state" (func $get_state (param i64) (result i64)))
  (import "extism:host/user" "__set_state" (func $set_state (param i64 i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "tinygo actor\n")
  (data (i32.const 1100) "\"eyJvdXRwdXRzIjp7ImRvbmUiOnsidHlwZSI6IkJvb2xlYW4iLCJkYXRhIjp0cnVlfX0sInN0YXRlIjpudWxsfQ==\"")
  (data (i32.const 16) "{}")
  (data (i32.const 26) "\"eyJvdXRwdXRzIjp7Im4iOnsidHlwZSI6IkludGVnZXIiLCJkYXRhIjo3fX0sInN0YXRlIjp7ImsiOjF9fQ==\"")
  (data (i32.const 120) "{\"outputs\":{\"kept\":{\"type\":\"Integer\",\"data\":1},\"flow\":{\"type\":\"Flow\",\"data\":null},\"bare_flow\":{\"type\":\"Flow\"},\"no_type\":{\"data\":1},\"plain\":5}}")
  (data (i32.const 270) "x")
  (data (i32.const 279) "1")
  (data (i32.const 288) "{\"state\":{\"y\":2}}")
  (data (i32.const 313) "{\"state\":null}")
  (data (i32.const 335) "missing")
  (data (i32.const 350) "{\"outputs\":{\"got\":{\"type\":\"Any\",\"data\":")
  (data (i32.const 397) "}}}")
  (data (i32.const 408) "{\"s\":\"working\",\"i\":66,\"f\":1.5,\"b\":true,\"n\":null,\"a\":[1],\"o\":{\"k\":1}}")

  ;; Copies `len` bytes of linear memory at `ptr` into the kernel block `to`, from `at`.
  (func $copy_in (param $to i64) (param $at i64) (param $ptr i32) (param $len i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8
          (i64.add (local.get $to) (i64.add (local.get $at) (i64.extend_i32_u (local.get $i))))
          (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; A new kernel block holding `len` bytes of linear memory at `ptr`.
  (func $block (param $ptr i32) (param $len i32) (result i64)
    (local $to i64)
    (local.set $to (call $alloc (i64.extend_i32_u (local.get $len))))
    (call $copy_in (local.get $to) (i64.const 0) (local.get $ptr) (local.get $len))
    (local.get $to))

  (func $output (param $ptr i32) (param $len i32)
    (call $output_set (call $block (local.get $ptr) (local.get $len)) (i64.extend_i32_u (local.get $len))))

  ;; Sends the context it was given, as plain values: every top-level key a port.
  (func (export "echo_context") (result i32)
    (local $len i64) (local $to i64) (local $i i64)
    (local.set $len (call $input_length))
    (local.set $to (call $alloc (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $to) (local.get $i)) (call $input_load_u8 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (call $send_output (local.get $to))
    (call $output (i32.const 16) (i32.const 2))
    (i32.const 0))

  (func (export "base64_result") (result i32)
    (call $output (i32.const 26) (i32.const 86))
    (i32.const 0))

  (func (export "dropped_ports") (result i32)
    (call $output (i32.const 120) (i32.const 142))
    (i32.const 0))

  (func (export "set_then_replace") (result i32)
    (call $set_state (call $block (i32.const 270) (i32.const 1)) (call $block (i32.const 279) (i32.const 1)))
    (call $output (i32.const 288) (i32.const 17))
    (i32.const 0))

  (func (export "set_then_null") (result i32)
    (call $set_state (call $block (i32.const 270) (i32.const 1)) (call $block (i32.const 279) (i32.const 1)))
    (call $output (i32.const 313) (i32.const 14))
    (i32.const 0))

  ;; Returns what `__get_state` answered for a key never set, on port `got`.
  (func (export "get_missing") (result i32)
    (local $value i64) (local $value_len i64) (local $to i64) (local $i i64) (local $len i64)
    (local.set $value (call $get_state (call $block (i32.const 335) (i32.const 7))))
    (local.set $value_len (call $length (local.get $value)))
    (local.set $len (i64.add (local.get $value_len) (i64.const 42)))
    (local.set $to (call $alloc (local.get $len)))
    (call $copy_in (local.get $to) (i64.const 0) (i32.const 350) (i32.const 39))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $value_len)))
        (call $store_u8
          (i64.add (local.get $to) (i64.add (i64.const 39) (local.get $i)))
          (call $load_u8 (i64.add (local.get $value) (local.get $i))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (call $copy_in (local.get $to) (i64.add (i64.const 39) (local.get $value_len)) (i32.const 397) (i32.const 3))
    (call $output_set (local.get $to) (local.get $len))
    (i32.const 0))

  (func (export "plain_values") (result i32)
    (call $send_output (call $block (i32.const 408) (i32.const 68)))
    (call $output (i32.const 16) (i32.const 2))
    (i32.const 0))

  (func (export "fail") (result i32)
    unreachable)

  ;; TinyGo's actor SDK: logs through WASI, writes state through the host, and returns its result
  ;; base64-encoded; the result's `null` state keeps what `__set_state` wrote.
  (func (export "tinygo_style") (result i32)
    (i32.store (i32.const 2048) (i32.const 1024))
    (i32.store (i32.const 2052) (i32.const 13))
    (if (call $fd_write (i32.const 1) (i32.const 2048) (i32.const 1) (i32.const 2056)) (then unreachable))
    (call $set_state (call $block (i32.const 270) (i32.const 1)) (call $block (i32.const 279) (i32.const 1)))
    (call $output (i32.const 1100) (i32.const 90))
    (i32.const 0)))
