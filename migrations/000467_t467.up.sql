CREATE TABLE t467 (id bigint PRIMARY KEY, name text NOT NULL);
