-- Where each article's date came from, and what analysis set aside on a page and why.

-- feed | page_metadata | page_text (extractors/dates.py); NULL when undated.
ALTER TABLE articles ADD COLUMN published_source VARCHAR;
-- What analysis left out and why ("; "-separated): text past the analysed length, deal
-- finding stopped by the time budget, dates set aside (implausible, year-only, disagreeing).
-- NULL when nothing was.
ALTER TABLE articles ADD COLUMN analysis_note VARCHAR;
