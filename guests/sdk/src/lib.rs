//! The guest side of Concord's plugins. Guests are ordinary Extism plugins: everything here sits
//! on the official `extism-pdk`, so a guest built with it runs unchanged on Extism itself.

pub use extism_pdk;

/// The input as raw bytes.
pub fn input_bytes() -> Vec<u8> {
    extism_pdk::input::<Vec<u8>>().unwrap_or_default()
}
