"""Test kit for batch_runner: lead and CSV builders, scripted fake providers, a kill switch, Hypothesis strategies."""

from testing.batches.builders import GENEROUS_BUDGET, leads_csv, make_leads
from testing.batches.fake_providers import KillSwitch, ScriptedProvider
from testing.batches.strategies import lead_batches

__all__ = ["GENEROUS_BUDGET", "KillSwitch", "ScriptedProvider", "lead_batches", "leads_csv", "make_leads"]
