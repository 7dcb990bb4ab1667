"""neurona's thread cap under threadpoolctl, the tool scikit-learn and joblib use to limit the
native thread pools of a process: ``threadpoolctl.threadpool_info()`` lists neurona (user and
internal API ``"neurona"``) and ``threadpool_limits(n)`` caps its products as
``neurona.set_num_threads(n)`` does, restoring the setting on exit.

threadpoolctl finds a library by its shared object's file name and reads its thread controls
through C symbols, as it does OpenBLAS's: the extension exports ``neurona_get_num_threads`` and
``neurona_set_num_threads`` for it (``crates/neurona-py/src/lib.rs``). Without threadpoolctl (it
comes with scikit-learn) or with one older than 3.5, which cannot register a controller,
nothing is registered; ``OMP_NUM_THREADS`` and ``set_num_threads`` still apply."""

import threadpoolctl

from neurona import _core


class NeuronaController(threadpoolctl.LibController):
    user_api = "neurona"
    internal_api = "neurona"
    # The extension module's file, `_core.cpython-...so`; another package's `_core` lacks the
    # symbols below and is passed over.
    filename_prefixes = ("_core",)
    check_symbols = ("neurona_get_num_threads", "neurona_set_num_threads")

    def get_num_threads(self):
        return self.dynlib.neurona_get_num_threads()

    def set_num_threads(self, num_threads):
        self.dynlib.neurona_set_num_threads(num_threads)

    def get_version(self):
        return _core.__version__


if hasattr(threadpoolctl, "register"):
    threadpoolctl.register(NeuronaController)
