CREATE TABLE t188 (id bigint PRIMARY KEY, name text NOT NULL);
