//! The playground's data: TensorFlow Playground's two-dimensional sets (five to classify, two
//! to regress), drawn from neurona's seeded stream so that a seed gives the same points in the
//! page and natively, a train/test split, and the input features built from the two
//! coordinates.

use neurona::rng::RandomState;
use neurona::{NeuronaError, Result};

/// The error for a setting `name` that breaks `rule` with `value`.
pub(crate) fn parameter(name: &'static str, rule: impl Into<String>, value: impl ToString) -> NeuronaError {
    NeuronaError::InvalidParameter { name, rule: rule.into(), value: value.to_string() }
}

/// The coordinates span `[-DOMAIN, DOMAIN]` on both axes (the page's drawing area).
pub const DOMAIN: f64 = 6.0;

/// An enum of named choices: `ALL` (each with its name, in the page's order), `from_name` (an
/// error naming the setting, the choices and the value for an unknown name) and `name`.
macro_rules! named {
    ($(#[$meta:meta])* $name:ident for $setting:literal {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal,)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value with its name, in the page's order.
            pub const ALL: &'static [(&'static str, $name)] = &[$(($text, $name::$variant),)*];

            /// The value called `name`.
            pub fn from_name(name: &str) -> Result<Self> {
                by_name(Self::ALL, name, $setting)
            }

            /// Its name.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }
    };
}

named! {
    /// A data set: the task it poses and how its points are drawn.
    Dataset for "dataset" {
        /// Class 1 inside a disc, class 0 on a ring around it.
        Circle = "circle",
        /// Class 1 where `x1 · x2 >= 0` (the quadrants of XOR).
        Xor = "xor",
        /// Two interleaved half circles, scikit-learn's `make_moons` scaled to the domain.
        Moons = "moons",
        /// Two interleaved spirals.
        Spiral = "spiral",
        /// Two Gaussian blobs, linearly separable.
        Gauss = "gauss",
        /// Regression: a tilted plane, `(x1 + x2) / 10`.
        Plane = "plane",
        /// Regression: `sin(x1)` along the first axis.
        Sine = "sine",
    }
}

impl Dataset {
    /// Whether the targets are values (regression) rather than classes 0 and 1.
    pub fn is_regression(self) -> bool {
        matches!(self, Dataset::Plane | Dataset::Sine)
    }
}

/// Points `(n, 2)` row-major and one target each (0 or 1 for the classification sets).
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    /// `x[2 i]`, `x[2 i + 1]`: the coordinates of point `i`.
    pub x: Vec<f64>,
    /// The target of each point.
    pub y: Vec<f64>,
}

impl Points {
    /// The number of points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    fn push(&mut self, x1: f64, x2: f64, y: f64) {
        self.x.extend([x1, x2]);
        self.y.push(y);
    }
}

/// The entry of `table` called `name`, or an error naming the setting, the choices and `name`.
fn by_name<T: Copy>(table: &[(&'static str, T)], name: &str, setting: &'static str) -> Result<T> {
    table.iter().find(|(n, _)| *n == name).map(|&(_, value)| value).ok_or_else(|| {
        let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
        parameter(setting, format!("one of {names:?}"), format!("{name:?}"))
    })
}

/// Draws `n` points of `dataset` with `noise` in `[0, 1]` (a share of the domain: how far the
/// classes blur into each other, or the spread of the regression targets), from `rng`.
pub fn generate(dataset: Dataset, n: usize, noise: f64, rng: &mut RandomState) -> Result<Points> {
    if !(0.0..=1.0).contains(&noise) {
        return Err(parameter("noise", "a float in [0, 1]", noise));
    }
    if !(2..=100_000).contains(&n) {
        return Err(parameter("n_samples", "an integer in [2, 100000]", n));
    }
    let mut points = Points { x: Vec::with_capacity(2 * n), y: Vec::with_capacity(n) };
    for i in 0..n {
        let label = (i % 2) as f64;
        let (x1, x2, y) = match dataset {
            Dataset::Circle => circle(label, noise, rng),
            Dataset::Xor => xor(noise, rng),
            Dataset::Moons => moons(label, noise, rng),
            Dataset::Spiral => spiral(i / 2, n.div_ceil(2), label, noise, rng),
            Dataset::Gauss => {
                let centre = if label == 1.0 { 2.0 } else { -2.0 };
                let spread = 1.0 + 3.0 * noise;
                (rng.normal(centre, spread), rng.normal(centre, spread), label)
            }
            Dataset::Plane => {
                let (x1, x2) = (rng.uniform(-DOMAIN, DOMAIN), rng.uniform(-DOMAIN, DOMAIN));
                (x1, x2, (x1 + x2) / 10.0 + rng.normal(0.0, noise))
            }
            Dataset::Sine => {
                let (x1, x2) = (rng.uniform(-DOMAIN, DOMAIN), rng.uniform(-DOMAIN, DOMAIN));
                (x1, x2, x1.sin() + rng.normal(0.0, noise))
            }
        };
        points.push(x1.clamp(-DOMAIN, DOMAIN), x2.clamp(-DOMAIN, DOMAIN), y);
    }
    Ok(points)
}

fn circle(label: f64, noise: f64, rng: &mut RandomState) -> (f64, f64, f64) {
    let radius = 5.0;
    let r = if label == 1.0 { rng.uniform(0.0, 0.5 * radius) } else { rng.uniform(0.7 * radius, radius) };
    let angle = rng.uniform(0.0, std::f64::consts::TAU);
    let (dx, dy) = (rng.normal(0.0, noise * radius), rng.normal(0.0, noise * radius));
    (r * angle.cos() + dx, r * angle.sin() + dy, label)
}

fn xor(noise: f64, rng: &mut RandomState) -> (f64, f64, f64) {
    // A margin keeps the points off the axes, where the class flips.
    let padding = 0.3;
    let draw = |rng: &mut RandomState| {
        let v = rng.uniform(-5.0, 5.0);
        if v >= 0.0 { v + padding } else { v - padding }
    };
    let (x1, x2) = (draw(rng), draw(rng));
    let label = if x1 * x2 >= 0.0 { 1.0 } else { 0.0 };
    let (dx, dy) = (rng.normal(0.0, noise * 5.0), rng.normal(0.0, noise * 5.0));
    (x1 + dx, x2 + dy, label)
}

fn moons(label: f64, noise: f64, rng: &mut RandomState) -> (f64, f64, f64) {
    let t = rng.uniform(0.0, std::f64::consts::PI);
    let (x, y) = if label == 0.0 { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
    // make_moons spans x in [-1, 2], y in [-0.5, 1]: centred and scaled into the domain.
    let scale = 3.5;
    let (dx, dy) = (rng.normal(0.0, noise * 2.0), rng.normal(0.0, noise * 2.0));
    ((x - 0.5) * scale + dx, (y - 0.25) * scale + dy, label)
}

fn spiral(i: usize, per_class: usize, label: f64, noise: f64, rng: &mut RandomState) -> (f64, f64, f64) {
    let r = i as f64 / per_class as f64 * 5.0;
    let t = 1.75 * i as f64 / per_class as f64 * std::f64::consts::TAU + label * std::f64::consts::PI;
    let (dx, dy) = (rng.uniform(-1.0, 1.0) * noise * 5.0, rng.uniform(-1.0, 1.0) * noise * 5.0);
    (r * t.sin() + dx, r * t.cos() + dy, label)
}

named! {
    /// The input features TensorFlow Playground offers, each a function of the point, named as
    /// the page shows them.
    Feature for "features" {
        /// `x1`.
        X1 = "x1",
        /// `x2`.
        X2 = "x2",
        /// `x1²`.
        X1Squared = "x1^2",
        /// `x2²`.
        X2Squared = "x2^2",
        /// `x1 · x2`.
        X1X2 = "x1*x2",
        /// `sin x1`.
        SinX1 = "sin(x1)",
        /// `sin x2`.
        SinX2 = "sin(x2)",
    }
}

impl Feature {
    /// Its value at `(x1, x2)`.
    pub fn value(self, x1: f64, x2: f64) -> f64 {
        match self {
            Feature::X1 => x1,
            Feature::X2 => x2,
            Feature::X1Squared => x1 * x1,
            Feature::X2Squared => x2 * x2,
            Feature::X1X2 => x1 * x2,
            Feature::SinX1 => x1.sin(),
            Feature::SinX2 => x2.sin(),
        }
    }
}

/// The feature matrix `(n, features.len())` of points given as `(n, 2)` row-major.
pub fn features(points: &[f64], features: &[Feature]) -> ndarray::Array2<f64> {
    let n = points.len() / 2;
    ndarray::Array2::from_shape_fn((n, features.len()), |(i, j)| features[j].value(points[2 * i], points[2 * i + 1]))
}

/// The points of a square `resolution x resolution` grid over the domain, row by row from the
/// top (`x2` falling) and left to right (`x1` rising): how the page draws a heat map.
pub fn grid(resolution: usize) -> Vec<f64> {
    let step = 2.0 * DOMAIN / resolution as f64;
    let centre = |k: usize| -DOMAIN + (k as f64 + 0.5) * step;
    let mut points = Vec::with_capacity(2 * resolution * resolution);
    for row in 0..resolution {
        for col in 0..resolution {
            points.extend([centre(col), -centre(row)]);
        }
    }
    points
}

/// A train/test split: `test_fraction` of the points, chosen by a permutation from `rng`, are
/// held out.
pub fn split(points: &Points, test_fraction: f64, rng: &mut RandomState) -> Result<(Points, Points)> {
    if !(0.0..1.0).contains(&test_fraction) {
        return Err(parameter("test_fraction", "a float in [0, 1)", test_fraction));
    }
    let n = points.len();
    let n_test = (test_fraction * n as f64).round() as usize;
    let order = rng.permutation(n);
    let mut parts = (Points { x: Vec::new(), y: Vec::new() }, Points { x: Vec::new(), y: Vec::new() });
    for (rank, &i) in order.iter().enumerate() {
        let part = if rank < n_test { &mut parts.1 } else { &mut parts.0 };
        part.push(points.x[2 * i], points.x[2 * i + 1], points.y[i]);
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_points_and_xor_labels_follow_the_quadrants() {
        let a = generate(Dataset::Xor, 200, 0.0, &mut RandomState::new(3)).unwrap();
        let b = generate(Dataset::Xor, 200, 0.0, &mut RandomState::new(3)).unwrap();
        assert_eq!(a, b);
        for i in 0..a.len() {
            assert_eq!(a.y[i] == 1.0, a.x[2 * i] * a.x[2 * i + 1] >= 0.0);
        }
    }

    #[test]
    fn every_set_stays_in_the_domain_and_split_keeps_every_point() {
        for &(name, dataset) in Dataset::ALL {
            let points = generate(dataset, 101, 0.5, &mut RandomState::new(0)).unwrap();
            assert!(points.x.iter().all(|v| v.abs() <= DOMAIN), "{name}");
            let (train, test) = split(&points, 0.3, &mut RandomState::new(1)).unwrap();
            assert_eq!((train.len(), test.len()), (71, 30), "{name}");
        }
    }

    #[test]
    fn bad_names_and_ranges_are_errors_naming_the_value() {
        assert!(Dataset::from_name("swirl").unwrap_err().to_string().contains("\"swirl\""));
        assert!(Feature::from_name("x3").unwrap_err().to_string().contains("\"x3\""));
        let error = generate(Dataset::Circle, 10, 2.0, &mut RandomState::new(0)).unwrap_err();
        assert!(error.to_string().contains("noise"), "{error}");
    }

    #[test]
    fn grid_runs_from_the_top_left_corner() {
        let g = grid(4);
        assert_eq!(g.len(), 32);
        assert_eq!((g[0], g[1]), (-4.5, 4.5));
        assert_eq!((g[30], g[31]), (4.5, -4.5));
    }
}
