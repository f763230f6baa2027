// The plugin ABI's kernel functions a C plugin imports from `extism:host/env`, declared by hand
// (Extism's C PDK declares the same), and the two helpers every plugin here needs.
#pragma once
#include <stdint.h>
#include <string.h>

#define EXTISM_IMPORT(name) __attribute__((import_module("extism:host/env"), import_name(#name)))

EXTISM_IMPORT(input_length) extern uint64_t extism_input_length(void);
EXTISM_IMPORT(input_load_u8) extern uint8_t extism_input_load_u8(uint64_t offset);
EXTISM_IMPORT(alloc) extern uint64_t extism_alloc(uint64_t length);
EXTISM_IMPORT(store_u8) extern void extism_store_u8(uint64_t offset, uint8_t value);
EXTISM_IMPORT(output_set) extern void extism_output_set(uint64_t offset, uint64_t length);
EXTISM_IMPORT(error_set) extern void extism_error_set(uint64_t offset);

// The call's input, copied into `buffer` (at most `size` bytes); its length.
static inline uint64_t extism_input(char *buffer, uint64_t size) {
    uint64_t length = extism_input_length();
    for (uint64_t i = 0; i < length && i < size; i++) buffer[i] = (char)extism_input_load_u8(i);
    return length;
}

// `length` bytes at `bytes`, in a new kernel block.
static inline uint64_t extism_block(const char *bytes, uint64_t length) {
    uint64_t block = extism_alloc(length);
    for (uint64_t i = 0; i < length; i++) extism_store_u8(block + i, (uint8_t)bytes[i]);
    return block;
}

static inline void extism_output_text(const char *text) {
    uint64_t length = strlen(text);
    extism_output_set(extism_block(text, length), length);
}
