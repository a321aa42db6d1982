"""castor: battery instrument files to electrode evaluations, from Python.

>>> import castor
>>> t = castor.read("cell.mpr")                 # any format castor reads
>>> t["voltage_V"]                               # a numpy view of castor's column, no copy
>>> df = t.to_pandas()                           # columns "voltage [V]", "current [A]", ...
>>> r = castor.cycling(t, mass_mg=1.2)           # or castor.cycling("cell.mpr", mass_mg=1.2)
>>> r.to_pandas()                                # the per-cycle table
>>> r["last_coulombic_efficiency"], r.warnings

Every analysis returns a :class:`Report`: named values with units (``r.values``,
``r["name"]``), tables (``r.to_pandas(table)``), notes and the warnings castor attaches to
numbers it cannot fully stand behind. Failures raise :class:`castor.Error` subclasses that
name the file and the position.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Sequence

from . import _castor
from ._errors import Error, InputError, InternalError, ResourceError, UsageError

__version__ = _castor.__version__
__all__ = [
    "Error", "InputError", "UsageError", "ResourceError", "InternalError",
    "Table", "Report", "Simulation", "read", "write", "formats", "cycling", "dqdv", "gitt", "cv", "eis",
    "simulate", "simulate_many", "identify", "batch", "read_cells_table",
]

Table = _castor.Table
Report = _castor.Report


# --- Table -----------------------------------------------------------------------------

def _unit_label(name: str, unit: str) -> str:
    """'voltage_V', 'V' -> 'voltage [V]' (PyBaMM's style); a raw name keeps its own form."""
    if not unit:
        return name
    suffix = "_" + unit.replace("/", "_")
    base = name[: -len(suffix)] if name.endswith(suffix) else name
    return f"{base} [{unit}]"


def _table_to_pandas(self, units: bool = True, raw: bool = True):
    """The table as a pandas DataFrame.

    units: common columns are named "voltage [V]", "current [A]" (False: castor's names,
    "voltage_V"). raw: include the file's own columns under their raw names. The numeric
    columns are not copied where pandas allows it (``copy=False``); text columns are
    pandas Categoricals (an instrument's status or mode names repeat on every row).
    """
    import pandas as pd

    data = {}
    for info in self.column_info():
        if not raw and info["role"] == "raw":
            continue
        name = info["name"]
        label = _unit_label(name, info["unit"]) if units and info["role"] == "common" else name
        if label in data:  # a raw name that looks like a labelled common one
            label = name
        if info["kind"] == "text":
            codes, categories = self.text_codes(name)
            data[label] = pd.Categorical.from_codes(codes, categories=categories)
        else:
            data[label] = self[name]
    df = pd.DataFrame(data, copy=False)
    df.attrs["castor"] = self.meta
    return df


def _table_units(self) -> dict[str, str]:
    """Column name -> unit ("" for counts, indices and text)."""
    return {c["name"]: c["unit"] for c in self.column_info()}


def _table_repr(self) -> str:
    m = self.meta
    return f"<castor.Table {m['format']} {os.path.basename(m['source_file'])}: {self.rows} rows x {len(self.columns)} columns>"


Table.to_pandas = _table_to_pandas
Table.units = property(_table_units)
Table.__repr__ = _table_repr


# --- Report ----------------------------------------------------------------------------

def _report_to_pandas(self, table: str | None = None, units: bool = True):
    """A table of the report as a DataFrame (default: its first table).

    Column names carry the unit in brackets ("discharge_capacity [mAh]") unless units=False.
    """
    import pandas as pd

    names = self.table_names
    if not names:
        raise UsageError(f"the {self.analysis} report has no table")
    name = table or names[0]
    cols = {}
    for col, unit, values in self.table_columns(name):
        cols[f"{col} [{unit}]" if units and unit else col] = values
    df = pd.DataFrame(cols)
    df.attrs["castor"] = {"analysis": self.analysis, "source": self.source, "table": name, "warnings": list(self.warnings)}
    return df


def _report_to_dict(self) -> dict[str, Any]:
    """Everything the report holds, as the JSON castor writes (values, tables, notes, warnings)."""
    return json.loads(self.json())


def _report_value(self, name: str) -> float:
    for q in self.values:
        if q["name"] == name:
            return q["value"]
    raise KeyError(f"{name}: not among the {self.analysis} report's values ({', '.join(q['name'] for q in self.values)})")


def _report_repr(self) -> str:
    w = f", {len(self.warnings)} warning(s)" if self.warnings else ""
    return f"<castor.Report {self.analysis}: {self.summary}{w}>"


Report.to_pandas = _report_to_pandas
Report.to_dict = _report_to_dict
Report.__getitem__ = _report_value
Report.__repr__ = _report_repr
Report.__str__ = lambda self: self.text()
Report.value = _report_value


# --- reading ---------------------------------------------------------------------------

def _paths(path) -> list[str]:
    if isinstance(path, (str, os.PathLike)):
        return [os.fspath(path)]
    items = [os.fspath(p) for p in path]
    if not items:
        raise UsageError("castor.read: no file given")
    return items


def read(path: str | os.PathLike | Sequence[str | os.PathLike], format: str | None = None) -> Table:
    """Reads an instrument file into castor's common table.

    path: one file, or the files of one experiment (joined in time order; steps, cycles and
    charge continue across the parts). format: force a format id (see :func:`formats`)
    instead of detecting it from the content. Raises :class:`castor.InputError` naming the
    file, the format and the position of a problem.
    """
    return _castor.read(_paths(path), format or "")


def write(table: Table, path: str | os.PathLike, raw: bool = True) -> None:
    """Writes a table as castor's CSV (.csv), the Battery Data Format (.bdf.csv), JSON (.json)
    or HDF5 (.h5, .hdf5; h5py reads it: f["columns"][name][:] with attrs unit, source_name).
    castor.read reads every one of them back. raw: also the file's own columns."""
    _castor.write(_as_table(table), os.fspath(path), raw)


def formats() -> list[dict[str, str]]:
    """Every format castor reads: id, kind (cycler, impedance, xps, xrd, eds), description."""
    return _castor.formats()


def _as_table(data) -> Table:
    if isinstance(data, Table):
        return data
    if isinstance(data, Simulation):
        return data.table
    return read(data)


# --- analyses --------------------------------------------------------------------------

def cycling(data, **options) -> Report:
    """The cycling evaluation: steps, half-cycles, cycles, rates.

    data: a Table, a Simulation or a path (or the paths of one experiment). Options:
    mass_mg | loading_mg_cm2 with area_cm2 | electrode_mg with fractions (else the file's own
    mass, else capacities in mAh only); cycles ("auto", "file", "run-order"); ce ("auto",
    "discharge/charge", "charge/discharge"); steps_from_current; hysteresis_soc50;
    rest_current_A. Tables: cycles, half_cycles, steps, rates. Values: cycles,
    first/last_discharge_capacity (mAh), *_specific_capacity (mAh/g), first/last_coulombic_
    efficiency (fraction, with its integration error as std_error), retention.
    """
    return _castor.cycling(_as_table(data), **options)


def dqdv(data, cycle: int = 1, grid_mV: float = 1.0, window_mV: float = 20.0, order: int = 3,
         smoothing: str = "savitzky-golay", min_prominence: float = 0.1, **options) -> Report:
    """dQ/dV of one cycle (numbered as :func:`cycling` numbers it) with its peaks.

    Tables: peaks (curve, voltage, height, prominence) and curves (long form). The cycling
    options (mass_mg, cycles, ...) are taken as in :func:`cycling`.
    """
    return _castor.dqdv(_as_table(data), cycle, grid_mV, window_mV, order, smoothing, min_prominence, **options)


def gitt(data, formula: str, mass_mg: float, ion: str = "Li", radius_nm: float | None = None,
         area_cm2: float | None = None, molar_volume_cm3_mol: float | None = None, sqrt_fit: bool = False,
         windows: Iterable[str] = (), rest_current_A: float | None = None) -> Report:
    """GITT: Weppner-Huggins diffusion coefficient of every pulse, with the validity checks.

    The sphere form takes radius_nm; the electrode form area_cm2 and molar_volume_cm3_mol.
    windows: SOC windows for the mean D, e.g. ["discharge:0.2-0.6"]. Table: pulses.
    """
    return _castor.gitt(_as_table(data), formula, mass_mg, ion, radius_nm, area_cm2, molar_volume_cm3_mol, sqrt_fit,
                        list(windows), rest_current_A)


def cv(data, electrons: int = 1, area_cm2: float = 0.0, concentration_mM: float = 0.0, temperature_C: float = 25.0,
       insertion_electrode: bool = False) -> Report:
    """Cyclic voltammetry: peaks per cycle; with several files (one per scan rate) the
    Randles-Sevcik analysis (D needs area_cm2 and concentration_mM)."""
    items = data if isinstance(data, (list, tuple)) else [data]
    return _castor.cv([_as_table(d) for d in items], electrons, area_cm2, concentration_mM, temperature_C, insertion_electrode)


class _Eis:
    """Impedance: read spectra, fit equivalent circuits, check Kramers-Kronig, compute the DRT."""

    Spectrum = _castor.Spectrum

    @staticmethod
    def read(path) -> list:
        """Every spectrum of an impedance file (Gamry, BioLogic, ZView, CSV, ...)."""
        return _castor.read_impedance(os.fspath(path))

    @staticmethod
    def _spectrum(data, spectrum: int = 1, f_min_Hz: float | None = None, f_max_Hz: float | None = None,
                  capacitive_only: bool = False):
        if isinstance(data, _castor.Spectrum):
            s = data
        else:
            all_ = _Eis.read(data)
            if not 1 <= spectrum <= len(all_):
                raise UsageError(f"spectrum={spectrum}: {os.fspath(data)} holds {len(all_)} spectra", os.fspath(data))
            s = all_[spectrum - 1]
        if f_min_Hz is not None or f_max_Hz is not None:
            s = _castor.keep_frequencies(s, f_min_Hz or 0.0, f_max_Hz or float("inf"))
        if capacitive_only:
            s = _castor.keep_capacitive(s)
        if len(s) == 0:
            raise InputError(f"{s.source}: no points left after the frequency and sign filters", s.source)
        return s

    @staticmethod
    def fit(data, circuit: str, weighting: str = "unit", initial: Sequence[float] = (), constants: dict | None = None,
            starts: int = 24, max_iterations: int = 400, spectrum: int = 1, f_min_Hz=None, f_max_Hz=None,
            capacitive_only: bool = False) -> Report:
        """Fits a circuit ("R0-p(R1,CPE1)-W1") to a spectrum or a file's spectrum number `spectrum`.

        Values: each parameter with its standard error; the report's warnings name the
        parameters the data do not determine. Table: points (data, fit, residuals).
        """
        s = _Eis._spectrum(data, spectrum, f_min_Hz, f_max_Hz, capacitive_only)
        return _castor.eis_fit(s, circuit, weighting, list(initial), dict(constants or {}), starts, max_iterations)

    @staticmethod
    def kk(data, fit: str = "", add_capacitance: bool = False, mu_cutoff: float = 0.85, max_M: int = 50, spectrum: int = 1,
           f_min_Hz=None, f_max_Hz=None, capacitive_only: bool = False) -> Report:
        """Lin-KK validity test (Schoenleber 2014) with castor's default setting choice."""
        s = _Eis._spectrum(data, spectrum, f_min_Hz, f_max_Hz, capacitive_only)
        return _castor.eis_kk(s, fit, add_capacitance, mu_cutoff, max_M)

    @staticmethod
    def drt(data, lambda_: float | None = None, spectrum: int = 1, f_min_Hz=None, f_max_Hz=None,
            capacitive_only: bool = False) -> Report:
        """Distribution of relaxation times (Tikhonov, non-negative); lambda_ None: the L-curve corner."""
        s = _Eis._spectrum(data, spectrum, f_min_Hz, f_max_Hz, capacitive_only)
        return _castor.eis_drt(s, lambda_)


eis = _Eis()


# --- simulator and identification ------------------------------------------------------

class Simulation:
    """A simulated experiment: .table (the common table, as a reader gives it), .spectra
    (impedance after each impedance step), .ledger (the charge balance, C), .solver_steps and
    .work (the integrator's residual evaluations, Jacobians, factorizations, Newton iterations
    and rejected steps)."""

    def __init__(self, native: dict):
        self.table: Table = native["table"]
        self.spectra: list = native["spectra"]
        self.ledger: dict[str, float] = native["ledger"]
        self.solver_steps: int = native["solver_steps"]
        self.work: dict[str, int] = native["work"]

    def to_pandas(self, **kw):
        return self.table.to_pandas(**kw)

    def __repr__(self) -> str:
        return f"<castor.Simulation {self.table.rows} rows, {len(self.spectra)} spectra, imbalance {self.ledger['imbalance']:.1e}>"


def simulate(params: str | os.PathLike = "ntp-ca", protocol: str = "", rtol: float = 1e-7, atol: float = 1e-9,
             record_fillings: bool = False, overrides: dict[str, float] | None = None) -> Simulation:
    """Simulates a cell through a protocol.

    params: a preset name ("ntp-ca") or a parameter file (.toml, docs/simulator.md).
    protocol: castor's protocol text, e.g. "Discharge at 5 mA/g until 1.5 V; Charge at 5 mA/g until 2.4 V" (docs/simulator.md).
    overrides: parameter values by path, e.g. {"cathode.k0_A_m2": 0.5}, on top of params.
    Raises castor.InputError when the simulation leaves physical bounds.
    """
    if not protocol:
        raise UsageError("simulate needs protocol= (e.g. 'Discharge at 5 mA/g until 1.5 V')")
    return Simulation(_castor.simulate(os.fspath(params), protocol, rtol, atol, record_fillings, dict(overrides or {})))


def simulate_many(params_list: Sequence[str | os.PathLike | dict[str, float]], protocol: str, base: str | os.PathLike = "ntp-ca",
                  rtol: float = 1e-7, atol: float = 1e-9, threads: int = 0) -> list[Simulation]:
    """Simulates many parameter sets through one protocol, in parallel on `threads` threads
    of this process (0: all cores); results in the order of params_list.

    Each item is a preset name or .toml file, or a dict of overrides of `base` by parameter
    path ({"cathode.k0_A_m2": 0.5}). Every simulation runs as castor.simulate would run it
    alone (same numbers). For many machines use castor.dask.simulate_many.
    Raises castor.InputError with the error of the first failing set (all sets still run).
    """
    if not protocol:
        raise UsageError("simulate_many needs protocol= (e.g. 'Discharge at 5 mA/g until 1.5 V')")
    if threads < 0:
        raise UsageError(f"simulate_many: threads = {threads} must be 0 (all cores) or more")
    sets = []
    for p in params_list:
        if isinstance(p, dict):
            sets.append((os.fspath(base), {str(k): float(v) for k, v in p.items()}))
        else:
            sets.append((os.fspath(p), {}))
    return [Simulation(n) for n in _castor.simulate_many(sets, protocol, rtol, atol, threads)]


def read_cells_table(path: str | os.PathLike) -> list[dict[str, Any]]:
    """A cells table (castor's journal) as batch reads it: one dict per cell."""
    return _castor.read_cells_table(os.fspath(path))


def identify(params: str | os.PathLike, experiments: Sequence[str | os.PathLike], fit: Sequence[str], starts: int = 1,
             profiles: bool = False, protocol: str | None = None) -> dict[str, Any]:
    """Identifies model parameters from measured experiments (castor identify).

    fit: parameter paths with optional bounds, e.g. ["cathode.k0_A_m2", "cathode.e0_V=1.8:2.0"].
    Returns the result as a dict (parameters with values, standard errors, 95 % intervals
    and whether the data determine them; experiments with their misfit) plus "text".
    """
    text, js = _castor.identify(os.fspath(params), [os.fspath(e) for e in experiments], list(fit), starts, profiles, protocol)
    out = json.loads(js)
    out["text"] = text
    return out


# --- many cells ------------------------------------------------------------------------

def batch(inputs, masses: str | os.PathLike | None = None, only_listed: bool = False, threads: int = 0, progress=None,
          **options) -> Report:
    """The cycling evaluation of many cells in parallel (all cores), as `castor batch`.

    inputs: files, folders (every cycler file under them) or globs. masses: a cells table
    (CSV: cell_id, files, mass_mg | loading_mg_cm2 + area_cm2, formula, ion, notes).
    progress: a callable (done, total). Other options as :func:`cycling` (its mass is the
    default for cells without one). Tables: cells (one row per file, with its error if it
    failed) and cycles (every cell's cycles, long form). A file that fails does not stop the
    batch: its row holds the error.
    """
    items = [os.fspath(inputs)] if isinstance(inputs, (str, os.PathLike)) else [os.fspath(i) for i in inputs]
    return _castor.batch(items, os.fspath(masses) if masses else "", only_listed, threads, progress, **options)
