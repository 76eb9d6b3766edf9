"""BM25 over French (and English) text, incremental, for lexical retrieval and explanations.

``analyze`` lowercases, drops elisions and stop words (French and English), stems with the Snowball
French stemmer and folds accents, while keeping technology tokens whole (``c++``, ``c#``, ``.net``,
``node.js``). ``Bm25Index`` keeps postings per term in compact arrays and scores a query with numpy, so
a 3-word query over 50,000 offers takes a few milliseconds; documents are upserted and removed one at a
time (the API keeps one live index of every offer while its indexer thread writes).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Collection
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import snowballstemmer

__all__ = ["Bm25Index", "analyze", "tokens"]

# A word, optionally dotted (node.js, asp.net), optionally with a leading dot (.net) or trailing +/# (c++, c#).
_TOKEN_RE = re.compile(r"\.?\w+(?:[.'’]\w+)*[+#]*", re.UNICODE)
# Dotted tokens stay whole only when they look like technology names; "fin.Ensuite" is two words.
_DOT_SUFFIXES = frozenset({"js", "net", "ts", "io", "py", "ai"})
# One-letter words are noise (H/F, l', d') except two programming languages.
_KEEP_SINGLE = frozenset({"c", "r"})

_FRENCH_STOP = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me meme mes moi mon
ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre
vous c d j l a m n s t y ete etee etees etes etant suis es est sommes etes sont serai seras sera serons
serez seront serais serait serions seriez seraient etais etait etions etiez etaient fus fut fumes futes
furent sois soit soyons soyez soient fusse fusses fut fussions fussiez fussent ayant eu eue eues eus ai
as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient avais avait
avions aviez avaient eut eumes eutes eurent aie aies ait ayons ayez aient eusse eusses eussions eussiez
eussent ceci cela celle celui cet cette ici ils les leurs quel quels quelle quelles sans soi tout tous
toute toutes tres plus moins aussi ainsi alors apres avant bien car chez comme dont donc encore entre
etc hui aujourd lors non oui peu puis sous vers via ni si afin cas deja depuis dont elles fait faire
h f hf
"""
_ENGLISH_STOP = """
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your yours yourself
yourselves looking seeking want wants like
"""


def fold(text: str) -> str:
    """Lowercase without accents: "Développeur Œuvre" → "developpeur oeuvre"."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


STOP_WORDS = frozenset(fold(w) for w in (_FRENCH_STOP + _ENGLISH_STOP).split())
_STEMMER = snowballstemmer.stemmer("french")
# Snowball's French rules need the accents ("infirmière" and "infirmier" meet only with them), but
# candidates often type without: put back the accent of the endings that decide the stem.
_REACCENT = (
    (re.compile(r"iere(s?)$"), r"ière\1"),
    (re.compile(r"(?<=\w{3})ee(s?)$"), r"ée\1"),
    (re.compile(r"(?<=\w{3})ite(s?)$"), r"ité\1"),
    (re.compile(r"(?<=[bcdfghjklmnpqrstvz])ere(s?)$"), r"ère\1"),
)


def _reaccent(word: str) -> str:
    for pattern, repl in _REACCENT:
        out = pattern.sub(repl, word)
        if out != word:
            return out
    return word


@lru_cache(maxsize=200_000)
def _term(surface: str) -> str | None:
    """One surface word → its index term, or None for a stop word."""
    word = surface.lower()
    folded = fold(word)
    if folded in STOP_WORDS or (len(folded) == 1 and folded not in _KEEP_SINGLE):
        return None
    if not folded.isalpha() or len(folded) <= 3:
        return folded  # c++, node.js, 2025, sql, bi: stemming would only damage them
    # Stem with the accents (the French rules use them), then fold what is left.
    return fold(_STEMMER.stemWord(_reaccent(word) if word == folded else word))


def _split_token(tok: str) -> list[str]:
    """The slow path for a token with an apostrophe or a dot."""
    if "'" in tok or "’" in tok:
        tok = re.split(r"['’]", tok)[-1]  # l'entreprise → entreprise; c'est → est
    if "." in tok.strip("."):
        core = tok.lstrip(".")
        if core.rsplit(".", 1)[-1].lower() not in _DOT_SUFFIXES:
            return [p for p in core.split(".") if p]
    elif tok.startswith(".") and tok[1:].lower() not in _DOT_SUFFIXES:
        tok = tok[1:]
    return [tok]


def _surface_words(text: str) -> list[str]:
    out: list[str] = []
    for tok in _TOKEN_RE.findall(text):
        if "." in tok or "'" in tok or "’" in tok:
            out.extend(_split_token(tok))
        else:
            out.append(tok)
    return out


def tokens(text: str) -> list[tuple[str, str]]:
    """(surface word as written, index term) for each word of ``text`` that is not a stop word."""
    return [(word, term) for word in _surface_words(text) if (term := _term(word))]


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, in order, repeats kept (term frequencies count them)."""
    return [term for word in _surface_words(text) if (term := _term(word))]


class Bm25Index:
    """Okapi BM25 (Lucene's idf) with incremental upserts and removals; every method is thread-safe.

    Documents live in integer slots. Postings are append-only arrays of (slot, tf); removing or
    replacing a document frees its slot and marks it dead, its stale postings are masked at query time
    and dropped by a compaction once dead slots outnumber live ones.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._lock = threading.RLock()
        self._vocab: dict[str, int] = {}
        self._post_slots: list[array[int]] = []
        self._post_tfs: list[array[int]] = []
        self._df: list[int] = []
        self._docs: dict[str, tuple[int, npt.NDArray[np.int32]]] = {}  # doc id → (slot, its distinct term ids)
        self._slot_doc: list[str | None] = []
        self._doc_len = np.zeros(1024, dtype=np.float32)
        self._alive = np.zeros(1024, dtype=bool)
        self._total_len = 0
        self._dead = 0

    # ------------------------------------------------------------------------------------------ writes

    def upsert(self, doc_id: str, text: str) -> None:
        """Indexes ``text`` as ``doc_id``, replacing what that id held before."""
        counts = Counter(analyze(text))
        with self._lock:
            self._remove_locked(doc_id)
            slot = len(self._slot_doc)
            self._slot_doc.append(doc_id)
            if slot >= len(self._doc_len):
                self._doc_len = np.concatenate([self._doc_len, np.zeros_like(self._doc_len)])
                self._alive = np.concatenate([self._alive, np.zeros_like(self._alive)])
            length = sum(counts.values())
            self._doc_len[slot] = length
            self._alive[slot] = True
            self._total_len += length
            vocab, post_slots, post_tfs, df = self._vocab, self._post_slots, self._post_tfs, self._df
            ids: list[int] = []
            for term, tf in counts.items():
                tid = vocab.get(term)
                if tid is None:
                    tid = vocab[term] = len(df)
                    post_slots.append(array("i"))
                    post_tfs.append(array("i"))
                    df.append(0)
                post_slots[tid].append(slot)
                post_tfs[tid].append(tf)
                df[tid] += 1
                ids.append(tid)
            self._docs[doc_id] = (slot, np.asarray(ids, dtype=np.int32))

    def remove(self, doc_id: str) -> None:
        with self._lock:
            self._remove_locked(doc_id)

    def _remove_locked(self, doc_id: str) -> None:
        entry = self._docs.pop(doc_id, None)
        if entry is None:
            return
        slot, ids = entry
        for tid in ids.tolist():
            self._df[tid] -= 1
        self._alive[slot] = False
        self._slot_doc[slot] = None
        self._total_len -= int(self._doc_len[slot])
        self._dead += 1
        if self._dead > max(1024, len(self._docs)):
            self._compact()

    def _compact(self) -> None:
        """Renumbers live documents into fresh slots and rebuilds the postings without the dead ones."""
        old_slots = np.flatnonzero(self._alive[: len(self._slot_doc)])
        new_of_old = np.full(len(self._slot_doc), -1, dtype=np.int64)
        new_of_old[old_slots] = np.arange(len(old_slots))
        for tid in range(len(self._df)):
            slots = np.frombuffer(self._post_slots[tid], dtype=np.int32)
            tfs = np.frombuffer(self._post_tfs[tid], dtype=np.int32)
            keep = self._alive[slots]
            new_slots = array("i", new_of_old[slots[keep]].astype(np.int32).tobytes())
            new_tfs = array("i", tfs[keep].tobytes())
            del slots, tfs  # release the buffers before replacing the arrays
            self._post_slots[tid], self._post_tfs[tid] = new_slots, new_tfs
        capacity = max(1024, 2 * len(old_slots))
        doc_len = np.zeros(capacity, dtype=np.float32)
        doc_len[: len(old_slots)] = self._doc_len[old_slots]
        self._doc_len = doc_len
        self._alive = np.zeros(capacity, dtype=bool)
        self._alive[: len(old_slots)] = True
        self._slot_doc = [self._slot_doc[s] for s in old_slots.tolist()]
        self._docs = {d: (int(new_of_old[s]), ids) for d, (s, ids) in self._docs.items()}
        self._dead = 0

    # ------------------------------------------------------------------------------------------- reads

    def __len__(self) -> int:
        with self._lock:
            return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        with self._lock:
            return doc_id in self._docs

    def search(self, query: str, limit: int, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The ``limit`` best documents for ``query`` (score > 0), best first; only ``allowed`` ids if given."""
        terms = list(dict.fromkeys(analyze(query)))
        if limit <= 0 or not terms:
            return []
        with self._lock:
            n_docs = len(self._docs)
            if n_docs == 0:
                return []
            n_slots = len(self._slot_doc)
            avgdl = max(self._total_len / n_docs, 1e-9)
            scores = np.zeros(n_slots, dtype=np.float32)
            k1, b = self.k1, self.b
            for term in terms:
                tid = self._vocab.get(term)
                if tid is None or self._df[tid] <= 0:
                    continue
                df = self._df[tid]
                idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
                slots = np.frombuffer(self._post_slots[tid], dtype=np.int32)
                tfs = np.frombuffer(self._post_tfs[tid], dtype=np.int32).astype(np.float32)
                norm = k1 * (1.0 - b + b * self._doc_len[slots] / avgdl)
                # Slots are never reused, so each appears at most once per term: plain fancy-index add is exact.
                scores[slots] += idf * tfs * (k1 + 1.0) / (tfs + norm)
                del slots
            scores[~self._alive[:n_slots]] = 0.0
            if allowed is not None:
                wanted = [self._docs[d][0] for d in allowed if d in self._docs]
                if not wanted:
                    return []
                cand = np.asarray(wanted, dtype=np.int64)
                cand = cand[scores[cand] > 0]
            else:
                cand = np.flatnonzero(scores > 0)
            if len(cand) > limit:
                # Keep every candidate tied with the limit-th score so ties break by id, not by history.
                kth = np.partition(scores[cand], len(cand) - limit)[len(cand) - limit]
                cand = cand[scores[cand] >= kth]
            hits = [(self._slot_doc[s] or "", float(scores[s])) for s in cand.tolist()]
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:limit]

    def matched_terms(self, query: str, doc_id: str) -> list[str]:
        """The query's words (as the user wrote them, once each) whose term occurs in ``doc_id``."""
        with self._lock:
            entry = self._docs.get(doc_id)
            if entry is None:
                return []
            doc_terms = set(entry[1].tolist())
            vocab = self._vocab
            out: list[str] = []
            seen: set[str] = set()
            for word, term in tokens(query):
                tid = vocab.get(term)
                if tid is not None and tid in doc_terms and word.lower() not in seen:
                    seen.add(word.lower())
                    out.append(word)
            return out
