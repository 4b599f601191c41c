CREATE TABLE t427 (id bigint PRIMARY KEY, name text NOT NULL);
