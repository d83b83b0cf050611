"""Contract follow-up (API.md, "Third wave"): contracts signed per awarded lot, the commitments
frozen at signing, the checks scheduled from them, answered by the supplier and reviewed, and
the deviations followed to a remedy, an acceptance or a termination."""
