"""Evaluations, evaluator scores and consensus live here (the evaluations issue)."""
