"""A model's similarity on the scale ranking was fitted on."""


def test_a_models_scale_maps_its_cosines_onto_the_english_models_and_stays_between_0_and_1():
    from memvault.embedding.manifest import manifest_named
    from memvault.ranking.similarity import IDENTITY, SimilarityScale

    assert SimilarityScale.of_model(manifest_named("all-MiniLM-L6-v2")) == IDENTITY
    assert SimilarityScale.of_model(None) == IDENTITY  # an embedder without a manifest (tests' fakes)
    assert [IDENTITY.of_cosine(c) for c in (-0.2, 0.3, 1.0)] == [0.0, 0.3, 1.0]
    e5 = SimilarityScale.of_model(manifest_named("multilingual-e5-small"))
    # Its unrelated pairs (~0.76) and answers (~0.81) land where the English model's do (~0.1, ~0.35).
    assert abs(e5.of_cosine(0.757) - 0.109) < 0.01 and abs(e5.of_cosine(0.809) - 0.334) < 0.01
    assert e5.of_cosine(0.5) == 0.0 and e5.of_cosine(1.0) == 1.0
    assert e5.of_distance(1 - 0.809) == e5.of_cosine(0.809)


def test_a_querys_background_is_its_mean_similarity_past_its_nearest_chunks_above_the_fits():
    from memvault.ranking.similarity import (
        BACKGROUND, BACKGROUND_MIN_REST, BACKGROUND_SKIP, BACKGROUND_SKIP_SHARE, IDENTITY, SimilarityScale,
        background_excess)

    assert (BACKGROUND, BACKGROUND_SKIP, BACKGROUND_SKIP_SHARE, BACKGROUND_MIN_REST) == (0.1, 5, 3, 3)
    nearest = (0.9, 0.8, 0.7, 0.6, 0.5)
    # 5 near chunks summing 3.5, then 20 more at 0.3 each: the background is 0.3, 0.2 above the fit's.
    assert abs(background_excess(3.5 + 20 * 0.3, 25, nearest) - 0.2) < 1e-12
    # A query as far from the vault as the fit's unrelated pairs, or farther, is left as it is.
    assert background_excess(3.5 + 20 * 0.1, 25, nearest) == 0.0
    assert background_excess(3.5 - 20 * 0.2, 25, nearest) == 0.0
    # A small namespace leaves out its nearest third: of 6 chunks the nearest 2, the background the other 4's.
    assert abs(background_excess(0.9 + 0.8 + 4 * 0.3, 6, nearest) - 0.2) < 1e-12
    # 12 chunks: the nearest 4 left out, 8 counted.
    assert abs(background_excess(3.0 + 8 * 0.6, 12, nearest) - 0.5) < 1e-12
    # Too small a vault for a background besides what may answer: 1 chunk left out, fewer than 3 left.
    assert background_excess(0.9 + 0.8 + 0.7, 3, nearest) == 0.0
    assert background_excess(0.9, 1, nearest[:1]) == 0.0  # one memory: its background would be the answer
    assert background_excess(0.0, 0, ()) == 0.0
    # On a model's own scale: e5's cosine 0.8 is ~0.29 on it.
    e5 = SimilarityScale(4.318, -3.16)
    assert abs(background_excess(3.5 + 20 * 0.8, 25, nearest, e5) - (e5.of_cosine(0.8) - 0.1)) < 1e-9
    assert background_excess(3.5 + 20 * 0.8, 25, nearest, IDENTITY) > background_excess(3.5 + 20 * 0.8, 25, nearest, e5)
