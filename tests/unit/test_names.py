"""Lab names, shapes and labels (no engine needed)."""

import re
import warnings

import pytest

from labkit.base.facts import check_shape, container_name, labels_for, new_lab_name, validate_lab_name


@pytest.mark.parametrize("name", ["lab", "a1", "my-lab-2", "x" * 30])
def test_valid_names(name):
    assert validate_lab_name(name) == name


@pytest.mark.parametrize("name", ["", "Lab", "1lab", "lab_1", "lab.x", "x" * 31, "-lab", None])
def test_invalid_names_say_why(name):
    with pytest.raises(ValueError, match="lowercase letters"):
        validate_lab_name(name)


def test_generated_names_are_valid_and_distinct():
    names = {new_lab_name() for _ in range(50)}
    assert len(names) > 40 and all(re.fullmatch(r"lab-[0-9a-f]{4}", n) for n in names)
    assert container_name("demo", "worker2") == "demo-worker2"


@pytest.mark.parametrize(
    "managers,workers,match",
    [
        (0, 2, "managers must be an integer >= 1"),
        (-1, 0, "managers must be an integer >= 1"),
        (1, -1, "workers must be an integer >= 0"),
        (1.5, 0, "managers must be an integer"),
        (11, 0, "too large"),
        (3, 30, "too large"),
    ],
)
def test_impossible_shapes_raise(managers, workers, match):
    with pytest.raises(ValueError, match=match):
        check_shape(managers, workers)


def test_even_managers_warn_about_quorum():
    with pytest.warns(UserWarning, match="2 managers tolerate only 0 failure"):
        check_shape(2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_shape(3, 0)  # odd: no warning


def test_labels_mark_everything_as_labkits():
    labels = labels_for("node", "demo", role="worker", node="worker1")
    assert labels["labkit.managed"] == "true" and labels["labkit.lab"] == "demo"
    assert labels["labkit.role"] == "worker" and labels["labkit.node"] == "worker1"
    assert labels["labkit.pid"].isdigit()
