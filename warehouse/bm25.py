"""A posting's BM25 part, computed when a search reads it: in SQL (`SUBSCORE`) and in numpy
(`parts`), the same floating-point operations in the same order, so the same numbers.

The expression is match_bm25's (k 1.2, b 0.75), as DuckDB's fts extension scores a term in a
document: from the term's count in it (`tf`), the document's length, the term's document
frequency and the corpus's size and mean length. The last three move with every article
added, so postings scored when the index was built had to be scored again, every one of
them, at every rebuild (2.1 s of a run's closing step at 1M articles); kept as counts, the
postings of unchanged documents stay as they are (warehouse/search.py `_UPDATE`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# A term's inverse document frequency, over its `dict` row `dd` and the corpus `s` (`stats`).
IDF = "log((((s.num_docs - dd.df) + 0.5) / (dd.df + 0.5)) + 1)"


def subscore(length: str = "p.len") -> str:
    """A posting `p`'s part, its document's length being `length`: the expression
    labwatch's postings were scored with when they were built (and the extension's tables
    before them). Postings carry their document's length (a kept document's never changes),
    so a search needs no join with `docs` (3x the SQL's time for two words every article of
    1M holds); an index built before they did gives "docs.len", joined."""
    return (
        f"{IDF} * ((p.tf * (1.2 + 1)) / (p.tf + (1.2 * ((1 - 0.75) + (0.75 * ({length}"
        " / s.avgdl))))))"
    )


SUBSCORE = subscore()


def norms(length: npt.NDArray[np.float64], avgdl: float) -> npt.NDArray[np.float64]:
    """The part of `SUBSCORE`'s denominator that depends on the document only,
    `1.2 * (0.25 + 0.75 * (len / avgdl))`: computed once per document, not per posting."""
    with np.errstate(divide="ignore", invalid="ignore"):  # no words at all: no posting reads it
        found: npt.NDArray[np.float64] = 1.2 * (0.25 + 0.75 * (length / avgdl))
    return found


def parts(
    idf: float, tf: npt.NDArray[np.int64], norm: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """`SUBSCORE` of postings with counts `tf` in documents of `norms` `norm`, the term's
    `IDF` being `idf`. `p.tf * (1.2 + 1)` is a DECIMAL product in DuckDB, converted to a
    double as `tf * 22 / 10.0` (`tf * 2.2` differs in the last bit for about 40% of counts);
    every other constant is a double there too, and IEEE arithmetic gives the same bits."""
    # In place: a common word's postings are a million, and each new array is pages to fault
    # in. `tf * 22.0` is exact (counts are far below 2**53 / 22); `x * idf` is `idf * x`.
    found: npt.NDArray[np.float64] = np.multiply(tf, 22.0)
    found /= 10.0
    den = tf.astype(np.float64)
    den += norm
    found /= den
    found *= idf
    return found
