"""The generated demo register looks like a real one and loads as a valid frame."""

from __future__ import annotations

from collections import Counter

from api.demo.synthetic_register import RegisterSpec, register_csv_bytes
from sampler.disciplines import catalogue_2022, degree_type_of
from sampler.frame import load_frame_bytes


def test_register_is_realistic_valid_and_reproducible() -> None:
    spec = RegisterSpec(seed=3, degrees=5000, institutions=20, academic_year_end=2024)
    data = register_csv_bytes(spec)
    assert data == register_csv_bytes(spec)
    frame = load_frame_bytes(data, "register.csv")
    assert len(frame) == 5000
    assert frame.warnings == ()
    assert len(set(frame.data["institution"])) >= 18
    assert all(name.endswith("大学") for name in frame.data["institution"])
    levels = Counter(frame.data["degree_level"])
    assert 0 < levels["doctoral"] < levels["master"]
    assert set(frame.data["degree_type"]) == {"academic", "professional"}
    catalogue = catalogue_2022()
    for code, dtype in zip(frame.data["discipline_code"], frame.data["degree_type"], strict=True):
        assert code in catalogue and degree_type_of(code) == dtype
    dates = frame.data["award_date"]
    assert min(dates) >= "2023-09-01" and max(dates) <= "2024-08-31"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in frame.data["title"][0])
