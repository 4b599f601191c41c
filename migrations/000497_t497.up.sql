CREATE TABLE t497 (id bigint PRIMARY KEY, name text NOT NULL);
