//! numpy's legacy `RandomState`, bit for bit.
//!
//! scikit-learn draws every random number of an MLP fit (the Glorot weights, the early-stopping
//! split, the per-epoch shuffles) from `np.random.RandomState`, a 32-bit Mersenne Twister
//! (MT19937, Matsumoto & Nishimura, 1998) wrapped in numpy's legacy sampling routines. To give
//! the same model for the same `random_state`, neurona must draw the very same numbers, so this
//! module re-implements the generator and the few legacy routines that scikit-learn's MLP uses,
//! each consuming exactly the words numpy consumes:
//!
//! | numpy (`rs = np.random.RandomState(seed)`) | here                                          |
//! |--------------------------------------------|-----------------------------------------------|
//! | `rs.randint(0, 2**32)`                     | [`next_u32`](RandomState::next_u32)           |
//! | `rs.random_sample()`                       | [`next_double`](RandomState::next_double)     |
//! | `rs.uniform(low, high)`                    | [`uniform`](RandomState::uniform)             |
//! | `rs.randint(0, high)`                      | [`randint`](RandomState::randint)             |
//! | `rs.shuffle(x)` (1-D)                      | [`shuffle`](RandomState::shuffle)             |
//! | `rs.permutation(n)`                        | [`permutation`](RandomState::permutation)     |
//! | `rs.normal(mu, sigma)`                     | [`normal`](RandomState::normal)               |
//! | `rs.choice(n, k, replace=False)`           | [`choice_without_replacement`][choice]        |
//! | `rs.get_state()` / `rs.set_state(...)`     | [`state`][state] / [`from_state`][from_state] |
//!
//! [choice]: RandomState::choice_without_replacement
//! [state]: RandomState::state
//! [from_state]: RandomState::from_state
//!
//! numpy's newer `Generator` API (PCG64, Lemire's bounded integers, the ziggurat normal) is a
//! different stream altogether and is not what scikit-learn uses.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{NeuronaError, Result};

/// Words of MT19937 state.
const N: usize = 624;
/// The middle word of the twist recurrence.
const M: usize = 397;
/// The twist matrix's last row.
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// numpy's legacy Mersenne Twister `RandomState`: same seed, same state, same draws.
///
/// The state is the 624-word key, the position of the next word to temper, and the second
/// gaussian of the last polar Box-Muller pair, cached for the next [`normal`](Self::normal)
/// call. That is exactly what `np.random.RandomState.get_state()` returns, so a generator can
/// be handed back and forth between Python and Rust with [`state`](Self::state) and
/// [`from_state`](Self::from_state) without losing its place in the stream.
///
/// ```
/// use neurona::rng::RandomState;
///
/// // np.random.RandomState(0).random_sample() == 0.5488135039273248
/// let mut rng = RandomState::new(0);
/// assert_eq!(rng.next_double(), 0.5488135039273248);
/// // np.random.RandomState(0).permutation(10)
/// assert_eq!(RandomState::new(0).permutation(10), [2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
/// ```
#[derive(Clone, PartialEq)]
pub struct RandomState {
    key: [u32; N],
    /// Index of the next word of `key` to temper; `N` means the key must be twisted first.
    pos: usize,
    has_gauss: bool,
    cached_gaussian: f64,
}

/// A copy of a [`RandomState`]'s state, laid out as numpy's
/// `RandomState.get_state()` tuple `('MT19937', key, pos, has_gauss, cached_gaussian)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RandomStateSnapshot {
    /// The 624 words of the Mersenne Twister key.
    pub key: Vec<u32>,
    /// Index of the next key word to use, in `0..=624`; 624 means the next draw twists the key.
    pub pos: usize,
    /// Whether `cached_gaussian` holds the unused second value of a polar Box-Muller pair.
    pub has_gauss: bool,
    /// The cached standard normal value; numpy resets it to 0.0 once it has been used.
    pub cached_gaussian: f64,
}

impl fmt::Debug for RandomState {
    // The 624 key words would drown any struct that holds a generator in its Debug output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RandomState")
            .field("key", &format_args!("[{N} words]"))
            .field("pos", &self.pos)
            .field("has_gauss", &self.has_gauss)
            .field("cached_gaussian", &self.cached_gaussian)
            .finish()
    }
}

impl RandomState {
    /// Seeds the generator as `np.random.RandomState(seed)` does.
    ///
    /// This is the reference `init_genrand`: `key[0] = seed`,
    /// `key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i` (mod 2^32). The position is set
    /// past the end, so the first draw twists the whole key, as numpy does.
    #[must_use]
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; N];
        key[0] = seed;
        for i in 1..N {
            let prev = key[i - 1];
            key[i] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(i as u32);
        }
        Self { key, pos: N, has_gauss: false, cached_gaussian: 0.0 }
    }

    /// A generator seeded from the operating system's hashing keys and the clock, for
    /// `random_state=None` in Rust code.
    ///
    /// numpy's `RandomState()` draws its seed from the OS; this is the same idea without a new
    /// dependency: std's `RandomState` hasher is keyed randomly per process (and per call), the
    /// time and a process-wide counter make two calls in one nanosecond differ, and the
    /// resulting words go through the reference `init_by_array`, so the whole 624-word key
    /// depends on them. The Python binding does not use this: there, `random_state=None` means
    /// numpy's global generator, whose state is read with [`from_state`](Self::from_state).
    #[must_use]
    pub fn from_entropy() -> Self {
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let (nanos, pid) = time_and_process();
        let hashers = std::collections::hash_map::RandomState::new();
        let mut words = Vec::with_capacity(16);
        for i in 0..8u64 {
            let mut hasher = hashers.build_hasher();
            hasher.write_u128(nanos);
            hasher.write_u64(call);
            hasher.write_u64(i);
            hasher.write_u32(pid);
            let h = hasher.finish();
            words.push(h as u32);
            words.push((h >> 32) as u32);
        }
        Self::from_key_array(&words)
    }

    /// Seeds the generator from an array of words, as `np.random.RandomState([w0, w1, ...])`
    /// does (the reference `init_by_array`).
    fn from_key_array(init: &[u32]) -> Self {
        let mut state = Self::new(19_650_218);
        let key = &mut state.key;
        let len = init.len().max(1);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(len) {
            let prev = key[i - 1];
            key[i] = (key[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(init.get(j).copied().unwrap_or(0))
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                key[0] = key[N - 1];
                i = 1;
            }
            if j >= len {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = key[i - 1];
            key[i] = (key[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                key[0] = key[N - 1];
                i = 1;
            }
        }
        // Guarantees a non-zero key, whatever the input words.
        key[0] = 0x8000_0000;
        state.pos = N;
        state
    }

    /// Restores a generator from the parts of numpy's `RandomState.get_state()`.
    ///
    /// # Errors
    ///
    /// `key` must have 624 words and `pos` must be at most 624, otherwise
    /// [`NeuronaError::InvalidInput`] for `random_state`. As in numpy, `cached_gaussian` is kept
    /// as given even when `has_gauss` is false.
    pub fn from_state(key: &[u32], pos: usize, has_gauss: bool, cached_gaussian: f64) -> Result<Self> {
        let key: [u32; N] = key.try_into().map_err(|_| {
            NeuronaError::input("random_state", format!("state must have a key of {N} words, got {} words", key.len()))
        })?;
        if pos > N {
            return Err(NeuronaError::input(
                "random_state",
                format!("state must have a position in [0, {N}], got {pos}"),
            ));
        }
        Ok(Self { key, pos, has_gauss, cached_gaussian })
    }

    /// The current state, to write back into numpy with `RandomState.set_state()`.
    #[must_use]
    pub fn state(&self) -> RandomStateSnapshot {
        RandomStateSnapshot {
            key: self.key.to_vec(),
            pos: self.pos,
            has_gauss: self.has_gauss,
            cached_gaussian: self.cached_gaussian,
        }
    }

    /// Regenerates all 624 key words at once (the MT19937 "twist").
    fn twist(&mut self) {
        let key = &mut self.key;
        for i in 0..N {
            let y = (key[i] & UPPER_MASK) | (key[(i + 1) % N] & LOWER_MASK);
            // The twist matrix multiplies by MATRIX_A only when the low bit of y is set.
            let mag = if y & 1 == 0 { 0 } else { MATRIX_A };
            key[i] = key[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }

    /// The next 32-bit word: `rs.randint(0, 2**32)`.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos >= N {
            self.twist();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        // Tempering: spreads the key bits so that every output bit is equidistributed.
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// Two words as one 64-bit value, the first word in the high half, as numpy's
    /// `mt19937_next64` does.
    fn next_u64(&mut self) -> u64 {
        let high = u64::from(self.next_u32());
        let low = u64::from(self.next_u32());
        (high << 32) | low
    }

    /// A double uniform in `[0, 1)`: `rs.random_sample()`.
    ///
    /// It takes 53 random bits from two words (27 from the first, 26 from the second), so every
    /// double is a multiple of 2^-53.
    pub fn next_double(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) / 9_007_199_254_740_992.0
    }

    /// A double uniform in `[low, high)`: `rs.uniform(low, high)`, computed as
    /// `low + (high - low) * next_double()`.
    ///
    /// numpy raises `OverflowError` when `high - low` is not finite; here the result is then
    /// simply not finite.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        let range = high - low;
        low + range * self.next_double()
    }

    /// An integer uniform in `[0, max]` (inclusive), by masked rejection: numpy's legacy
    /// `random_interval`, which `shuffle` uses.
    ///
    /// Draws `u32 & mask` (mask = `max` with every lower bit set) until it is at most `max`, so
    /// each draw is accepted with probability above 1/2. Only when `max` does not fit in 32
    /// bits are 64-bit values (two words each) drawn. `max == 0` draws nothing.
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mask = u64::MAX >> max.leading_zeros();
        if max <= u64::from(u32::MAX) {
            loop {
                let value = u64::from(self.next_u32()) & mask;
                if value <= max {
                    return value;
                }
            }
        }
        loop {
            let value = self.next_u64() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// An integer uniform in `[0, high)`: `rs.randint(0, high)`.
    ///
    /// numpy's legacy `randint` uses the same masked rejection as
    /// [`random_interval`](Self::random_interval)`(high - 1)`; `high == 1` draws nothing.
    ///
    /// # Errors
    ///
    /// `high == 0` is an empty range: [`NeuronaError::InvalidParameter`], where numpy raises
    /// `ValueError("high <= 0")`.
    pub fn randint(&mut self, high: u64) -> Result<u64> {
        if high == 0 {
            return Err(NeuronaError::parameter("high", "> 0", high));
        }
        Ok(self.random_interval(high - 1))
    }

    /// Shuffles a slice in place: `rs.shuffle(x)` for a 1-D array.
    ///
    /// Fisher-Yates from the end: for `i = n-1` down to 1, swap `x[i]` with
    /// `x[random_interval(i)]`. Slices of 0 or 1 elements draw nothing.
    pub fn shuffle<T>(&mut self, values: &mut [T]) {
        for i in (1..values.len()).rev() {
            // j <= i, so it always fits back in a usize.
            let j = self.random_interval(i as u64) as usize;
            values.swap(i, j);
        }
    }

    /// A random permutation of `0..n`: `rs.permutation(n)`, which shuffles `arange(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut perm: Vec<usize> = (0..n).collect();
        self.shuffle(&mut perm);
        perm
    }

    /// A normal draw with mean `mu` and standard deviation `sigma`: `rs.normal(mu, sigma)`,
    /// computed as `mu + sigma * gauss` from numpy's legacy standard normal.
    ///
    /// That is the polar Box-Muller method: draw `x1, x2` uniform in `(-1, 1)` until
    /// `0 < r2 = x1² + x2² < 1`, then `f = sqrt(-2 ln(r2) / r2)` gives two independent normals;
    /// `f * x2` is returned and `f * x1` is cached for the next call (whatever draws come in
    /// between), which then consumes no words.
    pub fn normal(&mut self, mu: f64, sigma: f64) -> f64 {
        mu + sigma * self.gauss()
    }

    /// A standard normal draw, using the cached second value of the last pair if there is one.
    fn gauss(&mut self) -> f64 {
        if self.has_gauss {
            let cached = self.cached_gaussian;
            self.has_gauss = false;
            self.cached_gaussian = 0.0;
            return cached;
        }
        loop {
            let x1 = 2.0 * self.next_double() - 1.0;
            let x2 = 2.0 * self.next_double() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.cached_gaussian = f * x1;
                self.has_gauss = true;
                return f * x2;
            }
        }
    }

    /// `k` distinct integers from `0..n`: `rs.choice(n, k, replace=False)`, which is
    /// `permutation(n)[:k]`.
    ///
    /// The whole permutation is drawn even when `k == n` or `k == 0`, as numpy does, so the
    /// stream moves on by the same amount.
    ///
    /// # Errors
    ///
    /// `k > n` is [`NeuronaError::InvalidParameter`], where numpy raises "Cannot take a larger
    /// sample than population when 'replace=False'". Nothing is drawn then.
    pub fn choice_without_replacement(&mut self, n: usize, k: usize) -> Result<Vec<usize>> {
        if k > n {
            return Err(NeuronaError::parameter(
                "size",
                format!("<= the population size {n} when sampling without replacement"),
                k,
            ));
        }
        let mut perm = self.permutation(n);
        perm.truncate(k);
        Ok(perm)
    }
}

/// The caller's stream when given (scikit-learn's `RandomState` instance, which advances), else
/// one seeded from `seed` (from the operating system when `None`), kept in `own`.
pub(crate) fn given_or_seeded<'a>(
    given: Option<&'a mut RandomState>,
    seed: Option<u32>,
    own: &'a mut Option<RandomState>,
) -> &'a mut RandomState {
    match given {
        Some(rng) => rng,
        None => own.insert(seed.map_or_else(RandomState::from_entropy, RandomState::new)),
    }
}

/// The time in nanoseconds and the process id, [`RandomState::from_entropy`]'s variety.
/// `wasm32-unknown-unknown` has neither (both calls panic there): a page's streams without a
/// seed then differ by the call counter alone, and the playground always passes a seed.
fn time_and_process() -> (u128, u32) {
    #[cfg(not(all(target_family = "wasm", target_os = "unknown")))]
    return (
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
        std::process::id(),
    );
    #[cfg(all(target_family = "wasm", target_os = "unknown"))]
    (0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first words of the reference mt19937ar.c output for its default seed 5489.
    #[test]
    fn matches_reference_mt19937_default_seed() {
        let mut rng = RandomState::new(5489);
        let words: Vec<u32> = (0..3).map(|_| rng.next_u32()).collect();
        assert_eq!(words, [3_499_211_612, 581_869_302, 3_890_346_734]);
    }

    /// mt19937ar.c's own test: init_by_array({0x123, 0x234, 0x345, 0x456}), which is also
    /// `np.random.RandomState([0x123, 0x234, 0x345, 0x456])`.
    #[test]
    fn init_by_array_matches_reference() {
        let mut rng = RandomState::from_key_array(&[0x123, 0x234, 0x345, 0x456]);
        let words: Vec<u32> = (0..5).map(|_| rng.next_u32()).collect();
        assert_eq!(words, [1_067_595_299, 955_945_823, 477_289_528, 4_107_218_783, 4_228_976_476]);
    }

    #[test]
    fn init_by_array_accepts_an_empty_array() {
        let mut rng = RandomState::from_key_array(&[]);
        let _ = rng.next_u32();
    }

    #[test]
    fn numpy_seed_zero_values() {
        // np.random.RandomState(0): random_sample(), randn() twice.
        assert_eq!(RandomState::new(0).next_double(), 0.5488135039273248);
        let mut rng = RandomState::new(0);
        assert_eq!(rng.normal(0.0, 1.0), 1.764052345967664);
        assert!(rng.has_gauss);
        assert_eq!(rng.normal(0.0, 1.0), 0.4001572083672233);
        assert!(!rng.has_gauss);
        assert_eq!(rng.cached_gaussian, 0.0);
        assert_eq!(rng.pos, 4, "one polar pair took two doubles, four words");
    }

    #[test]
    fn first_draw_twists() {
        let rng = RandomState::new(1);
        assert_eq!(rng.pos, 624);
        let mut rng = rng;
        rng.next_u32();
        assert_eq!(rng.pos, 1);
    }

    #[test]
    fn next_double_is_in_unit_interval_and_a_multiple_of_2_pow_minus_53() {
        let mut rng = RandomState::new(3);
        for _ in 0..10_000 {
            let x = rng.next_double();
            assert!((0.0..1.0).contains(&x));
            assert_eq!((x * 9_007_199_254_740_992.0).fract(), 0.0);
        }
    }

    #[test]
    fn random_interval_zero_draws_nothing() {
        let mut rng = RandomState::new(9);
        let before = rng.clone();
        assert_eq!(rng.random_interval(0), 0);
        assert_eq!(rng, before);
    }

    #[test]
    fn random_interval_stays_in_range() {
        let mut rng = RandomState::new(11);
        for max in [1u64, 2, 3, 6, 7, 8, 1000, u64::from(u32::MAX), 1 << 33, u64::MAX] {
            for _ in 0..200 {
                assert!(rng.random_interval(max) <= max);
            }
        }
    }

    /// Above u32::MAX the generator takes two words per try, high word first.
    #[test]
    fn random_interval_64_bit_uses_two_words_high_first() {
        let mut words = RandomState::new(0);
        let high = u64::from(words.next_u32());
        let low = u64::from(words.next_u32());
        let mut rng = RandomState::new(0);
        // With mask 2^40 - 1 every value <= 2^40 - 1 is accepted on the first try.
        assert_eq!(rng.random_interval((1 << 40) - 1), ((high << 32) | low) & ((1 << 40) - 1));
        assert_eq!(rng.pos, words.pos);
    }

    #[test]
    fn randint_rejects_an_empty_range() {
        let mut rng = RandomState::new(0);
        let before = rng.clone();
        let err = rng.randint(0).unwrap_err();
        assert_eq!(err.to_string(), "high must be > 0, got 0");
        assert_eq!(rng, before);
        assert_eq!(rng.randint(1).unwrap(), 0);
        assert_eq!(rng, before, "randint(1) has one possible value and draws nothing");
    }

    #[test]
    fn shuffle_of_short_slices_draws_nothing() {
        let mut rng = RandomState::new(5);
        let before = rng.clone();
        rng.shuffle::<u8>(&mut []);
        rng.shuffle(&mut [1]);
        assert_eq!(rng, before);
        assert!(rng.permutation(0).is_empty());
        assert_eq!(rng.permutation(1), [0]);
        assert_eq!(rng, before);
    }

    #[test]
    fn permutation_is_a_permutation() {
        let mut rng = RandomState::new(12);
        let mut perm = rng.permutation(500);
        perm.sort_unstable();
        assert!(perm.iter().copied().eq(0..500));
    }

    #[test]
    fn choice_is_a_prefix_of_the_permutation() {
        let mut a = RandomState::new(8);
        let mut b = RandomState::new(8);
        let chosen = a.choice_without_replacement(10, 3).unwrap();
        assert_eq!(chosen, b.permutation(10)[..3]);
        assert_eq!(a, b);
        assert!(a.choice_without_replacement(4, 0).unwrap().is_empty());
        b.permutation(4);
        assert_eq!(a, b, "choosing none still draws the whole permutation");
    }

    #[test]
    fn choice_rejects_more_than_the_population() {
        let mut rng = RandomState::new(8);
        let before = rng.clone();
        let err = rng.choice_without_replacement(3, 4).unwrap_err();
        assert_eq!(err.to_string(), "size must be <= the population size 3 when sampling without replacement, got 4");
        assert_eq!(rng, before);
    }

    #[test]
    fn state_round_trips() {
        let mut rng = RandomState::new(77);
        rng.normal(0.0, 1.0);
        rng.permutation(1000);
        let snapshot = rng.state();
        assert!(snapshot.has_gauss);
        let mut copy =
            RandomState::from_state(&snapshot.key, snapshot.pos, snapshot.has_gauss, snapshot.cached_gaussian).unwrap();
        assert_eq!(copy, rng);
        for _ in 0..2000 {
            assert_eq!(copy.normal(1.0, 2.0).to_bits(), rng.normal(1.0, 2.0).to_bits());
        }
        assert_eq!(copy.state(), rng.state());
    }

    #[test]
    fn from_state_at_pos_624_twists_first() {
        let fresh = RandomState::new(4);
        let snapshot = fresh.state();
        assert_eq!(snapshot.pos, 624);
        let mut a = RandomState::from_state(&snapshot.key, 624, false, 0.0).unwrap();
        let mut b = RandomState::new(4);
        assert_eq!(a.next_u32(), b.next_u32());
    }

    #[test]
    fn from_state_validates() {
        let err = RandomState::from_state(&[1, 2, 3], 0, false, 0.0).unwrap_err();
        assert_eq!(err.to_string(), "random_state state must have a key of 624 words, got 3 words");
        let key = vec![0u32; 624];
        let err = RandomState::from_state(&key, 625, false, 0.0).unwrap_err();
        assert_eq!(err.to_string(), "random_state state must have a position in [0, 624], got 625");
        assert!(RandomState::from_state(&key, 624, true, 0.5).is_ok());
    }

    #[test]
    fn from_entropy_differs_between_calls() {
        let mut a = RandomState::from_entropy();
        let mut b = RandomState::from_entropy();
        let a_words: Vec<u32> = (0..4).map(|_| a.next_u32()).collect();
        let b_words: Vec<u32> = (0..4).map(|_| b.next_u32()).collect();
        assert_ne!(a_words, b_words);
    }

    #[test]
    fn debug_is_short() {
        let text = format!("{:?}", RandomState::new(0));
        assert_eq!(text, "RandomState { key: [624 words], pos: 624, has_gauss: false, cached_gaussian: 0.0 }");
    }
}
