//! The course's point about recurrent training, measured: sequences whose label is decided by
//! their first step, followed by `steps - 1` steps of noise of the same size; each cell trains
//! on 600 of them and is scored on 200 others. `docs/guide/recurrent.rst` quotes its table.
//!
//! ```text
//! cargo run --release -p neurona --example memory_task -- 30 100
//! ```
//! (the arguments: the sequence lengths to try).

use std::time::Instant;

use memory_task_params::memory_task_params;
use neurona::datasets::make_memory_task;
use neurona::prelude::*;

#[path = "../tests/common/memory_task_params.rs"]
mod memory_task_params;

fn main() -> Result<()> {
    let lengths: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let lengths = if lengths.is_empty() { vec![30] } else { lengths };
    println!("| steps | cell | test accuracy | final training loss | seconds |");
    println!("| ---: | --- | ---: | ---: | ---: |");
    for steps in lengths {
        let (x_train, y_train) = make_memory_task(600, steps, 1)?;
        let (x_test, y_test) = make_memory_task(200, steps, 2)?;
        for cell in [Cell::Rnn, Cell::Lstm, Cell::Gru] {
            let mut clf = RnnClassifier::<f64, i64>::new(memory_task_params(cell)?);
            let start = Instant::now();
            let report = clf.fit(&x_train, &y_train)?.clone();
            let seconds = start.elapsed().as_secs_f64();
            let accuracy = clf.score(&x_test, &y_test)?;
            println!("| {steps} | {cell} | {accuracy:.3} | {:.4} | {seconds:.1} |", report.loss);
        }
    }
    Ok(())
}
