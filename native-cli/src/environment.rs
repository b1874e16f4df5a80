//! The process environment, prepared before anything else runs.
//!
//! This is the one module of the binary with `unsafe` code, and why: Mesa's software
//! Vulkan driver (lavapipe, common on headless servers and in CI) initialises Wayland
//! support when wgpu opens an instance, and libwayland prints
//! `error: XDG_RUNTIME_DIR is invalid or not set in the environment.` to stderr when that
//! variable is unset, breaking `--quiet` and polluting every `--backend auto` probe. Giving
//! it an existing directory without a Wayland socket makes the connection fail silently.
//! `std::env::set_var` is `unsafe` because another thread could read the environment at
//! the same time; [`prepare`] runs first in `main`, before any thread exists.
#![allow(unsafe_code)]

/// Points `XDG_RUNTIME_DIR` at the temporary folder when it is unset and no Wayland
/// session is named (so nothing that relies on a real session is affected).
pub fn prepare() {
    let unset = |name: &str| std::env::var_os(name).is_none_or(|v| v.is_empty());
    if unset("XDG_RUNTIME_DIR") && unset("WAYLAND_DISPLAY") {
        // SAFETY: called at the start of `main`, while the process has one thread, so no
        // other code reads or writes the environment concurrently.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", std::env::temp_dir()) };
    }
}
