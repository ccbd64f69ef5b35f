"""Which server recorded a cassette, kept in the cassette file next to its interactions.

A cassette file is vcrpy's YAML with one more top-level mapping::

    metadata:
      recorded_against: upstream            # or: emulator
      upstream_commit: 0123abcd...          # upstream's cassettes: the commit of ../shared/upstream-server
      why_not_upstream: "agent control: ..."  # the emulator's cassettes: why upstream could not serve it

:class:`ProvenancePersister` writes that mapping when a cassette is saved and reads it back when
one is loaded, so no cassette-metadata API of vcrpy's is needed: vcrpy 8 has none (its loader
ignores top-level keys it does not know), and vcrpy 9's is only ever handed the interactions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import deserialize, serialize

METADATA_KEY = "metadata"
RECORDED_AGAINST = "recorded_against"
UPSTREAM_COMMIT = "upstream_commit"
WHY_NOT_UPSTREAM = "why_not_upstream"

UPSTREAM = "upstream"
EMULATOR = "emulator"


def provenance_for(
    kind: str, *, upstream_commit: str | None = None, why_not_upstream: str | None = None
) -> dict[str, str]:
    """What a cassette recorded against ``kind`` (upstream's server or the emulator) says about it."""
    if kind == UPSTREAM and upstream_commit:
        return {RECORDED_AGAINST: UPSTREAM, UPSTREAM_COMMIT: upstream_commit}
    if kind == EMULATOR and why_not_upstream:
        return {RECORDED_AGAINST: EMULATOR, WHY_NOT_UPSTREAM: why_not_upstream}
    raise ValueError(
        f"recorded against {kind!r}: upstream's server with its commit, or the emulator with the reason"
        f" (upstream_commit={upstream_commit!r}, why_not_upstream={why_not_upstream!r})"
    )


def provenance_problem(provenance: Mapping[str, Any] | None, why_not_upstream: str | None) -> str | None:
    """What is wrong with a cassette's provenance, for a test recorded against the emulator because
    ``why_not_upstream`` (None: against upstream's server); None if nothing is."""
    if not provenance:
        return "it does not say which server recorded it"
    if why_not_upstream is None:
        commit = provenance.get(UPSTREAM_COMMIT)
        if provenance.get(RECORDED_AGAINST) == UPSTREAM and isinstance(commit, str) and commit:
            extra = set(provenance) - {RECORDED_AGAINST, UPSTREAM_COMMIT}
            return f"unexpected {sorted(extra)} in {dict(provenance)}" if extra else None
        return f"it says {dict(provenance)}, but its test records against upstream's server (with its commit)"
    expected = provenance_for(EMULATOR, why_not_upstream=why_not_upstream)
    if dict(provenance) != expected:
        return f"it says {dict(provenance)}, want {expected}"
    return None


def _key(cassette_path: str | os.PathLike[str]) -> str:
    return os.path.abspath(cassette_path)


class ProvenancePersister:
    """vcrpy's file persister (register it with ``VCR.register_persister``), plus each cassette's provenance.

    Before a recording is saved, :meth:`will_save` must have said what to write with it; a
    cassette without it is not written (one that cannot say where its answers came from), and
    :meth:`take_refusals` reports it. It is not raised: vcrpy saves inside its context manager's
    ``__exit__``, and an exception there skips vcrpy's un-patching, which leaves httpx2 recording
    (and reading every body to its end) in every later test.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, dict[str, Any]] = {}
        self._to_save: dict[str, dict[str, str]] = {}
        self._refusals: list[str] = []

    def take_refusals(self) -> list[str]:
        """The cassettes refused since the last call, each with the reason."""
        refusals, self._refusals = self._refusals, []
        return refusals

    def will_save(self, cassette_path: str | os.PathLike[str], provenance: Mapping[str, str]) -> None:
        """Write ``provenance`` into the cassette at ``cassette_path`` whenever it is saved."""
        self._to_save[_key(cassette_path)] = dict(provenance)

    def loaded(self, cassette_path: str | os.PathLike[str]) -> dict[str, Any] | None:
        """The provenance the cassette at ``cassette_path`` held when it was loaded.

        None if it was not loaded (it did not exist); an empty dict if it held none.
        """
        return self._loaded.get(_key(cassette_path))

    # --- vcrpy's persister interface ---------------------------------------------------------------

    def load_cassette(self, cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        path = Path(cassette_path)
        self._loaded.pop(_key(path), None)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CassetteNotFoundError() from None
        if not text.strip():
            raise CassetteNotFoundError()  # what vcrpy 9 does with an empty file
        data = serializer.deserialize(text)
        metadata = data.get(METADATA_KEY) if isinstance(data, dict) else None
        self._loaded[_key(path)] = dict(metadata) if isinstance(metadata, Mapping) else {}
        # vcrpy 9's deserialize also returns the metadata, as a third item: its own API's, not ours.
        requests, responses, *_ = deserialize(text, serializer)
        return requests, responses

    def save_cassette(self, cassette_path: str, cassette_dict: Mapping[str, Any], serializer: Any) -> None:
        path = Path(cassette_path)
        provenance = self._to_save.get(_key(path))
        if not provenance:
            self._refusals.append(f"{path} not saved: nothing says which server recorded it")
            return
        interactions = {"requests": cassette_dict["requests"], "responses": cassette_dict["responses"]}
        data = serializer.deserialize(serialize(interactions, serializer))
        data[METADATA_KEY] = provenance
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(serializer.serialize(data), encoding="utf-8")
