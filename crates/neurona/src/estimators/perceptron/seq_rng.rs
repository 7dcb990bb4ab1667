//! The per-epoch shuffle of scikit-learn's SGD solvers, drawn bit for bit.
//!
//! scikit-learn's `_plain_sgd` does not shuffle with numpy's Mersenne Twister: its
//! `SequentialDataset.shuffle(seed)` runs a Fisher-Yates pass driven by `our_rand_r`, a 32-bit
//! xorshift generator (Marsaglia 2003, shifts 13, 17, 5) whose output is reduced modulo 2^31.
//! Two facts matter for parity:
//!
//! * the seed is passed **by value**, so every epoch of one fit restarts the generator from the
//!   same seed and applies the same sequence of swaps to the order left by the previous epoch;
//! * the swaps go forward: for `i = 0..n-1`, `j = i + r % (n - i)`, where `r` is the next draw.
//!
//! A seed of 0 would keep the xorshift at 0 forever, so the generator replaces it by 1.

/// One draw of scikit-learn's `our_rand_r`: advances `state` and returns a value in
/// `[0, 2^31 - 1]`.
pub(crate) fn our_rand_r(state: &mut u32) -> u32 {
    if *state == 0 {
        *state = 1;
    }
    let mut s = *state;
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    *state = s;
    // Modulo 2^31, i.e. the low 31 bits, as `seed % (RAND_R_MAX + 1)` computes it.
    s & 0x7fff_ffff
}

/// Permutes `index` in place as `SequentialDataset.shuffle(seed)` does.
pub(crate) fn shuffle_with_seed(index: &mut [usize], seed: u32) {
    let n = index.len();
    let mut state = seed;
    for i in 0..n.saturating_sub(1) {
        // The draw is below 2^31 and n - i fits in u32 for any data set scikit-learn accepts
        // (its indices are C ints); the reduction is done in u64 so that nothing can overflow.
        let j = i + (u64::from(our_rand_r(&mut state)) % (n - i) as u64) as usize;
        index.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shuffled(n: usize, seed: u32, times: usize) -> Vec<usize> {
        let mut index: Vec<usize> = (0..n).collect();
        for _ in 0..times {
            shuffle_with_seed(&mut index, seed);
        }
        index
    }

    /// Orders read back from scikit-learn 1.9.1's `ArrayDataset64._shuffle_py(seed)` followed
    /// by ten `_next_py()` calls on ten samples.
    #[test]
    fn matches_scikit_learns_sequential_dataset_shuffle() {
        assert_eq!(shuffled(10, 12345, 1), [2, 4, 0, 8, 9, 7, 6, 5, 3, 1]);
        assert_eq!(shuffled(10, 12345, 2), [0, 9, 2, 3, 1, 5, 6, 7, 8, 4], "the same swaps applied again");
        assert_eq!(shuffled(10, 2_147_483_646, 1), [0, 1, 8, 4, 5, 2, 3, 9, 6, 7]);
    }

    #[test]
    fn seed_zero_behaves_as_seed_one() {
        assert_eq!(shuffled(10, 0, 1), [9, 5, 7, 2, 3, 0, 8, 4, 1, 6]);
        assert_eq!(shuffled(10, 1, 1), shuffled(10, 0, 1));
    }

    #[test]
    fn draws_stay_below_2_pow_31_and_short_slices_are_untouched() {
        let mut state = 7;
        for _ in 0..10_000 {
            assert!(our_rand_r(&mut state) < 1 << 31);
        }
        assert!(shuffled(0, 3, 1).is_empty());
        assert_eq!(shuffled(1, 3, 1), [0]);
    }
}
