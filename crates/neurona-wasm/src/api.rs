//! The page's one entry point: a JSON request in, a JSON or binary reply out. Sessions live
//! here and are known to the page by an integer handle. Everything is ordinary Rust, so the
//! native tests call [`handle`] exactly as the page's JavaScript does through the exports of
//! `ffi.rs`.
//!
//! | `op` | request fields | reply |
//! | --- | --- | --- |
//! | `new` | `settings` (see [`Settings::from_json`]) | `{session, state, train, test}` |
//! | `step` | `session`, `n`, optional `record` (default true) | the state ([`Session::state_json`]) |
//! | `grid` | `session`, `resolution` | bytes: little-endian f64 heat maps ([`Session::grid`]) |
//! | `model` | `session` | bytes: the `.safetensors` model file |
//! | `predict` | `session`, `points` | `{predictions}` |
//! | `drop` | `session` | `{}` |
//! | `worked_example` | optional `inputs`, `targets` | the traced step ([`crate::worked`]) |

use std::cell::RefCell;

use neurona::{NeuronaError, Result};
use serde_json::{Value, json};

use crate::data::parameter;
use crate::session::{Session, Settings};
use crate::worked::worked_example;

/// What a request returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A JSON document.
    Json(Value),
    /// Raw bytes (heat maps, a model file).
    Bytes(Vec<u8>),
}

thread_local! {
    /// The open sessions; a handle is an index, and a dropped session leaves `None`.
    static SESSIONS: RefCell<Vec<Option<Session>>> = const { RefCell::new(Vec::new()) };
}

/// Answers one request (see the [module docs](self) for the operations).
pub fn handle(request: &Value) -> Result<Reply> {
    let op = request["op"].as_str().unwrap_or_default();
    match op {
        "new" => {
            let session = Session::new(Settings::from_json(&request["settings"])?)?;
            let (train, test) = session.points();
            let reply = json!({
                "state": session.state_json()?,
                "train": {"x": train.x, "y": train.y},
                "test": {"x": test.x, "y": test.y},
            });
            let id = SESSIONS.with(|s| {
                let mut sessions = s.borrow_mut();
                sessions.push(Some(session));
                sessions.len() - 1
            });
            let mut reply = reply;
            reply["session"] = json!(id);
            Ok(Reply::Json(reply))
        }
        "step" => {
            let n = count(&request["n"], "n")?;
            let record = request["record"].as_bool().unwrap_or(true);
            with_session(request, |s| {
                s.step_recording(n, record)?;
                s.state_json().map(Reply::Json)
            })
        }
        "grid" => {
            let resolution = count(&request["resolution"], "resolution")?;
            with_session(request, |s| {
                let maps = s.grid(resolution)?;
                Ok(Reply::Bytes(maps.iter().flat_map(|v| v.to_le_bytes()).collect()))
            })
        }
        "model" => with_session(request, |s| s.model_bytes().map(Reply::Bytes)),
        "predict" => {
            let points = numbers(&request["points"], "points")?.unwrap_or_default();
            with_session(request, |s| Ok(Reply::Json(json!({ "predictions": s.predict(&points)? }))))
        }
        "drop" => {
            let id = count(&request["session"], "session")?;
            SESSIONS.with(|s| s.borrow_mut().get_mut(id).map(Option::take));
            Ok(Reply::Json(json!({})))
        }
        "worked_example" => {
            let inputs = numbers(&request["inputs"], "inputs")?;
            let targets = numbers(&request["targets"], "targets")?;
            worked_example(inputs, targets).map(Reply::Json)
        }
        other => {
            Err(parameter("op", "one of new, step, grid, model, predict, drop, worked_example", format!("{other:?}")))
        }
    }
}

/// The reply of an error: `{"error": message}`.
pub fn error_json(error: &NeuronaError) -> Value {
    json!({ "error": error.to_string() })
}

fn with_session(request: &Value, f: impl FnOnce(&mut Session) -> Result<Reply>) -> Result<Reply> {
    let id = count(&request["session"], "session")?;
    SESSIONS.with(|s| {
        let mut sessions = s.borrow_mut();
        let session = sessions
            .get_mut(id)
            .and_then(Option::as_mut)
            .ok_or_else(|| parameter("session", "the handle of an open session", id))?;
        f(session)
    })
}

fn count(v: &Value, name: &'static str) -> Result<usize> {
    v.as_u64().and_then(|n| usize::try_from(n).ok()).ok_or_else(|| parameter(name, "a whole number >= 0", v))
}

fn numbers(v: &Value, name: &'static str) -> Result<Option<Vec<f64>>> {
    match v {
        Value::Null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|x| x.as_f64().ok_or_else(|| parameter(name, "a list of numbers", x)))
            .collect::<Result<_>>()
            .map(Some),
        other => Err(parameter(name, "a list of numbers", other)),
    }
}
