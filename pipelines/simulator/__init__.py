"""A local GitHub billing API that behaves like the real one, for the demo, tests and benchmarks."""

from pipelines.simulator.enterprise import Enterprise, EnterpriseSize
from pipelines.simulator.server import Simulator

__all__ = ["Enterprise", "EnterpriseSize", "Simulator"]
