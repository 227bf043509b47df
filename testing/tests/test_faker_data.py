import os
import subprocess
import sys

from testing import seeded_faker, stable_seed


def test_same_seed_gives_same_data_when_called_twice():
    assert seeded_faker("lead-42").company() == seeded_faker("lead-42").company()


def test_different_seeds_give_different_data():
    names = {seeded_faker(seed).email() for seed in range(20)}
    assert len(names) > 15


def test_stable_seed_is_the_same_in_another_process_with_another_hash_salt():
    code = "import sys; from testing.faker_data import stable_seed; print(stable_seed(sys.argv[1]))"
    other = subprocess.run(
        [sys.executable, "-c", code, "tests/test_x.py::test_y"],
        env={**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert stable_seed("tests/test_x.py::test_y") == int(other.stdout)


def test_stable_seed_keeps_integers_as_they_are():
    assert stable_seed(7) == 7
