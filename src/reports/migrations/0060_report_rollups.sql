-- Coarser copies of report_daily (src/reports/rollups.ts): a year of national figures is millions of
-- daily rows; dashboards read these instead. Kept by the counter in the same transaction as
-- report_daily and checked against the log by the recount. `day` is the first day of the month in
-- the monthly ones; the `_totals` ones keep neither consumers nor datasets.
CREATE TABLE report_monthly_totals (
  custodian_code text NOT NULL,
  day date NOT NULL,
  form text NOT NULL,
  status integer NOT NULL,
  rule text NOT NULL,
  exchanges bigint NOT NULL,
  bytes bigint NOT NULL,
  latency_ms_sum bigint NOT NULL,
  lat_b0 bigint NOT NULL DEFAULT 0,
  lat_b1 bigint NOT NULL DEFAULT 0,
  lat_b2 bigint NOT NULL DEFAULT 0,
  lat_b3 bigint NOT NULL DEFAULT 0,
  lat_b4 bigint NOT NULL DEFAULT 0,
  lat_b5 bigint NOT NULL DEFAULT 0,
  lat_b6 bigint NOT NULL DEFAULT 0,
  lat_b7 bigint NOT NULL DEFAULT 0,
  lat_b8 bigint NOT NULL DEFAULT 0,
  lat_b9 bigint NOT NULL DEFAULT 0,
  lat_b10 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (custodian_code, day, form, status, rule)
);
INSERT INTO report_monthly_totals (custodian_code, day, form, status, rule, exchanges, bytes, latency_ms_sum, lat_b0, lat_b1, lat_b2, lat_b3, lat_b4, lat_b5, lat_b6, lat_b7, lat_b8, lat_b9, lat_b10)
  SELECT custodian_code, date_trunc('month', day)::date, form, status, rule, sum(exchanges), sum(bytes), sum(latency_ms_sum), sum(lat_b0), sum(lat_b1), sum(lat_b2), sum(lat_b3), sum(lat_b4), sum(lat_b5), sum(lat_b6), sum(lat_b7), sum(lat_b8), sum(lat_b9), sum(lat_b10) FROM report_daily GROUP BY 1, 2, 3, 4, 5;
CREATE TABLE report_monthly_custodian (
  custodian_code text NOT NULL,
  day date NOT NULL,
  dataset_code text NOT NULL,
  form text NOT NULL,
  status integer NOT NULL,
  rule text NOT NULL,
  exchanges bigint NOT NULL,
  bytes bigint NOT NULL,
  latency_ms_sum bigint NOT NULL,
  lat_b0 bigint NOT NULL DEFAULT 0,
  lat_b1 bigint NOT NULL DEFAULT 0,
  lat_b2 bigint NOT NULL DEFAULT 0,
  lat_b3 bigint NOT NULL DEFAULT 0,
  lat_b4 bigint NOT NULL DEFAULT 0,
  lat_b5 bigint NOT NULL DEFAULT 0,
  lat_b6 bigint NOT NULL DEFAULT 0,
  lat_b7 bigint NOT NULL DEFAULT 0,
  lat_b8 bigint NOT NULL DEFAULT 0,
  lat_b9 bigint NOT NULL DEFAULT 0,
  lat_b10 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (custodian_code, day, dataset_code, form, status, rule)
);
INSERT INTO report_monthly_custodian (custodian_code, day, dataset_code, form, status, rule, exchanges, bytes, latency_ms_sum, lat_b0, lat_b1, lat_b2, lat_b3, lat_b4, lat_b5, lat_b6, lat_b7, lat_b8, lat_b9, lat_b10)
  SELECT custodian_code, date_trunc('month', day)::date, dataset_code, form, status, rule, sum(exchanges), sum(bytes), sum(latency_ms_sum), sum(lat_b0), sum(lat_b1), sum(lat_b2), sum(lat_b3), sum(lat_b4), sum(lat_b5), sum(lat_b6), sum(lat_b7), sum(lat_b8), sum(lat_b9), sum(lat_b10) FROM report_daily GROUP BY 1, 2, 3, 4, 5, 6;
CREATE TABLE report_daily_totals (
  custodian_code text NOT NULL,
  day date NOT NULL,
  form text NOT NULL,
  status integer NOT NULL,
  rule text NOT NULL,
  exchanges bigint NOT NULL,
  bytes bigint NOT NULL,
  latency_ms_sum bigint NOT NULL,
  lat_b0 bigint NOT NULL DEFAULT 0,
  lat_b1 bigint NOT NULL DEFAULT 0,
  lat_b2 bigint NOT NULL DEFAULT 0,
  lat_b3 bigint NOT NULL DEFAULT 0,
  lat_b4 bigint NOT NULL DEFAULT 0,
  lat_b5 bigint NOT NULL DEFAULT 0,
  lat_b6 bigint NOT NULL DEFAULT 0,
  lat_b7 bigint NOT NULL DEFAULT 0,
  lat_b8 bigint NOT NULL DEFAULT 0,
  lat_b9 bigint NOT NULL DEFAULT 0,
  lat_b10 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (custodian_code, day, form, status, rule)
);
INSERT INTO report_daily_totals (custodian_code, day, form, status, rule, exchanges, bytes, latency_ms_sum, lat_b0, lat_b1, lat_b2, lat_b3, lat_b4, lat_b5, lat_b6, lat_b7, lat_b8, lat_b9, lat_b10)
  SELECT custodian_code, day, form, status, rule, sum(exchanges), sum(bytes), sum(latency_ms_sum), sum(lat_b0), sum(lat_b1), sum(lat_b2), sum(lat_b3), sum(lat_b4), sum(lat_b5), sum(lat_b6), sum(lat_b7), sum(lat_b8), sum(lat_b9), sum(lat_b10) FROM report_daily GROUP BY 1, 2, 3, 4, 5;
CREATE TABLE report_daily_custodian (
  custodian_code text NOT NULL,
  day date NOT NULL,
  dataset_code text NOT NULL,
  form text NOT NULL,
  status integer NOT NULL,
  rule text NOT NULL,
  exchanges bigint NOT NULL,
  bytes bigint NOT NULL,
  latency_ms_sum bigint NOT NULL,
  lat_b0 bigint NOT NULL DEFAULT 0,
  lat_b1 bigint NOT NULL DEFAULT 0,
  lat_b2 bigint NOT NULL DEFAULT 0,
  lat_b3 bigint NOT NULL DEFAULT 0,
  lat_b4 bigint NOT NULL DEFAULT 0,
  lat_b5 bigint NOT NULL DEFAULT 0,
  lat_b6 bigint NOT NULL DEFAULT 0,
  lat_b7 bigint NOT NULL DEFAULT 0,
  lat_b8 bigint NOT NULL DEFAULT 0,
  lat_b9 bigint NOT NULL DEFAULT 0,
  lat_b10 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (custodian_code, day, dataset_code, form, status, rule)
);
INSERT INTO report_daily_custodian (custodian_code, day, dataset_code, form, status, rule, exchanges, bytes, latency_ms_sum, lat_b0, lat_b1, lat_b2, lat_b3, lat_b4, lat_b5, lat_b6, lat_b7, lat_b8, lat_b9, lat_b10)
  SELECT custodian_code, day, dataset_code, form, status, rule, sum(exchanges), sum(bytes), sum(latency_ms_sum), sum(lat_b0), sum(lat_b1), sum(lat_b2), sum(lat_b3), sum(lat_b4), sum(lat_b5), sum(lat_b6), sum(lat_b7), sum(lat_b8), sum(lat_b9), sum(lat_b10) FROM report_daily GROUP BY 1, 2, 3, 4, 5, 6;
CREATE TABLE report_monthly (
  custodian_code text NOT NULL,
  day date NOT NULL,
  consumer_agency text NOT NULL,
  consumer_system text NOT NULL,
  dataset_code text NOT NULL,
  form text NOT NULL,
  status integer NOT NULL,
  rule text NOT NULL,
  exchanges bigint NOT NULL,
  bytes bigint NOT NULL,
  latency_ms_sum bigint NOT NULL,
  lat_b0 bigint NOT NULL DEFAULT 0,
  lat_b1 bigint NOT NULL DEFAULT 0,
  lat_b2 bigint NOT NULL DEFAULT 0,
  lat_b3 bigint NOT NULL DEFAULT 0,
  lat_b4 bigint NOT NULL DEFAULT 0,
  lat_b5 bigint NOT NULL DEFAULT 0,
  lat_b6 bigint NOT NULL DEFAULT 0,
  lat_b7 bigint NOT NULL DEFAULT 0,
  lat_b8 bigint NOT NULL DEFAULT 0,
  lat_b9 bigint NOT NULL DEFAULT 0,
  lat_b10 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (custodian_code, day, consumer_agency, consumer_system, dataset_code, form, status, rule)
);
INSERT INTO report_monthly (custodian_code, day, consumer_agency, consumer_system, dataset_code, form, status, rule, exchanges, bytes, latency_ms_sum, lat_b0, lat_b1, lat_b2, lat_b3, lat_b4, lat_b5, lat_b6, lat_b7, lat_b8, lat_b9, lat_b10)
  SELECT custodian_code, date_trunc('month', day)::date, consumer_agency, consumer_system, dataset_code, form, status, rule, sum(exchanges), sum(bytes), sum(latency_ms_sum), sum(lat_b0), sum(lat_b1), sum(lat_b2), sum(lat_b3), sum(lat_b4), sum(lat_b5), sum(lat_b6), sum(lat_b7), sum(lat_b8), sum(lat_b9), sum(lat_b10) FROM report_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
CREATE INDEX report_monthly_consumer_idx ON report_monthly (consumer_agency, day);
