-- Working-day calendar (lịch ngày làm việc): the computed default (Labour Code 2019
-- Art. 112, lunar dates in UTC+7) lives in code; this table holds the government's
-- yearly announcements and operator corrections that override it for one date:
-- days off swapped or added, make-up working Saturdays. Deadlines of R-15.3,
-- R-15.4 and R-15.5 are counted on it.
-- No hard delete: withdrawing an override sets active = false (the computed default
-- applies again) and is recorded in change_history like every edit.
CREATE TABLE calendar_days (
  day date PRIMARY KEY,
  working boolean NOT NULL,
  reason_vi text NOT NULL CHECK (length(reason_vi) BETWEEN 1 AND 300),
  reason_en text NOT NULL CHECK (length(reason_en) BETWEEN 1 AND 300),
  legal_basis text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
  active boolean NOT NULL DEFAULT true,
  source text NOT NULL CHECK (source IN ('seed', 'operator')),
  version integer NOT NULL DEFAULT 1,
  created_by text NOT NULL,
  updated_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (day BETWEEN DATE '1900-01-01' AND DATE '2100-12-31')
);

CREATE TRIGGER calendar_days_no_delete BEFORE DELETE ON calendar_days FOR EACH ROW EXECUTE FUNCTION lt_refuse_change();
CREATE TRIGGER calendar_days_no_truncate BEFORE TRUNCATE ON calendar_days FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change();
