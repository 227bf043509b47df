import gzip
import json
import shutil
import sys
import unicodedata
from itertools import pairwise

from hypothesis.configuration import storage_directory

from testing.hypothesis_unicode_tables import SHIPPED_TABLES, seed_unicode_tables

VERSION = unicodedata.unidata_version


def _table(name):
    with gzip.open(SHIPPED_TABLES / VERSION / name) as table:
        return json.load(table)


def test_the_tables_of_this_pythons_unicode_version_are_shipped():
    assert {path.name for path in (SHIPPED_TABLES / VERSION).iterdir()} == {"charmap.json.gz", "codec-v2-utf-8.json.gz"}


def test_missing_tables_are_copied_byte_for_byte_into_the_storage_folder(tmp_path):
    written = seed_unicode_tables(tmp_path / "unicode_data" / VERSION)
    assert sorted(path.name for path in written) == ["charmap.json.gz", "codec-v2-utf-8.json.gz"]
    for path in written:
        assert path.read_bytes() == (SHIPPED_TABLES / VERSION / path.name).read_bytes()
    assert sorted(path.name for path in written[0].parent.iterdir()) == ["charmap.json.gz", "codec-v2-utf-8.json.gz"]


def test_tables_already_in_the_storage_folder_are_left_alone(tmp_path):
    (tmp_path / "charmap.json.gz").write_bytes(b"built here")
    written = seed_unicode_tables(tmp_path)
    assert [path.name for path in written] == ["codec-v2-utf-8.json.gz"]
    assert (tmp_path / "charmap.json.gz").read_bytes() == b"built here"


def test_nothing_is_copied_for_a_unicode_version_that_is_not_shipped(tmp_path):
    assert seed_unicode_tables(tmp_path / "storage", unicode_version="0.0.0") == []
    assert not (tmp_path / "storage").exists()


def test_an_unwritable_storage_folder_is_skipped_without_error(tmp_path):
    (tmp_path / "unicode_data").write_text("a file where the folder should be")
    assert seed_unicode_tables(tmp_path / "unicode_data" / VERSION) == []


def test_the_default_storage_folder_is_hypothesis_own_unicode_data_folder(tmp_path):
    shipped = tmp_path / "shipped"
    (shipped / "9.9.9").mkdir(parents=True)
    (shipped / "9.9.9" / "charmap.json.gz").write_bytes(b"table")
    hypothesis_folder = storage_directory("unicode_data", "9.9.9", intent_to_write=False).path
    try:
        assert seed_unicode_tables(unicode_version="9.9.9", shipped=shipped) == [hypothesis_folder / "charmap.json.gz"]
        assert (hypothesis_folder / "charmap.json.gz").read_bytes() == b"table"
    finally:
        shutil.rmtree(hypothesis_folder, ignore_errors=True)


def test_the_shipped_category_table_tiles_every_code_point_with_runs_of_their_own_category():
    table = _table("charmap.json.gz")
    runs = sorted((start, end, category) for category, intervals in table for start, end in intervals)
    assert runs[0][0] == 0 and runs[-1][1] == sys.maxunicode
    for (_, end, category), (start, _, next_category) in pairwise(runs):
        assert start == end + 1 and category != next_category
    for start, end, category in runs:
        assert unicodedata.category(chr(start)) == unicodedata.category(chr(end)) == category


def test_the_shipped_utf8_table_encodes_everything_but_surrogates_and_round_trips_it():
    encodable, not_round_tripping = _table("codec-v2-utf-8.json.gz")
    assert encodable == [[0, 0xD7FF], [0xE000, sys.maxunicode]]
    assert not_round_tripping == []
