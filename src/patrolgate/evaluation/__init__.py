"""Outcome evaluation of deployments: controls, displacement, tests, pooled programme results.

Pure domain code: no web or database imports. Give it a deployment's area and window (in
the study's projected CRS), the located events and the study grid; read the verdict.
"""

from __future__ import annotations

from patrolgate.evaluation.deployment import evaluate_deployment
from patrolgate.evaluation.design import DeploymentArea, EvaluationDesign
from patrolgate.evaluation.programme import (
    ALL_PROFILES,
    PooledEffect,
    ProgrammeEvaluation,
    Unevaluated,
    evaluate_programme,
)
from patrolgate.evaluation.results import (
    AreaCounts,
    Contrast,
    DeploymentEvaluation,
    ForecastCheck,
    Verdict,
)
from patrolgate.evaluation.statistics import (
    MetaAnalysis,
    PeriodCounts,
    WDDResult,
    dersimonian_laird,
    poisson_interval,
    poisson_test,
    wdd_test,
    wdq,
)

__all__ = [
    "ALL_PROFILES",
    "AreaCounts",
    "Contrast",
    "DeploymentArea",
    "DeploymentEvaluation",
    "EvaluationDesign",
    "ForecastCheck",
    "MetaAnalysis",
    "PeriodCounts",
    "PooledEffect",
    "ProgrammeEvaluation",
    "Unevaluated",
    "Verdict",
    "WDDResult",
    "dersimonian_laird",
    "evaluate_deployment",
    "evaluate_programme",
    "poisson_interval",
    "poisson_test",
    "wdd_test",
    "wdq",
]
