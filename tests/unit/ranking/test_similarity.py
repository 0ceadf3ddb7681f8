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
