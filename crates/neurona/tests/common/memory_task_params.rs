//! The training settings of the memory task, one place for the example that measures them
//! (`examples/memory_task.rs`, whose table `docs/guide/recurrent.rst` quotes) and the test that asserts the
//! guide's claim (`tests/rnn.rs`), so that both speak of the same fit.

use neurona::prelude::*;

/// A recurrent classifier with `cell`: 16 units, Adam at 0.01 on batches of 32, 80 epochs
/// without early stopping, seed 0.
pub fn memory_task_params(cell: Cell) -> Result<RnnValidParams> {
    RnnParams::new()
        .cell(cell)
        .hidden_size(16)
        .learning_rate_init(0.01)
        .batch_size(BatchSize::Fixed(32))
        .max_iter(80)
        .n_iter_no_change(Patience::Never)
        .random_state(0)
        .check()
}
