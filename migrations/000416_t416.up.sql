CREATE TABLE t416 (id bigint PRIMARY KEY, name text NOT NULL);
