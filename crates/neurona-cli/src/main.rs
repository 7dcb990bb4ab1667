//! `neurona`: train, predict, evaluate, inspect and trace neural networks from the command line.

mod report;
mod table;

fn main() {}
