"""A local GitHub billing API that behaves like the real one, for the demo, tests and benchmarks."""

from pipelines.simulator.accounts import HostedAccount, MultiAccountSimulator, three_accounts
from pipelines.simulator.enterprise import Enterprise, EnterpriseSize
from pipelines.simulator.server import SimulatedAccount, Simulator

__all__ = [
    "Enterprise",
    "EnterpriseSize",
    "HostedAccount",
    "MultiAccountSimulator",
    "SimulatedAccount",
    "Simulator",
    "three_accounts",
]
