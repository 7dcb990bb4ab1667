//! Bundled sequence data sets, in the `.ts` form of the UCR/UEA archives (attribution and
//! licence in `src/datasets/data/README.md`).

use ndarray::Array2;

use crate::data::sequences::SequenceSet;
use crate::data::ts_format::TsDataset;
use crate::error::Result;
use crate::rng::RandomState;

const JAPANESE_VOWELS_TRAIN: &[u8] = include_bytes!("data/JapaneseVowels_TRAIN.ts.gz");
const JAPANESE_VOWELS_TEST: &[u8] = include_bytes!("data/JapaneseVowels_TEST.ts.gz");

/// Japanese Vowels (M. Kudo, J. Toyama, M. Shimbo, UCI Machine Learning Repository, CC BY 4.0):
/// nine male speakers say the vowels /ae/; each utterance is a sequence of 7 to 29 frames of
/// 12 LPC cepstrum coefficients, and the class (`"1"` to `"9"`) is the speaker. Returns the
/// archive's split, (train, test): 270 utterances (30 per speaker) and 370 (24 to 88 per
/// speaker, recorded on other occasions). The files are byte-identical to the `.ts` copies
/// that aeon ships, so a side-by-side run sees the same numbers in the same order.
pub fn load_japanese_vowels() -> Result<(TsDataset, TsDataset)> {
    let train = TsDataset::parse(&super::gunzip(JAPANESE_VOWELS_TRAIN))?;
    let test = TsDataset::parse(&super::gunzip(JAPANESE_VOWELS_TEST))?;
    Ok((train, test))
}

/// The course's memory task, generated: `n` sequences of `steps` steps of one feature, whose
/// label (0 or 1) is decided by the first step alone (-1 or +1); every other step is uniform
/// noise in [-1, 1], of the same size. Drawn from neurona's stream seeded with `seed`.
pub fn make_memory_task(n: usize, steps: usize, seed: u32) -> Result<(SequenceSet<f64>, Vec<i64>)> {
    let mut rng = RandomState::new(seed);
    let mut labels = Vec::with_capacity(n);
    let sequences: Vec<Array2<f64>> = (0..n)
        .map(|_| {
            let label = rng.uniform(0.0, 1.0) < 0.5;
            labels.push(i64::from(label));
            Array2::from_shape_fn((steps, 1), |(t, _)| {
                let noise = rng.uniform(-1.0, 1.0);
                match (t, label) {
                    (0, true) => 1.0,
                    (0, false) => -1.0,
                    _ => noise,
                }
            })
        })
        .collect();
    Ok((SequenceSet::from_sequences(&sequences)?, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_vowels_has_the_archive_shapes() {
        let (train, test) = load_japanese_vowels().unwrap();
        let classes: Vec<String> = (1..=9).map(|c| c.to_string()).collect();
        for (set, n, counts) in
            [(&train, 270, [30, 30, 30, 30, 30, 30, 30, 30, 30]), (&test, 370, [31, 35, 88, 44, 29, 24, 40, 50, 29])]
        {
            assert_eq!(set.problem_name.as_deref(), Some("JapaneseVowels"));
            assert_eq!(set.class_labels.as_ref(), Some(&classes));
            assert_eq!((set.sequences.n_sequences(), set.sequences.n_features()), (n, 12));
            let lengths = set.sequences.lengths();
            assert!(lengths.iter().all(|len| (7..=29).contains(len)));
            let mut found = [0; 9];
            set.label_indices().unwrap().iter().for_each(|&c| found[c] += 1);
            assert_eq!(found, counts);
            assert_eq!(set.targets, None);
        }
        assert_eq!((train.sequences.t_max(), test.sequences.t_max()), (26, 29));
        assert_eq!((train.sequences.lengths()[0], test.sequences.lengths()[0]), (20, 19));
        // The first and last values as the files write them.
        let first = train.sequences.sequence(0);
        assert_eq!((first[[0, 0]], first[[0, 1]], first[[1, 0]]), (1.860936, -0.207383, 1.891651));
        let last = test.sequences.sequence(369);
        assert_eq!((last.nrows(), last[[0, 0]], last[[10, 11]]), (11, 1.421622, 0.224688));
    }
}
