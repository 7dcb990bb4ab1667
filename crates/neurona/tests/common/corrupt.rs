//! Shared by the model-file tests: damages a file's bytes many ways and checks every damaged
//! file is refused cleanly.

use neurona::NeuronaError;

/// Truncates `bytes` at a few lengths, then flips 1 to 3 bits of it `rounds` times; `load` must
/// refuse every damaged file with a [`NeuronaError::ModelFile`], never panic. Returns how many
/// files were damaged (two flips of the same bit give the file back unchanged).
pub fn corrupt_many_times(bytes: &[u8], rounds: usize, load: impl Fn(&[u8]) -> neurona::Result<()>) -> usize {
    // A fixed xorshift stream, so every run damages the same bytes.
    let mut state = 0x2545F4914F6CDD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for len in [0, 1, 7, 8, 9, 100, bytes.len() / 2, bytes.len() - 1] {
        let err = load(&bytes[..len]).unwrap_err();
        assert!(matches!(err, NeuronaError::ModelFile { .. }), "truncated to {len}: {err:?}");
    }
    let mut damaged = 0;
    for round in 0..rounds {
        let mut corrupt = bytes.to_vec();
        for _ in 0..1 + next() % 3 {
            let at = (next() as usize) % corrupt.len();
            corrupt[at] ^= 1 << (next() % 8);
        }
        if corrupt != bytes {
            damaged += 1;
            // Refused even where the flip landed in a weight: the checksum notices.
            let result = load(&corrupt);
            assert!(matches!(result, Err(NeuronaError::ModelFile { .. })), "round {round}: {result:?}");
        }
    }
    damaged
}
