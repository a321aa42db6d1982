"""Paths the tests need: the shared real files (CASTOR_DATA_DIR) and the source tree."""

import os
import pathlib

import pytest

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE.parent.parent
DATA = pathlib.Path(os.environ.get("CASTOR_DATA_DIR", SOURCE.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def data():
    if not DATA.is_dir():
        pytest.fail(f"the shared test data are not at {DATA} (set CASTOR_DATA_DIR)")
    return DATA


@pytest.fixture(scope="session")
def nacoo2(data):
    return data / "cycler" / "navani" / "jdb11-1_c3_gcpl_5cycles_2V-3p8V_C-24_data_C09.mpr"
