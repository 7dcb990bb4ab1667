//! Sequences across the binding: X of the recurrent networks read as the core's
//! [`SequenceSet`] (a 3-D array, or a list of 2-D arrays of unequal lengths, in the layout the
//! model's `layout` names), and the body of their predictions. Apart from `rnn` so that
//! `estimator_class!`'s `predict_sequences` can name it without an import cycle.

use neurona::prelude::*;
use numpy::{PyReadonlyArray2, PyReadonlyArray3};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::common::{self, ModelFloat, ToNumpy, ViewX};
use crate::errors::{to_py, wrong_type};

/// The sequences of `x`: a 3-D array, or a list (or tuple) of 2-D arrays, of the model's dtype,
/// each laid out as `layout` says.
pub(crate) fn sequences<F: ModelFloat>(x: &Bound<'_, PyAny>, layout: SequenceLayout) -> PyResult<SequenceSet<F>> {
    if let Ok(array) = common::aligned(x)?.extract::<PyReadonlyArray3<'_, F>>() {
        return SequenceSet::from_array3(array.as_array(), layout).map_err(to_py);
    }
    if !(x.is_instance_of::<PyList>() || x.is_instance_of::<PyTuple>()) {
        let expected = format!("a 3-D {} array or a list of 2-D {} arrays (the model's dtype)", F::DTYPE, F::DTYPE);
        return Err(wrong_type("X", &expected, x));
    }
    let arrays = x
        .try_iter()?
        .enumerate()
        .map(|(i, item)| {
            let item = item?;
            common::aligned(&item)?
                .extract::<PyReadonlyArray2<'_, F>>()
                .map_err(|_| wrong_type(&format!("X[{i}]"), &format!("a 2-D {} array", F::DTYPE), &item))
        })
        .collect::<PyResult<Vec<_>>>()?;
    let views = arrays.iter().map(|a| match layout {
        SequenceLayout::FeaturesSteps => a.as_array().reversed_axes(),
        _ => a.as_array(),
    });
    SequenceSet::from_sequences(views).map_err(to_py)
}

impl<F: Float> ViewX for SequenceSet<F> {
    type View<'a>
        = &'a SequenceSet<F>
    where
        Self: 'a;
    fn view_x(&self) -> &SequenceSet<F> {
        self
    }
}

/// The body of every prediction: X read as sequences in `layout` (the Python layer's current
/// `layout`; None: the one the model was fitted with), `predict` with the GIL released, at
/// most `n_jobs` threads (joblib's convention) and Ctrl-C raising `KeyboardInterrupt` (see
/// [`common::run_interruptible`]), and its result as a numpy array.
pub(crate) fn predict_with<'py, F: ModelFloat, T: ToNumpy + Send>(
    py: Python<'py>,
    fitted_layout: SequenceLayout,
    x: &Bound<'py, PyAny>,
    layout: Option<&str>,
    n_jobs: Option<isize>,
    predict: impl FnOnce(&SequenceSet<F>) -> neurona::Result<T> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let threads = common::threads("n_jobs", n_jobs)?;
    let layout = match layout {
        Some(name) => name.parse::<SequenceLayout>().map_err(to_py)?,
        None => fitted_layout,
    };
    let x = sequences::<F>(x, layout)?;
    Ok(common::run_interruptible(py, threads, || predict(&x))?.to_numpy(py))
}
