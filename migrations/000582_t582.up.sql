CREATE TABLE t582 (id bigint PRIMARY KEY, name text NOT NULL);
