"""The bench's generated questions: recall is measured over each distinct one once."""

import random

from memvault.bench import workload


def test_questions_are_distinct_and_cover_every_template():
    questions = workload.questions()
    assert len(questions) == len(set(questions)) == 77
    for template, fill in workload._QUESTIONS:
        assert sum(q.startswith(template.format("")) for q in questions) == len(fill)


def test_every_drawn_question_is_one_of_them():
    known = set(workload.questions())
    rng = random.Random(11)
    drawn = {workload.query_text(rng) for _ in range(2000)}
    assert drawn <= known
    assert len(drawn) == len(known)  # 2,000 draws reach all 77


def test_draws_keep_the_sequence_earlier_figures_were_made_with():
    # Every template's filler is drawn before one is chosen (seven draws a question), as before questions() existed.
    assert [workload.query_text(random.Random(5)) for _ in range(1)] == ["problems after upgrading Vue"]
    rng = random.Random(5)
    assert [workload.query_text(rng) for _ in range(3)] == [
        "problems after upgrading Vue", "problems after upgrading FastAPI", "rules about sharing the billing service"]
