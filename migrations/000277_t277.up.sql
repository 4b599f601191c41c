CREATE TABLE t277 (id bigint PRIMARY KEY, name text NOT NULL);
