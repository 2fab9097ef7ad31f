"""Background tasks (django-tasks). The full match run's task is defined with its service
(services/matching.py), so the services never import this module; named here for discovery."""

from __future__ import annotations

from .services.matching import match_run_task

__all__ = ["match_run_task"]
