"""The learned backstop: a character n-gram linear model of the intent, for when the rules are unsure.

The rules stay first (times, dates, numbers, options, yes/no and every cue they are sure of); when
they say `other` or decide on a weak cue, this model reads the intent. It is trained on the labelled
corpus one may tune on (`fixtures/nlu/*.yaml` except `held_out*`), never on held-out files.

- Features: TF-IDF of character 2–5-grams of the normalized text (word-bounded, as sklearn's
  `char_wb`), plus the writer's role and what was just asked as tokens. Computed here, so reading a
  message needs only numpy: scikit-learn (slow to import) is needed only to train.
- Model: multinomial logistic regression (scikit-learn, lbfgs): deterministic for the same corpus.
  The intent is the most probable one *the role has*; the caller keeps it only above a threshold.
- Cache: trained once per corpus and kept in YUME_NLU_CACHE_DIR (default `~/.cache/yume`), named by
  a hash of the corpus files' contents and of this module's feature version. A corpus change makes a
  new name, so a stale model is never read (all but the newest few are removed). Several processes starting at
  once may each train; each writes its own temporary file and renames it over the same name
  (atomic), and since training is deterministic every writer writes the same model — a reader sees
  a whole file or none.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nlu.normalize import normalize
from nlu.understanding import Intent, Role, intents_for

if TYPE_CHECKING:
    import numpy as np

    from nlu.evaluation import Case

log = logging.getLogger("yume.nlu.learned")

# Bump when features or training change: the cache name changes with it.
FEATURE_VERSION = "char_wb-2-5-role-expecting-lr-v1"  # with the training parameters below, in the cache name
NGRAMS = (2, 5)
_C = 32.0  # chosen by 5-fold cross-validation on the tunable corpus (never on held-out files)
_MAX_ITER = 300
_TOL = 1e-3
_SPACES = re.compile(r"\s+")


def default_corpus() -> Path | None:
    """fixtures/nlu beside the code (a checkout) or in the working folder (the image); YUME_NLU_CORPUS overrides."""
    candidates = [Path(__file__).resolve().parents[1] / "fixtures" / "nlu", Path.cwd() / "fixtures" / "nlu"]
    return next((path for path in candidates if path.is_dir()), None)


def default_cache_dir() -> Path:
    """~/.cache/yume (YUME_NLU_CACHE_DIR overrides, through bot.settings: the NLU never reads the environment)."""
    return Path.home() / ".cache" / "yume"


def features(text: str, role: Role | str, expecting: str | None) -> Counter[str]:
    """Character 2–5-grams of each normalized word (padded with spaces), the role and what was asked."""
    grams: Counter[str] = Counter()
    low, high = NGRAMS
    for word in _SPACES.sub(" ", normalize(text)).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) < n:
                break
            grams.update(padded[i : i + n] for i in range(len(padded) - n + 1))
    grams[f"<role={Role(role).value}>"] += 1
    grams[f"<expecting={expecting or 'none'}>"] += 1
    return grams


@dataclass(frozen=True)
class Prediction:
    """The model's intent for a message, and how probable it says it is."""

    intent: Intent
    probability: float


class IntentModel:
    """Trained weights and the reading of one message (numpy only)."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, coef: np.ndarray, intercept: np.ndarray,
                 classes: Sequence[str]) -> None:
        self.index = {gram: i for i, gram in enumerate(vocabulary)}
        self.vocabulary = list(vocabulary)
        self.idf, self.coef, self.intercept = idf, coef, intercept
        self.classes = [Intent(c) for c in classes]

    def predict(self, text: str, role: Role, expecting: str | None) -> Prediction | None:
        """The most probable intent the role has, or None when the message shares no feature with the corpus."""
        import numpy as np

        counts = features(text, role, expecting)
        columns, values = [], []
        for gram, count in counts.items():
            column = self.index.get(gram)
            if column is not None:
                columns.append(column)
                values.append((1.0 + math.log(count)) * float(self.idf[column]))
        if not columns:
            return None
        weights = np.asarray(values, dtype=np.float64)
        weights /= np.linalg.norm(weights)
        scores = self.coef[:, columns] @ weights + self.intercept
        allowed = intents_for(role)
        mask = np.array([c in allowed for c in self.classes])
        if not mask.any():
            return None
        scores = np.where(mask, scores, -np.inf)
        exp = np.exp(scores - scores.max())
        probabilities = exp / exp.sum()
        best = int(np.argmax(probabilities))
        return Prediction(self.classes[best], float(probabilities[best]))

    def save(self, path: Path) -> None:
        """Write the weights to `path` atomically (a temporary file renamed over it)."""
        import numpy as np

        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, vocabulary=np.array(self.vocabulary), idf=self.idf, coef=self.coef,
                         intercept=self.intercept, classes=np.array([c.value for c in self.classes]))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> IntentModel:
        """Read weights written by `save`."""
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            return cls(data["vocabulary"].tolist(), data["idf"], data["coef"], data["intercept"], data["classes"].tolist())


def train(cases: Iterable[Case]) -> IntentModel:
    """Fit the model on labelled cases (imports scikit-learn: seconds, done once per corpus)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows = [(features(c.text, c.context.role, c.context.expecting.value if c.context.expecting else None), c.intent)
            for c in cases]
    document_frequency: Counter[str] = Counter()
    for grams, _ in rows:
        document_frequency.update(grams.keys())
    vocabulary = sorted(document_frequency)
    index = {gram: i for i, gram in enumerate(vocabulary)}
    total = len(rows)
    idf = np.array([math.log((1 + total) / (1 + document_frequency[g])) + 1.0 for g in vocabulary])
    data, indices, pointers = [], [], [0]
    for grams, _ in rows:
        columns = [index[g] for g in grams]
        values = np.array([(1.0 + math.log(grams[g])) * idf[index[g]] for g in grams])
        values /= np.linalg.norm(values)
        data.extend(values.tolist())
        indices.extend(columns)
        pointers.append(len(indices))
    matrix = csr_matrix((data, indices, pointers), shape=(total, len(vocabulary)))
    labels = [intent for _, intent in rows]
    classifier = LogisticRegression(C=_C, max_iter=_MAX_ITER, tol=_TOL)
    classifier.fit(matrix, labels)
    return IntentModel(vocabulary, idf, classifier.coef_.astype(np.float64), classifier.intercept_, classifier.classes_.tolist())


def corpus_key(corpus: Path) -> str:
    """A hash of the files the model is trained on (names and contents) and of the feature version."""
    from nlu.evaluation import corpus_files

    digest = hashlib.sha256(f"{FEATURE_VERSION} C={_C} iter={_MAX_ITER} tol={_TOL}".encode())
    for file in corpus_files(corpus, held_out=False):
        digest.update(file.relative_to(corpus).as_posix().encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


_lock = threading.Lock()
_loaded: dict[tuple[Path, Path], IntentModel | None] = {}


def model_for(corpus: Path | None = None, cache_dir: Path | None = None) -> IntentModel | None:
    """The model of the corpus, from the cache or trained now (once per process); None without a corpus."""
    corpus = corpus or default_corpus()
    if corpus is None:
        return None
    cache_dir = cache_dir or default_cache_dir()
    key = (corpus, cache_dir)
    with _lock:
        if key not in _loaded:
            _loaded[key] = _load_or_train(corpus, cache_dir)
        return _loaded[key]


def _load_or_train(corpus: Path, cache_dir: Path) -> IntentModel | None:
    from nlu.evaluation import load_corpus

    path = cache_dir / f"intent-model-{corpus_key(corpus)}.npz"
    if path.exists():
        try:
            return IntentModel.load(path)
        except (OSError, ValueError, KeyError) as exc:  # a damaged file: train again and replace it
            log.warning("unreadable NLU model cache %s (%s); training again", path, exc)
    cases = load_corpus(corpus, held_out=False)
    if not cases:
        return None
    model = train(cases)
    try:
        model.save(path)
        _remove_stale(cache_dir, keep=path)
    except OSError as exc:
        log.warning("cannot cache the NLU model in %s (%s); it stays in memory", cache_dir, exc)
    return model


_KEPT = 6  # several checkouts (worktrees, CI) may share one cache folder: each keeps its own model


def _remove_stale(cache_dir: Path, keep: Path) -> None:
    """Remove all but the newest few models (another checkout may still use an older one)."""
    models = sorted(cache_dir.glob("intent-model-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in models[_KEPT:]:
        if old != keep:
            old.unlink(missing_ok=True)


def forget_loaded() -> None:
    """Drop the models loaded in this process (tests)."""
    with _lock:
        _loaded.clear()
