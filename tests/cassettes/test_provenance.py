"""The provenance persister with the installed vcrpy (8 or 9): a recording writes which server
answered into the cassette, vcrpy's own loader still reads that cassette, and replay reads the
provenance back. These tests record against ``httpx2.MockTransport``; nothing leaves the process.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx2
import pytest
import vcr as vcrpy
import yaml
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from .provenance import (
    EMULATOR,
    METADATA_KEY,
    UPSTREAM,
    ProvenancePersister,
    provenance_for,
    provenance_problem,
)

REASON = "agent control: coder/agentapi's routes"


def _answer(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, json={"path": request.url.path})


def _get(path: str) -> httpx2.Response:
    with httpx2.Client(transport=httpx2.MockTransport(_answer), base_url="http://chatserver.cassette") as c:
        return c.get(path)


def _vcr(persister: ProvenancePersister, record_mode: str) -> vcrpy.VCR:
    recorder = vcrpy.VCR(record_mode=record_mode)
    recorder.register_persister(persister)
    return recorder


def test_recording_writes_provenance_and_replay_reads_it(tmp_path: Path) -> None:
    cassette = tmp_path / "recorded.yaml"
    provenance = provenance_for(UPSTREAM, upstream_commit="0123abcd")
    recorder = ProvenancePersister()
    recorder.will_save(cassette, provenance)
    with _vcr(recorder, "once").use_cassette(str(cassette)):
        assert _get("/v1/models").json() == {"path": "/v1/models"}

    saved = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    assert saved[METADATA_KEY] == provenance
    assert [i["request"]["uri"] for i in saved["interactions"]] == ["http://chatserver.cassette/v1/models"]

    # vcrpy's own loader, whichever version is installed, still reads the cassette.
    requests, responses, *_ = FilesystemPersister.load_cassette(str(cassette), yamlserializer)
    assert [r.path for r in requests] == ["/v1/models"]
    assert [r["status"]["code"] for r in responses] == [200]

    replayer = ProvenancePersister()
    with _vcr(replayer, "none").use_cassette(str(cassette)) as played:
        assert _get("/v1/models").json() == {"path": "/v1/models"}
        assert played.play_count == 1
    assert replayer.loaded(cassette) == provenance
    assert replayer.loaded(tmp_path / "never-loaded.yaml") is None


def test_replay_does_not_rewrite_the_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "recorded.yaml"
    recorder = ProvenancePersister()
    recorder.will_save(cassette, provenance_for(EMULATOR, why_not_upstream=REASON))
    with _vcr(recorder, "once").use_cassette(str(cassette)):
        _get("/status")
    before = cassette.read_text(encoding="utf-8")
    with _vcr(ProvenancePersister(), "none").use_cassette(str(cassette)):
        _get("/status")
    assert cassette.read_text(encoding="utf-8") == before


def test_a_recording_that_does_not_say_where_it_came_from_is_not_saved(tmp_path: Path) -> None:
    cassette = tmp_path / "anonymous.yaml"
    persister = ProvenancePersister()
    with _vcr(persister, "once").use_cassette(str(cassette)):
        _get("/v1/models")
    assert not cassette.exists()
    (refusal,) = persister.take_refusals()
    assert refusal.endswith("not saved: nothing says which server recorded it")
    assert persister.take_refusals() == []


def test_a_refused_recording_leaves_httpx2_unpatched(tmp_path: Path) -> None:
    # vcrpy un-patches after it saves: a persister that raised there left every later test recording.
    original = httpx2.HTTPTransport.handle_request
    with _vcr(ProvenancePersister(), "once").use_cassette(str(tmp_path / "anonymous.yaml")):
        assert httpx2.HTTPTransport.handle_request is not original
        _get("/v1/models")
    assert httpx2.HTTPTransport.handle_request is original


def test_provenance_for_refuses_an_incomplete_one() -> None:
    with pytest.raises(ValueError, match="upstream_commit=None"):
        provenance_for(UPSTREAM)
    with pytest.raises(ValueError, match="why_not_upstream=None"):
        provenance_for(EMULATOR)
    with pytest.raises(ValueError, match="'staging'"):
        provenance_for("staging", upstream_commit="0123abcd")


@pytest.mark.parametrize(
    ("provenance", "why_not_upstream", "problem"),
    [
        ({"recorded_against": "upstream", "upstream_commit": "0123abcd"}, None, None),
        ({"recorded_against": "emulator", "why_not_upstream": REASON}, REASON, None),
        (None, None, "does not say which server"),
        ({}, REASON, "does not say which server"),
        ({"recorded_against": "upstream"}, None, "records against upstream's server"),
        ({"recorded_against": "upstream", "upstream_commit": ""}, None, "records against upstream's server"),
        ({"recorded_against": "emulator", "why_not_upstream": REASON}, None, "against upstream's server"),
        ({"recorded_against": "upstream", "upstream_commit": "0123", "x": "1"}, None, r"unexpected \[.x.\]"),
        ({"recorded_against": "upstream", "upstream_commit": "0123abcd"}, REASON, "want"),
        ({"recorded_against": "emulator", "why_not_upstream": "another reason"}, REASON, "want"),
    ],
)
def test_provenance_problem(
    provenance: dict[str, str] | None, why_not_upstream: str | None, problem: str | None
) -> None:
    found = provenance_problem(provenance, why_not_upstream)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert re.search(problem, found), found
