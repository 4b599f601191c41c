CREATE TABLE t88 (id bigint PRIMARY KEY, name text NOT NULL);
