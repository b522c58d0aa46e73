"""Teaching the tagger the installation's own words: the reasons agents confirm or correct when they close a
case are labels of the comment that opened it. A new model is fitted on the shipped seed plus those labels,
scored against the current one on labels neither has learned from, stored, and switched on only if it scores
better there; so a batch of careless labels can cost a fit, never the tags.

Runs in the worker (a daily beat job that trains when the last training is NPSLOOP_TRAIN_EVERY_DAYS old) or
the CLI (`npsloop themes train`), never on a request. Fitting takes seconds to a minute of CPU, so no
transaction is open meanwhile: the labels are read in one, the model stored in another."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from npsloop.domain.theme_tags import MAX_TAGGED_CHARS, Polarity
from npsloop.services.records import LabelledComment
from npsloop.services.tagging import Models
from npsloop.services.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # scikit-learn is loaded by the process that trains, not by everything importing this
    from npsloop.tagging.tagger import Example, Tagger

MIN_LABELS = 30  # fewer, and a quarter held out is too few comments for a score to mean anything
MAX_LABELS = 50_000  # read at most this many (the oldest closures first): memory stays bounded
HELD_OUT_IN = 4  # one case in four is held out for scoring, chosen by a hash of its id
REPEAT = 3  # each installation label counts this many times next to the seed's comments
KEEP_MODELS = 5  # stored models kept besides the active one (each is megabytes)


class NotEnoughLabels(Exception):
    def __init__(self, found: int, needed: int) -> None:
        super().__init__(f"not enough labels: {found} of {needed} (closed cases with reasons and a comment)")
        self.found, self.needed = found, needed


@dataclass(frozen=True)
class Training:
    """What a training did: both held-out scores (macro-F1 over the themes the held-out labels name), and
    whether it switched."""

    labels: int
    trained_on: int
    held_out: int
    previous: str  # the model in force when training started
    score_before: float
    score_after: float
    model: str  # the name the new model is stored (and tags) under
    switched: bool
    fit_seconds: float


def held_out(case_id: int) -> bool:
    """A case is held out for good: its label never teaches a model, so each score is on unseen comments."""
    return hashlib.sha256(f"case:{case_id}".encode()).digest()[0] % HELD_OUT_IN == 0


def train_tagger(*, uow: UnitOfWork, models: Models, now: datetime, seed: Sequence[Example] | None = None) -> Training:
    """Raises NotEnoughLabels below MIN_LABELS. `seed` is the shipped seed unless given."""
    from npsloop.services.themes import current_taxonomy
    from npsloop.tagging import model_file
    from npsloop.tagging.tagger import Tagger, seed_examples

    themes = tuple(theme.key for theme in current_taxonomy(uow=uow).active)
    models.default()  # fitted now if this release's is not yet (minutes): before a transaction opens, not in one
    with uow:
        previous_id = uow.tagger_models.active_id()
        previous = models.current(uow)
        labels = uow.reasons.labelled_comments(limit=MAX_LABELS)
    examples = [(label.case_id, example) for label in labels if (example := _example(label, themes)) is not None]
    train = [example for case_id, example in examples if not held_out(case_id)]
    test = [example for case_id, example in examples if held_out(case_id)]
    if len(examples) < MIN_LABELS or not train or not test:
        raise NotEnoughLabels(len(examples), MIN_LABELS)
    started = time.process_time()
    tagger = Tagger.fit([*(seed_examples() if seed is None else seed), *train * REPEAT], themes=themes)
    fit_seconds = time.process_time() - started
    before, after = held_out_f1(previous.tagger, test), held_out_f1(tagger, test)
    data = model_file.dumps(tagger)
    name = f"trained-{now:%Y%m%d-%H%M%S}-{hashlib.sha256(data).hexdigest()[:8]}"
    with uow:
        # Another training may have switched a model on meanwhile: this one was not compared with it.
        switched = after > before and uow.tagger_models.active_id() == previous_id
        model_id = uow.tagger_models.add(
            name=name, created_at=now, trained_on=len(train), score_before=before, score_after=after, data=data
        )
        if switched:
            uow.tagger_models.activate(model_id)
        uow.tagger_models.prune(KEEP_MODELS + 1)
        uow.commit()
    return Training(len(examples), len(train), len(test), previous.name, before, after, name, switched, fit_seconds)


def train_when_due(*, uow: UnitOfWork, models: Models, now: datetime, every: timedelta) -> Training | None:
    """For the beat job: trains when the newest stored model is `every` old (or there is none) and an agent has
    labelled a case since it was trained; None when not due, or with too few labels yet."""
    with uow:
        newest = uow.tagger_models.listed(limit=1)
        if newest and now - newest[0].created_at < every:
            return None
        if newest and not uow.reasons.labelled_comments(since=newest[0].created_at, limit=1):
            return None
    try:
        return train_tagger(uow=uow, models=models, now=now)
    except NotEnoughLabels:
        return None


def _example(label: LabelledComment, themes: Sequence[str]) -> Example | None:
    """A reason is why the customer was unhappy: a negative tag. Themes retired or removed since are not."""
    from npsloop.tagging.tagger import Example

    reasons = {theme: Polarity.NEGATIVE for theme in label.themes if theme in themes}
    text = label.comment.strip()[:MAX_TAGGED_CHARS]
    return Example(text, label.language or "", reasons) if reasons and text else None


def held_out_f1(tagger: Tagger, examples: Sequence[Example]) -> float:
    """Macro-F1 over the themes the held-out labels name, counting the model's negative tags. Agents name the
    reasons they dealt with, not every theme a comment touches ("blocks broken, a pallet missing" is delivery to
    them, product quality too to a model): a theme they never name is not scored, but a theme they do name is,
    each wrong tag of it included. A positive tag ("the driver was kind") is no reason, right or wrong."""
    from npsloop.tagging.evaluation import Counts

    counts: dict[str, Counts] = {theme: Counts() for example in examples for theme in example.themes}
    results = tagger.tag_many((example.text, example.language) for example in examples)
    for example, result in zip(examples, results, strict=True):
        found = {tag.theme for tag in result.tags if tag.polarity is Polarity.NEGATIVE}
        for theme, tally in counts.items():
            if theme in found and theme in example.themes:
                tally.true_positive += 1
            elif theme in found:
                tally.false_positive += 1
            elif theme in example.themes:
                tally.false_negative += 1
    return sum(tally.f1 for tally in counts.values()) / len(counts) if counts else 0.0
