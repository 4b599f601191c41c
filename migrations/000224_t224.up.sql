CREATE TABLE t224 (id bigint PRIMARY KEY, name text NOT NULL);
