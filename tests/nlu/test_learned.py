"""The learned backstop: trained on the tunable corpus only, deterministic, cached safely across processes."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import numpy as np
import pytest

from nlu import learned
from nlu.evaluation import load_corpus
from nlu.rules import RuleEngine, read_message
from nlu.understanding import Intent, Role, intents_for
from tests.nlu.helpers import CORPUS, context

# A small corpus (one tuned file and a held-out one) keeps training to about a second.
SMALL_FILES = ("staff.yaml",)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SMALL_FILES:
        shutil.copy(CORPUS / name, corpus / name)
    shutil.copy(CORPUS / "held_out_3.yaml", corpus / "held_out_9.yaml")
    return corpus


def test_the_model_never_learns_from_held_out_files(small_corpus: Path, tmp_path: Path) -> None:
    key = learned.corpus_key(small_corpus)
    (small_corpus / "held_out_9.yaml").write_text((small_corpus / "held_out_9.yaml").read_text() + "\n# changed\n")
    assert learned.corpus_key(small_corpus) == key  # held-out files are not part of what it is trained on
    (small_corpus / "staff.yaml").write_text((small_corpus / "staff.yaml").read_text() + "\n# changed\n")
    assert learned.corpus_key(small_corpus) != key  # a tuned file is: the cached model is not reused


def test_training_is_deterministic_and_reading_matches_scikit_learn(small_corpus: Path) -> None:
    from scipy.sparse import csr_matrix  # noqa: F401 - scikit-learn's own scoring below needs it
    from sklearn.linear_model import LogisticRegression

    cases = load_corpus(small_corpus, held_out=False)
    first, second = learned.train(cases), learned.train(cases)
    assert first.vocabulary == second.vocabulary and np.array_equal(first.coef, second.coef)
    # The numpy reading (no scikit-learn at run time) gives scikit-learn's own probabilities.
    classifier = LogisticRegression()
    classifier.classes_ = np.array([c.value for c in first.classes])
    classifier.coef_, classifier.intercept_ = first.coef, first.intercept
    for case in cases[:40]:
        grams = learned.features(case.text, case.context.role, case.context.expecting)
        row = np.zeros(len(first.vocabulary))
        for gram, count in grams.items():
            if gram in first.index:
                row[first.index[gram]] = (1 + np.log(count)) * first.idf[first.index[gram]]
        row /= np.linalg.norm(row)
        expected = classifier.predict_proba(row.reshape(1, -1))[0]
        allowed = [i for i, c in enumerate(first.classes) if c in intents_for(case.context.role)]
        prediction = first.predict(case.text, case.context.role, case.context.expecting)
        assert prediction is not None  # the role's intents only, so scikit-learn's renormalized over them:
        assert prediction.probability == pytest.approx(expected[allowed].max() / expected[allowed].sum(), rel=1e-9)
        assert prediction.intent == first.classes[allowed[int(np.argmax(expected[allowed]))]]


def test_the_cache_is_written_once_and_read_back(small_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    learned.forget_loaded()
    model = learned.model_for(small_corpus, cache)
    files = list(cache.glob("intent-model-*.npz"))
    assert model is not None and len(files) == 1
    learned.forget_loaded()
    again = learned.model_for(small_corpus, cache)
    assert again is not None and again.vocabulary == model.vocabulary
    # A corpus change trains a new model (the old one stays for a while: another checkout may use it).
    (small_corpus / "staff.yaml").write_text((small_corpus / "staff.yaml").read_text() + "\n# changed\n")
    learned.forget_loaded()
    learned.model_for(small_corpus, cache)
    names = {f.name for f in cache.glob("intent-model-*.npz")}
    assert f"intent-model-{learned.corpus_key(small_corpus)}.npz" in names and len(names) == 2


def _start_and_predict(corpus: str, cache: str) -> str:
    model = learned.model_for(Path(corpus), Path(cache))
    assert model is not None
    prediction = model.predict("cómo me veo mañana", Role.STAFF, None)
    return prediction.intent.value if prediction else "none"


def test_two_processes_starting_at_once_share_one_correct_cache(small_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "shared-cache"
    context_ = multiprocessing.get_context("spawn")
    with context_.Pool(2) as pool:
        answers = pool.starmap(_start_and_predict, [(str(small_corpus), str(cache))] * 2)
    assert answers[0] == answers[1]
    files = list(cache.iterdir())
    assert [f.name for f in files] == [f"intent-model-{learned.corpus_key(small_corpus)}.npz"]  # no temp files left
    learned.forget_loaded()
    assert learned.IntentModel.load(files[0]).predict("cómo me veo mañana", Role.STAFF, None) is not None


def test_a_damaged_cache_is_trained_again(small_corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"intent-model-{learned.corpus_key(small_corpus)}.npz").write_bytes(b"not a model")
    learned.forget_loaded()
    assert learned.model_for(small_corpus, cache) is not None


def test_the_engine_says_which_path_decided(monkeypatch: pytest.MonkeyPatch) -> None:
    class Always:
        def predict(self, text: str, role: Role, expecting: str | None) -> learned.Prediction:
            return learned.Prediction(Intent.ASK_LOCATION, 0.9)

    engine = RuleEngine()
    monkeypatch.setattr(engine, "_get_model", lambda: Always())
    text = "oigan y ustedes por qué rumbo andan"  # no cue the rules know
    assert read_message(text, context()).unsure
    understanding = engine.read(text, context())
    assert (understanding.intent, understanding.engine) == (Intent.ASK_LOCATION, "model")
    sure = engine.read("quiero un corte mañana a las 4", context())
    assert sure.engine == "rules" and sure.intent == Intent.BOOK  # the rules were sure: the model is not asked
    assert RuleEngine(backstop=False).read(text, context()).engine == "rules"
