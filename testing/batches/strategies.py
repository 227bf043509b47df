"""Hypothesis strategies for batch_runner: batches of distinct, valid leads."""

from __future__ import annotations

from hypothesis import strategies as st

from batch_runner import Lead

_labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@st.composite
def lead_batches(draw: st.DrawFn, *, min_size: int = 1, max_size: int = 10) -> list[Lead]:
    """A list of valid leads with distinct ids and emails, in the canonical form validation produces."""
    names = draw(st.lists(_labels, min_size=min_size, max_size=max_size, unique=True))
    tld = draw(st.sampled_from(["com", "net", "io"]))
    return [Lead(f"lead-{name}", f"Business {name}", f"{name}.{tld}", f"owner@{name}.{tld}") for name in names]
