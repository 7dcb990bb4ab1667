//! `docs/hyperparameters.md` is the spec table, rendered: this test renders it again and
//! compares, so the page cannot fall behind a declaration. `NEURONA_BLESS=1 cargo test -p neurona
//! --test spec_docs` rewrites it after a change to the declarations.

use neurona::estimator::Family;
use neurona::params::Spec;

fn render() -> String {
    let mut page = String::from(
        "# Hyperparameters\n\n\
         Generated from the core's spec table (`crates/neurona/src/params/` and each family's\n\
         `hyperparams.rs`) by `crates/neurona/tests/spec_docs.rs`; do not edit by hand. The names,\n\
         defaults and rules are scikit-learn's; the command line takes each as a flag in kebab-case\n\
         (`learning_rate_init` is `--learning-rate-init`), Python as the estimator's keyword.\n",
    );
    for family in Family::ALL {
        let kinds: Vec<String> = family.kinds().map(|k| format!("`{k}`")).collect();
        page.push_str(&format!("\n## {} (`{}`)\n\n", kinds.join(", "), family.name()));
        page.push_str("| name | default | values | what it does |\n| --- | --- | --- | --- |\n");
        let specs: Vec<Spec> = family.kinds().next().map(|k| k.specs()).unwrap_or_default();
        for spec in specs {
            let values = if spec.choices.is_empty() {
                spec.kind.to_owned()
            } else {
                spec.choices.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            };
            let doc = spec.doc.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|");
            page.push_str(&format!("| `{}` | `{}` | {values} | {doc} |\n", spec.name, spec.default));
        }
    }
    page
}

#[test]
fn the_hyperparameter_page_is_the_spec_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/hyperparameters.md");
    let page = render();
    if std::env::var_os("NEURONA_BLESS").is_some() {
        std::fs::write(path, &page).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == page,
        "docs/hyperparameters.md is stale: run NEURONA_BLESS=1 cargo test -p neurona --test spec_docs"
    );
}
