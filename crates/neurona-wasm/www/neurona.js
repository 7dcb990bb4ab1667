// The loader of neurona's WebAssembly module: a JSON request in, a JSON object or bytes out
// (the exports of crates/neurona-wasm/src/ffi.rs). No wasm-bindgen: four exports and linear
// memory are all the page needs.

const REPLY_JSON = 0;
const REPLY_BYTES = 1;

export class Neurona {
  constructor(instance) {
    this.exports = instance.exports;
  }

  // Loads the module from `bytes` (an ArrayBuffer or typed array).
  static async load(bytes) {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new Neurona(instance);
  }

  // Sends `request` (an object) and returns the reply: an object for JSON, a Uint8Array for
  // bytes. An error reply throws an Error with neurona's message.
  call(request) {
    const text = new TextEncoder().encode(JSON.stringify(request));
    const ptr = this.exports.nr_alloc(text.length);
    new Uint8Array(this.exports.memory.buffer, ptr, text.length).set(text);
    const status = this.exports.nr_call(ptr, text.length);
    const start = this.exports.nr_reply_ptr();
    const len = this.exports.nr_reply_len();
    // A copy: the next call (or a grown memory) invalidates the reply in place.
    const bytes = new Uint8Array(this.exports.memory.buffer.slice(start, start + len));
    if (status === REPLY_BYTES) return bytes;
    const reply = JSON.parse(new TextDecoder().decode(bytes));
    if (status !== REPLY_JSON) throw new Error(reply.error);
    return reply;
  }

  // The heat maps of a session as a Float64Array (see Session::grid).
  grid(session, resolution) {
    const bytes = this.call({ op: "grid", session, resolution });
    return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  }
}
