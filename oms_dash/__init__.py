"""oms_dash: a local dashboard for Opsoclonus-Myoclonus Syndrome family support groups."""

__version__ = "0.1.0"
