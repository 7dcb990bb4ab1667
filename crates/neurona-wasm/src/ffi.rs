//! The WebAssembly exports: a plain C ABI over linear memory instead of `wasm-bindgen`, so
//! that the build needs only `cargo` and the target (no `wasm-bindgen-cli` to install and keep
//! in step with the crate), and the page's loader is a few lines of JavaScript
//! (`www/neurona.js`).
//!
//! The page asks for a buffer with [`nr_alloc`], writes a UTF-8 JSON request into it, calls
//! [`nr_call`] (which frees it) and reads the reply from [`nr_reply_ptr`] / [`nr_reply_len`]
//! until its next call. The status says what the reply is.

use std::cell::RefCell;

use crate::api::{Reply, error_json, handle};

/// [`nr_call`]'s status: the reply is JSON.
pub const REPLY_JSON: u32 = 0;
/// The reply is bytes.
pub const REPLY_BYTES: u32 = 1;
/// The reply is JSON `{"error": message}`.
pub const REPLY_ERROR: u32 = 2;

thread_local! {
    static REPLY: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `len` bytes for a request, owned by the caller until [`nr_call`] takes it.
#[unsafe(no_mangle)]
pub extern "C" fn nr_alloc(len: usize) -> *mut u8 {
    let mut buffer = vec![0u8; len].into_boxed_slice();
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

/// Answers the request of `len` bytes at `ptr` (from [`nr_alloc`], freed here) and returns
/// the reply's status.
///
/// # Safety
/// `ptr` and `len` must be a buffer [`nr_alloc`] returned, not yet passed to this function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nr_call(ptr: *mut u8, len: usize) -> u32 {
    // SAFETY: the caller passes a buffer of `len` bytes from `nr_alloc`, a boxed slice.
    let request = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) };
    let (status, bytes) = match serde_json::from_slice(&request) {
        Err(e) => (
            REPLY_ERROR,
            serde_json::json!({ "error": format!("the request is not JSON: {e}") }).to_string().into_bytes(),
        ),
        Ok(value) => match handle(&value) {
            Ok(Reply::Json(v)) => (REPLY_JSON, v.to_string().into_bytes()),
            Ok(Reply::Bytes(b)) => (REPLY_BYTES, b),
            Err(e) => (REPLY_ERROR, error_json(&e).to_string().into_bytes()),
        },
    };
    REPLY.with(|r| *r.borrow_mut() = bytes);
    status
}

/// Where the last reply starts.
#[unsafe(no_mangle)]
pub extern "C" fn nr_reply_ptr() -> *const u8 {
    REPLY.with(|r| r.borrow().as_ptr())
}

/// The last reply's length in bytes.
#[unsafe(no_mangle)]
pub extern "C" fn nr_reply_len() -> usize {
    REPLY.with(|r| r.borrow().len())
}
