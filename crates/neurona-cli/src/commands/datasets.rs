//! `neurona datasets`: the bundled data sets.

use anyhow::Result;

pub fn run() -> Result<()> {
    let digits = neurona::datasets::digits();
    let iris = neurona::datasets::iris();
    let diabetes = neurona::datasets::diabetes();
    let (train, test) = neurona::datasets::load_japanese_vowels()?;
    let rows = [
        (
            "digits",
            digits.data.dim(),
            format!("classification, {} classes", digits.target_names.len()),
            "8x8 images of handwritten digits (the default)",
        ),
        (
            "iris",
            iris.data.dim(),
            format!("classification, {} classes", iris.target_names.len()),
            "Fisher's iris flowers",
        ),
        (
            "diabetes",
            diabetes.data.dim(),
            "regression".to_owned(),
            "disease progression of diabetes patients after one year",
        ),
        (
            "japanese-vowels",
            (train.sequences.n_sequences() + test.sequences.n_sequences(), train.sequences.n_features()),
            format!("sequences, {} classes", train.class_labels.as_ref().map_or(0, Vec::len)),
            "nine speakers' vowels, 7 to 29 steps (--model-kind rnn; own test set)",
        ),
    ];
    println!("Bundled data sets (use with `neurona train --dataset NAME`):\n");
    println!("  {:<15} {:>7} {:>8}  {:<27} description", "name", "samples", "features", "task");
    for (name, (samples, features), task, description) in rows {
        println!("  {name:<15} {samples:>7} {features:>8}  {task:<27} {description}");
    }
    println!("\nSources: UCI Machine Learning Repository (digits: Alpaydin & Kaynak 1998; iris: Fisher 1936;");
    println!("japanese-vowels: Kudo, Toyama & Shimbo 1999, CC BY 4.0, in the UCR/UEA archive's .ts form);");
    println!("diabetes: Efron, Hastie, Johnstone & Tibshirani, \"Least Angle Regression\" (2004).");
    Ok(())
}
