use super::*;

#[test]
fn trace_prints_the_worked_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["trace"]);
    for expected in [
        "out_h1 = 1 / (1 + e^-0.377500000) = 0.593269992",
        "out_h2",
        "0.596884378",
        "out_o1",
        "0.751365070",
        "0.772928465",
        "E_total = 0.298371109",
        "= 0.358916480",
        "= 0.408666186",
        "= 0.511301270",
        "= 0.561370121",
        "= 0.149780716",
        "= 0.199561432",
        "= 0.249751144",
        "= 0.299502287",
    ] {
        assert!(out.contains(expected), "missing '{expected}' in:\n{out}");
    }
    let custom =
        ok(dir.path(), &words("trace --weights 0.5,-0.5 --biases 0 --inputs 1,1 --targets 1 --learning-rate 1"));
    assert!(custom.contains("net_o1 = w1*i1 + w2*i2 + b = 0.5*1 + -0.5*1 + 0 = 0.000000000"), "{custom}");
    let err = fails(dir.path(), &["trace", "--weights", "0.5,x"], 1);
    assert!(err.contains("'x' is not a number"), "{err}");
}
