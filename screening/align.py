"""Passage alignment of a suspicious text against one source text.

Pipeline (in the spirit of Sanchez-Perez et al., PAN 2014, with Chinese-aware units):

1. *Units.* Each text is cut into sentences (`screening.align_units`). Each unit becomes a set
   of features: Han character bigrams and Latin content words (stop words
   dropped), hashed on the normalised text (traditional → simplified, width, case).
2. *Seeds.* Every sentence pair whose tf-idf cosine and Dice coefficient both pass a threshold is
   a seed. Sentence-level seeds survive reordering, synonym swaps, typos and script conversion.
3. *Extension.* Seeds are clustered alternately along the suspicious and the source text, with a
   gap tolerance counted in units that carry content, until the clusters are stable; clusters
   directly after one another with nearby sources are joined (summaries), and weak seeds that
   jump out of order at a cluster's edge are dropped. Each cluster is one passage pair spanning
   its first to its last unit on both sides, so boundaries fall on sentence boundaries.
4. *Filtering.* Passages too short, too weakly similar as a whole, or overlapping a stronger
   passage in the suspicious text are dropped.
5. *Edges.* A passage grows over neighbouring units that match closely as text but were too
   short to seed; an edge inside a chunk of an over-long sentence moves to where the shared
   token 3-grams begin or end. Each passage is then classified (`screening.classify`).

Everything per character or per token is numpy; Python loops run over seeds and passages only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz.distance import Indel
from scipy import sparse

from screening.align_stopwords import ENGLISH_STOP_WORDS
from screening.align_units import sentence_spans, split_long_sentences
from screening.classify import classify_passage
from screening.fingerprint import Tokens, kgram_hashes, mix64, tokenize
from screening.normalize import NormalizedText, normalize

__all__ = [
    "AlignConfig",
    "AlignedPassage",
    "PreparedText",
    "align_pair",
    "align_prepared",
    "align_texts",
    "is_stop_word",
    "numbers_agree",
    "prepare_text",
    "sentence_cosines",
]

MAX_PAIR_WORK = 5_000_000
REFINE_K = 3  # token k-grams that locate a passage's edge inside a chunk
REFINE_MIN_SHIFT = 5  # tokens: smaller unmatched edges are edits, not foreign text
_BIGRAM_SALT = np.uint64(0x5BD1E9955BD1E995)
_WORD_SALT = np.uint64(0x27D4EB2F165667C5)


def _stop_word_ids() -> np.ndarray:
    text = " ".join(sorted(ENGLISH_STOP_WORDS))
    return np.unique(tokenize(normalize(text)).ids)


_STOP_IDS = _stop_word_ids()


def is_stop_word(ids: np.ndarray) -> np.ndarray:
    """Whether each token id is an English function word (`ENGLISH_STOP_WORDS`)."""
    where = np.minimum(np.searchsorted(_STOP_IDS, ids), len(_STOP_IDS) - 1)
    return _STOP_IDS[where] == ids


@dataclass(frozen=True)
class AlignConfig:
    """Thresholds of the aligner; the defaults are tuned on the development corpora."""

    seed_cosine: float = 0.30
    seed_dice: float = 0.30
    gap_suspicious: int = 3  # sentences without a seed allowed inside a passage
    gap_source: int = 4
    # Clusters next to each other in the suspicious text (at most `merge_gap_suspicious` units
    # apart) merge when their sources are at most `merge_gap_source` units apart: summaries.
    merge_gap_source: int = 12
    merge_gap_suspicious: int = 0
    # When the joined cluster is a compression (its source span at least `summary_ratio` times
    # its suspicious span), sources up to `merge_gap_summary` units apart join too.
    merge_gap_summary: int = 16
    summary_ratio: float = 2.0
    edge_dice: float = 0.5  # weaker seeds at a passage edge must continue the passage in order
    extend_similarity: float = 0.8  # neighbouring units this alike (edit similarity) join
    extend_steps: int = 3
    content_features: int = 2  # units with fewer features do not count in gaps
    min_chars: int = 100  # shortest passage, original characters, on the suspicious side
    min_source_chars: int = 100
    min_close_chars: int = 40  # shorter passages count only if nearly all their text matches
    close_overlap: float = 0.40
    # Short passages below `verbatim_overlap` must also mean the same: their dictionary glosses
    # explain each other (`screening.crosslingual.similarity.chinese_meaning_similarity`).
    verbatim_overlap: float = 0.80
    meaning_similarity: float = 0.85
    meaning_similarity_dense: float = 0.80
    dense_share: float = 0.75
    passage_overlap: float = 0.40  # overlap coefficient of the passages' feature sets
    # Seeds of one suspicious unit weaker than this times its best seed are dropped.
    best_seed_ratio: float = 0.9
    single_seed_dice: float = 0.55  # a passage resting on one seed pair needs this Dice
    # A summary keeps a sample of its source's sentences: the source ends it left out are about
    # as long as the mean gap between the kept ones. The source span grows by this share of
    # that gap at each end (half: text outside the true span costs precision; 0 turns it off).
    summary_edge: float = 0.5


@dataclass(frozen=True)
class PreparedText:
    """A text with everything alignment needs; prepare once, align against many texts."""

    original: str
    norm: NormalizedText
    tokens: Tokens
    sentence_starts: np.ndarray  # int64 original offsets, end-exclusive spans
    sentence_ends: np.ndarray
    feature_sentence: np.ndarray  # int64: unique (sentence, feature) pairs, sorted
    features: np.ndarray  # uint64
    sentence_sizes: np.ndarray  # int64: distinct features per sentence
    vocabulary: np.ndarray  # uint64: distinct features of the text, sorted
    vocabulary_counts: np.ndarray  # int64: sentences holding each of them
    feature_index: np.ndarray  # int64: index of each (sentence, feature) entry in vocabulary
    token_unit: np.ndarray  # int64: unit of each token (non-decreasing)
    unit_chunked: np.ndarray  # bool: the unit is a chunk of an over-long sentence
    # Derived features other matchers compute on demand (cross-language bags), kept per text.
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class AlignedPassage:
    """One passage pair; offsets are original-text characters, end-exclusive."""

    susp_start: int
    susp_end: int
    src_start: int
    src_end: int
    similarity: float
    match_class: str
    # Set for class "translated": the language of the source passage ("en", "zh").
    source_language: str | None = None


def prepare_text(text: str) -> PreparedText:
    """Normalise, tokenise, cut into sentences and compute the sentence features."""
    norm = normalize(text)
    tokens = tokenize(norm)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    starts, ends = sentence_spans(codes.astype(np.int64))
    if len(tokens) and len(starts):
        token_sentence = np.searchsorted(starts, tokens.starts, side="right") - 1
        token_sentence = np.maximum(token_sentence, 0)
    else:
        token_sentence = np.zeros(len(tokens), dtype=np.int64)
    starts, ends, token_sentence, chunked = split_long_sentences(
        starts, ends, tokens, token_sentence
    )
    n_sent = len(starts)
    ids = tokens.ids
    han = tokens.is_han if tokens.is_han is not None else np.zeros(len(ids), dtype=bool)
    # Features in token order (hence sentence order): the bigram starting at each Han token
    # whose successor is Han and in the same unit, and each Latin content word.
    feature_at = np.zeros(len(ids), dtype=np.uint64)
    valid = np.zeros(len(ids), dtype=bool)
    if len(ids):
        pair = np.zeros(len(ids), dtype=bool)
        pair[:-1] = han[:-1] & han[1:] & (token_sentence[:-1] == token_sentence[1:])
        bigram_index = np.flatnonzero(pair)
        feature_at[bigram_index] = mix64((ids[bigram_index] * _BIGRAM_SALT) ^ ids[bigram_index + 1])
        valid[bigram_index] = True
        word_index = np.flatnonzero(~han)
        word_index = word_index[~is_stop_word(ids[word_index])]
        feature_at[word_index] = mix64(ids[word_index] ^ _WORD_SALT)
        valid[word_index] = True
    features = feature_at[valid]
    feature_sentence = token_sentence[valid].astype(np.int64)
    # One stable sort by feature: equal features end up together, their units ascending.
    by_feature = np.argsort(features, kind="stable")
    sorted_features = features[by_feature]
    sorted_units = feature_sentence[by_feature]
    new_feature = np.ones(len(features), dtype=bool)
    new_feature[1:] = sorted_features[1:] != sorted_features[:-1]
    distinct = new_feature.copy()
    distinct[1:] |= sorted_units[1:] != sorted_units[:-1]
    vocabulary = sorted_features[new_feature]
    vocabulary_of_entry = np.cumsum(new_feature)[distinct] - 1
    entry_units = sorted_units[distinct]
    vocabulary_counts = np.bincount(vocabulary_of_entry, minlength=len(vocabulary))
    # Entries (unit, feature) ordered by unit for the sparse matrices.
    unit_dtype = np.uint16 if n_sent < 2**16 else np.int64
    by_unit = np.argsort(entry_units.astype(unit_dtype), kind="stable")
    feature_sentence = entry_units[by_unit]
    feature_index = vocabulary_of_entry[by_unit]
    features = vocabulary[feature_index]
    sizes = np.bincount(feature_sentence, minlength=n_sent).astype(np.int64)
    return PreparedText(
        original=text,
        norm=norm,
        tokens=tokens,
        sentence_starts=starts,
        sentence_ends=ends,
        feature_sentence=feature_sentence,
        features=features,
        sentence_sizes=sizes,
        vocabulary=vocabulary,
        vocabulary_counts=vocabulary_counts.astype(np.int64),
        feature_index=feature_index.astype(np.int64),
        token_unit=token_sentence.astype(np.int64),
        unit_chunked=chunked,
    )


def _sentence_matrix(
    doc: PreparedText, columns: np.ndarray, idf: np.ndarray
) -> tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray]:
    """Binary and tf-idf sentence × shared-feature matrices, and each sentence's tf-idf norm."""
    n_sent = len(doc.sentence_starts)
    weights = idf[doc.feature_index]
    norms = np.sqrt(np.bincount(doc.feature_sentence, weights * weights, n_sent))
    col = columns[doc.feature_index]
    keep = col >= 0
    rows = doc.feature_sentence[keep]
    indptr = np.searchsorted(rows, np.arange(n_sent + 1))
    shape = (n_sent, int(columns.max()) + 1)
    indices = col[keep].astype(np.int32)
    binary = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=shape)
    weighted = sparse.csr_matrix((weights[keep], indices, indptr), shape=shape)
    return binary, weighted, norms


def _shared_vocabulary(susp: PreparedText, src: PreparedText) -> tuple[np.ndarray, np.ndarray]:
    """Indices into both vocabularies of the features that enter the unit-pair product."""
    _, in_a, in_b = np.intersect1d(
        susp.vocabulary, src.vocabulary, assume_unique=True, return_indices=True
    )
    # Memory guard for very long texts: a feature shared by m and n units costs m × n entries of
    # the unit-pair product; the most common features go first when the total is too large.
    work = susp.vocabulary_counts[in_a] * src.vocabulary_counts[in_b]
    if work.sum() > MAX_PAIR_WORK:
        order = np.argsort(work, kind="stable")
        keep = order[np.cumsum(work[order]) <= MAX_PAIR_WORK]
        keep.sort()
        in_a, in_b = in_a[keep], in_b[keep]
    return in_a, in_b


def _pair_matrices(
    susp: PreparedText, src: PreparedText, in_a: np.ndarray, in_b: np.ndarray
) -> tuple[
    tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray],
    tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray],
]:
    """`_sentence_matrix` of both texts, with idf counted over the units of both.

    Binary term frequency; idf = ln((n + 1) / df) + 1 with n the units of both texts and df the
    units holding the feature; norms over all of a unit's features (docs/alignment.md).
    """
    n_units = len(susp.sentence_starts) + len(src.sentence_starts) + 1
    counts_a = susp.vocabulary_counts.copy()
    counts_a[in_a] += src.vocabulary_counts[in_b]
    counts_b = src.vocabulary_counts.copy()
    counts_b[in_b] += susp.vocabulary_counts[in_a]
    columns_a = np.full(len(susp.vocabulary), -1, dtype=np.int64)
    columns_a[in_a] = np.arange(len(in_a))
    columns_b = np.full(len(src.vocabulary), -1, dtype=np.int64)
    columns_b[in_b] = np.arange(len(in_b))
    return (
        _sentence_matrix(susp, columns_a, np.log(n_units / counts_a) + 1.0),
        _sentence_matrix(src, columns_b, np.log(n_units / counts_b) + 1.0),
    )


def sentence_cosines(susp: PreparedText, src: PreparedText) -> np.ndarray:
    """Tf-idf cosine of every suspicious unit (rows) with every source unit (columns).

    The very weights and norms seeds are chosen from, as a dense array: for inspection and for
    the reference check against scikit-learn. Alignment itself only looks at the unit pairs
    that share features. Past the memory guard (`MAX_PAIR_WORK`) the most common shared
    features are left out of the dot products but not of the norms, as in alignment.
    """
    cosines = np.zeros((len(susp.sentence_starts), len(src.sentence_starts)))
    in_a, in_b = _shared_vocabulary(susp, src)
    if len(in_a) == 0:
        return cosines
    (_, wt_a, norm_a), (_, wt_b, norm_b) = _pair_matrices(susp, src, in_a, in_b)
    dot = (wt_a @ wt_b.T).tocoo()
    i, j = dot.row.astype(np.int64), dot.col.astype(np.int64)
    cosines[i, j] = dot.data / np.maximum(norm_a[i] * norm_b[j], 1e-12)
    return cosines


def _seed_pairs(
    susp: PreparedText, src: PreparedText, config: AlignConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence pairs (i, j) similar enough to seed a passage, with their Dice coefficients."""
    empty = np.zeros(0, dtype=np.int64)
    in_a, in_b = _shared_vocabulary(susp, src)
    if len(in_a) == 0:
        return empty, empty, np.zeros(0)
    (bin_a, wt_a, norm_a), (bin_b, wt_b, norm_b) = _pair_matrices(susp, src, in_a, in_b)
    inter = (bin_a @ bin_b.T).tocsr()
    dot = (wt_a @ wt_b.T).tocsr()
    inter.sort_indices()
    dot.sort_indices()
    # Weights are positive, so both products have the same sparsity pattern.
    if not (
        np.array_equal(inter.indptr, dot.indptr) and np.array_equal(inter.indices, dot.indices)
    ):
        dot = dot.multiply(inter.astype(bool)).tocsr()
        dot.sort_indices()
    i = np.repeat(np.arange(inter.shape[0], dtype=np.int64), np.diff(inter.indptr))
    j = inter.indices.astype(np.int64)
    common, weighted = inter.data, dot.data
    sizes = susp.sentence_sizes[i] + src.sentence_sizes[j]
    dice = 2.0 * common / np.maximum(sizes, 1)
    first = (dice >= config.seed_dice) & (common >= 2)
    i, j, dice, weighted = i[first], j[first], dice[first], weighted[first]
    cosine = weighted / np.maximum(norm_a[i] * norm_b[j], 1e-12)
    ok = cosine >= config.seed_cosine
    i, j, dice = i[ok], j[ok], dice[ok]
    # Each suspicious sentence keeps only its best source sentences: a copied sentence also
    # resembles other sentences on the same topic, and those would stretch the source span.
    if len(i):
        best = np.zeros(len(susp.sentence_starts))
        np.maximum.at(best, i, dice)
        keep = dice >= best[i] * config.best_seed_ratio
        i, j, dice = i[keep], j[keep], dice[keep]
    return i, j, dice


def _split(members: np.ndarray, axis_values: np.ndarray, gap: int) -> list[np.ndarray]:
    """Split seed indices where the next sentence is more than `gap` sentences further on."""
    order = members[np.argsort(axis_values[members], kind="stable")]
    values = axis_values[order]
    running = np.maximum.accumulate(values)
    breaks = np.flatnonzero(values[1:] - running[:-1] - 1 > gap) + 1
    return np.split(order, breaks)


def _cluster(i: np.ndarray, j: np.ndarray, config: AlignConfig) -> list[np.ndarray]:
    """Clusters of seeds, stable under splitting along both texts."""
    result: list[np.ndarray] = []
    stack = [np.arange(len(i))]
    while stack:
        members = stack.pop()
        for part in _split(members, i, config.gap_suspicious):
            pieces = _split(part, j, config.gap_source)
            if len(pieces) == 1:
                result.append(part)
            else:
                stack.extend(pieces)
    return result


def _merge_adjacent(
    clusters: list[np.ndarray],
    i: np.ndarray,
    j: np.ndarray,
    dice: np.ndarray,
    config: AlignConfig,
) -> list[np.ndarray]:
    """Join clusters that follow each other in the suspicious text with nearby sources.

    A summary keeps a few sentences of a long source passage: its seeds leave wide gaps on the
    source side only, and the clusters they form belong together.
    """
    ordered = sorted(clusters, key=lambda m: int(i[m].min()))
    merged: list[np.ndarray] = []
    for members in ordered:
        if merged:
            last = merged[-1]
            gap_a = int(i[members].min()) - int(i[last].max()) - 1
            lo_b, hi_b = int(j[last].min()), int(j[last].max())
            lo_n, hi_n = int(j[members].min()), int(j[members].max())
            gap_b = max(lo_n - hi_b, lo_b - hi_n) - 1
            susp_span = int(i[members].max()) - int(i[last].min()) + 1
            src_span = max(hi_b, hi_n) - min(lo_b, lo_n) + 1
            # The wider gap of a summary only between clusters that each rest on a strong seed:
            # weak seeds of same-topic sentences would otherwise join far apart.
            summary = (
                src_span >= config.summary_ratio * susp_span
                and dice[last].max() >= config.edge_dice
                and dice[members].max() >= config.edge_dice
            )
            allowed = config.merge_gap_summary if summary else config.merge_gap_source
            if gap_a <= config.merge_gap_suspicious and gap_b <= allowed:
                merged[-1] = np.concatenate([last, members])
                continue
        merged.append(members)
    return merged


def _summary_gap(sj: np.ndarray, susp_chars: int, src_chars: int, config: AlignConfig) -> int:
    """Source units a summarised passage is expected to have left out at each end.

    A summary keeps a sample of its source's sentences, and samples rarely include the first
    and the last one: the expected gap at each end equals the mean gap between kept sentences.
    Only compressions count (the source span `summary_ratio` times longer in characters);
    verbatim and lightly edited copies have no gaps and get no extension.
    """
    src_units = np.unique(sj)
    if len(src_units) < 2 or config.summary_edge <= 0:
        return 0
    if src_chars < config.summary_ratio * susp_chars:
        return 0
    left_out = int(src_units[-1] - src_units[0] + 1) - len(src_units)
    return int(round(config.summary_edge * left_out / (len(src_units) - 1)))


def _trim_weak_edges(
    members: np.ndarray, i: np.ndarray, j: np.ndarray, dice: np.ndarray, config: AlignConfig
) -> np.ndarray:
    """Drop weak seeds at a passage's edges that sit out of order with the rest.

    A sentence just outside a copied passage often resembles some sentence of the source on the
    same topic; such a seed is weak, and it maps to the far end of the source span instead of
    continuing it. Strong seeds stay wherever they are (reordered copies).
    """
    while len(members) > 2:
        by_susp = members[np.lexsort((j[members], i[members]))]
        by_src = members[np.lexsort((i[members], j[members]))]
        dropped = False
        for edge, rest, along, across, at_start in (
            (by_susp[0], by_susp[1:], i, j, True),
            (by_susp[-1], by_susp[:-1], i, j, False),
            (by_src[0], by_src[1:], j, i, True),
            (by_src[-1], by_src[:-1], j, i, False),
        ):
            if dice[edge] >= config.edge_dice or along[edge] in along[rest]:
                continue
            out_of_order = (
                across[edge] > across[rest].max() if at_start else across[edge] < across[rest].min()
            )
            if out_of_order:
                members = members[members != edge]
                dropped = True
                break
        if not dropped:
            break
    return members


def _same_meaning(
    susp: PreparedText,
    susp_units: tuple[int, int],
    src: PreparedText,
    src_units: tuple[int, int],
    threshold: float,
) -> bool:
    """Whether two unit spans of Chinese text explain each other's words by their glosses."""
    from screening.crosslingual.features import LANGUAGE_ZH, unit_languages  # import align
    from screening.crosslingual.similarity import chinese_meaning_similarity

    for doc, (first, last) in ((susp, susp_units), (src, src_units)):
        if not np.any(unit_languages(doc)[0][first : last + 1] == LANGUAGE_ZH):
            return False  # glosses explain Chinese words only
    if not numbers_agree(susp, susp_units, src, src_units):
        return False
    return chinese_meaning_similarity(susp, susp_units, src, src_units) >= threshold


_NUMBER = re.compile(r"\d[\d,，]*(?:\.\d+)?")


def _numbers(doc: PreparedText, units: tuple[int, int]) -> set[str]:
    """The numbers written in digits in units `units[0]..units[1]`, in one spelling.

    Thousands separators go, and so do the trailing zeros of whole numbers (1,000 = 1000 = 1 千;
    25 万 = 250,000): translations change how a number is grouped and in which unit it is
    counted.
    """
    text = doc.original[int(doc.sentence_starts[units[0]]) : int(doc.sentence_ends[units[1]])]
    spelled = set()
    for match in _NUMBER.findall(text):
        whole, _, fraction = match.replace(",", "").replace("，", "").partition(".")
        fraction = fraction.rstrip("0")
        if fraction:  # 12.50 = 12.5, never 1250
            spelled.add(f"{int(whole)}.{fraction}")
        else:
            spelled.add(str(int(whole)).rstrip("0") or "0")
    return spelled


def numbers_agree(
    susp: PreparedText, susp_units: tuple[int, int], src: PreparedText, src_units: tuple[int, int]
) -> bool:
    """A rewording or a translation keeps the facts: when both sides give numbers (tokens
    starting with a digit), they share at least one.

    Two abstracts written on one template (目的…方法 将 120 例…) differ exactly there.
    """
    a, b = _numbers(susp, susp_units), _numbers(src, src_units)
    return not a or not b or bool(a & b)


def _passage_features(doc: PreparedText, first: int, last: int) -> np.ndarray:
    lo = np.searchsorted(doc.feature_sentence, first, side="left")
    hi = np.searchsorted(doc.feature_sentence, last, side="right")
    return np.unique(doc.features[lo:hi])


def _normalized_span(doc: PreparedText, start: int, end: int) -> str:
    """The normalised text produced by original characters `start:end`."""
    offsets = doc.norm.offsets[:-1]
    return doc.norm.text[np.searchsorted(offsets, start) : np.searchsorted(offsets, end)]


def _unit_text(doc: PreparedText, first: int, last: int) -> str:
    """Normalised text of units `first..last`, without spaces."""
    span = _normalized_span(doc, int(doc.sentence_starts[first]), int(doc.sentence_ends[last]))
    return span.replace(" ", "")


def _extend(
    susp: PreparedText,
    src: PreparedText,
    spans: tuple[int, int, int, int],
    low: int,
    high: int,
    config: AlignConfig,
) -> tuple[int, int, int, int]:
    """Grow a passage over neighbouring units that match closely but gave no seed.

    Edge sentences broken by a stray line break or hyphen ("Some-\\nthing") have too few
    features to seed; compared as text they are (nearly) the same.
    """
    a0, a1, b0, b1 = spans
    n_a, n_b = len(susp.sentence_starts), len(src.sentence_starts)
    for direction in (1, -1):
        for _ in range(config.extend_steps):
            best: tuple[float, int, int] | None = None
            for da in (1, 2):
                for db in (1, 2):
                    if direction == 1:
                        na, nb = a1 + da, b1 + db
                        if na > min(high, n_a - 1) or nb > n_b - 1:
                            continue
                        x, y = _unit_text(susp, a1 + 1, na), _unit_text(src, b1 + 1, nb)
                    else:
                        na, nb = a0 - da, b0 - db
                        if na < max(low, 0) or nb < 0:
                            continue
                        x, y = _unit_text(susp, na, a0 - 1), _unit_text(src, nb, b0 - 1)
                    if not x or not y:
                        continue
                    similarity = Indel.normalized_similarity(x, y)
                    if similarity >= config.extend_similarity and (
                        best is None or similarity > best[0]
                    ):
                        best = (similarity, na, nb)
            if best is None:
                break
            if direction == 1:
                a1, b1 = best[1], best[2]
            else:
                a0, b0 = best[1], best[2]
    return a0, a1, b0, b1


def _matched_tokens(ids: np.ndarray, other: np.ndarray, k: int) -> np.ndarray:
    """Which tokens of `ids` lie in a k-gram that also occurs in `other`."""
    matched = np.zeros(len(ids), dtype=bool)
    grams = kgram_hashes(ids, k)
    if len(grams) == 0:
        return matched
    hits = np.isin(grams, kgram_hashes(other, k))
    for shift in range(k):
        matched[shift : shift + len(hits)] |= hits
    return matched


def _refine_side(
    doc: PreparedText, other: PreparedText, units: tuple[int, int], other_units: tuple[int, int]
) -> tuple[int, int]:
    """Passage ends inside chunk units moved to where the shared token run begins/ends."""
    first, last = units
    start, end = int(doc.sentence_starts[first]), int(doc.sentence_ends[last])
    if not (doc.unit_chunked[first] or doc.unit_chunked[last]):
        return start, end
    t0 = int(np.searchsorted(doc.token_unit, first, side="left"))
    t1 = int(np.searchsorted(doc.token_unit, last, side="right"))
    # The other side's span widened by a unit: its own edges may be short of the truth.
    o0 = int(np.searchsorted(other.token_unit, other_units[0] - 1, side="left"))
    o1 = int(np.searchsorted(other.token_unit, other_units[1] + 1, side="right"))
    matched = _matched_tokens(doc.tokens.ids[t0:t1], other.tokens.ids[o0:o1], REFINE_K)
    hits = np.flatnonzero(matched)
    if len(hits) == 0:
        return start, end
    if doc.unit_chunked[first] and hits[0] >= REFINE_MIN_SHIFT:
        start = int(doc.tokens.starts[t0 + hits[0]])
    if doc.unit_chunked[last] and len(matched) - 1 - hits[-1] >= REFINE_MIN_SHIFT:
        end = int(doc.tokens.ends[t0 + hits[-1]])
    return start, end


def align_prepared(
    susp: PreparedText, src: PreparedText, config: AlignConfig | None = None
) -> list[AlignedPassage]:
    """Passage pairs shared by two prepared texts, ordered by position in the suspicious text."""
    config = config or AlignConfig()
    i, j, dice = _seed_pairs(susp, src, config)
    if len(i) == 0:
        return []
    candidates: list[tuple[float, int, int, int, int, int]] = []  # score, unit spans, gap
    # Gaps are counted in units that carry content: "1990;" or a lone "." costs nothing.
    ri = np.cumsum(susp.sentence_sizes >= config.content_features)[i]
    rj = np.cumsum(src.sentence_sizes >= config.content_features)[j]
    for members in _merge_adjacent(_cluster(ri, rj, config), ri, rj, dice, config):
        members = _trim_weak_edges(members, ri, rj, dice, config)
        si, sj = i[members], j[members]
        a0, a1, b0, b1 = int(si.min()), int(si.max()), int(sj.min()), int(sj.max())
        susp_start, susp_end = int(susp.sentence_starts[a0]), int(susp.sentence_ends[a1])
        src_start, src_end = int(src.sentence_starts[b0]), int(src.sentence_ends[b1])
        short = (
            susp_end - susp_start < config.min_chars
            or src_end - src_start < config.min_source_chars
        )
        if short and (
            len(members) < 2
            or min(susp_end - susp_start, src_end - src_start) < config.min_close_chars
        ):
            continue
        if len(members) == 1 and dice[members[0]] < config.single_seed_dice:
            continue
        fa = _passage_features(susp, a0, a1)
        fb = _passage_features(src, b0, b1)
        common = len(np.intersect1d(fa, fb, assume_unique=True))
        overlap = common / max(min(len(fa), len(fb)), 1)
        if overlap < (config.close_overlap if short else config.passage_overlap):
            continue
        # A run of sentence seeds (one per suspicious sentence, 3 or more) is evidence in itself,
        # so its meaning may fall a little shorter.
        dense = len(members) >= 3 and len(np.unique(si)) >= config.dense_share * (a1 - a0 + 1)
        meaning = config.meaning_similarity_dense if dense else config.meaning_similarity
        if (
            short
            and overlap < config.verbatim_overlap
            and not _same_meaning(susp, (a0, a1), src, (b0, b1), meaning)
        ):
            continue
        score = overlap * (susp_end - susp_start)
        gap = _summary_gap(sj, susp_end - susp_start, src_end - src_start, config)
        candidates.append((score, a0, a1, b0, b1, gap))
    kept: list[tuple[int, int, int, int, int]] = []
    for _, a0, a1, b0, b1, gap in sorted(candidates, reverse=True):
        if any(a0 <= k[1] and k[0] <= a1 for k in kept):
            continue
        kept.append((a0, a1, b0, b1, gap))
    kept.sort()
    passages = []
    for n, (a0, a1, b0, b1, gap) in enumerate(kept):
        low = kept[n - 1][1] + 1 if n else 0
        high = kept[n + 1][0] - 1 if n + 1 < len(kept) else len(susp.sentence_starts) - 1
        a0, a1, b0, b1 = _extend(susp, src, (a0, a1, b0, b1), low, high, config)
        b0, b1 = max(b0 - gap, 0), min(b1 + gap, len(src.sentence_starts) - 1)
        s0, s1 = _refine_side(susp, src, (a0, a1), (b0, b1))
        r0, r1 = _refine_side(src, susp, (b0, b1), (a0, a1))
        verdict = classify_passage(
            susp.original[s0:s1],
            src.original[r0:r1],
            normalized=(_normalized_span(susp, s0, s1), _normalized_span(src, r0, r1)),
        )
        passages.append(
            AlignedPassage(
                susp_start=s0,
                susp_end=s1,
                src_start=r0,
                src_end=r1,
                similarity=verdict.similarity,
                match_class=verdict.match_class,
            )
        )
    return passages


def align_texts(
    susp: PreparedText, src: PreparedText, config: AlignConfig | None = None
) -> list[AlignedPassage]:
    """Monolingual passages and, between Chinese and English units, translated passages.

    Translated passages overlapping a monolingual one in the suspicious text are dropped.
    """
    from screening.crosslingual.align import align_cross_language  # imports this module

    passages = align_prepared(susp, src, config)
    translated = align_cross_language(susp, src)
    if not translated:
        return passages
    kept = [
        t
        for t in translated
        if all(t.susp_end <= p.susp_start or p.susp_end <= t.susp_start for p in passages)
    ]
    return sorted(passages + kept, key=lambda p: p.susp_start)


def align_pair(
    suspicious: str, source: str, config: AlignConfig | None = None
) -> list[AlignedPassage]:
    """Passage pairs shared by two texts (see the module docstring)."""
    return align_texts(prepare_text(suspicious), prepare_text(source), config)
