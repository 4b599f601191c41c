CREATE TABLE t759 (id bigint PRIMARY KEY, name text NOT NULL);
