-- R-15.3: every announced day names the official text that decides it (document number and
-- title, issuer, date, where it was read), so the API and the console can show it and a day
-- without one is known to be computed. Null on rows recorded before sources were kept.
ALTER TABLE calendar_days ADD COLUMN source_document text CHECK (length(source_document) BETWEEN 1 AND 200);
ALTER TABLE calendar_days ADD COLUMN source_issuer text CHECK (length(source_issuer) BETWEEN 1 AND 200);
ALTER TABLE calendar_days ADD COLUMN source_date date;
ALTER TABLE calendar_days ADD COLUMN source_url text CHECK (length(source_url) BETWEEN 1 AND 500);
-- A source is whole or absent: document, issuer and date together.
ALTER TABLE calendar_days ADD CONSTRAINT calendar_days_source_whole
  CHECK ((source_document IS NULL) = (source_issuer IS NULL) AND (source_document IS NULL) = (source_date IS NULL)
         AND (source_url IS NULL OR source_document IS NOT NULL));
