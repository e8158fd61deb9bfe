"""spaCy through Presidio's NlpEngineProvider, trimmed to what detection needs."""

from __future__ import annotations

import threading
from typing import Any

from .gate import may_hold_names
from .models import PiiError

_engines: dict[tuple[str, str, bool], Any] = {}
_engines_lock = threading.Lock()

SPACY_LABELS_TO_PRESIDIO = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
SPACY_IGNORED_LABELS = [
    "ORG", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY",
    "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "ORGANIZATION", "MISC",
]
NER_SCORE = 0.85


def _lean_engine_class() -> type:
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class LeanSpacyNlpEngine(SpacyNlpEngine):  # type: ignore[misc, valid-type]
        """SpacyNlpEngine that never downloads and runs only the NER component.

        Our recognizers read entities only, so the tagger, parser and lemmatizer
        (about 40 % of the pipeline time) are switched off. Lemmas fall back to
        lower-cased tokens for Presidio's context enhancer. A text in which no word
        could be a name skips NER (gate.py).
        """

        engine_name = "spacy"
        with_lemmas = True

        def load(self) -> None:
            import spacy

            self.nlp = {}
            for model in self.models:
                self._validate_model_params(model)
                try:
                    nlp = spacy.load(model["model_name"], exclude=["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"])
                except OSError as exc:
                    raise PiiError(f"spaCy model {model['model_name']!r} is not installed") from exc
                for name, pipe in nlp.pipeline:
                    if name != "ner" and "ner" not in getattr(pipe, "listening_components", ()):
                        nlp.disable_pipe(name)
                self.nlp[model["lang_code"]] = nlp

        def process_text(self, text: str, language: str) -> Any:
            nlp = self.nlp[language]
            # NER only where a word could be a name (gate.py): tokens alone cost a tenth of it.
            doc = nlp(text) if may_hold_names(text) else nlp.make_doc(text)
            return self._doc_to_nlp_artifact(doc, language)

        def _doc_to_nlp_artifact(self, doc: Any, language: str) -> Any:
            from presidio_analyzer.nlp_engine import NlpArtifacts

            entities, scores = self._get_updated_entities(self._get_entities(doc), self._get_scores_for_entities(doc))
            if not self.with_lemmas:
                # Lemmas and keywords only feed Presidio's context enhancer, which our
                # recognizers do not use; building them costs more than the regexes.
                return NlpArtifacts(entities, doc, [], [], None, language, scores)
            lemmas = [token.lemma_ or token.lower_ for token in doc]
            return NlpArtifacts(entities, doc, [token.idx for token in doc], lemmas, self, language, scores)

    return LeanSpacyNlpEngine


def shared_nlp_engine(model: str, language: str, with_lemmas: bool) -> Any:
    """One loaded spaCy engine per (model, language, lemmas), shared by configurations."""
    key = (model, language, with_lemmas)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = create_nlp_engine(model, language, with_lemmas)
        return engine


def create_nlp_engine(model: str, language: str, with_lemmas: bool = True) -> Any:
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    configuration = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": language, "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": SPACY_LABELS_TO_PRESIDIO,
            "labels_to_ignore": SPACY_IGNORED_LABELS,
            "default_score": NER_SCORE,
        },
    }
    engine_class = _lean_engine_class()
    engine_class.with_lemmas = with_lemmas
    return NlpEngineProvider(nlp_engines=(engine_class,), nlp_configuration=configuration).create_engine()


def create_stock_nlp_engine(model: str, language: str) -> Any:
    """Presidio's own spaCy engine with its default NER configuration (benchmark baseline)."""
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    configuration = {"nlp_engine_name": "spacy", "models": [{"lang_code": language, "model_name": model}]}
    return NlpEngineProvider(nlp_configuration=configuration).create_engine()
