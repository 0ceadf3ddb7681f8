"""Kept for ``api/compat`` until its profiles import :mod:`memvault.ranking.good_match` (where these live)."""

from memvault.ranking.good_match import provider_similarity, to_provider_similarity

__all__ = ["provider_similarity", "to_provider_similarity"]
