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


def test_a_querys_background_gap_is_its_mean_similarity_past_its_nearest_chunks_less_the_fits():
    from memvault.ranking.similarity import (
        BACKGROUND, BACKGROUND_MIN_REST, BACKGROUND_SKIP, BACKGROUND_SKIP_SHARE, IDENTITY, SimilarityScale,
        background_gap)

    assert (BACKGROUND, BACKGROUND_SKIP, BACKGROUND_SKIP_SHARE, BACKGROUND_MIN_REST) == (0.1, 5, 3, 3)
    nearest = (0.9, 0.8, 0.7, 0.6, 0.5)
    # 5 near chunks summing 3.5, then 20 more at 0.3 each: the background is 0.3, 0.2 above the fit's.
    assert abs(background_gap(3.5 + 20 * 0.3, 25, nearest) - 0.2) < 1e-12
    # As far from the vault as the fit's unrelated pairs: no gap; farther: a gap below it, the scale's floor at most.
    assert abs(background_gap(3.5 + 20 * 0.1, 25, nearest)) < 1e-12
    assert abs(background_gap(3.5 + 20 * 0.05, 25, nearest) + 0.05) < 1e-12
    assert background_gap(3.5 - 20 * 0.2, 25, nearest) == -0.1
    # A small namespace leaves out its nearest third: of 6 chunks the nearest 2, the background the other 4's.
    assert abs(background_gap(0.9 + 0.8 + 4 * 0.3, 6, nearest) - 0.2) < 1e-12
    # 12 chunks: the nearest 4 left out, 8 counted.
    assert abs(background_gap(3.0 + 8 * 0.6, 12, nearest) - 0.5) < 1e-12
    # Too small a vault for a background besides what may answer: 1 chunk left out, fewer than 3 left.
    assert background_gap(0.9 + 0.8 + 0.7, 3, nearest) == 0.0
    assert background_gap(0.9, 1, nearest[:1]) == 0.0  # one memory: its background would be the answer
    assert background_gap(0.0, 0, ()) == 0.0
    # On a model's own scale: e5's cosine 0.8 is ~0.29 on it.
    e5 = SimilarityScale(4.318, -3.16)
    assert abs(background_gap(3.5 + 20 * 0.8, 25, nearest, e5) - (e5.of_cosine(0.8) - 0.1)) < 1e-9
    assert background_gap(3.5 + 20 * 0.8, 25, nearest, IDENTITY) > background_gap(3.5 + 20 * 0.8, 25, nearest, e5)


def test_a_gap_below_the_fits_background_counts_only_across_languages():
    from memvault.ranking.similarity import background_for

    # Above the fit's background: taken off whatever the languages.
    assert background_for(0.2, "de", "de") == 0.2 and background_for(0.2, "de", "en") == 0.2
    # Below it: a question in another language than its nearest memory is lifted by the gap...
    assert background_for(-0.06, "de", "en") == -0.06 and background_for(-0.06, "ja", "en") == -0.06
    # ...one in the same language is left as the fit saw it (an English question in an English vault)...
    assert background_for(-0.06, "en", "en") == 0.0 and background_for(-0.06, "ru", "ru") == 0.0
    # ...and so is one whose language, or its nearest memory's, cannot be told.
    assert background_for(-0.06, "und", "en") == 0.0 and background_for(-0.06, "de", "und") == 0.0
    assert background_for(-0.06, "de", None) == 0.0
